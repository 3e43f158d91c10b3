"""A batch never fails whole (issue 10, item 2): each entry is accepted, duplicate or rejected with
its reason; a database error on one entry rejects that entry and the others are saved.

The database's refusal is real: a trigger raises for one hamlet's entries (RAISE(ABORT) on SQLite,
RAISE EXCEPTION on PostgreSQL), exactly as a column overflow or a constraint would. Before this
change the whole batch answered 500 and nothing was saved; the 3.000.000.000 đ conference of the
issue did that on PostgreSQL, where cost_vnd was a 32-bit column."""
from contextlib import contextmanager

import pytest
from sqlalchemy import select, text

from planner.models import Activity, AuditEvent, Conference
from tests.fieldwork.payloads import activity, conference, count

REFUSED_HAMLET = "Xóm không lưu được"

TRIGGER = {
    "sqlite": [
        f"CREATE TRIGGER test_refuse_hamlet BEFORE INSERT ON conference WHEN NEW.hamlet = '{REFUSED_HAMLET}' "
        "BEGIN SELECT RAISE(ABORT, 'this hamlet is refused'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION test_refuse_hamlet() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        f"IF NEW.hamlet = '{REFUSED_HAMLET}' THEN RAISE EXCEPTION 'this hamlet is refused'; END IF; "
        "RETURN NEW; END $$",
        "CREATE TRIGGER test_refuse_hamlet BEFORE INSERT ON conference FOR EACH ROW EXECUTE FUNCTION test_refuse_hamlet()",
    ],
}
DROP = {
    "sqlite": ["DROP TRIGGER IF EXISTS test_refuse_hamlet"],
    "postgresql": ["DROP TRIGGER IF EXISTS test_refuse_hamlet ON conference",
                   "DROP FUNCTION IF EXISTS test_refuse_hamlet()"],
}


@contextmanager
def refusing_database(app, backend):
    """The database refuses conferences of REFUSED_HAMLET (dropped again: the test database is shared)."""
    engine = app.extensions["planner.engine"]
    with engine.begin() as conn:
        for statement in TRIGGER[backend]:
            conn.execute(text(statement))
    try:
        yield
    finally:
        with engine.begin() as conn:
            for statement in DROP[backend]:
                conn.execute(text(statement))


def post(client, kind, body):
    resp = client.post(f"/api/v1/{kind}", json=body)
    assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
    return resp.get_json()["results"]


def test_the_issue_conference_of_three_billion_dong_is_stored(client, session, world, login):
    login("agent-16663")
    batch = [conference(world, "dev-conf-big1", cost_vnd="3.000.000.000"),
             conference(world, "dev-conf-big2", cost_vnd=10 ** 12),  # the largest amount
             conference(world, "dev-conf-small", cost_vnd=800_000)]
    results = post(client, "conferences", batch)
    assert [r["status"] for r in results] == ["accepted"] * 3
    costs = dict(session.execute(select(Conference.device_id, Conference.cost_vnd)).all())
    assert costs == {"dev-conf-big1": 3_000_000_000, "dev-conf-big2": 10 ** 12, "dev-conf-small": 800_000}
    listed = client.get("/api/v1/conferences").get_json()["items"]
    assert sorted(item["cost_vnd"] for item in listed) == [800_000, 3_000_000_000, 10 ** 12]


def test_an_amount_over_its_range_rejects_that_entry_alone(client, session, world, login):
    login("agent-16663")
    batch = [activity(world, "dev-act-0001"),
             activity(world, "dev-act-0002", amount_collected_vnd=10 ** 12 + 1, receipts_amount_vnd=0),
             activity(world, "dev-act-0003", household_visits="1²"),
             activity(world, "dev-act-0004", amount_collected_vnd=5_000_000_000, receipts_amount_vnd=5_000_000_000)]
    results = post(client, "activities", batch)
    assert [r["status"] for r in results] == ["accepted", "rejected", "rejected", "accepted"]
    assert results[1]["errors"] == {
        "amount_collected_vnd": "Số tiền đã thu (đồng): số quá lớn, tối đa 1.000.000.000.000."}
    assert results[2]["errors"] == {
        "household_visits": "Số hộ đến tư vấn: phải là số nguyên (chỉ gồm các chữ số 0–9)."}
    assert count(session, Activity) == 2
    assert session.execute(select(Activity.amount_collected_vnd).where(Activity.device_id == "dev-act-0004")
                           ).scalar_one() == 5_000_000_000


def test_a_database_error_on_one_entry_rejects_it_and_saves_the_others(app, backend, client, session, world,
                                                                         login):
    login("agent-16663")
    batch = [conference(world, "dev-conf-0001", hamlet="Xóm 1"),
             conference(world, "dev-conf-0002", hamlet=REFUSED_HAMLET),
             conference(world, "dev-conf-0003", hamlet="Xóm 3", cost_vnd="3.000.000.000"),
             conference(world, "dev-conf-0004", attendees=0),  # a rule: rejected with its reason
             conference(world, "dev-conf-0001", hamlet="Xóm 1")]  # the first one again
    with refusing_database(app, backend):
        results = post(client, "conferences", batch)
    statuses = [r["status"] for r in results]
    assert statuses == ["accepted", "rejected", "accepted", "rejected", "duplicate"]
    assert results[1]["device_id"] == "dev-conf-0002"
    assert results[1]["errors"] == {"entry": "Máy chủ không lưu được bản ghi này. Hãy kiểm tra lại các số liệu "
                                             "rồi gửi lại, hoặc bỏ bản ghi."}
    assert results[3]["errors"]["attendees"] == "Hãy nhập số người dự."
    assert results[4]["id"] == results[0]["id"]
    saved = dict(session.execute(select(Conference.device_id, Conference.hamlet)).all())
    assert saved == {"dev-conf-0001": "Xóm 1", "dev-conf-0003": "Xóm 3"}
    # one audit row per saved entry, none for the refused one
    assert count(session, AuditEvent, entity="conference", action="create") == 2

    # the refusal lifted (the agent fixed it, or the database was repaired): sent again, it is saved
    results = post(client, "conferences", [batch[1], batch[2]])
    assert [r["status"] for r in results] == ["accepted", "duplicate"]
    assert count(session, Conference) == 3


def test_a_batch_of_only_refused_entries_answers_each(app, backend, client, session, world, login):
    login("agent-16663")
    batch = [conference(world, f"dev-conf-bad{i}", hamlet=REFUSED_HAMLET) for i in range(3)]
    with refusing_database(app, backend):
        results = post(client, "conferences", batch)
    assert [r["status"] for r in results] == ["rejected"] * 3
    assert [r["device_id"] for r in results] == [f"dev-conf-bad{i}" for i in range(3)]
    assert count(session, Conference) == 0 and count(session, AuditEvent, entity="conference") == 0


@pytest.mark.parametrize("payload", [
    {"attendees": "²"}, {"attendees": "①"}, {"attendees": "٣"}, {"cost_vnd": 2 ** 63},
    {"cost_vnd": "9" * 5000}, {"commune_id": 2 ** 31}, {"commune_id": "9" * 40}, {"campaign_id": 2 ** 63},
    {"latitude": 10 ** 400}, {"longitude": "1e400"},
])
def test_odd_numbers_in_a_batch_are_reasons_never_errors(client, session, world, login, payload):
    login("agent-16663")
    results = post(client, "conferences", [conference(world, "dev-conf-good"),
                                           conference(world, "dev-conf-odd", **payload)])
    assert [r["status"] for r in results] == ["accepted", "rejected"]
    [(field, message)] = results[1]["errors"].items()
    assert field == next(iter(payload)) and message
    assert count(session, Conference) == 1
