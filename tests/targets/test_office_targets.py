"""Targets on an office version (tests/office_world.py): the province -> office area -> commune
cascade through planner.services.targets (level "district" is the middle level, here the
grassroots SI office areas) and the targets pages' labels.

2026, HI coverage, denominators of 2025 (the office version's own):
  province 45.000 people, 95% -> 42.750; office 412 32.000, office 417 13.000
  by population: 412 30.400, 417 12.350; 417's communes 16737 (6.000) 5.700, 16740 (7.000) 6.650
  participants 11/2026: 16737 4.000 + 10 x 94 = 4.940, 16740 3.500 + 20 x 94 = 5.380
"""
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import delete, select

from planner.models import Commune, Denominator, Target
from planner.services import targets
from planner.services.metrics import get_metric
from tests import office_world


@pytest.fixture
def office(session):
    world = office_world.four_versions(session)
    world["plan"] = targets.set_target(session=session, user=world["users"]["leader"], metric="hi_coverage",
                                       level="province", unit_id=world["province"].id, year=2026, value=95.0,
                                       status="assigned")
    return world


def _cascade(session, office):
    """The leader splits the province across office areas, head-417 splits office 417 across its communes."""
    leader, head = office["users"]["leader"], office["users"]["head"]
    parent = office["plan"]
    level, rows = targets.propose(session=session, parent=parent, rule="population")
    areas = targets.apply_allocation(session=session, user=leader, parent=parent, rule="population",
                                     people_by_unit={r["unit"].id: r["proposed_people"] for r in rows})
    kyson = next(t for t in areas if t.unit_id == office["office"]["417"].id)
    _level, communes = targets.propose(session=session, parent=kyson, rule="population")
    written = targets.apply_allocation(session=session, user=head, parent=kyson, rule="population",
                                       people_by_unit={r["unit"].id: r["proposed_people"] for r in communes})
    return level, rows, kyson, communes, written


def test_province_to_office_area_to_commune(session, office):
    level, rows, kyson, communes, written = _cascade(session, office)
    assert level == "district"  # the middle level's stored name
    assert {r["unit"].name: (r["denominator"], r["proposed_people"]) for r in rows} == {
        "BHXH cơ sở Vinh": (32000, 30400), "BHXH cơ sở Kỳ Sơn": (13000, 12350)}
    assert office["plan"].people == 42750 and sum(r["proposed_people"] for r in rows) == 42750
    assert (kyson.level, kyson.people, kyson.value) == ("district", 12350, pytest.approx(95.0))
    assert {r["unit"].code: (r["denominator"], r["actual"], r["proposed_people"]) for r in communes} == {
        "16737": (6000, 4940, 5700), "16740": (7000, 5380, 6650)}
    assert sorted((t.level, t.people, t.parent_id) for t in written) == [
        ("commune", 5700, kyson.id), ("commune", 6650, kyson.id)]
    _level, gap = targets.propose(session=session, parent=kyson, rule="gap")
    assert sum(r["proposed_people"] for r in gap) == 12350


def test_another_office_head_may_not_split_office_417(session, office):
    from tests import builders

    _cascade(session, office)
    vinh_head = builders.add_user(session, "head-412", "district_head", district=office["office"]["412"])
    session.commit()
    kyson = session.execute(select(Target).where(Target.level == "district",
                                                 Target.unit_id == office["office"]["417"].id)).scalars().one()
    commune = office["communes"]["2025-07"]["16737"]
    with pytest.raises(targets.TargetError):
        targets.apply_allocation(session=session, user=vinh_head, parent=kyson, rule="manual",
                                 people_by_unit={commune.id: 1})


def test_denominators_come_through_the_crosswalk_when_the_office_version_has_none(session, office):
    """An office version imported with no figures of its own still splits by the population of
    the units it grew from (the 2024 figures of the 2024-12 units)."""
    ids = select(Commune.id).where(Commune.version_id == office["version"].id)
    session.execute(delete(Denominator).where(Denominator.commune_id.in_(ids)))
    session.commit()
    metric = get_metric("hi_coverage")
    assert targets.denominator_of(session=session, metric=metric, level="province", unit_id=office["province"].id,
                                  year=2026) == 45000
    assert targets.denominators_by_unit(session=session, metric=metric, level="district", year=2026,
                                        unit_ids=[d.id for d in office["office"].values()]) == {
        office["office"]["412"].id: 32000, office["office"]["417"].id: 13000}
    assert targets.denominator_of(session=session, metric=get_metric("si_coverage"), level="commune",
                                  unit_id=office["communes"]["2025-07"]["16740"].id, year=2026) == 2000 + 1500
    assert targets.denominator_of(session=session, metric=metric, level="province", unit_id=office["province"].id,
                                  year=2018) is None  # nothing that old


# --- pages -------------------------------------------------------------------------------------

def test_plan_and_unit_pages_name_the_office_areas(client, session, office, login):
    _level, _rows, kyson, _communes, _written = _cascade(session, office)
    login("leader")
    html = client.get("/targets?year=2026").get_data(as_text=True)
    assert "Tổng các BHXH cơ sở" in html and "(2/2 BHXH cơ sở)" in html and "Phân bổ cho BHXH cơ sở" in html
    assert "huyện" not in html.lower().split('id="plan-table"')[1]
    province = client.get(f"/targets/unit/province/{office['province'].id}?year=2026").get_data(as_text=True)
    assert "Cấp dưới: BHXH cơ sở" in province and "<th>BHXH cơ sở</th>" in province
    assert "(2 BHXH cơ sở)" in province and "bhxh cơ sở" not in province
    unit = client.get(f"/targets/unit/district/{office['office']['417'].id}?year=2026").get_data(as_text=True)
    assert "BHXH cơ sở Kỳ Sơn <small class=\"text-muted\">(BHXH cơ sở)</small>" in unit
    client.post("/auth/logout")
    login("head-417")
    html = client.get("/targets?year=2026").get_data(as_text=True)
    assert "Chỉ tiêu của BHXH cơ sở bạn phụ trách và phân bổ cho các xã" in html
    commune = office["communes"]["2025-07"]["16737"]
    edit = client.get(f"/targets/edit/commune/{commune.id}/hi_coverage?year=2026").get_data(as_text=True)
    assert "Chỉ tiêu cấp trên (BHXH cơ sở)" in edit


def test_progress_and_ranking_on_an_office_version(client, session, office, login):
    targets.set_target(session=session, user=office["users"]["leader"], metric="hi_coverage", level="district",
                       unit_id=office["office"]["417"].id, year=2026, value=90.0, status="assigned",
                       parent_id=office["plan"].id)
    login("leader")
    html = client.get("/progress?level=district&year=2026").get_data(as_text=True)
    assert re.search(r'<option value="district" selected>BHXH cơ sở</option>', html)
    assert "BHXH cơ sở · Đánh giá" in html and "BHXH cơ sở Kỳ Sơn" in html
    html = client.get("/progress?level=commune&year=2026").get_data(as_text=True)
    assert re.search(r'<label class="form-label small mb-0" for="district">BHXH cơ sở</label>', html)
    html = client.get("/targets/ranking?year=2026").get_data(as_text=True)
    assert re.search(r'<label class="form-label small mb-0" for="district">BHXH cơ sở</label>', html)
    assert "Theo tỷ lệ của BHXH cơ sở" in html  # 417's communes, measured by its 90%
    assert "Theo tỷ lệ của tỉnh" in html  # 412's commune, by the province's 95%
    assert re.findall(r'<tr class="ranking-row" data-code="(\d+)">', html) == ["16740", "16678", "16737"]  # 920, 580, 460 still needed
    data = client.get("/targets/ranking.xlsx?year=2026").data
    ws = load_workbook(io.BytesIO(data)).active
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    header = rows[2]
    assert header[3] == "BHXH cơ sở" and "Huyện" not in header
    assert {r[3] for r in rows[3:]} == {"BHXH cơ sở Vinh", "BHXH cơ sở Kỳ Sơn"}
