"""The JSON API on an office version (tests/office_world.py): level=district keeps meaning the
middle level, level=area is its honest name, and responses say what the middle level is.

11/2026 (t = 94): 16678 29.820 of 32.000; 16737 4.940 of 6.000; 16740 5.380 of 7.000;
office 412 29.820, office 417 10.320 of 13.000. HI targets 2026: province 95%, office 417 90%.
"""
import pytest

from planner.services import targets
from tests import office_world
from tests.api.conftest import bearer


@pytest.fixture
def office(session):
    world = office_world.four_versions(session)
    leader = world["users"]["leader"]
    province = targets.set_target(session=session, user=leader, metric="hi_coverage", level="province",
                                  unit_id=world["province"].id, year=2026, value=95.0, status="assigned")
    world["kyson_target"] = targets.set_target(
        session=session, user=leader, metric="hi_coverage", level="district", unit_id=world["office"]["417"].id,
        year=2026, value=90.0, status="assigned", parent_id=province.id)
    return world


def test_commune_progress_names_each_communes_office_area(client, office, login):
    login("leader")
    data = client.get("/api/v1/progress?level=commune&period=2026").get_json()
    assert data["middle_level"] == "office" and data["middle_label"] == "BHXH cơ sở"
    assert data["as_of"] == "2026-11-01" and data["level"] == "commune"
    rows = {r["unit"]["code"]: r for r in data["rows"]}
    assert list(rows) == ["16678", "16737", "16740"]
    assert rows["16737"]["actual"]["people"] == 4940 and rows["16737"]["denominator"] == 6000
    kyson = {"id": office["office"]["417"].id, "code": "417", "name": "BHXH cơ sở Kỳ Sơn", "middle_level": "office"}
    assert rows["16737"]["area"] == kyson and rows["16737"]["district"] == kyson
    assert rows["16678"]["area"]["name"] == "BHXH cơ sở Vinh"
    # The pace's base (12/2025) is the office version's own; its flag needs no target of the commune.
    assert rows["16737"]["target"] is None and rows["16737"]["flag"] is None


@pytest.mark.parametrize("level", ["district", "area"])
def test_district_and_area_mean_the_office_areas(client, office, login, level):
    login("leader")
    data = client.get(f"/api/v1/progress?level={level}&period=2026").get_json()
    assert data["level"] == level and data["middle_level"] == "office"
    rows = {r["unit"]["code"]: r for r in data["rows"]}
    assert set(rows) == {"412", "417"}
    kyson = rows["417"]
    assert kyson["unit"]["name"] == "BHXH cơ sở Kỳ Sơn" and kyson["area"]["code"] == "417"
    assert kyson["area"] == kyson["district"] and kyson["area"]["middle_level"] == "office"
    assert kyson["actual"]["people"] == 10320 and kyson["denominator"] == 13000
    assert kyson["target"]["value"] == 90.0 and kyson["target"]["people"] == 11700
    assert kyson["flag"] in ("on_track", "at_risk", "off_track")
    assert rows["412"]["actual"]["people"] == 29820


def test_area_and_district_give_the_same_rows(client, office, login):
    login("head-417")
    by_district = client.get("/api/v1/progress?level=district&period=2026").get_json()["rows"]
    by_area = client.get("/api/v1/progress?level=area&period=2026").get_json()["rows"]
    assert by_district == by_area and [r["unit"]["code"] for r in by_area] == ["417"]


def test_targets_list_takes_level_area(client, office, login, make_token):
    raw = make_token("leader")
    data = client.get("/api/v1/targets?level=area&year=2026", headers=bearer(raw)).get_json()
    assert data["middle_level"] == "office" and data["count"] == 1
    target = data["targets"][0]
    assert target["level"] == "district" and target["unit"]["code"] == "417"
    assert target["middle_level"] == "office" and target["area"]["name"] == "BHXH cơ sở Kỳ Sơn"
    assert client.get("/api/v1/targets?level=district&year=2026", headers=bearer(raw)).get_json() == data
    one = client.get(f"/api/v1/targets/{office['kyson_target'].id}", headers=bearer(raw)).get_json()
    assert one["area"]["code"] == "417" and one["middle_level"] == "office"
    province = client.get("/api/v1/targets?level=province&year=2026", headers=bearer(raw)).get_json()["targets"][0]
    assert province["area"] is None and province["middle_level"] is None


def test_a_bad_level_lists_area_among_the_choices(client, office, login):
    login("leader")
    resp = client.get("/api/v1/progress?level=office")
    assert resp.status_code == 400
    assert "area" in resp.get_json()["fields"]["level"] and "district" in resp.get_json()["fields"]["level"]


def test_district_versions_say_so(client, world, login):
    login("leader")
    data = client.get("/api/v1/progress?level=area&period=2024").get_json()
    assert data["middle_level"] == "district" and data["middle_label"] == "Huyện"
    rows = {r["unit"]["code"]: r for r in data["rows"]}
    assert rows["417"]["area"]["middle_level"] == "district" and rows["417"]["area"]["name"] == "Huyện Kỳ Sơn"
