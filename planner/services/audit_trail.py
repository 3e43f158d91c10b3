"""The audit trail page's questions: which events a user may read, filtered and paged, newest first.

Admins and leaders read every event. A district head (head of a grassroots office from July 2025)
reads the events of the communes of their area, in every hierarchy version (the units with the
area's code: an office keeps its former district's code), and of the area itself. Agents read none.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Optional

from sqlalchemy import String, and_, cast, false, func, or_, select, true

from planner.models import AuditEvent, Commune, District, HierarchyVersion, User
from planner.services import scope

VIETNAM_TIME = timezone(timedelta(hours=7))
ROLES = ("admin", "leader", "district_head")


@dataclass
class TrailFilters:
    username: str = ""
    entity: str = ""
    area_code: str = ""  # a district's or office area's code, in any version
    commune_code: str = ""  # a commune's code, in any version
    date_from: Optional[date] = None  # Vietnam's calendar days, both included
    date_to: Optional[date] = None


def can_view(user):
    return user is not None and user.role in ROLES


def own_area_code(*, session, user):
    """The code of a district head's area (None for others or a head without one)."""
    if user.role != "district_head" or user.district_id is None:
        return None
    own = session.get(District, user.district_id)
    return own.code if own is not None else None


def _area_condition(code):
    districts = select(District.id).where(District.code == code)
    communes = select(Commune.id).where(Commune.district_id.in_(districts))
    return or_(AuditEvent.commune_id.in_(communes),
               and_(AuditEvent.entity == "district",
                    AuditEvent.entity_id.in_(select(cast(District.id, String)).where(District.code == code))))


def scope_condition(*, session, user):
    """A SQL condition on AuditEvent: the events the user may read."""
    if scope.is_province_wide(user):
        return true()
    code = own_area_code(session=session, user=user)
    if code is None:
        return false()
    return _area_condition(code)


def _utc(day):
    """Midnight of a Vietnamese calendar day, in UTC (the stored times are UTC)."""
    return datetime.combine(day, time(), VIETNAM_TIME).astimezone(timezone.utc)


def conditions(*, session, user, filters):
    where = [scope_condition(session=session, user=user)]
    if filters.username:
        where.append(AuditEvent.username == filters.username)
    if filters.entity:
        where.append(AuditEvent.entity == filters.entity)
    if filters.area_code:
        where.append(_area_condition(filters.area_code))
    if filters.commune_code:
        where.append(AuditEvent.commune_id.in_(select(Commune.id).where(Commune.code == filters.commune_code)))
    if filters.date_from:
        where.append(AuditEvent.at >= _utc(filters.date_from))
    if filters.date_to:
        where.append(AuditEvent.at < _utc(filters.date_to + timedelta(days=1)))
    return where


def events_page(*, session, user, filters, page=1, page_size=50):
    """{"events", "total", "page", "pages"}: one page of the events, newest first."""
    where = conditions(session=session, user=user, filters=filters)
    total = session.execute(select(func.count()).select_from(AuditEvent).where(*where)).scalar()
    pages = max(1, -(-total // page_size))
    page = min(max(1, page or 1), pages)
    events = session.execute(
        select(AuditEvent).where(*where).order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(page_size).offset((page - 1) * page_size)
    ).scalars().all()
    return {"events": events, "total": total, "page": page, "pages": pages}


def area_choices(*, session, user):
    """[(code, name)] of every district and office area ever recorded (the newest name of each code),
    a head's own only."""
    rows = session.execute(
        select(District.code, District.name).join(HierarchyVersion, HierarchyVersion.id == District.version_id)
        .order_by(District.code, HierarchyVersion.valid_from.desc())
    ).all()
    newest = {}
    for code, name in rows:
        newest.setdefault(code, name)
    if not scope.is_province_wide(user):
        code = own_area_code(session=session, user=user)
        newest = {code: newest[code]} if code in newest else {}
    return sorted(newest.items())


def commune_exists(*, session, code):
    return session.execute(select(Commune.id).where(Commune.code == code).limit(1)).first() is not None


def username_choices(*, session, user):
    """Who may be chosen in the filter: the accounts in the user's scope and, for admins and
    leaders, the command line and system authors that wrote events."""
    if scope.is_province_wide(user):
        accounts = session.execute(select(User.username).order_by(User.username)).scalars().all()
        others = session.execute(
            select(AuditEvent.username).where(AuditEvent.user_id.is_(None)).distinct()).scalars().all()
        return sorted(set(accounts) | set(others))
    code = own_area_code(session=session, user=user)
    if code is None:
        return []
    districts = select(District.id).where(District.code == code)
    return session.execute(
        select(User.username).where(User.district_id.in_(districts)).order_by(User.username)).scalars().all()
