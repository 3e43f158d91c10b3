"""The dashboard pages, their XLSX exports and the printable report on the small province:
scope, figures as the page shows them, the same numbers in the workbooks, empty states and
bad parameters."""
import io
import re

import pytest
from openpyxl import load_workbook

from planner.i18n import fmt_number


def _rows(html, css):
    """[(data-code, {cell class: text})] of the table rows with this class."""
    out = []
    for code, body in re.findall(rf'<tr class="{css}" data-[a-z]+="([^"]+)">(.*?)</tr>', html, re.DOTALL):
        cells = dict(re.findall(r'<td class="text-end(?: fw-semibold)? ([a-z]+)">([^<]*)</td>', body))
        out.append((code, cells))
    return out


def _percent(value):
    """A workbook ratio as the page writes it: 0.8543 -> '85,4%'."""
    return "–" if value is None else f"{value * 100:.1f}".replace(".", ",") + "%"


def _number(value):
    return "–" if value is None else f"{value:,}".replace(",", ".")


def _sheet(data, title):
    wb = load_workbook(io.BytesIO(data))
    return [list(r) for r in wb[title].iter_rows(values_only=True)]


def test_province_dashboard_figures(client, world, login):
    login("leader")
    resp = client.get("/dashboard/?year=2024")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert [code for code, _ in _rows(html, "district-row")] == ["417", "412"]
    rows = dict(_rows(html, "district-row"))
    assert rows["417"] == {"coverage": "48,0%", "attainment": "50,5%", "needed": "4.700"}
    assert rows["412"] == {"coverage": "95,8%", "attainment": "99,8%", "needed": "60"}
    assert re.search(r'id="fig-coverage">85,4%<', html) and re.search(r'id="fig-needed">4.400<', html)
    assert re.search(r'id="fig-population">46.000<', html)
    regions = dict(_rows(html, "region-row"))
    assert regions["I"] == {"communes": "1", "population": "6.000", "participants": "4.800", "coverage": "80,0%"}
    assert regions["III"]["coverage"] == "–"
    # Charts: one point per month with data, the target line, one bar per district.
    hi_chart = html.split('id="hi-trend"')[1].split("</svg>")[0]
    assert hi_chart.count('class="point"') == 1 and 'class="target-line"' in hi_chart
    ranking_chart = html.split('id="ranking-chart"')[1].split("</svg>")[0]
    assert ranking_chart.count('class="bar"') == 2
    assert "Huyện Kỳ Sơn" in ranking_chart and "/dashboard/district/417?year=2024" in ranking_chart
    assert "Bảng điều hành" in html.split("</nav>")[0]


def test_province_xlsx_has_the_page_numbers(client, fieldwork, login):
    login("leader")
    html = client.get("/dashboard/?year=2024").get_data(as_text=True)
    resp = client.get("/dashboard/export.xlsx?year=2024")
    assert resp.status_code == 200 and resp.mimetype.endswith("spreadsheetml.sheet")
    data = resp.data
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["Xu hướng BHYT", "Xu hướng BHXH", "Xếp hạng huyện", "Theo khu vực", "Theo tháng"]
    ranking = _sheet(data, "Xếp hạng huyện")
    header = ranking[1]
    assert header[:3] == ["Hạng", "Mã huyện", "Huyện"]
    body = {r[1]: r for r in ranking[2:] if r[1]}
    page = dict(_rows(html, "district-row"))
    for code, cells in page.items():
        row = body[code]
        assert _percent(row[header.index("Tỷ lệ bao phủ")]) == cells["coverage"]
        assert _percent(row[header.index("Mức đạt chỉ tiêu")]) == cells["attainment"]
        assert _number(row[header.index("Số người cần thêm")]) == cells["needed"]
    assert body["417"][2] == "Huyện Kỳ Sơn" and body["412"][2] == "Thành phố Vinh"
    assert ranking[-1][2] == "Toàn tỉnh" and ranking[-1][header.index("Số người cần thêm")] == 4400
    regions = {r[0]: r for r in _sheet(data, "Theo khu vực")[2:]}
    for category, cells in _rows(html, "region-row"):
        label = {"I": "Khu vực I", "II": "Khu vực II", "III": "Khu vực III", "none": "Không thuộc khu vực nào"}[category]
        assert _number(regions[label][1]) == cells["communes"]
        assert _number(regions[label][3]) == cells["population"]
        assert _percent(regions[label][5]) == cells["coverage"]
    months = {r[0]: r for r in _sheet(data, "Theo tháng")[2:]}
    page_months = {m: c for m, c in re.findall(r'<tr data-month="(\d+)"><td>[^<]*</td><td class="text-end conferences">([^<]*)</td>', html)}
    new = dict(re.findall(r'<tr data-month="(\d+)">.*?<td class="text-end new">([^<]*)</td>', html, re.DOTALL))
    for m in range(1, 13):
        row = months[f"{m:02d}/2024"]
        assert _number(row[-5]) == page_months[str(m)] and _number(row[-1]) == new[str(m)]
    assert months["Tổng cộng"][-5] == 3 and months["Tổng cộng"][-1] == 27
    trend = _sheet(data, "Xu hướng BHYT")
    assert trend[2][:4] == ["12/2024", 39300, 46000, round(39300 / 46000, 6)]


def test_district_dashboard_and_xlsx(client, fieldwork, login):
    login("head-412")
    resp = client.get("/dashboard/district/412?year=2024&month=2024-11")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    page = _rows(html, "commune-row")
    assert [code for code, _ in page] == ["16666", "16663"]
    assert dict(page)["16666"] == {"coverage": "95,2%", "attainment": "99,2%", "needed": "160"}
    assert re.search(r'id="fig-needed">60<', html)
    communes_chart = html.split('id="communes-chart"')[1].split("</svg>")[0]
    assert communes_chart.count('class="bar"') == 2 and communes_chart.count('class="target-mark"') == 2
    calendar = html.split('id="calendar"')[1].split("</svg>")[0]
    assert calendar.count('class="event approved"') == 2 and calendar.count('class="event submitted"') == 1
    assert html.count('data-status="approved"') == 2 and html.count('data-status="submitted"') == 1
    assert "01/11/2024" in html and "25/11/2024" in html
    assert 'data-agent="agent-16663"' in html and 'data-agent="agent-16741"' not in html
    assert "/map/?district=412" in html
    data = client.get("/dashboard/district/412/export.xlsx?year=2024&month=2024-11").data
    sheet = _sheet(data, "Các xã")
    header = sheet[1]
    body = {r[0]: r for r in sheet[2:]}
    for code, cells in page:
        assert _percent(body[code][header.index("Tỷ lệ bao phủ")]) == cells["coverage"]
        assert _number(body[code][header.index("Số người cần thêm")]) == cells["needed"]
    assert body["16663"][1] == "Phường Đông Vĩnh" and body["16666"][1] == "Phường Hà Huy Tập"
    conferences = _sheet(data, "Hội nghị trong tháng")[2:]
    assert [(r[0], r[7]) for r in conferences] == [("01/11/2024", "Đã duyệt"), ("20/11/2024", "Đã duyệt"),
                                                   ("25/11/2024", "Chờ duyệt")]
    assert conferences[0][4] == "Hội nghị tuyên truyền"
    figures = {r[0]: r[1] for r in _sheet(data, "Số liệu chính")[2:]}
    assert figures["Số người cần thêm"] == 60 and figures["Dân số"] == 36000


@pytest.mark.parametrize("url", ["/dashboard/district/417", "/dashboard/district/417/report",
                                 "/dashboard/district/417/export.xlsx"])
def test_head_of_412_cannot_see_417(client, world, login, url):
    login("head-412")
    assert client.get(url).status_code == 404


def test_week_kind_of_agents(client, fieldwork, login):
    login("leader")
    html = client.get("/dashboard/district/417?year=2024&month=2024-11&kind=week").get_data(as_text=True)
    assert "tuần 25/11/2024 – 01/12/2024" in html  # the month's last week
    html = client.get("/dashboard/district/417?year=2024&month=2024-11").get_data(as_text=True)
    assert "tháng 01/11/2024 – 30/11/2024" in html and 'data-agent="agent-16741"' in html


def test_report_renders(client, fieldwork, login):
    login("leader")
    resp = client.get("/dashboard/district/412/report?year=2024&month=2024-11")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert 'id="print-button" data-print' in html and "In báo cáo" in html
    assert "dashboard.css" in html and 'class="mt-2 page-break-before"' in html
    assert "Báo cáo phát triển người tham gia – Thành phố Vinh" in html
    assert re.search(r'id="report-needed">60<', html) and re.search(r'id="report-conferences">2<', html)
    assert re.search(r'id="report-new">9<', html)
    assert ('id="report-map"' in html and "layer=hi_coverage" in html and "district=412" in html
            and "period=2024-12" in html) or 'id="no-map"' in html
    assert [code for code, _ in _rows(html, "commune-row")] == ["16666", "16663"]
    assert html.count('class="conference-row') == 3


def test_bad_parameters_say_so(client, world, login):
    login("leader")
    resp = client.get("/dashboard/?year=abc")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert 'id="param-errors"' in html and "Năm “abc” không hợp lệ" in html
    assert 'id="ranking-table"' in html  # the defaults are shown under the message
    resp = client.get("/dashboard/district/412?month=2024-13&kind=year")
    assert resp.status_code == 400
    html = resp.get_data(as_text=True)
    assert "Tháng “2024-13” không hợp lệ" in html and "Kỳ “year” không hợp lệ" in html
    assert client.get("/dashboard/export.xlsx?year=1900").status_code == 400


def test_empty_states(client, session, login):
    from tests import builders

    builders.small_province(session)  # no targets at all
    login("leader")
    html = client.get("/dashboard/?year=2024").get_data(as_text=True)
    assert "Mục tiêu 95% (chưa giao chỉ tiêu)" in html
    html = client.get("/dashboard/?year=2023").get_data(as_text=True)
    assert 'id="empty-year"' in html and "Chưa có số liệu bao phủ năm 2023" in html
    assert 'id="no-fieldwork"' in html
    html = client.get("/dashboard/district/417?year=2023").get_data(as_text=True)
    assert 'id="empty-year"' in html and 'id="no-conferences"' in html


def test_no_registry_at_all(client, session, login):
    from planner.models import User
    from tests.builders import password_hash

    session.add(User(username="leader", role="leader", password_hash=password_hash()))
    session.commit()
    login("leader")
    resp = client.get("/dashboard/")
    assert resp.status_code == 200 and 'id="empty-state"' in resp.get_data(as_text=True)
    assert client.get("/dashboard/district/412").status_code == 404


def test_numbers_formatted_in_vietnamese(app):
    with app.test_request_context():
        assert fmt_number(1234567) == "1.234.567"


def test_report_carries_the_map_and_its_legend(client, world, login):
    login("head-412")
    html = client.get("/dashboard/district/412/report?year=2024").get_data(as_text=True)
    src = re.search(r'<img src="([^"]+)" id="report-map"', html).group(1).replace("&amp;", "&")
    assert src.startswith("/map/map.png?") and "district=412" in src and "period=2024-12" in src
    image = client.get(src)
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data.startswith(b"\x89PNG")
    legend = html.split('id="map-legend"')[1].split("</ul>")[0]
    assert "Không có số liệu" in legend
    table = html.split('id="communes-table"')[1].split("</table>")[0]
    assert table.count('class="swatch"') == 2  # each commune in its map colour


def test_demo_data_is_labelled(client, session, world, login):
    from sqlalchemy import update

    from planner.models import CoverageRecord

    login("leader")
    assert 'id="demo-badge"' not in client.get("/dashboard/?year=2024").get_data(as_text=True)
    session.execute(update(CoverageRecord).values(source="Dữ liệu minh họa (demo)"))
    session.commit()
    for url in ("/dashboard/?year=2024", "/dashboard/district/417", "/dashboard/district/417/report"):
        assert 'id="demo-badge"' in client.get(url).get_data(as_text=True), url


def test_agents_table_exports_through_the_activity_workbook(client, fieldwork, login):
    login("head-412")
    html = client.get("/dashboard/district/412?year=2024&month=2024-11").get_data(as_text=True)
    link = re.search(r'id="agents-xlsx" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "district=412" in link and "kind=month" in link and "day=2024-11-01" in link
    resp = client.get(link)
    assert resp.status_code == 200
    rows = [r for r in load_workbook(io.BytesIO(resp.data)).active.iter_rows(values_only=True)]
    header = next(r for r in rows if r and r[0] == "Tên đăng nhập")
    agents = {r[0]: r for r in rows[rows.index(header) + 1:] if r and r[0]}
    assert set(agents) == {"agent-16663"}
    page = re.search(r'<tr class="agent-row" data-agent="agent-16663">(.*?)</tr>', html, re.DOTALL).group(1)
    cells = re.findall(r'<td class="text-end">([^<&]*)', page)
    assert cells[:3] == [_number(agents["agent-16663"][header.index("Lượt đến nhà")]),
                         _number(agents["agent-16663"][header.index("BHXH tự nguyện mới")]),
                         _number(agents["agent-16663"][header.index("BHYT hộ gia đình mới")])]


def test_a_head_sees_their_district_in_the_2019_units(client, reform, login):
    """2019 is drawn in the 2019 units; head-412's scope follows the district code 412 there.
    2019 HI target 90,6% (province): 16663 12.684 -> 684 needed, 16664 4.530 -> 530, 16666 0."""
    login("head-412")
    html = client.get("/dashboard/district/412?year=2019").get_data(as_text=True)
    assert "Vinh 2019" in html
    rows = _rows(html, "commune-row")
    assert [(code, cells["needed"]) for code, cells in rows] == [("16663", "684"), ("16664", "530"), ("16666", "0")]
    assert re.search(r'id="fig-participants">31.000<', html) and re.search(r'id="fig-population">35.000<', html)
    client.post("/auth/logout")
    login("head-417")
    assert client.get("/dashboard/district/412?year=2019").status_code == 404


def test_pages_render_in_english_too(client, fieldwork, login):
    login("leader")
    client.get("/auth/lang/en")
    for url in ("/dashboard/?year=2024", "/dashboard/district/412?year=2024&month=2024-11",
                "/dashboard/district/412/report?year=2024", "/dashboard/export.xlsx?year=2024"):
        assert client.get(url).status_code == 200, url
    html = client.get("/dashboard/?year=2024").get_data(as_text=True)
    assert re.search(r'id="fig-population">46,000<', html)  # English number format
