"""Figures and geometry for the HI coverage map, limited to the user's scope.

SQL does the aggregation; what leaves here are plain frames (lists of dicts, GeoDataFrames).
Preparing 460 boundaries for the web (coverage simplification, district outlines) takes
most of a second, so the result is cached in the process, keyed by what it was built from:
a new import changes the key, and several app processes never need to agree on anything.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import and_, func, select

from planner.models import (
    AuditEvent, Commune, CommuneBoundary, CoverageRecord, Denominator, District,
)
from planner.services import registry, scope
from planner.services.indicators import hi_coverage

DEMO_MARKER = "minh họa"


class LRUCache:
    """A small thread-safe least-recently-used cache (one per process)."""

    def __init__(self, maxsize):
        self.maxsize = maxsize
        self._data = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            if key not in self._data:
                return None
            self._data.move_to_end(key)
            return self._data[key]

    def put(self, key, value):
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self.maxsize:
                self._data.popitem(last=False)
        return value

    def clear(self):
        with self._lock:
            self._data.clear()

    def __len__(self):
        return len(self._data)


# Prepared geometry per (version, boundary stamp, tolerance, decimals): a few versions at most.
GEOMETRY_CACHE = LRUCache(4)
# Rendered map pieces per (version, data stamp, locale, scope): one per district head etc.
RENDERED_CACHE = LRUCache(64)


def scope_key(user):
    """What decides which communes a user sees: the same key means the same map."""
    if scope.is_province_wide(user):
        return "province"
    if user.role == "district_head":
        return f"district:{user.district_id}"
    return f"{user.role}:{user.id}"


def boundary_stamp(*, session, version_id):
    """(count, latest import time) of the version's boundaries: changes with every import."""
    count, latest = session.execute(
        select(func.count(CommuneBoundary.commune_id), func.max(CommuneBoundary.imported_at))
        .join(Commune, Commune.id == CommuneBoundary.commune_id)
        .where(Commune.version_id == version_id)
    ).one()
    return count, latest.isoformat() if latest is not None else None


def data_stamp(*, session, version_id):
    """A tuple that changes whenever anything the map shows may have changed.

    The audit trail catches every ORM change (and scope changes of users); the id maxima and
    counts catch bulk inserts and cascading deletes that bypass it. One round trip.
    """
    def scalar(expr):
        return expr.scalar_subquery()

    row = session.execute(select(
        scalar(select(func.max(AuditEvent.id))),
        scalar(select(func.max(CoverageRecord.id))),
        scalar(select(func.count(CoverageRecord.id))),
        scalar(select(func.max(Denominator.id))),
        scalar(select(func.count(Denominator.id))),
        scalar(select(func.count(Commune.id)).where(Commune.version_id == version_id)),
        scalar(select(func.count(CommuneBoundary.commune_id))),
        scalar(select(func.max(CommuneBoundary.imported_at))),
    )).one()
    return tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in row)


def commune_figures(*, session, user, version):
    """Latest month's HI participants, population and coverage of each commune in scope.

    Returns {"period", "year", "is_demo", "rows"}; rows are dicts with commune_id, code, name,
    district_id, district_code, district, hi, population, rate (None when a figure is missing).
    Population comes from the period's year, or the latest earlier year with figures.
    """
    period = registry.latest_period(session=session, version_id=version.id)
    year = registry.latest_denominator_year(session=session, version_id=version.id,
                                            up_to=period.year if period else None)
    in_scope = and_(Commune.version_id == version.id, scope.commune_filter(user))
    cov = (
        select(CoverageRecord.commune_id, CoverageRecord.hi_participants, CoverageRecord.source)
        .where(CoverageRecord.period == period)
        .subquery()
    )
    den = (
        select(Denominator.commune_id, Denominator.population)
        .where(Denominator.year == year)
        .subquery()
    )
    stmt = (
        select(Commune.id, Commune.code, Commune.name, District.id, District.code, District.name,
               cov.c.hi_participants, den.c.population, cov.c.source)
        .join(District, District.id == Commune.district_id)
        .outerjoin(cov, cov.c.commune_id == Commune.id)
        .outerjoin(den, den.c.commune_id == Commune.id)
        .where(in_scope)
        .order_by(District.code, Commune.code)
    )
    rows, demo = [], False
    for cid, code, name, did, dcode, dname, hi, pop, source in session.execute(stmt):
        demo = demo or (source is not None and DEMO_MARKER in source.lower())
        rows.append({
            "commune_id": cid, "code": code, "name": name, "district_id": did,
            "district_code": dcode, "district": dname, "hi": hi, "population": pop,
            "rate": hi_coverage(hi, pop),
        })
    return {"period": period, "year": year, "is_demo": demo, "rows": rows}


def lowest_coverage(rows, n=10):
    """The n communes furthest from the target: lowest coverage first, no-data rows left out."""
    ranked = [r for r in rows if r["rate"] is not None]
    ranked.sort(key=lambda r: (r["rate"], r["code"]))
    return ranked[:n]


def prepared_geometry(*, session, version_id, tolerance, ndigits):
    """The version's commune boundaries ready for the web, and district outlines from them.

    Returns (communes, outlines): communes is a GeoDataFrame indexed by commune id with
    district_id; outlines has district_id and line geometry. Both None when no boundaries.
    Computed once per boundary import, then served from the cache.
    """
    stamp = boundary_stamp(session=session, version_id=version_id)
    key = (_database(session), version_id, stamp, tolerance, ndigits)
    cached = GEOMETRY_CACHE.get(key)
    if cached is not None:
        return cached
    rows = session.execute(
        select(CommuneBoundary.commune_id, Commune.district_id, CommuneBoundary.geojson)
        .join(Commune, Commune.id == CommuneBoundary.commune_id)
        .where(Commune.version_id == version_id)
        .order_by(CommuneBoundary.commune_id)
    ).all()
    if not rows:
        return GEOMETRY_CACHE.put(key, (None, None))
    result = _prepare(rows, tolerance=tolerance, ndigits=ndigits)
    return GEOMETRY_CACHE.put(key, result)


def _database(session):
    """Which database a session reads: caches are per process, and a process may see several."""
    return session.get_bind().url.render_as_string(hide_password=True)


def _prepare(rows, *, tolerance, ndigits):
    import geopandas as gpd
    import shapely

    from geo.shapes import dissolve_outlines, prepare_for_web, round_coordinates

    ids = [r[0] for r in rows]
    geoms = shapely.from_geojson([r[2] for r in rows], on_invalid="ignore")
    gdf = gpd.GeoDataFrame({"district_id": [r[1] for r in rows]}, geometry=list(geoms),
                           index=ids, crs="EPSG:4326")
    gdf = gdf[gdf.geometry.notna()]
    communes = prepare_for_web(gdf, tolerance=tolerance, ndigits=ndigits)
    if len(communes) == 0:
        return None, None
    outlines = dissolve_outlines(communes, "district_id", as_lines=True)
    outlines = round_coordinates(outlines, ndigits)
    return communes, outlines
