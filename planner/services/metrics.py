"""The target metrics, each defined once: label, unit, denominator and where its actuals come from."""
from dataclasses import dataclass
from typing import Callable, Optional

from flask_babel import lazy_gettext as _l

from planner.models import Activity, CoverageRecord


@dataclass(frozen=True)
class Metric:
    code: str
    label: object
    kind: str  # "rate" (percent of a denominator), "people" or "vnd"
    denominator: Optional[str]  # "population", "labour_force" or None
    # SQL expression over CoverageRecord giving the participants this metric counts.
    participants: Optional[Callable] = None
    # True: the metric counts growth since the start of the year, not a stock.
    growth: bool = False
    # Where actuals come from: monthly coverage records, or approved field-work activity
    # entries (summed from 1 January: a flow, not a stock).
    source: str = "coverage"

    @property
    def is_rate(self):
        return self.kind == "rate"

    @property
    def has_actuals(self):
        return self.participants is not None


METRICS = {m.code: m for m in [
    Metric("hi_coverage", _l("Tỷ lệ bao phủ BHYT (% dân số)"), "rate", "population",
           lambda: CoverageRecord.hi_participants),
    Metric("si_coverage", _l("Tỷ lệ tham gia BHXH (% LLLĐ trong độ tuổi)"), "rate", "labour_force",
           lambda: CoverageRecord.si_compulsory + CoverageRecord.si_voluntary),
    Metric("ui_coverage", _l("Tỷ lệ tham gia BHTN (% LLLĐ trong độ tuổi)"), "rate", "labour_force",
           lambda: CoverageRecord.ui_participants),
    Metric("voluntary_si", _l("Người tham gia BHXH tự nguyện (người)"), "people", None,
           lambda: CoverageRecord.si_voluntary),
    Metric("new_participants", _l("Người tham gia mới BHYT, BHXH (người)"), "people", None,
           lambda: CoverageRecord.hi_participants + CoverageRecord.si_compulsory + CoverageRecord.si_voluntary,
           growth=True),
    # Money collected by agents, from approved activity entries only.
    Metric("collection", _l("Số thu (đồng)"), "vnd", None,
           lambda: Activity.amount_collected_vnd, growth=True, source="activity"),
]}


# Goals used where no Target is recorded for the province: HI coverage of 95% of the population, the
# provincial goal for 2025 (Resolution of the 19th Provincial Party Congress, shared/facts). In the
# metric's own unit (percent).
DEFAULT_GOALS = {"hi_coverage": 95.0}


def get_metric(code):
    try:
        return METRICS[code]
    except KeyError:
        raise ValueError(f"unknown metric {code!r}") from None


def to_people(metric, value, denominator):
    """The head count a target value stands for: 95% of 3,330,000 people -> 3,163,500 people."""
    if value is None:
        return None
    if metric.is_rate:
        if denominator is None:
            return None
        return round(value / 100 * denominator)
    return round(value)


def from_people(metric, people, denominator):
    """The metric's own value for a head count (a percent for a rate, else the count itself)."""
    if people is None:
        return None
    if metric.is_rate:
        if not denominator:
            return None
        return people / denominator * 100
    return float(people)
