"""JSON API v1: targets (list, read, update with optimistic locking) and progress.

Signed in by the session cookie or by `Authorization: Bearer <token>` (planner.auth.security).
The blueprint is exempt from Flask-WTF's global check and checks CSRF itself: a
session-authenticated write must carry the token in X-CSRFToken; a bearer-token request has no
cookie to abuse, so it needs none. Every error under /api/ is JSON, never an HTML page.
"""
import math
from datetime import date, datetime, timezone
from decimal import Decimal

from flask_babel import gettext as _
from flask import Blueprint, current_app, g, jsonify, request
from flask_wtf.csrf import CSRFError
from sqlalchemy import and_, false, or_, select, true
from werkzeug.exceptions import HTTPException

from planner.auth.security import csrf
from planner.db import get_session
from planner.models import Commune, District, HierarchyVersion, Target, User, UserCommune
from planner.models.targets import TARGET_LEVELS, TARGET_STATUSES
from planner.services import progress as progress_service
from planner.services import registry, scope
from planner.services import targets as target_service
from planner.services.hierarchy import middle_label, middle_level
from planner.services.metrics import METRICS, from_people

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

# "area" is the honest name of the middle level: a district until June 2025, a grassroots SI office
# area (BHXH cơ sở) from July 2025. It is accepted wherever "district" is and means the same units
# (stored as level "district"); responses say which the version has in "middle_level".
LEVEL_ALIASES = {"area": "district"}
PROGRESS_LEVELS = ("province", "district", "area", "commune")
UPDATE_FIELDS = {"value", "people", "version", "reason", "status"}
REASON_MAX = 500


# --- plumbing: CSRF for cookie sessions, JSON errors -----------------------------------------

@bp.before_request
def csrf_for_session_writes():
    """Cookie-authenticated writes need the CSRF token (header X-CSRFToken); bearer tokens don't."""
    if g.get("api_token") is None and current_app.config.get("WTF_CSRF_ENABLED", True):
        csrf.protect()  # returns at once for GET/HEAD/OPTIONS


@bp.app_errorhandler(HTTPException)
def json_errors_under_api(error):
    """404/405/400/403/500 ... as JSON inside /api/; other paths keep their usual pages."""
    if not request.path.startswith("/api/"):
        return error
    if isinstance(error, CSRFError):
        body = {"error": "csrf", "message": error.description}
    else:
        body = {"error": (error.name or "error").lower().replace(" ", "_"),
                "message": error.description}
    response = jsonify(body)
    response.status_code = error.code or 500
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value  # e.g. Allow on a 405
    return response


def _error(status, code, message=None, **extra):
    body = {"error": code}
    if message:
        body["message"] = message
    body.update(extra)
    return jsonify(body), status


# --- JSON shapes -----------------------------------------------------------------------------

def _number(value, digits=None):
    """Numbers stay numbers: Decimal (PostgreSQL sums) -> int/float; NaN -> None."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        value = int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return round(value, digits) if digits is not None else value
    return value


def _people(value):
    value = _number(value)
    return round(value) if isinstance(value, float) else value


def _iso(value):
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is None:  # stored as UTC without an offset
            value = value.replace(tzinfo=timezone.utc)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _unit_json(level, unit):
    if unit is None:
        return None
    if level == "agent":
        return {"id": unit.id, "code": unit.username, "name": unit.full_name or unit.username}
    return {"id": unit.id, "code": unit.code, "name": unit.name}


def _area_json(db, district):
    """The middle-level unit of a district or commune row: {"id", "code", "name", "middle_level"}
    where middle_level is "district" or "office" (a grassroots SI office area, from July 2025)."""
    if district is None:
        return None
    version = db.get(HierarchyVersion, district.version_id)
    return {"id": district.id, "code": district.code, "name": district.name, "middle_level": middle_level(version)}


def _area_of(db, level, unit):
    """The District (office area) a target's unit is or lies in; None for the province and agents."""
    if unit is None:
        return None
    if level == "district":
        return unit
    if level == "commune":
        return db.get(District, unit.district_id)
    return None


def target_json(target, unit=None, db=None):
    area = _area_json(db, _area_of(db, target.level, unit)) if db is not None else None
    return {
        "id": target.id, "metric": target.metric, "level": target.level, "unit_id": target.unit_id,
        "unit": _unit_json(target.level, unit), "year": target.year,
        "value": _number(target.value), "people": _number(target.people),
        "denominator": _number(target.denominator), "status": target.status,
        "parent_id": target.parent_id, "allocation_rule": target.allocation_rule,
        "revision": target.revision, "version": target.version,
        "updated_by": target.updated_by, "updated_at": _iso(target.updated_at),
        # The middle level the unit is (level "district") or lies in (level "commune"), by its honest
        # name: from July 2025 an office area. The level stays "district" for compatibility.
        "area": area, "middle_level": area["middle_level"] if area else None,
    }


def _units_of(db, targets):
    """{(level, unit_id): unit} in one query per level (also warms the identity map for can_view)."""
    wanted = {}
    for t in targets:
        wanted.setdefault(t.level, set()).add(t.unit_id)
    units = {}
    for level, ids in wanted.items():
        model = target_service.unit_model(level)
        for unit in db.execute(select(model).where(model.id.in_(sorted(ids)))).scalars():
            units[(level, unit.id)] = unit
    return units


# --- targets -------------------------------------------------------------------------------

def _visible_filter(user):
    """A SQL superset of targets.can_view, so the list does not load the whole province."""
    if scope.is_province_wide(user):
        return true()
    province = Target.level == "province"
    if user.role == "district_head":
        if user.district_id is None:
            return province
        return or_(
            province,
            and_(Target.level == "district", Target.unit_id == user.district_id),
            and_(Target.level == "commune",
                 Target.unit_id.in_(select(Commune.id).where(Commune.district_id == user.district_id))),
            and_(Target.level == "agent",
                 Target.unit_id.in_(select(User.id).where(User.district_id == user.district_id))),
        )
    if user.role == "agent":
        return or_(
            province,
            and_(Target.level == "district", Target.unit_id == user.district_id)
            if user.district_id is not None else false(),
            and_(Target.level == "commune",
                 Target.unit_id.in_(select(UserCommune.commune_id).where(UserCommune.user_id == user.id))),
            and_(Target.level == "agent", Target.unit_id == user.id),
        )
    return province


def _int_arg(name, errors):
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        errors[name] = _("Phải là số nguyên.")
        return None


def _choice_arg(name, choices, errors):
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    if raw not in choices:
        errors[name] = _("Giá trị không hợp lệ; chọn một trong: %(choices)s.", choices=", ".join(choices))
        return None
    return raw


def _middle_of_current(db):
    version = registry.current_version(session=db)
    return middle_level(version) if version is not None else None


@bp.get("/targets")
def list_targets():
    """Targets the user may view, filtered by year, metric, level, unit_id and status."""
    errors = {}
    year = _int_arg("year", errors)
    unit_id = _int_arg("unit_id", errors)
    metric = _choice_arg("metric", tuple(METRICS), errors)
    level = _choice_arg("level", TARGET_LEVELS + tuple(LEVEL_ALIASES), errors)
    level = LEVEL_ALIASES.get(level, level)
    status = _choice_arg("status", TARGET_STATUSES, errors)
    if errors:
        return _error(400, "invalid", fields=errors)
    db = get_session()
    stmt = select(Target).where(_visible_filter(g.user))
    for column, wanted in ((Target.year, year), (Target.unit_id, unit_id), (Target.metric, metric),
                           (Target.level, level), (Target.status, status)):
        if wanted is not None:
            stmt = stmt.where(column == wanted)
    rows = db.execute(stmt).scalars().all()
    units = _units_of(db, rows)
    visible = [t for t in rows
               if target_service.can_view(g.user, session=db, level=t.level, unit_id=t.unit_id)]
    order = {lvl: i for i, lvl in enumerate(TARGET_LEVELS)}
    visible.sort(key=lambda t: (t.year, t.metric, order.get(t.level, 9), t.unit_id))
    return jsonify({"count": len(visible), "middle_level": _middle_of_current(db),
                    "targets": [target_json(t, units.get((t.level, t.unit_id)), db) for t in visible]})


def _visible_target(target_id):
    """(session, target, unit) or a 404 when the target is missing or outside the user's scope."""
    db = get_session()
    target = db.get(Target, target_id)
    if target is None or not target_service.can_view(g.user, session=db, level=target.level,
                                                      unit_id=target.unit_id):
        return db, None, None
    return db, target, target_service.get_unit(session=db, level=target.level, unit_id=target.unit_id)


@bp.get("/targets/<int:target_id>")
def get_target(target_id):
    db, target, unit = _visible_target(target_id)
    if target is None:
        return _error(404, "not_found", _("Không có chỉ tiêu này trong phạm vi của bạn."))
    return jsonify(target_json(target, unit, db))


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value):
    return (isinstance(value, (int, float)) and not isinstance(value, bool)
            and math.isfinite(value))


def parse_update(data):
    """({value, people, version, reason, status}, {field: Vietnamese message})."""
    if not isinstance(data, dict):
        return None, {"body": _("Nội dung gửi lên phải là một đối tượng JSON.")}
    errors = {}
    for key in sorted(set(data) - UPDATE_FIELDS):
        errors[key] = _("Trường này không được hỗ trợ.")
    version = data.get("version")
    if version is None:
        errors["version"] = _("Thiếu phiên bản (version) của chỉ tiêu bạn đã đọc.")
    elif not _is_int(version):
        errors["version"] = _("Phiên bản phải là số nguyên.")
    value, people = data.get("value"), data.get("people")
    if value is not None and not _is_number(value):
        errors["value"] = _("Giá trị chỉ tiêu phải là một số.")
    if people is not None and not _is_int(people):
        errors["people"] = _("Số người phải là số nguyên.")
    if value is not None and people is not None:
        errors["value"] = _("Chỉ gửi một trong hai: giá trị (value) hoặc số người (people).")
    reason = data.get("reason") or ""
    if not isinstance(reason, str):
        errors["reason"] = _("Lý do phải là chuỗi ký tự.")
    elif len(reason) > REASON_MAX:
        errors["reason"] = _("Lý do tối đa %(n)s ký tự.", n=REASON_MAX)
    status = data.get("status")
    if status is not None and status not in target_service.STATUS_ORDER:
        errors["status"] = _("Trạng thái không hợp lệ.")
    if value is None and people is None and status is None and "value" not in errors:
        errors["value"] = _("Hãy nhập giá trị chỉ tiêu.")
    return {"value": value, "people": people, "version": version, "reason": reason,
            "status": status}, errors


def _field_of(message, fields):
    """Which field a service message is about (TargetError carries only the sentence)."""
    text = message.lower()
    if "lý do" in text or "reason" in text:
        return "reason"
    if "trạng thái" in text or "status" in text:
        return "status"
    return "people" if fields["people"] is not None else "value"


@bp.put("/targets/<int:target_id>")
def update_target(target_id):
    """Change a target's value (or people) and/or status; `version` must be the one last read."""
    db, target, unit = _visible_target(target_id)
    if target is None:
        return _error(404, "not_found", _("Không có chỉ tiêu này trong phạm vi của bạn."))
    user = g.user
    if not target_service.can_set(user, session=db, level=target.level, unit_id=target.unit_id):
        return _error(403, "forbidden", _("Bạn không có quyền sửa chỉ tiêu này."))
    fields, errors = parse_update(request.get_json(silent=True))
    if errors:
        return _error(400, "invalid", _("Dữ liệu chưa hợp lệ."), fields=errors)
    if fields["status"] == "accepted" and not target_service.can_accept(user, session=db, target=target):
        return _error(403, "forbidden", _("Bạn không có quyền chấp nhận chỉ tiêu này."))
    try:
        if fields["value"] is None and fields["people"] is None:
            saved = target_service.change_status(
                session=db, user=user, target=target, status=fields["status"],
                expected_version=fields["version"], reason=fields["reason"])
        else:
            saved = target_service.set_target(
                session=db, user=user, metric=target.metric, level=target.level, unit_id=target.unit_id,
                year=target.year, value=fields["value"], people=fields["people"], reason=fields["reason"],
                expected_version=fields["version"], status=fields["status"])
    except target_service.TargetConflict:
        db.rollback()
        current = db.get(Target, target_id)
        return _error(409, "conflict", _("Chỉ tiêu vừa được người khác sửa; đây là bản hiện tại."),
                      current=target_json(current, unit, db) if current is not None else None)
    except target_service.TargetError as exc:
        db.rollback()
        message = str(exc)
        return _error(400, "invalid", message, fields={_field_of(message, fields): message})
    return jsonify(target_json(saved, unit, db))


# --- progress ------------------------------------------------------------------------------

def _pair(people, metric, denominator):
    """{"people": head count, "value": in the metric's unit (percent for a rate)}."""
    if people is None:
        return {"people": None, "value": None}
    people = _number(people)
    value = _number(from_people(metric, people, _number(denominator)), 4)
    return {"people": _people(people), "value": value}


@bp.get("/progress")
def progress_rows():
    """Actual, target, expected pace, projection and flag per unit of a level for a year."""
    errors = {}
    metric_code = _choice_arg("metric", tuple(METRICS), errors) or "hi_coverage"
    asked = _choice_arg("level", PROGRESS_LEVELS, errors) or "commune"
    level = LEVEL_ALIASES.get(asked, asked)
    year = _int_arg("period", errors)
    if year is None and "period" not in errors:
        year = _int_arg("year", errors)
    if year is not None and not 1990 <= year <= 2100:
        errors["period"] = _("Năm không hợp lệ.")
    if errors:
        return _error(400, "invalid", fields=errors)
    db = get_session()
    version = registry.current_version(session=db)
    if year is None:
        latest = registry.latest_period(session=db, version_id=version.id) if version else None
        year = latest.year if latest else date.today().year
    metric = METRICS[metric_code]
    body = {"metric": {"code": metric.code, "label": str(metric.label), "kind": metric.kind},
            "level": asked, "period": year, "as_of": None, "rows": [],
            "middle_level": middle_level(version) if version is not None else None,
            "middle_label": str(middle_label(version)) if version is not None else None}
    if version is None:
        return jsonify(body)
    result = progress_service.progress(session=db, user=g.user, version=version, metric_code=metric_code,
                                       level=level, year=year)
    as_of = result["as_of"]
    body["as_of"] = _iso(as_of)
    areas = {d.id: d for d in db.execute(select(District).where(District.version_id == version.id)).scalars()}
    rows = []
    for r in result["rows"]:
        pace, t, d = r["pace"], r["target"], r["denominator"]
        area = None
        if level != "province":
            area = _area_json(db, areas.get(r["unit"].id if level == "district" else r["unit"].district_id))
        target = None
        if t is not None:
            target = {"id": t.id, "people": _number(t.people), "value": _number(t.value),
                      "status": t.status, "version": t.version}
        rows.append({
            "unit": _unit_json(level, r["unit"]),
            "denominator": _number(d),
            "actual": _pair(pace.actual, metric, d),
            "target": target,
            "expected": _pair(pace.expected, metric, d),
            "projection": _pair(pace.projection, metric, d),
            "ratio": _number(pace.ratio, 4),
            "flag": pace.flag,
            "seasonal": pace.seasonal,
            # The middle-level unit of the row (itself at level district/area): "district" by the
            # old name, "area" by the honest one; the same object.
            "district": area,
            "area": area,
        })
    body["rows"] = rows
    return jsonify(body)
