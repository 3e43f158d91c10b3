"""POST and GET /api/v1/conferences and /api/v1/activities: one entry or a batch, idempotent by the
device id, one bad entry never spoils the others, every validation message reaches the phone,
scope, filters and pagination, CSRF for cookie sessions and none for bearer tokens."""
import pytest

from planner.models import Activity, AuditEvent, Conference
from tests.conftest import make_app
from tests.fieldwork.payloads import (ACTIVITY_MESSAGES, CONFERENCE_MESSAGES, activity, conference,
                                      count)


def post(client, kind, body):
    resp = client.post(f"/api/v1/{kind}", json=body)
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["results"]


def test_one_entry_is_accepted_and_audited(client, session, world, login):
    login("agent-16663")
    results = post(client, "conferences", conference(world))
    assert results == [{"device_id": "dev-conf-0001", "status": "accepted", "id": results[0]["id"]}]
    saved = session.get(Conference, results[0]["id"])
    assert saved.status == "submitted" and saved.cost_vnd == 1_500_000 and saved.created_by_id == world["users"]["agent"].id
    assert count(session, AuditEvent, entity="conference", action="create") == 1


def test_the_same_batch_twice_makes_no_second_record(client, session, world, login):
    login("agent-16663")
    conferences = [conference(world, f"dev-conf-{i:04d}", hamlet=f"Xóm {i}") for i in range(3)]
    activities = [activity(world, f"dev-act-{i:04d}") for i in range(2)]
    first = post(client, "conferences", conferences) + post(client, "activities", activities)
    assert [r["status"] for r in first] == ["accepted"] * 5
    second = post(client, "conferences", conferences) + post(client, "activities", activities)
    assert [r["status"] for r in second] == ["duplicate"] * 5
    assert [r["id"] for r in second] == [r["id"] for r in first]
    assert count(session, Conference) == 3 and count(session, Activity) == 2


def test_a_device_id_twice_in_one_batch_is_one_record(client, session, world, login):
    login("agent-16663")
    results = post(client, "activities", [activity(world), activity(world)])
    assert [r["status"] for r in results] == ["accepted", "duplicate"]
    assert count(session, Activity) == 1


def test_one_bad_entry_never_spoils_the_others(client, session, world, login):
    login("agent-16663")
    batch = [conference(world, "dev-conf-0001"),
             conference(world, "dev-conf-0002", reg_voluntary_si=50, reg_household_hi=50),
             "not an object",
             conference(world, "dev-conf-0003")]
    results = post(client, "conferences", batch)
    assert [r["status"] for r in results] == ["accepted", "rejected", "rejected", "accepted"]
    assert results[1]["device_id"] == "dev-conf-0002"
    assert results[1]["errors"] == {"reg_household_hi": "Số đăng ký tại chỗ vượt quá số người dự."}
    assert "đối tượng JSON" in results[2]["errors"]["entry"]
    assert count(session, Conference) == 2
    assert count(session, AuditEvent, entity="conference") == 2  # the refused entry left no trace


@pytest.mark.parametrize("over,field,message", CONFERENCE_MESSAGES)
def test_every_conference_message_reaches_the_phone(client, session, world, login, over, field, message):
    login("agent-16663")
    [result] = post(client, "conferences", conference(world, **over))
    assert result["status"] == "rejected"
    assert message in result["errors"][field]
    assert count(session, Conference) == 0


@pytest.mark.parametrize("over,field,message", ACTIVITY_MESSAGES)
def test_every_activity_message_reaches_the_phone(client, session, world, login, over, field, message):
    login("agent-16663")
    [result] = post(client, "activities", activity(world, **over))
    assert result["status"] == "rejected"
    assert message in result["errors"][field]
    assert count(session, Activity) == 0


def test_scope_of_posts(client, session, world, login):
    agent = world["users"]["agent"]
    login("agent-16663")
    [result] = post(client, "conferences", conference(world, commune_id=world["communes"]["16741"].id))
    assert result["errors"] == {"commune_id": "Xã này ngoài địa bàn bạn phụ trách."}
    [result] = post(client, "activities", activity(world, commune_id=None, commune_code="16741"))
    assert result["errors"] == {"commune_id": "Xã này ngoài địa bàn bạn phụ trách."}
    [result] = post(client, "activities", activity(world, commune_id=None, commune_code="16663"))
    assert result["status"] == "accepted"
    client.post("/auth/logout")
    login("head-412")
    [result] = post(client, "activities", activity(world, "dev-act-0002"))
    assert result["errors"] == {"agent_id": "Hãy chọn nhân viên thu."}
    [result] = post(client, "activities", activity(world, "dev-act-0003", agent_id=agent.id,
                                                   commune_id=world["communes"]["16666"].id))
    assert result["errors"] == {"agent_id": "Nhân viên thu này không phụ trách xã đã chọn."}
    [result] = post(client, "activities", activity(world, "dev-act-0004", agent_id=agent.id))
    assert result["status"] == "accepted"
    [result] = post(client, "activities", activity(world, agent_id=agent.id))  # the agent's device id
    assert result["errors"] == {"device_id": "Mã bản ghi này đã được người khác dùng."}
    client.post("/auth/logout")
    login("head-417")
    [result] = post(client, "conferences", conference(world, "dev-conf-0417"))
    assert result["errors"] == {"commune_id": "Xã này ngoài địa bàn bạn phụ trách."}
    assert count(session, Activity) == 2 and count(session, Conference) == 0


def test_bodies_that_are_not_entries(client, world, login):
    login("agent-16663")
    assert client.post("/api/v1/conferences", data="x", content_type="text/plain").status_code == 400
    assert client.post("/api/v1/conferences", json=[]).status_code == 400
    resp = client.post("/api/v1/conferences", json=[{}] * 1001)
    assert resp.status_code == 413 and resp.get_json()["max_batch"] == 1000
    resp = client.post("/api/v1/activities", json={"entries": [activity(world)]})
    assert resp.get_json()["results"][0]["status"] == "accepted"


def test_lists_are_scoped_filtered_and_paged(client, session, world, login):
    login("agent-16663")
    post(client, "conferences", [conference(world, f"dev-conf-a{i:03d}", held_on=f"2024-12-{i + 1:02d}")
                                 for i in range(5)])
    post(client, "activities", [activity(world)])
    client.post("/auth/logout")
    login("head-412")
    post(client, "conferences", [conference(world, "dev-conf-h001", commune_id=world["communes"]["16666"].id)])
    conf = session.get(Conference, client.get("/api/v1/conferences?commune=16666").get_json()["items"][0]["id"])
    client.post(f"/review/conference/{conf.id}", data={"decision": "approved"})

    body = client.get("/api/v1/conferences").get_json()
    assert body["count"] == 6 and len(body["items"]) == 6
    page = client.get("/api/v1/conferences?limit=2&offset=4").get_json()
    assert page["count"] == 6 and page["limit"] == 2 and page["offset"] == 4 and len(page["items"]) == 2
    ids = [i["id"] for i in body["items"]]
    assert [i["id"] for i in page["items"]] == ids[4:6]
    assert client.get("/api/v1/conferences?commune=16663").get_json()["count"] == 5
    ranged = client.get("/api/v1/conferences?date_from=2024-12-02&date_to=2024-12-04").get_json()
    assert sorted(i["held_on"] for i in ranged["items"]) == ["2024-12-02", "2024-12-03", "2024-12-04"]
    approved = client.get("/api/v1/conferences?status=approved").get_json()
    assert [i["device_id"] for i in approved["items"]] == ["dev-conf-h001"]
    assert approved["items"][0]["commune"]["code"] == "16666" and approved["items"][0]["created_by"] == "head-412"
    assert client.get("/api/v1/conferences?agent=agent-16663").get_json()["count"] == 5
    acts = client.get(f"/api/v1/activities?agent={world['users']['agent'].id}").get_json()
    assert acts["count"] == 1 and acts["items"][0]["agent"] == "agent-16663"
    bad = client.get("/api/v1/conferences?limit=501&status=maybe&date_from=yesterday")
    assert bad.status_code == 400 and set(bad.get_json()["fields"]) == {"limit", "status", "date_from"}

    client.post("/auth/logout")
    login("agent-16663")
    assert client.get("/api/v1/conferences").get_json()["count"] == 5  # only their own
    client.post("/auth/logout")
    login("head-417")
    assert client.get("/api/v1/conferences").get_json()["count"] == 0
    assert client.get("/api/v1/activities").get_json()["count"] == 0
    client.post("/auth/logout")
    login("leader")
    assert client.get("/api/v1/conferences").get_json()["count"] == 6


@pytest.fixture
def csrf_app(app, backend, database_urls):
    """The same database with CSRF checks on, as in production."""
    strict = make_app(database_urls[backend], WTF_CSRF_ENABLED=True)
    yield strict
    strict.extensions["planner.engine"].dispose()


def test_cookie_sessions_need_the_csrf_token_and_bearer_tokens_do_not(csrf_app, session, world):
    import re

    from planner.services import tokens

    client = csrf_app.test_client()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or \
        re.search(r'name="csrf_token" value="([^"]+)"', page)
    client.post("/auth/login", data={"username": "agent-16663", "password": "secret123",
                                     "csrf_token": token.group(1)})
    refused = client.post("/api/v1/conferences", json=conference(world))
    assert refused.status_code == 400 and refused.get_json()["error"] == "csrf"
    csrf = client.get("/field/session").get_json()["csrf_token"]
    ok = client.post("/api/v1/conferences", json=conference(world), headers={"X-CSRFToken": csrf})
    assert ok.get_json()["results"][0]["status"] == "accepted"

    _token, raw = tokens.create_token(session=session, user=world["users"]["agent"], name="điện thoại")
    device = csrf_app.test_client()
    resp = device.post("/api/v1/activities", json=[activity(world)], headers={"Authorization": f"Bearer {raw}"})
    assert resp.status_code == 200 and resp.get_json()["results"][0]["status"] == "accepted"
    assert device.get("/api/v1/activities", headers={"Authorization": f"Bearer {raw}"}).get_json()["count"] == 1
    assert device.post("/api/v1/activities", json=[activity(world)],
                       headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert count(session, Activity) == 1 and count(session, Conference) == 1


def test_a_concurrent_save_falls_back_to_entry_by_entry(client, session, world, login, monkeypatch):
    """If another request saved one of the batch's device ids between our read and our write, the
    batch is retried entry by entry in savepoints: nothing is lost and nothing is doubled."""
    from sqlalchemy.exc import IntegrityError

    from planner.services import fieldwork

    login("agent-16663")
    first = post(client, "conferences", conference(world, "dev-conf-race"))
    calls = []

    def racing(**kwargs):
        calls.append(1)
        raise IntegrityError("INSERT", {}, Exception("duplicate key value violates unique constraint"))

    monkeypatch.setattr(fieldwork, "save_batch", racing)
    results = post(client, "conferences", [conference(world, "dev-conf-race"), conference(world, "dev-conf-new1")])
    assert calls == [1]
    assert [r["status"] for r in results] == ["duplicate", "accepted"]
    assert results[0]["id"] == first[0]["id"] and count(session, Conference) == 2
