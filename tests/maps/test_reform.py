"""hi_change across the 2019 -> 2020 reform: a small 2019 version and crosswalk built here."""
from datetime import date

import geopandas as gpd
import pytest
from shapely.geometry import box
from sqlalchemy import select

from planner.models import Commune, CoverageRecord, Denominator
from planner.services import hierarchy

OLD = [  # 2019: Hưng Thịnh (16664) merged into Hà Huy Tập (16666) in 2020
    {"ma_xa": "16663", "ten_xa": "Phường Đông Vĩnh", "ma_huyen": "412", "ten_huyen": "Thành phố Vinh",
     "dan_so_2019": 14000, "geometry": box(105.60, 18.60, 105.70, 18.70)},
    {"ma_xa": "16664", "ten_xa": "Xã Hưng Thịnh", "ma_huyen": "412", "ten_huyen": "Thành phố Vinh",
     "dan_so_2019": 5000, "geometry": box(105.70, 18.60, 105.75, 18.70)},
    {"ma_xa": "16666", "ten_xa": "Phường Hà Huy Tập", "ma_huyen": "412", "ten_huyen": "Thành phố Vinh",
     "dan_so_2019": 16000, "geometry": box(105.75, 18.60, 105.80, 18.70)},
]
CROSSWALK = ("ma_xa_2019,ma_xa_2020\n16663,16663\n16664,16666\n16666,16666\n").encode()


@pytest.fixture
def reform(session, world, tmp_path):
    path = tmp_path / "communes-2019.geojson"
    gpd.GeoDataFrame(OLD, geometry="geometry", crs="EPSG:4326").to_file(path, driver="GeoJSON")
    old, _d, _c = hierarchy.import_version(session=session, path=path, name="Vinh 2019",
                                           valid_from=date(2019, 1, 1), valid_to=date(2019, 12, 31))
    links, errors = hierarchy.import_crosswalk(session=session, data=CROSSWALK, from_version=old,
                                               to_version=world["version"])
    assert errors == [] and links == 3
    ids = dict(session.execute(select(Commune.code, Commune.id).where(Commune.version_id == old.id)).all())
    for code, hi in (("16663", 12000), ("16664", 4000), ("16666", 15000)):
        session.add(CoverageRecord(commune_id=ids[code], period=date(2019, 12, 1), hi_participants=hi))
    session.commit()
    world["old_version"] = old
    return world


def test_denominators_carried_through_the_crosswalk(reform, session):
    pops, year = hierarchy.denominators_in_version(session=session, version=reform["version"],
                                                   column=Denominator.population, up_to_year=2019)
    new = reform["communes"]
    assert year == 2019
    assert pops == {new["16663"].id: 14000, new["16666"].id: 5000 + 16000}


def test_hi_change_from_2019_to_2024(reform, login):
    client = login("leader")
    doc = client.get("/map/values.json?layer=hi_change&period=2024-12&base=2019-12").get_json()
    assert doc["unit"] == "points" and doc["base"] == "2019-12" and doc["base_label"] == "12/2019"
    values = {code: v[0] for code, v in doc["values"].items()}
    # 16663: 14.500/15.000 - 12.000/14.000; 16666: 20.000/21.000 - (4.000 + 15.000)/(5.000 + 16.000).
    assert values["16663"] == pytest.approx(round((14500 / 15000 - 12000 / 14000) * 100, 2))
    assert values["16666"] == pytest.approx(round((20000 / 21000 - 19000 / 21000) * 100, 2))
    assert values["16738"] is None and values["16741"] is None
    assert doc["values"]["16666"][2] == "+4,8 điểm"
    assert doc["periods"] == ["2019-12", "2024-12"]


def test_a_2019_period_draws_the_2019_units(reform, login):
    client = login("leader")
    doc = client.get("/map/values.json?layer=hi_coverage&period=2019-12").get_json()
    old = reform["old_version"]
    assert doc["version_id"] == old.id
    assert doc["values"] == {"16663": [round(12000 / 14000, 4), 1, "85,7%"], "16664": [0.8, 1, "80,0%"],
                             "16666": [0.9375, 2, "93,8%"]}
    assert doc["geometry"]["0"] == f"/map/geometry/{old.id}/commune/0.geojson"
    features = client.get(doc["geometry"]["0"]).get_json()["features"]
    assert {f["id"] for f in features} == {"16663", "16664", "16666"}
    # The district head of 412 sees 2019's district 412; the head of 417 nothing there.
    assert set(login("head-412").get("/map/values.json?period=2019-12").get_json()["values"]) == set(doc["values"])
    assert login("head-417").get("/map/values.json?period=2019-12").get_json()["values"] == {}
    # The agent of 16663 sees the 2019 unit of the same code.
    assert set(login("agent-16663").get("/map/values.json?period=2019-12").get_json()["values"]) == {"16663"}


def test_default_base_is_a_year_before(reform, login):
    doc = login("leader").get("/map/values.json?layer=hi_change&period=2024-12").get_json()
    assert doc["base"] == "2023-12"
    assert all(v[0] is None for v in doc["values"].values())  # no 2023 figures
