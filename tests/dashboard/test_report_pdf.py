"""The printable district report in headless Chromium: printed to PDF (A4, one page or more)
and screenshotted with the dashboards at 1280 and 360 px; the files are kept in
test-artifacts/dashboard/ to be looked at.

Needs PLANNER_CHROMIUM (e.g. /usr/bin/chromium) and Playwright; skipped otherwise."""
import os
import re
from pathlib import Path

import pytest

from tests.live_server import serving

CHROMIUM = os.environ.get("PLANNER_CHROMIUM")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "dashboard"

pytestmark = pytest.mark.skipif(not CHROMIUM or not Path(CHROMIUM).exists(),
                                reason="PLANNER_CHROMIUM does not name a Chromium executable")


@pytest.fixture
def served(app, fieldwork):
    with serving(app, dispose=False) as base_url:  # the app fixture disposes of its engine
        yield base_url


def _signed_in(browser, base, width, username="leader"):
    context = browser.new_context(viewport={"width": width, "height": 900}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{base}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "secret123")
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    return context, page


def pdf_pages(data):
    """[(width, height)] in points of each page's MediaBox (Chromium writes page objects plainly)."""
    pages = re.findall(rb"/Type\s*/Page(?![s\w])", data)
    boxes = [tuple(float(v) for v in m) for m in re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)]
    return len(pages), boxes


def test_report_prints_to_a4_pdf(served, browser):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page = _signed_in(browser, served, 1280)
    try:
        page.goto(f"{served}/dashboard/district/412/report?year=2024&month=2024-11")
        assert page.locator("#print-button").is_visible()
        assert page.locator("#communes-table tr.commune-row").count() == 2
        page.emulate_media(media="print")
        assert not page.locator("nav.navbar").is_visible() and not page.locator("#print-button").is_visible()
        page.screenshot(path=str(ARTIFACTS / "report-print.png"), full_page=True)
        pdf = page.pdf(format="A4", print_background=True, prefer_css_page_size=True)
    finally:
        context.close()
    (ARTIFACTS / "report-412.pdf").write_bytes(pdf)
    assert pdf.startswith(b"%PDF-")
    count, boxes = pdf_pages(pdf)
    assert count >= 2  # the map's page, then the tables (a page break between them)
    assert boxes and all((round(w), round(h)) == (595, 842) for w, h in boxes)


@pytest.mark.parametrize("width", [1280, 360])
def test_dashboards_fit_the_screen(served, browser, width):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    context, page = _signed_in(browser, served, width)
    try:
        for name, path in (("province", "/dashboard/?year=2024"),
                           ("district", "/dashboard/district/412?year=2024&month=2024-11"),
                           ("report", "/dashboard/district/412/report?year=2024&month=2024-11")):
            page.goto(served + path)
            page.screenshot(path=str(ARTIFACTS / f"{name}-{width}.png"), full_page=True)
            assert page.locator("svg.chart").count() >= 1
            # Nothing wider than the window: the charts scale, wide tables scroll in their own box.
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, f"{name} is {overflow}px wider than {width}px"
            sizes = page.evaluate("[...document.querySelectorAll('svg.chart')].map(s => s.getBoundingClientRect().width)")
            assert sizes and all(0 < w <= width for w in sizes)
    finally:
        context.close()
