"""Nghệ An across its reforms of 2020, 2024 and 2025 (issue 9): the cost of a time series summed
through three crosswalks, and the size of the 130-unit map beside the 460-unit one.

    .venv/bin/python bench/bench_reforms.py --geo ../shared/geo/nghe-an
    .venv/bin/python bench/bench_reforms.py --geo ../shared/geo/nghe-an \
        --database-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

Data (a fresh database per backend, migrated with Alembic; tests/maps/reforms_data.py): the four
hierarchy versions from the real files — 480 units (2019), 460 (2020-01-01..2024-11-30), 412
(2024-12-01..2025-06-30), 130 communes in 20 grassroots office areas (from 2025-07-01) — with
their boundaries and 2019 census, the three official crosswalks (and the chained links derived
from them), and synthetic monthly coverage 2019-01..2026-11 (95 months) on the version in force
each month: 12 months on the 480 units, 59 on the 460, 7 on the 412, 17 on the 130.

Series (hierarchy.province_series, HI participants; warm: one call first, then the median of
--runs calls):
  A  the 130-unit version over all 95 months: 2019 records through three crosswalks (hops 3),
     2020-2024 through two, 12/2024-06/2025 through one, the rest its own;
  B  the 130-unit version over the 59 months 2020-01..2024-11 (all through two crosswalks);
  C  the 460-unit version over the same 59 months (its own records): B's length within one version;
  D  the same 59 months as a plain GROUP BY on the 460 units' records (no crosswalk at all).
  Each month of A is checked against the province total of the version in force that month (so
  nothing is lost or counted twice).
Map (Flask test client as the leader, "Accept-Encoding: gzip", as bench_atlas.py): geometry of the
130-unit version (11/2026) and of the 460-unit version (06/2024) per band, communes and middle
level (office areas / districts), and values.json (HI coverage; the change 11/2026 vs 06/2024):
bytes on the wire (gzip) and raw, cold time (the map's caches emptied, in a warm process) and
warm time (median of --runs).

The database backend: SQLite always; PostgreSQL too when --database-url (or the environment's
PLANNER_TEST_DATABASE_URL) names a server to create the scratch database on.
"""
import argparse
import os
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

KEYS = ("480", "460", "412", "130")


def build(app, geo):
    from planner import audit
    from planner.db import new_session
    from tests.maps import reforms_data

    with app.app_context(), audit.acting_as(None, "bench"), new_session(app) as session:
        versions = reforms_data.build(session, geo, keys=KEYS, periods=reforms_data.ALL_MONTHS)
        reforms_data.add_users(session, versions, "x")
        ids = {key: v.id for key, v in versions.items()}
    engine = app.extensions["planner.engine"]
    if engine.dialect.name == "postgresql":
        from sqlalchemy import text
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return ids


def median_ms(fn, runs):
    fn()  # warm: caches, statement compilation, pages in memory
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure_series(app, ids, runs):
    from sqlalchemy import func, select

    from planner.db import new_session
    from planner.models import Commune, CoverageRecord, HierarchyVersion
    from planner.services import hierarchy
    from tests.maps.reforms_data import ALL_MONTHS, months

    hi = lambda: CoverageRecord.hi_participants  # noqa: E731
    span = months(date(2020, 1, 1), date(2024, 11, 1))
    out = {}
    with app.app_context(), new_session(app) as session:
        v130 = session.get(HierarchyVersion, ids["130"])
        v460 = session.get(HierarchyVersion, ids["460"])

        def plain():
            return dict(session.execute(
                select(CoverageRecord.period, func.sum(CoverageRecord.hi_participants))
                .join(Commune, Commune.id == CoverageRecord.commune_id)
                .where(Commune.version_id == v460.id, CoverageRecord.period.in_(span))
                .group_by(CoverageRecord.period)).all())

        cases = [
            ("A", "130 units, 2019-01..2026-11, through three crosswalks", len(ALL_MONTHS),
             lambda: hierarchy.province_series(session=session, version=v130, expression=hi, periods=ALL_MONTHS)),
            ("B", "130 units, 2020-01..2024-11, through two crosswalks", len(span),
             lambda: hierarchy.province_series(session=session, version=v130, expression=hi, periods=span)),
            ("C", "460 units, 2020-01..2024-11, own records", len(span),
             lambda: hierarchy.province_series(session=session, version=v460, expression=hi, periods=span)),
            ("D", "460 units, 2020-01..2024-11, plain GROUP BY", len(span), plain),
        ]
        for key, label, n, fn in cases:
            result = fn()
            out[key] = {"label": label, "months": n, "found": len(result), "ms": median_ms(fn, runs)}
        # Check A month by month against the province total in the version in force.
        series = cases[0][3]()
        in_force = dict(session.execute(
            select(CoverageRecord.period, func.sum(CoverageRecord.hi_participants))
            .group_by(CoverageRecord.period)).all())  # one version has records each month
        worst = max(abs(series[p] - in_force[p]) / in_force[p] for p in ALL_MONTHS)
        out["check"] = {"months": len(series), "worst_relative_difference": worst}
    return out


def measure_map(app, ids, runs):
    import gzip
    import json

    from bench_atlas import clear_caches, signed_in_client

    client = signed_in_client(app)
    gz = {"Accept-Encoding": "gzip"}
    rows = []

    def get(url):
        resp = client.get(url, headers=gz)
        assert resp.status_code == 200, (url, resp.status_code, resp.get_data()[:200])
        return resp

    def measure(label, url):
        clear_caches()
        start = time.perf_counter()
        resp = get(url)
        cold = (time.perf_counter() - start) * 1000
        body = resp.get_data()
        raw = gzip.decompress(body) if resp.headers.get("Content-Encoding") == "gzip" else body
        doc = json.loads(raw)
        units = len(doc.get("features", doc.get("values", [])))
        warm = median_ms(lambda: get(url), runs)
        rows.append({"label": label, "units": units, "gzip": len(body), "raw": len(raw), "cold_ms": cold,
                     "warm_ms": warm})

    # The process itself warm (mapclassify, locale data imported): "cold" below is only the
    # map's caches emptied, as after an import.
    get("/map/values.json?layer=gap")
    for key, period in (("130", "2026-11"), ("460", "2024-06")):
        for band in (0, 1, 2):
            measure(f"{key}: geometry communes band {band}", f"/map/geometry/{ids[key]}/commune/{band}.geojson")
        middle = "office areas" if key == "130" else "districts"
        measure(f"{key}: geometry {middle} band 0", f"/map/geometry/{ids[key]}/district/0.geojson")
        measure(f"{key}: values.json hi_coverage {period}", f"/map/values.json?layer=hi_coverage&period={period}")
    measure("130: values.json hi_change 2026-11 vs 2024-06",
            "/map/values.json?layer=hi_change&period=2026-11&base=2024-06")
    return rows


def report(results):
    lines = ["Series (hierarchy.province_series, HI participants; median of the warm runs)", "",
             "| db | series | months | months found | ms | ms per month |", "|---|---|---|---|---|---|"]
    for db, res in results.items():
        for key in "ABCD":
            s = res["series"][key]
            lines.append(f"| {db} | {key}: {s['label']} | {s['months']} | {s['found']} | {s['ms']:,.1f} | "
                         f"{s['ms'] / s['months']:.2f} |")
    lines.append("")
    for db, res in results.items():
        c = res["series"]["check"]
        lines.append(f"{db}: series A has {c['months']} months; largest difference from the province total of "
                     f"the version in force: {c['worst_relative_difference']:.2e} (relative)")
    lines += ["", "Map (leader, gzip)", "",
              "| db | request | units | gzip KB | raw KB | cold ms | warm ms |", "|---|---|---|---|---|---|---|"]
    for db, res in results.items():
        for m in res["map"]:
            lines.append(f"| {db} | {m['label']} | {m['units']} | {m['gzip'] / 1024:,.1f} | {m['raw'] / 1024:,.1f} | "
                         f"{m['cold_ms']:,.0f} | {m['warm_ms']:,.1f} |")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--geo", type=Path, required=True,
                        help="the folder with the nghe-an files (communes-*.geojson, crosswalk-*.csv)")
    parser.add_argument("--database-url", default=os.environ.get("PLANNER_TEST_DATABASE_URL"),
                        help="a PostgreSQL database to connect to while creating the scratch one "
                             "(default: PLANNER_TEST_DATABASE_URL); without it SQLite only")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default=None,
                        help="default: both when a PostgreSQL URL is known, else sqlite")
    parser.add_argument("--runs", type=int, default=5, help="warm runs to take the median of")
    args = parser.parse_args(argv)
    from tests.maps import reforms_data
    if not reforms_data.files_present(args.geo, KEYS):
        parser.error(f"{args.geo} lacks some of the communes-*.geojson and crosswalk-*.csv files")
    import logging
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    choice = args.db or ("both" if args.database_url else "sqlite")
    dbs = ["sqlite", "postgresql"] if choice == "both" else [choice]
    if "postgresql" in dbs and not args.database_url:
        parser.error("PostgreSQL needs --database-url (or PLANNER_TEST_DATABASE_URL)")
    results = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        for db in dbs:
            name = "bench_reforms"
            url = fresh_database(db, args.database_url, tmpdir, name)
            try:
                app = make_app(url)
                start = time.perf_counter()
                ids = build(app, args.geo)
                print(f"[{db}] built four versions and 95 months in {time.perf_counter() - start:.1f} s", flush=True)
                results[db] = {"series": measure_series(app, ids, args.runs)}
                print(f"[{db}] series measured", flush=True)
                results[db]["map"] = measure_map(app, ids, args.runs)
                print(f"[{db}] map measured", flush=True)
                app.extensions["planner.engine"].dispose()
            finally:
                drop_database(db, args.database_url, name)
    print()
    print(report(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
