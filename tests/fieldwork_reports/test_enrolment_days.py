"""EnrolmentDay is kept by database triggers: after any sequence of writes to activity (ORM saves,
review, edits that move an entry, deletes, cascades, Core bulk inserts) it equals the sum recomputed
from the approved entries. Runs on SQLite and PostgreSQL (the triggers differ per dialect)."""
import random
from datetime import date, timedelta

from sqlalchemy import delete, func, insert, select, update

from planner.models import Activity, Commune, EnrolmentDay
from tests.fieldwork_reports.conftest import act


def stored(session):
    return {(c, d): n for c, d, n in session.execute(
        select(EnrolmentDay.commune_id, EnrolmentDay.day, EnrolmentDay.new_participants)) if n}


def recomputed(session):
    new = func.sum(Activity.new_voluntary_si + Activity.new_household_hi)
    return {(c, d): int(n) for c, d, n in session.execute(
        select(Activity.commune_id, Activity.done_on, new).where(Activity.status == "approved")
        .group_by(Activity.commune_id, Activity.done_on)) if n}


def test_fixture_figures(session, fw):
    c16663, c16666 = fw["communes"]["16663"].id, fw["communes"]["16666"].id
    days = stored(session)
    assert days[(c16663, date(2024, 11, 5))] == 5
    assert days[(c16666, date(2024, 11, 5))] == 6
    assert (c16663, date(2024, 11, 6)) not in days  # submitted: not counted
    assert days == recomputed(session)


def test_review_edit_move_delete(session, fw):
    c16663, c16666 = fw["communes"]["16663"].id, fw["communes"]["16666"].id
    pending = session.execute(select(Activity).where(Activity.device_id == "act-000005")).scalar_one()
    pending.status = "approved"  # approved on review: 10 more on 06/11
    session.commit()
    assert stored(session)[(c16663, date(2024, 11, 6))] == 10

    first = session.execute(select(Activity).where(Activity.device_id == "act-000001")).scalar_one()
    first.status = "returned"  # returned: its 5 leave the total
    session.commit()
    assert (c16663, date(2024, 11, 5)) not in stored(session)

    first.status, first.commune_id, first.done_on, first.new_household_hi = "approved", c16666, date(2024, 11, 7), 9
    session.commit()  # re-approved, moved to another commune and day, with new figures
    days = stored(session)
    assert days[(c16666, date(2024, 11, 7))] == 3 + 9
    assert days == recomputed(session)

    session.delete(first)
    session.commit()
    assert (c16666, date(2024, 11, 7)) not in stored(session)
    assert stored(session) == recomputed(session)


def test_cascade_and_bulk(session, fw):
    c16741 = fw["communes"]["16741"].id
    agent = fw["users"]["agent"]
    rows = [dict(device_id=f"bulk-{n}", agent_id=agent.id, commune_id=fw["communes"]["16663"].id,
                 done_on=date(2024, 3, 1) + timedelta(days=n % 5), new_voluntary_si=1, new_household_hi=n % 3,
                 status="approved") for n in range(50)]
    session.execute(insert(Activity), rows)  # Core bulk insert: no ORM events, the triggers still fire
    session.commit()
    assert stored(session) == recomputed(session)
    session.execute(delete(Commune).where(Commune.id == c16741))  # cascades to its entries and days
    session.commit()
    assert all(c != c16741 for c, _ in stored(session))
    assert stored(session) == recomputed(session)


def test_random_sequence_matches_recomputation(session, fw):
    rng = random.Random(7)
    communes = [fw["communes"][code].id for code in ("16663", "16666")]
    entries = []
    for n in range(60):
        a = act(fw, 1000 + n, date(2024, 6, 1) + timedelta(days=rng.randrange(6)), rng.randrange(4), rng.randrange(4),
                status=rng.choice(("approved", "submitted", "returned")))
        a.commune_id = rng.choice(communes)
        session.add(a)
        entries.append(a)
    session.commit()
    for _ in range(80):
        a = rng.choice(entries)
        a.status = rng.choice(("approved", "submitted", "returned"))
        a.new_voluntary_si = rng.randrange(5)
        a.done_on = date(2024, 6, 1) + timedelta(days=rng.randrange(6))
        session.commit()
    session.execute(update(Activity).where(Activity.device_id.like("act-0010%")).values(status="approved"))
    session.commit()
    assert stored(session) == recomputed(session)
