"""The conversion page: figures worked out by hand (see conftest), the rule, validation, XLSX."""
import io
import re

import pytest
from openpyxl import load_workbook

NOV = "/conversion?from=01/11/2024&to=30/11/2024"


def row(html, table, key):
    """The cells' texts of the row data-key=key in the table id=table."""
    body = html.split(f'id="{table}"', 1)[1].split("</table>", 1)[0]
    tr = re.search(rf'<tr data-key="{key}">(.*?)</tr>', body, re.S).group(1)
    return [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).replace("&nbsp;", " ").strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]


def test_tables_by_format_and_audience(client, login, fw):
    login("leader")
    resp = client.get(NOV)
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert row(html, "by-format", "propaganda") == [
        "Hội nghị tuyên truyền", "1", "50", "5", "5", "10,0%", "5,0", "1.000.000 đ", "200.000 đ"]
    assert row(html, "by-format", "policy_dialogue") == [
        "Đối thoại chính sách", "1", "30", "2", "4", "13,3%", "4,0", "600.000 đ", "150.000 đ"]
    assert 'data-key="customer"' not in html  # submitted: never counts
    assert row(html, "by-format", "total")[:5] == ["Tổng cộng", "2", "80", "7", "9"]
    assert row(html, "by-format", "total")[6:] == ["4,5", "1.600.000 đ", "177.778 đ"]
    assert row(html, "by-audience", "farmers")[:5] == ["Nông dân", "1", "50", "5", "5"]
    assert row(html, "by-audience", "traders")[0] == "Tiểu thương"
    assert row(html, "by-audience", "returned_workers")[:5] == ["Lao động nghỉ việc về địa phương", "1", "30", "2", "4"]
    rule = re.search(r'id="attribution-rule">(.*?)</p>', html, re.S).group(1)
    assert "trong vòng 30 ngày sau một hội nghị đã duyệt ở chính xã đó" in rule
    assert "hội nghị gần nhất" in rule


def test_window_is_configurable(client, login, fw):
    login("leader")
    html = client.get(NOV + "&days=3").get_data(as_text=True)
    assert row(html, "by-format", "propaganda")[4] == "0" and row(html, "by-format", "policy_dialogue")[4] == "4"
    assert "trong vòng 3 ngày" in html
    assert 'value="3"' in html


def test_defaults_render(client, login, fw):
    login("leader")
    resp = client.get("/conversion")
    assert resp.status_code == 200
    assert 'value="30"' in resp.get_data(as_text=True)


def test_scope(client, login, fw):
    login("head-417")
    html = client.get(NOV).get_data(as_text=True)
    assert "Không có hội nghị nào đã duyệt" in html and "Thành phố Vinh" not in html
    resp = client.get(NOV + "&district=412")  # not in a 417 head's choices
    assert resp.status_code == 400 and "Lựa chọn không hợp lệ." in resp.get_data(as_text=True)
    login("leader")
    assert "Không có hội nghị nào đã duyệt" in client.get(NOV + "&district=417").get_data(as_text=True)
    assert row(client.get(NOV + "&district=412").get_data(as_text=True), "by-format", "total")[1] == "2"


@pytest.mark.parametrize("query, message", [
    ("from=31/11/2024&to=30/12/2024", "Ngày không hợp lệ, hãy ghi theo dạng dd/mm/yyyy."),
    ("from=2024-11-01&to=abc", "Ngày không hợp lệ, hãy ghi theo dạng dd/mm/yyyy."),
    ("from=30/11/2024&to=01/11/2024", "Ngày bắt đầu phải trước hoặc bằng ngày kết thúc."),
    ("from=01/01/2022&to=02/01/2024", "Khoảng thời gian dài nhất là 2 năm."),
    ("from=01/11/2024&to=30/11/2024&days=0", "Số ngày phải từ 1 đến 365."),
    ("from=01/11/2024&to=30/11/2024&days=366", "Số ngày phải từ 1 đến 365."),
    ("from=01/11/2024&to=30/11/2024&days=ba+mươi", "Số ngày phải là số nguyên."),
    ("from=01/11/2024&to=30/11/2024&days=-5", "Số ngày phải từ 1 đến 365."),
])
def test_validation(client, login, fw, query, message):
    login("leader")
    for path in ("/conversion?", "/conversion.xlsx?"):
        resp = client.get(path + query)
        assert resp.status_code == 400, path
        html = resp.get_data(as_text=True)
        assert message in html and 'id="by-format"' not in html


def test_two_years_exactly_is_allowed(client, login, fw):
    login("leader")
    assert client.get("/conversion?from=01/01/2023&to=01/01/2025").status_code == 200
    assert client.get("/conversion?from=01/11/2024&to=01/11/2024&days=365").status_code == 200
    assert client.get("/conversion?from=01/11/2024&to=01/11/2024&days=1").status_code == 200


def test_xlsx_round_trip(client, login, fw):
    login("leader")
    resp = client.get("/conversion.xlsx?from=01/11/2024&to=30/11/2024")
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert "hieu-qua-hoi-nghi-20241101-20241130.xlsx" in resp.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(resp.data)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    assert ws.title == "Hiệu quả hội nghị"
    assert rows[0][0] == "Hiệu quả hội nghị – Toàn tỉnh"
    by_label = {r[0]: r for r in rows if r and r[0]}
    assert by_label["Hội nghị tuyên truyền"][1:] == [1, 50, 5, 5, 0.1, 5, 1_000_000, 200_000]
    assert list(by_label["Đối thoại chính sách"][1:5]) == [1, 30, 2, 4]
    assert list(by_label["Lao động nghỉ việc về địa phương"][1:5]) == [1, 30, 2, 4]
    assert by_label["Nông dân"][4] == 5 and by_label["Tiểu thương"][4] == 5
    totals = [r for r in rows if r and r[0] == "Tổng cộng"]
    assert len(totals) == 2 and list(totals[0][1:5]) == [2, 80, 7, 9] and totals[0][8] == 177_778
