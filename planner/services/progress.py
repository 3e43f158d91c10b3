"""Progress against targets: actual vs target vs expected pace, year-end projection, flag,
and the ranked list of communes by people still needed. Every figure comes from grouped SQL
(conditional sums over a handful of months), never from Python loops over coverage rows."""
from dataclasses import dataclass
from datetime import date
from typing import Optional

from sqlalchemy import and_, case, func, literal, select

from planner.models import (
    Activity, ClassificationMembership, ClassificationScheme, Commune, Conference, CoverageRecord, Denominator,
    District, HierarchyVersion, PaceSetting, Province, Target,
)
from planner.services import hierarchy, scope
from planner.services.metrics import from_people, get_metric


def month_add(d, months):
    index = d.year * 12 + d.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def pace_setting(*, session):
    row = session.execute(select(PaceSetting).order_by(PaceSetting.id)).scalars().first()
    return row or PaceSetting()


def save_pace_setting(*, session, user, on_track_ratio, at_risk_ratio):
    if not (0 < at_risk_ratio < on_track_ratio <= 1.5):
        raise ValueError("need 0 < at-risk < on-track <= 1.5")
    row = session.execute(select(PaceSetting).order_by(PaceSetting.id)).scalars().first() or PaceSetting()
    row.on_track_ratio, row.at_risk_ratio, row.updated_by = on_track_ratio, at_risk_ratio, user.username
    session.add(row)
    session.commit()
    return row


def _unit_key(level):
    return {"district": Commune.district_id, "commune": Commune.id}.get(level)


def as_of_month(*, session, version_id, year):
    """The latest month of the year that has coverage records (None if the year has none)."""
    return session.execute(
        select(func.max(CoverageRecord.period)).join(Commune, Commune.id == CoverageRecord.commune_id)
        .where(Commune.version_id == version_id, CoverageRecord.period >= date(year, 1, 1),
               CoverageRecord.period <= date(year, 12, 1))
    ).scalar()


def _points(year, as_of):
    m = as_of.month if as_of else 1
    points = {
        "base": date(year - 1, 12, 1), "jan": date(year, 1, 1),
        "prev_base": date(year - 2, 12, 1), "prev_jan": date(year - 1, 1, 1),
        "prev_same": date(year - 1, m, 1), "prev_end": date(year - 1, 12, 1),
    }
    if as_of:
        points["actual"] = as_of
        points["back3"] = month_add(as_of, -3)
    return points


def _activity_series(session, metric, level, year, as_of, where):
    """Cumulative approved amounts from 1 January to the end of each sample month (base 0)."""
    m = as_of.month if as_of else 12
    expr = metric.participants()
    cuts = {"actual": (date(year, 1, 1), month_add(as_of, 1)) if as_of else None,
            "back3": (date(year, 1, 1), month_add(as_of, -2)) if as_of and m > 3 else None,
            "prev_same": (date(year - 1, 1, 1), month_add(date(year - 1, m, 1), 1)),
            "prev_end": (date(year - 1, 1, 1), date(year, 1, 1))}
    columns = [func.sum(case((and_(Activity.done_on >= lo, Activity.done_on < hi), expr))).label(name)
               for name, (lo, hi) in ((k, v) for k, v in cuts.items() if v)]
    key = _unit_key(level)
    key_col = key if key is not None else literal(0)
    stmt = (select(key_col.label("unit"), *columns).join(Commune, Commune.id == Activity.commune_id)
            .where(where, Activity.status == "approved", Activity.done_on >= date(year - 1, 1, 1),
                   Activity.done_on < date(year + 1, 1, 1)))
    if key is not None:
        stmt = stmt.group_by(key)
    result = {}
    for row in session.execute(stmt).mappings():
        values = {name: (int(row[name]) if row[name] is not None else 0) for name in cuts if cuts[name]}
        values.update(base=0, prev_base=0)
        result[row["unit"]] = values
    return result


def activity_as_of(*, session, version_id, year):
    last = session.execute(
        select(func.max(Activity.done_on)).join(Commune, Commune.id == Activity.commune_id)
        .where(Commune.version_id == version_id, Activity.status == "approved",
               Activity.done_on >= date(year, 1, 1), Activity.done_on <= date(year, 12, 31))).scalar()
    return last.replace(day=1) if last else None


def series_by_unit(*, session, metric, level, year, as_of, where, version=None):
    """{unit_id: {point: participants}} at the few months pace needs, in one grouped query.

    With the version, months recorded on older units (before a reform: the December before the
    first year of the office areas was recorded on the districts' communes) are carried over by
    the crosswalk (planner.services.hierarchy), so the pace has its base across reforms."""
    if metric.source == "activity":
        return _activity_series(session, metric, level, year, as_of, where)
    points = _points(year, as_of)
    key = _unit_key(level)
    key_col = key if key is not None else literal(0)
    periods = sorted(set(points.values()))
    if version is None:
        expr = metric.participants()
        columns = [func.sum(case((CoverageRecord.period == d, expr))).label(name) for name, d in points.items()]
        stmt = (select(key_col.label("unit"), *columns)
                .join(Commune, Commune.id == CoverageRecord.commune_id)
                .where(where, CoverageRecord.period.in_(periods)))
    else:
        both = hierarchy.coverage_rows(version=version, expression=metric.participants, periods=periods)
        columns = [func.sum(case((both.c.period == d, both.c.value))).label(name) for name, d in points.items()]
        stmt = (select(key_col.label("unit"), *columns).select_from(both)
                .join(Commune, Commune.id == both.c.commune_id).where(where))
    if key is not None:
        stmt = stmt.group_by(key)
    result = {}
    for row in session.execute(stmt).mappings():
        result[row["unit"]] = {name: (round(row[name]) if row[name] is not None else None) for name in points}
    return result


def actuals_by_unit(*, session, metric, level, unit_ids, year):
    """{unit_id: participants at the latest month of the year (growth since the start for growth metrics)}."""
    if not metric.has_actuals or level not in ("district", "commune") or not unit_ids:
        return {}
    key = _unit_key(level)
    version_id = session.execute(select(Commune.version_id).where(key.in_(unit_ids)).limit(1)).scalar()
    months = activity_as_of if metric.source == "activity" else as_of_month
    as_of = months(session=session, version_id=version_id, year=year) if version_id else None
    if as_of is None:
        return {}
    series = series_by_unit(session=session, metric=metric, level=level, year=year, as_of=as_of,
                            where=key.in_(unit_ids), version=session.get(HierarchyVersion, version_id))
    out = {}
    for unit_id, s in series.items():
        actual = s.get("actual")
        if metric.growth and actual is not None:
            base = s["base"] if s["base"] is not None else s["jan"]
            actual = actual - (base or 0)
        out[unit_id] = actual
    return out


def denominators(*, session, metric, level, year, where, version=None):
    """{unit_id: population or labour force} of the latest year up to the year. With the version,
    figures kept on older units count through the crosswalk when they are newer than the
    version's own (hierarchy.denominators_in_version): an office version imported with its
    2019 census population still measures 2026 against the 2024 figures of the units it grew from."""
    if metric.denominator is None:
        return {}
    column = Denominator.population if metric.denominator == "population" else Denominator.labour_force
    if version is not None:
        return _denominators_in_version(session, version, column, level, year, where)
    best = session.execute(select(func.max(Denominator.year)).join(Commune, Commune.id == Denominator.commune_id)
                           .where(where, Denominator.year <= year)).scalar()
    if best is None:
        return {}
    key = _unit_key(level)
    key_col = key if key is not None else literal(0)
    stmt = (select(key_col.label("unit"), func.sum(column)).join(Commune, Commune.id == Denominator.commune_id)
            .where(where, Denominator.year == best))
    if key is not None:
        stmt = stmt.group_by(key)
    return dict(session.execute(stmt).all())


def _denominators_in_version(session, version, column, level, year, where):
    per_commune, _year = hierarchy.denominators_in_version(session=session, version=version, column=column,
                                                           up_to_year=year)
    if not per_commune:
        return {}
    key = _unit_key(level)
    key_col = key if key is not None else literal(0)
    out = {}
    for unit, commune_id in session.execute(select(key_col, Commune.id).where(where)):
        if commune_id in per_commune:
            out[unit] = out.get(unit, 0) + per_commune[commune_id]
    return out


@dataclass
class Pace:
    base: Optional[float]
    actual: Optional[float]
    target: Optional[float]
    expected: Optional[float]
    projection: Optional[float]
    seasonal: bool
    ratio: Optional[float]
    flag: Optional[str]  # on_track, at_risk, off_track


def compute_pace(points, *, target, month, growth, setting):
    """Pace of one unit from its participants at the sample months (all head counts)."""
    base = points.get("base") if points.get("base") is not None else points.get("jan")
    from_jan = points.get("base") is None
    actual = points.get("actual")
    if actual is None or base is None or month is None:
        return Pace(base, actual, target, None, None, False, None, None)
    if growth:
        actual, zero = actual - base, 0
    else:
        zero = base
    elapsed = (month - 1) / 11 if from_jan else month / 12
    fraction, seasonal = elapsed, False
    prev_base = points.get("prev_base") if points.get("prev_base") is not None else points.get("prev_jan")
    prev_same, prev_end = points.get("prev_same"), points.get("prev_end")
    if None not in (prev_base, prev_same, prev_end) and prev_end - prev_base > 0:
        fraction = min(1.0, max(0.0, (prev_same - prev_base) / (prev_end - prev_base)))
        seasonal = True
    back3 = points.get("back3")
    current = actual + (base if growth else 0)
    if back3 is not None and month > 3:
        slope = (current - back3) / 3
    else:
        months = month - 1 if from_jan else month
        slope = (current - base) / months if months > 0 else 0
    projection = actual + slope * (12 - month)
    if target is None:
        return Pace(zero, actual, None, None, projection, seasonal, None, None)
    expected = zero + (target - zero) * fraction
    if actual >= target:
        ratio = max(1.0, (actual - zero) / (expected - zero)) if expected > zero else 1.0
    elif expected - zero > 0:
        ratio = (actual - zero) / (expected - zero)
    else:
        ratio = actual / expected if expected else 1.0
    flag = ("on_track" if ratio >= setting.on_track_ratio
            else "at_risk" if ratio >= setting.at_risk_ratio else "off_track")
    return Pace(zero, actual, target, expected, projection, seasonal, ratio, flag)


def _targets(session, metric_code, level, year, unit_ids=None):
    # Read-only rows with the Target's attributes (t.id, t.people, t.value, t.status, t.version, ...):
    # building ORM objects cost ~40 µs a row, most of the time for a 10,600-commune country.
    stmt = select(*Target.__table__.c).where(Target.metric == metric_code, Target.level == level,
                                               Target.year == year)
    if unit_ids is not None:
        stmt = stmt.where(Target.unit_id.in_(unit_ids))
    return {t.unit_id: t for t in session.execute(stmt)}


def progress(*, session, user, version, metric_code, level, year, district_id=None):
    """Rows for every visible unit of a level: actual, target, expected, projection, flag."""
    metric = get_metric(metric_code)
    setting = pace_setting(session=session)
    where = and_(Commune.version_id == version.id, scope.commune_filter(user))
    if district_id is not None:
        where = and_(where, Commune.district_id == district_id)
    months = activity_as_of if metric.source == "activity" else as_of_month
    as_of = months(session=session, version_id=version.id, year=year)
    if level == "province":
        province = session.execute(select(Province).where(Province.version_id == version.id)).scalars().first()
        units = {0: province} if province else {}
        target_units = {0: province.id} if province else {}
    elif level == "district":
        rows = session.execute(select(District).where(District.version_id == version.id,
                                                      scope.district_filter(user))
                               .order_by(District.code)).scalars().all()
        if district_id is not None:
            rows = [d for d in rows if d.id == district_id]
        units = {d.id: d for d in rows}
        target_units = {d.id: d.id for d in rows}
    else:
        rows = session.execute(select(*Commune.__table__.c).where(where).order_by(Commune.code)).all()  # rows, as above
        units = {c.id: c for c in rows}
        target_units = {c.id: c.id for c in rows}
    series = series_by_unit(session=session, metric=metric, level=level, year=year, as_of=as_of,
                            where=where, version=version) if metric.has_actuals else {}
    denoms = denominators(session=session, metric=metric, level=level, year=year, where=where, version=version)
    targets = _targets(session, metric_code, level, year, list(target_units.values()))
    out = []
    for key, unit in units.items():
        t = targets.get(target_units[key])
        pace = compute_pace(series.get(key, {}), target=t.people if t else None,
                            month=as_of.month if as_of else None, growth=metric.growth, setting=setting)
        d = denoms.get(key)
        out.append({"unit": unit, "target": t, "denominator": d, "pace": pace, "points": series.get(key, {}),
                    "actual_value": from_people(metric, pace.actual, d) if pace.actual is not None else None,
                    "expected_value": from_people(metric, pace.expected, d) if pace.expected is not None else None,
                    "projection_value": from_people(metric, pace.projection, d) if pace.projection is not None else None})
    return {"metric": metric, "as_of": as_of, "rows": out, "setting": setting, "year": year}


REGION_SCHEME = "region_861"


def ranking(*, session, user, version, metric_code, year, district_id=None, region=None, flag=None,
            limit=None):
    """Communes ordered by people still needed to reach their target.

    A commune without its own target is measured against its district's (or else the
    province's) rate, so the list is useful before the district has allocated.
    """
    metric = get_metric(metric_code)
    result = progress(session=session, user=user, version=version, metric_code=metric_code,
                      level="commune", year=year, district_id=district_id)
    rows = result["rows"]
    district_targets = _targets(session, metric_code, "district", year)
    province = session.execute(select(Province).where(Province.version_id == version.id)).scalars().first()
    province_target = _targets(session, metric_code, "province", year).get(province.id) if province else None
    on = date(year, 12, 31)
    regions = dict(session.execute(
        select(ClassificationMembership.commune_id, ClassificationMembership.category)
        .join(ClassificationScheme, ClassificationScheme.id == ClassificationMembership.scheme_id)
        .join(Commune, Commune.id == ClassificationMembership.commune_id)
        .where(ClassificationScheme.code == REGION_SCHEME, Commune.version_id == version.id,
               ClassificationMembership.valid_from <= on,
               (ClassificationMembership.valid_to.is_(None)) | (ClassificationMembership.valid_to >= date(year, 1, 1)))
    ).all())
    if metric.denominator == "population":  # already read by progress(): no second query
        populations = {r["unit"].id: r["denominator"] for r in rows}
    else:
        populations = denominators(session=session, metric=get_metric("hi_coverage"), level="commune", year=year,
                                   where=and_(Commune.version_id == version.id, scope.commune_filter(user)),
                                   version=version)
    districts = {d.id: d for d in session.execute(select(District).where(District.version_id == version.id)).scalars()}
    last_conference = dict(session.execute(
        select(Conference.commune_id, func.max(Conference.held_on))
        .join(Commune, Commune.id == Conference.commune_id)
        .where(Conference.status == "approved", Commune.version_id == version.id, scope.commune_filter(user))
        .group_by(Conference.commune_id)).all())
    today = date.today()
    ranked = []
    for r in rows:
        c, pace = r["unit"], r["pace"]
        target_people, source = (r["target"].people, "commune") if r["target"] else (None, None)
        if target_people is None and metric.is_rate and r["denominator"]:
            parent = district_targets.get(c.district_id) or province_target
            if parent is not None:
                target_people = round(parent.value / 100 * r["denominator"])
                source = "district" if parent.level == "district" else "province"
        if source not in (None, "commune"):
            # Pace and flag against the derived target too, so the flag filter covers every commune.
            pace = compute_pace(r["points"], target=target_people, month=result["as_of"].month if result["as_of"] else None,
                                growth=metric.growth, setting=result["setting"])
        needed = max(0, target_people - (pace.actual or 0)) if target_people is not None else None
        projection_gap = (max(0, target_people - pace.projection) if target_people is not None
                          and pace.projection is not None else None)
        item = {
            "commune": c, "district": districts.get(c.district_id), "population": populations.get(c.id),
            "denominator": r["denominator"], "actual": pace.actual, "actual_value": r["actual_value"],
            "target_people": target_people, "target_source": source,
            "target_value": from_people(metric, target_people, r["denominator"]) if target_people is not None else None,
            "needed": needed, "projection": pace.projection, "projection_value": r["projection_value"],
            "projection_gap": projection_gap, "flag": pace.flag, "region": regions.get(c.id),
            "lost_state_hi_people": c.lost_state_hi_people,
            "last_conference": last_conference.get(c.id),
            "days_since_conference": (today - last_conference[c.id]).days if c.id in last_conference else None,
        }
        if region and (item["region"] or "none") != region:
            continue
        if flag and item["flag"] != flag:
            continue
        ranked.append(item)
    ranked.sort(key=lambda i: (-(i["needed"] or 0), i["commune"].code))
    if limit:
        ranked = ranked[:limit]
    return {"metric": metric, "as_of": result["as_of"], "rows": ranked, "year": year}
