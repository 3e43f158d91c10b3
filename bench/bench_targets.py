"""Progress and the ranked gap list: server time per request for Nghệ An's 460 communes and for a
generated country of 10,600 communes with five years of monthly coverage, on SQLite and PostgreSQL.

    .venv/bin/python bench/bench_targets.py                       # both datasets, both databases
    .venv/bin/python bench/bench_targets.py --db sqlite --dataset province --runs 5

Datasets (each in a fresh database, migrated with Alembic):
  province  planner.services.demo.build_demo (21 districts, 460 communes, 2024-01..2025-10) and a
            2025 plan: HI 95 %, SI 26.5 % at province level, allocated to districts and communes
            with targets.propose / targets.apply_allocation (the services, audited).
  country   one Province "Việt Nam (sinh)" with 700 districts and 10,600 communes, denominators for
            2021-2025 and coverage records for every month 2021-01..2025-10 (614,800 rows) loaded in
            bulk (SQLAlchemy Core executemany; COPY on PostgreSQL: no audit events, fine for a bench),
            and the same 2025 plan: province targets with targets.set_target, districts with
            propose/apply_allocation, communes split by allocation.allocate("population") and
            inserted in bulk.
Requests go through app.test_client() signed in as the leader and as a district head; each figure
is the median of --runs warm runs after one warm-up. PostgreSQL: a database `bench_targets` on
--pg-url's server (trust auth), dropped afterwards; ANALYZE runs after each build (autovacuum
would do the same on a live server). SQLite: a temporary file.
Goals: under 200 ms for the province and under 2 s for the country.
"""
import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _databases import drop_database, fresh_database, make_app  # noqa: E402

GOALS_MS = {"province": 200.0, "country": 2000.0}
YEAR = 2025
PLAN = {"hi_coverage": (95.0, "uplift"), "si_coverage": (26.5, "population")}
COUNTRY_DISTRICTS = 700
COUNTRY_COMMUNES = 10_600
COUNTRY_FIRST_MONTH = date(2021, 1, 1)
COUNTRY_LAST_MONTH = date(2025, 10, 1)


# --- databases -----------------------------------------------------------------------------

def month_range(first, last):
    d = first
    while d <= last:
        yield d
        d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)


# --- the plan ------------------------------------------------------------------------------

def plan_province_and_districts(session, leader, version):
    """Province targets (set_target) and district targets (propose + apply_allocation)."""
    from sqlalchemy import select

    from planner.models import Province
    from planner.services import targets

    province = session.execute(select(Province).where(Province.version_id == version.id)).scalars().one()
    made = {}
    for metric, (rate, rule) in PLAN.items():
        parent = targets.set_target(session=session, user=leader, metric=metric, level="province",
                                    unit_id=province.id, year=YEAR, value=rate, status="assigned")
        _level, rows = targets.propose(session=session, parent=parent, rule=rule)
        children = targets.apply_allocation(session=session, user=leader, parent=parent, rule=rule,
                                            people_by_unit={r["unit"].id: r["proposed_people"] for r in rows})
        made[metric] = (parent, children)
    return made


def plan_communes_by_service(session, leader, made):
    from planner.services import targets

    for metric, (_parent, districts) in made.items():
        rule = PLAN[metric][1]
        for d in districts:
            _level, rows = targets.propose(session=session, parent=d, rule=rule)
            targets.apply_allocation(session=session, user=leader, parent=d, rule=rule,
                                     people_by_unit={r["unit"].id: r["proposed_people"] for r in rows})


def plan_communes_in_bulk(session, version, made):
    """10,600 commune targets per metric: allocation.allocate per district, one bulk insert."""
    from sqlalchemy import func, insert, select

    from planner.models import Commune, Denominator, Target
    from planner.models.areas import utcnow
    from planner.services import allocation

    by_district = {}
    denominators = {}
    for cid, did, pop, labour in session.execute(
        select(Commune.id, Commune.district_id, Denominator.population, Denominator.labour_force)
        .join(Denominator, Denominator.commune_id == Commune.id)
        .where(Commune.version_id == version.id, Denominator.year == YEAR).order_by(Commune.code)
    ):
        by_district.setdefault(did, []).append(cid)
        denominators[cid] = (pop, labour)
    now = utcnow()
    for metric, (_parent, districts) in made.items():
        column = 0 if metric == "hi_coverage" else 1
        rows = []
        for d in districts:
            ids = by_district.get(d.unit_id, [])
            children = [allocation.Child(key=c, denominator=denominators[c][column]) for c in ids]
            for c, people in zip(ids, allocation.allocate("population", d.people or 0, children)):
                denominator = denominators[c][column]
                rows.append({"metric": metric, "level": "commune", "unit_id": c, "year": YEAR,
                             "value": people / denominator * 100 if denominator else 0.0, "people": people,
                             "denominator": denominator, "status": "assigned", "parent_id": d.id,
                             "allocation_rule": "population", "revision": 1, "version": 1,
                             "updated_by": "bench", "updated_at": now})
        session.execute(insert(Target.__table__), rows)
    session.commit()
    return session.execute(select(func.count(Target.id))).scalar()


# --- datasets ------------------------------------------------------------------------------

def build_province(app):
    from sqlalchemy import select, text

    from planner import audit
    from planner.db import new_session
    from planner.models import User
    from planner.services import registry
    from planner.services.demo import build_demo

    with app.app_context(), audit.acting_as(None, "bench"), new_session(app) as session:
        build_demo(session=session)
        version = registry.current_version(session=session)
        leader = session.execute(select(User).where(User.username == "leader")).scalars().one()
        made = plan_province_and_districts(session, leader, version)
        plan_communes_by_service(session, leader, made)
        if session.bind.dialect.name == "postgresql":
            session.execute(text("ANALYZE"))
            session.commit()
    return {"leader": "leader", "head": "head-412"}


def build_country(app, seed=7):
    from sqlalchemy import insert, select, text

    from planner import audit
    from planner.auth.security import hash_password
    from planner.db import new_session
    from planner.models import (
        ClassificationMembership, ClassificationScheme, Commune, CoverageRecord, Denominator, District,
        HierarchyVersion, Province, User,
    )

    rng = random.Random(seed)
    engine = app.extensions["planner.engine"]
    postgres = engine.dialect.name == "postgresql"
    with app.app_context(), audit.acting_as(None, "bench"), new_session(app) as session:
        version = HierarchyVersion(name="Việt Nam (sinh) 2021–2025", valid_from=date(2021, 1, 1), is_current=True)
        session.add(version)
        session.flush()
        province = Province(version_id=version.id, code="99", name="Việt Nam (sinh)")
        session.add(province)
        session.commit()
        session.execute(insert(District.__table__), [
            {"version_id": version.id, "province_id": province.id, "code": f"{i:03d}",
             "name": f"Huyện {i:03d} (sinh)", "kind": "rural_district"} for i in range(1, COUNTRY_DISTRICTS + 1)])
        district_ids = dict(session.execute(select(District.code, District.id)
                                            .where(District.version_id == version.id)).all())
        communes = []
        per, extra = divmod(COUNTRY_COMMUNES, COUNTRY_DISTRICTS)
        k = 0
        for i in range(1, COUNTRY_DISTRICTS + 1):
            for _ in range(per + (1 if i <= extra else 0)):
                k += 1
                kind = rng.choice(["commune"] * 7 + ["ward"] * 2 + ["township"])
                communes.append({"version_id": version.id, "district_id": district_ids[f"{i:03d}"],
                                 "code": f"{k:05d}", "name": f"Xã {k:05d} (sinh)", "kind": kind,
                                 "lost_state_hi_people": 0})
        session.execute(insert(Commune.__table__), communes)
        commune_ids = [cid for (cid,) in session.execute(select(Commune.id).where(Commune.version_id == version.id)
                                                         .order_by(Commune.code))]
        scheme = ClassificationScheme(code="region_861", name="Khu vực I/II/III", legal_basis="Quyết định 861/QĐ-TTg",
                                      valid_from=date(2021, 1, 1), valid_to=date(2025, 12, 31))
        session.add(scheme)
        session.flush()
        session.execute(insert(ClassificationMembership.__table__), [
            {"scheme_id": scheme.id, "commune_id": c, "category": rng.choice(["I", "II", "III"]),
             "valid_from": date(2021, 1, 1), "valid_to": date(2025, 12, 31)}
            for c in commune_ids if rng.random() < 0.3])

        denominators, coverage = [], []
        months = list(month_range(COUNTRY_FIRST_MONTH, COUNTRY_LAST_MONTH))
        for c in commune_ids:
            pop0 = rng.randint(1500, 30000)
            labour_share = rng.uniform(0.48, 0.57)
            for y in range(2021, 2026):
                pop = round(pop0 * 1.006 ** (y - 2021))
                denominators.append({"commune_id": c, "year": y, "population": pop,
                                     "labour_force": round(pop * labour_share), "source": "bench"})
            hi0, hi_gain = rng.uniform(0.80, 0.95), rng.uniform(0.0005, 0.0012)
            si0, si_gain = rng.uniform(0.08, 0.40), rng.uniform(0.0004, 0.0015)
            for n, m in enumerate(months):
                pop = pop0 * 1.006 ** (m.year - 2021)
                hi = min(round(pop), round(pop * min(0.995, hi0 + hi_gain * n + rng.uniform(-0.002, 0.002))))
                si = round(pop * labour_share * (si0 + si_gain * n))
                compulsory = round(si * 0.6)
                coverage.append((c, m, hi, compulsory, si - compulsory, round(compulsory * 0.86), "bench"))
        session.execute(insert(Denominator.__table__), denominators)
        session.commit()
        columns = ("commune_id", "period", "hi_participants", "si_compulsory", "si_voluntary",
                   "ui_participants", "source")
        if postgres:
            raw = engine.raw_connection()
            try:
                with raw.cursor() as cur, cur.copy(
                        f"COPY coverage_record ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in coverage:
                        copy.write_row(row)
                raw.commit()
            finally:
                raw.close()
        else:
            for start in range(0, len(coverage), 50_000):
                session.execute(insert(CoverageRecord.__table__),
                                [dict(zip(columns, row)) for row in coverage[start:start + 50_000]])
            session.commit()

        hashed = hash_password("bench12345")
        leader = User(username="leader", full_name="Lãnh đạo (sinh)", role="leader", password_hash=hashed)
        head = User(username="head-001", full_name="Giám đốc huyện 001", role="district_head",
                    district_id=district_ids["001"], password_hash=hashed)
        session.add_all([leader, head])
        session.commit()
        if postgres:
            session.execute(text("ANALYZE"))
            session.commit()
        made = plan_province_and_districts(session, leader, version)
        plan_communes_in_bulk(session, version, made)
        if postgres:
            session.execute(text("ANALYZE target"))
            session.commit()
    return {"leader": "leader", "head": "head-001"}


# --- measuring -----------------------------------------------------------------------------

REQUESTS = [
    ("leader", "GET /progress?level=commune", f"/progress?metric=hi_coverage&level=commune&year={YEAR}"),
    ("leader", "GET /targets/ranking", f"/targets/ranking?metric=hi_coverage&year={YEAR}"),
    ("leader", "GET /api/v1/progress level=commune", f"/api/v1/progress?metric=hi_coverage&level=commune&period={YEAR}"),
    ("leader", "GET /api/v1/progress level=district", f"/api/v1/progress?metric=hi_coverage&level=district&period={YEAR}"),
    ("head", "GET /progress?level=commune", f"/progress?metric=hi_coverage&level=commune&year={YEAR}"),
    ("head", "GET /targets/ranking", f"/targets/ranking?metric=hi_coverage&year={YEAR}"),
    ("head", "GET /api/v1/progress level=commune", f"/api/v1/progress?metric=hi_coverage&level=commune&period={YEAR}"),
]


def median_ms(fn, runs):
    fn()  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(app, users, runs):
    from sqlalchemy import select

    from planner.db import new_session
    from planner.models import User
    from planner.services import progress, registry

    with app.app_context(), new_session(app) as session:
        ids = {role: session.execute(select(User.id).where(User.username == name)).scalar_one()
               for role, name in users.items()}
    clients = {}
    for role, user_id in ids.items():
        client = app.test_client()
        with client.session_transaction() as s:
            s["user_id"] = user_id
        clients[role] = client
    results = []
    for role, label, url in REQUESTS:
        def call(client=clients[role], url=url):
            resp = client.get(url)
            assert resp.status_code == 200, (url, resp.status_code, resp.get_data(as_text=True)[:300])
            return resp
        rows = None
        if "/api/" in url:
            rows = len(call().get_json()["rows"])
        results.append((role, label, median_ms(call, runs), rows))
    # The services alone (no template, no JSON): where the request's time goes.
    with app.app_context(), new_session(app) as session:
        leader = session.get(User, ids["leader"])
        version = registry.current_version(session=session)
        for label, fn in (
            ("service progress.progress(commune)",
             lambda: progress.progress(session=session, user=leader, version=version, metric_code="hi_coverage",
                                       level="commune", year=YEAR)),
            ("service progress.ranking",
             lambda: progress.ranking(session=session, user=leader, version=version, metric_code="hi_coverage",
                                      year=YEAR)),
        ):
            results.append(("leader", label, median_ms(fn, runs), len(fn()["rows"])))
    return results


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--dataset", choices=["province", "country", "both"], default="both")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="A database on the server to connect to while creating bench_targets.")
    args = parser.parse_args(argv)
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    datasets = ["province", "country"] if args.dataset == "both" else [args.dataset]
    table = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        for db in dbs:
            for dataset in datasets:
                url = fresh_database(db, args.pg_url, tmpdir, f"bench_targets_{dataset}")
                try:
                    app = make_app(url)
                    start = time.perf_counter()
                    users = build_province(app) if dataset == "province" else build_country(app)
                    print(f"[{db} {dataset}] built in {time.perf_counter() - start:.1f} s", flush=True)
                    for role, label, ms, rows in measure(app, users, args.runs):
                        table[(dataset, db, role, label)] = (ms, rows)
                        print(f"  {role:6} {label:40} {ms:9.1f} ms" + (f"  ({rows} rows)" if rows else ""),
                              flush=True)
                    app.extensions["planner.engine"].dispose()
                finally:
                    drop_database(db, args.pg_url, f"bench_targets_{dataset}")
    print()
    print(f"{'dataset':9} {'db':10} {'user':6} {'request':40} {'median ms':>10} {'goal':>6}  {'x 460->10,600':>13}")
    for (dataset, db, role, label), (ms, _rows) in table.items():
        goal = GOALS_MS[dataset]
        growth = ""
        if dataset == "country" and ("province", db, role, label) in table:
            growth = f"{ms / table[('province', db, role, label)][0]:.1f}x"
        print(f"{dataset:9} {db:10} {role:6} {label:40} {ms:10.1f} {'ok' if ms < goal else 'MISS':>6}  {growth:>13}")


if __name__ == "__main__":
    main()
