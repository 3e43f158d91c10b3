"""The thematic map (issue 5): bytes to the browser and server time of the geometry and values
endpoints, for Nghệ An's 460 communes and for a generated country of 10,600 communes, on SQLite
and PostgreSQL.

    .venv/bin/python bench/bench_atlas.py --boundaries ../shared/geo/nghe-an/communes-2020-2024.geojson
    .venv/bin/python bench/bench_atlas.py --db sqlite --dataset country --runs 5 --boundaries ...

Datasets (each in a fresh database, migrated with Alembic):
  province  planner.services.demo.build_demo with the boundary file, and the 2019 hierarchy and
            crosswalk when communes-2019.geojson and crosswalk-2019-to-2020.csv sit next to it
            (as `planner demo --boundaries` does): 460 communes, 21 districts, 2019-01..2025-10.
  country   bench_targets.build_country (one province "Việt Nam (sinh)", 700 districts, 10,600
            communes, coverage 2021-01..2025-10, a 2025 plan) plus generated boundaries: a Voronoi
            tessellation of 10,600 random points in a 5 x 5.6 degree rectangle (about Viet Nam's
            331,000 km2, so communes are about as large as Nghệ An's), edges cut to 0.007 degree
            segments and bent by a smooth displacement field (neighbours keep identical borders;
            about 28 vertices per commune, like the real file's 26). Points are numbered along a
            Hilbert curve, so each district (15-16 consecutive codes) is one compact block.
Requests go through app.test_client() as the leader with "Accept-Encoding: gzip":
  geometry  GET /map/geometry/<version>/<level>/<band>.geojson: bytes on the wire (gzip) and raw,
            cold time (caches emptied: preparing the bands) and warm time (median of --runs);
            then the same URL with If-None-Match: status (304), body bytes and header bytes.
  values    GET /map/values.json for several layers at the latest period: bytes gzip / raw, cold
            (first request of the layer) and warm (median of --runs).
  older     for each hierarchy version besides the current one: its communes' geometry at band 0
            and values.json at its latest month with data (the units a period of its own draws).
  (bench/bench_reforms.py measures the four versions of 2019-2025 side by side.)
Goals (issue 5): geometry of the province map at commune level <= 100 KB gzip, values <= 20 KB,
revalidation near zero.
"""
import argparse
import gzip
import math
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _databases import drop_database, fresh_database, make_app  # noqa: E402

GOAL_GEOMETRY = 100 * 1024
GOAL_VALUES = 20 * 1024
LAYERS = ("hi_coverage", "si_coverage", "attainment", "gap", "region", "days_since_conference", "hi_change")
COUNTRY_BOX = (102.5, 10.0, 107.5, 15.6)  # lon/lat: 28 square degrees, about 331,000 km2
SEGMENT = 0.007          # degrees: longest straight piece of a generated border
BEND = ((0.0030, 0.060), (0.0010, 0.016))  # (amplitude, wavelength) in degrees of the displacement


# --- generated boundaries -----------------------------------------------------------------

def _hilbert_index(n, x, y):
    """Position of cell (x, y) on the Hilbert curve filling an n x n grid (n a power of two)."""
    d = 0
    s = n // 2
    while s > 0:
        rx = 1 if x & s else 0
        ry = 1 if y & s else 0
        d += s * s * ((3 * rx) ^ ry)
        if ry == 0:
            if rx == 1:
                x, y = n - 1 - x, n - 1 - y
            x, y = y, x
        s //= 2
    return d


def _bend(coords):
    """A smooth displacement of every coordinate (same point, same result): straight Voronoi
    edges become irregular borders, and shared borders stay shared. Its slope stays below 1,
    so the map is one-to-one and valid polygons stay valid."""
    import numpy as np

    x, y = coords[:, 0], coords[:, 1]
    dx = np.zeros_like(x)
    dy = np.zeros_like(y)
    for amplitude, wavelength in BEND:
        k = 2 * math.pi / wavelength
        dx += amplitude * np.sin(k * y + 0.7) * np.cos(0.6 * k * x)
        dy += amplitude * np.sin(k * x + 1.9) * np.cos(0.8 * k * y)
    return np.column_stack([x + dx, y + dy])


def country_polygons(n, seed=11):
    """n polygons tessellating COUNTRY_BOX, in Hilbert-curve order of their seed points."""
    import numpy as np
    import shapely
    from shapely.geometry import MultiPoint, box

    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = COUNTRY_BOX
    points = np.column_stack([rng.uniform(x0, x1, n), rng.uniform(y0, y1, n)])
    grid = 1024
    order = np.argsort([_hilbert_index(grid, int((px - x0) / (x1 - x0) * (grid - 1)),
                                       int((py - y0) / (y1 - y0) * (grid - 1))) for px, py in points])
    points = points[order]
    frame = box(x0, y0, x1, y1)
    cells = shapely.get_parts(shapely.voronoi_polygons(MultiPoint(points), extend_to=frame, ordered=True))
    cells = shapely.intersection(cells, frame)
    cells = shapely.segmentize(cells, SEGMENT)
    cells = shapely.transform(cells, _bend)
    cells = shapely.set_precision(cells, 1e-6)
    bad = int((~shapely.is_valid(cells)).sum())
    if bad:
        cells = np.array([c if c.is_valid else shapely.make_valid(c) for c in cells])
    return list(cells), bad


def add_country_boundaries(app):
    """Store the generated polygons as the country's commune boundaries (bulk insert)."""
    import shapely
    from sqlalchemy import insert, select

    from planner.db import new_session
    from planner.models import Commune, CommuneBoundary, HierarchyVersion
    from planner.models.areas import utcnow

    with app.app_context(), new_session(app) as session:
        version = session.execute(select(HierarchyVersion).where(HierarchyVersion.is_current)).scalars().one()
        ids = [cid for (cid,) in session.execute(select(Commune.id).where(Commune.version_id == version.id)
                                                 .order_by(Commune.code))]
        cells, repaired = country_polygons(len(ids))
        now = utcnow()
        vertices = int(shapely.get_num_coordinates(cells).sum())
        session.execute(insert(CommuneBoundary.__table__), [
            {"commune_id": cid, "geojson": shapely.to_geojson(cell), "source": "bench (Voronoi)", "imported_at": now}
            for cid, cell in zip(ids, cells)])
        session.commit()
    return {"communes": len(ids), "vertices": vertices, "repaired": repaired}


def add_country_conferences(app, seed=5):
    """Approved conferences in a third of the communes over 2025 (days-since-conference layer)."""
    from datetime import date

    from sqlalchemy import insert, select

    from planner.db import new_session
    from planner.models import Commune, Conference, User

    rng = random.Random(seed)
    with app.app_context(), new_session(app) as session:
        leader = session.execute(select(User.id).where(User.username == "leader")).scalar_one()
        ids = [cid for (cid,) in session.execute(select(Commune.id))]
        rows = []
        for n, cid in enumerate(c for c in ids if rng.random() < 0.33):
            rows.append({"device_id": f"bench-conf-{n:06d}", "commune_id": cid, "hamlet": "Xóm 1",
                         "held_on": date(2025, rng.randint(1, 10), rng.randint(1, 28)), "format": "propaganda",
                         "audience_groups": "farmers", "attendees": 40, "attendees_men": 20, "attendees_women": 20,
                         "status": "approved", "created_by_id": leader})
        session.execute(insert(Conference.__table__), rows)
        session.commit()
    return len(rows)


# --- datasets ------------------------------------------------------------------------------

def build_province(app, boundaries):
    from planner import audit
    from planner.db import new_session
    from planner.services import demo

    old, crosswalk = demo.sibling_history_files(boundaries)
    with app.app_context(), audit.acting_as(None, "bench"), new_session(app) as session:
        demo.build_demo(session=session, boundaries=str(boundaries), boundaries_2019=old, crosswalk=crosswalk)
    return {"with_2019": bool(old)}


def build_country(app):
    import bench_targets
    from sqlalchemy import text

    bench_targets.build_country(app)
    info = add_country_boundaries(app)
    info["conferences"] = add_country_conferences(app)
    engine = app.extensions["planner.engine"]
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return info


# --- measuring -----------------------------------------------------------------------------

def clear_caches():
    """Empty every process cache of the map modules (a cold start, or new boundaries)."""
    import importlib

    for name in ("planner.services.coverage_map", "planner.services.map_geometry", "planner.services.map_layers"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        for attr in dir(module):
            cache = getattr(module, attr)
            if attr.isupper() and "CACHE" in attr and hasattr(cache, "clear"):
                cache.clear()


def header_bytes(resp):
    """Bytes of the status line and headers as sent on HTTP/1.1."""
    lines = [f"HTTP/1.1 {resp.status}"] + [f"{k}: {v}" for k, v in resp.headers.items()]
    return sum(len(line.encode()) + 2 for line in lines) + 2


def timed(client, url, headers):
    start = time.perf_counter()
    resp = client.get(url, headers=headers)
    ms = (time.perf_counter() - start) * 1000
    return resp, ms


def wire_and_raw(resp):
    body = resp.get_data()
    raw = gzip.decompress(body) if resp.headers.get("Content-Encoding") == "gzip" else body
    return len(body), len(raw), raw


def signed_in_client(app, username="leader"):
    from sqlalchemy import select

    from planner.db import new_session
    from planner.models import User

    with app.app_context(), new_session(app) as session:
        user_id = session.execute(select(User.id).where(User.username == username)).scalar_one()
    client = app.test_client()
    with client.session_transaction() as s:
        s["user_id"] = user_id
    return client


def measure_url(client, url, runs, check=None):
    """Cold (caches emptied), then warm median of runs, then a revalidation with the ETag."""
    gz = {"Accept-Encoding": "gzip"}
    clear_caches()
    resp, cold = timed(client, url, gz)
    assert resp.status_code == 200, (url, resp.status_code, resp.get_data()[:300])
    wire, raw, body = wire_and_raw(resp)
    if check:
        check(body)
    times = []
    for _ in range(runs):
        r, ms = timed(client, url, gz)
        assert r.status_code == 200
        times.append(ms)
    result = {"url": url, "gzip": wire, "raw": raw, "cold_ms": cold, "warm_ms": statistics.median(times),
              "encoding": resp.headers.get("Content-Encoding", ""), "body": body}
    etag = resp.headers.get("ETag")
    if etag:
        r, ms = timed(client, url, {**gz, "If-None-Match": etag})
        result.update(reval_status=r.status_code, reval_body=len(r.get_data()), reval_headers=header_bytes(r),
                      reval_ms=ms)
    return result


def measure(app, runs, head):
    import json

    from sqlalchemy import func, select

    from planner.db import new_session
    from planner.models import Commune, HierarchyVersion
    from planner.services import registry

    leader = signed_in_client(app)
    with app.app_context(), new_session(app) as session:
        versions = session.execute(select(HierarchyVersion).order_by(HierarchyVersion.is_current.desc(),
                                                                      HierarchyVersion.valid_from.desc())).scalars().all()
        version, older = versions[0], versions[1:]
        communes = session.execute(select(func.count()).select_from(Commune)
                                   .where(Commune.version_id == version.id)).scalar()
    out = {"communes": communes, "geometry": {}, "values": {}}

    def geometry(key, client, version_id, level, band):
        url = f"/map/geometry/{version_id}/{level}/{band}.geojson"
        m = measure_url(client, url, runs)
        m["units"] = len(json.loads(m.pop("body"))["features"])
        out["geometry"][key] = m

    def values(key, client, query):
        url = f"/map/values.json?{query}"
        r = client.get(url)
        if r.status_code != 200:
            print(f"  {url}: {r.status_code} {r.get_data(as_text=True)[:200]}", flush=True)
            return
        m = measure_url(client, url, runs)
        body = json.loads(m.pop("body"))
        m["units"] = len(body.get("values", {}))
        out["values"][key] = m
        out.setdefault("period", body.get("period"))

    for level, band in (("commune", 0), ("commune", 1), ("commune", 2), ("district", 0)):
        geometry(f"geometry {level} band {band}", leader, version.id, level, band)
    for layer in LAYERS:
        values(f"values {layer} (commune)", leader, f"layer={layer}&level=commune")
    for layer in ("hi_coverage", "gap"):
        values(f"values {layer} (district)", leader, f"layer={layer}&level=district")
    for other in older:  # each older version's units, as a period of its own draws them
        with app.app_context(), new_session(app) as session:
            units = session.execute(select(func.count()).select_from(Commune)
                                    .where(Commune.version_id == other.id)).scalar()
            last = registry.latest_period(session=session, version_id=other.id)
        geometry(f"geometry commune band 0, {units} units of {other.valid_from:%m/%Y}", leader, other.id, "commune", 0)
        if last is not None:
            values(f"values hi_coverage (commune), period {last:%Y-%m}", leader,
                   f"layer=hi_coverage&level=commune&period={last:%Y-%m}")
    if head:
        client = signed_in_client(app, head)
        geometry(f"{head}: geometry commune band 1", client, version.id, "commune", 1)
        values(f"{head}: values hi_coverage (commune)", client, "layer=hi_coverage&level=commune")
    return out


# --- report --------------------------------------------------------------------------------

def kb(n):
    return f"{n / 1024:,.1f}"


def report(results):
    lines = []
    add = lines.append
    add("| dataset | db | request | units | gzip KB | raw KB | cold ms | warm ms | 304: body + headers (B) | "
        "x gzip | x warm |")
    add("|---|---|---|---|---|---|---|---|---|---|---|")
    for (dataset, db), res in results.items():
        base = results.get(("province", db)) if dataset == "country" else None
        for kind in ("geometry", "values"):
            for label, m in res[kind].items():
                reval = (f"{m['reval_status']}: {m['reval_body']} + {m['reval_headers']}"
                         if "reval_status" in m else "–")
                growth_bytes = growth_time = ""
                other = base[kind].get(label.replace("head-001", "head-412")) if base else None
                if other:
                    growth_bytes = f"{m['gzip'] / other['gzip']:.1f}x"
                    growth_time = f"{m['warm_ms'] / other['warm_ms']:.1f}x"
                add(f"| {dataset} | {db} | {label} | {m['units']:,} | {kb(m['gzip'])} | {kb(m['raw'])} | "
                    f"{m['cold_ms']:,.0f} | {m['warm_ms']:,.1f} | {reval} | {growth_bytes} | {growth_time} |")
    return "\n".join(lines)


def goals(results):
    lines = []
    for (dataset, db), res in results.items():
        if dataset != "province":
            continue
        g = res["geometry"].get("geometry commune band 0")
        v = [m["gzip"] for m in res["values"].values()]
        r = [m["reval_body"] + m["reval_headers"] for m in res["geometry"].values() if "reval_status" in m]
        if g:
            lines.append(f"{db}: province geometry (communes, band 0) {kb(g['gzip'])} KB gzip: "
                         f"{'met' if g['gzip'] <= GOAL_GEOMETRY else 'MISSED'} (<= 100 KB)")
        if v:
            lines.append(f"{db}: largest values.json {kb(max(v))} KB gzip: "
                         f"{'met' if max(v) <= GOAL_VALUES else 'MISSED'} (<= 20 KB)")
        if r:
            lines.append(f"{db}: largest revalidation {max(r)} bytes (body + headers)")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--boundaries", type=Path, help="the 460-commune boundary file (province dataset)")
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--dataset", choices=["province", "country", "both"], default="both")
    parser.add_argument("--runs", type=int, default=10, help="warm requests to take the median of")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres",
                        help="A database on the server to connect to while creating the bench databases.")
    parser.add_argument("--generate-only", action="store_true",
                        help="Only generate the country's boundaries and print their size (no database).")
    args = parser.parse_args(argv)
    import logging
    logging.getLogger("pyogrio").setLevel(logging.WARNING)
    if args.generate_only:
        start = time.perf_counter()
        cells, repaired = country_polygons(10_600)
        import shapely
        print(f"{len(cells)} polygons, {int(shapely.get_num_coordinates(cells).sum()):,} vertices, "
              f"{repaired} repaired, {time.perf_counter() - start:.1f} s")
        return 0
    dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
    datasets = ["province", "country"] if args.dataset == "both" else [args.dataset]
    if "province" in datasets and not args.boundaries:
        parser.error("--boundaries is needed for the province dataset")
    results = {}
    with tempfile.TemporaryDirectory() as tmpdir:
        for db in dbs:
            for dataset in datasets:
                name = f"bench_atlas_{dataset}"
                url = fresh_database(db, args.pg_url, tmpdir, name)
                try:
                    app = make_app(url)
                    start = time.perf_counter()
                    info = build_province(app, args.boundaries) if dataset == "province" else build_country(app)
                    print(f"[{db} {dataset}] built in {time.perf_counter() - start:.1f} s {info}", flush=True)
                    head = "head-412" if dataset == "province" else "head-001"
                    results[(dataset, db)] = measure(app, args.runs, head)
                    print(f"[{db} {dataset}] measured (period {results[(dataset, db)].get('period')})", flush=True)
                    app.extensions["planner.engine"].dispose()
                finally:
                    drop_database(db, args.pg_url, name)
    print()
    print(report(results))
    print()
    print(goals(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
