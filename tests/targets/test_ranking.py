"""Where to act next: communes ordered by people still needed, the filters, scope, and the XLSX
export read back with openpyxl (Vietnamese intact, figures as numbers)."""
import io
import re

import pytest
from openpyxl import load_workbook


def _codes(html):
    return re.findall(r'<tr class="ranking-row" data-code="(\d+)">', html)


def test_communes_ordered_by_people_needed(client, paced, login):
    login("leader")
    resp = client.get("/targets/ranking?metric=hi_coverage&year=2025")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    # 16741 has no figures: its whole target (95% of 4 000, the province's rate) is still needed.
    assert _codes(html) == ["16741", "16666", "16738", "16663"]
    assert "3.800" in html and "650" in html and "340" in html and "250" in html
    assert "Theo tỷ lệ của tỉnh" in html and "Chỉ tiêu của xã" in html
    assert "Khu vực III" in html and "Khu vực I" in html
    assert "120" in html  # Mường Xén's people who lost state-funded cards
    assert ">Chậm tiến độ</span>" in html


@pytest.mark.parametrize("query, codes", [
    ("region=I", ["16738"]),
    ("region=III", ["16741"]),
    ("region=none", ["16666", "16663"]),
    ("flag=off_track", ["16666"]),
    ("flag=on_track", ["16663"]),
])
def test_filters(client, paced, login, query, codes):
    login("leader")
    assert _codes(client.get(f"/targets/ranking?year=2025&{query}").get_data(as_text=True)) == codes


def test_district_filter_and_head_scope(client, paced, login):
    login("leader")
    kyson = paced["districts"]["417"].id
    html = client.get(f"/targets/ranking?year=2025&district={kyson}").get_data(as_text=True)
    assert _codes(html) == ["16741", "16738"]
    client.post("/auth/logout")
    login("head-412")
    html = client.get(f"/targets/ranking?year=2025&district={kyson}").get_data(as_text=True)
    assert _codes(html) == ["16666", "16663"]
    assert 'id="district"' not in html  # no district filter for a district head


def test_filters_are_kept_by_the_export_link_and_pages(client, app, paced, login):
    login("leader")
    html = client.get("/targets/ranking?year=2025&region=none&flag=off_track").get_data(as_text=True)
    link = re.search(r'id="export-xlsx" href="([^"]+)"', html).group(1).replace("&amp;", "&")
    assert "region=none" in link and "flag=off_track" in link and "year=2025" in link


def test_xlsx_round_trip(client, paced, login):
    login("leader")
    resp = client.get("/targets/ranking.xlsx?metric=hi_coverage&year=2025")
    assert resp.status_code == 200
    assert resp.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    ws = load_workbook(io.BytesIO(resp.data)).active
    rows = list(ws.iter_rows(values_only=True))
    header = rows.index(next(r for r in rows if r[0] == "Hạng"))
    assert rows[header][2] == "Xã, phường, thị trấn" and "Số người cần thêm" in rows[header]
    data = rows[header + 1:]
    assert [r[1] for r in data] == ["16741", "16666", "16738", "16663"]
    first = dict(zip(rows[header], data[0]))
    assert first["Xã, phường, thị trấn"] == "Xã Mỹ Lý" and first["Huyện"] == "Huyện Kỳ Sơn"
    assert first["Số người cần thêm"] == 3800 and isinstance(first["Dân số"], int)
    assert first["Khu vực"] == "III" and first["Nguồn chỉ tiêu"] == "Theo tỷ lệ của tỉnh"
    second = dict(zip(rows[header], data[1]))
    assert second["Xã, phường, thị trấn"] == "Phường Hà Huy Tập"
    assert second["Hiện tại (tỷ lệ)"] == pytest.approx(20350 / 21000, abs=1e-6)
    assert second["Chỉ tiêu (tỷ lệ)"] == pytest.approx(1.0)
    assert second["Đánh giá"] == "Chậm tiến độ"
    assert "Số liệu đến tháng 06/2025" in rows[1][0]


def test_xlsx_is_scoped_and_filtered(client, paced, login):
    login("head-412")
    ws = load_workbook(io.BytesIO(client.get("/targets/ranking.xlsx?year=2025&flag=off_track").data)).active
    codes = [r[1] for r in ws.iter_rows(min_row=4, values_only=True)]
    assert codes == ["16666"]


def test_pagination_at_fifty(client, session, world, login):
    from planner.models import Commune, Denominator

    vinh = world["districts"]["412"]
    for i in range(60):
        c = Commune(version_id=world["version"].id, district_id=vinh.id, code=f"9{i:04d}", name=f"Xã Thử {i}",
                    kind="commune")
        session.add(c)
        session.flush()
        session.add(Denominator(commune_id=c.id, year=2024, population=1000 + i, labour_force=500))
    session.commit()
    login("leader")
    html = client.get("/targets/ranking?year=2024").get_data(as_text=True)
    assert len(_codes(html)) == 50
    assert "page=2" in html
    assert len(_codes(client.get("/targets/ranking?year=2024&page=2").get_data(as_text=True))) == 14


def test_empty_state(client, world, login):
    login("leader")
    html = client.get("/targets/ranking?year=2026").get_data(as_text=True)
    assert "Chưa có chỉ tiêu năm 2026. Lãnh đạo tỉnh đặt chỉ tiêu tại trang Kế hoạch." in html
