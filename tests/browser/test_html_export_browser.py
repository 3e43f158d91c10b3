"""The saved layer map (/map/layer.html) opened from disk in headless Chromium with every
network request aborted: it must draw every commune of the user's scope from the file alone.

Needs PLANNER_CHROMIUM (e.g. /usr/bin/chromium) and, like the rest of tests/browser,
PLANNER_TEST_BOUNDARIES (the real 460-commune file); skipped otherwise. The screenshots are
written under a pytest temporary folder, printed at the end.
"""
import os

import pytest

from tests.browser.conftest import COMMUNES, offline_context, sign_in

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not os.environ.get("PLANNER_CHROMIUM"),
                                 reason="PLANNER_CHROMIUM does not name a Chromium executable")]

DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}

# Click a link to the export from a page of the app, as a person would; the browser saves it.
DOWNLOAD = """url => { const a = document.createElement('a'); a.href = url; a.download = '';
                       document.body.appendChild(a); a.click(); }"""


def save_export(browser, base_url, username, query, folder):
    """Sign in as username, download /map/layer.html?query; (path of the saved file, values.json)."""
    context = offline_context(browser, base_url, DESKTOP)
    try:
        page = context.new_page()
        sign_in(page, base_url, username=username, next_path="/map/")
        with page.expect_download(timeout=60_000) as info:
            page.evaluate(DOWNLOAD, f"{base_url}/map/layer.html?{query}")
        download = info.value
        path = folder / download.suggested_filename
        download.save_as(path)
        values = page.request.get(f"{base_url}/map/values.json?{query}").json()
        assert context.external_requests == []
        return path, download.suggested_filename, values
    finally:
        context.close()


def open_offline(browser, path, viewport):
    """A fresh context with no network at all: only the file itself may load."""
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    context.requests = []

    def route(r):
        context.requests.append(r.request.url)
        if r.request.url == path.as_uri():
            r.continue_()
        else:
            r.abort("internetdisconnected")

    context.route("**/*", route)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.goto(path.as_uri())
    page.wait_for_selector("path.leaflet-interactive", timeout=30_000)
    return context, page


@pytest.mark.parametrize("username, query, viewport, expected", [
    ("leader", "layer=hi_coverage", DESKTOP, COMMUNES),
    ("head-417", "layer=gap", PHONE, None),
])
def test_saved_map_opens_offline(live_app, browser, tmp_path_factory, username, query, viewport, expected):
    base_url, _app = live_app
    folder = tmp_path_factory.mktemp("html-export")
    path, filename, values = save_export(browser, base_url, username, query, folder)
    assert filename == f"ban-do-{values['layer']}-{values['period']}.html"
    in_scope = len(values["values"])
    if expected is not None:
        assert in_scope == expected
    context, page = open_offline(browser, path, viewport)
    try:
        # Communes are the interactive paths; the district outlines are not interactive.
        assert page.locator("path.leaflet-interactive").count() == in_scope
        assert page.locator("path:not(.leaflet-interactive)").count() >= 1
        fills = page.eval_on_selector_all("path.leaflet-interactive", "ps => ps.map(p => p.getAttribute('fill'))")
        legend_colours = {e["color"] for e in values["legend"] if e["count"]}
        assert set(fills) == legend_colours
        legend = page.locator(".map-legend.leaflet-control")
        assert legend.is_visible() and "Không có số liệu" in legend.inner_text()
        assert page.locator(".map-title.leaflet-control h1").inner_text() == values["label"]
        # A tooltip on hover names the commune, its district and its value.
        box = page.locator(".leaflet-container").bounding_box()
        page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        tooltip = page.locator(".leaflet-tooltip")
        tooltip.wait_for(timeout=5_000)
        text = tooltip.inner_text()
        assert "Xã, phường, thị trấn" in text and "Huyện" in text and values["label"] in text
        shown = tooltip.bounding_box()  # it fits on the screen, a phone's too
        assert shown["x"] >= 0 and shown["x"] + shown["width"] <= viewport["width"]
        shot = folder / f"layer-{username}-{viewport['width']}.png"
        page.screenshot(path=str(shot))
        print(f"\nsaved map screenshot: {shot}")
        assert page.errors == []
        assert context.requests == [path.as_uri()]
    finally:
        context.close()
