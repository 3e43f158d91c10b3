"""/audit in headless Chromium at phone width: no sideways scrolling, the filter form used as a
person would (a kind of record chosen, a day typed), the pager followed; screenshots for a person."""
import shutil
from pathlib import Path

import pytest

from tests.builders import PASSWORD
from tests.live_server import serving

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists() and not shutil.which("chromium"),
                       reason="no Chromium at /usr/bin/chromium"),
]


def _fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_audit_page_on_a_phone(app, backend, trail, browser):
    if backend != "sqlite":
        pytest.skip("one browser run is enough")
    ARTIFACTS.mkdir(exist_ok=True)
    app.config["PAGE_SIZE"] = 5
    with serving(app, dispose=False) as base_url:
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            page.goto(f"{base_url}/auth/login?next=/audit")
            page.fill("input[name=username]", "admin")
            page.fill("input[name=password]", PASSWORD)
            page.click("form button[type=submit]")
            page.wait_for_url(f"{base_url}/audit")
            assert page.locator(".audit-event").count() == 5 and _fits(page)
            page.screenshot(path=str(ARTIFACTS / "audit-360.png"), full_page=True)

            page.select_option("#f-entity", "reconciliation")
            page.fill("#f-from", "01/11/2026")
            page.click("#audit-filters button[type=submit]")
            page.wait_for_url("**/audit?*entity=reconciliation*")
            assert page.locator(".audit-event").count() == 1
            assert "Giải trình: Thiếu biên lai, đã bổ sung" in page.inner_text("#audit-events")
            assert _fits(page)
            page.screenshot(path=str(ARTIFACTS / "audit-filtered-360.png"), full_page=True)

            page.goto(f"{base_url}/audit?user=admin")
            first = page.locator(".audit-event").first.get_attribute("data-id")
            page.click("nav[aria-label] >> text=2")
            page.wait_for_url("**page=2*")
            assert page.locator(".audit-event").first.get_attribute("data-id") != first and _fits(page)

            page.fill("#f-to", "31/02/2026")
            page.click("#audit-filters button[type=submit]")
            page.wait_for_selector("#audit-errors")
            assert "không phải là ngày" in page.inner_text("#audit-errors") and _fits(page)
            page.screenshot(path=str(ARTIFACTS / "audit-error-360.png"), full_page=True)
            assert errors == []
        finally:
            context.close()
