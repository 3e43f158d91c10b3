"""The main pages under the Content Security Policy in headless Chromium: no page logs a policy
violation (an inline script, an on...= handler or a style attribute the policy blocks), and the
behaviours that used to be inline handlers (submit on change, confirm before delete, print,
select all) still work from planner.js."""
import pytest

from tests.browser.conftest import offline_context, sign_in

pytestmark = pytest.mark.browser

# Every violation the page sees, collected before any of its own scripts run.
COLLECT = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolations.push(e.violatedDirective + " " + (e.blockedURI || "inline") + " " + (e.sample || ""));
});
window.__printed = 0;
window.print = function () { window.__printed += 1; };
"""

PAGES = [
    ("leader", "/map/"),
    ("leader", "/dashboard/?year=2024"),
    ("leader", "/dashboard/district/417?year=2024"),
    ("leader", "/dashboard/district/417/report?year=2024"),
    ("agent-16663", "/field"),
    ("agent-16663", "/field/conference/new"),
    ("agent-16663", "/field/activity/new"),
    ("head-412", "/review"),
    ("leader", "/targets?year=2025"),
    ("leader", "/progress?year=2025"),
    ("head-417", "/targets/ranking?year=2025"),
    ("leader", "/communes/16738"),
    ("leader", "/communes"),
    ("leader", "/import"),
    ("leader", "/conversion"),
    ("head-412", "/agents/activity"),
    ("head-412", "/cash"),
    ("admin", "/offices/"),
    ("admin", "/offices/carry-over"),
    ("admin", "/users"),
    ("admin", "/audit"),
    ("leader", "/account/tokens"),
]


def _open(browser, base_url, username, path, viewport=None):
    context = offline_context(browser, base_url, viewport or {"width": 1280, "height": 900})
    context.add_init_script(COLLECT)
    page = context.new_page()
    page.console_csp = []
    page.errors = []
    page.on("console", lambda m: page.console_csp.append(m.text)
            if m.type == "error" and "Content Security Policy" in m.text else None)
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    sign_in(page, base_url, username=username, next_path=path)
    page.wait_for_load_state("load")
    return context, page


def _violations(page):
    return page.console_csp + page.evaluate("window.__cspViolations")


@pytest.mark.parametrize("username,path", PAGES)
def test_no_page_breaks_under_the_policy(live_app, browser, username, path):
    base_url, _app = live_app
    context, page = _open(browser, base_url, username, path)
    try:
        if path == "/map/":
            page.wait_for_selector("#atlas-map path.leaflet-interactive", timeout=30_000)
            page.wait_for_selector("#atlas-table tr[data-code]", timeout=30_000)
            page.click("#atlas-table tr[data-code] .atlas-unit")  # the profile: HTML from the server
            page.wait_for_selector("#atlas-profile[data-state=ready]", timeout=30_000)
        page.wait_for_timeout(300)  # late scripts (Leaflet panes, charts) get their chance to fail
        assert _violations(page) == []
        assert page.errors == [] and context.external_requests == []
    finally:
        context.close()


def test_the_collector_sees_a_violation(live_app, browser):
    """The check above could fail: an inline handler and a style attribute are reported."""
    base_url, _app = live_app
    context, page = _open(browser, base_url, "leader", "/communes")
    try:
        page.evaluate("""document.body.insertAdjacentHTML('beforeend',
            '<img src="data:," onload="window.__ran = 1"><div style="color: red">x</div>')""")
        page.wait_for_function("() => window.__cspViolations.length >= 2")
        assert page.evaluate("window.__ran") is None  # the handler never ran
        assert any("script-src" in v for v in _violations(page))
    finally:
        context.close()


def test_select_changes_submit_their_form(live_app, browser):
    base_url, _app = live_app
    context, page = _open(browser, base_url, "leader", "/dashboard/?year=2024")
    try:
        with page.expect_navigation():
            page.select_option("#year", "2025")
        assert "year=2025" in page.url
        assert _violations(page) == []
    finally:
        context.close()


def test_delete_asks_first_and_a_no_keeps_the_row(live_app, browser):
    base_url, _app = live_app
    context, page = _open(browser, base_url, "leader", "/communes/16738")
    try:
        asked = []

        def answer(dialog):
            asked.append(dialog.message)
            dialog.dismiss()

        page.on("dialog", answer)
        button = page.locator("button[data-confirm]").first
        url = page.url
        button.click()
        page.wait_for_timeout(300)
        assert asked == ["Xóa dòng số liệu này?"] and page.url == url
        assert _violations(page) == []
    finally:
        context.close()


def test_print_button_prints(live_app, browser):
    base_url, _app = live_app
    context, page = _open(browser, base_url, "leader", "/dashboard/district/417/report?year=2024")
    try:
        page.click("#print-button")
        assert page.evaluate("window.__printed") == 1
    finally:
        context.close()
