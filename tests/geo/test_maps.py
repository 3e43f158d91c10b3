"""geo.maps: a layer map built with Folium, written out as one HTML file that needs no network."""
import json
import re

import geopandas as gpd
import pytest
from shapely.geometry import box

from geo.maps import build_layer_map, standalone_html

URL = re.compile(r"https?://[^\s\"'<>()\\]+")
# The only URLs a standalone map may contain: Leaflet's attribution link (and licence comment),
# and the SVG namespace name Leaflet uses to create elements (an identifier, never fetched).
ALLOWED_URLS = {"https://leafletjs.com", "http://www.w3.org/2000/svg"}
ASSETS = {"leaflet": "window.L = window.L || {}; /* fake leaflet */\n//# sourceMappingURL=leaflet.js.map",
          "leaflet_css": ".leaflet-container { color: #123; } /* see https://bugzilla.example/1 */"}
LEGEND = [("#d7191c", "< 80%", "1"), ("#fdae61", "80% – 90%", "1"), ("#1a9641", "≥ 95%", "1"),
          ("#cccccc", "Không có số liệu", "1")]


def frame():
    return gpd.GeoDataFrame(
        {"code": ["16663", "16666", "16738", "16741"],
         "name": ["Phường Đông Vĩnh", "Phường <b>Hà</b> Huy Tập", "Thị trấn Mường Xén", "Xã Mỹ Lý"],
         "district": ["Thành phố Vinh", "Thành phố Vinh", "Huyện Kỳ Sơn", "Huyện Kỳ Sơn"],
         "text": ["79,0%", "85,5%", "96,7%", "–"],
         "color": ["#d7191c", "#fdae61", "#1a9641", "#cccccc"]},
        geometry=[box(105.6 + 0.1 * i, 18.6, 105.7 + 0.1 * i, 18.7) for i in range(4)], crs="EPSG:4326")


def outlines():
    return gpd.GeoDataFrame(geometry=[box(105.6, 18.6, 105.8, 18.7), box(105.8, 18.6, 106.0, 18.7)],
                            crs="EPSG:4326")


def build(**extra):
    return build_layer_map(frame(), title="Tỷ lệ bao phủ BHYT", subtitle="Toàn tỉnh · Kỳ 12/2024",
                           note="Nguồn: số liệu đã duyệt", legend=LEGEND,
                           tooltip_fields=[("name", "Xã"), ("district", "Huyện"), ("text", "Tỷ lệ bao phủ BHYT")],
                           outlines=outlines(), **extra)


def geojson_layers(page):
    """The FeatureCollections Folium wrote into the script, in order."""
    found = re.findall(r"_add\((\{\"features\".*?\})\);\n", page)
    return [json.loads(text) for text in found]


def test_every_feature_with_its_colour_tooltip_and_legend():
    page = standalone_html(build(), inline_assets=ASSETS, lang="vi")
    assert page.startswith("<!DOCTYPE html>") and '<html lang="vi">' in page
    assert "<title>Tỷ lệ bao phủ BHYT</title>" in page and '<meta charset="utf-8">' in page
    units, borders = geojson_layers(page)
    assert [f["id"] for f in units["features"]] == ["16663", "16666", "16738", "16741"]
    assert [f["properties"]["_fill"] for f in units["features"]] == ["#d7191c", "#fdae61", "#1a9641", "#cccccc"]
    # Tooltip text is escaped: Folium writes property values into the tooltip as HTML.
    assert units["features"][1]["properties"]["name"] == "Phường &lt;b&gt;Hà&lt;/b&gt; Huy Tập"
    assert "<b>Hà</b>" not in page
    assert len(borders["features"]) == 2
    for colour in ("#d7191c", "#fdae61", "#1a9641", "#cccccc"):
        assert f'"fillColor": "{colour}"' in page
    # The legend is plain HTML in the body: swatch, label and count of every class, no data last.
    legend = page[page.index('class="map-legend"'):]
    legend = legend[:legend.index("</ul>")]
    items = re.findall(r'<li data-color="(#\w+)">.*?legend-label">(.*?)</span>'
                       r'<span class="legend-count">(.*?)</span></li>', legend)
    assert items == [("#d7191c", "&lt; 80%", "1"), ("#fdae61", "80% – 90%", "1"), ("#1a9641", "≥ 95%", "1"),
                     ("#cccccc", "Không có số liệu", "1")]
    assert '<p class="map-subtitle">Toàn tỉnh · Kỳ 12/2024</p>' in page
    aliases = json.loads(re.search(r"let aliases = (\[.*?\]);", page).group(1))
    assert aliases == ["Xã", "Huyện", "Tỷ lệ bao phủ BHYT"]
    assert "fitBounds(\n                [[18.6, 105.6], [18.7, 106.0]]" in page


def test_no_external_url_and_assets_inlined():
    page = standalone_html(build(), inline_assets=ASSETS)
    assert set(URL.findall(page)) <= ALLOWED_URLS, set(URL.findall(page)) - ALLOWED_URLS
    assert not re.search(r"<(script|link)[^>]+(src|href)=", page)
    assert "window.L = window.L || {}" in page and ".leaflet-container { color: #123; }" in page
    assert "sourceMappingURL" not in page and "bugzilla" not in page
    assert "user-scalable=no" not in page
    assert "jquery" not in page.lower() and "bootstrap" not in page.lower()
    # Folium's class-level CDN lists are untouched: other maps still get their defaults.
    import folium
    assert any(name == "jquery" for name, _url in folium.Map.default_js)


def test_real_leaflet_has_only_allowed_urls():
    from pathlib import Path

    from xstatic.pkg import leaflet
    folder = Path(leaflet.BASE_DIR)
    assets = {"leaflet": (folder / "leaflet.js").read_text(), "leaflet_css": (folder / "leaflet.css").read_text()}
    page = standalone_html(build(), inline_assets=assets)
    assert set(URL.findall(page)) <= ALLOWED_URLS
    assert "Leaflet 1.9" in page


def test_missing_leaflet_or_plugin_asset_is_an_error():
    with pytest.raises(ValueError, match="leaflet"):
        standalone_html(build(), inline_assets={"leaflet_css": ""})
    from folium.plugins import Fullscreen
    m = build()
    Fullscreen().add_to(m)
    with pytest.raises(ValueError, match="Fullscreen"):
        standalone_html(m, inline_assets=ASSETS)
    # Nothing was changed by the refusal: with the plugin's assets given, it is written in.
    page = standalone_html(m, inline_assets={**ASSETS, "Control.Fullscreen.js": "/*fs-js*/ var fs = 1;",
                                             "Control.FullScreen.css": ".fs { color: red; }"})
    assert "var fs = 1;" in page and ".fs { color: red; }" in page


def test_tiles_only_when_asked_and_empty_frame():
    page = standalone_html(build(), inline_assets=ASSETS)
    assert "L.tileLayer" not in page
    tiled = standalone_html(build(tile_url="https://tiles.example.org/{z}/{x}/{y}.png",
                                  tile_attribution="© OSM"), inline_assets=ASSETS)
    assert "L.tileLayer" in tiled and "tiles.example.org" in tiled
    empty = build_layer_map(frame().iloc[0:0], title="Trống", legend=[("#cccccc", "Không có số liệu", "0")])
    page = standalone_html(empty, inline_assets=ASSETS)
    assert "fitBounds" not in page and "Không có số liệu" in page and "L.geoJson" not in page


def test_bad_colour_is_drawn_as_no_data():
    f = frame()
    f.loc[0, "color"] = "red;background:url(x)"
    page = standalone_html(build_layer_map(f, title="T", legend=LEGEND), inline_assets=ASSETS)
    assert geojson_layers(page)[0]["features"][0]["properties"]["_fill"] == "#cccccc"
    assert "url(x)" not in page
