"""Reports on approved field work: conversion of conferences, agents' activity against quota,
and cash reconciliation. Grouped SQL does the counting; Python only shapes the few result rows."""
from datetime import date, timedelta

from sqlalchemy import BigInteger, Date, and_, cast, false, func, literal, null, select, union_all

from planner.models import (
    Activity, CashHandover, Commune, Conference, EnrolmentDay, Reconciliation, Target, User,
)
from planner.models.areas import utcnow
from planner.models.fieldwork import AUDIENCE_GROUPS, CONFERENCE_FORMATS
from planner.services import scope

DEFAULT_WINDOW_DAYS = 30
MEASURES = ("conferences", "attendees", "registered", "attributed", "cost")


# A conference's sort key within its commune: day number x KEY_SCALE + id. The running maximum of
# the key over a commune's events ordered by day is then its latest conference so far (latest day,
# then highest id), and the key still says that conference's day and id.
KEY_SCALE = 10 ** 10


def _day_number(column, dialect):
    """A date as a whole number of days, in the database's own date arithmetic."""
    if dialect == "sqlite":
        return cast(func.julianday(column), BigInteger)
    return cast(column - cast(literal("2000-01-01"), Date), BigInteger)


def _commune_scope(user, district_id=None):
    condition = scope.commune_filter(user)
    if district_id is not None:
        condition = and_(condition, Commune.district_id == district_id)
    return condition


def attributed_new_participants(*, session, user, date_from, date_to, window_days=DEFAULT_WINDOW_DAYS,
                                district_id=None):
    """A SELECT of (conference_id, new participants attributed to it).

    New voluntary-SI and household-HI enrolments logged in a commune on a day within
    window_days after an approved conference there go to the latest such conference.

    One pass, no per-entry lookup: the day's enrolments of each commune (EnrolmentDay, kept by
    triggers on approved activity entries) and the conferences are put in one stream per commune,
    ordered by day with a day's conferences before its enrolments; a running maximum of the
    conference key carries the latest conference forward."""
    dialect = session.get_bind().dialect.name
    conference_day = _day_number(Conference.held_on, dialect)
    conferences = (
        select(Conference.commune_id.label("commune_id"), conference_day.label("day"), literal(0).label("kind"),
               (conference_day * KEY_SCALE + Conference.id).label("conference_key"),
               cast(literal(0), BigInteger).label("new"))
        .join(Commune, Commune.id == Conference.commune_id)
        .where(Conference.status == "approved", Conference.held_on >= date_from, Conference.held_on <= date_to,
               _commune_scope(user, district_id))
    )
    enrolment_days = (
        select(EnrolmentDay.commune_id.label("commune_id"), _day_number(EnrolmentDay.day, dialect).label("day"),
               literal(1).label("kind"), cast(null(), BigInteger).label("conference_key"),
               cast(EnrolmentDay.new_participants, BigInteger).label("new"))
        .join(Commune, Commune.id == EnrolmentDay.commune_id)
        .where(EnrolmentDay.day >= date_from, EnrolmentDay.day <= date_to + timedelta(days=window_days),
               EnrolmentDay.new_participants > 0, _commune_scope(user, district_id))
    )
    events = union_all(conferences, enrolment_days).subquery()
    latest = func.max(events.c.conference_key).over(
        partition_by=events.c.commune_id, order_by=(events.c.day, events.c.kind), rows=(None, 0))
    marked = select(events.c.kind, events.c.day, events.c.new, latest.label("latest")).subquery()
    in_window = (
        select((marked.c.latest % KEY_SCALE).label("conference_id"), marked.c.new)
        .where(marked.c.kind == 1, marked.c.latest.is_not(None),
               marked.c.latest >= (marked.c.day - int(window_days)) * KEY_SCALE)
        .subquery()
    )
    return (select(in_window.c.conference_id, func.sum(in_window.c.new).label("attributed"))
            .group_by(in_window.c.conference_id).subquery())


def _rates(row):
    row = {k: (int(v) if v is not None and k in MEASURES else v) for k, v in row.items()}  # PostgreSQL sums are Decimal
    conferences, attendees = row["conferences"] or 0, row["attendees"] or 0
    attributed, cost = row["attributed"] or 0, row["cost"] or 0
    return {
        **row,
        "conversion_rate": attributed / attendees if attendees else None,
        "new_per_conference": attributed / conferences if conferences else None,
        "cost_per_new": cost / attributed if attributed else None,
    }


def conversion_report(*, session, user, date_from, date_to, window_days=DEFAULT_WINDOW_DAYS, district_id=None):
    """Per format and per audience group: conferences, attendees, registrations on the spot,
    attributed new participants, conversion rate, new per conference, cost per new participant.

    Two grouped queries by (format, audience groups as stored): the conferences' own figures, and
    the attributed new participants joined to their conference by primary key. There are only a few
    dozen such pairs, so Python splits each pair's audience list and adds the rows up."""
    attributed = attributed_new_participants(session=session, user=user, date_from=date_from, date_to=date_to,
                                             window_days=window_days, district_id=district_id)
    registered = Conference.reg_voluntary_si + Conference.reg_household_hi
    pair = (Conference.format, Conference.audience_groups)
    own = session.execute(
        select(*pair, func.count(Conference.id), func.sum(Conference.attendees), func.sum(registered),
               func.sum(Conference.cost_vnd))
        .join(Commune, Commune.id == Conference.commune_id)
        .where(Conference.status == "approved", Conference.held_on >= date_from, Conference.held_on <= date_to,
               _commune_scope(user, district_id))
        .group_by(*pair)).all()
    gained = {(fmt, groups): value for fmt, groups, value in session.execute(
        select(*pair, func.sum(attributed.c.attributed))
        .select_from(attributed).join(Conference, Conference.id == attributed.c.conference_id)
        .group_by(*pair))}

    def empty():
        return dict.fromkeys(MEASURES, 0)

    by_format, by_audience, totals = {}, {}, empty()
    for fmt, groups, conferences, attendees, registered_sum, cost in own:
        figures = {"conferences": conferences, "attendees": attendees, "registered": registered_sum, "cost": cost,
                   "attributed": gained.get((fmt, groups))}
        members = {g for g in (groups or "").split(",") if g}
        for bucket in [totals, by_format.setdefault(fmt, empty())] + [
                by_audience.setdefault(g, empty()) for g in AUDIENCE_GROUPS if g in members]:
            for key, value in figures.items():
                bucket[key] += int(value or 0)  # PostgreSQL sums are Decimal
    return {
        "by_format": [dict(_rates(by_format[f]), key=f) for f in CONFERENCE_FORMATS if f in by_format],
        "by_audience": [dict(_rates(by_audience[g]), key=g) for g in AUDIENCE_GROUPS if g in by_audience],
        "totals": _rates(totals), "window_days": window_days, "date_from": date_from, "date_to": date_to,
    }


def period_bounds(kind, day):
    """(first day, last day) of the week (Monday first) or month containing day."""
    if kind == "week":
        start = day - timedelta(days=day.weekday())
        return start, start + timedelta(days=6)
    start = day.replace(day=1)
    nxt = (start + timedelta(days=32)).replace(day=1)
    return start, nxt - timedelta(days=1)


def _agents_in_scope(user, district_id=None):
    """A SELECT of the agent ids the user may report on: leaders all (or one district's), a
    district head their own district's only (whatever district_id says), an agent only themself."""
    agents = select(User.id).where(User.role == "agent")
    if user.role == "agent":
        return agents.where(User.id == user.id)
    if not scope.is_province_wide(user):
        return agents.where(User.district_id == user.district_id) if user.district_id else agents.where(false())
    if district_id is not None:
        agents = agents.where(User.district_id == district_id)
    return agents


def _by_date_not_agent(agents_in_scope):
    """Activity.agent_id IN agents, written so the database reads the period's rows by the done_on
    index: with the bare column SQLite walks ix_activity_agent_id for every agent instead (all of
    their history, 2.5 s instead of 30 ms for a province week with 1,000,000 entries)."""
    return (Activity.agent_id + 0).in_(agents_in_scope)


def agent_summary(*, session, user, kind="week", day=None, district_id=None):
    """Each agent's approved activity in the week or month, against their prorated yearly quota
    (agent targets for voluntary SI, new participants and collection), lowest performers first."""
    day = day or date.today()
    start, end = period_bounds(kind, day)
    agents_in_scope = _agents_in_scope(user, district_id)
    sums = dict(
        (r[0], r) for r in session.execute(
            select(Activity.agent_id, func.count(Activity.id), func.sum(Activity.household_visits),
                   func.sum(Activity.new_voluntary_si), func.sum(Activity.new_household_hi),
                   func.sum(Activity.renewed_household_hi), func.sum(Activity.amount_collected_vnd),
                   func.sum(Activity.receipts_issued))
            .where(Activity.status == "approved", Activity.done_on >= start, Activity.done_on <= end,
                   _by_date_not_agent(agents_in_scope))
            .group_by(Activity.agent_id))
    )
    agent = Activity.agent_id + 0  # one pass over the table, not an index walk per agent (see _by_date_not_agent)
    pending = dict(session.execute(
        select(agent, func.count(Activity.id))
        .where(Activity.status == "submitted", _by_date_not_agent(agents_in_scope))
        .group_by(agent)).all())
    quotas = {}
    for t in session.execute(select(Target).where(Target.level == "agent", Target.year == start.year,
                                                  Target.metric.in_(("voluntary_si", "new_participants", "collection")),
                                                  Target.unit_id.in_(agents_in_scope))).scalars():
        quotas.setdefault(t.unit_id, {})[t.metric] = t.value
    share = ((end - start).days + 1) / (366 if start.year % 4 == 0 else 365)
    rows = []
    for agent in session.execute(select(User).where(User.id.in_(agents_in_scope), User.active == True)  # noqa: E712
                                 .order_by(User.username)).scalars():
        r = sums.get(agent.id)
        entries, visits, vsi, hhi, renewed, amount, receipts = (int(x or 0) for x in (r[1:] if r else (0,) * 7))
        q = quotas.get(agent.id, {})
        new_quota = q.get("new_participants")
        vsi_quota = q.get("voluntary_si")
        money_quota = q.get("collection")
        new = (vsi or 0) + (hhi or 0)
        attainment = None
        if new_quota:
            attainment = new / (new_quota * share)
        elif vsi_quota:
            attainment = (vsi or 0) / (vsi_quota * share)
        rows.append({
            "agent": agent, "entries": entries or 0, "visits": visits or 0, "new_voluntary_si": vsi or 0,
            "new_household_hi": hhi or 0, "renewed_household_hi": renewed or 0, "amount": amount or 0,
            "receipts": receipts or 0, "new": new, "pending": pending.get(agent.id, 0),
            "quota_new": new_quota * share if new_quota else None,
            "quota_voluntary_si": vsi_quota * share if vsi_quota else None,
            "quota_collection": money_quota * share if money_quota else None,
            "attainment": attainment,
        })
    rows.sort(key=lambda x: (x["attainment"] if x["attainment"] is not None else float("inf"), x["new"],
                             x["agent"].username))
    return {"rows": rows, "start": start, "end": end, "kind": kind}


def reconciliation(*, session, user, date_from, date_to, district_id=None):
    """Per agent: money collected vs receipts issued vs money handed to the office; any
    difference is flagged open until someone closes it with a note."""
    agents_in_scope = _agents_in_scope(user, district_id)
    collected = dict((r[0], r[1:]) for r in session.execute(
        select(Activity.agent_id, func.sum(Activity.amount_collected_vnd), func.sum(Activity.receipts_amount_vnd))
        .where(Activity.status == "approved", Activity.done_on >= date_from, Activity.done_on <= date_to,
               _by_date_not_agent(agents_in_scope))
        .group_by(Activity.agent_id)))
    handed = dict(session.execute(
        select(CashHandover.agent_id, func.sum(CashHandover.amount_vnd))
        .where(CashHandover.handed_on >= date_from, CashHandover.handed_on <= date_to,
               CashHandover.agent_id.in_(agents_in_scope))
        .group_by(CashHandover.agent_id)).all())
    closed = {r.agent_id: r for r in session.execute(select(Reconciliation).where(
        Reconciliation.period_start == date_from, Reconciliation.period_end == date_to,
        Reconciliation.agent_id.in_(agents_in_scope))).scalars()}
    rows = []
    for agent in session.execute(select(User).where(User.id.in_(agents_in_scope)).order_by(User.username)).scalars():
        got, receipted = collected.get(agent.id, (0, 0))
        got, receipted, given = int(got or 0), int(receipted or 0), int(handed.get(agent.id, 0) or 0)
        if not (got or receipted or given):
            continue
        record = closed.get(agent.id)
        differs = got != receipted or got != given
        status = "ok" if not differs else ("closed" if record and record.status == "closed"
                                           and (record.collected_vnd, record.receipts_vnd, record.handed_vnd)
                                           == (got, receipted, given) else "open")
        rows.append({"agent": agent, "collected": got, "receipts": receipted, "handed": given,
                     "unreceipted": got - receipted, "not_handed": got - given, "status": status,
                     "record": record})
    rows.sort(key=lambda r: (r["status"] != "open", -abs(r["not_handed"]), r["agent"].username))
    return {"rows": rows, "date_from": date_from, "date_to": date_to}


def close_difference(*, session, user, agent_id, date_from, date_to, note):
    """Close an agent's open difference for the period with a note (re-opens if figures change)."""
    if not (note or "").strip():
        raise ValueError("note required")
    report = reconciliation(session=session, user=user, date_from=date_from, date_to=date_to)
    row = next((r for r in report["rows"] if r["agent"].id == agent_id), None)
    if row is None:
        raise ValueError("no figures for this agent and period")
    record = row["record"] or Reconciliation(agent_id=agent_id, period_start=date_from, period_end=date_to)
    record.collected_vnd, record.receipts_vnd, record.handed_vnd = row["collected"], row["receipts"], row["handed"]
    record.status, record.note = "closed", note.strip()[:500]
    record.closed_by, record.closed_at = user.username, utcnow()
    session.add(record)
    session.commit()
    return record


def reference_day(*, session):
    """The day report filters open on: today, or the last day with approved field work if that
    is earlier (so a page opened after the data ends shows the data, not an empty period)."""
    today = date.today()
    last = session.execute(select(func.max(Activity.done_on)).where(Activity.status == "approved")).scalar()
    last_conf = session.execute(select(func.max(Conference.held_on)).where(Conference.status == "approved")).scalar()
    latest = max((d for d in (last, last_conf) if d is not None), default=None)
    return min(today, latest) if latest else today
