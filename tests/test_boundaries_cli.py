"""`planner import boundaries`: reports, bad files, all-or-nothing writes."""
import json
import os
import zipfile

import geopandas as gpd
import pytest
from shapely.geometry import Point, Polygon, box
from sqlalchemy import func, select

from planner.models import CommuneBoundary

# Four neighbouring boxes for the four communes of tests/builders.small_province.
CELLS = {
    "16663": ("Phường Đông Vĩnh", "412", box(105.60, 18.60, 105.70, 18.70)),
    "16666": ("Phường Hà Huy Tập", "412", box(105.70, 18.60, 105.80, 18.70)),
    "16738": ("Thị trấn Mường Xén", "417", box(104.10, 19.40, 104.20, 19.50)),
    "16741": ("Xã Mỹ Lý", "417", box(104.20, 19.40, 104.30, 19.50)),
}


def frame(rows=None, crs="EPSG:4326"):
    rows = rows if rows is not None else [
        {"ma_xa": code, "ten_xa": name, "ma_huyen": d, "geometry": g} for code, (name, d, g) in CELLS.items()
    ]
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)


def stored(session):
    session.expire_all()
    return session.execute(select(func.count()).select_from(CommuneBoundary)).scalar()


def run(runner, path, *flags):
    return runner.invoke(args=["import", "boundaries", str(path), *flags])


def test_good_file_imports_all_and_json_has_four_lists(runner, session, world, tmp_path):
    path = tmp_path / "ok.geojson"
    frame().to_file(path, driver="GeoJSON")
    dry = run(runner, path, "--dry-run", "--json")
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.output)
    assert set(report) == {"matched", "ambiguous", "unmatched", "invalid"}
    assert len(report["matched"]) == 4 and stored(session) == 0
    real = run(runner, path)
    assert real.exit_code == 0, real.output
    assert stored(session) == 4


def test_names_without_codes_match_within_district(runner, session, world, tmp_path):
    rows = [
        {"ten_xa": "P. Dong Vinh", "ten_huyen": "TP Vinh", "ma_huyen": "412", "geometry": CELLS["16663"][2]},
        {"ten_xa": "Phường  HÀ HUY TẬP", "ma_huyen": "412", "geometry": CELLS["16666"][2]},
        {"ten_xa": "TT. Mường Xén", "ma_huyen": "417", "geometry": CELLS["16738"][2]},
        {"ten_xa": "xa my ly", "ma_huyen": "417", "geometry": CELLS["16741"][2]},
    ]
    path = tmp_path / "names.geojson"
    frame(rows).to_file(path, driver="GeoJSON")
    result = run(runner, path, "--json")
    report = json.loads(result.output)
    assert result.exit_code == 0, result.output
    assert sorted(m["code"] for m in report["matched"]) == sorted(CELLS)
    assert stored(session) == 4


def test_unknown_code_is_reported_with_suggestion_and_nothing_written(runner, session, world, tmp_path):
    rows = [{"ma_xa": "16664", "ten_xa": "Phường Đông Vĩnh", "ma_huyen": "412", "geometry": CELLS["16663"][2]},
            {"ma_xa": "16666", "ten_xa": "Phường Hà Huy Tập", "ma_huyen": "412", "geometry": CELLS["16666"][2]}]
    path = tmp_path / "unknown.geojson"
    frame(rows).to_file(path, driver="GeoJSON")
    result = run(runner, path, "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert [u["feature_code"] for u in report["unmatched"]] == ["16664"]
    assert report["unmatched"][0]["suggestions"][0]["code"] == "16663"  # suggested, never matched
    assert stored(session) == 0


def test_invalid_and_non_polygon_geometries_are_reported_and_nothing_written(runner, session, world, tmp_path):
    rows = [
        {"ma_xa": "16663", "ten_xa": "a", "geometry": CELLS["16663"][2]},
        {"ma_xa": "16666", "ten_xa": "b", "geometry": Point(105.7, 18.6)},
        {"ma_xa": "16738", "ten_xa": "c", "geometry": Polygon([(0, 0), (1, 1), (1, 0), (0, 1)])},  # bow-tie: repaired
    ]
    path = tmp_path / "bad.geojson"
    frame(rows).to_file(path, driver="GeoJSON")
    result = run(runner, path, "--json")
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert [i["index"] for i in report["invalid"]] == [1]
    assert "Point" in report["invalid"][0]["reason"]
    assert {m["code"] for m in report["matched"]} == {"16663", "16738"}
    assert stored(session) == 0


@pytest.mark.parametrize("case", ["not_vector", "no_crs", "zip_without_shp", "too_big", "missing"])
def test_unusable_files_exit_non_zero_with_a_message(case, runner, session, world, tmp_path, app):
    if case == "not_vector":
        path = tmp_path / "x.geojson"
        path.write_bytes("ma_xa,ten_xa\n16663,Đông Vĩnh\n".encode("cp1258", errors="replace"))
    elif case == "no_crs":
        shp_dir = tmp_path / "shp"
        shp_dir.mkdir()
        frame().to_file(shp_dir / "c.shp")
        os.remove(shp_dir / "c.prj")
        path = tmp_path / "noprj.zip"
        with zipfile.ZipFile(path, "w") as z:
            for f in shp_dir.iterdir():
                z.write(f, f.name)
    elif case == "zip_without_shp":
        path = tmp_path / "empty.zip"
        with zipfile.ZipFile(path, "w") as z:
            z.writestr("readme.txt", "no shapes here")
    elif case == "too_big":
        path = tmp_path / "big.geojson"
        frame().to_file(path, driver="GeoJSON")
        app.config["MAX_BOUNDARY_BYTES"] = 100
    else:
        path = tmp_path / "nothing.geojson"
    result = run(runner, path, "--json")
    assert result.exit_code == 2, result.output
    assert "Error:" in result.output
    assert json.loads(result.output.splitlines()[0])["error"]
    assert stored(session) == 0


def test_vn2000_projected_file_is_reprojected(runner, session, world, tmp_path):
    path = tmp_path / "vn2000.gpkg"
    frame().to_crs("EPSG:3405").to_file(path, driver="GPKG")
    result = run(runner, path, "--json")
    assert result.exit_code == 0, result.output
    assert stored(session) == 4


REAL = os.environ.get("PLANNER_TEST_BOUNDARIES")


@pytest.mark.realdata
@pytest.mark.skipif(not REAL, reason="PLANNER_TEST_BOUNDARIES not set")
def test_real_file_matches_all_460_and_2019_file_reports_merged_communes(runner, session, tmp_path):
    assert runner.invoke(args=["demo"]).exit_code == 0
    result = run(runner, REAL, "--dry-run", "--json")
    report = json.loads(result.output)
    assert result.exit_code == 0
    assert len(report["matched"]) == 460 and not report["unmatched"]
    older = os.path.join(os.path.dirname(REAL), "communes-2019.geojson")
    result = run(runner, older, "--dry-run", "--json")
    report = json.loads(result.output)
    assert result.exit_code == 1
    assert len(report["matched"]) + len(report["unmatched"]) + len(report["ambiguous"]) == 480
    assert len(report["unmatched"]) == 20
    assert all(m["by"] == "code" for m in report["matched"])
    assert all(u["feature_code"] and u["suggestions"] for u in report["unmatched"])
    assert stored(session) == 0
