"""The coverage map in headless Chromium with no internet: all 460 communes drawn.

Needs the real boundary file: PLANNER_TEST_BOUNDARIES=/path/to/communes-2020-2024.geojson.
Runs the real app (werkzeug server in a thread) on a temporary SQLite demo database; every
request to a host other than the app's is aborted and recorded, so a CDN link fails the test.
Screenshots go to test-artifacts/.
"""
import os
import shutil
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BOUNDARIES = os.environ.get("PLANNER_TEST_BOUNDARIES")
COMMUNES = 460


def _skip_reason():
    if not BOUNDARIES or not Path(BOUNDARIES).is_file():
        return "PLANNER_TEST_BOUNDARIES does not name the 460-commune boundary file"
    if not Path(CHROMIUM).exists() and not shutil.which("chromium"):
        return "no Chromium at /usr/bin/chromium"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed"
    return None


if _skip_reason():
    pytest.skip(_skip_reason(), allow_module_level=True)


def _store_boundaries_directly(session, path):
    """Fallback for a tree without planner.services.boundaries: match ma_xa to Commune.code."""
    import geopandas as gpd
    import shapely
    from sqlmodel import select

    from planner.models import Commune, CommuneBoundary

    frame = gpd.read_file(path)
    ids = dict(session.exec(select(Commune.code, Commune.id)).all())
    for code, geom in zip(frame["ma_xa"].astype(str), frame.geometry):
        if code in ids and geom is not None:
            session.add(CommuneBoundary(commune_id=ids[code], geojson=shapely.to_geojson(geom),
                                        source=str(path)))
    session.commit()


@pytest.fixture(scope="module")
def live_app(tmp_path_factory):
    """The app served on 127.0.0.1 (ephemeral port) over a fresh demo database."""
    from werkzeug.serving import make_server

    from planner import audit, create_app, migrate
    from planner.db import new_session
    from planner.services import demo

    url = "sqlite:///" + str(tmp_path_factory.mktemp("browser") / "planner.sqlite")
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "browser-test"})
    with app.app_context(), audit.acting_as(None, "demo"), new_session(app) as session:
        try:
            import planner.services.boundaries  # noqa: F401
            has_importer = True
        except ImportError:
            has_importer = False
        demo.build_demo(session=session, boundaries=BOUNDARIES if has_importer else None)
        if not has_importer:
            _store_boundaries_directly(session, BOUNDARIES)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="map-test-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        app.extensions["planner.engine"].dispose()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield chromium
        finally:
            chromium.close()


def _offline_context(browser, base_url, viewport):
    """A browser context that can reach only the app: anything else is aborted and logged."""
    app_host = urlsplit(base_url).netloc
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    context.external_requests = []

    def route(r):
        parts = urlsplit(r.request.url)
        if parts.scheme in ("http", "https", "ws", "wss") and parts.netloc != app_host:
            context.external_requests.append(r.request.url)
            r.abort("internetdisconnected")
        else:
            r.continue_()

    context.route("**/*", route)
    return context


def _sign_in(page, base_url):
    page.goto(f"{base_url}/auth/login?next=/map/")
    page.fill("input[name=username]", "leader")
    page.fill("input[name=password]", "demo123")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base_url}/map/")


def _open_map(browser, base_url, viewport):
    context = _offline_context(browser, base_url, viewport)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_in(page, base_url)
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
        assert "Số liệu tháng 12/2024" in page.locator("#map-period").inner_text()
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
