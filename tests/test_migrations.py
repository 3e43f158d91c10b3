"""The schema comes only from Alembic, and the models agree with the migrations."""
from sqlalchemy import create_engine, inspect

from planner import migrate
from planner.models import SQLModel


def test_upgrade_empty_sqlite_database_matches_models(tmp_path):
    url = f"sqlite:///{tmp_path / 'empty.sqlite'}"
    migrate.upgrade(url)
    migrate.check(url)  # raises if autogenerate would find a difference
    tables = set(inspect(create_engine(url)).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables


def test_migrated_database_of_each_backend_matches_models(app):
    # The session fixture migrated this database from empty (SQLite and, in CI, PostgreSQL).
    migrate.check(app.config["DATABASE_URL"])


# --- 999229471b28: money and stored sums in 64-bit columns -----------------------------------

import os  # noqa: E402
from datetime import date  # noqa: E402

import pytest  # noqa: E402
from alembic import command  # noqa: E402
from sqlalchemy import make_url, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from planner.models import Activity, Conference, EnrolmentDay, Target  # noqa: E402
from planner.models.triggers import NAMES  # noqa: E402
from tests import builders  # noqa: E402
from tests.conftest import BACKENDS  # noqa: E402

BEFORE_64_BIT = "c4e1a7d2b9f0"


@pytest.fixture(params=BACKENDS)
def empty_url(request, tmp_path):
    """A database of its own, empty, on each backend (the migration runs on it from scratch)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'steps.sqlite'}"
        return
    base = make_url(os.environ["PLANNER_TEST_DATABASE_URL"])
    name = f"{base.database}_steps{os.getpid()}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _triggers(engine):
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            return sorted(conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
        return sorted(conn.execute(text("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")).scalars())


def _days(engine):
    with Session(engine) as s:
        return {(c, d): n for c, d, n in s.execute(
            select(EnrolmentDay.commune_id, EnrolmentDay.day, EnrolmentDay.new_participants)) if n}


def test_the_64_bit_migration_keeps_rows_and_enrolment_triggers_both_ways(empty_url):
    cfg = migrate.alembic_config(empty_url)
    migrate.upgrade(empty_url, BEFORE_64_BIT)
    engine = create_engine(empty_url)
    dialect = engine.dialect.name
    with Session(engine) as s:
        world = builders.small_province(s)
        agent, c16663 = world["users"]["agent"], world["communes"]["16663"]
        province_id = world["province"].id
        s.add(Activity(device_id="act-before", agent_id=agent.id, commune_id=c16663.id, done_on=date(2024, 11, 5),
                       new_voluntary_si=3, new_household_hi=2, status="approved", amount_collected_vnd=2_000_000,
                       receipts_issued=1, receipts_amount_vnd=2_000_000))
        s.commit()
        agent_id, commune_id = agent.id, c16663.id
    assert _days(engine) == {(commune_id, date(2024, 11, 5)): 5}

    migrate.upgrade(empty_url)
    migrate.check(empty_url)  # the models and the migrated schema agree (types included)
    assert _triggers(engine) == sorted(NAMES[dialect]), "the enrolment-day triggers survive the table copy"
    with Session(engine) as s:
        assert s.execute(select(Activity.amount_collected_vnd)).scalar_one() == 2_000_000
        # beyond 32 bits now, and the triggers still keep enrolment_day
        s.add(Activity(device_id="act-after", agent_id=agent_id, commune_id=commune_id, done_on=date(2024, 11, 5),
                       new_voluntary_si=1, new_household_hi=0, status="approved",
                       amount_collected_vnd=5_000_000_000, receipts_issued=1, receipts_amount_vnd=5_000_000_000))
        s.add(Conference(device_id="conf-after", commune_id=commune_id, held_on=date(2024, 11, 5),
                         format="propaganda", attendees=40, cost_vnd=3_000_000_000, status="approved"))
        s.add(Target(metric="collection", level="province", unit_id=province_id, year=2025,
                     value=2e13, people=20_000_000_000_000))
        s.commit()
        assert s.execute(select(Conference.cost_vnd)).scalar_one() == 3_000_000_000
        assert s.execute(select(Target.people)).scalar_one() == 20_000_000_000_000
    assert _days(engine) == {(commune_id, date(2024, 11, 5)): 6}

    # down again: only once the figures fit 32 bits (PostgreSQL refuses otherwise)
    with Session(engine) as s:
        s.execute(text("UPDATE activity SET amount_collected_vnd = 1, receipts_amount_vnd = 1 "
                       "WHERE device_id = 'act-after'"))
        s.execute(text("DELETE FROM conference"))
        s.execute(text("DELETE FROM target"))
        s.commit()
    command.downgrade(cfg, BEFORE_64_BIT)
    assert _triggers(engine) == sorted(NAMES[dialect])
    with Session(engine) as s:
        s.execute(text("UPDATE activity SET status = 'returned' WHERE device_id = 'act-before'"))
        s.commit()
    assert _days(engine) == {(commune_id, date(2024, 11, 5)): 1}
    migrate.upgrade(empty_url)
    migrate.check(empty_url)
    assert _triggers(engine) == sorted(NAMES[dialect])
    engine.dispose()
