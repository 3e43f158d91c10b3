"""The merged commune's page and the target split in headless Chromium at phone width: nothing
scrolls sideways, the parts and the 2024 comparison are visible (screenshots in test-artifacts/)."""
import shutil
from pathlib import Path

import pytest

from tests import builders
from tests.live_server import serving

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

pytestmark = pytest.mark.skipif(not (Path("/usr/bin/chromium").exists() or shutil.which("chromium")),
                                reason="no Chromium")


@pytest.fixture(scope="module")
def base_url(chain_app):
    app, _ids = chain_app
    with serving(app, dispose=False) as url:
        yield url


def _page(browser, base_url, width, username="leader"):
    context = browser.new_context(viewport={"width": width, "height": 800}, locale="vi-VN")
    page = context.new_page()
    page.goto(f"{base_url}/auth/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", builders.PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    return context, page


@pytest.mark.parametrize("width", [360, 1280])
def test_merged_commune_page_in_chromium(browser, base_url, width):
    context, page = _page(browser, base_url, width)
    try:
        page.goto(f"{base_url}/communes/16737")
        assert page.evaluate("document.documentElement.scrollWidth") <= width, "sideways scrolling"
        assert page.locator("#predecessors .predecessor-table").count() == 2
        assert page.locator("#predecessors").is_visible()
        row = page.locator('#comparison tr[data-metric="hi_coverage"] td.reached')
        assert row.is_visible() and "91,5%" in row.inner_text()
        assert "Khu vực III (62%)" in page.locator('li[data-scheme="region_861"]').inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"reforms-commune-{width}.png"), full_page=True)
    finally:
        context.close()


def test_allocate_page_fits_a_phone(browser, base_url, db, ids):
    from sqlmodel import select

    from planner.models import Target

    office = db.exec(select(Target).where(Target.level == "district",
                                          Target.unit_id == ids["districts"][2]["417"])).one()
    context, page = _page(browser, base_url, 360, username="head-417")
    try:
        page.goto(f"{base_url}/targets/{office.id}/allocate")
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, "sideways scrolling"
        assert page.locator("#history-head").inner_text().strip() == "Đạt 2024"
        cells = page.locator("#alloc-table td.history")
        assert cells.count() == 2 and "91,50%" in cells.first.inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "reforms-allocate-360.png"), full_page=True)
    finally:
        context.close()
