"""The thematic map's layers: one value per unit (commune or district) of the user's scope for a
period, classified for the legend (mapclassify or fixed breaks at the target).

Values come from grouped SQL: one query for the layer's figures, one for the last conference,
a few small ones for targets and the period's hierarchy version. Only approved field work counts.
A result is cached in the process per (data stamp, parameters, scope, locale), so a warm request
costs the stamp query and a dictionary look-up.
"""
from __future__ import annotations

import math
import re
import warnings
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from datetime import date, timedelta

from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, select
from sqlalchemy.orm import aliased

from planner.i18n import fmt_date, fmt_month, fmt_number
from planner.models import (
    Activity, ClassificationMembership, ClassificationScheme, Commune, Conference, CoverageRecord, CrosswalkLink,
    Denominator, District, Province, Target, limits,
)
from planner.services import hierarchy, map_geometry, registry
from planner.services.coverage_map import (
    DEMO_MARKER, RENDERED_CACHE, data_stamp, database_key, scope_key, scope_where,
)
from planner.services.indicators import hi_coverage, si_coverage, ui_coverage
from planner.services.metrics import DEFAULT_GOALS
from planner.services.progress import REGION_SCHEME, month_add


class MapRequestError(ValueError):
    """A parameter that cannot be used (HTTP 400); the message is Vietnamese, for the user."""


class MapNotFound(LookupError):
    """A unit that does not exist or is outside the user's scope (HTTP 404)."""


@dataclass(frozen=True)
class Layer:
    key: str
    label: object
    kind: str  # numeric | categorical
    unit: str  # percent | people | count | days | points | category
    ramp: str  # good_high | bad_high | more | diverging | category
    default_method: str
    target: str | None = None  # None, "rate" (breaks around a coverage target), "attainment"
    metric: str | None = None  # the target metric whose province target the legend uses


LAYERS = [
    Layer("hi_coverage", _l("Tỷ lệ bao phủ BHYT"), "numeric", "percent", "good_high", "target", "rate", "hi_coverage"),
    Layer("si_coverage", _l("Tỷ lệ bao phủ BHXH"), "numeric", "percent", "good_high", "target", "rate", "si_coverage"),
    Layer("ui_coverage", _l("Tỷ lệ bao phủ BHTN"), "numeric", "percent", "good_high", "target", "rate", "ui_coverage"),
    Layer("attainment", _l("Mức đạt chỉ tiêu BHYT"), "numeric", "percent", "good_high", "target", "attainment"),
    Layer("gap", _l("Số người còn thiếu (BHYT)"), "numeric", "people", "bad_high", "quantiles"),
    Layer("region", _l("Phân vùng (QĐ 861)"), "categorical", "category", "category", "category"),
    Layer("conferences", _l("Số hội nghị đã tổ chức"), "numeric", "count", "more", "quantiles"),
    Layer("days_since_conference", _l("Số ngày từ hội nghị gần nhất"), "numeric", "days", "bad_high", "quantiles"),
    Layer("agent_activity", _l("Hoạt động nhân viên thu"), "numeric", "people", "more", "quantiles"),
    Layer("hi_change", _l("Thay đổi tỷ lệ BHYT so với kỳ gốc"), "numeric", "points", "good_high", "quantiles"),
]
LAYER_BY_KEY = {layer.key: layer for layer in LAYERS}

METHODS = [
    ("quantiles", _l("Phân vị")),
    ("equal_interval", _l("Khoảng đều")),
    ("natural_breaks", _l("Ngắt tự nhiên (Jenks)")),
    ("target", _l("Theo chỉ tiêu")),
]
METHOD_KEYS = [key for key, _label in METHODS]
LEVELS = ("commune", "district")
MIN_CLASSES, MAX_CLASSES, DEFAULT_CLASSES = 3, 7, 5
# Used for the HI breaks when the province has no HI target for the year (the national goal).
DEFAULT_HI_TARGET = DEFAULT_GOALS["hi_coverage"] / 100
NO_DATA_COLOR = "#cccccc"

REGIONS = [
    ("I", _l("Khu vực I"), "#1a9641"),
    ("II", _l("Khu vực II"), "#fdae61"),
    ("III", _l("Khu vực III"), "#d7191c"),
    ("none", _l("Không thuộc khu vực"), "#f0f0f0"),
]

# ColorBrewer ramps (RdYlGn, Reds, Blues) by number of classes.
RAMPS = {
    "good_high": {
        3: ["#fc8d59", "#ffffbf", "#91cf60"],
        4: ["#d7191c", "#fdae61", "#a6d96a", "#1a9641"],
        5: ["#d7191c", "#fdae61", "#ffffbf", "#a6d96a", "#1a9641"],
        6: ["#d73027", "#fc8d59", "#fee08b", "#d9ef8b", "#91cf60", "#1a9850"],
        7: ["#d73027", "#fc8d59", "#fee08b", "#ffffbf", "#d9ef8b", "#91cf60", "#1a9850"],
    },
    "bad_high": {
        3: ["#fee0d2", "#fc9272", "#de2d26"],
        4: ["#fee5d9", "#fcae91", "#fb6a4a", "#cb181d"],
        5: ["#fee5d9", "#fcae91", "#fb6a4a", "#de2d26", "#a50f15"],
        6: ["#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#de2d26", "#a50f15"],
        7: ["#fee5d9", "#fcbba1", "#fc9272", "#fb6a4a", "#ef3b2c", "#cb181d", "#99000d"],
    },
    "more": {
        3: ["#deebf7", "#9ecae1", "#3182bd"],
        4: ["#eff3ff", "#bdd7e7", "#6baed6", "#2171b5"],
        5: ["#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c"],
        6: ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#3182bd", "#08519c"],
        7: ["#eff3ff", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#084594"],
    },
}


def colors(ramp, k):
    """k colours of a ramp, low to high (k of 1 or 2 taken from the 3-class ramp: one class gets
    the middle colour, neither good nor bad)."""
    table = RAMPS[ramp]
    if k >= 3:
        return table[min(k, 7)]
    return [table[3][1]] if k == 1 else [table[3][0], table[3][-1]]


# --- parameters -----------------------------------------------------------------------------

PERIOD_RE = re.compile(r"^([0-9]{4})-([0-9]{2})$")  # ASCII digits only


def parse_period(text):
    """'2024-12' -> date(2024, 12, 1); a malformed month raises MapRequestError."""
    match = PERIOD_RE.match(str(text).strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 2200:
        raise MapRequestError(_("Kỳ số liệu “%(value)s” không hợp lệ (dạng YYYY-MM, ví dụ 2024-12).",
                                value=str(text)[:20]))
    return date(int(match.group(1)), int(match.group(2)), 1)


def period_key(period):
    return period.strftime("%Y-%m")


def month_end(period):
    return month_add(period, 1) - timedelta(days=1)


def check_layer(layer):
    if layer not in LAYER_BY_KEY:
        raise MapRequestError(_("Không có lớp bản đồ “%(value)s”.", value=str(layer)[:40]))
    return LAYER_BY_KEY[layer]


def check_level(level):
    if level not in LEVELS:
        raise MapRequestError(_("Cấp hiển thị phải là “commune” (xã) hoặc “district” (huyện, BHXH cơ sở)."))
    return level


def check_classes(classes):
    value = limits.maybe_int(classes, limits.Range(MIN_CLASSES, MAX_CLASSES))
    if value is None:
        raise MapRequestError(_("Số lớp phải từ %(low)s đến %(high)s.", low=MIN_CLASSES, high=MAX_CLASSES))
    return value


def check_method(layer, method):
    if method in (None, ""):
        return layer.default_method
    if layer.kind == "categorical":
        if method != "category":
            raise MapRequestError(_("Lớp phân vùng không cần phương pháp phân lớp."))
        return method
    if method not in METHOD_KEYS:
        raise MapRequestError(_("Không có phương pháp phân lớp “%(value)s”.", value=str(method)[:40]))
    if method == "target" and layer.target is None:
        raise MapRequestError(_("Phân lớp theo chỉ tiêu chỉ dùng cho tỷ lệ bao phủ và mức đạt chỉ tiêu."))
    return method


def level_label(version, level):
    """What a unit of the level is called in the version: "Xã" for communes; "Huyện" or "BHXH cơ
    sở" (hierarchy.middle_label) for the middle level, which is the grassroots office area from
    July 2025."""
    return hierarchy.middle_label(version) if level == "district" else _("Xã")


def available_periods(*, session):
    """Every month with coverage records, oldest first."""
    return list(session.execute(select(CoverageRecord.period).distinct().order_by(CoverageRecord.period)).scalars())


def default_period(*, session):
    return session.execute(select(func.max(CoverageRecord.period))).scalar()


def district_in_scope(*, session, user, version, code):
    """The version's district of that code if the user sees any of it, else MapNotFound."""
    if not re.fullmatch(r"[0-9]{3}", str(code)):
        raise MapRequestError(_("%(unit)s: mã “%(value)s” không hợp lệ (3 chữ số).",
                                unit=hierarchy.middle_label(version), value=str(code)[:20]))
    found = session.execute(select(District).where(District.version_id == version.id, District.code == code)
                            ).scalars().first()
    if found is None:
        raise MapNotFound(code)
    visible = session.execute(select(func.count(Commune.id)).where(
        Commune.district_id == found.id, scope_where(session=session, user=user, version=version))).scalar()
    if not visible:
        raise MapNotFound(code)
    return found


# --- classification -------------------------------------------------------------------------

def _data_bins(values, method, k):
    """Upper bounds of the classes of a data-driven method (mapclassify), k clipped to the
    number of distinct values; a value belongs to the first class whose bound is >= it."""
    import mapclassify
    import numpy as np

    y = np.asarray(values, dtype=float)
    distinct = np.unique(y)
    k = max(1, min(k, len(distinct)))
    if k == 1:
        return [float(y.max())]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if method == "quantiles":
            bins = mapclassify.Quantiles(y, k=k).bins
        elif method == "equal_interval":
            bins = mapclassify.EqualInterval(y, k=k).bins
        else:
            # Fisher-Jenks (optimal natural breaks) costs O(k n^2): on at most 300 evenly spaced
            # order statistics, so 10,000 communes cost what 300 do, and the result is repeatable.
            sample = np.sort(y)
            if len(sample) > 300:
                sample = sample[np.linspace(0, len(sample) - 1, 300).round().astype(int)]
            bins = mapclassify.FisherJenks(sample, k=min(k, len(np.unique(sample)))).bins
    bins = sorted({float(b) for b in bins})
    bins[-1] = max(bins[-1], float(y.max()))
    return bins


def classify(values, *, method, k=DEFAULT_CLASSES, breaks=None, integer=False):
    """Classes of numeric values (None = no data).

    method "target": fixed ``breaks`` (ascending); class i holds breaks[i-1] <= v < breaks[i].
    Otherwise mapclassify's quantiles, equal intervals or natural breaks; class i holds
    bins[i-1] < v <= bins[i]. With ``integer`` the bounds are whole numbers.
    Returns (classes, scheme): a class index or None per value, and scheme
    {"method", "bounds": [(low, high, low_inclusive)], "counts"} (low/high None = open).
    """
    present = [v for v in values if v is not None]
    if method == "target":
        cuts = list(breaks)
        classes = [None if v is None else bisect_right(cuts, v) for v in values]
        edges = [None] + cuts + [None]
        bounds = [(edges[i], edges[i + 1], True) for i in range(len(cuts) + 1)]
    elif not present:
        classes, bounds = [None] * len(values), []
    else:
        bins = _data_bins(present, method, k)
        if integer:
            bins = sorted({math.floor(b) for b in bins[:-1]} | {math.ceil(bins[-1])})
        classes = [None if v is None else min(bisect_left(bins, v), len(bins) - 1) for v in values]
        low = min(present)
        bounds = []
        for i, high in enumerate(bins):
            bounds.append((low if i == 0 else bins[i - 1], high, i == 0))
    counts = [0] * len(bounds)
    for c in classes:
        if c is not None:
            counts[c] += 1
    return classes, {"method": method, "bounds": bounds, "counts": counts}


# --- formatting -----------------------------------------------------------------------------

def _trim(text):
    """'80,0%' -> '80%': legend bounds without needless decimals."""
    sep = "," if str(get_locale() or "vi").startswith("vi") else "."
    return re.sub(rf"\{sep}0+(?=%|$|\s)", "", text)


def format_value(layer, value, *, legend=False):
    """A value as the user reads it, in their locale: 94,1% / 1.234 / 37 ngày / +2,3 điểm."""
    if value is None:
        return "–"
    unit = layer.unit
    if unit == "percent":
        text = fmt_number(value * 100, 1) + "%"
        return _trim(text) if legend else text
    if unit == "points":
        value = 0.0 if round(value, 1) == 0 else value  # never "-0"
        text = fmt_number(value, 1)
        if legend:
            return _trim(text)
        return _("%(n)s điểm", n=("+" + text) if value > 0 else text)
    if unit == "days":
        return fmt_number(value) if legend else _("%(n)s ngày", n=fmt_number(value))
    if unit == "category":
        return str(dict((k, label) for k, label, _c in REGIONS).get(value, value))
    return fmt_number(value)


def legend_label(layer, low, high, low_inclusive, integer):
    f = lambda v: format_value(layer, v, legend=True)  # noqa: E731
    if low is None:
        return f"< {f(high)}"
    if high is None:
        return f"≥ {f(low)}"
    if integer:
        start = low if low_inclusive else math.floor(low) + 1
        return f(start) if start >= high else f"{f(start)} – {f(high)}"
    return f"{f(low)} – {f(high)}"


# --- figures --------------------------------------------------------------------------------

def _key(level):
    return Commune.id if level == "commune" else Commune.district_id


def _figures(session, version, period, where, level):
    """{unit: {hi, si, ui, population, labour, records}} at the period (population of the latest
    year up to the period's with figures): one grouped query."""
    year = registry.latest_denominator_year(session=session, version_id=version.id, up_to=period.year)
    cov = (select(CoverageRecord.commune_id, CoverageRecord.hi_participants, CoverageRecord.si_compulsory,
                  CoverageRecord.si_voluntary, CoverageRecord.ui_participants)
           .where(CoverageRecord.period == period).subquery())
    den = (select(Denominator.commune_id, Denominator.population, Denominator.labour_force)
           .where(Denominator.year == year).subquery())
    key = _key(level)
    stmt = (select(key, func.sum(cov.c.hi_participants), func.sum(cov.c.si_compulsory + cov.c.si_voluntary),
                   func.sum(cov.c.ui_participants), func.sum(den.c.population), func.sum(den.c.labour_force),
                   func.count(cov.c.commune_id), func.max(Commune.district_id))
            .select_from(Commune)
            .outerjoin(cov, cov.c.commune_id == Commune.id)
            .outerjoin(den, den.c.commune_id == Commune.id)
            .where(where).group_by(key))
    out = {}
    for unit, hi, si, ui, pop, labour, records, district_id in session.execute(stmt):
        out[unit] = {"hi": hi if records else None, "si": si if records else None, "ui": ui if records else None,
                     "population": pop, "labour": labour, "district_id": district_id}
    return out, year


def _province_target(session, version, metric, year):
    """The province's target rate (ratio) of a metric for a year, or None."""
    value = session.execute(
        select(Target.value).join(Province, Province.id == Target.unit_id)
        .where(Target.metric == metric, Target.level == "province", Target.year == year,
               Province.version_id == version.id)).scalar()
    return None if value is None else value / 100


def _target_people(session, version, level, year, figures):
    """{unit: HI target head count}: the unit's own target, else its district's (for a commune)
    or the province's rate times its population; without a province target, the national goal
    DEFAULT_HI_TARGET."""
    own = {unit_id: (people, value) for unit_id, people, value in session.execute(
        select(Target.unit_id, Target.people, Target.value)
        .where(Target.metric == "hi_coverage", Target.level == level, Target.year == year,
               Target.unit_id.in_(list(figures))))}
    district_rates = {}
    if level == "commune":
        district_ids = {f["district_id"] for f in figures.values()}
        district_rates = dict(session.execute(
            select(Target.unit_id, Target.value).where(Target.metric == "hi_coverage", Target.level == "district",
                                                       Target.year == year, Target.unit_id.in_(list(district_ids)))).all())
    province_rate = _province_target(session, version, "hi_coverage", year)
    if province_rate is None:
        province_rate = DEFAULT_HI_TARGET  # no target recorded: the national goal (see target_default)
    out = {}
    for unit, f in figures.items():
        pop = f["population"]
        if unit in own:
            people, value = own[unit]
            if people is None and pop:
                people = round(value / 100 * pop)
            out[unit] = people
            continue
        rate = district_rates.get(f["district_id"])
        rate = rate / 100 if rate is not None else province_rate
        out[unit] = round(rate * pop) if rate is not None and pop else None
    return out


def _last_conferences(session, where, level, period):
    """{unit: date of the last approved conference up to the period's end}."""
    key = _key(level)
    return dict(session.execute(
        select(key, func.max(Conference.held_on)).join(Commune, Commune.id == Conference.commune_id)
        .where(where, Conference.status == "approved", Conference.held_on < month_add(period, 1))
        .group_by(key)).all())


def _regions(session, where, level, period, version):
    """({unit: "I"|"II"|"III"|"none"}, {commune: {category: share}}): the Region class in force in
    the period. A commune made by a reform from units of several classes takes the class of most
    of its people (reforms.classification_shares keeps the parts); a district or office area the
    class most of its communes are in."""
    from planner.services.reforms import classification_shares

    units = dict(session.execute(select(Commune.id, _key(level)).where(where)).all())
    shares = classification_shares(session=session, version=version, scheme_code=REGION_SCHEME, on=period,
                                   commune_ids=list(units))
    order = {k: i for i, (k, _l, _c) in enumerate(REGIONS)}
    counts = {}
    for commune_id, parts in shares.items():
        category = max(parts, key=lambda c: (parts[c], -order.get(c, 99)))
        unit = units[commune_id]
        counts.setdefault(unit, {}).setdefault(category, 0)
        counts[unit][category] += 1
    best = {unit: max(tally, key=lambda c: (tally[c], -order.get(c, 99))) for unit, tally in counts.items()}
    return best, shares


def _carried(session, from_version, to_version):
    """{commune id of from_version: [(commune id of to_version, share)]}: how a unit of an older
    version carries its figures onto the newer version's units, across any number of reforms.

    One link per pair of units: an official crosswalk row (hops 1) or, across several reforms, the
    derived chain row (hops >= 2) that hierarchy.rebuild_chains writes where no official row
    exists. Should a pair ever hold both, the official one (fewest hops) counts, once. The same
    version carries each unit onto itself."""
    if from_version.id == to_version.id:
        ids = session.execute(select(Commune.id).where(Commune.version_id == to_version.id)).scalars()
        return {cid: [(cid, 1.0)] for cid in ids}
    old = aliased(Commune)
    new = aliased(Commune)
    rows = session.execute(
        select(CrosswalkLink.from_commune_id, CrosswalkLink.to_commune_id, CrosswalkLink.share, CrosswalkLink.hops)
        .join(old, old.id == CrosswalkLink.from_commune_id)
        .join(new, new.id == CrosswalkLink.to_commune_id)
        .where(old.version_id == from_version.id, new.version_id == to_version.id)).all()
    best = {}
    for a, b, share, hops in rows:
        if (a, b) not in best or hops < best[(a, b)][1]:
            best[(a, b)] = (share, hops)
    out = {}
    for (a, b), (share, _hops) in best.items():
        out.setdefault(a, []).append((b, share))
    return out


def _hi_change(session, version, period, base, where, level, figures):
    """{unit: HI coverage at the period minus at the base, in percentage points}.

    The base is read as the map shows it: the units of the version in force at the base month,
    their participants and population (that version's own denominators), carried onto the
    period's units through the crosswalk chain (times the share), so a base before one, two or
    three reforms counts each old unit exactly once. A unit's base rate is taken over the old
    units with both figures; a unit none of whose old units has them has no change."""
    base_version = hierarchy.version_for(session=session, day=base)
    old, _year = _figures(session, base_version, base, Commune.version_id == base_version.id, "commune")
    onto = _carried(session, base_version, version)
    key = _key(level)
    unit_of = dict(session.execute(select(Commune.id, key).where(where)).all())
    base_hi, base_pop = {}, {}
    for old_id, f in old.items():
        if f["hi"] is None or not f["population"]:
            continue
        for commune_id, share in onto.get(old_id, ()):
            unit = unit_of.get(commune_id)
            if unit is None:
                continue
            base_hi[unit] = base_hi.get(unit, 0) + f["hi"] * share
            base_pop[unit] = base_pop.get(unit, 0) + f["population"] * share
    out = {}
    for unit, f in figures.items():
        now = hi_coverage(f["hi"], f["population"])
        then = hi_coverage(base_hi.get(unit), base_pop.get(unit))
        out[unit] = None if now is None or then is None else round((now - then) * 100, 2)
    return out


def _layer_raw(session, layer, version, period, base, where, level):
    """({unit: value}, target ratio or None) of a layer."""
    key = _key(level)
    if layer.key in ("hi_coverage", "si_coverage", "ui_coverage", "attainment", "gap", "hi_change"):
        figures, _year = _figures(session, version, period, where, level)
        if layer.key == "hi_coverage":
            return {u: hi_coverage(f["hi"], f["population"]) for u, f in figures.items()}, None
        if layer.key == "si_coverage":
            return {u: si_coverage(f["si"], 0, f["labour"]) if f["si"] is not None else None
                    for u, f in figures.items()}, None
        if layer.key == "ui_coverage":
            return {u: ui_coverage(f["ui"], f["labour"]) for u, f in figures.items()}, None
        if layer.key == "hi_change":
            return _hi_change(session, version, period, base, where, level, figures), None
        targets = _target_people(session, version, level, period.year, figures)
        out = {}
        for u, f in figures.items():
            t, hi = targets.get(u), f["hi"]
            if layer.key == "attainment":
                out[u] = hi / t if hi is not None and t else None
            else:
                out[u] = max(0, round(t - hi)) if hi is not None and t is not None else None
        return out, None
    if layer.key == "region":
        return _regions(session, where, level, period, version)[0], None
    if layer.key == "conferences":
        rows = dict(session.execute(
            select(key, func.count(Conference.id)).join(Commune, Commune.id == Conference.commune_id)
            .where(where, Conference.status == "approved", Conference.held_on >= month_add(period, -11),
                   Conference.held_on < month_add(period, 1)).group_by(key)).all())
        return rows, 0
    if layer.key == "agent_activity":
        rows = dict(session.execute(
            select(key, func.sum(Activity.new_voluntary_si + Activity.new_household_hi))
            .join(Commune, Commune.id == Activity.commune_id)
            .where(where, Activity.status == "approved", Activity.done_on >= period,
                   Activity.done_on < month_add(period, 1)).group_by(key)).all())
        return {u: int(v) for u, v in rows.items()}, 0
    raise MapRequestError(layer.key)  # days_since_conference is computed with the last conferences


# --- the layer ------------------------------------------------------------------------------

def _breaks(session, layer, version, period):
    """(fixed breaks, the target they are built around) of a layer's "target" method, or None."""
    if layer.target == "attainment":
        return [0.8, 0.9, 1.0], 1.0
    target = _province_target(session, version, layer.metric, period.year)
    if target is None and layer.metric == "hi_coverage":
        target = DEFAULT_HI_TARGET
    if target is None:
        return None
    cuts = sorted({round(max(0.0, target - 0.15), 4), round(max(0.0, target - 0.05), 4), round(target, 4)})
    return cuts, target


def resolve(*, session, user, layer, period=None, level="commune", district_id=None, district_code=None,
            method=None, classes=DEFAULT_CLASSES, base=None):
    """Checked parameters: (layer, period, version, level, district, method, classes, base)."""
    layer = check_layer(layer)
    level = check_level(level)
    classes = check_classes(classes)
    method = check_method(layer, method)
    if isinstance(period, str):
        period = parse_period(period)
    period = period or default_period(session=session)
    if period is None:
        period = date.today().replace(day=1)
    if isinstance(base, str):
        base = parse_period(base) if base.strip() else None
    if layer.key == "hi_change":
        base = base or month_add(period, -12)
        if base >= period:
            raise MapRequestError(_("Kỳ gốc phải trước kỳ số liệu."))
    else:
        base = None
    version = hierarchy.version_for(session=session, day=period)
    if version is None:
        raise MapNotFound("version")
    district = None
    if district_code not in (None, ""):
        district = district_in_scope(session=session, user=user, version=version, code=district_code)
    elif district_id is not None:
        district = session.get(District, district_id)
        if district is None or district.version_id != version.id:
            raise MapNotFound(district_id)
        district = district_in_scope(session=session, user=user, version=version, code=district.code)
    return layer, period, version, level, district, method, classes, base


def layer_values(*, session, user, layer, period=None, level="commune", district_id=None, district_code=None,
                 method=None, classes=DEFAULT_CLASSES, base=None):
    """A layer's values for the user's units, classified. Raises MapRequestError / MapNotFound.

    Returns {"layer", "label", "kind", "unit", "period" (date), "version", "level", "district"
    (District or None), "method", "classes", "base", "target", "legend": [{class, label, color,
    count}], "rows": [{id, code, name, district_code, district, value, cls, text}],
    "last_conference": {code: date}, "is_demo"}.
    """
    layer, period, version, level, district, method, classes, base = resolve(
        session=session, user=user, layer=layer, period=period, level=level, district_id=district_id,
        district_code=district_code, method=method, classes=classes, base=base)
    stamp = data_stamp(session=session, version_id=version.id)
    key = ("values", database_key(session), stamp, layer.key, period, version.id, level,
           district.id if district else None, method, classes, base, scope_key(user), str(get_locale()))
    cached = RENDERED_CACHE.get(key)
    if cached is not None:
        return cached
    return RENDERED_CACHE.put(key, _compute(session, user, layer, period, version, level, district, method,
                                            classes, base))


def _compute(session, user, layer, period, version, level, district, method, classes, base):
    where = and_(Commune.version_id == version.id, scope_where(session=session, user=user, version=version))
    if district is not None:
        where = and_(where, Commune.district_id == district.id)
    units = map_geometry.units_in_scope(session=session, user=user, version=version, level=level,
                                        district_id=district.id if district else None)
    last = _last_conferences(session, where, level, period)
    target = None
    if layer.key == "days_since_conference":
        end = month_end(period)
        raw = {u: (end - d).days for u, d in last.items()}
    else:
        raw, default = _layer_raw(session, layer, version, period, base, where, level)
        if default is not None:
            raw = {u[0]: raw.get(u[0], default) for u in units}
    values = [raw.get(u[0]) for u in units]
    legend = []
    if layer.kind == "categorical":
        order = {k: i for i, (k, _label, _c) in enumerate(REGIONS)}
        values = [v or "none" for v in values]
        classes_of = [order.get(v) for v in values]
        for i, (k, label, color) in enumerate(REGIONS):
            legend.append({"class": i, "label": str(label), "color": color,
                           "count": sum(1 for c in classes_of if c == i)})
        texts = [format_value(layer, v) for v in values]
        used_method, used_classes = "category", len(REGIONS)
    else:
        breaks = None
        used_method = method
        if method == "target":
            found = _breaks(session, layer, version, period)
            if found is None:
                used_method = "quantiles"  # no target recorded for this metric and year
            else:
                breaks, target = found
        integer = layer.unit in ("people", "count", "days")
        classes_of, scheme = classify(values, method=used_method, k=classes, breaks=breaks, integer=integer)
        ramp = layer.ramp
        palette = colors(ramp, len(scheme["bounds"])) if scheme["bounds"] else []
        if len(palette) == 1 and all(v == 0 for v in values if v is not None):
            palette = [RAMPS[ramp][3][0]]  # nothing anywhere (no gap, no conference): the low end
        for i, ((low, high, inclusive), count) in enumerate(zip(scheme["bounds"], scheme["counts"])):
            legend.append({"class": i, "label": legend_label(layer, low, high, inclusive, integer),
                           "color": palette[i], "count": count})
        used_classes = len(scheme["bounds"])
        texts = [format_value(layer, v) for v in values]
        if target is None and layer.target == "rate":
            found = _breaks(session, layer, version, period)
            target = found[1] if found else None
        elif layer.target == "attainment":
            target = 1.0
    legend.append({"class": None, "label": _("Không có số liệu"), "color": NO_DATA_COLOR,
                   "count": sum(1 for v in values if v is None)})
    rows = []
    for unit, value, cls, text in zip(units, values, classes_of, texts):
        uid, code, name, dcode, dname = unit
        rows.append({"id": uid, "code": code, "name": name, "district_code": dcode, "district": dname,
                     "value": _plain(value), "cls": cls, "text": text})
    codes = {u[0]: u[1] for u in units}
    is_demo = session.execute(
        select(CoverageRecord.id).join(Commune, Commune.id == CoverageRecord.commune_id)
        .where(Commune.version_id == version.id, CoverageRecord.period == period,
               CoverageRecord.source.contains(DEMO_MARKER)).limit(1)).first() is not None
    return {
        "layer": layer.key, "label": str(layer.label), "kind": layer.kind, "unit": layer.unit,
        "period": period, "version": version, "level": level, "district": district,
        "method": used_method, "classes": used_classes, "base": base, "target": target,
        "legend": legend, "rows": rows,
        "target_default": layer.key in ("attainment", "gap") and _province_target(
            session, version, "hi_coverage", period.year) is None,
        "last_conference": {codes[u]: d for u, d in last.items() if u in codes},
        "is_demo": is_demo,
    }


def _plain(value):
    if isinstance(value, float):
        return round(value, 4)
    return value


def as_json(result, *, periods, geometry_urls, outline_urls):
    """The values.json document of a layer_values result (contract: docs/map-contract.md)."""
    period = result["period"]
    return {
        "layer": result["layer"], "label": result["label"], "kind": result["kind"], "unit": result["unit"],
        "period": period_key(period), "period_label": fmt_month(period),
        "version_id": result["version"].id, "version_name": result["version"].name,
        "middle_level": hierarchy.middle_level(result["version"]),
        "middle_label": str(hierarchy.middle_label(result["version"])),
        "level_label": str(level_label(result["version"], result["level"])),
        "level": result["level"], "district": result["district"].code if result["district"] else None,
        "geometry": geometry_urls, "outline": outline_urls["0"], "outlines": outline_urls,
        "method": result["method"], "classes": result["classes"],
        "base": period_key(result["base"]) if result["base"] else None,
        "base_label": fmt_month(result["base"]) if result["base"] else None,
        "legend": result["legend"],
        "values": {r["code"]: [r["value"], r["cls"], r["text"]] for r in result["rows"]},
        "last_conference": {code: fmt_date(d) for code, d in result["last_conference"].items()},
        "periods": [period_key(p) for p in periods],
        "layers": [{"key": layer.key, "label": str(layer.label)} for layer in LAYERS],
        "methods": [{"key": key, "label": str(label)} for key, label in METHODS],
        "is_demo": result["is_demo"], "target": result["target"],
        "target_default": result["target_default"],
    }


# --- a commune's profile --------------------------------------------------------------------

PROFILE_CONFERENCES = 5


def commune_profile(*, session, user, code, period=None):
    """What the map's side panel shows of one commune at a period (MapNotFound outside scope)."""
    from planner.models import AgentProfile, User, UserCommune
    from planner.services.metrics import get_metric
    from planner.services.progress import compute_pace, pace_setting, series_by_unit

    if isinstance(period, str):
        period = parse_period(period)
    period = period or default_period(session=session) or date.today().replace(day=1)
    version = hierarchy.version_for(session=session, day=period)
    if version is None or not re.fullmatch(r"[0-9]{5}", str(code)):
        raise MapNotFound(code)
    where = and_(Commune.version_id == version.id, Commune.code == code,
                 scope_where(session=session, user=user, version=version))
    commune = session.execute(select(Commune).where(where)).scalars().first()
    if commune is None:
        raise MapNotFound(code)
    district = session.get(District, commune.district_id)
    figures, year = _figures(session, version, period, Commune.id == commune.id, "commune")
    f = figures.get(commune.id, {"hi": None, "si": None, "ui": None, "population": None, "labour": None,
                                 "district_id": commune.district_id})
    target_people = _target_people(session, version, "commune", period.year, {commune.id: f}).get(commune.id)
    points = series_by_unit(session=session, metric=get_metric("hi_coverage"), level="commune", year=period.year,
                            as_of=period, where=Commune.id == commune.id).get(commune.id, {})
    pace = compute_pace(points, target=target_people, month=period.month, growth=False,
                        setting=pace_setting(session=session))
    regions, parts = _regions(session, Commune.id == commune.id, "commune", period, version)
    region = regions.get(commune.id, "none")
    region_parts = sorted(parts.get(commune.id, {}).items(), key=lambda kv: -kv[1])
    conferences = session.execute(
        select(Conference).where(Conference.commune_id == commune.id, Conference.status == "approved",
                                 Conference.held_on < month_add(period, 1))
        .order_by(Conference.held_on.desc(), Conference.id.desc()).limit(PROFILE_CONFERENCES)).scalars().all()
    agents = session.execute(
        select(User, AgentProfile).join(UserCommune, UserCommune.user_id == User.id)
        .outerjoin(AgentProfile, AgentProfile.user_id == User.id)
        .where(UserCommune.commune_id == commune.id, User.role == "agent", User.active.is_(True))
        .order_by(User.full_name, User.username)).all()
    population = f["population"]
    return {
        "commune": commune, "district": district, "version": version, "period": period, "year": year,
        "hi": f["hi"], "si": f["si"], "ui": f["ui"], "population": population, "labour_force": f["labour"],
        "hi_rate": hi_coverage(f["hi"], population),
        "si_rate": si_coverage(f["si"], 0, f["labour"]) if f["si"] is not None else None,
        "ui_rate": ui_coverage(f["ui"], f["labour"]),
        "target_people": target_people,
        "target_default": _province_target(session, version, "hi_coverage", period.year) is None and not
        session.execute(select(Target.id).where(Target.metric == "hi_coverage", Target.year == period.year,
                                                Target.level.in_(("commune", "district")),
                                                Target.unit_id.in_((commune.id, commune.district_id)))).first(),
        "target_rate": target_people / population if target_people is not None and population else None,
        "gap": max(0, round(target_people - f["hi"])) if target_people is not None and f["hi"] is not None else None,
        "pace": pace, "region": region, "region_label": " · ".join(
            f"{format_value(LAYER_BY_KEY['region'], c)} ({fmt_number(share * 100)}%)" for c, share in region_parts)
        if len(region_parts) > 1 else format_value(LAYER_BY_KEY["region"], region),
        "conferences": conferences,
        "agents": [{"user": u, "profile": p} for u, p in agents],
        "is_current": version.is_current,
    }


# --- the PNG --------------------------------------------------------------------------------

def export_subtitle(result, scope_name):
    """The line under an export's title: scope, the units coloured and the outlines drawn
    ("Đơn vị: Xã · Ranh giới: BHXH cơ sở"), period, base, hierarchy version."""
    version = result["version"]
    return " · ".join(part for part in (
        scope_name, _("Đơn vị: %(unit)s", unit=level_label(version, result["level"])),
        _("Ranh giới: %(unit)s", unit=hierarchy.middle_label(version)) if result["level"] == "commune" else "",
        _("Kỳ %(period)s", period=fmt_month(result["period"])),
        _("so với %(base)s", base=fmt_month(result["base"])) if result["base"] else "",
        result["version"].name) if part)


def render_png(*, session, result, scope_name="", band=1, width=10.0, height=8.0, dpi=110):
    """PNG bytes of a layer_values result: the units coloured by class, district borders, the
    legend (with counts) and a title. Used by /map/map.png and the printable district report."""
    from geo.render import render_choropleth

    bands = map_geometry.prepared_bands(session=session, version_id=result["version"].id)
    legend = {entry["class"]: entry for entry in result["legend"]}
    import geopandas as gpd
    if bands is None:
        frame = gpd.GeoDataFrame({"color": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
        outlines = None
    else:
        communes, districts = bands[band]
        source = communes if result["level"] == "commune" else districts
        ids = [r["id"] for r in result["rows"] if r["id"] in source.index]
        frame = source.loc[ids, ["geometry"]].copy()
        by_id = {r["id"]: r for r in result["rows"]}
        frame["color"] = [legend[by_id[i]["cls"]]["color"] for i in ids]
        district_ids = sorted({d for d in (communes.loc[[i for i in ids if i in communes.index], "district_id"]
                                            if result["level"] == "commune" else ids)})
        outlines = districts.loc[[d for d in district_ids if d in districts.index]]
    title = result["label"]
    subtitle = export_subtitle(result, scope_name)
    note = _("Nguồn: số liệu tham gia đã nhập; hội nghị và hoạt động đã duyệt.")
    if result["is_demo"]:
        note += " " + _("(dữ liệu minh họa)")
    entries = [(f"{e['label']} ({fmt_number(e['count'])})", e["color"]) for e in result["legend"]]
    return render_choropleth(frame, outlines=outlines, title=title, subtitle=subtitle, legend=entries,
                             note=note, width=width, height=height, dpi=dpi)
