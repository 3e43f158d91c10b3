"""Shared pieces of the map tests: boundaries for the small province, empty caches."""
import json
from datetime import date

import pytest
from shapely.geometry import box, mapping

from planner.models import Activity, CommuneBoundary, Conference
from planner.services import coverage_map, map_geometry

# Four communes side by side: 412 (16663, 16666) and 417 (16738, 16741) share borders.
BOXES = {
    "16663": box(105.60, 18.60, 105.70, 18.70),
    "16666": box(105.70, 18.60, 105.80, 18.70),
    "16738": box(105.80, 18.60, 105.90, 18.70),
    "16741": box(105.90, 18.60, 106.00, 18.70),
}


@pytest.fixture(autouse=True)
def empty_caches():
    for cache in (coverage_map.GEOMETRY_CACHE, coverage_map.RENDERED_CACHE, map_geometry.GEOJSON_CACHE):
        cache.clear()
    yield
    for cache in (coverage_map.GEOMETRY_CACHE, coverage_map.RENDERED_CACHE, map_geometry.GEOJSON_CACHE):
        cache.clear()


def add_boundaries(session, world, boxes=BOXES):
    for code, geom in boxes.items():
        session.add(CommuneBoundary(commune_id=world["communes"][code].id,
                                    geojson=json.dumps(mapping(geom)), source="test"))
    session.commit()


@pytest.fixture
def mapped(session, world):
    add_boundaries(session, world)
    return world


def add_conference(session, world, code, day, status="approved", n=[0], **extra):
    n[0] += 1
    conf = Conference(device_id=f"conf-{n[0]}-{code}-{day}", commune_id=world["communes"][code].id, held_on=day,
                      format=extra.pop("format", "propaganda"), status=status, **extra)
    session.add(conf)
    return conf


def add_activity(session, world, code, day, new_si, new_hi, status="approved", n=[0]):
    n[0] += 1
    session.add(Activity(device_id=f"act-{n[0]}-{code}-{day}", agent_id=world["users"]["agent"].id,
                         commune_id=world["communes"][code].id, done_on=day, new_voluntary_si=new_si,
                         new_household_hi=new_hi, status=status))


@pytest.fixture
def fieldwork(session, world):
    """Conferences and activities of the small province around December 2024."""
    c = add_conference
    c(session, world, "16663", date(2024, 12, 10), hamlet="Xóm 1", attendees=40)
    c(session, world, "16663", date(2024, 3, 5), hamlet="Xóm 2", attendees=25, format="customer")
    c(session, world, "16663", date(2023, 12, 1), hamlet="Xóm 3", attendees=30)    # older than 12 months
    c(session, world, "16663", date(2025, 1, 2), hamlet="Xóm 4", attendees=10)     # after the period
    c(session, world, "16666", date(2024, 11, 20), status="submitted")             # not approved
    c(session, world, "16666", date(2024, 6, 30), hamlet="Khối 5", attendees=60)
    c(session, world, "16738", date(2024, 12, 31), status="returned")              # not approved
    c(session, world, "16738", date(2022, 12, 31), hamlet="Bản Xốp", attendees=80)  # long ago
    a = add_activity
    a(session, world, "16663", date(2024, 12, 3), 2, 5)
    a(session, world, "16663", date(2024, 12, 20), 1, 0)
    a(session, world, "16663", date(2024, 11, 30), 9, 9)       # other month
    a(session, world, "16666", date(2024, 12, 15), 4, 4, status="submitted")
    a(session, world, "16738", date(2024, 12, 1), 0, 3)
    session.commit()
    return world
