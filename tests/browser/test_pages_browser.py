"""Every main page in headless Chromium at phone width: it loads offline, has no sideways
scrolling, no script errors, and a screenshot is saved to test-artifacts/ for a person to look at."""
import pytest

from tests.browser.conftest import ARTIFACTS, offline_context, sign_in

pytestmark = pytest.mark.browser

PAGES = [
    ("leader", "/", "home"),
    ("leader", "/districts", "districts"),
    ("leader", "/communes", "communes"),
    ("leader", "/communes/16738", "commune"),
    ("leader", "/communes/16738/edit", "commune-edit"),
    ("leader", "/import", "import"),
    ("head-417", "/communes", "communes-head"),
    ("agent-16663", "/communes", "communes-agent"),
    ("admin", "/users", "users"),
    ("admin", "/account/password", "password"),
    ("leader", "/targets?year=2025", "targets-plan"),
    ("leader", "/progress?year=2025", "progress"),
    ("head-417", "/targets/ranking?year=2025", "ranking-head"),
    ("agent-16663", "/field", "field-home"),
    ("head-412", "/review", "review"),
    ("leader", "/campaigns", "campaigns"),
    ("leader", "/conversion", "conversion"),
    ("head-412", "/agents/activity", "agents-activity"),
    ("head-412", "/cash", "cash"),
    ("leader", "/account/tokens", "tokens"),
]


@pytest.mark.parametrize("username,path,name", PAGES)
def test_page_fits_a_phone_offline(live_app, browser, username, path, name):
    base_url, _app = live_app
    ARTIFACTS.mkdir(exist_ok=True)
    context = offline_context(browser, base_url, {"width": 360, "height": 740})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        sign_in(page, base_url, username=username, next_path=path)
        assert page.locator("nav.navbar").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, "sideways scrolling"
        assert page.evaluate("getComputedStyle(document.body).fontFamily")  # Bootstrap CSS applied
        page.screenshot(path=str(ARTIFACTS / f"page-{name}-360.png"), full_page=True)
        assert errors == [] and context.external_requests == []
    finally:
        context.close()


def test_english_switch_in_the_browser(live_app, browser):
    base_url, _app = live_app
    context = offline_context(browser, base_url, {"width": 1280, "height": 800})
    page = context.new_page()
    try:
        sign_in(page, base_url, next_path="/communes")
        assert page.locator("html").get_attribute("lang") == "vi"
        page.click("#lang-switch")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "en"
        assert "Sign out" in page.locator("nav.navbar").inner_text()
        page.screenshot(path=str(ARTIFACTS / "page-communes-en-1280.png"))
        page.click("#lang-switch")
        page.wait_for_load_state()
        assert page.locator("html").get_attribute("lang") == "vi"
    finally:
        context.close()
