"""Hierarchy versions side by side: import a past version, its crosswalk, sum across the change."""
import os
from datetime import date

import geopandas as gpd
import pytest
from shapely.geometry import box
from sqlalchemy import func, select

from planner.models import Commune, CoverageRecord, CrosswalkLink, HierarchyVersion
from planner.services import hierarchy

OLD = [  # 2019: three communes of Vinh, two of which merged into 16666 in 2020
    {"ma_xa": "16663", "ten_xa": "Phường Đông Vĩnh", "ma_huyen": "412", "ten_huyen": "Thành phố Vinh",
     "dan_so_2019": 14000, "geometry": box(0, 0, 1, 1)},
    {"ma_xa": "16664", "ten_xa": "Xã Hưng Thịnh", "ma_huyen": "412", "ten_huyen": "Thành phố Vinh",
     "dan_so_2019": 5000, "geometry": box(1, 0, 2, 1)},
    {"ma_xa": "16666", "ten_xa": "Phường Hà Huy Tập", "ma_huyen": "412", "ten_huyen": "Thành phố Vinh",
     "dan_so_2019": 16000, "geometry": box(2, 0, 3, 1)},
]
CROSSWALK = ("ma_xa_2019,ten_xa_2019,ma_xa_2020,ten_xa_2020,ghi_chu\n"
             "16663,Phường Đông Vĩnh,16663,Phường Đông Vĩnh,\n"
             "16664,Xã Hưng Thịnh,16666,Phường Hà Huy Tập,Nhập vào phường Hà Huy Tập\n"
             "16666,Phường Hà Huy Tập,16666,Phường Hà Huy Tập,\n")


@pytest.fixture
def old_version(session, world, tmp_path, runner):
    path = tmp_path / "communes-2019.geojson"
    gpd.GeoDataFrame(OLD, geometry="geometry", crs="EPSG:4326").to_file(path, driver="GeoJSON")
    result = runner.invoke(args=["import", "hierarchy", str(path), "--name", "Vinh 2019", "--valid-from",
                                 "2019-01-01", "--valid-to", "2019-12-31"])
    assert result.exit_code == 0, result.output
    assert "1 districts, 3 communes" in result.output
    return session.execute(select(HierarchyVersion).where(HierarchyVersion.name == "Vinh 2019")).scalars().one()


def test_past_version_sits_beside_the_current_one(session, world, old_version):
    assert not old_version.is_current and world["version"].is_current
    communes = session.execute(select(Commune).where(Commune.version_id == old_version.id)).scalars().all()
    assert {c.code: c.kind for c in communes} == {"16663": "ward", "16664": "commune", "16666": "ward"}
    assert hierarchy.version_for(session=session, day=date(2019, 6, 1)).id == old_version.id
    assert hierarchy.version_for(session=session, day=date(2022, 6, 1)).id == world["version"].id


def test_crosswalk_and_a_series_summed_across_the_merger(session, world, old_version, tmp_path, runner):
    path = tmp_path / "crosswalk.csv"
    path.write_text(CROSSWALK, encoding="utf-8")
    dry = runner.invoke(args=["import", "crosswalk", str(path), "--from", "Vinh 2019", "--to", "Test 2020–2024",
                              "--dry-run"])
    assert dry.exit_code == 0 and "3 links checked" in dry.output
    assert session.execute(select(func.count()).select_from(CrosswalkLink)).scalar() == 0
    assert runner.invoke(args=["import", "crosswalk", str(path), "--from", "Vinh 2019",
                               "--to", "Test 2020–2024"]).exit_code == 0
    old = dict(session.execute(select(Commune.code, Commune.id).where(Commune.version_id == old_version.id)).all())
    for code, hi in (("16663", 12000), ("16664", 4000), ("16666", 15000)):
        session.add(CoverageRecord(commune_id=old[code], period=date(2019, 12, 1), hi_participants=hi))
    session.commit()
    per_unit = hierarchy.coverage_in_version(session=session, version=world["version"],
                                             expression=lambda: CoverageRecord.hi_participants,
                                             periods=[date(2019, 12, 1), date(2024, 12, 1)])
    new = world["communes"]
    assert per_unit[(new["16663"].id, date(2019, 12, 1))] == 12000
    assert per_unit[(new["16666"].id, date(2019, 12, 1))] == 4000 + 15000  # merged commune summed
    assert per_unit[(new["16666"].id, date(2024, 12, 1))] == 20000  # its own 2024 record
    totals = hierarchy.province_series(session=session, version=world["version"],
                                       expression=lambda: CoverageRecord.hi_participants,
                                       periods=[date(2019, 12, 1), date(2024, 12, 1)])
    assert totals[date(2019, 12, 1)] == 31000 and totals[date(2024, 12, 1)] == 14500 + 20000 + 4800


@pytest.mark.parametrize("text,message", [
    ("ma_xa_2019,ma_xa_2020\n99999,16663\n", "row 2: ma_xa_2019 '99999' is a unit of neither 'Vinh 2019'"),
    ("ma_xa_2019,ma_xa_2020\n16663,99999\n", "row 2: ma_xa_2020 '99999' is a unit of neither"),
    ("ma_xa,ma_xa_2020\n16663,16663\n", "exactly two commune code columns"),
    ("ma_xa_2019,ma_xa_2020\n16663,16663\n", "2 units of 'Vinh 2019' have no row: 16664, 16666"),
    ("ma_xa_2019,ma_xa_2020,share\n16663,16663,1\n16663,16666,0.5\n16664,16666,1\n16666,16666,1\n",
     "the shares of ma_xa_2019 16663 add up to 1.5, not 1 (rows 2, 3)"),
    ("ma_xa_2019,ma_xa_2020,share\n16663,16663,0.4\n16663,16666,0.5\n16664,16666,1\n16666,16666,1\n",
     "add up to 0.9, not 1 (rows 2, 3)"),
    ("ma_xa_2019,ma_xa_2020\n16663,16663\n16663,16666\n16664,16666\n16666,16666\n",
     "ma_xa_2019 16663 goes to 2 new units without a share on each row (rows 2, 3)"),
])
def test_bad_crosswalks_write_nothing(session, world, old_version, tmp_path, runner, text, message):
    path = tmp_path / "bad.csv"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["import", "crosswalk", str(path), "--from", "Vinh 2019", "--to", "Test 2020–2024"])
    assert result.exit_code == 1 and message in result.output
    assert session.execute(select(func.count()).select_from(CrosswalkLink)).scalar() == 0


def test_bad_hierarchy_files(session, world, tmp_path, runner):
    path = tmp_path / "units.csv"
    path.write_text("ma_xa,ten_xa\n16663,Phường Đông Vĩnh\n", encoding="utf-8")
    result = runner.invoke(args=["import", "hierarchy", str(path), "--name", "X", "--valid-from", "2019-01-01",
                                 "--valid-to", "2019-12-31"])
    assert result.exit_code == 2 and "Missing columns" in result.output
    path.write_bytes("ma_xa,ten_xa,ma_huyen,ten_huyen\n16663,Đông,412,TP Vinh\n".encode("cp1258"))
    result = runner.invoke(args=["import", "hierarchy", str(path), "--name", "X", "--valid-from", "2019-01-01",
                                 "--valid-to", "2019-12-31"])
    assert result.exit_code == 2 and "UTF-8" in result.output
    result = runner.invoke(args=["import", "hierarchy", str(path), "--name", "Test 2020–2024",
                                 "--valid-from", "2019-01-01"])
    assert result.exit_code == 2 and "exists already" in result.output
    assert session.execute(select(func.count()).select_from(HierarchyVersion)).scalar() == 1


REAL = os.environ.get("PLANNER_TEST_BOUNDARIES")


@pytest.mark.realdata
@pytest.mark.skipif(not REAL, reason="PLANNER_TEST_BOUNDARIES not set")
def test_real_2019_hierarchy_and_official_crosswalk(runner, session):
    assert runner.invoke(args=["demo"]).exit_code == 0
    folder = os.path.dirname(REAL)
    result = runner.invoke(args=["import", "hierarchy", os.path.join(folder, "communes-2019.geojson"),
                                 "--name", "Nghệ An 2019 (480 xã)", "--valid-from", "2019-01-01",
                                 "--valid-to", "2019-12-31", "--population-year", "2019"])
    assert result.exit_code == 0, result.output
    assert "480 communes" in result.output
    result = runner.invoke(args=["import", "crosswalk", os.path.join(folder, "crosswalk-2019-to-2020.csv"),
                                 "--from", "Nghệ An 2019 (480 xã)", "--to", "Nghệ An 2020–2024 (460 xã)"])
    assert result.exit_code == 0, result.output
    assert "480 links written" in result.output
    targets = session.execute(select(func.count(func.distinct(CrosswalkLink.to_commune_id)))).scalar()
    assert targets == 460


@pytest.mark.realdata
@pytest.mark.skipif(not REAL, reason="PLANNER_TEST_BOUNDARIES not set")
def test_demo_series_is_continuous_across_the_2020_mergers(runner, session):
    folder = os.path.dirname(REAL)
    result = runner.invoke(args=["demo", "--boundaries-2019", os.path.join(folder, "communes-2019.geojson"),
                                 "--crosswalk", os.path.join(folder, "crosswalk-2019-to-2020.csv")])
    assert result.exit_code == 0, result.output
    old = hierarchy.version_by_name(session=session, name="Nghệ An 2019 (480 xã)")
    new = hierarchy.version_by_name(session=session, name="Nghệ An 2020–2024 (460 xã)")
    assert hierarchy.version_for(session=session, day=date(2019, 6, 15)).id == old.id
    assert hierarchy.version_for(session=session, day=date(2020, 1, 1)).id == new.id

    months = [date(y, m, 1) for y in range(2019, 2025) for m in range(1, 13)]
    hi = lambda: CoverageRecord.hi_participants  # noqa: E731
    series = hierarchy.province_series(session=session, version=new, expression=hi, periods=months)
    assert sorted(series) == months
    steps = {b: series[b] - series[a] for a, b in zip(months, months[1:])}
    normal = max(abs(v) for d, v in steps.items() if d.year in (2020, 2021, 2022))
    assert abs(steps[date(2020, 1, 1)]) <= normal
    assert abs(steps[date(2024, 1, 1)]) <= normal  # into the demo's own 2024
    assert abs(steps[date(2020, 1, 1)]) < 0.005 * series[date(2019, 12, 1)]

    # Commune by commune: the 2019 units summed through the crosswalk join their successor.
    per_unit = hierarchy.coverage_in_version(session=session, version=new, expression=hi, periods=months[:36])
    ids = {cid for cid, _p in per_unit}
    assert len(ids) == 460
    for cid in ids:
        changes = [abs(per_unit[(cid, b)] - per_unit[(cid, a)]) for a, b in zip(months[12:35], months[13:36])]
        jump = abs(per_unit[(cid, date(2020, 1, 1))] - per_unit[(cid, date(2019, 12, 1))])
        assert jump <= max(changes) + 1, cid
