"""Targets: set, revise (with optimistic locking), assign, accept, and cascade by allocation."""
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm.exc import StaleDataError

from planner.models import (
    Commune, Denominator, District, HierarchyVersion, Province, Target, TargetMilestone, TargetRevision, User,
    UserCommune,
)
from planner.models.areas import utcnow
from planner.services import allocation, hierarchy, scope
from planner.services.metrics import from_people, get_metric, to_people

STATUS_ORDER = ("draft", "assigned", "accepted")
CHILD_LEVEL = {"province": "district", "district": "commune", "commune": "agent"}
PARENT_LEVEL = {v: k for k, v in CHILD_LEVEL.items()}


class TargetError(ValueError):
    """A target change that breaks a rule; the message is for the user."""


class TargetConflict(TargetError):
    """Someone else saved the target first; carries their current state."""

    def __init__(self, target):
        super().__init__("conflict")
        self.target = target


# --- units ---------------------------------------------------------------------------------

def unit_model(level):
    return {"province": Province, "district": District, "commune": Commune, "agent": User}[level]


def get_unit(*, session, level, unit_id):
    return session.get(unit_model(level), unit_id)


def unit_label(unit):
    if isinstance(unit, User):
        return unit.full_name or unit.username
    return unit.name


def commune_ids_of(*, session, level, unit_id):
    """A SELECT of the commune ids a unit covers (an agent: the communes they serve)."""
    if level == "province":
        province = session.get(Province, unit_id)
        return select(Commune.id).where(Commune.version_id == province.version_id)
    if level == "district":
        return select(Commune.id).where(Commune.district_id == unit_id)
    if level == "commune":
        return select(Commune.id).where(Commune.id == unit_id)
    return select(UserCommune.commune_id).where(UserCommune.user_id == unit_id)


def unit_version(*, session, level, unit_id):
    """The hierarchy version a province, district (office area) or commune belongs to (None for an agent)."""
    if level == "agent":
        return None
    unit = session.get(unit_model(level), unit_id)
    return session.get(HierarchyVersion, unit.version_id) if unit is not None else None


def version_denominators(*, session, metric, version, year):
    """{commune_id: population or labour force} of the version's communes for the latest year up
    to the year with figures: the communes' own, or those of the older units they grew from
    through the crosswalk when newer (hierarchy.denominators_in_version). {} when none."""
    if metric.denominator is None or version is None:
        return {}
    column = Denominator.population if metric.denominator == "population" else Denominator.labour_force
    per_commune, found = hierarchy.denominators_in_version(session=session, version=version, column=column,
                                                           up_to_year=year)
    if found is None or found > year:
        return {}
    return per_commune


def denominator_of(*, session, metric, level, unit_id, year):
    """Population or labour force of a unit for the year (latest year on or before it)."""
    if metric.denominator is None or level == "agent":
        return None
    version = unit_version(session=session, level=level, unit_id=unit_id)
    per_commune = version_denominators(session=session, metric=metric, version=version, year=year)
    ids = session.execute(commune_ids_of(session=session, level=level, unit_id=unit_id)).scalars().all()
    values = [per_commune[i] for i in ids if i in per_commune]
    return sum(values) if values else None


def children_units(*, session, level, unit_id):
    """The units one level down: districts of a province, communes of a district, agents of a commune."""
    if level == "province":
        province = session.get(Province, unit_id)
        return session.execute(select(District).where(District.province_id == province.id)
                               .order_by(District.code)).scalars().all()
    if level == "district":
        return session.execute(select(Commune).where(Commune.district_id == unit_id)
                               .order_by(Commune.code)).scalars().all()
    if level == "commune":
        return session.execute(
            select(User).join(UserCommune, UserCommune.user_id == User.id)
            .where(UserCommune.commune_id == unit_id, User.role == "agent", User.active == True)  # noqa: E712
            .order_by(User.username)
        ).scalars().all()
    return []


def parent_unit_id(*, session, level, unit_id):
    """The unit one level up (None for the province)."""
    if level == "district":
        return session.get(District, unit_id).province_id
    if level == "commune":
        return session.get(Commune, unit_id).district_id
    if level == "agent":
        link = session.execute(select(UserCommune.commune_id).where(UserCommune.user_id == unit_id)
                               .order_by(UserCommune.commune_id)).first()
        return link[0] if link else None
    return None


def district_of(*, session, level, unit_id):
    if level == "district":
        return unit_id
    if level == "commune":
        return session.get(Commune, unit_id).district_id
    if level == "agent":
        return session.get(User, unit_id).district_id
    return None


# --- permissions ---------------------------------------------------------------------------

def can_view(user, *, session, level, unit_id):
    if scope.is_province_wide(user) or level == "province":
        return True
    if user.role == "district_head":
        return district_of(session=session, level=level, unit_id=unit_id) == user.district_id
    if user.role == "agent":
        if level == "agent":
            return unit_id == user.id
        if level == "commune":
            return session.get(UserCommune, (user.id, unit_id)) is not None
        if level == "district":
            return unit_id == user.district_id
    return False


def can_set(user, *, session, level, unit_id):
    """Leaders set province and district targets; a district head sets its communes' and agents'."""
    if user.role in ("leader", "admin"):
        return True
    if user.role == "district_head" and level in ("commune", "agent"):
        return district_of(session=session, level=level, unit_id=unit_id) == user.district_id
    return False


def can_accept(user, *, session, target):
    """The unit's owner accepts: a district head their district's target; a leader the rest."""
    if user.role in ("leader", "admin"):
        return True
    if user.role == "district_head":
        return district_of(session=session, level=target.level, unit_id=target.unit_id) == user.district_id
    return False


# --- reading -------------------------------------------------------------------------------

def find_target(*, session, metric, level, unit_id, year):
    """The target as the database has it now (not a stale copy from this session's cache)."""
    return session.execute(select(Target).where(
        Target.metric == metric, Target.level == level, Target.unit_id == unit_id, Target.year == year)
        .execution_options(populate_existing=True)
    ).scalars().first()


def revisions(*, session, target):
    return session.execute(select(TargetRevision).where(TargetRevision.target_id == target.id)
                           .order_by(TargetRevision.revision.desc())).scalars().all()


def milestones(*, session, target):
    return session.execute(select(TargetMilestone).where(TargetMilestone.target_id == target.id)
                           .order_by(TargetMilestone.period)).scalars().all()


def children_targets(*, session, target):
    return session.execute(select(Target).where(Target.parent_id == target.id)).scalars().all()


# --- writing -------------------------------------------------------------------------------

def _check_value(metric, value):
    if value is None:
        raise TargetError(_("Hãy nhập giá trị chỉ tiêu."))
    if value < 0:
        raise TargetError(_("Chỉ tiêu không được âm."))
    if metric.is_rate and value > 100:
        raise TargetError(_("Tỷ lệ không được vượt quá 100%."))


def _record_revision(session, target, reason, username):
    session.add(TargetRevision(target_id=target.id, revision=target.revision, value=target.value,
                               people=target.people, status=target.status, reason=reason or "",
                               changed_by=username))


def _conflict(session, target):
    session.rollback()
    session.expire_all()
    return TargetConflict(session.get(Target, target.id))


def _commit(session, target):
    try:
        session.commit()
    except StaleDataError:
        raise _conflict(session, target) from None


def _flush(session, target):
    try:
        session.flush()
    except StaleDataError:
        raise _conflict(session, target) from None


def set_target(*, session, user, metric, level, unit_id, year, value=None, people=None, reason="",
               expected_version=None, status=None, parent_id=None, rule="", milestone_values=None,
               commit=True):
    """Create or change a target (value in the metric's unit, or people for a head count).

    A stale expected_version raises TargetConflict carrying the other person's target; an
    accepted target changes only with a reason, as a new revision. Every save is a revision.
    """
    m = get_metric(metric)
    denominator = denominator_of(session=session, metric=m, level=level, unit_id=unit_id, year=year)
    if value is None and people is not None:
        value = from_people(m, people, denominator)
        if value is None:
            raise TargetError(_("Không có mẫu số (dân số / lực lượng lao động) để quy đổi số người ra tỷ lệ."))
    _check_value(m, value)
    if people is None:
        people = to_people(m, value, denominator)
    target = find_target(session=session, metric=metric, level=level, unit_id=unit_id, year=year)
    username = user.username if user is not None else "system"
    if target is None:
        target = Target(metric=metric, level=level, unit_id=unit_id, year=year, value=value, people=people,
                        denominator=denominator, status=status or "draft", parent_id=parent_id,
                        allocation_rule=rule, updated_by=username)
        session.add(target)
        session.flush()
    else:
        if expected_version is not None and int(expected_version) != target.version:
            raise TargetConflict(target)
        changed = (abs((target.value or 0) - value) > 1e-9 or target.people != people
                   or (status and status != target.status))
        if target.status == "accepted" and changed and not (reason or "").strip():
            raise TargetError(_("Chỉ tiêu đã được chấp nhận: hãy ghi lý do điều chỉnh."))
        if not changed and milestone_values is None:
            return target
        target.value, target.people, target.denominator = value, people, denominator
        if status:
            target.status = status
        if parent_id is not None:
            target.parent_id = parent_id
        if rule:
            target.allocation_rule = rule
        target.revision += 1
        target.updated_by, target.updated_at = username, utcnow()
        session.add(target)
        _flush(session, target)
    if milestone_values is not None:
        _set_milestones(session, target, m, milestone_values)
    _record_revision(session, target, reason, username)
    if commit:
        _commit(session, target)
    return target


def _set_milestones(session, target, metric, values):
    """values: {date(first of month): value}; None or '' removes that milestone."""
    existing = {ms.period: ms for ms in milestones(session=session, target=target)}
    for period, value in values.items():
        if value is None:
            if period in existing:
                session.delete(existing[period])
            continue
        _check_value(metric, value)
        if period.year != target.year:
            raise TargetError(_("Mốc phải nằm trong năm của chỉ tiêu."))
        if period in existing:
            existing[period].value = value
        else:
            session.add(TargetMilestone(target_id=target.id, period=period, value=value))


def change_status(*, session, user, target, status, expected_version=None, reason=""):
    """Move a target along draft -> assigned -> accepted (or back to draft with a reason)."""
    if status not in STATUS_ORDER:
        raise TargetError(_("Trạng thái không hợp lệ."))
    session.refresh(target)
    if expected_version is not None and int(expected_version) != target.version:
        raise TargetConflict(target)
    if status == target.status:
        return target
    if status == "accepted" and not can_accept(user, session=session, target=target):
        raise TargetError(_("Bạn không có quyền chấp nhận chỉ tiêu này."))
    if target.status == "accepted" and not (reason or "").strip():
        raise TargetError(_("Chỉ tiêu đã được chấp nhận: hãy ghi lý do điều chỉnh."))
    target.status = status
    target.revision += 1
    target.updated_by, target.updated_at = user.username, utcnow()
    session.add(target)
    _flush(session, target)
    _record_revision(session, target, reason, user.username)
    _commit(session, target)
    return target


# --- cascade -------------------------------------------------------------------------------

def allocation_children(*, session, parent):
    """The parent's child units with their denominator and current participants (for the rules)."""
    from planner.services.progress import actuals_by_unit

    m = get_metric(parent.metric)
    level = CHILD_LEVEL.get(parent.level)
    if level is None:
        return level, []
    units = children_units(session=session, level=parent.level, unit_id=parent.unit_id)
    actual = actuals_by_unit(session=session, metric=m, level=level, unit_ids=[u.id for u in units],
                             year=parent.year) if units else {}
    denominators = denominators_by_unit(session=session, metric=m, level=level,
                                        unit_ids=[u.id for u in units], year=parent.year)
    existing = {t.unit_id: t for t in session.execute(select(Target).where(
        Target.metric == parent.metric, Target.level == level, Target.year == parent.year,
        Target.unit_id.in_([u.id for u in units]))).scalars()} if units else {}
    rows = []
    for u in units:
        rows.append({
            "unit": u, "denominator": denominators.get(u.id) or 0, "actual": actual.get(u.id) or 0,
            "target": existing.get(u.id),
        })
    return level, rows


def denominators_by_unit(*, session, metric, level, unit_ids, year):
    """{unit_id: population or labour force} for districts (office areas) or communes."""
    if metric.denominator is None or level not in ("district", "commune") or not unit_ids:
        return {}
    version = unit_version(session=session, level=level, unit_id=unit_ids[0])
    per_commune = version_denominators(session=session, metric=metric, version=version, year=year)
    if not per_commune:
        return {}
    key = Commune.district_id if level == "district" else Commune.id
    out = {}
    for unit, commune_id in session.execute(select(key, Commune.id).where(key.in_(unit_ids))):
        if commune_id in per_commune:
            out[unit] = out.get(unit, 0) + per_commune[commune_id]
    return out


def propose(*, session, parent, rule, manual=None):
    """Rows of the parent's children with the proposed head count under a rule."""
    level, rows = allocation_children(session=session, parent=parent)
    children = [allocation.Child(key=r["unit"].id, denominator=r["denominator"], actual=r["actual"],
                                 manual=(manual or {}).get(r["unit"].id,
                                                           r["target"].people if r["target"] else None))
                for r in rows]
    people = allocation.allocate(rule, parent.people or 0, children)
    m = get_metric(parent.metric)
    for r, p in zip(rows, people):
        r["proposed_people"] = p
        r["proposed_value"] = from_people(m, p, r["denominator"]) if m.is_rate else float(p)
    return level, rows


def apply_allocation(*, session, user, parent, rule, people_by_unit, reason="", status="assigned"):
    """Write the children's targets (all or none) from {unit_id: people}; returns them."""
    level = CHILD_LEVEL.get(parent.level)
    if level is None:
        raise TargetError(_("Chỉ tiêu cấp này không phân bổ tiếp được."))
    m = get_metric(parent.metric)
    written = []
    try:
        for unit_id, people in people_by_unit.items():
            if people is None or people < 0:
                raise TargetError(_("Số người phân bổ không được âm."))
            if not can_set(user, session=session, level=level, unit_id=unit_id):
                raise TargetError(_("Bạn không có quyền giao chỉ tiêu cho đơn vị này."))
            kwargs = {"people": people} if m.is_rate else {"value": float(people), "people": people}
            written.append(set_target(
                session=session, user=user, metric=parent.metric, level=level, unit_id=unit_id,
                year=parent.year, reason=reason, status=status, parent_id=parent.id, rule=rule,
                commit=False, **kwargs))
        session.commit()
    except StaleDataError:
        session.rollback()
        raise TargetError(_("Một chỉ tiêu vừa được người khác sửa; hãy tải lại trang.")) from None
    except Exception:
        session.rollback()
        raise
    return written


def sum_of_children(*, session, target):
    """(sum of the children's head counts, number of children) for the mismatch check."""
    total, count = session.execute(select(func.sum(Target.people), func.count(Target.id))
                                   .where(Target.parent_id == target.id)).one()
    return (total or 0), count
