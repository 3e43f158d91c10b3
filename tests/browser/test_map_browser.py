"""The thematic map page in headless Chromium with no internet.

Needs the real boundary file (PLANNER_TEST_BOUNDARIES=/path/to/communes-2020-2024.geojson):
the app runs on a temporary SQLite demo database (tests/browser/conftest.py) and every request
to a host other than the app's is aborted and recorded, so a CDN link fails the test. The
page draws the geometry of /map/geometry/... coloured from /map/values.json; here we check
that what a person sees (path fills, legend, table rows) is what the server sent.

The helpers at the top are shared with tests/browser/test_atlas_*.py.
"""
from urllib.parse import quote

import pytest

from tests.browser.conftest import COMMUNES, offline_context

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}

# The map container says data-state="loading" while a render runs, then "ready" (or
# "empty"/"error"), and counts its renders in data-renders.
SETTLED = """() => {
    const m = document.getElementById('atlas-map');
    return !!m && !!m.dataset.renders && m.dataset.state !== 'loading';
}"""
RENDERED_AFTER = """n => {
    const m = document.getElementById('atlas-map');
    return +(m.dataset.renders || 0) > n && m.dataset.state !== 'loading';
}"""

# {code: computed fill colour} of the unit paths on the map.
PATH_FILLS = """() => Object.fromEntries(Array.from(
    document.querySelectorAll('#atlas-map path[data-code]'),
    p => [p.dataset.code, getComputedStyle(p).fill]))"""

# The values.json the page would ask for now (same parameters, read from the download link).
FETCH_VALUES = """async () => {
    const q = new URL(document.getElementById('atlas-dl-xlsx').href).search;
    const r = await fetch(document.getElementById('atlas').dataset.valuesUrl + q);
    return await r.json();
}"""

# A point inside a unit's path where a click lands on that path (not a neighbour or the
# legend): scan a grid over its bounding box with isPointInFill and elementFromPoint.
POINT_IN_UNIT = """code => {
    const path = document.querySelector(`#atlas-map path[data-code="${code}"]`);
    if (!path) return null;
    const box = path.getBoundingClientRect();
    const ctm = path.getScreenCTM();
    for (let n = 3; n <= 24; n *= 2) {
        for (let i = 1; i < n; i++) {
            for (let j = 1; j < n; j++) {
                const x = box.left + box.width * i / n, y = box.top + box.height * j / n;
                if (document.elementFromPoint(x, y) !== path) continue;
                const pt = new DOMPoint(x, y).matrixTransform(ctm.inverse());
                if (path.isPointInFill(pt)) return {x, y};
            }
        }
    }
    return null;
}"""


def open_atlas(browser, base_url, *, viewport=DESKTOP, query="", username="leader", password="demo123"):
    """Sign in and open /map/?query; returns (context, page) once the first render settled.

    page.errors collects script errors; context.external_requests the aborted outside requests.
    """
    context = offline_context(browser, base_url, viewport)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    target = "/map/" + ("?" + query if query else "")
    page.goto(f"{base_url}/auth/login?next={quote(target)}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("form button[type=submit]")
    page.wait_for_function(SETTLED, timeout=30_000)
    return context, page


def rerender(page, action):
    """Run action (a control change) and wait until the map has rendered again."""
    before = int(page.get_attribute("#atlas-map", "data-renders") or 0)
    action()
    page.wait_for_function(RENDERED_AFTER, arg=before, timeout=30_000)


def click_unit(page, code):
    point = page.evaluate(POINT_IN_UNIT, code)
    assert point is not None, f"no clickable point inside commune {code}"
    page.mouse.click(point["x"], point["y"])


def current_codes(app, district_code=None):
    """Commune codes of the hierarchy version in force, optionally of one district."""
    from sqlmodel import select

    from planner.db import new_session
    from planner.models import Commune, District
    from planner.services import registry

    with app.app_context(), new_session(app) as session:
        version = registry.current_version(session=session)
        stmt = select(Commune.code).join(District, District.id == Commune.district_id).where(
            Commune.version_id == version.id)
        if district_code:
            stmt = stmt.where(District.code == district_code)
        return set(session.exec(stmt).all())


def assert_clean(context, page):
    assert page.errors == []
    assert context.external_requests == []


# --- the tests ------------------------------------------------------------------------------

def test_map_draws_every_commune_offline(live_app, browser):
    base_url, app = live_app
    expected = current_codes(app)
    assert len(expected) == COMMUNES
    context, page = open_atlas(browser, base_url)
    try:
        assert page.get_attribute("#atlas-map", "data-state") == "ready"
        codes = page.eval_on_selector_all("#atlas-map path[data-code]", "ps => ps.map(p => p.dataset.code)")
        assert len(codes) == COMMUNES and set(codes) == expected
        # District outlines on top of the communes, not clickable.
        assert page.locator(".leaflet-atlas-outline-pane path").count() > 0
        legend = page.locator("#atlas-legend")
        assert legend.is_visible() and "Không có số liệu" in legend.inner_text()
        # Legend counts add up to the communes drawn.
        counts = page.eval_on_selector_all(
            "#atlas-legend .atlas-legend-count", "cs => cs.map(c => +c.textContent.replace(/\\D/g, ''))")
        assert sum(counts) == COMMUNES
        assert page.locator("#atlas-table tbody tr").count() == COMMUNES
        assert "11/2026" in page.inner_text("#atlas-subtitle")  # the demo runs to November 2026
        assert page.locator("#demo-badge").is_visible()
        # The URL follows the state, so the view can be shared.
        assert "layer=hi_coverage" in page.url and "period=2026-11" in page.url
        # Hovering a commune shows its name and value.
        point = page.evaluate(POINT_IN_UNIT, sorted(expected)[200])
        page.mouse.move(point["x"], point["y"])
        page.wait_for_selector(".atlas-tooltip")
        assert "Tỷ lệ bao phủ BHYT" in page.inner_text(".atlas-tooltip")
        assert_clean(context, page)
    finally:
        context.close()


def test_switching_the_layer_recolours_the_map(live_app, browser):
    base_url, _app = live_app
    context, page = open_atlas(browser, base_url)
    try:
        before = page.evaluate(PATH_FILLS)
        rerender(page, lambda: page.select_option("#atlas-layer", "gap"))
        after = page.evaluate(PATH_FILLS)
        assert set(after) == set(before) and len(after) == COMMUNES
        changed = [code for code in before if before[code] != after[code]]
        assert len(changed) >= 20
        assert "layer=gap" in page.url
        values = page.evaluate(FETCH_VALUES)
        assert page.inner_text("#atlas-title").startswith(values["label"])
        assert page.inner_text("#atlas-col-value") == values["label"]
        # Back to the first layer: the first colours again.
        rerender(page, lambda: page.select_option("#atlas-layer", "hi_coverage"))
        assert page.evaluate(PATH_FILLS) == before
        assert_clean(context, page)
    finally:
        context.close()


def test_clicking_a_commune_opens_its_profile(live_app, browser):
    base_url, _app = live_app
    context, page = open_atlas(browser, base_url)
    try:
        code = "16741"
        click_unit(page, code)
        page.wait_for_selector("#atlas-profile[data-state=ready]")
        name = page.inner_text(f"#atlas-table tr[data-code='{code}'] .atlas-unit")
        assert name in page.inner_text("#atlas-profile-body")
        assert f"commune={code}" in page.url
        # The commune is highlighted on the map and in the table.
        assert "atlas-selected" in page.get_attribute(f"#atlas-map path[data-code='{code}']", "class")
        assert "table-active" in page.get_attribute(f"#atlas-table tr[data-code='{code}']", "class")
        page.click("#atlas-profile-close")
        assert page.locator("#atlas-profile").is_hidden()
        assert "commune=" not in page.url
        assert_clean(context, page)
    finally:
        context.close()


def test_table_and_colours_agree(live_app, browser):
    base_url, _app = live_app
    context, page = open_atlas(browser, base_url)
    try:
        for layer in ("hi_coverage", "days_since_conference"):
            if layer != "hi_coverage":
                rerender(page, lambda layer=layer: page.select_option("#atlas-layer", layer))
            values = page.evaluate(FETCH_VALUES)
            assert values["layer"] == layer
            codes = sorted(values["values"])
            sample = codes[:: max(1, len(codes) // 20)][:20]
            assert len(sample) == 20
            legend = {e["class"]: e["color"] for e in values["legend"]}
            for code in sample:
                _raw, cls, text = values["values"][code]
                row = page.locator(f"#atlas-table tr[data-code='{code}']")
                assert row.locator(".atlas-value").inner_text() == text
                swatch = row.locator(".atlas-swatch").evaluate("s => getComputedStyle(s).backgroundColor")
                fill = page.locator(f"#atlas-map path[data-code='{code}']").evaluate(
                    "p => getComputedStyle(p).fill")
                assert swatch == fill, code
                assert page.get_attribute(f"#atlas-map path[data-code='{code}']", "fill").lower() == \
                    legend[cls].lower()
                last = values.get("last_conference", {}).get(code)
                assert row.locator(".atlas-conference").inner_text() == (last or "–")
        assert_clean(context, page)
    finally:
        context.close()


def test_map_fits_a_phone_screen(live_app, browser):
    base_url, _app = live_app
    context, page = open_atlas(browser, base_url, viewport=PHONE)
    try:
        assert page.locator("#atlas-map path[data-code]").count() == COMMUNES
        # No sideways scrolling on a phone.
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"] + 1
        box = page.locator("#atlas-map").bounding_box()
        assert box["width"] <= PHONE["width"] and box["height"] >= 280
        assert page.locator("#atlas-map").is_visible()
        # Map above, table below; every control inside the screen (they wrap).
        table = page.locator("#atlas-table").bounding_box()
        assert table["y"] >= box["y"] + box["height"]
        for control in page.locator("#atlas-controls select:visible").all():
            b = control.bounding_box()
            assert b["x"] >= 0 and b["x"] + b["width"] <= PHONE["width"] + 1
        # A tap opens the profile, still without sideways scrolling.
        click_unit(page, "16741")
        page.wait_for_selector("#atlas-profile[data-state=ready]")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"] + 1
        assert_clean(context, page)
    finally:
        context.close()


def test_a_screenshot_of_each_layer(live_app, browser, tmp_path_factory):
    base_url, _app = live_app
    folder = tmp_path_factory.mktemp("map-layers")
    context, page = open_atlas(browser, base_url)
    try:
        layers = page.eval_on_selector_all("#atlas-layer option", "os => os.map(o => o.value)")
        assert len(layers) >= 10
        for layer in layers:
            if page.input_value("#atlas-layer") != layer:
                rerender(page, lambda layer=layer: page.select_option("#atlas-layer", layer))
            assert page.get_attribute("#atlas-map", "data-state") == "ready", layer
            assert page.locator("#atlas-map path[data-code]").count() == COMMUNES, layer
            assert page.locator("#atlas-legend .atlas-legend-item").count() >= 2, layer
            page.screenshot(path=str(folder / f"map-{layer}.png"))
        print(f"\nmap screenshots: {folder}")
        assert_clean(context, page)
    finally:
        context.close()


def test_zooming_in_fetches_finer_geometry_with_the_same_colours(live_app, browser):
    base_url, _app = live_app
    context, page = open_atlas(browser, base_url)
    try:
        requested = []
        page.on("request", lambda r: requested.append(r.url))
        fills = page.evaluate(PATH_FILLS)
        assert page.evaluate("atlas.map.getZoom()") < 11  # the province fits below the detail band
        rerender(page, lambda: page.evaluate("atlas.map.setZoom(11.5, {animate: false})"))
        assert any(u.endswith("/commune/2.geojson") for u in requested)
        # Band 2 holds the same units; those drawn have the same colours as before.
        after = page.evaluate(PATH_FILLS)
        assert len(after) == COMMUNES and after == fills
        rerender(page, lambda: page.evaluate("atlas.map.setZoom(8, {animate: false})"))
        assert page.evaluate(PATH_FILLS) == fills
        assert_clean(context, page)
    finally:
        context.close()
