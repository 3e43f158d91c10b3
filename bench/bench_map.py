"""The 460-commune HI coverage map: bytes sent (gzip) and server time, beside a plain
folium.Choropleth on the unsimplified file.

    .venv/bin/python bench/bench_map.py --boundaries ../shared/geo/nghe-an/communes-2020-2024.geojson

Builds a throw-away SQLite demo database (planner demo + boundaries), signs a leader in on
the test client and measures:
  (a) our page /map/: gzip bytes of the HTML (geometry is inline: no second request), the
      cold time (first request: SQL, simplification, outlines, Folium render) and the warm
      time (median of 20 requests after one warm-up); plus the Leaflet files, which the
      browser fetches once and then keeps for a day;
  (b) folium.Choropleth on the unsimplified file with the same December values, as
      Folium's documentation would have it: its standalone HTML (gzip) and build time.
Goal: page + geometry at most 150 KB gzip, warm at most 100 ms.
"""
import argparse
import gzip
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOAL_BYTES = 150 * 1024
GOAL_MS = 100.0


def gz(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6))


def build_database(url, boundaries):
    from planner import audit, create_app, migrate
    from planner.db import new_session
    from planner.services.demo import build_demo

    migrate.upgrade(url)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "TESTING": True})
    with app.app_context(), audit.acting_as(None, "bench"), new_session(app) as session:
        build_demo(session=session, boundaries=str(boundaries))
    return app


def measure_page(app, runs):
    from sqlalchemy import select

    from planner.db import new_session
    from planner.models import User
    from planner.services import coverage_map

    with app.app_context(), new_session(app) as session:
        leader_id = session.execute(select(User.id).where(User.username == "leader")).scalar_one()
    client = app.test_client()
    with client.session_transaction() as s:
        s["user_id"] = leader_id
    headers = {"Accept-Encoding": "gzip"}

    coverage_map.GEOMETRY_CACHE.clear()
    coverage_map.RENDERED_CACHE.clear()
    t = time.perf_counter()
    resp = client.get("/map/", headers=headers)
    cold = (time.perf_counter() - t) * 1000
    assert resp.status_code == 200 and resp.headers.get("Content-Encoding") == "gzip", resp.status
    page_gzip = len(resp.get_data())
    page_raw = len(gzip.decompress(resp.get_data()))
    html = gzip.decompress(resp.get_data()).decode()
    features = html.count('"_cls":')

    # Rendered-map cache emptied, geometry cache kept: a new month's figures arriving.
    coverage_map.RENDERED_CACHE.clear()
    t = time.perf_counter()
    client.get("/map/", headers=headers)
    new_figures = (time.perf_counter() - t) * 1000

    client.get("/map/", headers=headers)  # warm-up
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        r = client.get("/map/", headers=headers)
        times.append((time.perf_counter() - t) * 1000)
        assert r.status_code == 200
    assets = {}
    for name in ("leaflet.js", "leaflet.css"):
        r = client.get(f"/vendor/leaflet/{name}")
        data = r.get_data()
        assets[name] = (len(data), gz(data))
        r.close()
    return {
        "page_gzip": page_gzip, "page_raw": page_raw, "features": features,
        "cold_ms": cold, "new_figures_ms": new_figures,
        "warm_ms": statistics.median(times), "warm_min_ms": min(times), "warm_max_ms": max(times),
        "assets": assets,
    }


def figures_by_code(app):
    """December's HI coverage per commune code, the same values our map shows."""
    from sqlalchemy import select

    from planner.db import new_session
    from planner.models import Commune, CoverageRecord, Denominator
    from planner.services import registry

    with app.app_context(), new_session(app) as session:
        version = registry.current_version(session=session)
        period = registry.latest_period(session=session, version_id=version.id)
        rows = session.execute(
            select(Commune.code, CoverageRecord.hi_participants, Denominator.population)
            .join(CoverageRecord, CoverageRecord.commune_id == Commune.id)
            .join(Denominator, Denominator.commune_id == Commune.id)
            .where(Commune.version_id == version.id, CoverageRecord.period == period,
                   Denominator.year == period.year)
        ).all()
    return {code: hi / pop for code, hi, pop in rows if pop}


def measure_plain_choropleth(boundaries, rates):
    import folium
    import geopandas as gpd
    import pandas as pd

    t = time.perf_counter()
    gdf = gpd.read_file(boundaries)
    values = pd.DataFrame({"ma_xa": list(rates), "rate": [v * 100 for v in rates.values()]})
    m = folium.Map(location=[19.2, 104.9], zoom_start=8)
    folium.Choropleth(
        geo_data=gdf, data=values, columns=["ma_xa", "rate"], key_on="feature.properties.ma_xa",
        fill_color="YlGn", nan_fill_color="#bdbdbd", legend_name="HI coverage (%)",
    ).add_to(m)
    html = m.get_root().render().encode()
    build = (time.perf_counter() - t) * 1000
    cdn = sorted({u for u in __import__("re").findall(r'(?:src|href)="(https?://[^"/]+)', html.decode())})
    return {"raw": len(html), "gzip": gz(html), "build_ms": build, "cdn_hosts": cdn}


def kb(n):
    return f"{n / 1024:,.1f} KB"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boundaries", required=True, type=Path, help="the 460-commune boundary file")
    parser.add_argument("--runs", type=int, default=20, help="warm requests to take the median of")
    args = parser.parse_args(argv)
    import logging
    logging.getLogger("pyogrio").setLevel(logging.WARNING)

    with tempfile.TemporaryDirectory() as tmp:
        url = "sqlite:///" + str(Path(tmp) / "bench.sqlite")
        t = time.perf_counter()
        app = build_database(url, args.boundaries)
        setup = time.perf_counter() - t
        ours = measure_page(app, args.runs)
        plain = measure_plain_choropleth(args.boundaries, figures_by_code(app))
        app.extensions["planner.engine"].dispose()

    print(f"HI coverage map, {ours['features']} communes (demo database built in {setup:.1f} s)\n")
    rows = [
        ("", "ours: /map/", "plain folium.Choropleth"),
        ("page + geometry, gzip", kb(ours["page_gzip"]), kb(plain["gzip"])),
        ("page + geometry, raw", kb(ours["page_raw"]), kb(plain["raw"])),
        ("server time, warm (median)", f"{ours['warm_ms']:.1f} ms", "–"),
        ("server time, cold", f"{ours['cold_ms']:.0f} ms", f"{plain['build_ms']:.0f} ms (build)"),
        ("new figures, geometry cached", f"{ours['new_figures_ms']:.0f} ms", "–"),
        ("external hosts linked", "0", str(len(plain["cdn_hosts"]))),
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(3)]
    for r in rows:
        print("  ".join(cell.ljust(w) for cell, w in zip(r, widths)))
    print("plain Choropleth links: " + (", ".join(plain["cdn_hosts"]) or "nothing external"))
    print(f"warm min/max over {args.runs}: {ours['warm_min_ms']:.1f} / {ours['warm_max_ms']:.1f} ms")
    for name, (raw, packed) in ours["assets"].items():
        print(f"{name}: {kb(raw)} raw, {kb(packed)} gzip (sent once, cached a day)")
    ok_bytes = ours["page_gzip"] <= GOAL_BYTES
    ok_time = ours["warm_ms"] <= GOAL_MS
    print(f"\ngoal <= {GOAL_BYTES // 1024} KB: {'met' if ok_bytes else 'MISSED'}; "
          f"goal <= {GOAL_MS:.0f} ms warm: {'met' if ok_time else 'MISSED'}")
    return 0 if ok_bytes and ok_time else 1


if __name__ == "__main__":
    sys.exit(main())
