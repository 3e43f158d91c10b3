"""What a commune inherits across reforms: the older units it was made of (and where an old unit
went), the classifications of its parts, the people who lost state-funded HI cards, and what its
predecessors reached before the reform.

Everything goes through CrosswalkLink (official rows, hops = 1, and the chained rows, hops >= 2,
that hierarchy.rebuild_chains derives), so a 2025-07 commune reaches its 2024-12 units and their
2020-2024 units in one join. When several older versions lead to the same commune (a 2025-07
commune has both 412-unit and 460-unit predecessors), a rule reads one of them: the newest
older version that holds the figure (classification memberships, lost-card people), never the
sum of both, which would count the same people twice.

Every figure comes from grouped SQL over the whole version (the map asks for 130-460 communes at
a time); the Python that follows only picks and divides the grouped rows."""
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

from sqlalchemy import and_, case, func, literal, or_, select, union_all
from sqlalchemy.orm import aliased

from planner.models import (
    ClassificationMembership, ClassificationScheme, Commune, CoverageRecord, CrosswalkLink, Denominator,
    District, HierarchyVersion,
)
from planner.services import hierarchy
from planner.services.metrics import from_people, get_metric

NONE = "none"  # the category of the parts that are in no list of the scheme


# --- what went into a commune, where an old unit went ------------------------------------------

@dataclass
class Part:
    """One older unit and the link that carries it into a newer commune (or the other way)."""
    commune: Commune
    district: District
    share: float  # of the old unit's people that went to the new unit (crosswalk share)
    hops: int
    note: str = ""
    population: Optional[int] = None  # the old unit's people that went this way (share applied)
    part: Optional[float] = None  # of the new commune's people (within one version), 0..1


@dataclass
class VersionParts:
    version: HierarchyVersion
    parts: list = field(default_factory=list)

    @property
    def population(self):
        known = [p.population for p in self.parts if p.population is not None]
        return sum(known) if known else None


def _latest_population(unit):
    """A correlated scalar subquery: the unit's population in its latest Denominator year (the
    2019 census rows of an imported version when that is all there is); NULL when it has none.
    Correlated (one index lookup per unit) rather than a joined derived table, which SQLite
    would scan once per crosswalk row."""
    return (select(Denominator.population).where(Denominator.commune_id == unit.id)
            .order_by(Denominator.year.desc()).limit(1).scalar_subquery())


def _grouped(rows, newest_first):
    by_version, order = {}, []
    for version, part in rows:
        if version.id not in by_version:
            by_version[version.id] = VersionParts(version=version)
            order.append(version.id)
        by_version[version.id].parts.append(part)
    result = [by_version[v] for v in order]
    result.sort(key=lambda vp: vp.version.valid_from, reverse=newest_first)
    for vp in result:
        total = vp.population
        for p in vp.parts:
            p.part = (p.population / total) if (total and p.population is not None) else None
    return result


def predecessors(*, session, commune):
    """The units of older versions that went into this commune, by version, newest first:
    [VersionParts(version, parts=[Part(commune, district, share, hops, note, population, part)])].
    population is the old unit's people (latest year) times the crosswalk share; part is its
    fraction of the commune's people as that version counted them."""
    old = aliased(Commune)
    rows = session.execute(
        select(HierarchyVersion, old, District, CrosswalkLink.share, CrosswalkLink.hops, CrosswalkLink.note,
               _latest_population(old))
        .select_from(CrosswalkLink)
        .join(old, old.id == CrosswalkLink.from_commune_id)
        .join(HierarchyVersion, HierarchyVersion.id == old.version_id)
        .join(District, District.id == old.district_id)
        .where(CrosswalkLink.to_commune_id == commune.id)
        .order_by(HierarchyVersion.valid_from.desc(), old.code)).all()
    return _grouped(((v, Part(commune=c, district=d, share=share, hops=hops, note=note or "",
                              population=round(p * share) if p is not None else None))
                     for v, c, d, share, hops, note, p in rows), newest_first=True)


def successors(*, session, commune):
    """Where an old unit went: its commune (or communes, with shares) in each newer version,
    oldest version first: [VersionParts(version, parts=[Part(...)])]; share is the part of the
    old unit's people that went to that commune."""
    new = aliased(Commune)
    rows = session.execute(
        select(HierarchyVersion, new, District, CrosswalkLink.share, CrosswalkLink.hops, CrosswalkLink.note)
        .select_from(CrosswalkLink)
        .join(new, new.id == CrosswalkLink.to_commune_id)
        .join(HierarchyVersion, HierarchyVersion.id == new.version_id)
        .join(District, District.id == new.district_id)
        .where(CrosswalkLink.from_commune_id == commune.id)
        .order_by(HierarchyVersion.valid_from, new.code)).all()
    return _grouped(((v, Part(commune=c, district=d, share=share, hops=hops, note=note or ""))
                     for v, c, d, share, hops, note in rows), newest_first=False)


def has_predecessors(*, session, commune_ids):
    """The subset of commune_ids that older units went into (communes made by a reform)."""
    ids = list(commune_ids)
    if not ids:
        return set()
    return set(session.execute(select(CrosswalkLink.to_commune_id).where(CrosswalkLink.to_commune_id.in_(ids))
                               .distinct()).scalars())


# --- classifications with parts ---------------------------------------------------------------

def _in_version(version, commune_ids=None):
    """The condition on Commune: of this version (and among commune_ids when given)."""
    condition = Commune.version_id == version.id
    if commune_ids is not None:
        condition = and_(condition, Commune.id.in_(list(commune_ids)))
    return condition


def _valid_on(model, day):
    return and_(model.valid_from <= day, or_(model.valid_to.is_(None), model.valid_to >= day))


def _newest(rows):
    """{commune_id: {version key: {category: (weight by population, weight by share)}}} -> per
    commune, the newest predecessor version that has a category other than none."""
    chosen = {}
    for commune_id, versions in rows.items():
        for key in sorted(versions, reverse=True):
            if any(cat != NONE for cat in versions[key]):
                chosen[commune_id] = versions[key]
                break
        else:
            chosen[commune_id] = {NONE: (1.0, 1.0)}
    return chosen


def _normalised(weights):
    """{category: (population weight, share weight)} -> {category: share of 1}, by population
    when the parts have one, else by the crosswalk shares alone."""
    by_population = sum(w for w, _s in weights.values())
    if by_population > 0:
        return {cat: w / by_population for cat, (w, _s) in weights.items() if w > 0}
    by_share = sum(s for _w, s in weights.values())
    if by_share > 0:
        return {cat: s / by_share for cat, (_w, s) in weights.items() if s > 0}
    return {NONE: 1.0}


def classification_shares(*, session, version, scheme_code, on, commune_ids=None):
    """{commune_id: {category: share of the population}} for the communes of version in a
    scheme ("region_861", ...), on a day. Shares sum to 1 over the categories, "none" included.

    - A commune's own memberships valid on `on` win (one category: share 1).
    - Otherwise its predecessors' memberships, weighted by the predecessor's population (latest
      Denominator year; the 2019 census when that is all) times the crosswalk share: those valid on
      `on`, or, for a scheme still in force on `on` whose list was kept on the older units and
      ended with them, those valid on the last day the predecessor's version was in force. Of
      several older versions, the newest that has any membership is read.
    - No membership anywhere: {"none": 1.0}.
    An unknown scheme gives every commune {"none": 1.0}."""
    return _classification(session, version, scheme_code, on, commune_ids)[0]


def _classification(session, version, scheme_code, on, commune_ids):
    """(classification_shares, the ids whose shares come from their own memberships)."""
    in_version = _in_version(version, commune_ids)
    result = {cid: {NONE: 1.0} for cid in session.execute(select(Commune.id).where(in_version)).scalars()}
    scheme = session.execute(select(ClassificationScheme).where(ClassificationScheme.code == scheme_code)
                             ).scalars().first()
    if scheme is None or not result:
        return result, set()

    # Own memberships.
    own_rows = session.execute(
        select(ClassificationMembership.commune_id, ClassificationMembership.category, func.count())
        .join(Commune, Commune.id == ClassificationMembership.commune_id)
        .where(in_version, ClassificationMembership.scheme_id == scheme.id, _valid_on(ClassificationMembership, on))
        .group_by(ClassificationMembership.commune_id, ClassificationMembership.category)).all()
    own = {}
    for cid, category, n in own_rows:
        own.setdefault(cid, {})[category] = (float(n), float(n))

    # Predecessors' memberships, one grouped query over every commune of the version.
    scheme_in_force = scheme.valid_from <= on and (scheme.valid_to is None or scheme.valid_to >= on)
    old = aliased(Commune)
    old_version = aliased(HierarchyVersion)
    now = aliased(ClassificationMembership)
    last = aliased(ClassificationMembership)
    last_day = func.coalesce(old_version.valid_to, on)
    if scheme_in_force:
        category = func.coalesce(now.category, last.category, literal(NONE))
    else:
        category = func.coalesce(now.category, literal(NONE))
    stmt = (select(CrosswalkLink.to_commune_id, old_version.valid_from, old_version.id, category.label("category"),
                   func.sum(CrosswalkLink.share * func.coalesce(_latest_population(old), 0)),
                   func.sum(CrosswalkLink.share))
            .select_from(CrosswalkLink)
            .join(Commune, Commune.id == CrosswalkLink.to_commune_id)
            .join(old, old.id == CrosswalkLink.from_commune_id)
            .join(old_version, old_version.id == old.version_id)
            .outerjoin(now, and_(now.commune_id == old.id, now.scheme_id == scheme.id, _valid_on(now, on))))
    if scheme_in_force:
        stmt = stmt.outerjoin(last, and_(last.commune_id == old.id, last.scheme_id == scheme.id,
                                         old_version.valid_to < on, _valid_on(last, last_day)))
    stmt = stmt.where(in_version, old_version.valid_from < version.valid_from).group_by(
        CrosswalkLink.to_commune_id, old_version.valid_from, old_version.id, category)
    inherited = {}
    for cid, valid_from, version_id, cat, by_population, by_share in session.execute(stmt).all():
        key = (valid_from, version_id)
        slot = inherited.setdefault(cid, {}).setdefault(key, {})
        w, s = slot.get(cat, (0.0, 0.0))
        slot[cat] = (w + float(by_population or 0), s + float(by_share or 0))

    for cid, weights in _newest(inherited).items():
        result[cid] = _normalised(weights)
    for cid, weights in own.items():
        result[cid] = _normalised(weights)
    return result, set(own)


@dataclass
class SchemeParts:
    scheme: ClassificationScheme
    shares: dict  # {category: share}, largest first, "none" last
    day: date  # the day the lists were read
    in_force: bool  # False: the scheme had ended by the page's day (read on its last day)
    inherited: bool  # True: from the predecessors (the commune has no membership of its own)


def schemes_with_parts(*, session, commune, on):
    """The commune page's classifications: a SchemeParts for every scheme whose period overlaps
    the commune's version and has begun by `on`, read on `on` (or on the scheme's last day when
    it has ended), leaving out the schemes where the commune and its predecessors are in no
    list."""
    version = session.get(HierarchyVersion, commune.version_id)
    schemes = session.execute(select(ClassificationScheme).order_by(ClassificationScheme.valid_from,
                                                                     ClassificationScheme.code)).scalars().all()
    out = []
    for scheme in schemes:
        if scheme.valid_from > on:
            continue
        if scheme.valid_to is not None and (scheme.valid_to < version.valid_from):
            continue
        day = on if scheme.valid_to is None or scheme.valid_to >= on else scheme.valid_to
        found, own = _classification(session, version, scheme.code, day, [commune.id])
        shares = found.get(commune.id, {NONE: 1.0})
        if set(shares) == {NONE}:
            continue
        ordered = dict(sorted(shares.items(), key=lambda kv: (kv[0] == NONE, -kv[1], kv[0])))
        out.append(SchemeParts(scheme=scheme, shares=ordered, day=day, in_force=day == on,
                               inherited=commune.id not in own))
    return out


# --- the lost-card cohort ----------------------------------------------------------------------

def lost_card_people(*, session, version, commune_ids=None):
    """{commune_id: people who lost state-funded HI cards} for the communes of version: its own
    non-zero figure, else its predecessors' figures times the crosswalk share (the newest older
    version that has any), rounded: the lost-card cohort travels with its people."""
    in_version = _in_version(version, commune_ids)
    own = dict(session.execute(select(Commune.id, Commune.lost_state_hi_people).where(in_version)).all())
    old = aliased(Commune)
    old_version = aliased(HierarchyVersion)
    rows = session.execute(
        select(CrosswalkLink.to_commune_id, old_version.valid_from, old_version.id,
               func.sum(old.lost_state_hi_people * CrosswalkLink.share))
        .select_from(CrosswalkLink)
        .join(Commune, Commune.id == CrosswalkLink.to_commune_id)
        .join(old, old.id == CrosswalkLink.from_commune_id)
        .join(old_version, old_version.id == old.version_id)
        .where(in_version, old.lost_state_hi_people > 0,
               old_version.valid_from < version.valid_from)
        .group_by(CrosswalkLink.to_commune_id, old_version.valid_from, old_version.id)).all()
    carried = {}
    for cid, valid_from, version_id, people in rows:
        carried.setdefault(cid, {})[(valid_from, version_id)] = float(people or 0)
    result = {}
    for cid, value in own.items():
        if value:
            result[cid] = value
        elif cid in carried:
            result[cid] = round(carried[cid][max(carried[cid])])
        else:
            result[cid] = 0
    return result


# --- what the predecessors reached ------------------------------------------------------------

@dataclass
class Reached:
    year: int
    month: Optional[date]  # the last month of the year with data
    participants: Optional[int]
    denominator: Optional[int]
    denominator_year: Optional[int]
    value: Optional[float]  # in the metric's own unit: percent for a rate, else people

    @property
    def rate(self):
        """The rate as a ratio (0.93) for the `percent` filter; None for a head-count metric."""
        return None if self.value is None or self.denominator is None else self.value / 100


def comparison_year(*, session, version, commune_ids=None):
    """The last calendar year before the version came into force in which the units that went
    into its communes (or those of commune_ids) have coverage records: 2024 for the July 2025
    communes. None when they have none."""
    cutoff = date(version.valid_from.year, 1, 1)
    where = [Commune.version_id == version.id, CoverageRecord.period < cutoff]
    if commune_ids is not None:
        where.append(Commune.id.in_(list(commune_ids)))
    last = session.execute(
        select(func.max(CoverageRecord.period))
        .select_from(CrosswalkLink)
        .join(Commune, Commune.id == CrosswalkLink.to_commune_id)
        .join(CoverageRecord, CoverageRecord.commune_id == CrosswalkLink.from_commune_id)
        .where(*where)).scalar()
    return last.year if last else None


def reached_in_version(*, session, version, commune_ids, year, metric):
    """{commune_id: Reached} for communes of version: what their units (their own and the older
    units that went into them, through the crosswalk) reached in year: participants at the last
    month of that year with data (hierarchy.coverage_in_version), and the rate on that year's
    denominators through the crosswalk (hierarchy.denominators_in_version, metrics.from_people).
    A growth metric counts the change since the December before. Empty for metrics whose
    actuals are not coverage records (collection)."""
    metric = get_metric(metric) if isinstance(metric, str) else metric
    ids = list(commune_ids)
    if not ids or not metric.has_actuals or metric.source != "coverage":
        return {}
    lo, hi = date(year, 1, 1), date(year, 12, 1)
    own = (select(CoverageRecord.commune_id.label("commune_id"), CoverageRecord.period.label("period"))
           .where(CoverageRecord.commune_id.in_(ids), CoverageRecord.period.between(lo, hi)))
    mapped = (select(CrosswalkLink.to_commune_id.label("commune_id"), CoverageRecord.period.label("period"))
              .join(CoverageRecord, CoverageRecord.commune_id == CrosswalkLink.from_commune_id)
              .where(CrosswalkLink.to_commune_id.in_(ids), CoverageRecord.period.between(lo, hi)))
    both = union_all(own, mapped).subquery()
    months = dict(session.execute(select(both.c.commune_id, func.max(both.c.period)).group_by(both.c.commune_id)
                                  ).all())
    periods = set(months.values())
    base = date(year - 1, 12, 1)
    if metric.growth:
        periods.add(base)
    values = hierarchy.coverage_in_version(session=session, version=version, expression=metric.participants,
                                           periods=sorted(periods)) if periods else {}
    denominators, denominator_year = ({}, None)
    if metric.denominator is not None:
        column = Denominator.population if metric.denominator == "population" else Denominator.labour_force
        denominators, denominator_year = hierarchy.denominators_in_version(
            session=session, version=version, column=column, up_to_year=year)
    result = {}
    for cid in ids:
        month = months.get(cid)
        participants = values.get((cid, month)) if month else None
        if metric.growth and participants is not None:
            participants -= values.get((cid, base)) or 0
        den = denominators.get(cid) if metric.denominator is not None else None
        value = from_people(metric, participants, den) if metric.is_rate else (
            float(participants) if participants is not None else None)
        result[cid] = Reached(year=year, month=month, participants=participants, denominator=den,
                              denominator_year=denominator_year if den is not None else None, value=value)
    return result


def reached_by_predecessors(*, session, commune, year, metric):
    """What the commune's predecessors reached in year (a Reached), see reached_in_version."""
    version = session.get(HierarchyVersion, commune.version_id)
    return reached_in_version(session=session, version=version, commune_ids=[commune.id], year=year,
                              metric=metric).get(commune.id)


# --- targets beside history ----------------------------------------------------------------

# The metrics a merged commune's page compares with its predecessors' record.
COMPARED_METRICS = ("hi_coverage", "si_coverage", "ui_coverage")


@dataclass
class Comparison:
    metric: object
    reached: Optional[Reached]
    targets: dict  # {year: Target or None}


def targets_beside_history(*, session, commune, years):
    """(comparison year, [Comparison]) for a commune made by a reform: per coverage metric, what
    its predecessors reached in the last year before the reform and the commune's targets for
    the given years. Metrics with neither (no participants, or none counted) are left out. (None, []) when no older unit went into
    the commune or they have no figures."""
    from planner.models import Target

    version = session.get(HierarchyVersion, commune.version_id)
    if not has_predecessors(session=session, commune_ids=[commune.id]):
        return None, []
    year = comparison_year(session=session, version=version, commune_ids=[commune.id])
    targets = {}
    for t in session.execute(select(Target).where(Target.level == "commune", Target.unit_id == commune.id,
                                                  Target.year.in_(list(years)))).scalars():
        targets[(t.metric, t.year)] = t
    rows = []
    for code in COMPARED_METRICS:
        metric = get_metric(code)
        reached = reached_by_predecessors(session=session, commune=commune, year=year, metric=metric) \
            if year is not None else None
        found = {y: targets.get((code, y)) for y in years}
        if (reached is None or not reached.participants) and not any(found.values()):
            continue
        rows.append(Comparison(metric=metric, reached=reached, targets=found))
    return year, rows


def allocation_history(*, session, child_level, units, metric):
    """For the target split: (year, {unit_id: Reached}) when the children are communes made by a
    reform (some have predecessors): what their predecessors reached in the last year before
    the reform. (None, {}) otherwise."""
    metric = get_metric(metric) if isinstance(metric, str) else metric
    if child_level != "commune" or not units or not metric.has_actuals or metric.source != "coverage":
        return None, {}
    ids = [u.id for u in units]
    if not has_predecessors(session=session, commune_ids=ids):
        return None, {}
    version = session.get(HierarchyVersion, units[0].version_id)
    year = comparison_year(session=session, version=version, commune_ids=ids)
    if year is None:
        return None, {}
    return year, reached_in_version(session=session, version=version, commune_ids=ids, year=year, metric=metric)
