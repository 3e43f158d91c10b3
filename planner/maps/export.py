"""Exports of a map layer: its table as an XLSX workbook (Vietnamese names kept as they are, values
as numbers, rates as Excel percentages, so they can be sorted and summed), and the map itself as
one self-contained HTML file (Folium, geo.maps) that opens with no internet and no server."""
import base64
import re
from datetime import date
from functools import lru_cache

from flask_babel import get_locale
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from planner.fieldwork_reports.export import _save, _table
from planner.i18n import fmt_date, fmt_number
from planner.safetext import append_row
from planner.services.hierarchy import middle_label
from planner.services.map_layers import export_subtitle

FORMATS = {"percent": "0.0%", "people": "#,##0", "count": "#,##0", "days": "#,##0", "points": "0.00",
           "category": None}


def values_workbook(result, *, scope_name):
    """Bytes of an .xlsx with one row per unit of map_layers.layer_values' result."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("Bản đồ")[:31]
    append_row(ws, [result["label"]])
    ws["A1"].font = Font(bold=True, size=13)
    append_row(ws, [export_subtitle(result, scope_name)])
    append_row(ws, [])
    commune_level = result["level"] == "commune"
    middle = str(middle_label(result["version"]))  # Huyện, or BHXH cơ sở from July 2025
    headers = ([_("Mã xã"), _("Xã, phường, thị trấn"), middle] if commune_level
               else [_("Mã"), middle]) + [result["label"], _("Nhóm (chú giải)"), _("Hội nghị gần nhất")]
    legend = {entry["class"]: entry for entry in result["legend"]}
    fmt = FORMATS.get(result["unit"])
    value_col = len(headers) - 3
    rows = []
    for r in result["rows"]:
        value = r["value"]
        if result["unit"] == "category":
            value = r["text"]
        label = legend[r["cls"]]["label"]
        names = [r["code"], r["name"], r["district"]] if commune_level else [r["code"], r["name"]]
        rows.append(names + [value, label, result["last_conference"].get(r["code"])])
    formats = [None] * value_col + [fmt, None, "dd/mm/yyyy"]
    header_row = _table(ws, headers, rows, formats, [9, 30, 24, 16, 18, 16] if commune_level else [9, 24, 16, 18, 16])
    for offset, r in enumerate(result["rows"], start=1):
        color = legend[r["cls"]]["color"].lstrip("#")
        ws.cell(row=header_row + offset, column=value_col + 2).fill = PatternFill("solid", fgColor=color)
    ws.freeze_panes = ws.cell(row=header_row + 1, column=3 if commune_level else 2)
    legend_ws = wb.create_sheet(_("Chú giải")[:31])
    _table(legend_ws, [_("Nhóm"), _("Số đơn vị")], [[e["label"], e["count"]] for e in result["legend"]],
           [None, "#,##0"], [24, 12])
    for i, e in enumerate(result["legend"], start=2):
        legend_ws.cell(row=i, column=1).fill = PatternFill("solid", fgColor=e["color"].lstrip("#"))
    return _save(wb)


# --- the layer as one offline HTML file (Folium) ---------------------------------------------

_LEAFLET_IMAGE = re.compile(r"url\((['\"]?)images/([\w.-]+\.png)\1\)")


@lru_cache(maxsize=1)
def offline_assets():
    """{"leaflet": JS, "leaflet_css": CSS} read from the installed xstatic-leaflet package (the
    files the app serves under /vendor/leaflet/), the CSS's images written in as data: URIs so
    the saved file needs nothing beside it."""
    from planner.assets import VENDORS

    folder = VENDORS["leaflet"]()

    def image(match):
        data = (folder / "images" / match.group(2)).read_bytes()
        return "url(data:image/png;base64," + base64.b64encode(data).decode("ascii") + ")"

    css = _LEAFLET_IMAGE.sub(image, (folder / "leaflet.css").read_text(encoding="utf-8"))
    return {"leaflet": (folder / "leaflet.js").read_text(encoding="utf-8"), "leaflet_css": css}


def layer_frames(*, session, result, band=1):
    """(units, outlines) GeoDataFrames of a map_layers.layer_values result at a geometry band:
    units in result order with code, name, district, text and color; outlines the districts of
    those units. (None, None) when the version has no boundaries."""
    import geopandas as gpd

    from planner.services import map_geometry

    bands = map_geometry.prepared_bands(session=session, version_id=result["version"].id)
    if bands is None:
        return None, None
    communes, districts = bands[band]
    commune_level = result["level"] == "commune"
    source = communes if commune_level else districts
    legend = {entry["class"]: entry for entry in result["legend"]}
    rows = [r for r in result["rows"] if r["id"] in source.index]
    ids = [r["id"] for r in rows]
    units = gpd.GeoDataFrame(
        {"code": [r["code"] for r in rows], "name": [r["name"] for r in rows],
         "district": [r["district"] for r in rows], "text": [r["text"] for r in rows],
         "color": [legend[r["cls"]]["color"] for r in rows]},
        geometry=list(source.geometry.loc[ids]) if ids else [], crs=source.crs)
    district_ids = sorted(set(communes.loc[ids, "district_id"]) if commune_level else set(ids))
    outlines = districts.loc[[d for d in district_ids if d in districts.index], ["geometry"]]
    return units, outlines


def layer_html(*, session, result, scope_name):
    """One self-contained .html page (text) of a layer_values result: the units at band 1
    coloured by class, district borders, tooltips, the legend with counts and a title.
    Opens anywhere with no internet and no server (Leaflet written into the page)."""
    from geo.maps import build_layer_map, standalone_html

    units, outlines = layer_frames(session=session, result=result, band=1)
    commune_level = result["level"] == "commune"
    middle = str(middle_label(result["version"]))
    if commune_level:
        tooltip = [("name", _("Xã, phường, thị trấn")), ("district", middle), ("text", result["label"])]
    else:
        tooltip = [("name", middle), ("text", result["label"])]
    subtitle = export_subtitle(result, scope_name)
    notes = [_("Nguồn: số liệu tham gia đã nhập; hội nghị và hoạt động đã duyệt.")]
    if result["is_demo"]:
        notes.append(_("(dữ liệu minh họa)"))
    if result.get("target_default"):
        notes.append(_("Chưa giao chỉ tiêu BHYT cho năm này: số liệu tính theo mục tiêu chung về "
                       "tỷ lệ bao phủ BHYT."))
    notes.append(_("Xuất ngày %(day)s", day=fmt_date(date.today())))
    legend = [(e["color"], e["label"], fmt_number(e["count"])) for e in result["legend"]]
    m = build_layer_map(
        units, title=result["label"], subtitle=subtitle, note=" ".join(notes), legend=legend,
        legend_title=result["label"], tooltip_fields=tooltip, outlines=outlines,
        layer_name=_("Xã") if commune_level else middle,
        outline_name=_("Ranh giới: %(unit)s", unit=middle))
    return standalone_html(m, inline_assets=offline_assets(), lang=str(get_locale() or "vi"))
