"""Grassroots SI office areas (BHXH cơ sở) of the current hierarchy version, as an admin edits
them: rename one, move a commune to another, merge one into another, delete an empty one.

From July 2025 the middle level of the hierarchy is the office area: the District rows of a
version whose middle_level is "office". Only the current version's office areas are edited here;
the districts of a "district" version are administrative units and are not.

Every edit is dated (effective_on, within the version's validity and at most a year ahead) and
writes an OfficeAreaChange row with a summary of what changed, in the same transaction as the
change itself (the audit trail of planner/audit.py records the rows too). A commune keeps its
own records: coverage, denominators, conferences, activity and its targets never move or go.
Edits that would leave a commune without an office or a head without an area are refused.
"""
from dataclasses import dataclass, field
from datetime import date

from flask_babel import force_locale, gettext as _
from sqlalchemy import func, select

from planner.i18n import fmt_date, fmt_number
from planner.models import (
    Commune, Denominator, District, OfficeAreaChange, Target, User, UserCommune,
)
from planner.models.fieldwork import Campaign
from planner.services import hierarchy
from planner.services.metrics import METRICS
from planner.services.registry import current_version

CHANGE_KINDS = ("rename", "move", "merge", "delete")
NAME_MAX = 120
SUMMARY_MAX = 2000
STORED_LOCALE = "vi"  # summaries are kept in the agency's language


class OfficeError(ValueError):
    """An office-area edit that breaks a rule; the message (Vietnamese) says why."""


# --- the version and its offices ----------------------------------------------------------------

def is_office_version(version):
    return version is not None and hierarchy.middle_level(version) == "office"


def office_version(*, session):
    """The current hierarchy version, if its middle level is office areas (else OfficeError)."""
    version = current_version(session=session)
    if version is None:
        raise OfficeError(_("Chưa có phiên bản địa giới nào."))
    if not is_office_version(version):
        raise OfficeError(_("Phiên bản địa giới hiện hành (%(name)s) chia theo huyện: huyện là đơn vị hành chính, "
                            "không sửa ở đây.", name=version.name))
    return version


def offices(*, session, version):
    return session.execute(select(District).where(District.version_id == version.id)
                           .order_by(District.code)).scalars().all()


def find_office(*, session, office_id):
    """The office area with this id in the current office version, or None."""
    version = current_version(session=session)
    if not is_office_version(version):
        return None
    office = session.get(District, office_id)
    if office is None or office.version_id != version.id:
        return None
    return office


def heads_by_office(*, session, office_ids):
    """{office id: [district heads of it]} (role district_head, User.district_id)."""
    result = {oid: [] for oid in office_ids}
    if not office_ids:
        return result
    for user in session.execute(select(User).where(User.role == "district_head",
                                                   User.district_id.in_(list(office_ids)))
                                .order_by(User.username)).scalars():
        result[user.district_id].append(user)
    return result


def populations(*, session, version, today=None):
    """({commune id: population}, year) of the latest year with figures up to this year, across reforms."""
    today = today or date.today()
    return hierarchy.denominators_in_version(session=session, version=version, column=Denominator.population,
                                             up_to_year=today.year)


def office_rows(*, session, version, today=None):
    """(rows, population year): each office area with its commune count, population and heads."""
    areas = offices(session=session, version=version)
    counts = dict(session.execute(select(Commune.district_id, func.count(Commune.id))
                                  .where(Commune.version_id == version.id).group_by(Commune.district_id)).all())
    pops, year = populations(session=session, version=version, today=today)
    office_of = dict(session.execute(select(Commune.id, Commune.district_id)
                                     .where(Commune.version_id == version.id)).all())
    population = {}
    for commune_id, value in pops.items():
        if commune_id in office_of:
            population[office_of[commune_id]] = population.get(office_of[commune_id], 0) + value
    heads = heads_by_office(session=session, office_ids=[o.id for o in areas])
    rows = [{"office": o, "communes": counts.get(o.id, 0), "population": population.get(o.id),
             "heads": heads[o.id]} for o in areas]
    return rows, year


def communes_of(*, session, office):
    return session.execute(select(Commune).where(Commune.district_id == office.id)
                           .order_by(Commune.code)).scalars().all()


def history_query(office=None, version=None):
    stmt = select(OfficeAreaChange)
    if office is not None:
        stmt = stmt.where((OfficeAreaChange.district_id == office.id) | (OfficeAreaChange.other_district_id == office.id))
    if version is not None:
        stmt = stmt.where(OfficeAreaChange.version_id == version.id)
    return stmt


def history(*, session, office=None, version=None, limit=20, offset=0):
    """The dated changes of an office area (or of a version's offices), newest first."""
    stmt = history_query(office, version).order_by(OfficeAreaChange.effective_on.desc(),
                                                   OfficeAreaChange.id.desc())
    return session.execute(stmt.limit(limit).offset(offset)).scalars().all()


def history_count(*, session, office=None, version=None):
    sub = history_query(office, version).subquery()
    return session.execute(select(func.count()).select_from(sub)).scalar()


# --- rules shared by every edit -----------------------------------------------------------------

def latest_effective_day(today):
    """A year after today (28 February for 29 February)."""
    try:
        return today.replace(year=today.year + 1)
    except ValueError:
        return today.replace(year=today.year + 1, day=28)


def check_effective_on(*, version, effective_on, today=None):
    """effective_on must lie within the version's validity and at most a year after today."""
    today = today or date.today()
    if effective_on is None:
        raise OfficeError(_("Hãy nhập ngày hiệu lực."))
    if not isinstance(effective_on, date):
        raise OfficeError(_("Ngày hiệu lực không hợp lệ, hãy ghi theo dạng dd/mm/yyyy."))
    if effective_on < version.valid_from:
        raise OfficeError(_("Ngày hiệu lực %(day)s trước ngày phiên bản địa giới %(name)s có hiệu lực (%(start)s).",
                            day=fmt_date(effective_on), name=version.name, start=fmt_date(version.valid_from)))
    if version.valid_to is not None and effective_on > version.valid_to:
        raise OfficeError(_("Ngày hiệu lực %(day)s sau ngày phiên bản địa giới %(name)s hết hiệu lực (%(end)s).",
                            day=fmt_date(effective_on), name=version.name, end=fmt_date(version.valid_to)))
    latest = latest_effective_day(today)
    if effective_on > latest:
        raise OfficeError(_("Ngày hiệu lực %(day)s quá xa: chỉ ghi được đến %(latest)s (một năm kể từ hôm nay).",
                            day=fmt_date(effective_on), latest=fmt_date(latest)))


def _check_office(office, version):
    if office is None:
        raise OfficeError(_("Không tìm thấy BHXH cơ sở này."))
    if office.version_id != version.id:
        raise OfficeError(_("%(name)s không thuộc phiên bản địa giới hiện hành (%(version)s).",
                            name=office.name, version=version.name))


def _record(session, *, version, kind, effective_on, user, summary, district_id=None, other_district_id=None,
            commune_id=None):
    change = OfficeAreaChange(
        version_id=version.id, kind=kind, effective_on=effective_on, district_id=district_id,
        other_district_id=other_district_id, commune_id=commune_id, summary=summary[:SUMMARY_MAX],
        user_id=user.id if user is not None else None,
        username=user.username if user is not None else "system")
    session.add(change)
    return change


def _stored(lines_of, data):
    """The summary as kept in the database: in Vietnamese, whatever the user's language."""
    with force_locale(STORED_LOCALE):
        return " ".join(str(line) for line in lines_of(data))


def _apply(session, work):
    try:
        result = work()
        session.commit()
    except Exception:
        session.rollback()
        raise
    return result


# --- rename -------------------------------------------------------------------------------------

def rename(*, session, office, new_name, effective_on, user, today=None):
    """Give an office area a new name (unique in the version); returns the OfficeAreaChange."""
    version = office_version(session=session)
    _check_office(office, version)
    name = " ".join((new_name or "").split())
    if not name:
        raise OfficeError(_("Hãy nhập tên mới."))
    if len(name) > NAME_MAX:
        raise OfficeError(_("Tên tối đa %(n)s ký tự.", n=NAME_MAX))
    if name == office.name:
        raise OfficeError(_("Tên mới giống tên hiện tại."))
    for other in offices(session=session, version=version):
        if other.id != office.id and other.name.casefold() == name.casefold():
            raise OfficeError(_("Đã có đơn vị tên “%(name)s” (mã %(code)s).", name=other.name, code=other.code))
    check_effective_on(version=version, effective_on=effective_on, today=today)
    data = {"old": office.name, "new": name, "day": effective_on}

    def work():
        office.name = name
        session.add(office)
        return _record(session, version=version, kind="rename", effective_on=effective_on, user=user,
                       summary=_stored(rename_lines, data), district_id=office.id)

    return _apply(session, work)


def rename_lines(data):
    return [_("Đổi tên %(old)s thành %(new)s, hiệu lực từ %(day)s.", old=data["old"], new=data["new"],
              day=fmt_date(data["day"]))]


# --- targets around a change --------------------------------------------------------------------

def amount_text(metric_code, people):
    """'1.234 người' / '5.000.000 đồng' / 'chưa giao'."""
    if people is None:
        return _("chưa giao")
    metric = METRICS.get(metric_code)
    if metric is not None and metric.kind == "vnd":
        return _("%(n)s đồng", n=fmt_number(people))
    return _("%(n)s người", n=fmt_number(people))


def metric_label(metric_code):
    metric = METRICS.get(metric_code)
    return str(metric.label) if metric is not None else metric_code


def _commune_target_sums(session, office_ids, keys):
    """{(office id, metric, year): sum of the head counts of its communes' targets} for keys (metric, year)."""
    if not keys or not office_ids:
        return {}
    metrics = {m for m, _y in keys}
    years = {y for _m, y in keys}
    rows = session.execute(
        select(Commune.district_id, Target.metric, Target.year, func.sum(Target.people))
        .join(Commune, Commune.id == Target.unit_id)
        .where(Target.level == "commune", Commune.district_id.in_(list(office_ids)),
               Target.metric.in_(metrics), Target.year.in_(years))
        .group_by(Commune.district_id, Target.metric, Target.year)).all()
    return {(oid, m, y): total for oid, m, y, total in rows}


def _office_targets(session, office_ids, keys=None):
    """{(office id, metric, year): Target} of office-level targets."""
    if not office_ids:
        return {}
    stmt = select(Target).where(Target.level == "district", Target.unit_id.in_(list(office_ids)))
    found = {(t.unit_id, t.metric, t.year): t for t in session.execute(stmt).scalars()}
    if keys is not None:
        found = {k: t for k, t in found.items() if (k[1], k[2]) in keys}
    return found


def _targets_of_communes(session, commune_ids):
    if not commune_ids:
        return []
    return session.execute(select(Target).where(Target.level == "commune", Target.unit_id.in_(list(commune_ids)))
                           .order_by(Target.year, Target.metric)).scalars().all()


def _reparent(session, commune_targets, office_id):
    """Hang the communes' targets under the new office's target of the same metric and year (or
    none), so that 'the children sum to the parent' checks speak of the office's real communes."""
    parents = _office_targets(session, [office_id])
    for target in commune_targets:
        parent = parents.get((office_id, target.metric, target.year))
        new_parent = parent.id if parent is not None else None
        if target.parent_id != new_parent:
            target.parent_id = new_parent
            session.add(target)


def _agents_following(session, commune_ids, from_office_id, remaining_commune_ids):
    """Agents whose area (User.district_id) is from_office and who serve one of commune_ids but
    none of remaining_commune_ids: their area goes with the commune."""
    if not commune_ids:
        return []
    agents = session.execute(
        select(User).join(UserCommune, UserCommune.user_id == User.id)
        .where(User.role == "agent", User.district_id == from_office_id,
               UserCommune.commune_id.in_(list(commune_ids))).distinct().order_by(User.username)).scalars().all()
    if not agents or not remaining_commune_ids:
        return agents
    staying = set(session.execute(
        select(UserCommune.user_id).where(UserCommune.user_id.in_([a.id for a in agents]),
                                          UserCommune.commune_id.in_(list(remaining_commune_ids)))).scalars())
    return [a for a in agents if a.id not in staying]


# --- move a commune -----------------------------------------------------------------------------

@dataclass
class TargetShift:
    """A commune target (metric, year) moving with its commune, and the sums on both sides after."""
    metric: str
    year: int
    people: object  # the commune's head count (None: a rate with no denominator)
    from_sum: object
    from_target: object
    to_sum: object
    to_target: object

    @property
    def from_gap(self):
        return None if self.from_target is None else (self.from_sum or 0) - self.from_target

    @property
    def to_gap(self):
        return None if self.to_target is None else (self.to_sum or 0) - self.to_target


@dataclass
class MovePreview:
    commune: Commune
    from_office: District
    to_office: District
    effective_on: object
    shifts: list = field(default_factory=list)
    agents: list = field(default_factory=list)
    left_communes: int = 0  # communes the old office keeps

    def lines(self):
        return move_lines(self)


def _check_move(session, commune, to_office):
    version = office_version(session=session)
    if commune is None:
        raise OfficeError(_("Không tìm thấy xã này."))
    if commune.version_id != version.id:
        raise OfficeError(_("%(name)s không thuộc phiên bản địa giới hiện hành (%(version)s).",
                            name=commune.name, version=version.name))
    if to_office is None:
        raise OfficeError(_("Hãy chọn BHXH cơ sở nhận xã."))
    _check_office(to_office, version)
    if commune.district_id == to_office.id:
        raise OfficeError(_("%(commune)s đã thuộc %(office)s.", commune=commune.name, office=to_office.name))
    return version


def preview_move(*, session, commune, to_office, effective_on=None):
    """What moving the commune to to_office would change (nothing is written)."""
    _check_move(session, commune, to_office)
    from_office = session.get(District, commune.district_id)
    own = _targets_of_communes(session, [commune.id])
    keys = {(t.metric, t.year) for t in own}
    sums = _commune_target_sums(session, [from_office.id, to_office.id], keys)
    parents = _office_targets(session, [from_office.id, to_office.id], keys)
    shifts = []
    for t in own:
        mine = t.people or 0
        from_t, to_t = parents.get((from_office.id, t.metric, t.year)), parents.get((to_office.id, t.metric, t.year))
        shifts.append(TargetShift(
            metric=t.metric, year=t.year, people=t.people,
            from_sum=(sums.get((from_office.id, t.metric, t.year)) or 0) - mine,
            from_target=from_t.people if from_t is not None else None,
            to_sum=(sums.get((to_office.id, t.metric, t.year)) or 0) + mine,
            to_target=to_t.people if to_t is not None else None))
    left = session.execute(select(func.count(Commune.id)).where(Commune.district_id == from_office.id,
                                                                Commune.id != commune.id)).scalar()
    remaining = session.execute(select(Commune.id).where(Commune.district_id == from_office.id,
                                                         Commune.id != commune.id)).scalars().all()
    agents = _agents_following(session, [commune.id], from_office.id, remaining)
    return MovePreview(commune=commune, from_office=from_office, to_office=to_office, effective_on=effective_on,
                       shifts=shifts, agents=agents, left_communes=left)


def _shift_line(shift, from_name, to_name, subject):
    return _("Chỉ tiêu %(year)s «%(metric)s» của %(subject)s (%(amount)s) chuyển từ %(src)s sang %(dst)s; "
             "tổng chỉ tiêu các xã của %(src)s còn %(src_sum)s (chỉ tiêu của %(src)s: %(src_target)s), "
             "của %(dst)s thành %(dst_sum)s (chỉ tiêu của %(dst)s: %(dst_target)s).",
             year=shift.year, metric=metric_label(shift.metric), subject=subject,
             amount=amount_text(shift.metric, shift.people), src=from_name, dst=to_name,
             src_sum=amount_text(shift.metric, shift.from_sum), src_target=amount_text(shift.metric, shift.from_target),
             dst_sum=amount_text(shift.metric, shift.to_sum), dst_target=amount_text(shift.metric, shift.to_target))


def move_lines(preview):
    p = preview
    lines = [_("%(commune)s chuyển từ %(src)s sang %(dst)s, hiệu lực từ %(day)s.", commune=p.commune.name,
               src=p.from_office.name, dst=p.to_office.name, day=fmt_date(p.effective_on))]
    if p.shifts:
        lines += [_shift_line(s, p.from_office.name, p.to_office.name, _("xã")) for s in p.shifts]
        lines.append(_("Chỉ tiêu của xã vẫn giữ nguyên trên xã; hãy xem lại phân bổ của hai đơn vị nếu tổng lệch."))
    else:
        lines.append(_("Xã chưa được giao chỉ tiêu riêng; chỉ tiêu của hai đơn vị không đổi."))
    lines.append(_("Số người tham gia, dân số, hội nghị và hoạt động của xã vẫn gắn với xã, không đổi."))
    if p.agents:
        lines.append(_("Nhân viên thu của xã chuyển theo sang %(dst)s: %(names)s.", dst=p.to_office.name,
                       names=", ".join(a.username for a in p.agents)))
    if p.left_communes == 0:
        lines.append(_("%(src)s sẽ không còn xã nào.", src=p.from_office.name))
    return lines


def move_commune(*, session, commune, to_office, effective_on, user, today=None):
    """Move a commune into another office area of the current version; returns the OfficeAreaChange."""
    version = _check_move(session, commune, to_office)
    check_effective_on(version=version, effective_on=effective_on, today=today)
    preview = preview_move(session=session, commune=commune, to_office=to_office, effective_on=effective_on)
    summary = _stored(move_lines, preview)
    from_office = preview.from_office

    def work():
        commune.district_id = to_office.id
        session.add(commune)
        _reparent(session, _targets_of_communes(session, [commune.id]), to_office.id)
        for agent in preview.agents:
            agent.district_id = to_office.id
            session.add(agent)
        return _record(session, version=version, kind="move", effective_on=effective_on, user=user,
                       summary=summary, district_id=from_office.id, other_district_id=to_office.id,
                       commune_id=commune.id)

    return _apply(session, work)


# --- merge two offices --------------------------------------------------------------------------

@dataclass
class MergePreview:
    source: District
    into: District
    effective_on: object
    communes: list = field(default_factory=list)
    heads: list = field(default_factory=list)
    agents: list = field(default_factory=list)
    campaigns: int = 0
    shifts: list = field(default_factory=list)
    zero_targets: list = field(default_factory=list)  # the source's own targets of value 0, removed with it

    def lines(self):
        return merge_lines(self)


def _check_merge(session, source, into):
    version = office_version(session=session)
    if source is None or into is None:
        raise OfficeError(_("Hãy chọn BHXH cơ sở để gộp vào."))
    _check_office(source, version)
    _check_office(into, version)
    if source.id == into.id:
        raise OfficeError(_("Không thể gộp một đơn vị vào chính nó."))
    blocking = sorted({t.year for t in _office_targets(session, [source.id]).values() if (t.value or 0) > 0
                       or (t.people or 0) > 0})
    if blocking:
        raise OfficeError(_("%(name)s còn chỉ tiêu của chính đơn vị các năm %(years)s: hãy phân bổ lại chỉ tiêu "
                            "của tỉnh để %(name)s không còn chỉ tiêu (bằng 0) rồi mới gộp.",
                            name=source.name, years=", ".join(str(y) for y in blocking)))
    return version


def preview_merge(*, session, source, into, effective_on=None):
    """What merging source into into would change (nothing is written)."""
    _check_merge(session, source, into)
    communes = communes_of(session=session, office=source)
    own = _targets_of_communes(session, [c.id for c in communes])
    keys = {(t.metric, t.year) for t in own}
    sums = _commune_target_sums(session, [source.id, into.id], keys)
    parents = _office_targets(session, [into.id], keys)
    shifts = []
    for metric, year in sorted(keys, key=lambda k: (k[1], k[0])):
        moving = sum(t.people or 0 for t in own if (t.metric, t.year) == (metric, year))
        to_t = parents.get((into.id, metric, year))
        shifts.append(TargetShift(metric=metric, year=year, people=moving, from_sum=0, from_target=None,
                                  to_sum=(sums.get((into.id, metric, year)) or 0) + moving,
                                  to_target=to_t.people if to_t is not None else None))
    heads = session.execute(select(User).where(User.role == "district_head", User.district_id == source.id)
                            .order_by(User.username)).scalars().all()
    agents = session.execute(select(User).where(User.role != "district_head", User.district_id == source.id)
                             .order_by(User.username)).scalars().all()
    campaigns = session.execute(select(func.count(Campaign.id)).where(Campaign.district_id == source.id)).scalar()
    zero = sorted(_office_targets(session, [source.id]).values(), key=lambda t: (t.year, t.metric))
    return MergePreview(source=source, into=into, effective_on=effective_on, communes=communes, heads=heads,
                        agents=agents, campaigns=campaigns, shifts=shifts, zero_targets=zero)


def merge_lines(preview):
    p = preview
    src, dst = p.source.name, p.into.name
    lines = [_("Gộp %(src)s vào %(dst)s, hiệu lực từ %(day)s.", src=src, dst=dst, day=fmt_date(p.effective_on))]
    if p.communes:
        lines.append(_("%(n)s xã chuyển sang %(dst)s: %(names)s.", n=len(p.communes), dst=dst,
                       names=", ".join(c.name for c in p.communes)))
    for s in p.shifts:
        lines.append(_("Chỉ tiêu %(year)s «%(metric)s» của các xã chuyển sang (%(amount)s) giữ nguyên trên từng xã; "
                       "tổng chỉ tiêu các xã của %(dst)s thành %(dst_sum)s (chỉ tiêu của %(dst)s: %(dst_target)s).",
                       year=s.year, metric=metric_label(s.metric), amount=amount_text(s.metric, s.people), dst=dst,
                       dst_sum=amount_text(s.metric, s.to_sum), dst_target=amount_text(s.metric, s.to_target)))
    if p.heads:
        lines.append(_("Lãnh đạo của %(src)s chuyển sang %(dst)s: %(names)s.", src=src, dst=dst,
                       names=", ".join(u.username for u in p.heads)))
    if p.agents:
        lines.append(_("Nhân viên thu thuộc %(src)s chuyển sang %(dst)s: %(names)s.", src=src, dst=dst,
                       names=", ".join(u.username for u in p.agents)))
    if p.campaigns:
        lines.append(_("%(n)s chiến dịch của %(src)s chuyển sang %(dst)s.", n=p.campaigns, src=src, dst=dst))
    if p.zero_targets:
        lines.append(_("Các chỉ tiêu bằng 0 của %(src)s (năm %(years)s) được xóa cùng đơn vị.", src=src,
                       years=", ".join(str(y) for y in sorted({t.year for t in p.zero_targets}))))
    lines.append(_("Số người tham gia, dân số, hội nghị và hoạt động của các xã vẫn gắn với từng xã, không đổi."))
    lines.append(_("%(src)s được xóa khỏi danh sách BHXH cơ sở.", src=src))
    return lines


def merge(*, session, source, into, effective_on, user, today=None):
    """Merge the source office area into another: its communes, heads, agents and campaigns go to
    into, then the empty source row is deleted. Refused while the source has office-level targets
    other than 0 (the leader re-splits first). Returns the OfficeAreaChange."""
    version = _check_merge(session, source, into)
    check_effective_on(version=version, effective_on=effective_on, today=today)
    preview = preview_merge(session=session, source=source, into=into, effective_on=effective_on)
    summary = _stored(merge_lines, preview)

    def work():
        for commune in preview.communes:
            commune.district_id = into.id
            session.add(commune)
        _reparent(session, _targets_of_communes(session, [c.id for c in preview.communes]), into.id)
        for user_row in preview.heads + preview.agents:
            user_row.district_id = into.id
            session.add(user_row)
        for campaign in session.execute(select(Campaign).where(Campaign.district_id == source.id)).scalars():
            campaign.district_id = into.id
            session.add(campaign)
        for target in preview.zero_targets:
            session.delete(target)
        change = _record(session, version=version, kind="merge", effective_on=effective_on, user=user,
                         summary=summary, district_id=into.id, other_district_id=source.id)
        session.flush()
        session.delete(source)
        session.flush()
        session.expire(change, ["other_district_id"])  # the database set it to NULL with the row
        return change

    return _apply(session, work)


# --- delete an empty office ---------------------------------------------------------------------

def delete_office(*, session, office, effective_on, user, today=None):
    """Delete an office area that has no commune, no user, no target and no campaign left."""
    version = office_version(session=session)
    _check_office(office, version)
    left = session.execute(select(func.count(Commune.id)).where(Commune.district_id == office.id)).scalar()
    if left:
        raise OfficeError(_("%(name)s còn %(n)s xã: hãy chuyển các xã sang đơn vị khác hoặc gộp đơn vị, "
                            "không để xã nào không có BHXH cơ sở.", name=office.name, n=left))
    users = session.execute(select(User).where(User.district_id == office.id).order_by(User.username)).scalars().all()
    if users:
        raise OfficeError(_("%(name)s còn người dùng phụ trách (%(names)s): hãy giao họ đơn vị khác trước khi xóa.",
                            name=office.name, names=", ".join(u.username for u in users)))
    years = sorted({t.year for t in _office_targets(session, [office.id]).values()})
    if years:
        raise OfficeError(_("%(name)s còn chỉ tiêu các năm %(years)s.", name=office.name,
                            years=", ".join(str(y) for y in years)))
    campaigns = session.execute(select(func.count(Campaign.id)).where(Campaign.district_id == office.id)).scalar()
    if campaigns:
        raise OfficeError(_("%(name)s còn %(n)s chiến dịch.", name=office.name, n=campaigns))
    check_effective_on(version=version, effective_on=effective_on, today=today)
    data = {"name": office.name, "code": office.code, "day": effective_on}

    def work():
        change = _record(session, version=version, kind="delete", effective_on=effective_on, user=user,
                         summary=_stored(delete_lines, data), district_id=office.id)
        session.flush()
        session.delete(office)
        session.flush()
        session.expire(change, ["district_id"])  # the database set it to NULL with the row
        return change

    return _apply(session, work)


def delete_lines(data):
    return [_("Xóa %(name)s (mã %(code)s), hiệu lực từ %(day)s.", name=data["name"], code=data["code"],
              day=fmt_date(data["day"]))]
