"""GET/PUT /api/v1/targets: scope, every status code, optimistic locking with nothing lost."""
import pytest
from sqlalchemy import select

from planner.db import new_session
from planner.models import AuditEvent, Target, TargetRevision
from planner.services import targets as target_service


def put(client, target_id, body, **kwargs):
    return client.put(f"/api/v1/targets/{target_id}", json=body, **kwargs)


def stored(session, target_id):
    session.expire_all()
    return session.get(Target, target_id)


# --- reading -------------------------------------------------------------------------------

def test_anonymous_gets_401_json(client, world):
    for method, url in (("GET", "/api/v1/targets"), ("PUT", f"/api/v1/targets/{world['targets']['province'].id}"),
                        ("GET", "/api/v1/progress")):
        resp = client.open(url, method=method, json={"value": 1, "version": 1})
        assert resp.status_code == 401
        assert resp.is_json and resp.get_json()["error"] == "authentication required"


def test_leader_lists_every_target_with_json_numbers_and_iso_dates(client, plan, login):
    login("leader")
    resp = client.get("/api/v1/targets?year=2024")
    assert resp.status_code == 200 and resp.is_json
    data = resp.get_json()
    assert data["count"] == 5
    assert [t["level"] for t in data["targets"]] == ["province", "district", "district", "commune", "commune"]
    district = next(t for t in data["targets"] if t["id"] == plan["district_412"].id)
    assert district["unit"] == {"id": plan["district_412"].unit_id, "code": "412", "name": "Thành phố Vinh"}
    assert district["value"] == 96.0 and isinstance(district["value"], float)
    assert district["people"] == round(0.96 * 36000) and isinstance(district["people"], int)
    assert district["denominator"] == 36000
    assert district["version"] == 1 and district["status"] == "assigned"
    assert district["updated_at"].startswith("20") and "T" in district["updated_at"]
    assert district["updated_at"].endswith("+00:00")


@pytest.mark.parametrize("query, expected", [
    ("level=commune", {"commune_16663", "commune_16741"}),
    ("level=district&status=assigned", {"district_412", "district_417"}),
    ("status=draft", {"commune_16663", "commune_16741"}),
    ("metric=si_coverage", set()),
    ("year=2025", set()),
    ("unit_id={commune}&level=commune", {"commune_16663"}),
])
def test_filters(client, plan, world, login, query, expected):
    login("leader")
    query = query.format(commune=world["communes"]["16663"].id)
    ids = {t["id"] for t in client.get(f"/api/v1/targets?{query}").get_json()["targets"]}
    assert ids == {plan[name].id for name in expected}


def test_bad_filters_are_400_with_field_errors(client, plan, login):
    login("leader")
    resp = client.get("/api/v1/targets?year=abc&metric=nope&level=planet&status=done&unit_id=x")
    assert resp.status_code == 400
    fields = resp.get_json()["fields"]
    assert set(fields) == {"year", "metric", "level", "status", "unit_id"}
    assert fields["year"] == "Tham số “year” không hợp lệ: phải là số nguyên (chỉ gồm các chữ số 0–9)."


@pytest.mark.parametrize("username, visible", [
    ("head-412", {"province", "district_412", "commune_16663"}),
    ("head-417", {"province", "district_417", "commune_16741"}),
    ("agent-16663", {"province", "district_412", "commune_16663"}),
    ("admin", {"province", "district_412", "district_417", "commune_16663", "commune_16741"}),
])
def test_list_shows_only_what_the_user_may_view(client, plan, login, username, visible):
    login(username)
    ids = {t["id"] for t in client.get("/api/v1/targets").get_json()["targets"]}
    assert ids == {plan[name].id for name in visible}


def test_get_one_and_404_outside_scope(client, plan, login):
    login("head-412")
    resp = client.get(f"/api/v1/targets/{plan['commune_16663'].id}")
    assert resp.status_code == 200 and resp.get_json()["unit"]["code"] == "16663"
    for name in ("district_417", "commune_16741"):
        resp = client.get(f"/api/v1/targets/{plan[name].id}")
        assert resp.status_code == 404 and resp.get_json()["error"] == "not_found"
    assert client.get("/api/v1/targets/999999").status_code == 404


def test_errors_inside_api_are_json_never_html(client, plan, login):
    login("leader")
    resp = client.delete(f"/api/v1/targets/{plan['province'].id}")
    assert resp.status_code == 405 and resp.is_json
    assert resp.get_json()["error"] == "method_not_allowed"
    assert "PUT" in resp.headers["Allow"]
    resp = client.get("/api/v1/no-such-thing")
    assert resp.status_code == 404 and resp.is_json and resp.get_json()["error"] == "not_found"
    resp = client.get("/api/v1/targets/not-a-number")
    assert resp.status_code == 404 and resp.is_json
    # Outside /api/ the usual HTML page is kept.
    resp = client.get("/no-such-page")
    assert resp.status_code == 404 and not resp.is_json


# --- writing -------------------------------------------------------------------------------

def test_leader_puts_a_new_value_and_gets_the_new_version(client, session, plan, login):
    login("leader")
    t = plan["district_412"]
    resp = put(client, t.id, {"value": 97.5, "version": 1, "reason": "Nghị quyết HĐND"})
    assert resp.status_code == 200, resp.get_json()
    data = resp.get_json()
    assert data["value"] == 97.5 and data["version"] == 2 and data["revision"] == 2
    assert data["people"] == round(0.975 * 36000) and data["updated_by"] == "leader"
    row = stored(session, t.id)
    assert (row.value, row.version) == (97.5, 2)
    last = session.execute(select(TargetRevision).where(TargetRevision.target_id == t.id)
                           .order_by(TargetRevision.revision.desc())).scalars().first()
    assert (last.revision, last.reason, last.changed_by) == (2, "Nghị quyết HĐND", "leader")
    event = session.execute(select(AuditEvent).where(AuditEvent.entity == "target", AuditEvent.action == "update",
                                                     AuditEvent.entity_id == str(t.id))).scalars().one()
    assert event.username == "leader"


def test_put_people_converts_to_the_rate(client, session, plan, login):
    login("head-412")
    t = plan["commune_16663"]  # population 15,000
    resp = put(client, t.id, {"people": 14700, "version": t.version})
    assert resp.status_code == 200, resp.get_json()
    assert resp.get_json()["value"] == pytest.approx(98.0) and resp.get_json()["people"] == 14700


def test_put_status_only_moves_the_status(client, session, plan, login):
    login("head-412")
    t = plan["commune_16663"]
    resp = put(client, t.id, {"status": "accepted", "version": t.version})
    assert resp.status_code == 200
    assert resp.get_json()["status"] == "accepted" and resp.get_json()["version"] == t.version + 1
    # An accepted target changes only with a reason: the service's message, on the reason field.
    resp = put(client, t.id, {"value": 99.0, "version": t.version + 1})
    assert resp.status_code == 400
    assert resp.get_json()["fields"] == {"reason": "Chỉ tiêu đã được chấp nhận: hãy ghi lý do điều chỉnh."}
    resp = put(client, t.id, {"value": 99.0, "version": t.version + 1, "reason": "Bổ sung chỉ tiêu"})
    assert resp.status_code == 200 and resp.get_json()["value"] == 99.0


@pytest.mark.parametrize("body, field, message", [
    ({"value": 96.5}, "version", "Thiếu phiên bản (version) của chỉ tiêu bạn đã đọc."),
    ({"value": 96.5, "version": "1"}, "version", "Phiên bản phải là số nguyên."),
    ({"value": "96,5", "version": 1}, "value", "Giá trị chỉ tiêu phải là một số."),
    ({"value": True, "version": 1}, "value", "Giá trị chỉ tiêu phải là một số."),
    ({"people": 1.5, "version": 1}, "people", "Số người phải là số nguyên."),
    ({"value": 96.5, "people": 34000, "version": 1}, "value",
     "Chỉ gửi một trong hai: giá trị (value) hoặc số người (people)."),
    ({"version": 1}, "value", "Hãy nhập giá trị chỉ tiêu."),
    ({"value": -1, "version": 1}, "value", "Chỉ tiêu không được âm."),
    ({"value": 101, "version": 1}, "value", "Tỷ lệ không được vượt quá 100%."),
    ({"value": 96.5, "version": 1, "status": "done"}, "status", "Trạng thái không hợp lệ."),
    ({"value": 96.5, "version": 1, "reason": "x" * 501}, "reason", "Lý do tối đa 500 ký tự."),
    ({"value": 96.5, "version": 1, "valeu": 1}, "valeu", "Trường này không được hỗ trợ."),
    ([1, 2], "body", "Nội dung gửi lên phải là một đối tượng JSON."),
])
def test_put_field_errors_are_400_in_vietnamese_and_change_nothing(client, session, plan, login,
                                                                     body, field, message):
    login("leader")
    t = plan["district_412"]
    resp = put(client, t.id, body)
    assert resp.status_code == 400
    assert resp.get_json()["error"] == "invalid"
    assert resp.get_json()["fields"][field] == message
    row = stored(session, t.id)
    assert (row.value, row.version) == (96.0, 1)


def test_put_without_json_body_is_400(client, plan, login):
    login("leader")
    resp = client.put(f"/api/v1/targets/{plan['district_412'].id}", data="value=1",
                      content_type="application/x-www-form-urlencoded")
    assert resp.status_code == 400 and "body" in resp.get_json()["fields"]


# --- scope ---------------------------------------------------------------------------------

@pytest.mark.parametrize("username, name, status", [
    ("head-412", "district_417", 404),    # another district: not even visible
    ("head-412", "commune_16741", 404),
    ("head-412", "district_412", 403),    # own district: leaders set it, the head only reads it
    ("head-412", "province", 403),
    ("agent-16663", "commune_16663", 403),  # agents read, never set
    ("agent-16663", "district_412", 403),
    ("agent-16663", "commune_16741", 404),
    ("head-417", "commune_16663", 404),
])
def test_put_outside_what_the_user_may_set(client, session, plan, login, username, name, status):
    login(username)
    t = plan[name]
    before = (t.value, t.version)
    resp = put(client, t.id, {"value": 50.0, "version": t.version, "reason": "thử"})
    assert resp.status_code == status
    assert resp.get_json()["error"] == {403: "forbidden", 404: "not_found"}[status]
    row = stored(session, t.id)
    assert (row.value, row.version) == before


# --- concurrency ---------------------------------------------------------------------------

def test_two_editors_first_wins_second_gets_409_with_the_first_value(app, session, plan):
    t = plan["district_412"]
    first, second = app.test_client(), app.test_client()
    for c, username in ((first, "leader"), (second, "admin")):
        assert c.post("/auth/login", data={"username": username, "password": "secret123"}).status_code == 302
    read1 = first.get(f"/api/v1/targets/{t.id}").get_json()
    read2 = second.get(f"/api/v1/targets/{t.id}").get_json()
    assert read1["version"] == read2["version"] == 1

    resp1 = put(first, t.id, {"value": 97.0, "version": read1["version"], "reason": "lần 1"})
    assert resp1.status_code == 200 and resp1.get_json()["version"] == 2

    resp2 = put(second, t.id, {"value": 98.0, "version": read2["version"], "reason": "lần 2"})
    assert resp2.status_code == 409
    body = resp2.get_json()
    assert body["error"] == "conflict"
    assert body["current"]["value"] == 97.0 and body["current"]["version"] == 2
    assert body["current"]["updated_by"] == "leader"

    row = stored(session, t.id)
    assert (row.value, row.version, row.updated_by) == (97.0, 2, "leader")  # nothing lost
    # The second editor, now holding version 2, may save on top of it.
    resp3 = put(second, t.id, {"value": 98.0, "version": 2, "reason": "lần 2, sau khi xem"})
    assert resp3.status_code == 200 and resp3.get_json()["version"] == 3


def test_a_save_landing_between_read_and_write_is_a_409_not_a_500(app, client, session, plan, login,
                                                                  monkeypatch):
    """The version check in Python passes, then another request commits before our UPDATE:
    the ORM's `AND version = :old` guard must still turn it into a 409 keeping the other value."""
    t = plan["district_412"]
    login("leader")
    real_find = target_service.find_target

    def find_then_someone_else_saves(**kwargs):
        found = real_find(**kwargs)
        with new_session(app) as other:
            row = other.get(Target, t.id)
            row.value, row.people = 91.0, round(0.91 * 36000)
            other.add(row)
            other.commit()  # version 1 -> 2 behind our back
        return found

    monkeypatch.setattr(target_service, "find_target", find_then_someone_else_saves)
    resp = put(client, t.id, {"value": 97.0, "version": 1})
    assert resp.status_code == 409, resp.get_data(as_text=True)[:300]
    assert resp.get_json()["current"]["value"] == 91.0 and resp.get_json()["current"]["version"] == 2
    row = stored(session, t.id)
    assert (row.value, row.version) == (91.0, 2)
