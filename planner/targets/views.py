"""Targets: the leader's plan for the year, a unit's targets and history, the edit form, the
allocation screen, progress against pace and the ranked list of where to act next.

The rules live in planner.services.targets and planner.services.progress; these views parse,
check who may do what, and draw."""
from datetime import date, timedelta, timezone
from urllib.parse import urlsplit

from flask import (
    Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select

from planner.db import get_session
from planner.i18n import fmt_number
from planner.models import District, Province, Target, User
from planner.services import progress as progress_service
from planner.services import registry, scope
from planner.services import targets as target_service
from planner.services.allocation import RULES
from planner.services.hierarchy import middle_label
from planner.services.metrics import METRICS, from_people
from planner.targets import export, forms

bp = Blueprint("targets", __name__)

VIETNAM_TIME = timezone(timedelta(hours=7))  # no daylight saving in Vietnam
LEVELS = ("province", "district", "commune", "agent")
PAGE_SIZE = 50


def status_labels():
    return {"draft": _("Nháp"), "assigned": _("Đã giao"), "accepted": _("Đã chấp nhận")}


STATUS_CLASSES = {"draft": "secondary", "assigned": "primary", "accepted": "success"}


def flag_labels():
    return {"on_track": _("Đạt tiến độ"), "at_risk": _("Có nguy cơ"), "off_track": _("Chậm tiến độ")}


FLAG_CLASSES = {"on_track": "success", "at_risk": "warning text-dark", "off_track": "danger"}


def rule_labels():
    return {"population": _("Theo dân số"), "gap": _("Theo số người chưa tham gia"),
            "uplift": _("Tăng đều tỷ lệ"), "manual": _("Tự nhập")}


def rule_help():
    return {
        "population": _("Chia theo mẫu số (dân số hoặc lực lượng lao động) của từng đơn vị."),
        "gap": _("Mỗi đơn vị giữ số đang tham gia; số người cần thêm chia theo số người chưa tham gia."),
        "uplift": _("Tỷ lệ của mọi đơn vị cùng tăng thêm một số điểm phần trăm (không quá 100%)."),
        "manual": _("Tự nhập số người cho từng đơn vị; tổng có thể lệch với chỉ tiêu cấp trên."),
    }


def level_labels(version=None):
    """The levels' names; "district" is the version's middle level (Huyện, or from July 2025 BHXH cơ sở)."""
    return {"province": _("Tỉnh"), "district": middle_label(version), "commune": _("Xã"),
            "agent": _("Nhân viên thu")}


def level_lower(version=None):
    """The levels' names inside a sentence ("3 huyện", "3 BHXH cơ sở": never "bhxh cơ sở")."""
    return {level: (middle_label(version, "lower") if level == "district" else str(label).lower())
            for level, label in level_labels(version).items()}


def target_source_labels(version=None):
    return {"commune": _("Chỉ tiêu của xã"), "district": middle_label(version, "rate_of"),
            "province": _("Theo tỷ lệ của tỉnh")}


# --- formatting ---------------------------------------------------------------------------

@bp.app_template_filter("tg_pct")
def fmt_rate(value, digits=1):
    """A percent value 95.0 -> '95,0%' (the filter `percent` takes a ratio instead)."""
    if value is None:
        return "–"
    return fmt_number(value, digits) + "%"


@bp.app_template_filter("tg_local")
def local_time(value):
    """A stored UTC timestamp as Vietnam time, dd/mm/yyyy HH:MM."""
    if value is None:
        return "–"
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(VIETNAM_TIME).strftime("%d/%m/%Y %H:%M")


def value_text(metric, value, people=None):
    """'95,0% (3.163.500 người)', '1.200 người' or '5.000.000 đ'."""
    if value is None:
        return "–"
    if metric.is_rate:
        text = fmt_rate(value, 2 if round(value, 1) != round(value, 2) else 1)
        if people is not None:
            text += " (" + _("%(n)s người", n=fmt_number(people)) + ")"
        return text
    if metric.kind == "vnd":
        return _("%(n)s đồng", n=fmt_number(value))
    return _("%(n)s người", n=fmt_number(value))


def _template_helpers(version=None):
    """What every targets page draws with; level names follow the version shown (by default the
    current one, whose middle level may be the office area)."""
    if version is None:
        version = registry.current_version(session=get_session())
    return {"status_labels": status_labels(), "status_classes": STATUS_CLASSES,
            "flag_labels": flag_labels(), "flag_classes": FLAG_CLASSES, "level_labels": level_labels(version),
            "level_lower": level_lower(version), "value_text": value_text, "metrics": METRICS,
            "unit_label": target_service.unit_label}


# --- fetch-or-404 helpers -----------------------------------------------------------------

def _version():
    version = registry.current_version(session=get_session())
    if version is None:
        abort(404)
    return version


def _unit_version(level, unit_id):
    """The hierarchy version of a unit (an agent's: the current one)."""
    return target_service.unit_version(session=get_session(), level=level, unit_id=unit_id)


def _province(version):
    return get_session().execute(select(Province).where(Province.version_id == version.id)).scalars().first()


def _default_year(version):
    period = registry.latest_period(session=get_session(), version_id=version.id) if version else None
    return period.year if period else date.today().year


def _year(version):
    year = request.args.get("year", type=int)
    if year is None or not 2000 <= year <= 2100:
        year = _default_year(version)
    return year


def _year_choices(version, year):
    default = _default_year(version)
    used = get_session().execute(select(Target.year).distinct()).scalars().all()
    return sorted(set(range(default - 2, default + 2)) | set(used) | {year})


def _metric_code(default="hi_coverage"):
    code = request.args.get("metric", default)
    return code if code in METRICS else default


def _visible_unit(level, unit_id):
    """The unit at this level if the user may see it (else 404)."""
    if level not in LEVELS:
        abort(404)
    db = get_session()
    unit = target_service.get_unit(session=db, level=level, unit_id=unit_id)
    if unit is None or (level == "agent" and unit.role != "agent"):
        abort(404)
    if not target_service.can_view(g.user, session=db, level=level, unit_id=unit_id):
        abort(404)
    return unit


def _visible_target(target_id):
    db = get_session()
    target = db.get(Target, target_id)
    if target is None or target_service.get_unit(session=db, level=target.level, unit_id=target.unit_id) is None:
        abort(404)
    if not target_service.can_view(g.user, session=db, level=target.level, unit_id=target.unit_id):
        abort(404)
    return target


def _splits_to_agents_as_rate(parent):
    """Agents have no population of their own: their quotas are head counts, not rates."""
    return target_service.CHILD_LEVEL.get(parent.level) == "agent" and METRICS[parent.metric].is_rate


def _can_allocate(parent):
    """Whether to offer the allocation screen for this target to this user."""
    return _may_split(parent) and not _splits_to_agents_as_rate(parent)


def _may_split(parent):
    """Who may split a target across the level below: the same people who may set those targets."""
    if target_service.CHILD_LEVEL.get(parent.level) is None:
        return False
    if g.user.role in scope.PROVINCE_ROLES:
        return True
    if g.user.role == "district_head" and parent.level in ("district", "commune"):
        district = target_service.district_of(session=get_session(), level=parent.level, unit_id=parent.unit_id)
        return district == g.user.district_id
    return False


def _safe_next(default):
    """A local path to return to (never another site)."""
    target = request.values.get("next", "")
    parts = urlsplit(target)
    if target.startswith("/") and not target.startswith("//") and not parts.netloc and not parts.scheme:
        return target
    return default


def _parent_target(level, unit_id, metric_code, year, target=None):
    db = get_session()
    if target is not None and target.parent_id:
        parent = db.get(Target, target.parent_id)
        if parent is not None:
            return parent
    parent_level = target_service.PARENT_LEVEL.get(level)
    if parent_level is None:
        return None
    parent_unit = target_service.parent_unit_id(session=db, level=level, unit_id=unit_id)
    if parent_unit is None:
        return None
    return target_service.find_target(session=db, metric=metric_code, level=parent_level,
                                      unit_id=parent_unit, year=year)


def _status_actions(target):
    """The status buttons this user may press on a target: [(status, label)]."""
    db = get_session()
    actions = []
    may_set = target_service.can_set(g.user, session=db, level=target.level, unit_id=target.unit_id)
    if target.status == "draft" and may_set:
        actions.append(("assigned", _("Giao")))
    if target.status != "accepted" and (target.status == "assigned" or may_set) and \
            target_service.can_accept(g.user, session=db, target=target):
        actions.append(("accepted", _("Chấp nhận")))
    return actions


def _metric_rows(level, unit_id, year):
    """Every metric's target of a unit, with milestones, parent, children sum and mismatch."""
    db = get_session()
    rows = []
    for m in METRICS.values():
        t = target_service.find_target(session=db, metric=m.code, level=level, unit_id=unit_id, year=year)
        item = {"metric": m, "target": t, "milestones": {}, "children_sum": 0, "children_count": 0,
                "mismatch": False, "actions": [], "parent": _parent_target(level, unit_id, m.code, year, t)}
        if t is not None:
            item["milestones"] = {ms.period.month: ms.value
                                  for ms in target_service.milestones(session=db, target=t)}
            total, count = target_service.sum_of_children(session=db, target=t)
            item.update(children_sum=total, children_count=count,
                        mismatch=count > 0 and t.people is not None and total != t.people,
                        actions=_status_actions(t), can_allocate=_can_allocate(t))
        item["denominator"] = (t.denominator if t is not None else target_service.denominator_of(
            session=db, metric=m, level=level, unit_id=unit_id, year=year))
        item["can_set"] = target_service.can_set(g.user, session=db, level=level, unit_id=unit_id)
        rows.append(item)
    return rows


# --- the plan and a unit's targets --------------------------------------------------------

@bp.route("/targets")
def plan():
    db = get_session()
    version = registry.current_version(session=db)
    if version is None:
        return render_template("targets/plan.html", version=None, **_template_helpers())
    year = _year(version)
    province = _province(version)
    rows = _metric_rows("province", province.id, year) if province else []
    return render_template(
        "targets/plan.html", version=version, province=province, year=year, rows=rows,
        years=_year_choices(version, year), has_targets=any(r["target"] for r in rows),
        districts_count=len(target_service.children_units(session=db, level="province", unit_id=province.id))
        if province else 0,
        **_template_helpers(version))


@bp.route("/targets/unit/<level>/<int:unit_id>")
def unit(level, unit_id):
    db = get_session()
    found = _visible_unit(level, unit_id)
    version = registry.current_version(session=db)
    year = _year(version)
    rows = _metric_rows(level, unit_id, year)
    for item in rows:
        t = item["target"]
        item["revisions"] = target_service.revisions(session=db, target=t) if t is not None else []
    metric_code = _metric_code()
    child_level = target_service.CHILD_LEVEL.get(level)
    children = []
    if child_level:
        units = target_service.children_units(session=db, level=level, unit_id=unit_id)
        units = [u for u in units
                 if target_service.can_view(g.user, session=db, level=child_level, unit_id=u.id)]
        child_targets = {t.unit_id: t for t in db.execute(select(Target).where(
            Target.metric == metric_code, Target.level == child_level, Target.year == year,
            Target.unit_id.in_([u.id for u in units]))).scalars()} if units else {}
        children = [{"unit": u, "target": child_targets.get(u.id)} for u in units]
    parent_level = target_service.PARENT_LEVEL.get(level)
    parent_unit_id = (target_service.parent_unit_id(session=db, level=level, unit_id=unit_id)
                      if parent_level else None)
    parent_unit = (target_service.get_unit(session=db, level=parent_level, unit_id=parent_unit_id)
                   if parent_unit_id else None)
    return render_template(
        "targets/unit.html", level=level, found=found, year=year, rows=rows,
        years=_year_choices(version, year), children=children, child_level=child_level,
        metric=METRICS[metric_code], parent_level=parent_level, parent_unit=parent_unit,
        **_template_helpers(_unit_version(level, unit_id)))


# --- setting a target ---------------------------------------------------------------------

def _conflict_message(metric, current):
    who = current.updated_by
    user = get_session().execute(select(User).where(User.username == who)).scalars().first()
    if user is not None and user.full_name:
        who = f"{user.full_name} ({user.username})"
    return _("Người khác vừa sửa chỉ tiêu này (giá trị hiện tại: %(value)s, do %(who)s sửa lúc %(at)s). "
             "Thay đổi của bạn chưa được lưu.",
             value=value_text(metric, current.value, current.people), who=who, at=local_time(current.updated_at))


@bp.route("/targets/edit/<level>/<int:unit_id>/<metric>", methods=["GET", "POST"])
def edit(level, unit_id, metric):
    db = get_session()
    if metric not in METRICS:
        abort(404)
    found = _visible_unit(level, unit_id)
    scope.require(target_service.can_set(g.user, session=db, level=level, unit_id=unit_id))
    m = METRICS[metric]
    version = registry.current_version(session=db)
    year = _year(version)
    target = target_service.find_target(session=db, metric=metric, level=level, unit_id=unit_id, year=year)
    denominator = target_service.denominator_of(session=db, metric=m, level=level, unit_id=unit_id, year=year)
    current_ms = ({ms.period.month: ms.value for ms in target_service.milestones(session=db, target=target)}
                  if target is not None else {})
    form = forms.TargetForm(metric=m, denominator=denominator, target=target, current_milestones=current_ms)
    parent = _parent_target(level, unit_id, metric, year, target)
    back = _safe_next(url_for("targets.unit", level=level, unit_id=unit_id, year=year))
    conflict, status = None, 200
    if request.method == "GET" and target is not None:
        form.value.data = _plain_number(target.value, m)
        form.version.data = str(target.version)
        for name, month in forms.QUARTERS:
            if month in current_ms:
                getattr(form, name).data = _plain_number(current_ms[month], m)
    if form.validate_on_submit():
        posted = form.version.data
        if target is None:
            expected = None if not posted else int(posted) if posted.isdigit() else 0
        else:
            expected = int(posted) if posted and posted.isdigit() else 0
        try:
            if target is None and expected is not None:
                # The form was drawn for an existing target that has since gone: never guess.
                raise target_service.TargetError(_("Chỉ tiêu này vừa bị xóa; hãy tải lại trang."))
            target_service.set_target(
                session=db, user=g.user, metric=metric, level=level, unit_id=unit_id, year=year,
                value=form.parsed_value, people=form.parsed_people, reason=form.reason.data or "",
                expected_version=expected, parent_id=parent.id if parent is not None else None,
                milestone_values=form.milestone_values(year))
        except target_service.TargetConflict as exc:
            db.rollback()
            current = exc.target
            conflict = _conflict_message(m, current)
            # Saving again now overwrites knowingly: the page has shown the other person's value.
            form.version.data = str(current.version)
            target, status = current, 409
        except target_service.TargetError as exc:
            db.rollback()
            form.value.errors = list(form.value.errors) + [str(exc)]
            status = 400
        else:
            flash(_("Đã lưu chỉ tiêu: %(metric)s.", metric=m.label), "success")
            return redirect(back)
    elif form.errors:
        status = 400
    return render_template(
        "targets/edit.html", form=form, found=found, level=level, metric=m, year=year, target=target,
        denominator=denominator, parent=parent, conflict=conflict, back=back,
        denominator_label=_denominator_label(m), **_template_helpers(_unit_version(level, unit_id))), status


def _plain_number(value, metric):
    """A value as the form shows it: 95,5 for a rate, 3163500 for a count."""
    if value is None:
        return ""
    if metric.is_rate:
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return text.replace(".", ",")
    return str(int(round(value)))


def _denominator_label(metric):
    if metric.denominator == "population":
        return _("Dân số")
    if metric.denominator == "labour_force":
        return _("Lực lượng lao động trong độ tuổi")
    return None


@bp.route("/targets/<int:target_id>/status", methods=["POST"])
def set_status(target_id):
    db = get_session()
    target = _visible_target(target_id)
    status = request.form.get("status", "")
    may_set = target_service.can_set(g.user, session=db, level=target.level, unit_id=target.unit_id)
    may_accept = target_service.can_accept(g.user, session=db, target=target)
    scope.require(may_set or may_accept)
    back = _safe_next(url_for("targets.unit", level=target.level, unit_id=target.unit_id, year=target.year))
    if status not in target_service.STATUS_ORDER:
        flash(_("Trạng thái không hợp lệ."), "error")
        return redirect(back)
    scope.require(may_accept if status == "accepted" else may_set)
    version = request.form.get("version", "")
    try:
        target_service.change_status(session=db, user=g.user, target=target, status=status,
                                     expected_version=int(version) if version.isdigit() else None,
                                     reason=request.form.get("reason", ""))
    except target_service.TargetConflict as exc:
        db.rollback()
        flash(_conflict_message(METRICS[target.metric], exc.target), "error")
    except target_service.TargetError as exc:
        db.rollback()
        flash(str(exc), "error")
    else:
        flash(_("Đã chuyển trạng thái sang “%(status)s”.", status=status_labels()[status]), "success")
    return redirect(back)


# --- allocation -------------------------------------------------------------------------------

def _allocation_page(parent, rule, *, posted=None, row_errors=None, errors=(), warning=None, reason="",
                     status=200, blocked=False):
    from planner.models import HierarchyVersion
    from planner.services import reforms

    db = get_session()
    m = METRICS[parent.metric]
    manual = None
    if rule == "manual" and posted:
        manual = {k: v for k, v in posted.items() if isinstance(v, int)}
    child_level, rows = target_service.propose(session=db, parent=parent, rule=rule, manual=manual)
    for r in rows:
        r["rate"] = from_people(m, r["actual"], r["denominator"]) if m.is_rate and r["denominator"] else None
        shown = (posted or {}).get(r["unit"].id, r["proposed_people"])
        r["input"] = shown
    inputs = [r["input"] for r in rows if isinstance(r["input"], int)]
    total = sum(inputs)
    children_sum, children_count = target_service.sum_of_children(session=db, target=parent)
    parent_unit = target_service.get_unit(session=db, level=parent.level, unit_id=parent.unit_id)
    # Communes made by a reform: what the units that went into them reached before it.
    history_year, history = reforms.allocation_history(session=db, child_level=child_level,
                                                       units=[r["unit"] for r in rows], metric=m)
    version = db.get(HierarchyVersion, parent_unit.version_id) if hasattr(parent_unit, "version_id") else None
    return render_template(
        "targets/allocate.html", parent=parent, parent_unit=parent_unit, metric=m, rule=rule, rows=rows,
        history_year=history_year, history=history, version=version,
        child_level=child_level, total=total, diff=total - (parent.people or 0), row_errors=row_errors or {},
        errors=errors, warning=warning, reason=reason, rule_labels=rule_labels(), rule_help=rule_help(),
        children_sum=children_sum, children_count=children_count, actions=_status_actions(parent),
        blocked=blocked or parent.people is None,
        accepted_all=children_count > 0 and all(
            t.status == "accepted" for t in target_service.children_targets(session=db, target=parent)),
        **_template_helpers()), status


@bp.route("/targets/<int:target_id>/allocate", methods=["GET", "POST"])
def allocate(target_id):
    db = get_session()
    parent = _visible_target(target_id)
    scope.require(_may_split(parent))
    rule = request.values.get("rule") or parent_rule(parent)
    if rule not in RULES:
        rule = "population"
    if _splits_to_agents_as_rate(parent):
        return _allocation_page(parent, rule, blocked=True, status=200 if request.method == "GET" else 400, errors=[
            _("Nhân viên thu nhận chỉ tiêu theo số người (ví dụ người tham gia BHXH tự nguyện, người tham gia "
              "mới), không theo tỷ lệ: chỉ tiêu tỷ lệ của xã không phân bổ cho nhân viên thu.")])
    if parent.people is None:
        return _allocation_page(parent, rule, errors=[
            _("Chỉ tiêu cấp trên chưa quy đổi được ra số người (thiếu mẫu số), nên chưa phân bổ được.")])
    if request.method == "GET":
        return _allocation_page(parent, rule)

    child_level, rows = target_service.allocation_children(session=db, parent=parent)
    posted, row_errors = {}, {}
    for r in rows:
        uid = r["unit"].id
        raw = request.form.get(f"people-{uid}", "")
        try:
            number = forms.parse_whole(raw)
        except forms.NumberError as exc:
            row_errors[uid], posted[uid] = str(exc), raw
            continue
        if number is None:
            row_errors[uid], posted[uid] = _("Hãy nhập số người (có thể là 0)."), raw
        elif number < 0:
            row_errors[uid], posted[uid] = _("Không được là số âm."), raw
        elif METRICS[parent.metric].is_rate and r["denominator"] and number > r["denominator"]:
            row_errors[uid], posted[uid] = _("Vượt quá mẫu số (%(n)s người).", n=fmt_number(r["denominator"])), raw
        else:
            posted[uid] = number
    reason = request.form.get("reason", "").strip()
    if row_errors:
        return _allocation_page(parent, rule, posted=posted, row_errors=row_errors, reason=reason,
                                errors=[_("Chưa lưu: hãy sửa các dòng được đánh dấu.")], status=400)
    # A stale screen: someone changed one of these children since the page was drawn.
    for r in rows:
        t = r["target"]
        seen = request.form.get(f"version-{r['unit'].id}", "")
        if t is not None and seen != str(t.version):
            return _allocation_page(parent, rule, posted=posted, reason=reason, errors=[_(
                "Người khác vừa sửa chỉ tiêu của %(unit)s (hiện là %(value)s, do %(who)s sửa lúc %(at)s). "
                "Phân bổ của bạn chưa được lưu; trang đã tải lại số liệu mới.",
                unit=target_service.unit_label(r["unit"]), value=value_text(METRICS[t.metric], t.value, t.people),
                who=t.updated_by, at=local_time(t.updated_at))], status=409)
        if t is None and seen:
            return _allocation_page(parent, rule, posted=posted, reason=reason, errors=[_(
                "Người khác vừa giao chỉ tiêu cho %(unit)s. Phân bổ của bạn chưa được lưu; hãy xem lại.",
                unit=target_service.unit_label(r["unit"]))], status=409)
    total = sum(posted.values())
    proposal = {r["unit"].id: r["proposed_people"]
                for r in target_service.propose(session=db, parent=parent, rule=rule)[1]} if rule != "manual" else {}
    edited = rule != "manual" and any(posted[k] != proposal.get(k) for k in posted)
    if total != parent.people and rule != "manual":
        return _allocation_page(parent, rule, posted=posted, reason=reason, status=400, errors=[_(
            "Tổng phân bổ (%(total)s người) phải bằng chỉ tiêu cấp trên (%(parent)s người). Muốn để lệch, "
            "hãy chọn cách “Tự nhập”.", total=fmt_number(total), parent=fmt_number(parent.people))])
    try:
        written = target_service.apply_allocation(session=db, user=g.user, parent=parent,
                                                  rule="manual" if edited else rule,
                                                  people_by_unit=posted, reason=reason)
    except target_service.TargetError as exc:
        return _allocation_page(parent, rule, posted=posted, reason=reason, errors=[str(exc)], status=400)
    flash(_("Đã giao chỉ tiêu cho %(n)s đơn vị.", n=len(written)), "success")
    if total != parent.people:
        flash(_("Lưu ý: tổng phân bổ (%(total)s người) lệch %(diff)s người so với chỉ tiêu cấp trên "
                "(%(parent)s người).", total=fmt_number(total), diff=fmt_number(total - parent.people),
                parent=fmt_number(parent.people)), "warning")
    return redirect(url_for("targets.allocate", target_id=parent.id, rule=rule))


def parent_rule(parent):
    """The rule the children were last allocated by (default: by population)."""
    children = target_service.children_targets(session=get_session(), target=parent)
    rules = {c.allocation_rule for c in children if c.allocation_rule}
    return rules.pop() if len(rules) == 1 else "population"


@bp.route("/targets/<int:target_id>/allocate/accept", methods=["POST"])
def accept_allocation(target_id):
    db = get_session()
    parent = _visible_target(target_id)
    scope.require(_can_allocate(parent))
    children = target_service.children_targets(session=db, target=parent)
    accepted = 0
    try:
        for child in children:
            if child.status != "accepted":
                target_service.change_status(session=db, user=g.user, target=child, status="accepted")
                accepted += 1
    except target_service.TargetError as exc:
        db.rollback()
        flash(str(exc) if not isinstance(exc, target_service.TargetConflict)
              else _conflict_message(METRICS[parent.metric], exc.target), "error")
    else:
        if children:
            flash(_("Đã chấp nhận phân bổ (%(n)s đơn vị).", n=accepted), "success")
        else:
            flash(_("Chưa có phân bổ nào để chấp nhận."), "warning")
    return redirect(url_for("targets.allocate", target_id=parent.id))


# --- progress and pace --------------------------------------------------------------------

def _level_choices():
    if scope.is_province_wide(g.user):
        return ["province", "district", "commune"]
    if g.user.role == "district_head":
        return ["district", "commune"]
    return ["commune"]


def _district_choices(version):
    if not scope.is_province_wide(g.user):
        return []
    return get_session().execute(select(District).where(District.version_id == version.id)
                                 .order_by(District.code)).scalars().all()


def _district_filter(version):
    """The district a leader filtered on (None: all); others are limited by their scope anyway."""
    if not scope.is_province_wide(g.user):
        return None
    district_id = request.args.get("district", type=int)
    if district_id is None:
        return None
    found = get_session().get(District, district_id)
    return found.id if found is not None and found.version_id == version.id else None


def _pace_line(setting):
    return _("Đạt tiến độ khi ≥ %(on)s mức kỳ vọng; có nguy cơ khi ≥ %(risk)s; thấp hơn là chậm tiến độ.",
             on=fmt_rate(setting.on_track_ratio * 100, 0 if setting.on_track_ratio * 100 == int(
                 setting.on_track_ratio * 100) else 1),
             risk=fmt_rate(setting.at_risk_ratio * 100, 0 if setting.at_risk_ratio * 100 == int(
                 setting.at_risk_ratio * 100) else 1))


@bp.route("/progress")
def progress_page():
    db = get_session()
    version = registry.current_version(session=db)
    if version is None:
        return render_template("targets/progress.html", version=None, **_template_helpers())
    year = _year(version)
    metric_code = _metric_code()
    levels = _level_choices()
    default_level = "district" if scope.is_province_wide(g.user) else "commune"
    level = request.args.get("level", default_level)
    if level not in levels:
        level = default_level
    district_id = _district_filter(version) if level != "province" else None
    result = progress_service.progress(session=db, user=g.user, version=version, metric_code=metric_code,
                                       level=level, year=year, district_id=district_id)
    setting = result["setting"]
    form = forms.ThresholdForm(formdata=None, data={
        "on_track": _plain_number(setting.on_track_ratio * 100, METRICS["hi_coverage"]),
        "at_risk": _plain_number(setting.at_risk_ratio * 100, METRICS["hi_coverage"])})
    args = {"metric": metric_code, "level": level, "year": year}
    if district_id:
        args["district"] = district_id
    total = len(result["rows"])
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    return render_template(
        "targets/progress.html", version=version, result=result, year=year, metric=result["metric"],
        rows=result["rows"][(page - 1) * PAGE_SIZE: page * PAGE_SIZE], page=page, pages=pages,
        level=level, levels=levels, districts=_district_choices(version), district_id=district_id,
        years=_year_choices(version, year), pace_line=_pace_line(setting), form=form,
        can_change_thresholds=scope.is_province_wide(g.user), args=args,
        has_targets=any(r["target"] for r in result["rows"]),
        **_template_helpers(version))


@bp.route("/progress/thresholds", methods=["POST"])
def save_thresholds():
    db = get_session()
    scope.require(scope.is_province_wide(g.user))
    back = _safe_next(url_for("targets.progress_page"))
    form = forms.ThresholdForm()
    if form.validate_on_submit():
        try:
            progress_service.save_pace_setting(session=db, user=g.user,
                                               on_track_ratio=form.on_track.parsed / 100,
                                               at_risk_ratio=form.at_risk.parsed / 100)
        except ValueError:
            db.rollback()
            flash(_("Ngưỡng không hợp lệ: cần 0 < ngưỡng có nguy cơ < ngưỡng đạt tiến độ ≤ 150%."), "error")
        else:
            flash(_("Đã lưu ngưỡng đánh giá tiến độ."), "success")
    else:
        for field in form:
            for message in field.errors:
                flash(f"{field.label.text}: {message}", "error")
    return redirect(back)


# --- where to act next --------------------------------------------------------------------

def _ranking_filters(version):
    region = request.args.get("region", "")
    flag = request.args.get("flag", "")
    return {
        "metric": _metric_code(), "year": _year(version), "district": _district_filter(version),
        "region": region if region in ("I", "II", "III", "none") else "",
        "flag": flag if flag in ("on_track", "at_risk", "off_track") else "",
    }


def _ranking(version, filters):
    return progress_service.ranking(
        session=get_session(), user=g.user, version=version, metric_code=filters["metric"],
        year=filters["year"], district_id=filters["district"], region=filters["region"] or None,
        flag=filters["flag"] or None)


@bp.route("/targets/ranking")
def ranking():
    db = get_session()
    version = registry.current_version(session=db)
    if version is None:
        return render_template("targets/ranking.html", version=None, **_template_helpers())
    filters = _ranking_filters(version)
    result = _ranking(version, filters)
    rows = result["rows"]
    total = len(rows)
    pages = max(1, -(-total // PAGE_SIZE))
    page = min(max(1, request.args.get("page", 1, type=int) or 1), pages)
    args = {k: v for k, v in filters.items() if v}
    province = _province(version)
    province_target = (target_service.find_target(session=db, metric=filters["metric"], level="province",
                                                  unit_id=province.id, year=filters["year"]) if province else None)
    return render_template(
        "targets/ranking.html", version=version, result=result, rows=rows[(page - 1) * PAGE_SIZE: page * PAGE_SIZE],
        offset=(page - 1) * PAGE_SIZE, total=total, page=page, pages=pages, filters=filters, args=args,
        districts=_district_choices(version), years=_year_choices(version, filters["year"]),
        metric=result["metric"], province_target=province_target,
        has_any_target=any(r["target_people"] is not None for r in rows) or province_target is not None,
        source_labels=target_source_labels(version), **_template_helpers(version))


@bp.route("/targets/ranking.xlsx")
def ranking_xlsx():
    version = _version()
    filters = _ranking_filters(version)
    result = _ranking(version, filters)
    data = export.ranking_workbook(result, flag_labels=flag_labels(), source_labels=target_source_labels(version),
                                   version=version)
    name = f"noi-can-tap-trung-{filters['metric']}-{filters['year']}.xlsx"
    return Response(data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f"attachment; filename={name}"})

