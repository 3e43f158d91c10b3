"""A map layer's table as an XLSX workbook: Vietnamese names kept as they are, values as numbers
(rates as Excel percentages) so they can be sorted and summed."""
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

from planner.fieldwork_reports.export import _save, _table
from planner.i18n import fmt_month

FORMATS = {"percent": "0.0%", "people": "#,##0", "count": "#,##0", "days": "#,##0", "points": "0.00",
           "category": None}


def values_workbook(result, *, scope_name):
    """Bytes of an .xlsx with one row per unit of map_layers.layer_values' result."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("Bản đồ")[:31]
    ws.append([result["label"]])
    ws["A1"].font = Font(bold=True, size=13)
    line = [scope_name, _("Kỳ %(period)s", period=fmt_month(result["period"])), result["version"].name]
    if result["base"]:
        line.insert(2, _("so với %(base)s", base=fmt_month(result["base"])))
    ws.append([" · ".join(p for p in line if p)])
    ws.append([])
    commune_level = result["level"] == "commune"
    headers = ([_("Mã xã"), _("Xã, phường, thị trấn"), _("Huyện")] if commune_level
               else [_("Mã huyện"), _("Huyện")]) + [result["label"], _("Nhóm (chú giải)"), _("Hội nghị gần nhất")]
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
