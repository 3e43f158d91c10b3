"""Browser fixtures: the real app served on 127.0.0.1 over a demo database, and headless Chromium
(Debian's, by executable_path) whose requests to any other host are aborted and recorded.

Needs the real boundary file (PLANNER_TEST_BOUNDARIES) and /usr/bin/chromium; skipped otherwise.
"""
import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.live_server import SECRET_KEY, serving

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
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


def pytest_collection_modifyitems(config, items):
    """Skip this folder's tests, with the reason, where Chromium or the real boundaries are missing."""
    reason = _skip_reason()
    if reason:
        here = Path(__file__).parent
        for item in items:
            if here in Path(item.fspath).parents:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="session")
def live_app(tmp_path_factory):
    """The app served on 127.0.0.1 (ephemeral port) over a fresh demo database."""
    from planner import audit, create_app, migrate
    from planner.db import new_session
    from planner.services import demo

    url = "sqlite:///" + str(tmp_path_factory.mktemp("browser") / "planner.sqlite")
    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": SECRET_KEY})
    with app.app_context(), audit.acting_as(None, "demo"), new_session(app) as session:
        demo.build_demo(session=session, boundaries=BOUNDARIES)

    with serving(app) as base_url:
        yield base_url, app


def offline_context(browser, base_url, viewport):
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


def sign_in(page, base_url, username="leader", next_path="/map/"):
    page.goto(f"{base_url}/auth/login?next={next_path}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "demo123")
    page.click("form button[type=submit]")
    page.wait_for_url(f"{base_url}{next_path}")


