"""A commune's profile fragment and the exports (XLSX, GeoJSON, PNG)."""
import io
import json

from openpyxl import load_workbook

from planner.models import AgentProfile


def test_profile_shows_figures_target_conferences_and_agents(fieldwork, session, login):
    session.add(AgentProfile(user_id=fieldwork["users"]["agent"].id, organisation_type="post_office",
                             organisation_name="Bưu điện Vinh", phone="0912345678"))
    session.commit()
    resp = login("leader").get("/map/profile/16663?period=2024-12")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "<html" not in html and 'id="map-profile"' in html and 'data-code="16663"' in html
    assert "Phường Đông Vĩnh" in html and "Thành phố Vinh" in html
    assert 'data-field="population">15.000<' in html
    assert 'data-field="hi_rate">96,7%<' in html
    assert 'data-field="target">14.550 (97,0%)<' in html
    assert 'data-field="gap">50<' in html
    assert 'data-field="region">Không thuộc khu vực<' in html
    # Approved conferences up to the period's end, newest first; not the January 2025 one.
    table = html[html.index("profile-conferences"):]
    assert table.index("10/12/2024") < table.index("05/03/2024") < table.index("01/12/2023")
    assert "Xóm 4" not in html and "Hội nghị khách hàng" in html
    assert "Agent-16663" in html and "Bưu điện Vinh" in html
    assert 'href="/communes/16663"' in html


def test_profile_scope_and_bad_codes(world, login):
    assert login("head-417").get("/map/profile/16663").status_code == 404
    assert login("agent-16663").get("/map/profile/16666").status_code == 404
    assert login("leader").get("/map/profile/99999").status_code == 404
    assert login("leader").get("/map/profile/abc").status_code == 404
    html = login("leader").get("/map/profile/16741").get_data(as_text=True)
    assert 'data-field="region">Khu vực III<' in html and "Chưa có hội nghị" in html


def test_values_xlsx_keeps_vietnamese_names(fieldwork, login):
    resp = login("leader").get("/map/values.xlsx?layer=gap&period=2024-12")
    assert resp.status_code == 200
    assert "attachment; filename=ban-do-gap-2024-12.xlsx" == resp.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(resp.get_data())).active
    rows = [[c.value for c in row] for row in ws.iter_rows()]
    assert rows[0][0] == "Số người còn thiếu (BHYT)"
    header = rows.index(["Mã xã", "Xã, phường, thị trấn", "Huyện", "Số người còn thiếu (BHYT)", "Nhóm (chú giải)",
                         "Hội nghị gần nhất"])
    body = {r[0]: r for r in rows[header + 1:]}
    assert body["16738"][1:4] == ["Thị trấn Mường Xén", "Huyện Kỳ Sơn", 900]
    assert body["16741"][3] is None and body["16741"][4] == "Không có số liệu"
    assert body["16663"][5].strftime("%d/%m/%Y") == "10/12/2024"


def test_layer_geojson_carries_values(mapped, login):
    resp = login("head-412").get("/map/layer.geojson?layer=hi_coverage&period=2024-12")
    assert resp.status_code == 200 and resp.mimetype == "application/geo+json"
    assert resp.headers["Content-Disposition"].startswith("attachment; filename=ban-do-hi_coverage-2024-12")
    doc = json.loads(resp.get_data())
    props = {f["id"]: f["properties"] for f in doc["features"]}
    assert set(props) == {"16663", "16666"}
    assert props["16663"]["value"] == 0.9667 and props["16663"]["class"] == 3
    assert props["16663"]["label"] == "≥ 95%" and props["16663"]["text"] == "96,7%"
    assert props["16663"]["name"] == "Phường Đông Vĩnh"


def test_png_of_the_map(mapped, login):
    client = login("leader")
    resp = client.get("/map/map.png?layer=region&period=2024-12")
    assert resp.status_code == 200 and resp.mimetype == "image/png"
    assert resp.get_data().startswith(b"\x89PNG\r\n\x1a\n")
    district = client.get("/map/map.png?layer=gap&district=417")
    assert district.status_code == 200 and district.get_data() != resp.get_data()
    assert client.get("/map/map.png?layer=nope").status_code == 400
