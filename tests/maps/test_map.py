"""The HI coverage map: the pure Folium builder (geo.maps) and the /map/ page."""
import gzip
import json
import re
from datetime import date

import folium
import geopandas as gpd
import pytest
from shapely.geometry import box, mapping
from sqlmodel import select

from geo.maps import (
    COVERAGE_COLORS, NO_DATA_COLOR, build_coverage_map, class_labels, coverage_class,
    map_components,
)
from planner.models import CommuneBoundary, CoverageRecord
from planner.services import coverage_map

LEAFLET = [("leaflet", "/vendor/leaflet/leaflet.js")]
LEAFLET_CSS = [("leaflet_css", "/vendor/leaflet/leaflet.css")]
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)


@pytest.fixture(autouse=True)
def empty_caches():
    coverage_map.GEOMETRY_CACHE.clear()
    coverage_map.RENDERED_CACHE.clear()
    yield
    coverage_map.GEOMETRY_CACHE.clear()
    coverage_map.RENDERED_CACHE.clear()


# --- geo.maps: frames in, map out ---------------------------------------------------------

@pytest.mark.parametrize("value, expected", [
    (None, None), (float("nan"), None), (0.5, 0), (0.8499, 0), (0.85, 1), (0.9, 2),
    (0.93, 3), (0.9499, 3), (0.95, 4), (1.0, 4),
])
def test_coverage_class_uses_fixed_breaks_around_the_target(value, expected):
    assert coverage_class(value) == expected


def test_class_labels():
    assert class_labels() == ["< 85%", "85–90%", "90–93%", "93–95%", "≥ 95%"]


def three_boxes():
    return gpd.GeoDataFrame(
        {
            "code": ["00001", "00002", "00003"],
            "name": ["Xã Một", "Xã Hai", "Xã Ba"],
            "district": ["Huyện A", "Huyện A", "Huyện B"],
            "hi_text": ["9.400", "8.000", "–"],
            "rate_text": ["94,0%", "80,0%", "–"],
            "rate": [0.94, 0.80, None],
        },
        geometry=[box(105.0, 19.0, 105.1, 19.1), box(105.1, 19.0, 105.2, 19.1),
                  box(105.2, 19.0, 105.3, 19.1)],
        crs="EPSG:4326",
    )


def build_three():
    communes = three_boxes()
    outlines = gpd.GeoDataFrame(
        {"district": ["Huyện A", "Huyện B"]},
        geometry=[box(105.0, 19.0, 105.2, 19.1).boundary, box(105.2, 19.0, 105.3, 19.1).boundary],
        crs="EPSG:4326",
    )
    m = build_coverage_map(
        communes, outlines,
        tooltip=[("name", "Xã"), ("district", "Huyện"), ("hi_text", "Người tham gia BHYT"),
                 ("rate_text", "Tỷ lệ bao phủ")],
        js=LEAFLET, css=LEAFLET_CSS,
    )
    return m, map_components(m)


def test_map_from_three_boxes_has_legend_no_data_class_and_tooltip():
    _m, parts = build_three()
    assert "Tỷ lệ bao phủ BHYT" in parts.html
    assert "Không có số liệu" in parts.html
    for label in class_labels():
        assert label.replace("<", "&lt;") in parts.html
    # The commune without a figure is drawn grey; the others in their class colours.
    assert NO_DATA_COLOR in parts.script
    assert COVERAGE_COLORS[3] in parts.script  # 94%
    assert COVERAGE_COLORS[0] in parts.script  # 80%
    # Each polygon carries its commune code, and the tooltip its fields.
    for code in ("00001", "00002", "00003"):
        assert f'"{code}"' in parts.script
    for field in ("name", "district", "hi_text", "rate_text"):
        assert f'"{field}"' in parts.script
    assert "L.geoJson" in parts.script
    assert "imperial: false" in parts.script
    assert parts.map_id in parts.html


def test_map_links_no_cdn_and_leaves_folium_defaults_alone():
    _m, parts = build_three()
    page = parts.header + parts.html + parts.script
    assert "http://" not in page and "https://" not in page
    assert not EXTERNAL.search(page)
    assert '<script src="/vendor/leaflet/leaflet.js"></script>' in parts.header
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()
    # The full-page rules of Folium's standalone page must not leak into ours.
    assert "user-scalable=no" not in parts.header
    assert "html, body" not in parts.header
    # Folium's class-level lists are not modified, only the instance's.
    assert any("cdn" in url for _n, url in folium.Map.default_js)


def test_tile_layer_is_optional_and_off_by_default():
    communes = three_boxes()
    plain = map_components(build_coverage_map(communes, js=LEAFLET, css=LEAFLET_CSS))
    assert "L.tileLayer" not in plain.script
    with_tiles = map_components(build_coverage_map(
        communes, js=LEAFLET, css=LEAFLET_CSS, tile_url="/tiles/{z}/{x}/{y}.png"))
    assert "L.tileLayer" in with_tiles.script
    assert "L.control.layers" in with_tiles.script


def test_outlines_are_not_interactive():
    _m, parts = build_three()
    assert '"interactive": false' in parts.script


# --- the /map/ page -----------------------------------------------------------------------

BOXES = {
    "16663": box(105.60, 18.60, 105.70, 18.70),
    "16666": box(105.70, 18.60, 105.80, 18.70),
    "16738": box(104.00, 19.30, 104.10, 19.40),
    "16741": box(104.10, 19.30, 104.20, 19.40),
}


def add_boundaries(session, world):
    for code, geom in BOXES.items():
        session.add(CommuneBoundary(commune_id=world["communes"][code].id,
                                    geojson=json.dumps(mapping(geom)), source="test"))
    session.commit()


def feature_codes(html):
    """Commune codes of the polygons in the page's map data."""
    return set(re.findall(r'"id": "(\d{5})"', html))


def assert_same_origin_only(html):
    for url in re.findall(r"""<(?:script|link)[^>]*(?:src|href)=["']([^"']+)""", html):
        assert url.startswith("/") and not url.startswith("//"), url


def test_leader_sees_every_commune(world, session, login):
    add_boundaries(session, world)
    client = login("leader")
    resp = client.get("/map/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert feature_codes(html) == set(BOXES)
    assert "Tỷ lệ bao phủ BHYT" in html and "Không có số liệu" in html
    assert "Số liệu tháng 12/2024" in html
    assert "/vendor/leaflet/leaflet.js" in html and "/vendor/leaflet/leaflet.css" in html
    assert_same_origin_only(html)
    assert "http://" not in html and "https://" not in html
    assert "dữ liệu minh họa" not in html  # source is "test"
    # The lowest-coverage table, Vietnamese formats: Mường Xén 4.800 / 6.000 = 80,0%.
    table = html[html.index('id="lowest-communes"'):]
    assert table.index("Thị trấn Mường Xén") < table.index("Phường Hà Huy Tập")
    assert "80,0%" in table and "4.800" in table and "6.000" in table
    assert "Xã Mỹ Lý" not in table  # no figure: on the map as "no data", not in the ranking
    # Tooltip values are preformatted strings in the feature properties.
    assert '"rate_text": "96,7%"' in html  # Đông Vĩnh 14.500 / 15.000
    assert '"hi_text": "14.500"' in html


def test_district_head_sees_only_their_district(world, session, login):
    add_boundaries(session, world)
    html = login("head-412").get("/map/").get_data(as_text=True)
    assert feature_codes(html) == {"16663", "16666"}
    assert "Mường Xén" not in html


def test_agent_sees_only_their_commune(world, session, login):
    add_boundaries(session, world)
    html = login("agent-16663").get("/map/").get_data(as_text=True)
    assert feature_codes(html) == {"16663"}


def test_no_boundaries_shows_how_to_import_them(world, login):
    resp = login("leader").get("/map/")
    assert resp.status_code == 200
    html = resp.get_data(as_text=True)
    assert "Chưa có ranh giới" in html
    assert "planner import boundaries FILE" in html
    assert "L.map(" not in html


def test_no_registry_shows_empty_state(session, client):
    from tests.builders import add_user
    add_user(session, "lonely", "leader")
    session.commit()
    client.post("/auth/login", data={"username": "lonely", "password": "secret123"})
    resp = client.get("/map/")
    assert resp.status_code == 200
    assert 'id="map-empty"' in resp.get_data(as_text=True)


def test_demo_source_shows_badge(world, session, login):
    add_boundaries(session, world)
    for rec in session.exec(select(CoverageRecord)).all():
        rec.source = "Dữ liệu minh họa (demo)"
    session.commit()
    html = login("leader").get("/map/").get_data(as_text=True)
    assert 'id="demo-badge"' in html


def test_page_is_gzipped_when_the_browser_accepts_it(world, session, login):
    add_boundaries(session, world)
    client = login("leader")
    resp = client.get("/map/", headers={"Accept-Encoding": "gzip, deflate"})
    assert resp.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in resp.headers["Vary"]
    html = gzip.decompress(resp.get_data()).decode()
    assert feature_codes(html) == set(BOXES)
    plain = client.get("/map/")
    assert "Content-Encoding" not in plain.headers


def test_a_new_figure_shows_at_once(world, session, login):
    """The rendered map is cached; any change to the data must invalidate it."""
    add_boundaries(session, world)
    client = login("leader")
    assert '"rate_text": "\\u2013"' in client.get("/map/").get_data(as_text=True)  # Mỹ Lý: no data
    session.add(CoverageRecord(commune_id=world["communes"]["16741"].id, period=date(2024, 12, 1),
                               hi_participants=3000, source="test"))
    session.commit()
    html = client.get("/map/").get_data(as_text=True)
    assert '"rate_text": "75,0%"' in html
    assert '"rate_text": "\\u2013"' not in html


def test_geometry_is_prepared_once_per_import(world, session, login):
    add_boundaries(session, world)
    client = login("leader")
    client.get("/map/")
    client.get("/map/")
    assert len(coverage_map.GEOMETRY_CACHE) == 1


def test_english_page_uses_english_number_formats(world, session, login):
    add_boundaries(session, world)
    client = login("leader")
    client.get("/auth/lang/en")
    html = client.get("/map/").get_data(as_text=True)
    if "<html lang=\"en\">" not in html:
        pytest.skip("language switch not available")
    assert '"hi_text": "14,500"' in html


def test_signed_out_visitor_is_sent_to_sign_in(client):
    resp = client.get("/map/")
    assert resp.status_code == 302
    assert "/auth/login" in resp.headers["Location"]
