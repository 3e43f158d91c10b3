"""Agents' communes carried across a reform.

An agent (collection agent, User.role "agent") serves communes of the version they were set up
in. When a newer version arrives, the crosswalk (CrosswalkLink, official rows and the chains
derived across several reforms, share > 0) says which new communes the old ones went into.
propose() writes a ScopeCarryOver row "pending" for each (agent, old commune, new commune); an
admin approves (the agent gets a UserCommune on the new commune; the old rows stay, so the
agent's history remains visible for the old periods) or rejects. Nothing is re-done: a decided
proposal is reported as such.
"""
from collections import OrderedDict

from flask_babel import gettext as _
from sqlalchemy import func, select

from planner.models import Commune, CrosswalkLink, District, HierarchyVersion, ScopeCarryOver, User, UserCommune
from planner.models.areas import utcnow
from planner.services.registry import current_version

STATUSES = ("pending", "approved", "rejected")


class CarryOverError(ValueError):
    """A carry-over request that cannot be done; the message says why."""


def _versions_between(session, older, newer):
    return session.execute(select(HierarchyVersion.id).where(HierarchyVersion.valid_from > older.valid_from,
                                                             HierarchyVersion.valid_from < newer.valid_from)
                           ).scalars().all()


def propose(*, session, from_version, to_version, commit=True):
    """Propose every agent's from_version communes onto their successors in to_version.

    Idempotent: a (user, old commune, new commune) already proposed, whatever its status, is left
    alone; a new commune the agent already serves is not proposed. An agent who also serves
    communes of a version between the two is carried from those (newer) communes instead.
    Returns {"created", "existing", "already_served", "agents"}."""
    counts = {"created": 0, "existing": 0, "already_served": 0, "agents": 0}
    if from_version.id == to_version.id or from_version.valid_from >= to_version.valid_from:
        return counts
    served = session.execute(
        select(UserCommune.user_id, UserCommune.commune_id)
        .join(User, User.id == UserCommune.user_id)
        .join(Commune, Commune.id == UserCommune.commune_id)
        .where(User.role == "agent", Commune.version_id == from_version.id)).all()
    if not served:
        return counts
    between = _versions_between(session, from_version, to_version)
    newer_users = set()
    if between:
        newer_users = set(session.execute(
            select(UserCommune.user_id).join(Commune, Commune.id == UserCommune.commune_id)
            .where(Commune.version_id.in_(between))).scalars())
    served = [(u, c) for u, c in served if u not in newer_users]
    old_ids = {c for _u, c in served}
    successors = {}
    if old_ids:
        target = select(Commune.id).where(Commune.version_id == to_version.id)
        for a, b in session.execute(
                select(CrosswalkLink.from_commune_id, CrosswalkLink.to_commune_id)
                .where(CrosswalkLink.from_commune_id.in_(list(old_ids)), CrosswalkLink.to_commune_id.in_(target),
                       CrosswalkLink.share > 0)
                .order_by(CrosswalkLink.from_commune_id, CrosswalkLink.to_commune_id)).all():
            successors.setdefault(a, []).append(b)
    users = {u for u, _c in served}
    existing = set(session.execute(
        select(ScopeCarryOver.user_id, ScopeCarryOver.from_commune_id, ScopeCarryOver.to_commune_id)
        .where(ScopeCarryOver.user_id.in_(list(users)))).all()) if users else set()
    already = set(session.execute(
        select(UserCommune.user_id, UserCommune.commune_id).join(Commune, Commune.id == UserCommune.commune_id)
        .where(UserCommune.user_id.in_(list(users)), Commune.version_id == to_version.id)).all()) if users else set()
    touched = set()
    for user_id, old in sorted(served):
        for new in successors.get(old, ()):
            if (user_id, old, new) in existing:
                counts["existing"] += 1
            elif (user_id, new) in already:
                counts["already_served"] += 1
            else:
                session.add(ScopeCarryOver(user_id=user_id, from_commune_id=old, to_commune_id=new))
                existing.add((user_id, old, new))
                counts["created"] += 1
                touched.add(user_id)
    counts["agents"] = len(touched)
    if commit:
        try:
            session.commit()
        except Exception:
            session.rollback()
            raise
    else:
        session.flush()
    return counts


def propose_into(*, session, to_version):
    """propose() from every older version into to_version (one transaction); summed counts."""
    total = {"created": 0, "existing": 0, "already_served": 0, "agents": 0}
    older = session.execute(select(HierarchyVersion).where(HierarchyVersion.valid_from < to_version.valid_from)
                            .order_by(HierarchyVersion.valid_from.desc())).scalars().all()
    try:
        for version in older:
            counts = propose(session=session, from_version=version, to_version=to_version, commit=False)
            for key in total:
                total[key] += counts[key]
        session.commit()
    except Exception:
        session.rollback()
        raise
    return total


def propose_after_import(*, session, to_version):
    """After a crosswalk import into to_version: carry agents from every older version into the
    newer of the current version and to_version (the chains the import rebuilt may reach the
    current version from anywhere). Returns (the version carried into, counts)."""
    current = current_version(session=session)
    target = to_version if current is None or to_version.valid_from > current.valid_from else current
    return target, propose_into(session=session, to_version=target)


# --- deciding -----------------------------------------------------------------------------------

def _decide(session, ids, admin, status):
    if admin is None or admin.role != "admin":
        raise CarryOverError(_("Chỉ quản trị hệ thống được duyệt đề xuất chuyển địa bàn."))
    wanted = []
    for raw in ids or ():
        try:
            value = int(raw)
        except (TypeError, ValueError):
            continue
        if value not in wanted:
            wanted.append(value)
    if not wanted:
        raise CarryOverError(_("Hãy chọn ít nhất một đề xuất."))
    rows = {r.id: r for r in session.execute(select(ScopeCarryOver).where(ScopeCarryOver.id.in_(wanted))).scalars()}
    result = {"done": [], "already": [], "missing": [i for i in wanted if i not in rows]}
    current = current_version(session=session)
    added = set()
    try:
        for row_id in wanted:
            row = rows.get(row_id)
            if row is None:
                continue
            if row.status != "pending":
                result["already"].append(row)
                continue
            row.status = status
            row.decided_by = admin.username
            row.decided_at = utcnow()
            session.add(row)
            if status == "approved":
                key = (row.user_id, row.to_commune_id)
                if key not in added and session.get(UserCommune, key) is None:
                    session.add(UserCommune(user_id=row.user_id, commune_id=row.to_commune_id))
                    added.add(key)
                _follow_area(session, row, current)
            result["done"].append(row)
        session.commit()
    except Exception:
        session.rollback()
        raise
    return result


def _follow_area(session, row, current):
    """An agent whose area (User.district_id) is not in the current version takes the area of
    the current-version commune they now serve."""
    if current is None:
        return
    commune = session.get(Commune, row.to_commune_id)
    if commune is None or commune.version_id != current.id:
        return
    agent = session.get(User, row.user_id)
    area = session.get(District, agent.district_id) if agent.district_id else None
    if area is None or area.version_id != current.id:
        agent.district_id = commune.district_id
        session.add(agent)


def approve(*, session, ids, admin):
    """Approve pending proposals: the agent serves the new commune too. Returns
    {"done": [rows], "already": [rows decided before], "missing": [ids not found]}."""
    return _decide(session, ids, admin, "approved")


def reject(*, session, ids, admin):
    """Reject pending proposals (nothing else changes); same result shape as approve()."""
    return _decide(session, ids, admin, "rejected")


# --- reading ------------------------------------------------------------------------------------

def pending_count(*, session):
    return session.execute(select(func.count(ScopeCarryOver.id)).where(ScopeCarryOver.status == "pending")).scalar()


def _rows(session, stmt):
    rows = session.execute(stmt).scalars().all()
    if not rows:
        return []
    commune_ids = {r.from_commune_id for r in rows} | {r.to_commune_id for r in rows}
    communes = {c.id: c for c in session.execute(select(Commune).where(Commune.id.in_(list(commune_ids)))).scalars()}
    versions = {v.id: v for v in session.execute(select(HierarchyVersion)).scalars()}
    users = {u.id: u for u in session.execute(select(User).where(User.id.in_(list({r.user_id for r in rows}))))
             .scalars()}
    shares = dict(((a, b), s) for a, b, s in session.execute(
        select(CrosswalkLink.from_commune_id, CrosswalkLink.to_commune_id, CrosswalkLink.share)
        .where(CrosswalkLink.from_commune_id.in_([r.from_commune_id for r in rows]))).all())
    result = []
    for r in rows:
        old, new = communes.get(r.from_commune_id), communes.get(r.to_commune_id)
        result.append({
            "row": r, "user": users.get(r.user_id), "from": old, "to": new,
            "from_version": versions.get(old.version_id) if old else None,
            "to_version": versions.get(new.version_id) if new else None,
            "share": shares.get((r.from_commune_id, r.to_commune_id)),
        })
    return result


def pending_by_agent(*, session):
    """[(agent User, [proposal dicts])] of pending proposals, by username."""
    stmt = (select(ScopeCarryOver).join(User, User.id == ScopeCarryOver.user_id)
            .where(ScopeCarryOver.status == "pending").order_by(User.username, ScopeCarryOver.id))
    grouped = OrderedDict()
    for item in _rows(session, stmt):
        grouped.setdefault(item["row"].user_id, (item["user"], []))[1].append(item)
    return list(grouped.values())


def decided(*, session, limit=50, offset=0):
    stmt = (select(ScopeCarryOver).where(ScopeCarryOver.status != "pending")
            .order_by(ScopeCarryOver.decided_at.desc(), ScopeCarryOver.id.desc()).limit(limit).offset(offset))
    return _rows(session, stmt)


def decided_count(*, session):
    return session.execute(select(func.count(ScopeCarryOver.id)).where(ScopeCarryOver.status != "pending")).scalar()
