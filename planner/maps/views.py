"""The thematic map: the page, its geometry and values endpoints, a commune's profile, exports.

Geometry (per hierarchy version, level and zoom band; ETag, revalidated) and values (small
JSON per layer and period) are separate requests joined in the browser by unit code. The
contract with the page is docs/map-contract.md. Views stay thin: the figures come
from planner.services.map_layers, the boundaries from planner.services.map_geometry.
"""
import gzip
import json

from flask import Blueprint, Response, abort, g, jsonify, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from planner.db import get_session
from planner.i18n import fmt_month
from planner.models import HierarchyVersion
from planner.services import boundaries, hierarchy, map_geometry, map_layers, registry
from planner.services.coverage_map import RENDERED_CACHE, scope_key

bp = Blueprint("maps", __name__, url_prefix="/map")

GEOJSON = "application/geo+json"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# Leaflet zoom levels at which the page switches to band 1 and band 2.
BAND_ZOOMS = (9, 11)


@bp.errorhandler(map_layers.MapRequestError)
def _bad_request(exc):
    return jsonify(error=str(exc)), 400


@bp.errorhandler(map_layers.MapNotFound)
def _not_found(_exc):
    return jsonify(error=_("Không tìm thấy địa bàn này trong phạm vi của bạn.")), 404


def _params():
    """The layer parameters of the query string (checked by map_layers)."""
    args = request.args
    return {
        "layer": args.get("layer") or "hi_coverage",
        "period": args.get("period") or None,
        "level": args.get("level") or "commune",
        "district_code": args.get("district") or None,
        "method": args.get("method") or None,
        "classes": args.get("classes") or map_layers.DEFAULT_CLASSES,
        "base": args.get("base") or None,
    }


def _geometry_urls(version_id, level):
    return {str(b): url_for("maps.geometry", version_id=version_id, level=level, band=b)
            for b in range(len(map_geometry.BANDS))}


# --- the page -------------------------------------------------------------------------------

@bp.route("/")
def coverage():
    """The interactive map page; everything it draws is fetched from the endpoints below."""
    session = get_session()
    version = registry.current_version(session=session)
    if version is None:
        return render_template("maps/coverage.html", empty="registry")
    periods = map_layers.available_periods(session=session)
    params = _params()
    try:
        layer, period, period_version, level, district, method, classes, base = map_layers.resolve(
            session=session, user=g.user, **params)
    except (map_layers.MapRequestError, map_layers.MapNotFound):
        # A shared link with a stale or foreign parameter opens the default view instead.
        layer, period, period_version, level, district, method, classes, base = map_layers.resolve(
            session=session, user=g.user, layer="hi_coverage")
    districts = [{"code": u[1], "name": u[2]} for u in map_geometry.units_in_scope(
        session=session, user=g.user, version=period_version, level="district")]
    has_boundaries = boundaries.has_boundaries(session=session, version_id=period_version.id)
    initial = {
        "layer": layer.key, "period": map_layers.period_key(period), "level": level,
        "district": district.code if district else None, "method": method, "classes": classes,
        "base": map_layers.period_key(base) if base else None,
    }
    return render_template(
        "maps/coverage.html",
        empty=None if has_boundaries else "boundaries",
        version_name=period_version.name,
        period_version=period_version,
        layers=[{"key": lay.key, "label": str(lay.label), "kind": lay.kind, "unit": lay.unit,
                 "default_method": lay.default_method, "target_method": lay.target is not None}
                for lay in map_layers.LAYERS],
        methods=[{"key": key, "label": str(label)} for key, label in map_layers.METHODS],
        periods=[{"key": map_layers.period_key(p), "label": fmt_month(p)} for p in periods],
        districts=districts,
        initial=initial,
        map_config={
            "values_url": url_for("maps.values"),
            "profile_url": url_for("maps.profile", code="00000").replace("00000", ""),
            "xlsx_url": url_for("maps.values_xlsx"),
            "geojson_url": url_for("maps.layer_geojson"),
            "png_url": url_for("maps.map_png"),
            "html_url": url_for("maps.layer_html"),
            "band_zooms": list(BAND_ZOOMS),
            "initial": initial,
            "classes_range": [map_layers.MIN_CLASSES, map_layers.MAX_CLASSES],
            # What the middle level of the opening period's version is called ("Huyện", or "BHXH cơ
            # sở" from July 2025); values.json says it again for every period it answers.
            "middle_label": str(hierarchy.middle_label(period_version)),
        },
    )


# --- geometry -------------------------------------------------------------------------------

@bp.route("/geometry/<int:version_id>/<level>/<int:band>.geojson")
def geometry(version_id, level, band):
    session = get_session()
    version = session.get(HierarchyVersion, version_id)
    if version is None or level not in map_geometry.LEVELS or not 0 <= band < len(map_geometry.BANDS):
        abort(404)
    found = map_geometry.geometry(session=session, user=g.user, version=version, level=level, band=band)
    etag = found["etag"]
    headers = {"ETag": f'"{etag}"', "Cache-Control": "private, no-cache", "Vary": "Cookie, Accept-Encoding"}
    if etag in _etags(request.headers.get("If-None-Match", "")):
        return Response(status=304, headers=headers)
    if "gzip" in request.headers.get("Accept-Encoding", "").lower():
        resp = Response(found["gzip"], mimetype=GEOJSON, headers=headers)
        resp.headers["Content-Encoding"] = "gzip"
    else:
        resp = Response(found["body"], mimetype=GEOJSON, headers=headers)
    return resp


def _etags(header):
    return {part.strip().removeprefix("W/").strip('"') for part in header.split(",") if part.strip()}


# --- values ---------------------------------------------------------------------------------

def _values_document(session):
    params = _params()
    result = map_layers.layer_values(session=session, user=g.user, **params)
    version = result["version"]
    key = ("json", id(result), request.script_root)
    cached = RENDERED_CACHE.get(key)
    if cached is not None and cached[0] is result:
        return result, cached[1]
    document = map_layers.as_json(
        result, periods=map_layers.available_periods(session=session),
        geometry_urls=_geometry_urls(version.id, result["level"]),
        outline_urls=_geometry_urls(version.id, "district"))
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    RENDERED_CACHE.put(key, (result, body))
    return result, body


@bp.route("/values.json")
def values():
    _result, body = _values_document(get_session())
    return Response(body, mimetype="application/json", headers={"Cache-Control": "private, no-cache"})


# --- a commune's profile --------------------------------------------------------------------

@bp.route("/profile/<code>")
def profile(code):
    session = get_session()
    try:
        found = map_layers.commune_profile(session=session, user=g.user, code=code,
                                           period=request.args.get("period") or None)
    except map_layers.MapNotFound:
        abort(404)
    from planner.fieldwork_reports.forms import format_labels, organisation_labels
    from planner.targets.views import flag_labels
    return render_template("maps/_profile.html", p=found, flag_labels=flag_labels(),
                           format_labels=format_labels(), organisation_labels=organisation_labels())


# --- exports --------------------------------------------------------------------------------

def _scope_name(result):
    if result["district"] is not None:
        return result["district"].name
    if scope_key(g.user) == "province":
        return _("Toàn tỉnh")
    districts = {r["district"] for r in result["rows"]}
    if g.user.role == "district_head" and len(districts) == 1:
        return districts.pop()  # a head's own district, named as in the period's version
    return _("Phạm vi của bạn")


def _filename(result, ext):
    parts = ["ban-do", result["layer"], map_layers.period_key(result["period"])]
    if result["district"] is not None:
        parts.append(result["district"].code)
    return "-".join(parts) + "." + ext


def _download(data, mimetype, filename):
    return Response(data, mimetype=mimetype, headers={"Content-Disposition": f"attachment; filename={filename}"})


@bp.route("/values.xlsx")
def values_xlsx():
    from planner.maps.export import values_workbook
    result = map_layers.layer_values(session=get_session(), user=g.user, **_params())
    return _download(values_workbook(result, scope_name=_scope_name(result)), XLSX, _filename(result, "xlsx"))


def _band_frame(session, result, band):
    bands = map_geometry.prepared_bands(session=session, version_id=result["version"].id)
    if bands is None:
        return None, None
    communes, districts = bands[band]
    return (communes if result["level"] == "commune" else districts), districts


@bp.route("/layer.geojson")
def layer_geojson():
    session = get_session()
    result = map_layers.layer_values(session=session, user=g.user, **_params())
    frame, _districts = _band_frame(session, result, len(map_geometry.BANDS) - 1)
    legend = {entry["class"]: entry for entry in result["legend"]}
    props = {r["id"]: {"value": r["value"], "class": r["cls"], "label": legend[r["cls"]]["label"],
                       "color": legend[r["cls"]]["color"], "text": r["text"], "layer": result["layer"],
                       "period": map_layers.period_key(result["period"])} for r in result["rows"]}
    units = [(r["id"], r["code"], r["name"], r["district_code"], r["district"]) for r in result["rows"]]
    if frame is None:
        body = b'{"type":"FeatureCollection","features":[]}'
    else:
        body = map_geometry.collection_bytes(units, frame, result["level"], props)
    return _download(body, GEOJSON, _filename(result, "geojson"))


@bp.route("/map.png")
def map_png():
    session = get_session()
    result = map_layers.layer_values(session=session, user=g.user, **_params())
    key = ("png", id(result), str(get_locale()))
    cached = RENDERED_CACHE.get(key)
    if cached is not None and cached[0] is result:
        data = cached[1]
    else:
        data = map_layers.render_png(session=session, result=result, scope_name=_scope_name(result))
        RENDERED_CACHE.put(key, (result, data))
    return Response(data, mimetype="image/png",
                    headers={"Content-Disposition": f"inline; filename={_filename(result, 'png')}",
                             "Cache-Control": "private, no-cache"})


@bp.route("/layer.html")
def layer_html():
    """The layer as one self-contained HTML file (Folium map, Leaflet written in): a leader saves
    it and opens it anywhere, with no internet and no server. Same parameters as values.json."""
    from datetime import date

    from planner.maps.export import layer_html as build
    session = get_session()
    result = map_layers.layer_values(session=session, user=g.user, **_params())
    key = ("html", id(result), str(get_locale()), date.today())
    cached = RENDERED_CACHE.get(key)
    if cached is not None and cached[0] is result:
        body = cached[1]
    else:
        body = build(session=session, result=result, scope_name=_scope_name(result)).encode("utf-8")
        RENDERED_CACHE.put(key, (result, body))
    resp = _download(body, "text/html", _filename(result, "html"))
    resp.headers["Cache-Control"] = "private, no-cache"
    return resp


# Compress pages and JSON on the way out: district offices often sit behind slow links.
# (The geometry endpoint sends its own gzip, prepared once per collection.)
COMPRESSIBLE = ("text/html", "application/json", GEOJSON)
MIN_COMPRESS_BYTES = 1024


@bp.after_app_request
def compress(response):
    if (
        response.status_code != 200
        or response.direct_passthrough
        or response.is_streamed
        or "Content-Encoding" in response.headers
        or response.mimetype not in COMPRESSIBLE
        or "gzip" not in request.headers.get("Accept-Encoding", "").lower()
    ):
        return response
    data = response.get_data()
    if len(data) < MIN_COMPRESS_BYTES:
        return response
    response.set_data(gzip.compress(data, compresslevel=6, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    response.vary.add("Accept-Encoding")
    return response
