"""Scoped queries over conferences and activity entries, shared by the pages and the API.

Scope: an agent sees the entries they made (and the activities logged for them); a district head
the entries of their district's communes; leaders and admins the whole province.
"""
from datetime import date, datetime, timezone

from sqlalchemy import false, func, or_, select, true

from planner.models import Activity, Commune, Conference, User
from planner.services import scope

KINDS = {"conference": Conference, "activity": Activity}
DATE_COLUMN = {"conference": "held_on", "activity": "done_on"}


def visible(user, model):
    """A SQL condition limiting `model` rows to what `user` may see."""
    if scope.is_province_wide(user):
        return true()
    if user.role == "district_head":
        if user.district_id is None:
            return false()
        return model.commune_id.in_(select(Commune.id).where(Commune.district_id == user.district_id))
    if user.role == "agent":
        if model is Activity:
            return or_(Activity.agent_id == user.id, Activity.created_by_id == user.id)
        return model.created_by_id == user.id
    return false()


def query(session, user, kind, *, commune_code=None, date_from=None, date_to=None, status=None,
          agent_id=None, oldest_first=False, limit=None, offset=0):
    """(rows, total) of `kind` entries in the user's scope, newest first unless oldest_first."""
    model = KINDS[kind]
    day = getattr(model, DATE_COLUMN[kind])
    stmt = select(model).where(visible(user, model))
    if commune_code:
        stmt = stmt.where(model.commune_id.in_(select(Commune.id).where(Commune.code == commune_code)))
    if date_from:
        stmt = stmt.where(day >= date_from)
    if date_to:
        stmt = stmt.where(day <= date_to)
    if status:
        stmt = stmt.where(model.status == status)
    if agent_id:
        column = Activity.agent_id if model is Activity else Conference.created_by_id
        stmt = stmt.where(column == agent_id)
    total = session.execute(select(func.count()).select_from(stmt.subquery())).scalar()
    order = (model.created_at, model.id) if oldest_first else (model.created_at.desc(), model.id.desc())
    stmt = stmt.order_by(*order).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return session.execute(stmt).scalars().all(), total


def communes_of(session, entries):
    ids = sorted({e.commune_id for e in entries})
    if not ids:
        return {}
    return {c.id: c for c in session.execute(select(Commune).where(Commune.id.in_(ids))).scalars()}


def users_of(session, ids):
    ids = sorted({i for i in ids if i})
    if not ids:
        return {}
    return {u.id: u for u in session.execute(select(User).where(User.id.in_(ids))).scalars()}


def _plain(value):
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "isoformat"):  # time
        return value.isoformat(timespec="minutes")
    return value


def as_json(entry, kind, communes, users):
    """The entry's columns, JSON-ready, with its commune's code and name and its author."""
    body = {key: _plain(value) for key, value in entry.model_dump().items()}
    body["kind"] = kind
    if kind == "conference":
        body["audience_groups"] = [x for x in (entry.audience_groups or "").split(",") if x]
    commune = communes.get(entry.commune_id)
    body["commune"] = {"id": commune.id, "code": commune.code, "name": commune.name} if commune else None
    author = users.get(entry.created_by_id)
    body["created_by"] = author.username if author else None
    if kind == "activity":
        agent = users.get(entry.agent_id)
        body["agent"] = agent.username if agent else None
    return body
