"""The coverage map in headless Chromium with no internet: all 460 communes drawn.

Needs the real boundary file: PLANNER_TEST_BOUNDARIES=/path/to/communes-2020-2024.geojson.
Runs the real app (werkzeug server in a thread) on a temporary SQLite demo database; every
request to a host other than the app's is aborted and recorded, so a CDN link fails the test.
Screenshots go to test-artifacts/.
"""
import pytest

from tests.browser.conftest import ARTIFACTS, COMMUNES, offline_context, sign_in

pytestmark = pytest.mark.browser


def _open_map(browser, base_url, viewport):
    context = offline_context(browser, base_url, viewport)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(page, base_url)
    page.wait_for_selector(".folium-map.leaflet-container")
    page.wait_for_function(
        "n => document.querySelectorAll('.folium-map path.leaflet-interactive').length >= n",
        arg=COMMUNES, timeout=20_000,
    )
    return context, page, errors


# Commune codes of the features drawn by Leaflet, read from the GeoJSON layers on the page.
DRAWN_CODES = """() => {
    const codes = [];
    for (const key of Object.keys(window)) {
        const layer = window[key];
        if (key.startsWith('geo_json_') && layer && typeof layer.eachLayer === 'function') {
            layer.eachLayer(l => {
                if (l.feature && l.feature.properties && l.feature.properties.code
                    && l._path && l._path.isConnected) codes.push(l.feature.properties.code);
            });
        }
    }
    return codes;
}"""


def test_map_draws_every_commune_offline(live_app, browser):
    base_url, app = live_app
    from sqlmodel import select

    from planner.db import new_session
    from planner.models import Commune
    from planner.services import registry

    with app.app_context(), new_session(app) as session:
        version = registry.current_version(session=session)
        expected = set(session.exec(select(Commune.code).where(Commune.version_id == version.id)).all())
    assert len(expected) == COMMUNES

    ARTIFACTS.mkdir(exist_ok=True)
    context, page, errors = _open_map(browser, base_url, {"width": 1280, "height": 800})
    try:
        assert page.locator(".folium-map path.leaflet-interactive").count() == COMMUNES
        codes = page.evaluate(DRAWN_CODES)
        assert len(codes) == COMMUNES and set(codes) == expected
        # Legend inside the map, with the no-data class; district outlines drawn too.
        legend = page.locator(".leaflet-control-container .map-legend")
        assert legend.is_visible()
        assert "Không có số liệu" in legend.inner_text()
        assert page.locator(".folium-map path:not(.leaflet-interactive)").count() > 0
        assert "Số liệu tháng 10/2025" in page.locator("#map-period").inner_text()  # the demo runs to October 2025
        assert page.locator("#demo-badge").is_visible()
        assert page.locator("#lowest-communes tbody tr").count() == 10
        # Hovering a commune shows its tooltip with the figures.
        box = page.locator(".folium-map").bounding_box()
        page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
        page.mouse.move(box["x"] + box["width"] * 0.52, box["y"] + box["height"] * 0.5)
        page.wait_for_selector(".leaflet-tooltip", timeout=5_000)
        assert "Tỷ lệ bao phủ" in page.locator(".leaflet-tooltip").inner_text()
        page.screenshot(path=str(ARTIFACTS / "map-1280x800.png"))
        assert errors == []
        assert context.external_requests == []
    finally:
        context.close()


def test_map_fits_a_phone_screen(live_app, browser):
    base_url, _app = live_app
    ARTIFACTS.mkdir(exist_ok=True)
    context, page, errors = _open_map(browser, base_url, {"width": 360, "height": 740})
    try:
        assert page.locator(".folium-map path.leaflet-interactive").count() == COMMUNES
        box = page.locator(".folium-map").bounding_box()
        assert box["width"] <= 360 and box["height"] >= 300
        # No sideways scrolling on a phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= 360
        page.screenshot(path=str(ARTIFACTS / "map-360x740.png"))
        page.screenshot(path=str(ARTIFACTS / "map-360x740-full.png"), full_page=True)
        assert errors == []
        assert context.external_requests == []
    finally:
        context.close()
