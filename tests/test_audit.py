"""Every create, update and delete leaves an audit event: who, when, before and after."""
import json

from sqlalchemy import select

from planner import audit
from planner.models import AuditEvent, Denominator


def events(session, entity):
    session.expire_all()
    return session.execute(select(AuditEvent).where(AuditEvent.entity == entity).order_by(AuditEvent.id)).scalars().all()


def test_create_update_delete_are_audited_with_actor(session, world):
    commune = world["communes"]["16741"]
    with audit.acting_as(7, "tester"):
        row = Denominator(commune_id=commune.id, year=2025, population=4100, labour_force=2100, source="x")
        session.add(row)
        session.commit()
        row.population = 4200
        session.commit()
        session.delete(row)
        session.commit()
    trail = [e for e in events(session, "denominator") if e.username == "tester"]
    assert [e.action for e in trail] == ["create", "update", "delete"]
    created, updated, deleted = trail
    assert json.loads(created.after)["population"] == 4100 and created.before is None
    assert json.loads(updated.before)["population"] == 4100
    assert json.loads(updated.after)["population"] == 4200
    assert json.loads(deleted.before)["population"] == 4200 and deleted.after is None
    assert all(e.user_id == 7 and e.commune_id == commune.id and e.at is not None for e in trail)


def test_rolled_back_change_leaves_no_event(session, world):
    before = len(events(session, "denominator"))
    commune = world["communes"]["16741"]
    session.add(Denominator(commune_id=commune.id, year=2030, population=1, labour_force=1))
    session.flush()
    session.rollback()
    assert len(events(session, "denominator")) == before


def test_password_hash_never_enters_the_trail(session, world):
    for event in events(session, "app_user"):
        assert "pbkdf2" not in (event.after or "")
