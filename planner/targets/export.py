"""The ranked list of where to act next as an XLSX workbook: Vietnamese headers and names kept
as they are, figures as numbers (rates as Excel percentages) so they can be summed and sorted."""
import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from planner.safetext import append_row
from planner.services.hierarchy import middle_label


def _ratio(percent):
    return None if percent is None else round(percent / 100, 6)


def ranking_workbook(result, *, flag_labels, source_labels, version=None):
    """Bytes of an .xlsx with one row per commune of progress.ranking's result."""
    metric = result["metric"]
    rate = metric.is_rate
    wb = Workbook()
    ws = wb.active
    ws.title = _("Nơi cần tập trung")[:31]
    as_of = result["as_of"]
    append_row(ws, [_("Nơi cần tập trung – %(metric)s – năm %(year)s", metric=str(metric.label), year=result["year"])])
    append_row(ws, [_("Số liệu đến tháng %(month)s", month=as_of.strftime("%m/%Y")) if as_of else _("Chưa có số liệu")])
    headers = [
        _("Hạng"), _("Mã xã"), _("Xã, phường, thị trấn"), str(middle_label(version)), _("Dân số"),
        _("Hiện tại (tỷ lệ)") if rate else _("Hiện tại (người)"),
        _("Chỉ tiêu (tỷ lệ)") if rate else _("Chỉ tiêu (người)"),
        _("Nguồn chỉ tiêu"), _("Số người cần thêm"),
        _("Dự báo cuối năm (tỷ lệ)") if rate else _("Dự báo cuối năm (người)"),
        _("Đánh giá"), _("Khu vực"), _("Số người mất thẻ BHYT do NSNN đóng"),
        _("Số ngày từ hội nghị gần nhất"),
    ]
    append_row(ws, headers)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    for rank, r in enumerate(result["rows"], start=1):
        append_row(ws, [
            rank, r["commune"].code, r["commune"].name, r["district"].name if r["district"] else None,
            r["population"],
            _ratio(r["actual_value"]) if rate else r["actual"],
            _ratio(r["target_value"]) if rate else r["target_people"],
            source_labels.get(r["target_source"], "") if r["target_source"] else None,
            r["needed"],
            _ratio(r["projection_value"]) if rate else (round(r["projection"]) if r["projection"] is not None else None),
            flag_labels.get(r["flag"]) if r["flag"] else None,
            r["region"], r["lost_state_hi_people"], r["days_since_conference"],
        ])
    for row in ws.iter_rows(min_row=header_row + 1):
        for index in (4, 8, 12):  # population, needed, lost cards
            row[index].number_format = "#,##0"
        for index in (5, 6, 9):
            row[index].number_format = "0.00%" if rate else "#,##0"
    widths = [6, 8, 30, 24, 12, 14, 14, 20, 14, 16, 14, 9, 14, 12]
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=4)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
