"""Field work in headless Chromium on a phone-sized screen: an agent logs a conference and a
household visit with no connection, the page counts them, they arrive exactly once when the
connection returns (and a resend adds none), the service worker serves the form offline, and the
district head approves both. Screenshots go to test-artifacts/ for a person to look at."""
import pytest
from sqlalchemy import func, select

from planner.db import new_session
from planner.models import Activity, Conference, User
from tests.browser.conftest import ARTIFACTS, offline_context, sign_in

pytestmark = pytest.mark.browser
PHONE = {"width": 360, "height": 740}


def counts(app, username="agent-16663"):
    with new_session(app) as db:
        user_id = db.execute(select(User.id).where(User.username == username)).scalar_one()
        return tuple(db.execute(select(func.count()).select_from(model).where(model.created_by_id == user_id)).scalar()
                     for model in (Conference, Activity))


def statuses(app, device_ids):
    with new_session(app) as db:
        found = {}
        for model in (Conference, Activity):
            for row in db.execute(select(model).where(model.device_id.in_(device_ids))).scalars():
                found[row.device_id] = row.status
        return found


def waiting(page):
    return page.locator("#fw-queue").get_attribute("data-count")


def test_agent_logs_offline_then_head_approves(live_app, browser):
    base_url, app = live_app
    ARTIFACTS.mkdir(exist_ok=True)
    context = offline_context(browser, base_url, PHONE)
    page = context.new_page()
    errors, api_posts, dialogs = [], [], []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda r: api_posts.append(r.url) if r.method == "POST" and "/api/" in r.url else None)

    def answer(dialog):  # stay signed in when asked; leave the page when warned
        dialogs.append((dialog.type, dialog.message))
        dialog.dismiss() if dialog.type == "confirm" else dialog.accept()
    page.on("dialog", answer)
    try:
        sign_in(page, base_url, username="agent-16663", next_path="/field/conference/new")
        page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")
        # the defaults: today, the agent's only commune, a propaganda conference
        assert page.input_value("#f-held_on") == page.evaluate(
            "(() => { const d = new Date(); return d.getFullYear() + '-' + String(d.getMonth() + 1).padStart(2, '0')"
            " + '-' + String(d.getDate()).padStart(2, '0'); })()")
        assert page.locator("#f-commune_id option:checked").inner_text() == "Phường Đông Vĩnh"
        assert page.locator("#f-attendees").get_attribute("inputmode") == "numeric"
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, "sideways scrolling"
        page.screenshot(path=str(ARTIFACTS / "fieldwork-conference-form-360.png"), full_page=True)
        before = counts(app)

        # client-side check: registrations above attendees is caught at once, nothing is queued
        page.fill("#f-attendees", "10")
        page.fill("#f-reg_voluntary_si", "8")
        page.fill("#f-reg_household_hi", "5")
        page.click("#fw-save")
        assert "vượt quá số người dự" in page.locator("[data-error-for=reg_household_hi]").inner_text()
        assert waiting(page) == "0"

        context.set_offline(True)
        page.wait_for_function("() => !navigator.onLine")
        page.fill("#f-hamlet", "Xóm 5")
        page.fill("#f-attendees", "45")
        page.fill("#f-reg_voluntary_si", "3")
        page.fill("#f-reg_household_hi", "6")
        page.check("#f-aud-farmers")
        page.click("#fw-save")
        page.wait_for_function("() => document.getElementById('fw-queue').dataset.count === '1'")
        assert "Sẽ gửi khi có mạng" in page.locator("#fw-result").inner_text()

        # the activity form opens with no connection: the service worker serves it
        response = page.goto(f"{base_url}/field/activity/new")
        assert response is not None and response.from_service_worker
        assert [t for t, _m in dialogs] == ["beforeunload"], "leaving with an unsent entry warns"
        page.wait_for_function("() => document.getElementById('fw-queue').dataset.count === '1'")
        page.fill("#f-household_visits", "12")
        page.fill("#f-new_household_hi", "4")
        page.fill("#f-amount_collected_vnd", "3.000.000")
        page.fill("#f-receipts_issued", "4")
        page.fill("#f-receipts_amount_vnd", "3000000")
        page.click("#fw-save")
        page.wait_for_function("() => document.getElementById('fw-queue').dataset.count === '2'")
        assert page.locator("#fw-queue").inner_text().strip() == "2 bản ghi đang chờ gửi"
        page.screenshot(path=str(ARTIFACTS / "fieldwork-waiting-360.png"), full_page=False)
        # signing out with unsent entries asks first (and staying is possible)
        page.evaluate("document.querySelector(\"form[action$='/auth/logout']\").requestSubmit()")
        page.wait_for_timeout(300)
        assert dialogs[-1][0] == "confirm" and "2 bản ghi chưa gửi" in dialogs[-1][1]
        assert page.url.endswith("/field/activity/new")
        stored = page.evaluate("window.fieldwork.outbox.all()")
        assert len(stored) == 2 and {r["kind"] for r in stored} == {"conference", "activity"}
        assert counts(app) == before and api_posts == [], "nothing may reach the server while offline"

        # the connection returns: exactly two records arrive
        context.set_offline(False)
        page.wait_for_function("() => document.getElementById('fw-queue').dataset.count === '0'", timeout=15000)
        assert counts(app) == (before[0] + 1, before[1] + 1)
        device_ids = [r["device_id"] for r in stored]
        assert set(statuses(app, device_ids).values()) == {"submitted"}
        page.goto(f"{base_url}/field")
        for device_id in device_ids:
            assert page.locator(f".fw-recent [data-device-id='{device_id}']").inner_text().count("Chờ duyệt") == 1
        assert page.locator("#fw-home-count").inner_text() == "0"
        assert page.locator("#fw-persist").inner_text() != ""
        page.screenshot(path=str(ARTIFACTS / "fieldwork-home-360.png"), full_page=True)

        # a resend of the same entries (e.g. a lost answer) adds none
        answers = page.evaluate("""async (stored) => {
            const token = document.querySelector('meta[name=csrf-token]').content;
            const out = [];
            for (const r of stored) {
                const url = r.kind === 'conference' ? '/api/v1/conferences' : '/api/v1/activities';
                const resp = await fetch(url, {method: 'POST', headers: {'Content-Type': 'application/json',
                    'X-CSRFToken': token}, body: JSON.stringify([r.payload])});
                out.push((await resp.json()).results[0].status);
            }
            return out;
        }""", stored)
        assert answers == ["duplicate", "duplicate"]
        assert counts(app) == (before[0] + 1, before[1] + 1)

        # the form page reloads with no connection, from the service worker
        page.goto(f"{base_url}/field/conference/new")
        context.set_offline(True)
        response = page.reload()
        assert response is not None and response.from_service_worker
        assert page.locator("#fw-form[data-fw-kind=conference]").is_visible()
        assert page.locator("#fw-net").inner_text().startswith("Đang mất kết nối")
        context.set_offline(False)
        assert errors == [] and context.external_requests == []
    finally:
        context.close()

    # the district head approves both on /review
    context = offline_context(browser, base_url, PHONE)
    page = context.new_page()
    try:
        sign_in(page, base_url, username="head-412", next_path="/review")
        for device_id in device_ids:
            assert page.locator(f".fw-review-row[data-device-id='{device_id}']").count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 360, "sideways scrolling"
        page.screenshot(path=str(ARTIFACTS / "fieldwork-review-360.png"), full_page=True)
        for device_id in device_ids:
            page.check(f".fw-review-row[data-device-id='{device_id}'] .r-select")
        page.click("#r-bulk")
        page.wait_for_load_state()
        assert "Đã duyệt 2 bản ghi" in page.content()
        assert statuses(app, device_ids) == {d: "approved" for d in device_ids}
    finally:
        context.close()
