"""Boundaries of a hierarchy version as GeoJSON, per level (commune, district) and zoom band.

Preparing the bands (coverage cleaning, one coverage simplification per band, district unions)
takes most of a second for 460 communes, so it is done once per boundary import and kept in the
process (coverage_map.GEOMETRY_CACHE). The serialised FeatureCollection of a user's scope is
kept too (GEOJSON_CACHE), with its ETag: a revalidation costs two small queries.
"""
from __future__ import annotations

import gzip
import hashlib
import json

from sqlalchemy import and_, select

from planner.models import Commune, CommuneBoundary, District
from planner.services.coverage_map import GEOMETRY_CACHE, LRUCache, boundary_stamp, database_key, scope_where

LEVELS = ("commune", "district")
# (tolerance in degrees for shapely.coverage_simplify, decimals kept) per zoom band:
# 0 the province (Leaflet zoom < 9), 1 a district (9-10), 2 detail (>= 11).
# Band 0 keeps 4 decimals: at 3 the pointwise rounding breaks ~17 shared borders of the
# real data (slivers of ~1 km), and 4 decimals cost only ~7 KB gzip more.
BANDS = ((0.004, 4), (0.0012, 4), (0.0003, 5))

# Serialised collections per (database, version, stamp, level, band, units in scope).
GEOJSON_CACHE = LRUCache(64)


def prepared_bands(*, session, version_id):
    """[(communes, districts)] per band: GeoDataFrames indexed by commune id (with district_id)
    and by district id. None when the version has no boundaries."""
    stamp = boundary_stamp(session=session, version_id=version_id)
    key = (database_key(session), version_id, stamp, BANDS)
    cached = GEOMETRY_CACHE.get(key)
    if cached is not None:
        return cached["bands"]
    rows = session.execute(
        select(CommuneBoundary.commune_id, Commune.district_id, CommuneBoundary.geojson)
        .join(Commune, Commune.id == CommuneBoundary.commune_id)
        .where(Commune.version_id == version_id)
        .order_by(CommuneBoundary.commune_id)
    ).all()
    bands = _prepare(rows) if rows else None
    GEOMETRY_CACHE.put(key, {"bands": bands})
    return bands


def _prepare(rows):
    import geopandas as gpd
    import shapely

    from geo.shapes import prepare_bands

    geoms = shapely.from_geojson([r[2] for r in rows], on_invalid="ignore")
    gdf = gpd.GeoDataFrame({"district_id": [r[1] for r in rows]}, geometry=list(geoms),
                           index=[r[0] for r in rows], crs="EPSG:4326")
    gdf = gdf[gdf.geometry.notna()]
    if len(gdf) == 0:
        return None
    out = []
    for communes, districts in prepare_bands(gdf, BANDS, by="district_id"):
        out.append((communes, districts.set_index("district_id")))
    return out


def units_in_scope(*, session, user, version, level, district_id=None):
    """[(id, code, name, district_code, district_name)] of the level's units the user sees."""
    where = scope_where(session=session, user=user, version=version)
    if district_id is not None:
        where = and_(where, Commune.district_id == district_id)
    if level == "commune":
        stmt = (select(Commune.id, Commune.code, Commune.name, District.code, District.name)
                .join(District, District.id == Commune.district_id)
                .where(Commune.version_id == version.id, where)
                .order_by(District.code, Commune.code))
    else:
        visible = select(Commune.district_id).where(Commune.version_id == version.id, where)
        stmt = (select(District.id, District.code, District.name, District.code, District.name)
                .where(District.version_id == version.id, District.id.in_(visible))
                .order_by(District.code))
    return [tuple(r) for r in session.execute(stmt)]


def _feature(unit, geom, level, props=None):
    uid, code, name, dcode, dname = unit
    properties = {"code": code, "name": name}
    if level == "commune":
        properties.update(district_code=dcode, district=dname)
    if props:
        properties.update(props)
    import shapely
    return ('{"type":"Feature","id":' + json.dumps(code) + ',"properties":'
            + json.dumps(properties, ensure_ascii=False, separators=(",", ":"))
            + ',"geometry":' + shapely.to_geojson(geom) + "}")


def collection_bytes(units, frame, level, props_by_id=None):
    """A FeatureCollection (UTF-8 bytes) of the units that have a geometry in frame."""
    features = []
    index = frame.index
    geometry = frame.geometry
    for unit in units:
        if unit[0] not in index:
            continue
        geom = geometry.loc[unit[0]]
        if geom is None or geom.is_empty:
            continue
        features.append(_feature(unit, geom, level, (props_by_id or {}).get(unit[0])))
    return ('{"type":"FeatureCollection","features":[' + ",".join(features) + "]}").encode("utf-8")


def band_frame(bands, level, band):
    communes, districts = bands[band]
    return communes if level == "commune" else districts


def geometry(*, session, user, version, level, band):
    """{"etag", "body", "gzip"} of a level's band for the user's scope; cached per stamp."""
    if level not in LEVELS or not 0 <= band < len(BANDS):
        raise ValueError("unknown level or band")
    units = units_in_scope(session=session, user=user, version=version, level=level)
    stamp = boundary_stamp(session=session, version_id=version.id)
    digest = hashlib.sha1(repr((database_key(session), version.id, stamp, level, band, BANDS, units))
                          .encode("utf-8")).hexdigest()[:32]
    etag = f"g{version.id}-{level}-{band}-{digest}"
    cached = GEOJSON_CACHE.get(etag)
    if cached is not None:
        return cached
    bands = prepared_bands(session=session, version_id=version.id)
    if bands is None:
        body = b'{"type":"FeatureCollection","features":[]}'
    else:
        body = collection_bytes(units, band_frame(bands, level, band), level)
    return GEOJSON_CACHE.put(etag, {"etag": etag, "body": body,
                                    "gzip": gzip.compress(body, compresslevel=6, mtime=0)})
