"""GET /map/layer.html: the layer as one self-contained HTML file (Folium), scope and parameters
as values.json."""
import json
import re

import pytest

from tests.geo.test_maps import ALLOWED_URLS, URL, geojson_layers


def layer_page(resp):
    assert resp.status_code == 200, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "text/html"
    return resp.get_data(as_text=True)


def test_province_map_has_every_commune_and_no_external_url(mapped, login):
    resp = login("leader").get("/map/layer.html?layer=hi_coverage&period=2024-12")
    page = layer_page(resp)
    assert resp.headers["Content-Disposition"] == "attachment; filename=ban-do-hi_coverage-2024-12.html"
    assert set(URL.findall(page)) <= ALLOWED_URLS, set(URL.findall(page)) - ALLOWED_URLS
    assert not re.search(r"<(script|link|img)[^>]+(src|href)=", page)
    assert '<html lang="vi">' in page and "Leaflet 1.9" in page and "url(data:image/png;base64," in page
    units, outlines = geojson_layers(page)
    assert [f["id"] for f in units["features"]] == ["16663", "16666", "16738", "16741"]
    assert len(outlines["features"]) == 2
    # Colours and tooltip texts are the ones of values.json.
    values = json.loads(login("leader").get("/map/values.json?layer=hi_coverage&period=2024-12").get_data())
    colours = {e["class"]: e["color"] for e in values["legend"]}
    for feature in units["features"]:
        _value, cls, text = values["values"][feature["id"]]
        assert feature["properties"]["_fill"] == colours[cls]
        assert feature["properties"]["text"] == text
    props = units["features"][0]["properties"]
    assert props["name"] == "Phường Đông Vĩnh" and props["district"] == "Thành phố Vinh"
    aliases = json.loads(re.search(r"let aliases = (\[.*?\]);", page).group(1))
    assert aliases == ["Xã, phường, thị trấn", "Huyện", "Tỷ lệ bao phủ BHYT"]
    # Title: layer, scope, period; the legend with every class and its count, no data last.
    assert "<h1>Tỷ lệ bao phủ BHYT</h1>" in page
    assert '<p class="map-subtitle">Toàn tỉnh · Đơn vị: Xã · Ranh giới: Huyện · Kỳ 12/2024 · ' in page
    legend = re.findall(r'<li data-color="(#\w+)">.*?legend-label">(.*?)</span>'
                        r'<span class="legend-count">(.*?)</span></li>', page)
    assert legend == [(e["color"], e["label"].replace("<", "&lt;"), str(e["count"])) for e in values["legend"]]
    assert legend[-1][1] == "Không có số liệu"


def test_district_head_sees_only_their_district(mapped, login):
    page = layer_page(login("head-417").get("/map/layer.html?layer=gap&period=2024-12"))
    units, outlines = geojson_layers(page)
    assert [f["id"] for f in units["features"]] == ["16738", "16741"]
    assert len(outlines["features"]) == 1
    assert "Phường Đông Vĩnh" not in page and "Thành phố Vinh" not in page
    assert '<p class="map-subtitle">Huyện Kỳ Sơn · Đơn vị: Xã · Ranh giới: Huyện · Kỳ 12/2024' in page
    assert login("head-417").get("/map/layer.html?district=412").status_code == 404


def test_district_filter_and_district_level(mapped, login):
    client = login("leader")
    resp = client.get("/map/layer.html?layer=conferences&period=2024-12&district=412")
    page = layer_page(resp)
    assert resp.headers["Content-Disposition"] == "attachment; filename=ban-do-conferences-2024-12-412.html"
    assert [f["id"] for f in geojson_layers(page)[0]["features"]] == ["16663", "16666"]
    assert '<p class="map-subtitle">Thành phố Vinh · Đơn vị: Xã · Ranh giới: Huyện · Kỳ 12/2024' in page
    page = layer_page(client.get("/map/layer.html?layer=hi_coverage&period=2024-12&level=district"))
    assert [f["id"] for f in geojson_layers(page)[0]["features"]] == ["412", "417"]
    assert json.loads(re.search(r"let aliases = (\[.*?\]);", page).group(1)) == ["Huyện", "Tỷ lệ bao phủ BHYT"]
    assert '<p class="map-subtitle">Toàn tỉnh · Đơn vị: Huyện · Kỳ 12/2024' in page


@pytest.mark.parametrize("query", ["layer=nope", "period=2024-13", "classes=99", "layer=gap&method=target",
                                   "layer=hi_change&period=2024-12&base=2025-01"])
def test_bad_parameters_are_400_json(mapped, login, query):
    resp = login("leader").get(f"/map/layer.html?{query}")
    assert resp.status_code == 400 and resp.mimetype == "application/json"
    assert resp.get_json()["error"]


def test_without_boundaries_still_a_map_with_its_legend(world, login):
    page = layer_page(login("leader").get("/map/layer.html?period=2024-12"))
    assert geojson_layers(page) == [] and "Không có số liệu" in page
    assert set(URL.findall(page)) <= ALLOWED_URLS


def test_page_config_names_the_export(mapped, login):
    html = login("leader").get("/map/").get_data(as_text=True)
    assert '"html_url": "/map/layer.html"' in html or '"html_url":"/map/layer.html"' in html
