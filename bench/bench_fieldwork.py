"""Field-work reports and the sync API at scale: 100,000 conferences and 1,000,000 activity entries,
on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_fieldwork.py                    # both databases
    .venv/bin/python bench/bench_fieldwork.py --db sqlite --runs 5

Data (a fresh database each, migrated with Alembic): planner.services.demo.build_demo (21 districts,
460 communes, demo users), then in bulk with SQLAlchemy Core (COPY on PostgreSQL; no audit events,
fine for a bench), seeded so every run builds the same data:
  ~200 collection agents (5-10 per district, each serving 2-5 of its communes, with a yearly
  new-participants quota for 2024 and 2025), 100,000 approved conferences over 2024-2025 spread
  over the 460 communes, 1,000,000 approved activity entries by those agents in their communes.
Requests go through app.test_client() signed in as the leader (province) and as a district head
(one district): GET /conversion for one year (2025) and GET /agents/activity?kind=week; each figure
is the median of --runs warm runs after one warm-up. Then an agent's POST /api/v1/activities with
500 new entries (--runs batches, all must come back "accepted"), and each batch sent again (all
"duplicate", activity row count unchanged: asserted).
PostgreSQL: a database `bench_fieldwork` on --pg-url's server (trust auth), dropped afterwards;
ANALYZE after the bulk load (autovacuum would do the same on a live server). SQLite: a temp file.
Goals: conversion and weekly summary under 1 s for the province; one sync request under 2 s.
"""
import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _databases import drop_database, fresh_database, make_app  # noqa: E402

CONFERENCES = 100_000
ACTIVITIES = 1_000_000
FIRST_DAY, LAST_DAY = date(2024, 1, 1), date(2025, 12, 31)
SYNC_BATCH = 500
PASSWORD = "demo123"
GOALS_MS = {"conversion": 1000.0, "weekly summary": 1000.0, "sync": 2000.0}
FORMATS = ("propaganda", "policy_dialogue", "customer", "small_group")
GROUPS = ("farmers", "traders", "unemployed_workers", "returned_workers", "students",
          "ethnic_minority_lost_cards", "employers", "other")
CHUNK = 50_000


# --- databases -----------------------------------------------------------------------------

# --- data ----------------------------------------------------------------------------------

def bulk_insert(engine, table, columns, rows):
    """Insert rows (tuples in columns' order): COPY on PostgreSQL, executemany in chunks on SQLite."""
    if engine.dialect.name == "postgresql":
        raw = engine.raw_connection()
        try:
            with raw.cursor() as cur:
                with cur.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
        return
    batch = []
    with engine.begin() as conn:
        for row in rows:
            batch.append(dict(zip(columns, row)))
            if len(batch) >= CHUNK:
                conn.execute(table.insert(), batch)
                batch = []
        if batch:
            conn.execute(table.insert(), batch)


def build(app):
    """The demo province, the bench agents and the field work; returns what the timings need."""
    from sqlalchemy import func, select, text

    from planner.auth.security import hash_password
    from planner.db import new_session
    from planner.models import Activity, Commune, Conference, District, Target, User, UserCommune
    from planner.services.demo import build_demo

    rng = random.Random(20241101)
    session = new_session(app)
    build_demo(session=session, password=PASSWORD)
    engine = app.extensions["planner.engine"]
    districts = session.execute(select(District).order_by(District.code)).scalars().all()
    communes_of = {d.id: session.execute(select(Commune.id).where(Commune.district_id == d.id)
                                         .order_by(Commune.code)).scalars().all() for d in districts}
    all_communes = [c for ids in communes_of.values() for c in ids]
    now = datetime.now(timezone.utc)
    shared_hash = hash_password(PASSWORD)

    # ~200 agents, 5-10 per district, each serving 2-5 communes of it (fewer where the district is small)
    wanted = []
    for d in districts:
        for n in range(rng.randint(5, 10)):
            wanted.append((f"bench-agent-{d.code}-{n:02d}", d))
    user_cols = ("username", "full_name", "password_hash", "role", "district_id", "active", "created_at")
    bulk_insert(engine, User.__table__, user_cols,
                ((name, f"Nhân viên thu {name[-6:]}", shared_hash, "agent", d.id, True, now) for name, d in wanted))
    ids = dict(session.execute(select(User.username, User.id).where(User.username.like("bench-agent-%"))).all())
    serves, links = {}, []
    for name, d in wanted:
        pool = communes_of[d.id]
        mine = rng.sample(pool, min(len(pool), rng.randint(2, 5)))
        serves[ids[name]] = mine
        links += [(ids[name], c) for c in mine]
    bulk_insert(engine, UserCommune.__table__, ("user_id", "commune_id"), links)
    target_cols = ("metric", "level", "unit_id", "year", "value", "people", "status", "allocation_rule",
                   "revision", "version", "updated_by", "updated_at")
    bulk_insert(engine, Target.__table__, target_cols,
                (("new_participants", "agent", agent_id, year, float(rng.randint(300, 900)), None, "assigned", "",
                  1, 1, "bench", now) for agent_id in serves for year in (2024, 2025)))

    days = (LAST_DAY - FIRST_DAY).days + 1
    review = ("approved", "", "bench", now, None, now, now)
    review_cols = ("status", "review_reason", "reviewed_by", "reviewed_at", "created_by_id", "created_at", "updated_at")

    def conferences():
        for n in range(CONFERENCES):
            attendees = rng.randint(15, 150)
            groups = ",".join(rng.sample(GROUPS, rng.randint(1, 2)))
            yield (f"bench-conf-{n:07d}", rng.choice(all_communes), FIRST_DAY + timedelta(days=rng.randrange(days)),
                   rng.choice(FORMATS), groups, attendees, rng.randint(0, attendees // 10), rng.randint(0, 3),
                   rng.randint(0, 50) * 100_000, "", "", "", "", 0, 0, 0, 0) + review

    bulk_insert(engine, Conference.__table__,
                ("device_id", "commune_id", "held_on", "format", "audience_groups", "attendees", "reg_voluntary_si",
                 "reg_household_hi", "cost_vnd", "hamlet", "chair", "speakers", "notes", "attendees_men",
                 "attendees_women", "attendees_ethnic_minority", "prospects") + review_cols,
                conferences())

    agents = list(serves.items())

    def activities():
        for n in range(ACTIVITIES):
            agent_id, mine = agents[rng.randrange(len(agents))]
            vsi, hhi = rng.choice((0, 0, 0, 1, 1, 2)), rng.choice((0, 0, 1, 1, 2, 3))
            amount = (vsi + hhi) * rng.randint(5, 20) * 100_000
            yield (f"bench-act-{n:08d}", agent_id, mine[rng.randrange(len(mine))],
                   FIRST_DAY + timedelta(days=rng.randrange(days)), rng.randint(0, 25), vsi, hhi, rng.randint(0, 3),
                   amount, 1 if amount else 0, amount, "") + review

    bulk_insert(engine, Activity.__table__,
                ("device_id", "agent_id", "commune_id", "done_on", "household_visits", "new_voluntary_si",
                 "new_household_hi", "renewed_household_hi", "amount_collected_vnd", "receipts_issued",
                 "receipts_amount_vnd", "notes") + review_cols,
                activities())
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
    counts = {m.__tablename__: session.execute(select(func.count()).select_from(m)).scalar()
              for m in (Conference, Activity, User)}
    # the district with the most bench agents, its head, and a sync agent serving several communes
    by_district = {}
    for name, d in wanted:
        by_district.setdefault(d.code, []).append(name)
    code = max(by_district, key=lambda c: len(by_district[c]))
    sync_agent = max(by_district[code], key=lambda name: len(serves[ids[name]]))
    session.close()
    return {"counts": counts, "agents": len(wanted), "district": code, "head": f"head-{code}",
            "sync_agent": sync_agent, "sync_communes": serves[ids[sync_agent]]}


# --- timing --------------------------------------------------------------------------------

def signed_in(app, username):
    client = app.test_client()
    resp = client.post("/auth/login", data={"username": username, "password": PASSWORD})
    assert resp.status_code == 302, (username, resp.status_code)
    return client


def median_ms(call, runs):
    call()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def get_ok(client, url):
    def call():
        resp = client.get(url)
        assert resp.status_code == 200, (url, resp.status_code, resp.get_data(as_text=True)[:300])
    return call


def activity_count(app):
    from sqlalchemy import func, select

    from planner.db import new_session
    from planner.models import Activity

    with new_session(app) as s:
        return s.execute(select(func.count(Activity.id))).scalar()


def time_sync(app, info, runs):
    """(new batch median ms, duplicate batch median ms): runs batches of SYNC_BATCH new entries,
    then each batch again; every entry accepted once, then duplicate, never a second row."""
    if "fieldwork_api.post_activities" not in {r.endpoint for r in app.url_map.iter_rules()}:
        raise SystemExit("POST /api/v1/activities is missing")
    client = signed_in(app, info["sync_agent"])
    rng = random.Random(7)
    batches = [[{"device_id": f"sync-{b}-{n:04d}", "commune_id": rng.choice(info["sync_communes"]),
                 "done_on": (date(2025, 12, 1) + timedelta(days=n % 31)).isoformat(),
                 "household_visits": rng.randint(1, 10), "new_voluntary_si": rng.randint(0, 2),
                 "new_household_hi": rng.randint(0, 2), "amount_collected_vnd": 500_000, "receipts_issued": 1,
                 "receipts_amount_vnd": 500_000, "notes": "Thu tại nhà, xóm 3"}
                for n in range(SYNC_BATCH)] for b in range(runs)]

    def post(batch, expected):
        start = time.perf_counter()
        resp = client.post("/api/v1/activities", json=batch)
        ms = (time.perf_counter() - start) * 1000
        assert resp.status_code == 200, resp.get_data(as_text=True)[:500]
        statuses = {r["status"] for r in resp.get_json()["results"]}
        assert statuses == {expected}, statuses
        return ms

    before = activity_count(app)
    new = [post(batch, "accepted") for batch in batches]
    after = activity_count(app)
    assert after == before + runs * SYNC_BATCH, (before, after)
    dup = [post(batch, "duplicate") for batch in batches]
    assert activity_count(app) == after, "a duplicate was stored"
    return statistics.median(new), statistics.median(dup)


def run(db, pg_url, runs):
    with tempfile.TemporaryDirectory() as tmp:
        url = fresh_database(db, pg_url, tmp, "bench_fieldwork")
        try:
            app = make_app(url, WTF_CSRF_ENABLED=False)
            start = time.perf_counter()
            info = build(app)
            print(f"[{db}] built in {time.perf_counter() - start:.0f} s: {info['counts']}, "
                  f"{info['agents']} bench agents; district {info['district']}", flush=True)
            leader, head = signed_in(app, "leader"), signed_in(app, info["head"])
            year = "from=2025-01-01&to=2025-12-31&days=30"
            week = "kind=week&day=2025-06-18"
            rows = [
                (db, "conversion, province, 2025", median_ms(get_ok(leader, f"/conversion?{year}"), runs), "conversion"),
                (db, f"conversion, district {info['district']}, 2025",
                 median_ms(get_ok(head, f"/conversion?{year}"), runs), None),
                (db, "weekly summary, province", median_ms(get_ok(leader, f"/agents/activity?{week}"), runs),
                 "weekly summary"),
                (db, f"weekly summary, district {info['district']}",
                 median_ms(get_ok(head, f"/agents/activity?{week}"), runs), None),
            ]
            new_ms, dup_ms = time_sync(app, info, runs)
            rows += [(db, f"sync POST {SYNC_BATCH} new entries", new_ms, "sync"),
                     (db, f"sync POST same {SYNC_BATCH} again (all duplicate)", dup_ms, "sync")]
            app.extensions["planner.engine"].dispose()
            return rows
        finally:
            drop_database(db, pg_url, "bench_fieldwork")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    dbs = ("sqlite", "postgresql") if args.db == "both" else (args.db,)
    rows = []
    for db in dbs:
        rows += run(db, args.pg_url, args.runs)
    print(f"\n{'db':<11} {'request':<46} {'median ms':>10}  goal")
    for db, name, ms, goal in rows:
        verdict = f"< {GOALS_MS[goal]:.0f} ms {'ok' if ms < GOALS_MS[goal] else 'MISSED'}" if goal else ""
        print(f"{db:<11} {name:<46} {ms:>10.1f}  {verdict}")


if __name__ == "__main__":
    main()
