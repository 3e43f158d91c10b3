"""The published figures come out of the indicator formulas."""
import pytest

from planner.services import indicators


def test_published_si_figure_implies_labour_force():
    # 2023: SI 385,931 people = 24.9% of the working-age labour force.
    assert indicators.denominator_from_rate(385_931, 0.249) == pytest.approx(1_549_924, abs=1)


def test_published_hi_figure_implies_population():
    # 2023: HI 2,936,308 = 93% of the population.
    assert indicators.denominator_from_rate(2_936_308, 0.93) == pytest.approx(3_157_320, abs=1)


def test_coverage_formulas():
    assert indicators.hi_coverage(2_970_132, 3_159_715) == pytest.approx(0.94, abs=5e-5)
    assert indicators.si_coverage(300_000, 130_771, 1_669_655) == pytest.approx(0.2580, abs=5e-5)
    assert indicators.ui_coverage(10, 0) is None
    assert indicators.hi_coverage(None, 100) is None


def test_gap_is_floored_at_zero():
    assert indicators.gap_people(0.95, 1000, 900) == 50
    assert indicators.gap_people(0.95, 1000, 990) == 0
    assert indicators.gap_people(None, 1000, 10) is None
