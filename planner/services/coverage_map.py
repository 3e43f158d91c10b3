"""What the thematic map's caches are keyed by: data stamps, scope keys, and the user's scope in
any hierarchy version.

Preparing 460 boundaries for the web takes most of a second and a layer's values a few
queries, so results are cached in the process, keyed by what they were built from: a new
import or any change of figures changes the key, and several app processes never need to
agree on anything.
"""
from __future__ import annotations

import threading
from collections import OrderedDict

from sqlalchemy import func, or_, select, true

from planner.models import (
    Activity, AuditEvent, ClassificationMembership, Commune, CommuneBoundary, Conference, CoverageRecord,
    CrosswalkLink, Denominator, District, Target, UserCommune,
)
from planner.services import scope

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


# Prepared geometry per (database, version, boundary stamp, bands): the four versions of
# 2019-2025 side by side (a period draws the version in force then), with room for the next.
GEOMETRY_CACHE = LRUCache(6)
# A layer's values (and exports) per (data stamp, parameters, locale, scope).
RENDERED_CACHE = LRUCache(256)


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


def scope_where(*, session, user, version):
    """A SQL condition on Commune: the user's scope carried into any hierarchy version.

    Users are attached to the current version's units. In another version a district head sees
    the middle-level unit with the same code: the head of grassroots office "417" (July 2025 on)
    sees district "417" (Kỳ Sơn) of 2024 and of 2019, whose code the office area keeps. An agent
    sees the communes with their communes' codes or linked to them by the crosswalk in either
    direction; the derived links (hops >= 2) make that reach across several reforms in one step.
    """
    if scope.is_province_wide(user):
        return true()
    if user.role == "district_head" and user.district_id is not None:
        own = session.get(District, user.district_id)
        if own is None or own.version_id == version.id:
            return scope.commune_filter(user)
        same = select(District.id).where(District.version_id == version.id, District.code == own.code)
        return Commune.district_id.in_(same)
    if user.role == "agent":
        own_ids = select(UserCommune.commune_id).where(UserCommune.user_id == user.id)
        own_codes = select(Commune.code).where(Commune.id.in_(own_ids))
        linked = select(CrosswalkLink.from_commune_id).where(CrosswalkLink.to_commune_id.in_(own_ids))
        onward = select(CrosswalkLink.to_commune_id).where(CrosswalkLink.from_commune_id.in_(own_ids))
        return or_(Commune.id.in_(own_ids), Commune.code.in_(own_codes), Commune.id.in_(linked),
                   Commune.id.in_(onward))
    return scope.commune_filter(user)


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
        scalar(select(func.max(Conference.updated_at))),
        scalar(select(func.count(Conference.id))),
        scalar(select(func.max(Activity.updated_at))),
        scalar(select(func.count(Activity.id))),
        scalar(select(func.max(Target.updated_at))),
        scalar(select(func.count(Target.id))),
        scalar(select(func.count(ClassificationMembership.id))),
        scalar(select(func.max(CrosswalkLink.id))),
        scalar(select(func.count(CrosswalkLink.id))),
    )).one()
    return tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in row)


def database_key(session):
    """Which database a session reads: caches are per process, and a process may see several."""
    return session.get_bind().url.render_as_string(hide_password=True)
