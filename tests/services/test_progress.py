"""Pace, projection and flags on numbers worked out by hand; progress and ranking from the DB."""
from datetime import date

import pytest

from planner.models import CoverageRecord, PaceSetting
from planner.services import progress

SETTING = PaceSetting(on_track_ratio=0.95, at_risk_ratio=0.80)


def pace(points, target=1000, month=6, growth=False):
    return progress.compute_pace(points, target=target, month=month, growth=growth, setting=SETTING)


def test_linear_pace_projection_and_on_track():
    p = pace({"base": 900, "actual": 950, "back3": 920})
    assert p.expected == 950  # 900 + (1000 - 900) * 6/12
    assert p.projection == 1010  # 950 + 10/month * 6 months
    assert p.ratio == 1.0 and p.flag == "on_track" and not p.seasonal


@pytest.mark.parametrize("actual,flag", [(948, "on_track"), (940, "at_risk"), (930, "off_track")])
def test_flags_follow_the_thresholds(actual, flag):
    # progress so far / progress expected: 48/50 = 0.96, 40/50 = 0.8, 30/50 = 0.6
    assert pace({"base": 900, "actual": actual, "back3": 920}).flag == flag


def test_seasonal_pace_where_a_year_of_history_exists():
    # Last year: 800 at December before, 880 by June, 900 by December -> 80% of the year's gain by June.
    p = pace({"base": 900, "actual": 960, "back3": 930, "prev_base": 800, "prev_same": 880, "prev_end": 900})
    assert p.seasonal and p.expected == pytest.approx(980)
    assert p.ratio == pytest.approx(0.75) and p.flag == "off_track"  # 60 of the 80 expected

def test_growth_metric_counts_from_the_start_of_the_year():
    p = pace({"base": 900, "actual": 950, "back3": 930}, target=100, growth=True)
    assert p.actual == 50 and p.expected == 50 and p.flag == "on_track"


def test_without_a_december_base_the_year_starts_in_january():
    p = pace({"jan": 900, "actual": 950}, month=6)
    assert p.base == 900 and p.expected == pytest.approx(900 + 100 * 5 / 11)


def test_target_reached_is_on_track_and_missing_data_has_no_flag():
    assert pace({"base": 900, "actual": 1005}).flag == "on_track"
    assert pace({"base": 900}).flag is None
    assert pace({"base": 900, "actual": 950}, target=None).flag is None


def _monthly(session, world):
    """Communes 16663 and 16666 (district 412): 2023 Jan..Dec and 2024 Jan..Jun, rising."""
    for code, start in (("16663", 13000), ("16666", 18000)):
        commune = world["communes"][code]
        for i, period in enumerate([date(2023, m, 1) for m in range(1, 13)] + [date(2024, m, 1) for m in range(1, 7)]):
            if period == date(2024, 12, 1):
                continue
            session.add(CoverageRecord(commune_id=commune.id, period=period, hi_participants=start + 50 * i))
    session.commit()


def test_progress_of_a_district_from_grouped_sql(session, world):
    _monthly(session, world)
    result = progress.progress(session=session, user=world["users"]["leader"], version=world["version"],
                               metric_code="hi_coverage", level="district", year=2024)
    # The world has December 2024 records too: the latest month of 2024 is December.
    assert result["as_of"] == date(2024, 12, 1)
    row = next(r for r in result["rows"] if r["unit"].code == "412")
    assert row["pace"].actual == 14500 + 20000  # December 2024 records of the world
    assert row["target"].people == 34_560 and row["denominator"] == 36_000
    assert row["pace"].base == (13000 + 550) + (18000 + 550)  # December 2023


def test_ranking_orders_by_people_still_needed_and_derives_missing_targets(session, world):
    _monthly(session, world)  # a year of history for 16663 and 16666, so pace can be judged
    result = progress.ranking(session=session, user=world["users"]["leader"], version=world["version"],
                              metric_code="hi_coverage", year=2024)
    rows = result["rows"]
    needed = [r["needed"] for r in rows]
    assert needed == sorted(needed, reverse=True)
    by_code = {r["commune"].code: r for r in rows}
    assert by_code["16663"]["target_source"] == "commune"  # its own 97%
    assert by_code["16663"]["needed"] == round(0.97 * 15000) - 14500
    assert by_code["16666"]["target_source"] == "district"  # derived from 412's 96%
    assert by_code["16738"]["target_source"] == "province"  # 417 has no target: the province's 95%
    assert by_code["16666"]["flag"] is not None  # flagged against the derived target too
    assert by_code["16738"]["needed"] == round(0.95 * 6000) - 4800
    assert by_code["16741"]["region"] == "III" and by_code["16738"]["lost_state_hi_people"] == 120


def test_ranking_is_scoped_and_filtered(session, world):
    head = progress.ranking(session=session, user=world["users"]["head"], version=world["version"],
                            metric_code="hi_coverage", year=2024)
    assert {r["commune"].code for r in head["rows"]} == {"16663", "16666"}
    region = progress.ranking(session=session, user=world["users"]["leader"], version=world["version"],
                              metric_code="hi_coverage", year=2024, region="III")
    assert [r["commune"].code for r in region["rows"]] == ["16741"]


def test_ranking_shows_days_since_the_last_approved_conference(session, world):
    from datetime import timedelta

    from planner.models import Conference

    held = date.today() - timedelta(days=12)
    for n, (status, day) in enumerate((("approved", held), ("approved", held - timedelta(days=40)),
                                       ("submitted", date.today()))):
        session.add(Conference(device_id=f"rank-conf-{n}", commune_id=world["communes"]["16663"].id, held_on=day,
                               format="propaganda", attendees=10, status=status))
    session.commit()
    rows = progress.ranking(session=session, user=world["users"]["leader"], version=world["version"],
                            metric_code="hi_coverage", year=2024)["rows"]
    by_code = {r["commune"].code: r for r in rows}
    assert by_code["16663"]["days_since_conference"] == 12 and by_code["16663"]["last_conference"] == held
    assert by_code["16666"]["days_since_conference"] is None


def test_collection_progress_counts_only_approved_activity_money(session, world):
    from planner.models import Activity
    from planner.services import targets

    agent = world["users"]["agent"]
    for n, (day, amount, status) in enumerate([(date(2024, 1, 10), 1_000_000, "approved"),
                                               (date(2024, 3, 5), 2_000_000, "approved"),
                                               (date(2024, 6, 20), 3_000_000, "approved"),
                                               (date(2024, 6, 21), 9_000_000, "submitted")]):
        session.add(Activity(device_id=f"money-{n}", agent_id=agent.id, commune_id=world["communes"]["16663"].id,
                             done_on=day, amount_collected_vnd=amount, receipts_issued=1, status=status))
    session.commit()
    targets.set_target(session=session, user=world["users"]["leader"], metric="collection", level="district",
                       unit_id=world["districts"]["412"].id, year=2024, value=12_000_000)
    result = progress.progress(session=session, user=world["users"]["leader"], version=world["version"],
                               metric_code="collection", level="district", year=2024)
    assert result["as_of"] == date(2024, 6, 1)
    pace = next(r for r in result["rows"] if r["unit"].code == "412")["pace"]
    assert pace.actual == 6_000_000 and pace.expected == 6_000_000 and pace.flag == "on_track"
    assert pace.projection == 6_000_000 + (6_000_000 - 3_000_000) / 3 * 6  # the last three months' pace
