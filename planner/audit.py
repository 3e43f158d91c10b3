"""Write an AuditEvent for every create, update and delete flushed by any Session.

The actor comes from a context variable that the request (signed-in user) or the CLI sets,
so services never pass it around. Events are inserted in the same transaction as the change:
a rolled-back change leaves no event.
"""
import contextvars
import json
from contextlib import contextmanager
from datetime import date, datetime, time

from sqlalchemy import event, inspect, insert
from sqlalchemy.orm import Session

_actor = contextvars.ContextVar("audit_actor", default=(None, "system"))
# Columns never copied into the trail: secrets and bulky geometry.
_HIDDEN = {"password_hash", "geojson", "token_hash"}
_installed = False


def set_actor(user_id, username):
    """Make (user_id, username) the author of changes flushed in this context."""
    return _actor.set((user_id, username))


@contextmanager
def acting_as(user_id, username):
    token = _actor.set((user_id, username))
    try:
        yield
    finally:
        _actor.reset(token)


def _plain(value):
    if isinstance(value, (date, datetime, time)):
        return value.isoformat()
    return value


def _columns(obj):
    return [attr.key for attr in inspect(obj).mapper.column_attrs]


def snapshot(obj):
    """The record's current column values, JSON-ready, secrets hidden."""
    return {
        key: ("…" if key in _HIDDEN else _plain(getattr(obj, key)))
        for key in _columns(obj)
    }


def _before(obj):
    state = inspect(obj)
    values = {}
    changed = False
    for key in _columns(obj):
        hist = state.attrs[key].history
        if hist.deleted:
            values[key] = "…" if key in _HIDDEN else _plain(hist.deleted[0])
            changed = True
        else:
            values[key] = "…" if key in _HIDDEN else _plain(getattr(obj, key))
    return values, changed


def _identity(obj):
    state = inspect(obj)
    ident = state.mapper.primary_key_from_instance(obj)
    return "/".join(str(part) for part in ident)


def _commune_of(obj):
    if obj.__class__.__tablename__ == "commune":
        return obj.id
    return getattr(obj, "commune_id", None)


def _event(action, obj, before, after):
    user_id, username = _actor.get()
    return {
        "user_id": user_id,
        "username": username,
        "action": action,
        "entity": obj.__class__.__tablename__,
        "entity_id": _identity(obj),
        "commune_id": _commune_of(obj),
        "before": json.dumps(before, ensure_ascii=False) if before is not None else None,
        "after": json.dumps(after, ensure_ascii=False) if after is not None else None,
    }


def _audited(obj):
    return getattr(obj, "__tablename__", None) not in (None, "audit_event")


def _after_flush(session, _flush_context):
    from planner.models.audit import AuditEvent
    from planner.models.areas import utcnow

    rows = []
    for obj in session.new:
        if _audited(obj):
            rows.append(_event("create", obj, None, snapshot(obj)))
    for obj in session.dirty:
        if _audited(obj) and session.is_modified(obj, include_collections=False):
            before, changed = _before(obj)
            if changed:
                rows.append(_event("update", obj, before, snapshot(obj)))
    for obj in session.deleted:
        if _audited(obj):
            rows.append(_event("delete", obj, snapshot(obj), None))
    if rows:
        now = utcnow()
        for row in rows:
            row["at"] = now
        session.connection().execute(insert(AuditEvent.__table__), rows)


def install():
    """Listen on every Session once per process."""
    global _installed
    if not _installed:
        event.listen(Session, "after_flush", _after_flush)
        _installed = True
