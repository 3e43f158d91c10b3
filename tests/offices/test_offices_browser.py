"""The office pages in headless Chromium at phone width: no sideways scrolling, the commune move
through its confirmation page, select-all on the carry-over page; screenshots for a person."""
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


def _sign_in(page, base_url, username, path):
    page.goto(f"{base_url}/auth/login?next={path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base_url}{path}")


def _fits(page):
    return page.evaluate("document.documentElement.scrollWidth") <= 360


def test_office_pages_on_a_phone(app, backend, session, ow, browser):
    if backend != "sqlite":
        pytest.skip("one browser run is enough")
    from planner.models import Commune

    ARTIFACTS.mkdir(exist_ok=True)
    vinh = ow["offices"]["412"]
    with serving(app, dispose=False) as base_url:
        context = browser.new_context(viewport={"width": 360, "height": 740}, locale="vi-VN")
        page = context.new_page()
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        try:
            _sign_in(page, base_url, "admin", "/offices/")
            assert page.locator("#office-table tbody tr").count() == 3 and _fits(page)
            page.screenshot(path=str(ARTIFACTS / "offices-index-360.png"), full_page=True)
            page.click("text=BHXH cơ sở Vinh")
            page.wait_for_url(f"{base_url}/offices/{vinh.id}")
            assert _fits(page)
            page.screenshot(path=str(ARTIFACTS / "offices-office-360.png"), full_page=True)
            page.select_option("#here-commune_id", str(ow["communes"]["16738"].id))
            page.click("#form-move-here button[type=submit]")
            page.wait_for_selector("#confirm-form")
            assert "Xã Mường Xén chuyển từ BHXH cơ sở Kỳ Sơn sang BHXH cơ sở Vinh" in page.inner_text("#preview-lines")
            assert _fits(page)
            page.screenshot(path=str(ARTIFACTS / "offices-confirm-360.png"), full_page=True)
            page.click("#confirm-button")
            page.wait_for_url(f"{base_url}/offices/{vinh.id}#history")
            assert "Mường Xén" in page.inner_text("#commune-table")
            session.expire_all()
            assert session.get(Commune, ow["communes"]["16738"].id).district_id == vinh.id
            page.goto(f"{base_url}/offices/carry-over")
            assert page.locator("#empty-state").is_visible() and _fits(page)
            assert errors == []
        finally:
            context.close()
