"""/audit: who changed which record, when, and what, newest first; filters by user, kind of record,
area (district or office area, commune) and Vietnamese calendar dates. Admins and leaders see
everything, a district head the changes of their area's communes, agents nothing (403)."""
import re
from datetime import date

from flask import Blueprint, abort, current_app, g, render_template, request
from flask_babel import gettext as _

from planner.audit_trail import labels
from planner.db import get_session
from planner.services import audit_trail

bp = Blueprint("audit_trail", __name__)

FILTER_KEYS = ("user", "entity", "area", "commune", "from", "to")
_DAY = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
_ISO_DAY = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_COMMUNE_CODE = re.compile(r"[0-9]{5}")


def parse_day(text):
    """dd/mm/yyyy (or yyyy-mm-dd) -> date; None when it is no real day."""
    found = _DAY.fullmatch(text)
    if found:
        day, month, year = (int(part) for part in found.groups())
    else:
        found = _ISO_DAY.fullmatch(text)
        if not found:
            return None
        year, month, day = (int(part) for part in found.groups())
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _read_filters(args, db, areas, entities):
    """(TrailFilters, raw values as typed, messages about the values that cannot be used)."""
    raw = {key: args.get(key, "").strip() for key in FILTER_KEYS}
    filters, errors = audit_trail.TrailFilters(), []
    if raw["user"]:
        if len(raw["user"]) > 60:
            errors.append(_("Tên đăng nhập dài tối đa 60 ký tự."))
        else:
            filters.username = raw["user"]
    if raw["entity"]:
        if raw["entity"] in entities:
            filters.entity = raw["entity"]
        else:
            errors.append(_("Không có loại bản ghi “%(value)s”.", value=raw["entity"][:60]))
    if raw["area"]:
        if raw["area"] in dict(areas):
            filters.area_code = raw["area"]
        else:
            errors.append(_("Không có đơn vị mã “%(value)s” trong phạm vi của bạn.", value=raw["area"][:20]))
    if raw["commune"]:
        if not _COMMUNE_CODE.fullmatch(raw["commune"]):
            errors.append(_("Mã xã gồm 5 chữ số, ví dụ 16663."))
        elif not audit_trail.commune_exists(session=db, code=raw["commune"]):
            errors.append(_("Không có xã mã %(code)s.", code=raw["commune"]))
        else:
            filters.commune_code = raw["commune"]
    for key, field, label in (("from", "date_from", _("Từ ngày")), ("to", "date_to", _("Đến ngày"))):
        if raw[key]:
            day = parse_day(raw[key])
            if day is None:
                errors.append(_("%(field)s: “%(value)s” không phải là ngày (nhập theo dạng dd/mm/yyyy).",
                                field=label, value=raw[key][:30]))
            else:
                setattr(filters, field, day)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        errors.append(_("Từ ngày phải trước hoặc bằng đến ngày."))
    return filters, raw, errors


def _page_number():
    """?page=: ASCII digits only (else the first page); beyond the last page means the last."""
    text = request.args.get("page", "1").strip()
    if not text.isascii() or not text.isdigit():
        return 1
    return int(text) if len(text) <= 9 else 10 ** 9


@bp.route("/audit")
def index():
    if not audit_trail.can_view(g.user):
        abort(403)
    db = get_session()
    entities = labels.entity_labels()
    areas = audit_trail.area_choices(session=db, user=g.user)
    filters, raw, errors = _read_filters(request.args, db, areas, entities)
    data, items = None, []
    if not errors:
        data = audit_trail.events_page(session=db, user=g.user, filters=filters, page=_page_number(),
                                       page_size=current_app.config.get("PAGE_SIZE", 50))
        items = labels.Reader(db).read(data["events"])
    args = {key: value for key, value in raw.items() if value}
    return render_template(
        "audit/index.html", data=data, items=items, raw=raw, args=args, errors=errors,
        areas=areas, entities=sorted(entities.items(), key=lambda kv: str(kv[1])),
        usernames=audit_trail.username_choices(session=db, user=g.user),
        province_wide=g.user.role in ("admin", "leader"),
    ), (400 if errors else 200)
