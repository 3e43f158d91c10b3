"""The HI coverage map: a commune choropleth of the latest month, drawn with Folium.

Every script and stylesheet comes from this app (offices run on intranets, no CDN). The
rendered map is cached per (data stamp, locale, scope): a warm request costs two small
queries and a template render.
"""
import gzip

from flask import Blueprint, current_app, g, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _

from planner.db import get_session
from planner.i18n import fmt_number, fmt_percent
from planner.services import coverage_map, registry

bp = Blueprint("maps", __name__, url_prefix="/map")

LOWEST_COUNT = 10


@bp.route("/")
def coverage():
    session = get_session()
    version = registry.current_version(session=session)
    config = current_app.config
    if version is None:
        return render_template("maps/coverage.html", empty="registry")
    key = (
        config["DATABASE_URL"],
        version.id,
        coverage_map.data_stamp(session=session, version_id=version.id),
        str(get_locale()),
        coverage_map.scope_key(g.user),
        request.script_root,
        config.get("MAP_TILE_URL"),
        config["BOUNDARY_TOLERANCE"],
        config["BOUNDARY_DECIMALS"],
    )
    context = coverage_map.RENDERED_CACHE.get(key)
    if context is None:
        context = coverage_map.RENDERED_CACHE.put(key, _build_context(session, version))
    return render_template("maps/coverage.html", **context)


def _build_context(session, version):
    """Everything the page shows, with the map already rendered into its three pieces."""
    from geo.maps import build_coverage_map, map_components

    config = current_app.config
    figures = coverage_map.commune_figures(session=session, user=g.user, version=version)
    rows = figures["rows"]
    for r in rows:
        r["hi_text"] = fmt_number(r["hi"])
        r["population_text"] = fmt_number(r["population"])
        r["rate_text"] = fmt_percent(r["rate"])
    context = {
        "version_name": version.name,
        "period": figures["period"],
        "is_demo": figures["is_demo"],
        "commune_count": len(rows),
        "lowest": coverage_map.lowest_coverage(rows, LOWEST_COUNT),
        "map": None,
        "empty": None,
        "missing_geometry": 0,
    }
    communes, outlines = coverage_map.prepared_geometry(
        session=session, version_id=version.id,
        tolerance=config["BOUNDARY_TOLERANCE"], ndigits=config["BOUNDARY_DECIMALS"],
    )
    by_id = {r["commune_id"]: r for r in rows}
    drawn = [cid for cid in communes.index if cid in by_id] if communes is not None else []
    if not drawn:
        context["empty"] = "boundaries"
        return context
    frame = communes.loc[drawn, ["geometry"]].copy()
    for column in ("code", "name", "district", "hi_text", "population_text", "rate_text", "rate"):
        frame[column] = [by_id[cid][column] for cid in drawn]
    district_ids = {by_id[cid]["district_id"] for cid in drawn}
    outlines = outlines[outlines["district_id"].isin(district_ids)]
    m = build_coverage_map(
        frame, outlines,
        value="rate",
        tooltip=[("name", _("Xã")), ("district", _("Huyện")), ("hi_text", _("Người tham gia BHYT")),
                 ("population_text", _("Dân số")), ("rate_text", _("Tỷ lệ bao phủ"))],
        legend_title=_("Tỷ lệ bao phủ BHYT"),
        no_data_label=_("Không có số liệu"),
        js=[("leaflet", url_for("vendor.file", name="leaflet", filename="leaflet.js"))],
        css=[("leaflet_css", url_for("vendor.file", name="leaflet", filename="leaflet.css"))],
        tile_url=config.get("MAP_TILE_URL"),
        tile_attribution=config.get("MAP_TILE_ATTRIBUTION", ""),
        tile_name=_("Bản đồ nền"),
        commune_layer_name=_("Xã"),
        outline_layer_name=_("Ranh giới huyện"),
    )
    context["map"] = map_components(m)
    context["drawn_count"] = len(drawn)
    context["missing_geometry"] = len(rows) - len(drawn)
    return context


# Compress pages and JSON on the way out: the map page is ~450 KB of text, ~80 KB gzipped,
# and district offices often sit behind slow links.
COMPRESSIBLE = ("text/html", "application/json")
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
