"""The conversion report and the agents' activity as XLSX workbooks: Vietnamese headers and names
kept as they are, figures as numbers (rates as Excel percentages) so they can be summed and sorted."""
import io

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from planner.safetext import append_row

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONEY, COUNT, RATE, DECIMAL = "#,##0", "#,##0", "0.0%", "#,##0.0"


def _table(ws, headers, rows, formats, widths):
    append_row(ws, headers)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    for values in rows:
        append_row(ws, list(values))
        for cell, fmt in zip(ws[ws.max_row], formats):
            if fmt:
                cell.number_format = fmt
    for i, width in enumerate(widths, start=1):
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(ws.column_dimensions[letter].width or 0, width)
    return header_row


def _round(value, digits=6):
    return None if value is None else round(value, digits)


def _save(wb):
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def conversion_workbook(report, *, format_labels, audience_labels, scope_label):
    """Two tables (by conference format, by audience group) with a totals row each."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("Hiệu quả hội nghị")[:31]
    append_row(ws, [_("Hiệu quả hội nghị – %(scope)s", scope=scope_label)])
    ws["A1"].font = Font(bold=True, size=13)
    append_row(ws, [_("Từ %(start)s đến %(end)s; người tham gia mới tính trong %(days)s ngày sau hội nghị",
                 start=report["date_from"].strftime("%d/%m/%Y"), end=report["date_to"].strftime("%d/%m/%Y"),
                 days=report["window_days"])])
    headers = [_("Số hội nghị"), _("Số người dự"), _("Đăng ký tại chỗ"), _("Người tham gia mới"),
               _("Tỷ lệ chuyển đổi"), _("Người mới / hội nghị"), _("Kinh phí (đồng)"),
               _("Chi phí / người mới (đồng)")]
    formats = [None, COUNT, COUNT, COUNT, COUNT, RATE, DECIMAL, MONEY, MONEY]
    widths = [40, 12, 12, 14, 16, 14, 16, 16, 20]

    def values(label, r):
        return [str(label), r["conferences"], r["attendees"], r["registered"], r["attributed"],
                _round(r["conversion_rate"]), _round(r["new_per_conference"], 2), r["cost"],
                None if r["cost_per_new"] is None else round(r["cost_per_new"])]

    for title, rows, labels in ((_("Hình thức hội nghị"), report["by_format"], format_labels),
                                (_("Nhóm đối tượng"), report["by_audience"], audience_labels)):
        append_row(ws, [])
        data = [values(labels.get(r["key"], r["key"]), r) for r in rows]
        data.append(values(_("Tổng cộng"), report["totals"]))
        _table(ws, [str(title)] + headers, data, formats, widths)
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
    return _save(wb)


def activity_workbook(report, *, kind_label, scope_label):
    """One row per agent, lowest performers first (the page's order)."""
    wb = Workbook()
    ws = wb.active
    ws.title = _("Hoạt động nhân viên thu")[:31]
    append_row(ws, [_("Hoạt động nhân viên thu – %(kind)s %(start)s–%(end)s – %(scope)s", kind=kind_label,
                 start=report["start"].strftime("%d/%m/%Y"), end=report["end"].strftime("%d/%m/%Y"),
                 scope=scope_label)])
    ws["A1"].font = Font(bold=True, size=13)
    headers = [_("Tên đăng nhập"), _("Nhân viên thu"), _("Số bản ghi"), _("Lượt đến nhà"),
               _("BHXH tự nguyện mới"), _("BHYT hộ gia đình mới"), _("Gia hạn BHYT"),
               _("Số tiền thu (đồng)"), _("Số biên lai"), _("Chờ duyệt"),
               _("Chỉ tiêu người mới trong kỳ"), _("Chỉ tiêu BHXH tự nguyện trong kỳ"),
               _("Chỉ tiêu thu trong kỳ (đồng)"), _("Tỷ lệ đạt")]
    formats = [None, None, COUNT, COUNT, COUNT, COUNT, COUNT, MONEY, COUNT, COUNT, DECIMAL, DECIMAL, MONEY, RATE]
    rows = [[r["agent"].username, r["agent"].full_name, r["entries"], r["visits"], r["new_voluntary_si"],
             r["new_household_hi"], r["renewed_household_hi"], r["amount"], r["receipts"], r["pending"],
             _round(r["quota_new"], 2), _round(r["quota_voluntary_si"], 2),
             None if r["quota_collection"] is None else round(r["quota_collection"]), _round(r["attainment"])]
            for r in report["rows"]]
    _table(ws, headers, rows, formats, [16, 30, 10, 12, 14, 14, 12, 18, 10, 10, 16, 16, 18, 10])
    ws.freeze_panes = "C3"
    return _save(wb)
