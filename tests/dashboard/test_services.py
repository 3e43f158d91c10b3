"""The dashboard figures on the small province of tests/builders.py, worked out by hand.

December 2024 (the only month of the builders): HI participants / population
  412: 16663 14.500 / 15.000, 16666 20.000 / 21.000 -> 34.500 / 36.000 = 95,83%
  417: 16738  4.800 /  6.000, 16741 (no record) / 4.000 -> 4.800 / 10.000 = 48,00%
  province 39.300 / 46.000 = 85,43%
SI (compulsory + voluntary = labour // 5 + labour // 20): 2.000 + 2.750 + 750 = 5.500 / 24.000 = 22,92%
HI plan 2024 (tests/conftest.py world): province 95% (43.700 people), district 412 96% (34.560),
commune 16663 97% (14.550).
"""
from datetime import date

import pytest

from planner.services import dashboard


def test_province_trend_with_its_target(session, world):
    hi = dashboard.trend(session=session, version=world["version"], metric_code="hi_coverage")
    assert [(p["period"], p["participants"], p["denominator"]) for p in hi["points"]] == [
        (date(2024, 12, 1), 39300, 46000)]
    point = hi["points"][0]
    assert point["rate"] == pytest.approx(39300 / 46000)
    assert (point["target"], point["target_source"]) == (pytest.approx(0.95), "province")
    si = dashboard.trend(session=session, version=world["version"], metric_code="si_coverage")
    assert si["points"][0]["participants"] == 5500 and si["points"][0]["denominator"] == 24000
    assert si["points"][0]["target"] is None  # no SI target, and no default for SI


def test_trend_without_a_target_uses_95_percent(session):
    from tests import builders

    world = builders.small_province(session)  # no plan at all
    point = dashboard.trend(session=session, version=world["version"], metric_code="hi_coverage")["points"][0]
    assert (point["target"], point["target_source"]) == (pytest.approx(0.95), "default")


def test_trend_runs_across_the_2020_reform_through_the_crosswalk(session, reform):
    hi = dashboard.trend(session=session, version=reform["version"], metric_code="hi_coverage")
    by_period = {p["period"]: p for p in hi["points"]}
    assert list(by_period) == [date(2019, 12, 1), date(2024, 12, 1)]
    old = by_period[date(2019, 12, 1)]
    assert (old["participants"], old["denominator"]) == (31000, 35000)
    assert old["rate"] == pytest.approx(31000 / 35000)
    assert old["target"] == pytest.approx(0.906)  # set on the 2019 province, found by its code
    assert by_period[date(2024, 12, 1)]["participants"] == 39300
    vinh = dashboard.trend(session=session, version=reform["version"], metric_code="hi_coverage",
                           district=reform["districts"]["412"])
    by_period = {p["period"]: p for p in vinh["points"]}
    assert (by_period[date(2019, 12, 1)]["participants"], by_period[date(2019, 12, 1)]["denominator"]) == (31000, 35000)
    assert (by_period[date(2024, 12, 1)]["participants"], by_period[date(2024, 12, 1)]["denominator"]) == (34500, 36000)
    assert by_period[date(2024, 12, 1)]["target"] == pytest.approx(0.96)
    assert by_period[date(2024, 12, 1)]["target_source"] == "district"


def test_districts_ranked_worst_attainment_first(session, world):
    result = dashboard.district_ranking(session=session, user=world["users"]["leader"], version=world["version"],
                                        year=2024)
    rows = {r["district"].code: r for r in result["rows"]}
    assert [r["district"].code for r in result["rows"]] == ["417", "412"]
    vinh, kyson = rows["412"], rows["417"]
    assert (vinh["population"], vinh["participants"], vinh["target_people"], vinh["needed"]) == (36000, 34500, 34560, 60)
    assert vinh["target_source"] == "district" and vinh["coverage"] == pytest.approx(34500 / 36000)
    assert vinh["attainment"] == pytest.approx(34500 / 34560)
    # Kỳ Sơn has no target of its own: the province's 95% of its 10.000 people.
    assert (kyson["target_people"], kyson["needed"], kyson["target_source"]) == (9500, 4700, "province")
    assert kyson["attainment"] == pytest.approx(4800 / 9500) and kyson["coverage"] == pytest.approx(0.48)
    total = result["total"]
    assert (total["population"], total["participants"], total["target_people"], total["needed"]) == (
        46000, 39300, 43700, 4400)
    by_needed = dashboard.district_ranking(session=session, user=world["users"]["leader"], version=world["version"],
                                           year=2024, sort="needed")
    assert [r["district"].code for r in by_needed["rows"]] == ["417", "412"]
    by_coverage = dashboard.district_ranking(session=session, user=world["users"]["leader"],
                                             version=world["version"], year=2024, sort="coverage")
    assert [r["district"].code for r in by_coverage["rows"]] == ["417", "412"]


def test_region_breakdown(session, world):
    result = dashboard.region_breakdown(session=session, user=world["users"]["leader"], version=world["version"],
                                        year=2024, as_of=date(2024, 12, 1))
    rows = {r["category"]: (r["communes"], r["population"], r["participants"]) for r in result["rows"]}
    assert rows == {"I": (1, 6000, 4800), "II": (0, None, None), "III": (1, 4000, None), "none": (2, 36000, 34500)}
    coverage = {r["category"]: r["coverage"] for r in result["rows"]}
    assert coverage["I"] == pytest.approx(0.8) and coverage["III"] is None
    assert coverage["none"] == pytest.approx(34500 / 36000)
    assert (result["total"]["communes"], result["total"]["population"], result["total"]["participants"]) == (
        4, 46000, 39300)


def test_region_breakdown_of_a_head_is_their_district(session, world):
    result = dashboard.region_breakdown(session=session, user=world["users"]["other_head"], version=world["version"],
                                        year=2024, as_of=date(2024, 12, 1))
    assert result["total"]["communes"] == 2 and result["total"]["population"] == 10000


def test_fieldwork_by_month_counts_approved_entries_only(session, fieldwork):
    leader = fieldwork["users"]["leader"]
    result = dashboard.fieldwork_by_month(session=session, user=leader, year=2024)
    months = {m["month"].month: m for m in result["months"]}
    assert (months[10]["conferences"], months[10]["new"]) == (0, 9)
    assert months[11]["conferences"] == 2 and months[11]["attendees"] == 80
    assert months[11]["by_format"]["propaganda"] == 1 and months[11]["by_format"]["policy_dialogue"] == 1
    assert months[11]["by_format"]["customer"] == 0  # one submitted, one returned
    assert (months[11]["new_voluntary_si"], months[11]["new_household_hi"], months[11]["new"]) == (9, 2, 11)
    assert (months[12]["conferences"], months[12]["by_format"]["small_group"], months[12]["new"]) == (1, 1, 7)
    assert result["total"]["conferences"] == 3 and result["total"]["new"] == 27
    assert result["total"]["attendees"] == 100
    vinh = dashboard.fieldwork_by_month(session=session, user=leader, year=2024,
                                        district_id=fieldwork["districts"]["412"].id)
    assert (vinh["total"]["conferences"], vinh["total"]["new"]) == (2, 25)
    head = dashboard.fieldwork_by_month(session=session, user=fieldwork["users"]["head"], year=2024,
                                        district_id=fieldwork["districts"]["417"].id)
    assert head["total"]["conferences"] == 0 and not head["has_data"]  # outside the head's scope
    assert not dashboard.fieldwork_by_month(session=session, user=leader, year=2023)["has_data"]


def test_district_communes_against_targets(session, world):
    leader = world["users"]["leader"]
    vinh = dashboard.district_communes(session=session, user=leader, version=world["version"],
                                       district=world["districts"]["412"], year=2024)
    rows = [(r["commune"].code, r["target_people"], r["target_source"], r["needed"]) for r in vinh["rows"]]
    assert rows == [("16666", 20160, "district", 160), ("16663", 14550, "commune", 50)]
    assert vinh["rows"][0]["attainment"] == pytest.approx(20000 / 20160)
    kyson = dashboard.district_communes(session=session, user=leader, version=world["version"],
                                        district=world["districts"]["417"], year=2024)
    rows = [(r["commune"].code, r["target_people"], r["target_source"], r["needed"], r["region"]) for r in kyson["rows"]]
    assert rows == [("16741", 3800, "province", 3800, "III"), ("16738", 5700, "province", 900, "I")]


def test_district_communes_fall_back_to_95_percent(session):
    from tests import builders

    world = builders.small_province(session)
    rows = dashboard.district_communes(session=session, user=world["users"]["leader"], version=world["version"],
                                       district=world["districts"]["417"], year=2024)["rows"]
    assert [(r["commune"].code, r["target_people"], r["target_source"]) for r in rows] == [
        ("16741", 3800, "default"), ("16738", 5700, "default")]


def test_district_figures(session, world):
    f = dashboard.district_figures(session=session, user=world["users"]["head"], version=world["version"],
                                   district=world["districts"]["412"], year=2024)
    assert (f["communes"], f["population"], f["participants"], f["target_people"], f["needed"]) == (
        2, 36000, 34500, 34560, 60)
    assert f["as_of"] == date(2024, 12, 1) and f["target_source"] == "district"


def test_month_conferences_and_latest_month(session, fieldwork):
    leader = fieldwork["users"]["leader"]
    result = dashboard.month_conferences(session=session, user=leader, district=fieldwork["districts"]["412"],
                                         month=date(2024, 11, 1))
    assert [(i["conference"].held_on.day, i["conference"].status) for i in result["rows"]] == [
        (1, "approved"), (20, "approved"), (25, "submitted")]  # the returned one is left out
    assert (result["approved"], result["submitted"]) == (2, 1)
    assert result["rows"][0]["commune"] == "Phường Đông Vĩnh"
    assert dashboard.latest_fieldwork_month(session=session, user=leader, year=2024,
                                            district_id=fieldwork["districts"]["412"].id) == date(2024, 12, 1)
    assert dashboard.latest_fieldwork_month(session=session, user=leader, year=2023) is None


def test_version_for_year_and_years(session, reform):
    assert dashboard.years_with_data(session=session) == [2019, 2024]
    assert dashboard.version_for_year(session=session, year=2019).id == reform["old_version"].id
    assert dashboard.version_for_year(session=session, year=2024).id == reform["version"].id
    assert dashboard.version_for_year(session=session, year=2025).id == reform["version"].id  # current
    assert dashboard.default_year(session=session) == 2024
