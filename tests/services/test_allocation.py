"""Allocation: every rule sums exactly to the parent, including the awkward cases."""
import random

import pytest

from planner.services import metrics
from planner.services.allocation import RULES, Child, allocate, largest_remainder

AUTO_RULES = [r for r in RULES if r != "manual"]


def communes():
    return [Child("a", 15000, 14000), Child("b", 21000, 18000), Child("c", 6000, 4800), Child("d", 4000, 2000)]


@pytest.mark.parametrize("rule", AUTO_RULES)
def test_each_rule_sums_exactly(rule):
    parent = 43_700  # 95% of 46,000
    result = allocate(rule, parent, communes())
    assert sum(result) == parent
    assert all(isinstance(x, int) and x >= 0 for x in result)


@pytest.mark.parametrize("rule", AUTO_RULES)
@pytest.mark.parametrize("seed", range(25))
def test_random_cases_sum_exactly(rule, seed):
    rng = random.Random(seed)
    kids = []
    for i in range(rng.randint(1, 40)):
        denom = rng.choice([0, rng.randint(1, 50_000)])
        kids.append(Child(i, denom, rng.randint(0, denom) if denom else 0))
    parent = rng.randint(0, 2 * sum(k.denominator for k in kids) + 10)
    result = allocate(rule, parent, kids)
    assert sum(result) == parent and len(result) == len(kids) and min(result) >= 0


def test_population_rule_is_proportional_and_zero_population_gets_nothing():
    result = allocate("population", 1000, [Child("a", 300), Child("b", 0), Child("c", 700)])
    assert result == [300, 0, 700]


def test_gap_rule_keeps_what_each_has_and_shares_the_need_by_uncovered_people():
    # need = 1000 - (500 + 300) = 200; uncovered 500 and 100 -> shares 166.67 and 33.33
    result = allocate("gap", 1000, [Child("a", 1000, 500), Child("b", 400, 300)])
    assert result == [667, 333]


def test_gap_rule_commune_already_above_target_keeps_its_people():
    result = allocate("gap", 1000, [Child("full", 500, 500), Child("low", 1000, 200)])
    assert result[0] == 500 and sum(result) == 1000


def test_gap_rule_when_children_already_exceed_the_parent_scales_down():
    result = allocate("gap", 900, [Child("a", 1000, 600), Child("b", 1000, 600)])
    assert result == [450, 450]


def test_uplift_rule_raises_every_rate_by_the_same_points():
    kids = [Child("a", 1000, 800), Child("b", 2000, 1200)]
    result = allocate("uplift", 2300, kids)  # need 300 over 3000 people = +10 points each
    assert result == [900, 1400]


def test_uplift_rule_caps_at_the_denominator():
    kids = [Child("a", 1000, 990), Child("b", 1000, 100)]
    result = allocate("uplift", 1800, kids)
    assert result[0] <= 1000 and sum(result) == 1800


@pytest.mark.parametrize("rule", AUTO_RULES)
def test_one_child_takes_everything(rule):
    assert allocate(rule, 1234, [Child("only", 2000, 1000)]) == [1234]


@pytest.mark.parametrize("rule", RULES)
def test_parent_of_zero(rule):
    kids = communes()
    if rule == "manual":
        assert allocate(rule, 0, [Child("a", manual=5)]) == [5]  # by hand: kept, mismatch shown
    else:
        assert allocate(rule, 0, kids) == [0, 0, 0, 0]


def test_manual_keeps_the_values_even_when_they_do_not_sum():
    assert allocate("manual", 100, [Child("a", manual=30), Child("b", manual=50)]) == [30, 50]


def test_no_children_and_unknown_rule():
    assert allocate("population", 100, []) == []
    with pytest.raises(ValueError):
        allocate("lottery", 100, communes())


def test_largest_remainder_ties_and_zero_weights():
    assert largest_remainder([1, 1, 1], 10) == [4, 3, 3]
    assert largest_remainder([0, 0], 5) == [3, 2]


def test_rate_and_head_count_convert_both_ways():
    hi = metrics.get_metric("hi_coverage")
    assert metrics.to_people(hi, 95.0, 3_330_000) == 3_163_500
    assert metrics.from_people(hi, 3_163_500, 3_330_000) == pytest.approx(95.0)
    si = metrics.get_metric("si_coverage")
    # Published: SI 385,931 = 24.9% of the labour force => about 1,549,924; and back again.
    assert metrics.to_people(si, 24.9, 1_549_924) == pytest.approx(385_931, abs=1)
    assert metrics.from_people(metrics.get_metric("hi_coverage"), 2_936_308, 3_157_320) == pytest.approx(93.0, abs=0.001)
    vol = metrics.get_metric("voluntary_si")
    assert metrics.to_people(vol, 70_000, None) == 70_000
    assert metrics.to_people(hi, 95.0, None) is None
