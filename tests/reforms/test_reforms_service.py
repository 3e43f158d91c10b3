"""planner.services.reforms on the three-version chain of chain.py (numbers checked by hand there)."""
from datetime import date

import pytest

from planner.models import Commune, HierarchyVersion
from planner.services import reforms


def _versions(db, ids):
    return [db.get(HierarchyVersion, vid) for vid in ids["versions"]]


def _commune(db, ids, layer, code):
    return db.get(Commune, ids["communes"][layer][code])


def test_predecessors_by_version_with_shares_and_population(db, ids):
    x = _commune(db, ids, 2, "16737")
    found = reforms.predecessors(session=db, commune=x)
    assert [vp.version.name for vp in found] == ["T412", "T460"]
    t412, t460 = found
    assert [(p.commune.code, p.share, p.hops, p.population) for p in t412.parts] == [
        ("16738", 1.0, 1, 7500), ("16744", 1.0, 1, 2500)]
    assert [(p.commune.code, p.hops, p.population) for p in t460.parts] == [
        ("16738", 2, 3800), ("16741", 2, 4000), ("16744", 2, 2200)]
    assert t460.population == 10000
    assert [round(p.part, 4) for p in t460.parts] == [0.38, 0.4, 0.22]
    assert t460.parts[1].district.name == "Huyện Kỳ Sơn"


def test_a_split_unit_counts_with_its_share(db, ids):
    d2 = _commune(db, ids, 1, "16663")
    (t460,) = reforms.predecessors(session=db, commune=d2)
    assert [(p.commune.code, p.share, p.population) for p in t460.parts] == [
        ("16663", 1.0, 15000), ("16666", 0.6, 12000)]
    y = _commune(db, ids, 2, "16664")
    t412, t460 = reforms.predecessors(session=db, commune=y)
    e = next(p for p in t460.parts if p.commune.code == "16666")
    assert e.share == pytest.approx(1.0) and e.hops == 2  # both halves end in Trường Vinh


def test_successors_of_an_old_unit(db, ids):
    e = _commune(db, ids, 0, "16666")
    found = reforms.successors(session=db, commune=e)
    assert [vp.version.name for vp in found] == ["T412", "T130"]
    assert [(p.commune.code, p.share) for p in found[0].parts] == [("16663", 0.6), ("16669", 0.4)]
    assert [(p.commune.name, p.hops) for p in found[1].parts] == [("Phường Trường Vinh", 2)]
    x = _commune(db, ids, 2, "16737")
    assert reforms.successors(session=db, commune=x) == []
    assert reforms.predecessors(session=db, commune=_commune(db, ids, 0, "16741")) == []


def test_region_shares_of_a_merged_commune_by_predecessor_population(db, ids):
    _v460, _v412, v130 = _versions(db, ids)
    shares = reforms.classification_shares(session=db, version=v130, scheme_code="region_861", on=date(2025, 9, 1))
    x, y, z = (ids["communes"][2][c] for c in ("16737", "16664", "16747"))
    # The 2020 lists ended at the first reform: read on 30/11/2024, weighted by the 2024 population.
    assert shares[x] == {"III": pytest.approx(0.62), "I": pytest.approx(0.38)}
    assert shares[y] == {"II": 1.0}            # its own membership wins
    assert shares[z] == {"none": 1.0}
    assert set(shares) == set(ids["communes"][2].values())
    for parts in shares.values():
        assert sum(parts.values()) == pytest.approx(1.0)
    # commune_ids limits the answer
    assert set(reforms.classification_shares(session=db, version=v130, scheme_code="region_861",
                                             on=date(2025, 9, 1), commune_ids=[x])) == {x}


def test_lists_valid_on_the_day_and_the_newest_older_version(db, ids):
    _v460, v412, v130 = _versions(db, ids)
    x = ids["communes"][2]["16737"]
    on = date(2025, 9, 1)
    coastal = reforms.classification_shares(session=db, version=v130, scheme_code="coastal_353", on=on)
    assert coastal[x] == {"yes": pytest.approx(0.4), "none": pytest.approx(0.6)}
    # The poor-district list sits on the 2024-12 units, which have only the 2019 census.
    poor = reforms.classification_shares(session=db, version=v130, scheme_code="poor_district", on=on)
    assert poor[x] == {"yes": pytest.approx(0.75), "none": pytest.approx(0.25)}
    ab = ids["communes"][1]["16738"]
    region_412 = reforms.classification_shares(session=db, version=v412, scheme_code="region_861",
                                               on=date(2025, 3, 1))
    assert region_412[ab] == {"III": pytest.approx(4000 / 7800), "I": pytest.approx(3800 / 7800)}


def test_no_shares_once_the_scheme_has_ended(db, ids):
    _v460, _v412, v130 = _versions(db, ids)
    shares = reforms.classification_shares(session=db, version=v130, scheme_code="region_861", on=date(2026, 6, 1))
    assert set(map(tuple, (p.items() for p in shares.values()))) == {(("none", 1.0),)}
    unknown = reforms.classification_shares(session=db, version=v130, scheme_code="nope", on=date(2025, 9, 1))
    assert all(p == {"none": 1.0} for p in unknown.values())


def test_schemes_with_parts_for_the_page(db, ids):
    x = _commune(db, ids, 2, "16737")
    parts = reforms.schemes_with_parts(session=db, commune=x, on=date(2026, 12, 1))
    by_code = {p.scheme.code: p for p in parts}
    assert set(by_code) == {"region_861", "coastal_353", "poor_district"}
    region = by_code["region_861"]
    assert list(region.shares) == ["III", "I"] and region.inherited and not region.in_force
    assert region.day == date(2025, 12, 31)
    assert list(by_code["coastal_353"].shares) == ["yes", "none"]
    y = _commune(db, ids, 2, "16664")
    (own,) = reforms.schemes_with_parts(session=db, commune=y, on=date(2025, 9, 1))
    assert own.shares == {"II": 1.0} and not own.inherited and own.in_force


def test_lost_card_people_travel_with_their_people(db, ids):
    _v460, v412, v130 = _versions(db, ids)
    c2, c3 = ids["communes"][1], ids["communes"][2]
    assert reforms.lost_card_people(session=db, version=v412) == {
        c2["16738"]: 400, c2["16744"]: 0, c2["16747"]: 0, c2["16663"]: 30, c2["16669"]: 20}
    # Trường Vinh's own non-zero figure wins over the 50 it inherits.
    assert reforms.lost_card_people(session=db, version=v130) == {c3["16737"]: 400, c3["16747"]: 0, c3["16664"]: 7}
    assert reforms.lost_card_people(session=db, version=v130, commune_ids=[c3["16737"]]) == {c3["16737"]: 400}


def test_reached_by_predecessors_hi_si_and_growth(db, ids):
    x = _commune(db, ids, 2, "16737")
    hi = reforms.reached_by_predecessors(session=db, commune=x, year=2024, metric="hi_coverage")
    # December 2024 on the 2024-12 units; the 2024 population of the 2020 units.
    assert (hi.month, hi.participants, hi.denominator, hi.denominator_year) == (date(2024, 12, 1), 9150, 10000, 2024)
    assert hi.value == pytest.approx(91.5) and hi.rate == pytest.approx(0.915)
    si = reforms.reached_by_predecessors(session=db, commune=x, year=2024, metric="si_coverage")
    assert (si.participants, si.denominator) == (760, 5300)
    assert si.value == pytest.approx(760 / 5300 * 100)
    new = reforms.reached_by_predecessors(session=db, commune=x, year=2024, metric="new_participants")
    assert new.participants == 9910 - 9296 and new.value == 614.0 and new.denominator is None
    y = _commune(db, ids, 2, "16664")
    hi_y = reforms.reached_by_predecessors(session=db, commune=y, year=2024, metric="hi_coverage")
    assert (hi_y.participants, hi_y.denominator) == (43000, 45000)
    # 2023: only December, on the 2020 units
    old = reforms.reached_by_predecessors(session=db, commune=x, year=2023, metric="hi_coverage")
    assert (old.month, old.participants) == (date(2023, 12, 1), 8300)
    assert reforms.reached_by_predecessors(session=db, commune=x, year=2024, metric="collection") is None


def test_comparison_year_and_targets_beside_history(db, ids):
    _v460, v412, v130 = _versions(db, ids)
    assert reforms.comparison_year(session=db, version=v130) == 2024
    assert reforms.comparison_year(session=db, version=v412) == 2023
    x = _commune(db, ids, 2, "16737")
    this = date.today().year
    year, rows = reforms.targets_beside_history(session=db, commune=x, years=(this, this + 1))
    assert year == 2024
    hi = next(r for r in rows if r.metric.code == "hi_coverage")
    assert hi.reached.participants == 9150
    assert hi.targets[this].value == 93.0 and hi.targets[this + 1].value == 94.5
    assert {r.metric.code for r in rows} == {"hi_coverage", "si_coverage"}  # no UI figures
    old = _commune(db, ids, 0, "16741")
    assert reforms.targets_beside_history(session=db, commune=old, years=(this,)) == (None, [])


def test_allocation_history_only_for_communes_made_by_a_reform(db, ids):
    _v460, _v412, v130 = _versions(db, ids)
    units = [_commune(db, ids, 2, c) for c in ("16737", "16747")]
    year, reached = reforms.allocation_history(session=db, child_level="commune", units=units, metric="hi_coverage")
    assert year == 2024
    assert reached[units[0].id].participants == 9150
    assert reached[units[1].id].participants == 2750 and reached[units[1].id].denominator == 3000
    assert reforms.allocation_history(session=db, child_level="district", units=units, metric="hi_coverage") == (None, {})
    olds = [_commune(db, ids, 0, "16741")]
    assert reforms.allocation_history(session=db, child_level="commune", units=olds, metric="hi_coverage") == (None, {})
