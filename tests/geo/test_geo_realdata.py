"""Checks against the real Nghệ An boundaries; need PLANNER_TEST_BOUNDARIES.

PLANNER_TEST_BOUNDARIES is the folder holding communes-2020-2024.geojson and
communes-2019.geojson (or the path of communes-2020-2024.geojson itself).
"""

import os
from pathlib import Path

import pytest
import shapely

from geo import match_features, prepare_for_web, read_vector, validate_geometries

pytestmark = pytest.mark.realdata


def _data_dir() -> Path:
    value = os.environ.get("PLANNER_TEST_BOUNDARIES")
    if not value:
        pytest.skip("PLANNER_TEST_BOUNDARIES is not set")
    path = Path(value)
    folder = path.parent if path.is_file() else path
    if not (folder / "communes-2020-2024.geojson").is_file():
        pytest.skip(f"communes-2020-2024.geojson not found in {folder}")
    return folder


@pytest.fixture(scope="module")
def communes_2020():
    return read_vector(_data_dir() / "communes-2020-2024.geojson")


@pytest.fixture(scope="module")
def registry_2020(communes_2020):
    g = communes_2020
    return [{"code": c, "name": n, "district_code": dc, "district_name": dn}
            for c, n, dc, dn in zip(g["ma_xa"], g["ten_xa"], g["ma_huyen"], g["ten_huyen"])]


def test_all_460_validate(communes_2020):
    assert len(communes_2020) == 460
    usable, report = validate_geometries(communes_2020)
    assert len(usable) == 460
    assert all(r["status"] == "valid" for r in report)


def test_match_460_by_code(communes_2020, registry_2020):
    res = match_features(communes_2020, registry_2020)
    assert len(res["matched"]) == 460
    assert not res["ambiguous"] and not res["unmatched"]


def test_match_460_by_name_only(communes_2020, registry_2020):
    res = match_features(communes_2020.drop(columns=["ma_xa"]), registry_2020)
    assert len(res["matched"]) == 460
    assert all(m["by"] == "name" for m in res["matched"])


def test_2019_against_2020_registry(registry_2020):
    path = _data_dir() / "communes-2019.geojson"
    if not path.is_file():
        pytest.skip("communes-2019.geojson not found")
    old = read_vector(path)
    assert len(old) == 480
    res = match_features(old, registry_2020)
    known = {r["code"] for r in registry_2020}
    in_both = [i for i, c in enumerate(old["ma_xa"]) if c in known]
    assert sorted(m["index"] for m in res["matched"]) == in_both
    assert not res["ambiguous"]
    assert len(res["matched"]) + len(res["unmatched"]) == 480
    for entry in res["unmatched"]:
        assert entry["feature_code"] not in known


def test_prepare_for_web_keeps_every_commune(communes_2020):
    for tol in (0.001, 0.002):
        out = prepare_for_web(communes_2020, tolerance=tol, ndigits=5)
        assert len(out) == 460
        assert out.is_valid.all() and not out.is_empty.any()
        assert shapely.coverage_is_valid(out.geometry.values)
