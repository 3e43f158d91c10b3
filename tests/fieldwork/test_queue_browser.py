"""The phone's queue never gets stuck (issue 10, item 2), in headless Chromium at 360 px.

An agent logs three conferences with no connection; the database refuses one of them (a real
refusal: a trigger, as tests/fieldwork/test_batch_partial.py). When the connection returns the two
others are saved, the third shows "cần sửa" with the server's reason and is never sent again by
itself; the agent opens it, fixes it and it is saved. Then the server fails whole requests (a 500
answer, which the real server no longer gives: the browser's network layer plays that part): the
batch is sent again one entry at a time, each entry becomes "cần sửa", one is discarded, the other
sent again once the server is back. Screenshots go to test-artifacts/."""
import os
import shutil
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from planner.db import new_session
from planner.models import Conference
from tests import builders
from tests.fieldwork.test_batch_partial import REFUSED_HAMLET, TRIGGER

pytestmark = pytest.mark.browser
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PHONE = {"width": 360, "height": 740}

if not (Path(os.environ.get("PLANNER_CHROMIUM") or "/usr/bin/chromium").exists() or shutil.which("chromium")):
    pytest.skip("no Chromium", allow_module_level=True)


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """The real app on 127.0.0.1 over a small province whose database refuses REFUSED_HAMLET."""
    from planner import migrate
    from tests.conftest import make_app
    from tests.live_server import serving

    url = "sqlite:///" + str(tmp_path_factory.mktemp("queue") / "planner.sqlite")
    migrate.upgrade(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        for statement in TRIGGER["sqlite"]:
            conn.execute(text(statement))
    engine.dispose()
    app = make_app(url, WTF_CSRF_ENABLED=True, SECRET_KEY="queue-browser-test-" + "k" * 32)
    with new_session(app) as session:
        world = builders.small_province(session)
        commune_id = world["communes"]["16663"].id
    with serving(app) as base_url:
        yield base_url, app, commune_id


def conferences(app):
    with new_session(app) as db:
        return sorted(db.execute(select(Conference.hamlet)).scalars())


def test_a_refused_entry_is_fixed_or_discarded_and_never_retried_for_ever(live, browser):
    base_url, app, commune_id = live
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    errors, posts, dialogs = [], [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "/api/" in r.url else None)
    page.on("dialog", lambda d: (dialogs.append((d.type, d.message)), d.accept()))
    page.set_default_timeout(60000)  # a shared machine under load: waits end when the page is ready
    try:
        page.goto(f"{base_url}/auth/login?next=/field/conference/new")
        page.fill("input[name=username]", "agent-16663")
        page.fill("input[name=password]", builders.PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(f"{base_url}/field/conference/new")

        # three conferences with no connection, one of which the database will refuse
        context.set_offline(True)
        page.wait_for_function("() => !navigator.onLine")
        for n, hamlet in enumerate(["Xóm 1", REFUSED_HAMLET, "Xóm 3"], start=1):
            page.fill("#f-hamlet", hamlet)
            page.fill("#f-attendees", str(10 * n))
            page.click("#fw-save")
            page.wait_for_function(f"() => document.getElementById('fw-queue').dataset.count === '{n}'")
        assert posts == []

        # the connection returns: two are saved, the third needs fixing, nothing waits
        context.set_offline(False)
        page.wait_for_function("() => document.getElementById('fw-queue').dataset.count === '0'", timeout=60000)
        page.wait_for_selector("#fw-rejected:not(.d-none)")
        assert page.locator("#fw-rejected").inner_text() == "1 bản ghi bị từ chối, cần sửa"
        assert conferences(app) == ["Xóm 1", "Xóm 3"]

        page.goto(f"{base_url}/field")
        item = page.locator("#fw-local-list li[data-state=rejected]")
        assert item.count() == 1
        assert "cần sửa" in item.locator(".fw-needs-fix").inner_text()
        assert "Máy chủ không lưu được bản ghi này" in item.locator(".fw-reason").inner_text()
        assert item.locator(".fw-fix").is_visible() and item.locator(".fw-discard").is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, "sideways scrolling"
        page.screenshot(path=str(ARTIFACTS / "fieldwork-needs-fix-360.png"), full_page=True)

        # never sent again by itself: a flush (as every minute and at every reconnection) posts nothing
        sent = len(posts)
        page.evaluate("window.fieldwork.flush()")  # resolves once the send is over
        assert len(posts) == sent

        # fix: the form opens with the server's reason; with another hamlet it is saved
        item.locator(".fw-fix").click()
        page.wait_for_selector("#fw-result.alert-danger")
        assert "Máy chủ không lưu được bản ghi này" in page.locator("#fw-result").inner_text()
        assert page.input_value("#f-hamlet") == REFUSED_HAMLET
        assert page.locator("#fw-discard").is_visible()
        page.screenshot(path=str(ARTIFACTS / "fieldwork-fix-entry-360.png"), full_page=False)
        page.fill("#f-hamlet", "Xóm 2")
        page.click("#fw-save")
        page.wait_for_url(f"{base_url}/field")
        assert conferences(app) == ["Xóm 1", "Xóm 2", "Xóm 3"]
        assert page.locator("#fw-local-list li").count() == 0

        # the server fails whole requests: the batch is tried entry by entry, then each needs fixing
        page.goto(f"{base_url}/field/conference/new")
        context.set_offline(True)
        page.wait_for_function("() => !navigator.onLine")
        for n, hamlet in enumerate(["Xóm 4", "Xóm 5"], start=1):
            page.fill("#f-hamlet", hamlet)
            page.fill("#f-attendees", "25")
            page.click("#fw-save")
            page.wait_for_function(f"() => document.getElementById('fw-queue').dataset.count === '{n}'")
        failing = []
        page.route("**/api/v1/conferences", lambda route: (failing.append(1), route.fulfill(
            status=500, content_type="text/html", body="<h1>Internal Server Error</h1>")))
        context.set_offline(False)
        page.wait_for_function("() => document.getElementById('fw-queue').dataset.count === '0'", timeout=60000)
        page.wait_for_selector("#fw-rejected:not(.d-none)")
        assert len(failing) == 3  # the batch of two, then each alone
        assert page.locator("#fw-rejected").inner_text() == "2 bản ghi bị từ chối, cần sửa"
        page.unroute("**/api/v1/conferences")

        page.goto(f"{base_url}/field")
        items = page.locator("#fw-local-list li[data-state=rejected]")
        assert items.count() == 2
        assert "Máy chủ gặp lỗi khi lưu bản ghi này (mã 500)" in items.first.locator(".fw-reason").inner_text()
        sent = len(posts)
        page.evaluate("window.fieldwork.flush()")  # resolves once the send is over
        assert len(posts) == sent, "a rejected entry is not retried for ever"
        # skip one (asked first), fix and resend the other
        items.first.locator(".fw-discard").click()
        page.wait_for_function("() => document.querySelectorAll('#fw-local-list li').length === 1")
        assert [m for t, m in dialogs if t == "confirm"][-1].startswith("Bỏ bản ghi “Hội nghị")
        page.locator("#fw-local-list .fw-fix").click()
        page.wait_for_selector("#fw-result.alert-danger")
        page.click("#fw-save")
        page.wait_for_url(f"{base_url}/field")
        saved = conferences(app)
        assert len(saved) == 4 and len({"Xóm 4", "Xóm 5"} & set(saved)) == 1
        assert page.locator("#fw-local-list li").count() == 0
        assert errors == []
    finally:
        context.close()


def test_the_form_checks_the_declared_maximum_at_once(live, browser):
    base_url, app, _commune_id = live
    context = browser.new_context(viewport=PHONE, locale="vi-VN")
    page = context.new_page()
    try:
        page.goto(f"{base_url}/auth/login?next=/field/conference/new")
        page.fill("input[name=username]", "agent-16663")
        page.fill("input[name=password]", builders.PASSWORD)
        page.click("form button[type=submit]")
        page.wait_for_url(f"{base_url}/field/conference/new")
        before = len(conferences(app))
        page.fill("#f-attendees", "30")
        page.evaluate("document.querySelector('details.fw-more').open = true")
        page.fill("#f-cost_vnd", "1.000.000.000.001")
        page.click("#fw-save")
        assert page.locator("[data-error-for=cost_vnd]").inner_text() == "Số quá lớn, tối đa 1.000.000.000.000."
        page.fill("#f-cost_vnd", "3.000.000.000")
        page.fill("#f-attendees", "3²")
        page.click("#fw-save")
        assert page.locator("[data-error-for=attendees]").inner_text() == "Phải là số nguyên."
        page.fill("#f-attendees", "30")
        page.click("#fw-save")
        page.wait_for_selector("#fw-result.alert-success")
        assert len(conferences(app)) == before + 1
        with new_session(app) as db:
            assert db.execute(select(func.max(Conference.cost_vnd))).scalar() == 3_000_000_000
    finally:
        context.close()
