"""Figures for the province and district dashboards and the printable district report.

Everything here is built from the existing rules: coverage through the crosswalk
(planner.services.hierarchy), progress and ranking against targets (planner.services.progress),
agents' activity (planner.services.fieldwork_reports), one definition per indicator
(planner.services.indicators). Grouped SQL does the counting; Python shapes a few dozen rows.

Rates leave this module as ratios (0.94), the way fmt_percent and the charts take them; targets
are stored as percents (95.0) and are turned into ratios here.
"""
from datetime import date, timedelta

from sqlalchemy import and_, extract, func, or_, select, union

from planner.models import (
    Activity,
    ClassificationMembership,
    ClassificationScheme,
    Commune,
    Conference,
    CoverageRecord,
    CrosswalkLink,
    Denominator,
    District,
    Province,
    Target,
)
from planner.models.fieldwork import CONFERENCE_FORMATS
from planner.services import fieldwork_reports, hierarchy, progress, registry, scope
from planner.services.indicators import hi_coverage
from planner.services.metrics import DEFAULT_GOALS, get_metric
from planner.services.targets import find_target

TREND_METRICS = ("hi_coverage", "si_coverage")
REGION_CATEGORIES = ("I", "II", "III", "none")
NEW_PARTICIPANTS = Activity.new_voluntary_si + Activity.new_household_hi


def _ratio(percent):
    return None if percent is None else percent / 100


# --- years and versions ---------------------------------------------------------------------

def years_with_data(*, session):
    """Every year with coverage records, in any hierarchy version, oldest first."""
    periods = session.execute(select(CoverageRecord.period).distinct()).scalars().all()
    return sorted({p.year for p in periods})


def default_year(*, session):
    """The year of the latest month with coverage records in the current version (else today's)."""
    version = registry.current_version(session=session)
    latest = registry.latest_period(session=session, version_id=version.id) if version else None
    return latest.year if latest else date.today().year


def version_for_year(*, session, year):
    """The hierarchy version whose units a year's tables are drawn in: the one in force at the end
    of the year, at its start, or the current one — the first of them with coverage that year."""
    candidates = []
    for day in (date(year, 12, 1), date(year, 1, 1)):
        found = hierarchy.version_for(session=session, day=day)
        if found is not None and found not in candidates:
            candidates.append(found)
    current = registry.current_version(session=session)
    if current is not None and current not in candidates:
        candidates.append(current)
    for version in candidates:
        if progress.as_of_month(session=session, version_id=version.id, year=year) is not None:
            return version
    return candidates[0] if candidates else None


def is_demo(*, session):
    """Whether the figures shown are the demo's (always labelled as such on the page)."""
    from planner.services.coverage_map import DEMO_MARKER

    return session.execute(select(CoverageRecord.id).where(CoverageRecord.source.contains(DEMO_MARKER))
                           .limit(1)).first() is not None


def province_of(*, session, version):
    return session.execute(select(Province).where(Province.version_id == version.id)).scalars().first()


# --- targets ----------------------------------------------------------------------------------

def _target_by_year(session, metric_code, level, model, code):
    """{year: Target} of the units with this code at this level, in every hierarchy version (a
    2019 target was set on the 2019 province, a 2024 one on the 2020–2024 province)."""
    ids = select(model.id).where(model.code == code)
    rows = session.execute(select(Target).where(Target.metric == metric_code, Target.level == level,
                                                Target.unit_id.in_(ids))
                           .order_by(Target.year, Target.id)).scalars().all()
    return {t.year: t for t in rows}


def target_rates(*, session, metric_code, province_code, district_code=None):
    """{year: (rate as ratio, source)} for a metric: the district's own target, else the
    province's, else the default (HI 95%). Years without any are absent; the caller asks
    default_target() for them."""
    out = {}
    for year, t in _target_by_year(session, metric_code, "province", Province, province_code).items():
        out[year] = (_ratio(t.value), "province")
    if district_code is not None:
        for year, t in _target_by_year(session, metric_code, "district", District, district_code).items():
            out[year] = (_ratio(t.value), "district")
    return out


def default_target(metric_code):
    """(ratio, "default") where a default exists for the metric, else (None, None)."""
    value = DEFAULT_GOALS.get(metric_code)
    return (_ratio(value), "default") if value is not None else (None, None)


# --- the coverage trend across every period -------------------------------------------------

def periods_with_data(*, session, version):
    """Every month with coverage in this version's units: its own records and those carried over
    from older units by the crosswalk, oldest first."""
    own = (select(CoverageRecord.period.label("period")).join(Commune, Commune.id == CoverageRecord.commune_id)
           .where(Commune.version_id == version.id))
    mapped = (select(CoverageRecord.period.label("period"))
              .join(CrosswalkLink, CrosswalkLink.from_commune_id == CoverageRecord.commune_id)
              .join(Commune, Commune.id == CrosswalkLink.to_commune_id)
              .where(Commune.version_id == version.id))
    both = union(own, mapped).subquery()
    return sorted(session.execute(select(both.c.period)).scalars().all())


def trend(*, session, version, metric_code, district=None):
    """The monthly coverage of the province (or one district) over every period with data, in
    this version's units across reforms, with the target rate of each point's year.

    Returns {"metric", "points": [{period, participants, denominator, rate, target, target_source}],
    "default": (ratio, source)}."""
    metric = get_metric(metric_code)
    periods = periods_with_data(session=session, version=version)
    in_district = (set(session.execute(select(Commune.id).where(Commune.district_id == district.id)).scalars())
                   if district is not None else None)
    if district is None:
        participants = hierarchy.province_series(session=session, version=version,
                                                 expression=metric.participants, periods=periods)
    else:
        per_unit = hierarchy.coverage_in_version(session=session, version=version,
                                                 expression=metric.participants, periods=periods)
        participants = {}
        for (commune_id, period), value in per_unit.items():
            if commune_id in in_district:
                participants[period] = participants.get(period, 0) + value
    column = Denominator.population if metric.denominator == "population" else Denominator.labour_force
    denominators = {}
    for year in sorted({p.year for p in periods}):
        # Each year's population (labour force), or the latest earlier year's, in this version's units.
        per_commune, _found = hierarchy.denominators_in_version(session=session, version=version, column=column,
                                                               up_to_year=year)
        if per_commune:
            denominators[year] = sum(v for cid, v in per_commune.items() if in_district is None or cid in in_district)
    province = province_of(session=session, version=version)
    rates = target_rates(session=session, metric_code=metric_code, province_code=province.code if province else "",
                         district_code=district.code if district is not None else None)
    fallback = default_target(metric_code)
    points = []
    for period in periods:
        n = participants.get(period)
        d = denominators.get(period.year)
        rate, source = rates.get(period.year, fallback)
        points.append({"period": period, "participants": n, "denominator": d,
                       "rate": n / d if n is not None and d else None, "target": rate, "target_source": source})
    return {"metric": metric, "points": points, "default": fallback}


# --- districts ranked -------------------------------------------------------------------------

def _target_of(own, parent, default_ratio, denominator):
    """(rate ratio, people, source) from a unit's own Target, its parent's rate, or the default."""
    if own is not None:
        return _ratio(own.value), own.people, "own"
    for rate, source in ((_ratio(parent.value) if parent is not None else None, "parent"), (default_ratio, "default")):
        if rate is not None:
            return rate, (round(rate * denominator) if denominator is not None else None), source
    return None, None, None


def _judged(actual, denominator, rate, people):
    """Coverage, attainment of the target head count and people still needed (floored at 0)."""
    return {
        "coverage": hi_coverage(actual, denominator),
        "attainment": actual / people if actual is not None and people else None,
        "needed": max(0, people - (actual or 0)) if people is not None else None,
    }


def district_ranking(*, session, user, version, year, sort="attainment"):
    """Every visible district's HI coverage, attainment of its HI target and people still needed,
    worst first. A district without its own target is measured against the province's rate
    (else the default 95%), as the commune ranking does."""
    result = progress.progress(session=session, user=user, version=version, metric_code="hi_coverage",
                               level="district", year=year)
    province = province_of(session=session, version=version)
    province_target = (find_target(session=session, metric="hi_coverage", level="province", unit_id=province.id,
                                   year=year) if province else None)
    default_ratio = default_target("hi_coverage")[0]
    rows = []
    for r in result["rows"]:
        actual, denominator = r["pace"].actual, r["denominator"]
        rate, people, source = _target_of(r["target"], province_target, default_ratio, denominator)
        rows.append({"district": r["unit"], "population": denominator, "participants": actual,
                     "target_rate": rate, "target_people": people,
                     "target_source": {"own": "district", "parent": "province"}.get(source, source),
                     "flag": r["pace"].flag if r["target"] is not None else None,
                     **_judged(actual, denominator, rate, people)})
    keys = {
        "attainment": lambda x: (x["attainment"] is None, x["attainment"] or 0, x["district"].code),
        "coverage": lambda x: (x["coverage"] is None, x["coverage"] or 0, x["district"].code),
        "needed": lambda x: (x["needed"] is None, -(x["needed"] or 0), x["district"].code),
    }
    rows.sort(key=keys.get(sort, keys["attainment"]))
    population = sum(r["population"] or 0 for r in rows) or None
    participants = sum(r["participants"] or 0 for r in rows) if any(r["participants"] is not None for r in rows) \
        else None
    rate, people, source = _target_of(province_target, None, default_ratio, population)
    total = {"population": population, "participants": participants, "target_rate": rate, "target_people": people,
             "target_source": {"own": "province"}.get(source, source), **_judged(participants, population, rate, people)}
    return {"rows": rows, "total": total, "as_of": result["as_of"], "year": year, "sort": sort}


# --- by region class ----------------------------------------------------------------------------

def region_breakdown(*, session, user, version, year, as_of):
    """Communes, population, HI participants and coverage per Region class (Decision 861/QĐ-TTg)
    in force at the month, and of the communes in none ("none"). A commune made by a reform from
    units of several classes counts its people in each class by their share
    (reforms.classification_shares) and is counted once, in the class of most of its people."""
    from planner.services.reforms import classification_shares

    on = as_of or date(year, 12, 1)
    den_year = registry.latest_denominator_year(session=session, version_id=version.id, up_to=year)
    den = (select(Denominator.commune_id, Denominator.population).where(Denominator.year == den_year).subquery())
    cov = (select(CoverageRecord.commune_id, CoverageRecord.hi_participants)
           .where(CoverageRecord.period == as_of).subquery())
    units = session.execute(
        select(Commune.id, den.c.population, cov.c.hi_participants)
        .outerjoin(den, den.c.commune_id == Commune.id)
        .outerjoin(cov, cov.c.commune_id == Commune.id)
        .where(Commune.version_id == version.id, scope.commune_filter(user))).all()
    shares = classification_shares(session=session, version=version, scheme_code=progress.REGION_SCHEME, on=on,
                                   commune_ids=[u[0] for u in units])
    order = {c: i for i, c in enumerate(REGION_CATEGORIES)}
    found = {}
    for commune_id, pop, hi in units:
        parts = shares.get(commune_id) or {"none": 1.0}
        main = max(parts, key=lambda c: (parts[c], -order.get(c, 99)))
        row = found.setdefault(main, {"communes": 0, "with_data": 0, "population": None, "participants": None})
        row["communes"] += 1
        row["with_data"] += hi is not None
        for cat, share in parts.items():
            part = found.setdefault(cat, {"communes": 0, "with_data": 0, "population": None, "participants": None})
            if pop is not None:
                part["population"] = (part["population"] or 0) + pop * share
            if hi is not None:
                part["participants"] = (part["participants"] or 0) + hi * share
    rows = []
    for cat in REGION_CATEGORIES + tuple(sorted(set(found) - set(REGION_CATEGORIES))):
        f = found.get(cat, {"communes": 0, "with_data": 0, "population": None, "participants": None})
        pop = round(f["population"]) if f["population"] is not None else None
        hi = round(f["participants"]) if f["participants"] is not None else None
        rows.append({"category": cat, "communes": f["communes"], "with_data": f["with_data"], "population": pop,
                     "participants": hi, "coverage": hi_coverage(hi, pop)})
    pops = [pop for _c, pop, _hi in units if pop is not None]  # the whole, not the rounded parts
    his = [hi for _c, _pop, hi in units if hi is not None]
    total_pop, total_hi = (sum(pops) if pops else None), (sum(his) if his else None)
    total = {"category": "total", "communes": sum(r["communes"] for r in rows),
             "with_data": sum(r["with_data"] for r in rows), "population": total_pop, "participants": total_hi,
             "coverage": hi_coverage(total_hi, total_pop)}
    return {"rows": rows, "total": total, "on": on, "population_year": den_year}


# --- field work by month ------------------------------------------------------------------------

def _field_scope(user, district_id):
    condition = scope.commune_filter(user)
    if district_id is not None:
        condition = and_(condition, Commune.district_id == district_id)
    return condition


def fieldwork_by_month(*, session, user, year, district_id=None):
    """Approved conferences (by format, with attendees) and new participants from approved
    activity entries (voluntary SI and household HI) in each month of the year."""
    month = extract("month", Conference.held_on)
    conferences = session.execute(
        select(month.label("m"), Conference.format, func.count(Conference.id), func.sum(Conference.attendees))
        .join(Commune, Commune.id == Conference.commune_id)
        .where(Conference.status == "approved", Conference.held_on >= date(year, 1, 1),
               Conference.held_on <= date(year, 12, 31), _field_scope(user, district_id))
        .group_by(month, Conference.format)).all()
    act_month = extract("month", Activity.done_on)
    activities = session.execute(
        select(act_month.label("m"), func.sum(Activity.new_voluntary_si), func.sum(Activity.new_household_hi))
        .join(Commune, Commune.id == Activity.commune_id)
        .where(Activity.status == "approved", Activity.done_on >= date(year, 1, 1),
               Activity.done_on <= date(year, 12, 31), _field_scope(user, district_id))
        .group_by(act_month)).all()
    months = [{"month": date(year, m, 1), "by_format": {f: 0 for f in CONFERENCE_FORMATS}, "conferences": 0,
               "attendees": 0, "new_voluntary_si": 0, "new_household_hi": 0, "new": 0} for m in range(1, 13)]
    for m, fmt, count, attendees in conferences:
        row = months[int(m) - 1]
        row["by_format"][fmt] = row["by_format"].get(fmt, 0) + int(count)
        row["conferences"] += int(count)
        row["attendees"] += int(attendees or 0)
    for m, vsi, hhi in activities:
        row = months[int(m) - 1]
        row["new_voluntary_si"], row["new_household_hi"] = int(vsi or 0), int(hhi or 0)
        row["new"] = row["new_voluntary_si"] + row["new_household_hi"]
    total = {k: sum(r[k] for r in months) for k in ("conferences", "attendees", "new_voluntary_si",
                                                    "new_household_hi", "new")}
    total["by_format"] = {f: sum(r["by_format"].get(f, 0) for r in months) for f in CONFERENCE_FORMATS}
    return {"months": months, "total": total, "year": year,
            "has_data": bool(total["conferences"] or total["new"])}


def latest_fieldwork_month(*, session, user, year, district_id=None):
    """The month field-work report pages open on for a year: the reference day's month
    (today, or the last day with approved field work) if it falls in the year, else the
    year's last month with an approved or submitted conference or activity, else None."""
    reference = fieldwork_reports.reference_day(session=session)
    if reference.year == year:
        return reference.replace(day=1)
    lo, hi = date(year, 1, 1), date(year, 12, 31)
    last = [session.execute(select(func.max(column)).join(Commune, Commune.id == model.commune_id)
                            .where(model.status.in_(("approved", "submitted")), column >= lo, column <= hi,
                                   _field_scope(user, district_id))).scalar()
            for model, column in ((Conference, Conference.held_on), (Activity, Activity.done_on))]
    last = [d for d in last if d is not None]
    return max(last).replace(day=1) if last else None


# --- one district ---------------------------------------------------------------------------------

def district_figures(*, session, user, version, district, year):
    """The district's key figures: population, HI participants, coverage, target, attainment,
    people still needed, pace flag and year-end projection."""
    result = progress.progress(session=session, user=user, version=version, metric_code="hi_coverage",
                               level="district", year=year, district_id=district.id)
    row = result["rows"][0] if result["rows"] else None
    province = province_of(session=session, version=version)
    province_target = (find_target(session=session, metric="hi_coverage", level="province", unit_id=province.id,
                                   year=year) if province else None)
    if row is None:
        return {"as_of": result["as_of"], "population": None, "participants": None, "target_rate": None,
                "target_people": None, "target_source": None, "flag": None, "projection": None,
                "coverage": None, "attainment": None, "needed": None}
    actual, denominator = row["pace"].actual, row["denominator"]
    rate, people, source = _target_of(row["target"], province_target, default_target("hi_coverage")[0], denominator)
    communes = session.execute(select(func.count(Commune.id)).where(Commune.district_id == district.id,
                                                                     scope.commune_filter(user))).scalar()
    return {"as_of": result["as_of"], "population": denominator, "participants": actual, "communes": communes,
            "target_rate": rate, "target_people": people,
            "target_source": {"own": "district", "parent": "province"}.get(source, source),
            "flag": row["pace"].flag if row["target"] is not None else None,
            "projection": row["pace"].projection, **_judged(actual, denominator, rate, people)}


def district_communes(*, session, user, version, district, year):
    """The district's communes against their HI targets (a commune without its own target takes
    the district's rate, else the province's — progress.ranking's rule — else the default 95%),
    most people still needed first."""
    result = progress.ranking(session=session, user=user, version=version, metric_code="hi_coverage", year=year,
                              district_id=district.id)
    default_ratio = default_target("hi_coverage")[0]
    rows = []
    for r in result["rows"]:
        people, source = r["target_people"], r["target_source"]
        rate = r["target_value"] / 100 if r["target_value"] is not None else None
        if people is None and default_ratio is not None and r["denominator"]:
            rate, people, source = default_ratio, round(default_ratio * r["denominator"]), "default"
        rows.append({"commune": r["commune"], "population": r["population"], "participants": r["actual"],
                     "target_rate": rate, "target_people": people, "target_source": source, "flag": r["flag"],
                     "region": r["region"], "last_conference": r["last_conference"],
                     "days_since_conference": r["days_since_conference"],
                     **_judged(r["actual"], r["denominator"], rate, people)})
    rows.sort(key=lambda x: (-(x["needed"] or 0), x["commune"].code))
    return {"rows": rows, "as_of": result["as_of"], "year": year}


def month_conferences(*, session, user, district, month):
    """The month's conferences in the district, approved and awaiting review (returned ones are
    left out), by day, with the commune's name."""
    start, end = fieldwork_reports.period_bounds("month", month)
    rows = session.execute(
        select(Conference, Commune.name, Commune.code).join(Commune, Commune.id == Conference.commune_id)
        .where(Conference.held_on >= start, Conference.held_on <= end,
               Conference.status.in_(("approved", "submitted")), Commune.district_id == district.id,
               scope.commune_filter(user))
        .order_by(Conference.held_on, Commune.code, Conference.id)).all()
    items = [{"conference": c, "commune": name, "commune_code": code} for c, name, code in rows]
    return {"start": start, "end": end, "rows": items,
            "approved": sum(1 for i in items if i["conference"].status == "approved"),
            "submitted": sum(1 for i in items if i["conference"].status == "submitted")}


def agents_activity(*, session, user, district, kind, day):
    """fieldwork_reports.agent_summary for the district's agents (week or month containing day)."""
    return fieldwork_reports.agent_summary(session=session, user=user, kind=kind, day=day, district_id=district.id)


def previous_month(day):
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def next_month(day):
    return (day.replace(day=1) + timedelta(days=32)).replace(day=1)
