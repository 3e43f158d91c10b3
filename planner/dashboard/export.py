"""The dashboards' tables as XLSX workbooks, a sheet per table: Vietnamese headers and names kept
as they are, figures as numbers (rates as Excel percentages), the same rows as the page.
The agents' activity table is the field-work report's own workbook (linked from the page)."""
from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from planner.services.hierarchy import middle_label
from planner.fieldwork_reports.export import COUNT, MIMETYPE, _round, _save, _table  # noqa: F401 (MIMETYPE)
from planner.safetext import append_row

RATE = "0.00%"


def _sheet(wb, title, heading, first=False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = str(title)[:31]
    append_row(ws, [str(heading)])
    ws["A1"].font = Font(bold=True, size=13)
    return ws


def _bold_last(ws):
    for cell in ws[ws.max_row]:
        cell.font = Font(bold=True)


def _trend_sheet(wb, result, title, heading, denominator_label, source_labels, first=False):
    ws = _sheet(wb, title, heading, first)
    rows = [[p["period"].strftime("%m/%Y"), p["participants"], p["denominator"], _round(p["rate"]),
             _round(p["target"]), str(source_labels.get(p["target_source"], "")) if p["target_source"] else None]
            for p in result["points"]]
    _table(ws, [_("Tháng"), _("Người tham gia"), str(denominator_label), _("Tỷ lệ"), _("Chỉ tiêu"),
                _("Nguồn chỉ tiêu")], rows, [None, COUNT, COUNT, RATE, RATE, None], [10, 16, 18, 10, 10, 34])
    ws.freeze_panes = "A3"


def _fieldwork_sheet(wb, fieldwork, format_labels, scope_name):
    ws = _sheet(wb, _("Theo tháng"), _("Hội nghị và người tham gia mới theo tháng – %(s)s – năm %(y)s",
                                       s=scope_name, y=fieldwork["year"]))
    formats = list(format_labels)
    headers = [_("Tháng")] + [str(format_labels[f]) for f in formats] + [
        _("Tổng số hội nghị"), _("Số người dự"), _("BHXH tự nguyện mới"), _("BHYT hộ gia đình mới"),
        _("Tổng người tham gia mới")]

    def values(label, r):
        return [label] + [r["by_format"].get(f, 0) for f in formats] + [
            r["conferences"], r["attendees"], r["new_voluntary_si"], r["new_household_hi"], r["new"]]

    rows = [values(m["month"].strftime("%m/%Y"), m) for m in fieldwork["months"]]
    rows.append(values(_("Tổng cộng"), fieldwork["total"]))
    _table(ws, headers, rows, [None] + [COUNT] * (len(headers) - 1), [10] + [14] * (len(headers) - 1))
    _bold_last(ws)


def province_workbook(context, *, trend_labels, region_labels, source_labels, flag_labels, format_labels,
                      status_labels):
    """Trends (HI, SI), districts ranked, region classes, field work by month."""
    wb = Workbook()
    _trend_sheet(wb, context["trends"]["hi_coverage"], _("Xu hướng BHYT"), trend_labels["hi_coverage"], _("Dân số"),
                 source_labels, first=True)
    _trend_sheet(wb, context["trends"]["si_coverage"], _("Xu hướng BHXH"), trend_labels["si_coverage"],
                 _("Lực lượng lao động trong độ tuổi"), source_labels)
    ranking, version = context["ranking"], context["version"]
    as_of = ranking["as_of"]
    ws = _sheet(wb, middle_label(version, "ranking_sheet"),
                middle_label(version, "ranking_sheet_title", y=ranking["year"],
                             m=as_of.strftime("%m/%Y") if as_of else "–"))
    rows = [[n, r["district"].code, r["district"].name, r["population"], r["participants"], _round(r["coverage"]),
             _round(r["target_rate"]), r["target_people"],
             str(source_labels.get(r["target_source"], "")) if r["target_source"] else None,
             _round(r["attainment"]), r["needed"], str(flag_labels[r["flag"]]) if r["flag"] else None]
            for n, r in enumerate(ranking["rows"], start=1)]
    t = ranking["total"]
    rows.append([None, None, _("Toàn tỉnh"), t["population"], t["participants"], _round(t["coverage"]),
                 _round(t["target_rate"]), t["target_people"],
                 str(source_labels.get(t["target_source"], "")) if t["target_source"] else None,
                 _round(t["attainment"]), t["needed"], None])
    _table(ws, [_("Hạng"), str(middle_label(version, "code")), str(middle_label(version)), _("Dân số"), _("Người tham gia BHYT"), _("Tỷ lệ bao phủ"),
                _("Chỉ tiêu (tỷ lệ)"), _("Chỉ tiêu (người)"), _("Nguồn chỉ tiêu"), _("Mức đạt chỉ tiêu"),
                _("Số người cần thêm"), _("Đánh giá")], rows,
           [None, None, None, COUNT, COUNT, RATE, RATE, COUNT, None, RATE, COUNT, None],
           [6, 9, 26, 12, 14, 12, 12, 14, 30, 12, 14, 14])
    _bold_last(ws)
    ws.freeze_panes = "D3"
    regions = context["regions"]
    ws = _sheet(wb, _("Theo khu vực"), _("Theo khu vực (Quyết định 861/QĐ-TTg) – tháng %(m)s",
                                         m=regions["on"].strftime("%m/%Y")))
    rows = [[str(region_labels[r["category"]]) if r["category"] in region_labels else r["category"], r["communes"],
             r["with_data"], r["population"], r["participants"], _round(r["coverage"])]
            for r in regions["rows"] + [regions["total"]]]
    _table(ws, [_("Khu vực"), _("Số xã"), _("Số xã có số liệu"), _("Dân số"), _("Người tham gia BHYT"),
                _("Tỷ lệ bao phủ")], rows, [None, COUNT, COUNT, COUNT, COUNT, RATE], [26, 8, 14, 14, 16, 12])
    _bold_last(ws)
    _fieldwork_sheet(wb, context["fieldwork"], format_labels, _("Toàn tỉnh"))
    return _save(wb)


def district_workbook(context, *, region_labels, source_labels, flag_labels, format_labels, status_labels):
    """Key figures, communes against targets, the month's conferences, field work by month, trend."""
    wb = Workbook()
    district, f = context["district"], context["figures"]
    ws = _sheet(wb, _("Số liệu chính"), _("%(d)s – năm %(y)s – số liệu tháng %(m)s", d=district.name,
                                          y=context["year"], m=f["as_of"].strftime("%m/%Y") if f["as_of"] else "–"),
                first=True)
    rows = [[_("Dân số"), f["population"]], [_("Người tham gia BHYT"), f["participants"]],
            [_("Tỷ lệ bao phủ BHYT"), _round(f["coverage"])], [_("Chỉ tiêu (tỷ lệ)"), _round(f["target_rate"])],
            [_("Chỉ tiêu (người)"), f["target_people"]], [_("Mức đạt chỉ tiêu"), _round(f["attainment"])],
            [_("Số người cần thêm"), f["needed"]]]
    append_row(ws, [])
    for label, value in rows:
        append_row(ws, [str(label), value])
        ws.cell(row=ws.max_row, column=2).number_format = RATE if isinstance(value, float) else COUNT
    ws.column_dimensions["A"].width = 28
    ws.column_dimensions["B"].width = 16
    communes = context["communes"]
    ws = _sheet(wb, _("Các xã"), _("Các xã so với chỉ tiêu BHYT – %(d)s – năm %(y)s", d=district.name,
                                   y=context["year"]))
    rows = [[r["commune"].code, r["commune"].name, r["population"], r["participants"], _round(r["coverage"]),
             _round(r["target_rate"]), r["target_people"],
             str(source_labels.get(r["target_source"], "")) if r["target_source"] else None,
             _round(r["attainment"]), r["needed"], str(flag_labels[r["flag"]]) if r["flag"] else None,
             str(region_labels.get(r["region"], r["region"])) if r["region"] else None,
             r["last_conference"].strftime("%d/%m/%Y") if r["last_conference"] else None]
            for r in communes["rows"]]
    _table(ws, [_("Mã xã"), _("Xã, phường, thị trấn"), _("Dân số"), _("Người tham gia BHYT"), _("Tỷ lệ bao phủ"),
                _("Chỉ tiêu (tỷ lệ)"), _("Chỉ tiêu (người)"), _("Nguồn chỉ tiêu"), _("Mức đạt chỉ tiêu"),
                _("Số người cần thêm"), _("Đánh giá"), _("Khu vực"), _("Hội nghị gần nhất")], rows,
           [None, None, COUNT, COUNT, RATE, RATE, COUNT, None, RATE, COUNT, None, None, None],
           [8, 28, 12, 14, 12, 12, 14, 30, 12, 14, 14, 12, 14])
    ws.freeze_panes = "C3"
    conferences = context["conferences"]
    ws = _sheet(wb, _("Hội nghị trong tháng"), _("Hội nghị tháng %(m)s – %(d)s",
                                                 m=conferences["start"].strftime("%m/%Y"), d=district.name))
    rows = [[i["conference"].held_on.strftime("%d/%m/%Y"), i["commune_code"], i["commune"], i["conference"].hamlet,
             str(format_labels.get(i["conference"].format, i["conference"].format)), i["conference"].attendees,
             i["conference"].reg_voluntary_si + i["conference"].reg_household_hi,
             str(status_labels.get(i["conference"].status, i["conference"].status))]
            for i in conferences["rows"]]
    _table(ws, [_("Ngày"), _("Mã xã"), _("Xã"), _("Thôn, xóm, bản"), _("Hình thức"), _("Số người dự"),
                _("Đăng ký tại chỗ"), _("Trạng thái")], rows, [None, None, None, None, None, COUNT, COUNT, None],
           [12, 8, 28, 16, 26, 12, 14, 12])
    _fieldwork_sheet(wb, context["fieldwork"], format_labels, district.name)
    if context.get("trend"):
        _trend_sheet(wb, context["trend"], _("Xu hướng BHYT"),
                     _("Tỷ lệ bao phủ BHYT – %(d)s", d=district.name), _("Dân số"), source_labels)
    return _save(wb)
