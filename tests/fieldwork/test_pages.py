"""The field pages: the forms without JS (same service, messages next to the fields), the agent's
home with statuses, the review with consequences (return -> fix -> resend -> approve), the web
app's manifest and service worker."""
import re

import pytest

from planner.models import Activity, AuditEvent, Conference
from tests.fieldwork.payloads import ACTIVITY_MESSAGES, CONFERENCE_MESSAGES, activity, conference, count


def form_data(data):
    """What a browser posts: every value a string, checkboxes repeated."""
    out = {k: ("" if v is None else str(v)) for k, v in data.items() if k != "audience_groups"}
    out["audience_groups"] = list(data.get("audience_groups", []))
    return out


def error_next_to(html, field):
    found = re.search(rf'data-error-for="{field}">([^<]*)<', html)
    return found.group(1) if found else None


def test_form_defaults_on_a_phone(client, world, login):
    login("agent-16663")
    html = client.get("/field/conference/new").get_data(as_text=True)
    commune = world["communes"]["16663"]
    assert f'<option value="{commune.id}" selected>' in html
    assert 'name="csrf-token"' in html and 'rel="manifest"' in html
    from datetime import date
    assert f'value="{date.today().isoformat()}"' in html  # today
    assert 'inputmode="numeric"' in html
    for label in ("Hội nghị tuyên truyền", "Đối thoại chính sách", "Hội nghị khách hàng", "Hội nghị nhóm nhỏ",
                  "Nông dân", "Tiểu thương", "Người lao động hưởng trợ cấp thất nghiệp",
                  "Lao động nghỉ việc về địa phương", "Học sinh, sinh viên", "Hộ DTTS mất thẻ BHYT do NSNN đóng",
                  "Chủ sử dụng lao động", "Khác", "Lấy vị trí"):
        assert label in html
    assert world["communes"]["16741"].name not in html  # only the agent's communes


def test_head_picks_among_the_districts_communes_and_agents(client, world, login):
    login("head-412")
    html = client.get("/field/activity/new").get_data(as_text=True)
    assert "Phường Đông Vĩnh" in html and "Phường Hà Huy Tập" in html and "Xã Mỹ Lý" not in html
    assert f'<option value="{world["users"]["agent"].id}"' in html


def test_conference_without_js_saves_once(client, session, world, login):
    login("agent-16663")
    resp = client.post("/field/conference/new", data=form_data(conference(world)))
    assert resp.status_code == 302 and resp.headers["Location"].endswith("/field")
    assert count(session, Conference) == 1
    again = client.post("/field/conference/new", data=form_data(conference(world)), follow_redirects=True)
    assert "đã được gửi trước đó" in again.get_data(as_text=True) and count(session, Conference) == 1
    home = client.get("/field").get_data(as_text=True)
    assert "Chờ duyệt" in home and "Phường Đông Vĩnh" in home


@pytest.mark.parametrize("over,field,message", CONFERENCE_MESSAGES)
def test_every_conference_message_next_to_its_field(client, session, world, login, over, field, message):
    login("agent-16663")
    resp = client.post("/field/conference/new", data=form_data(conference(world, **over)))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    shown = error_next_to(html, field)
    if field == "device_id":  # no input for it: the message is shown above the form
        assert message in html
    else:
        assert shown and message.split(" (")[0].rstrip(".") in shown, (field, shown)
    assert count(session, Conference) == 0


@pytest.mark.parametrize("over,field,message", ACTIVITY_MESSAGES)
def test_every_activity_message_next_to_its_field(client, session, world, login, over, field, message):
    login("agent-16663")
    resp = client.post("/field/activity/new", data=form_data(activity(world, **over)))
    assert resp.status_code == 422
    html = resp.get_data(as_text=True)
    if field == "device_id":
        assert message in html
    else:
        assert message.rstrip(".") in (error_next_to(html, field) or "")
    assert count(session, Activity) == 0


def test_outside_scope_without_js(client, session, world, login):
    login("agent-16663")
    resp = client.post("/field/conference/new",
                       data=form_data(conference(world, commune_id=world["communes"]["16741"].id)))
    assert error_next_to(resp.get_data(as_text=True), "commune_id") == "Xã này ngoài địa bàn bạn phụ trách."


def test_review_return_fix_resend_approve(client, session, world, login):
    login("agent-16663")
    [sent] = client.post("/api/v1/activities", json=activity(world)).get_json()["results"]
    assert client.get("/review").status_code == 403  # agents never review
    assert client.post(f"/review/activity/{sent['id']}", data={"decision": "approved"}).status_code == 403
    client.post("/auth/logout")

    login("head-417")
    assert client.post(f"/review/activity/{sent['id']}", data={"decision": "approved"}).status_code == 403
    assert client.post("/review/bulk", data={"selected": f"activity:{sent['id']}"}).status_code == 403
    assert "dev-act-0001" not in client.get("/review").get_data(as_text=True)
    client.post("/auth/logout")

    login("head-412")
    listing = client.get("/review").get_data(as_text=True)
    assert 'data-device-id="dev-act-0001"' in listing and "9.000.000" in listing
    refused = client.post(f"/review/activity/{sent['id']}", data={"decision": "returned", "reason": " "},
                          follow_redirects=True)
    assert "Hãy ghi lý do trả lại" in refused.get_data(as_text=True)
    assert session.get(Activity, sent["id"]).status == "submitted"
    client.post(f"/review/activity/{sent['id']}", data={"decision": "returned", "reason": "Thiếu 1 biên lai"})
    session.expire_all()
    assert session.get(Activity, sent["id"]).status == "returned"
    assert "Thiếu 1 biên lai" in client.get("/review?status=returned").get_data(as_text=True)
    client.post("/auth/logout")

    login("agent-16663")
    home = client.get("/field").get_data(as_text=True)
    assert "Bị trả lại" in home and "Thiếu 1 biên lai" in home and "Sửa và gửi lại" in home
    link = re.search(r'href="(/field/activity/new\?edit=\d+)"', home).group(1)
    edit = client.get(link).get_data(as_text=True)
    assert 'value="dev-act-0001"' in edit and "Thiếu 1 biên lai" in edit and 'value="9000000"' in edit
    [again] = client.post("/api/v1/activities", json=activity(world, receipts_issued=11)).get_json()["results"]
    assert again == {"device_id": "dev-act-0001", "status": "resubmitted", "id": sent["id"]}
    assert client.get(link).status_code == 404  # no longer returned: nothing to fix
    client.post("/auth/logout")

    login("head-412")
    client.post("/review/bulk", data={"selected": [f"activity:{sent['id']}"]})
    session.expire_all()
    entry = session.get(Activity, sent["id"])
    assert entry.status == "approved" and entry.receipts_issued == 11 and entry.reviewed_by == "head-412"
    assert count(session, Activity) == 1
    assert count(session, AuditEvent, entity="activity", action="update") == 3  # returned, resent, approved


def test_resend_without_js_after_return(client, session, world, login):
    login("agent-16663")
    client.post("/field/conference/new", data=form_data(conference(world)))
    entry_id = client.get("/api/v1/conferences").get_json()["items"][0]["id"]
    client.post("/auth/logout")
    login("head-412")
    client.post(f"/review/conference/{entry_id}", data={"decision": "returned", "reason": "Sai số người dự"})
    client.post("/auth/logout")
    login("agent-16663")
    resp = client.post("/field/conference/new", data=form_data(conference(world, attendees=70)), follow_redirects=True)
    assert "Đã gửi lại bản ghi đã sửa" in resp.get_data(as_text=True)
    session.expire_all()
    assert session.get(Conference, entry_id).attendees == 70 and session.get(Conference, entry_id).status == "submitted"


def test_review_redirects_only_to_local_pages(client, session, world, login):
    login("agent-16663")
    [sent] = client.post("/api/v1/conferences", json=conference(world)).get_json()["results"]
    client.post("/auth/logout")
    login("head-412")
    resp = client.post(f"/review/conference/{sent['id']}", data={"decision": "approved", "next": "//evil.example/"})
    assert resp.headers["Location"].endswith("/review")


def test_manifest_and_service_worker(client):
    manifest = client.get("/manifest.webmanifest")
    body = manifest.get_json(force=True)
    assert manifest.mimetype == "application/manifest+json"
    assert body["name"] == "BHXH – Ghi nhận thực địa" and body["start_url"] == "/field"
    assert body["display"] == "standalone"
    for icon in body["icons"]:
        assert client.get(icon["src"]).status_code == 200
    sw = client.get("/sw.js")
    assert sw.headers["Service-Worker-Allowed"] == "/" and sw.mimetype == "text/javascript"
    source = sw.get_data(as_text=True)
    assert '"/field/conference/new"' in source and "/vendor/bootstrap/css/bootstrap.min.css" in source
    assert "__SHELL__" not in source and "__VERSION__" not in source
