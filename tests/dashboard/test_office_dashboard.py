"""The dashboards on the four-version province of tests/office_world.py, whose current version
has grassroots SI office areas (BHXH cơ sở) as its middle level.

Figures worked out by hand (t = months since 01/2019; each atom has base + 10 t HI participants):
  province      34.500 + 60 t of 45.000 people, in every month 01/2019 – 11/2026
  office 412    27.000 + 30 t of 32.000 (Phường Thành Vinh = 16663 + 16664 + 16666)
  office 417     7.500 + 30 t of 13.000 (Xã Mường Xén, Xã Mỹ Lý)
  11/2026 (t = 94): 412 29.820, 417 10.320; 12/2025 (t = 83): 417 9.990; 12/2024 (t = 71): 417 9.630
HI targets: province 95% in 2026 (office version); office 417 80% in 2025.
"""
import io
import re
from datetime import date

import pytest
from openpyxl import load_workbook

from planner.services import dashboard, targets
from tests import office_world


@pytest.fixture
def office(session):
    world = office_world.four_versions(session)
    leader = world["users"]["leader"]
    targets.set_target(session=session, user=leader, metric="hi_coverage", level="province",
                       unit_id=world["province"].id, year=2026, value=95.0, status="assigned")
    targets.set_target(session=session, user=leader, metric="hi_coverage", level="district",
                       unit_id=world["office"]["417"].id, year=2025, value=80.0, status="assigned")
    return world


# --- services ----------------------------------------------------------------------------------

def test_province_trend_is_one_series_2019_to_2026_in_todays_units(session, office):
    """Every month from 01/2019 to 11/2026, recorded on four versions' units, summed through the
    crosswalk chains into the office version's communes: no gap, no jump at any reform."""
    hi = dashboard.trend(session=session, version=office["version"], metric_code="hi_coverage")
    points = hi["points"]
    assert [p["period"] for p in points] == list(office_world.months())
    assert len(points) == 95
    assert [p["participants"] for p in points] == [office_world.province_hi(p["period"]) for p in points]
    assert {p["denominator"] for p in points} == {office_world.PROVINCE_POPULATION}
    steps = {b["participants"] - a["participants"] for a, b in zip(points, points[1:])}
    assert steps == {60}  # continuous across 01/2020, 12/2024 and 07/2025
    assert points[-1]["rate"] == pytest.approx((34500 + 60 * 94) / 45000)
    by_year = {p["period"].year: (p["target"], p["target_source"]) for p in points}
    assert by_year[2026] == (pytest.approx(0.95), "province") and by_year[2024] == (pytest.approx(0.95), "default")
    si = dashboard.trend(session=session, version=office["version"], metric_code="si_coverage")["points"]
    assert len(si) == 95 and {p["denominator"] for p in si} == {office_world.PROVINCE_LABOUR}
    assert {b["participants"] - a["participants"] for a, b in zip(si, si[1:])} == {12}


def test_an_office_areas_trend_runs_back_through_its_former_district(session, office):
    kyson = dashboard.trend(session=session, version=office["version"], metric_code="hi_coverage",
                            district=office["office"]["417"])
    points = kyson["points"]
    assert len(points) == 95
    assert [p["participants"] for p in points] == [7500 + 30 * office_world.month_index(p["period"]) for p in points]
    assert {p["denominator"] for p in points} == {13000}
    assert {p["period"]: p["target"] for p in points}[date(2025, 12, 1)] == pytest.approx(0.80)


def test_tables_use_the_version_in_force_at_the_end_of_each_year(session, office):
    names = {year: dashboard.version_for_year(session=session, year=year).name for year in range(2019, 2027)}
    assert names == {2019: "Thử 2019", 2020: "Thử 2020", 2021: "Thử 2020", 2022: "Thử 2020", 2023: "Thử 2020",
                     2024: "Thử 2024-12", 2025: "Thử 2025-07", 2026: "Thử 2025-07"}
    in_2023 = dashboard.district_ranking(session=session, user=office["users"]["leader"],
                                         version=dashboard.version_for_year(session=session, year=2023), year=2023)
    assert {r["district"].name for r in in_2023["rows"]} == {"Thành phố Vinh", "Huyện Kỳ Sơn"}
    assert in_2023["as_of"] == date(2023, 12, 1)


def test_office_areas_ranked_with_pace_measured_from_before_the_reform(session, office):
    """2025 is drawn in the office version (July–December on its own units); the pace's base,
    December 2024, was recorded on the districts' communes and comes through the crosswalk."""
    leader = office["users"]["leader"]
    ranking = dashboard.district_ranking(session=session, user=leader, version=office["version"], year=2026)
    rows = {r["district"].code: r for r in ranking["rows"]}
    assert [r["district"].name for r in ranking["rows"]] == ["BHXH cơ sở Kỳ Sơn", "BHXH cơ sở Vinh"]
    assert (rows["417"]["participants"], rows["417"]["population"], rows["417"]["target_people"],
            rows["417"]["needed"]) == (10320, 13000, 12350, 2030)
    assert (rows["412"]["participants"], rows["412"]["needed"]) == (29820, 30400 - 29820)
    in_2025 = dashboard.district_ranking(session=session, user=leader, version=office["version"], year=2025)
    kyson = next(r for r in in_2025["rows"] if r["district"].code == "417")
    assert (kyson["participants"], kyson["target_people"], kyson["target_source"]) == (9990, 10400, "district")
    # Base 9.630 (12/2024, on the 2024-12 units), expected 10.400 at year end: 360 / 770 of the way.
    assert kyson["flag"] == "off_track"
    figures = dashboard.district_figures(session=session, user=leader, version=office["version"],
                                         district=office["office"]["417"], year=2025)
    assert figures["projection"] == pytest.approx(9990)


# --- pages -------------------------------------------------------------------------------------

def _sheet(data, title):
    wb = load_workbook(io.BytesIO(data))
    return [list(r) for r in wb[title].iter_rows(values_only=True)]


def test_province_dashboard_says_office_area_after_july_2025_and_district_before(client, office, login):
    login("leader")
    html = client.get("/dashboard/?year=2026").get_data(as_text=True)
    assert "Xếp hạng BHXH cơ sở theo BHYT, năm 2026" in html and "Xếp hạng BHXH cơ sở theo" in html
    assert re.search(r'<th>#</th><th>BHXH cơ sở</th>', html)
    assert "Xếp hạng huyện" not in html and ">Huyện<" not in html
    ranking_chart = html.split('id="ranking-chart"')[1].split("</svg>")[0]
    assert "Mức đạt chỉ tiêu BHYT theo BHXH cơ sở, năm 2026" in ranking_chart
    assert "2 BHXH cơ sở; đứng đầu: BHXH cơ sở Kỳ Sơn" in ranking_chart
    # The bars are labelled without the prefix every office area's name repeats.
    assert "<title>Kỳ Sơn</title>Kỳ Sơn</text>" in ranking_chart and "/dashboard/district/417?year=2026" in ranking_chart
    assert "Các BHXH cơ sở" in html.split("</nav>")[0]  # the menu
    hi_chart = html.split('id="hi-trend"')[1].split("</svg>")[0]
    assert hi_chart.count('class="point"') == 95
    old = client.get("/dashboard/?year=2023").get_data(as_text=True)
    assert "Xếp hạng huyện theo BHYT, năm 2023" in old and "<th>#</th><th>Huyện</th>" in old
    assert "Huyện Kỳ Sơn" in old and "BHXH cơ sở Kỳ Sơn" not in old.split('id="ranking-h"')[1]


def test_province_xlsx_headers_follow_the_middle_level(client, office, login):
    login("leader")
    data = client.get("/dashboard/export.xlsx?year=2026").data
    wb = load_workbook(io.BytesIO(data))
    assert "Xếp hạng BHXH cơ sở" in wb.sheetnames
    ranking = _sheet(data, "Xếp hạng BHXH cơ sở")
    assert ranking[0][0] == "Xếp hạng BHXH cơ sở theo BHYT – năm 2026 – số liệu tháng 11/2026"
    assert ranking[1][:3] == ["Hạng", "Mã BHXH cơ sở", "BHXH cơ sở"]
    assert [r[2] for r in ranking[2:]] == ["BHXH cơ sở Kỳ Sơn", "BHXH cơ sở Vinh", "Toàn tỉnh"]
    trend = _sheet(data, "Xu hướng BHYT")
    assert len(trend) == 2 + 95 and trend[2][0] == "01/2019" and trend[-1][0] == "11/2026"
    old = load_workbook(io.BytesIO(client.get("/dashboard/export.xlsx?year=2023").data))
    assert "Xếp hạng huyện" in old.sheetnames
    assert [c.value for c in old["Xếp hạng huyện"][2]][:3] == ["Hạng", "Mã huyện", "Huyện"]


def test_office_heads_dashboard_report_and_xlsx(client, office, login):
    login("head-417")
    resp = client.get("/dashboard/", follow_redirects=False)
    assert resp.status_code == 302 and resp.headers["Location"].startswith("/dashboard/district/417")
    html = client.get("/dashboard/district/417?year=2026").get_data(as_text=True)
    assert "Bảng điều hành · BHXH cơ sở Kỳ Sơn · 2026" in html
    assert "Xã Mường Xén" in html and "Xã Mỹ Lý" in html and 'id="no-agents"' not in html
    assert "Theo tỷ lệ của tỉnh" not in html
    assert client.get("/dashboard/district/412?year=2026").status_code == 404
    # A year before the reform: the same code's former district, named as it was.
    old = client.get("/dashboard/district/417?year=2024").get_data(as_text=True)
    assert "Bảng điều hành · Huyện Kỳ Sơn · 2024" in old
    report = client.get("/dashboard/district/417/report?year=2025&month=2025-12")
    assert report.status_code == 200
    page = report.get_data(as_text=True)
    assert "Báo cáo phát triển người tham gia – BHXH cơ sở Kỳ Sơn" in page
    in_2025 = client.get("/dashboard/district/417?year=2025").get_data(as_text=True)
    assert "Chỉ tiêu của BHXH cơ sở" in in_2025  # where the 80% came from
    data = client.get("/dashboard/district/417/export.xlsx?year=2025").data
    figures = _sheet(data, "Số liệu chính")
    assert figures[0][0].startswith("BHXH cơ sở Kỳ Sơn – năm 2025")
    communes = _sheet(data, "Các xã")
    assert {r[1] for r in communes[2:]} == {"Xã Mường Xén", "Xã Mỹ Lý"}


def test_an_office_area_without_agents_says_so(client, office, login):
    login("leader")
    html = client.get("/dashboard/district/412?year=2026").get_data(as_text=True)
    assert "Không có nhân viên thu nào trong địa bàn BHXH cơ sở." in html
