"""Dashboards for leaders and district heads, their XLSX exports and the printable district report.

The figures come from planner.services.dashboard; the charts are SVG drawn on the server
(planner.charts). Who sees what: leaders and admins the province and every district; a district
head only their own district (the province page sends them there; another district is 404);
a collection agent has their own pages (/field) and is sent there.
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    g,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from sqlalchemy import select
from werkzeug.routing import BuildError

from planner import charts
from planner.dashboard import export
from planner.db import get_session
from planner.fieldwork_reports.forms import format_labels
from planner.i18n import fmt_month, fmt_number, fmt_percent
from planner.models import District
from planner.services import dashboard as service
from planner.services import registry, scope
from planner.models.areas import OFFICE_KIND
from planner.services.hierarchy import OFFICE_PREFIX, middle_label

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard")

SORTS = ("attainment", "coverage", "needed")
KINDS = ("week", "month")
MAP_PNG_ENDPOINTS = ("maps.map_png", "maps.png", "maps.map_image")


# --- labels -----------------------------------------------------------------------------------

def region_labels():
    return {"I": _("Khu vực I"), "II": _("Khu vực II"), "III": _("Khu vực III"),
            "none": _("Không thuộc khu vực nào"), "total": _("Tổng cộng")}


def source_labels(version=None):
    """Where a target came from; "district" is the middle level's own (a district's, or from July
    2025 an office area's)."""
    return {"district": middle_label(version, "own_target"), "province": _("Theo chỉ tiêu của tỉnh"),
            "commune": _("Chỉ tiêu của xã"), "default": _("Mục tiêu 95% (chưa giao chỉ tiêu)")}


def flag_labels():
    return {"on_track": _("Đạt tiến độ"), "at_risk": _("Có nguy cơ"), "off_track": _("Chậm tiến độ")}


def status_labels():
    return {"approved": _("Đã duyệt"), "submitted": _("Chờ duyệt")}


def weekday_labels():
    return [_("T2"), _("T3"), _("T4"), _("T5"), _("T6"), _("T7"), _("CN")]


def trend_labels():
    return {"hi_coverage": _("Tỷ lệ bao phủ BHYT (% dân số)"),
            "si_coverage": _("Tỷ lệ tham gia BHXH (% lực lượng lao động trong độ tuổi)")}


def _labels(version=None):
    return {"region_labels": region_labels(), "source_labels": source_labels(version), "flag_labels": flag_labels(),
            "status_labels": status_labels(), "format_labels": format_labels()}


def _page_extras(db):
    return {"is_demo": service.is_demo(session=db)}


# --- query parameters -------------------------------------------------------------------------

def _params(db, *, district=False):
    """Year, month, kind and sort from the query string, with the errors of those that are not
    valid (the page then shows the defaults and says which parameter was wrong, with a 400)."""
    errors = []
    years = service.years_with_data(session=db)
    year = service.default_year(session=db)
    text = request.args.get("year", "").strip()
    if text:
        if text.isdigit() and 2000 <= int(text) <= 2100:
            year = int(text)
        else:
            errors.append(_("Năm “%(v)s” không hợp lệ: hãy chọn một năm từ 2000 đến 2100.", v=text[:20]))
    params = {"year": year, "years": sorted(set(years) | {year}), "errors": errors}
    if not district:
        sort = request.args.get("sort", "attainment")
        if sort not in SORTS:
            errors.append(_("Cách xếp hạng “%(v)s” không hợp lệ.", v=sort[:20]))
            sort = "attainment"
        params["sort"] = sort
        return params
    kind = request.args.get("kind", "month")
    if kind not in KINDS:
        errors.append(_("Kỳ “%(v)s” không hợp lệ: chọn tuần hoặc tháng.", v=kind[:20]))
        kind = "month"
    params["kind"] = kind
    month = None
    text = request.args.get("month", "").strip()
    if text:
        try:
            month = datetime.strptime(text, "%Y-%m").date()
        except ValueError:
            errors.append(_("Tháng “%(v)s” không hợp lệ: dạng YYYY-MM, ví dụ 2025-10.", v=text[:20]))
        else:
            if not 2000 <= month.year <= 2100:
                errors.append(_("Tháng “%(v)s” không hợp lệ: dạng YYYY-MM, ví dụ 2025-10.", v=text[:20]))
                month = None
    params["month"] = month
    return params


def _status(params):
    return 400 if params["errors"] else 200


def _district_or_404(db, code, version):
    """The district with this code in the year's version, if the user may see it (else 404)."""
    if version is None:
        abort(404)
    district = db.execute(select(District).where(District.version_id == version.id, District.code == code)
                          ).scalars().first()
    if district is None:
        abort(404)
    if not scope.is_province_wide(g.user):
        own = db.get(District, g.user.district_id) if g.user.district_id else None
        if g.user.role != "district_head" or own is None or own.code != district.code:
            abort(404)
    return district


@dataclass(frozen=True)
class SameDistrictScope:
    """A district head's scope carried to the district of the same code in another hierarchy
    version (district codes outlive commune mergers): what planner.services.scope reads of a user."""
    id: int
    role: str
    district_id: int


def _viewer(district):
    """Whom the district's figures are read for: the user, or — for a district head looking at a
    year drawn in older units — their scope moved onto that version's district of their code
    (_district_or_404 has checked the code is theirs)."""
    if scope.is_province_wide(g.user) or district.id == g.user.district_id:
        return g.user
    return SameDistrictScope(id=g.user.id, role=g.user.role, district_id=district.id)


def _require_district_viewer():
    scope.require(scope.is_province_wide(g.user) or g.user.role == "district_head")


def map_png_url(**args):
    """The URL of the map PNG (helper A's endpoint), or None while it does not exist."""
    for endpoint in MAP_PNG_ENDPOINTS:
        try:
            return url_for(endpoint, **args)
        except BuildError:
            continue
    return None


def map_layer(db, district, period):
    """The map's HI coverage classes for the district's communes (planner.services.map_layers),
    so the printed report carries the map's legend and each commune's colour; None while the
    map service is missing or when it refuses the request."""
    try:
        from planner.services import map_layers
    except ImportError:
        return None
    if period is None:
        return None
    try:
        result = map_layers.layer_values(session=db, user=g.user, layer="hi_coverage", period=period,
                                         level="commune", district_code=district.code)
    except (map_layers.MapRequestError, map_layers.MapNotFound):
        return None
    colours = {entry["class"]: entry["color"] for entry in result["legend"]}
    return {"legend": result["legend"], "label": result["label"],
            "colour_by_code": {r["code"]: colours.get(r["cls"]) for r in result["rows"]}}


def map_page_url(**args):
    try:
        return url_for("maps.coverage", **args)
    except BuildError:
        return None


# --- charts -----------------------------------------------------------------------------------

def _target_label(points):
    sources = {p["target_source"] for p in points if p["target"] is not None}
    if sources == {"default"}:
        return _("Mục tiêu 95% (chưa giao chỉ tiêu)")
    return _("Chỉ tiêu năm")


def trend_chart(result, scope_name, year=None):
    """The monthly coverage against the target line; the chosen year shaded when there are several."""
    points = result["points"]
    label = trend_labels()[result["metric"].code]
    with_data = [p for p in points if p["rate"] is not None]
    if with_data:
        first, last = with_data[0], with_data[-1]
        desc = _("%(label)s của %(scope)s từ %(start)s đến %(end)s: %(a)s lúc đầu, %(b)s tháng %(end)s.",
                 label=label, scope=scope_name, start=fmt_month(first["period"]), end=fmt_month(last["period"]),
                 a=fmt_percent(first["rate"]), b=fmt_percent(last["rate"]))
    else:
        desc = _("Chưa có số liệu.")
    years = sorted({p["period"].year for p in points})
    ticks = None
    if len(years) > 2:  # several years: one tick per January, the year alone
        ticks = [(i, str(p["period"].year)) for i, p in enumerate(points)
                 if p["period"].month == 1 or i == 0 and p["period"].month <= 6]
    in_year = [i for i, p in enumerate(points) if p["period"].year == year]
    highlight = (in_year[0], in_year[-1]) if in_year and len(years) > 1 else None
    return charts.line_chart(
        title=label, desc=desc, labels=[fmt_month(p["period"]) for p in points],
        series=[{"name": _("Thực hiện"), "values": [p["rate"] for p in points]}],
        target=[p["target"] for p in points], target_label=_target_label(points), x_ticks=ticks,
        highlight=highlight, highlight_label=_("Năm %(y)s", y=year))


def ranking_chart(ranking, version=None):
    """Bars of the measure the districts (office areas) are ranked by: attainment (against a 100%
    line), coverage (with each one's target marked) or people still needed."""
    rows, sort, year = ranking["rows"], ranking["sort"], ranking["year"]

    def name(r):
        # An office area's name without the "BHXH cơ sở " every bar would repeat (the title says it).
        d = r["district"]
        return d.name.removeprefix(OFFICE_PREFIX) if d.kind == OFFICE_KIND else d.name

    def link(r):
        return url_for("dashboard.district", code=r["district"].code, year=year)

    if sort == "needed":
        title = middle_label(version, "chart_needed", y=year)
        items = [{"label": name(r), "value": r["needed"], "href": link(r)} for r in rows]
        options = {"fmt": fmt_number}
        text = [f"{r['district'].name} {fmt_number(r['needed'])}" for r in rows[:3]]
    elif sort == "coverage":
        title = middle_label(version, "chart_coverage", y=year)
        items = [{"label": name(r), "value": r["coverage"], "marker": r["target_rate"], "href": link(r)}
                 for r in rows]
        options = {"target_label": _("Chỉ tiêu"), "value_max": 1.0}
        text = [f"{r['district'].name} {fmt_percent(r['coverage'])}" for r in rows[:3]]
    else:
        title = middle_label(version, "chart_attainment", y=year)
        items = [{"label": name(r), "value": r["attainment"], "href": link(r)} for r in rows]
        high = max([r["attainment"] or 0 for r in rows] + [1.0])
        options = {"target": 1.0, "target_label": _("Đạt 100% chỉ tiêu"), "value_max": high}
        text = [f"{r['district'].name} {fmt_percent(r['attainment'])}" for r in rows[:3]]
    return charts.bar_ranking(title=title, desc=middle_label(version, "chart_desc", n=len(rows), top=", ".join(text)),
                              items=items, **options)


def month_charts(fieldwork, labels):
    months = fieldwork["months"]
    names = [f"{m['month'].month:02d}" for m in months]
    year = fieldwork["year"]
    conferences = charts.month_bars(
        title=_("Hội nghị đã duyệt theo tháng, năm %(y)s", y=year),
        desc=_("Tổng %(n)s hội nghị, %(a)s người dự.", n=fmt_number(fieldwork["total"]["conferences"]),
               a=fmt_number(fieldwork["total"]["attendees"])),
        labels=names, stacked=True,
        series=[{"name": str(labels[f]), "values": [m["by_format"].get(f, 0) for m in months]}
                for f in labels])
    new = charts.month_bars(
        title=_("Người tham gia mới theo tháng, năm %(y)s", y=year),
        desc=_("Tổng %(n)s người: %(v)s BHXH tự nguyện, %(h)s BHYT hộ gia đình.",
               n=fmt_number(fieldwork["total"]["new"]), v=fmt_number(fieldwork["total"]["new_voluntary_si"]),
               h=fmt_number(fieldwork["total"]["new_household_hi"])),
        labels=names, stacked=True,
        series=[{"name": _("BHXH tự nguyện"), "values": [m["new_voluntary_si"] for m in months]},
                {"name": _("BHYT hộ gia đình"), "values": [m["new_household_hi"] for m in months]}])
    return conferences, new


def communes_chart(communes, district):
    rows = communes["rows"]
    return charts.bar_ranking(
        title=_("Tỷ lệ bao phủ BHYT các xã của %(d)s, năm %(y)s", d=district.name, y=communes["year"]),
        desc=_("%(n)s xã; vạch đỏ là chỉ tiêu của từng xã.", n=len(rows)),
        items=[{"label": r["commune"].name, "value": r["coverage"], "marker": r["target_rate"]} for r in rows],
        target_label=_("Chỉ tiêu"), value_max=1.0)


def calendar_chart(conferences, district):
    events = {}
    for item in conferences["rows"]:
        c = item["conference"]
        events.setdefault(c.held_on, []).append({
            "status": c.status,
            "text": f"{item['commune']}{' – ' + c.hamlet if c.hamlet else ''} ({status_labels()[c.status]})"})
    start = conferences["start"]
    return charts.month_calendar(
        title=_("Lịch hội nghị tháng %(m)s – %(d)s", m=fmt_month(start), d=district.name),
        desc=_("%(a)s hội nghị đã duyệt, %(s)s hội nghị chờ duyệt.", a=conferences["approved"],
               s=conferences["submitted"]),
        year=start.year, month=start.month, events=events, weekday_labels=weekday_labels(),
        status_labels=status_labels())


# --- the province -------------------------------------------------------------------------------

def _province_context(db, params):
    year = params["year"]
    current = registry.current_version(session=db)  # the trend is drawn in today's units
    version = service.version_for_year(session=db, year=year)
    if current is None or version is None:
        return None
    trends = {code: service.trend(session=db, version=current, metric_code=code) for code in service.TREND_METRICS}
    ranking = service.district_ranking(session=db, user=g.user, version=version, year=year, sort=params["sort"])
    regions = service.region_breakdown(session=db, user=g.user, version=version, year=year, as_of=ranking["as_of"])
    fieldwork = service.fieldwork_by_month(session=db, user=g.user, year=year)
    return {"current": current, "version": version, "trends": trends, "ranking": ranking, "regions": regions,
            "fieldwork": fieldwork, "year": year}


@bp.route("/")
def province():
    if g.user.role == "agent":
        return redirect(url_for("fieldwork.home"))
    db = get_session()
    if g.user.role == "district_head":
        own = db.get(District, g.user.district_id) if g.user.district_id else None
        scope.require(own is not None)
        return redirect(url_for("dashboard.district", code=own.code, **request.args))
    scope.require(scope.is_province_wide(g.user))
    params = _params(db)
    context = _province_context(db, params)
    if context is None:
        return render_template("dashboard/province.html", empty=True, params=params, **_labels()), _status(params)
    labels = _labels(context["version"])
    province = service.province_of(session=db, version=context["current"])
    province_name = province.name if province else ""
    conf_chart, new_chart = month_charts(context["fieldwork"], format_labels())
    return render_template(
        "dashboard/province.html", empty=False, params=params, **context,
        charts={"hi": trend_chart(context["trends"]["hi_coverage"], province_name, context["year"]),
                "si": trend_chart(context["trends"]["si_coverage"], province_name, context["year"]),
                "ranking": ranking_chart(context["ranking"], context["version"]), "conferences": conf_chart,
                "new": new_chart},
        trend_labels=trend_labels(), **_page_extras(db), **labels,
        map_url=map_page_url(layer="hi_coverage", **({"period": context["ranking"]["as_of"].strftime("%Y-%m")}
                                                    if context["ranking"]["as_of"] else {}))), _status(params)


@bp.route("/export.xlsx")
def province_xlsx():
    scope.require(scope.is_province_wide(g.user))
    db = get_session()
    params = _params(db)
    if params["errors"]:
        return Response("\n".join(params["errors"]), status=400, mimetype="text/plain")
    context = _province_context(db, params)
    if context is None:
        abort(404)
    data = export.province_workbook(context, trend_labels=trend_labels(), **_labels(context["version"]))
    return _xlsx(data, f"bang-dieu-hanh-tinh-{params['year']}.xlsx")


def _xlsx(data, filename):
    return Response(data, mimetype=export.MIMETYPE,
                    headers={"Content-Disposition": f"attachment; filename={filename}"})


# --- one district -------------------------------------------------------------------------------

def _district_context(db, code, params):
    year = params["year"]
    version = service.version_for_year(session=db, year=year)
    district = _district_or_404(db, code, version)
    viewer = _viewer(district)
    month = params["month"] or service.latest_fieldwork_month(session=db, user=viewer, year=year,
                                                              district_id=district.id)
    figures = service.district_figures(session=db, user=viewer, version=version, district=district, year=year)
    month = month or figures["as_of"] or date(year, 12, 1)
    day = month
    if params["kind"] == "week":
        # The month's last week that has begun: the week of its last day, or of today.
        day = max(month, min(service.next_month(month) - timedelta(days=1), date.today()))
    current = registry.current_version(session=db)
    trend_district = None
    if current is not None:
        trend_district = db.execute(select(District).where(District.version_id == current.id,
                                                           District.code == district.code)).scalars().first()
    context = {
        "version": version, "district": district, "year": year, "month": month, "kind": params["kind"],
        "figures": figures,
        "communes": service.district_communes(session=db, user=viewer, version=version, district=district,
                                              year=year),
        "conferences": service.month_conferences(session=db, user=viewer, district=district, month=month),
        "agents": service.agents_activity(session=db, user=viewer, district=district, kind=params["kind"], day=day),
        "fieldwork": service.fieldwork_by_month(session=db, user=viewer, year=year, district_id=district.id),
        "trend": (service.trend(session=db, version=current, metric_code="hi_coverage", district=trend_district)
                  if trend_district is not None else None),
        "prev_month": service.previous_month(month), "next_month": service.next_month(month),
    }
    fieldwork = context["fieldwork"]
    if month.year != year:
        fieldwork = service.fieldwork_by_month(session=db, user=viewer, year=month.year, district_id=district.id)
    context["month_fieldwork"] = fieldwork["months"][month.month - 1]
    return context


def _district_links(context):
    district, period = context["district"], context["figures"]["as_of"]
    map_args = {"district": district.code, "layer": "hi_coverage"}
    if period:
        map_args["period"] = period.strftime("%Y-%m")
    return {
        "map": map_page_url(**map_args),
        "map_png": map_png_url(layer="hi_coverage", level="commune", district=district.code,
                               **({"period": period.strftime("%Y-%m")} if period else {})),
        "activity_xlsx": url_for("fieldwork_reports.activity_xlsx", kind=context["kind"],
                                 day=context["agents"]["start"].isoformat(), district=district.code),
    }


@bp.route("/district/<code>")
def district(code):
    _require_district_viewer()
    db = get_session()
    params = _params(db, district=True)
    context = _district_context(db, code, params)
    return render_template(
        "dashboard/district.html", params=params, **context, links=_district_links(context),
        charts={"communes": communes_chart(context["communes"], context["district"]),
                "calendar": calendar_chart(context["conferences"], context["district"]),
                "trend": (trend_chart(context["trend"], context["district"].name, context["year"])
                          if context["trend"] else None),
                "months": month_charts(context["fieldwork"], format_labels())},
        **_page_extras(db), **_labels(context["version"])), _status(params)


@bp.route("/district/<code>/export.xlsx")
def district_xlsx(code):
    _require_district_viewer()
    db = get_session()
    params = _params(db, district=True)
    if params["errors"]:
        return Response("\n".join(params["errors"]), status=400, mimetype="text/plain")
    context = _district_context(db, code, params)
    data = export.district_workbook(context, **_labels(context["version"]))
    return _xlsx(data, f"bang-dieu-hanh-{context['district'].code}-{params['year']}.xlsx")


@bp.route("/district/<code>/report")
def report(code):
    _require_district_viewer()
    db = get_session()
    params = _params(db, district=True)
    params["kind"] = "month"  # the printed report covers the month
    context = _district_context(db, code, params)
    return render_template(
        "dashboard/report.html", params=params, **context, links=_district_links(context),
        map_layer=map_layer(db, context["district"], context["figures"]["as_of"]),
        charts={"communes": communes_chart(context["communes"], context["district"]),
                "calendar": calendar_chart(context["conferences"], context["district"])},
        printed_on=date.today(), **_page_extras(db), **_labels(context["version"])), _status(params)
