"""geo.shapes: validation report, coverage simplification, rounding, outlines."""

import json

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import LineString, Point, Polygon, box

from geo.shapes import (
    dissolve_outlines,
    prepare_for_web,
    round_coordinates,
    simplify_coverage,
    validate_geometries,
)


def test_validate_report():
    bowtie = Polygon([(0, 0), (1, 1), (1, 0), (0, 1), (0, 0)])
    flat = Polygon([(0, 0), (1, 0), (2, 0), (0, 0)])  # collapsed: no area
    gdf = gpd.GeoDataFrame(
        {"name": ["ok", "bowtie", "point", "empty", "none", "line", "flat"]},
        geometry=[box(0, 0, 1, 1), bowtie, Point(0, 0), Polygon(), None,
                  LineString([(0, 0), (1, 1)]), flat],
        crs=4326,
    )
    usable, report = validate_geometries(gdf)
    assert [r["index"] for r in report] == list(range(7))
    assert [r["status"] for r in report] == [
        "valid", "repaired", "invalid", "invalid", "invalid", "invalid", "invalid"]
    assert all(isinstance(r["reason"], str) and r["reason"] for r in report)
    assert "Point" in report[2]["reason"]
    json.dumps(report)
    assert list(usable["name"]) == ["ok", "bowtie"]
    assert list(usable.index) == [0, 1]
    assert usable.crs == gdf.crs
    fixed = usable.geometry.iloc[1]
    assert fixed.is_valid and fixed.geom_type in ("Polygon", "MultiPolygon")
    assert abs(fixed.area - 0.5) < 1e-9
    # The input frame is untouched.
    assert not gdf.geometry.iloc[1].is_valid


def test_validate_geometry_collection_keeps_polygons():
    gc = shapely.GeometryCollection([box(0, 0, 1, 1), Point(5, 5)])
    gdf = gpd.GeoDataFrame(geometry=[gc], crs=4326)
    usable, report = validate_geometries(gdf)
    assert report[0]["status"] == "repaired"
    assert usable.geometry.iloc[0].equals(box(0, 0, 1, 1))


def test_validate_keeps_index_labels():
    gdf = gpd.GeoDataFrame(geometry=[Point(0, 0), box(0, 0, 1, 1)], index=[10, 11], crs=4326)
    usable, report = validate_geometries(gdf)
    assert [r["index"] for r in report] == [10, 11]
    assert type(report[0]["index"]) is int
    assert list(usable.index) == [11]


def _wiggly_neighbours(n=200, amp=0.02):
    """Two unit boxes sharing a wiggly border x = 1 + noise(y)."""
    ys = np.linspace(0, 1, n)
    rng = np.random.default_rng(0)
    xs = 1 + amp * np.sin(ys * 25) + rng.normal(0, amp / 10, n)
    xs[0] = xs[-1] = 1.0
    border = list(zip(xs, ys))  # bottom to top
    left = Polygon([(0, 0)] + border + [(0, 1)])
    right = Polygon([(2, 0), (2, 1)] + border[::-1])
    return gpd.GeoDataFrame({"name": ["left", "right"]}, geometry=[left, right], crs=4326)


def _shared(a, b):
    return shapely.line_merge(shapely.intersection(a.boundary, b.boundary))


def test_simplify_coverage_keeps_shared_border_identical():
    gdf = _wiggly_neighbours()
    assert shapely.coverage_is_valid(gdf.geometry.values)
    out = simplify_coverage(gdf, 0.01)
    left, right = out.geometry.values
    n_in = shapely.get_num_coordinates(gdf.geometry.values).sum()
    n_out = shapely.get_num_coordinates(out.geometry.values).sum()
    assert n_out < n_in / 2
    assert left.is_valid and right.is_valid
    assert shapely.coverage_is_valid(out.geometry.values)
    # No gap, no overlap: the two halves still tile the 2 x 1 rectangle.
    assert abs(left.area + right.area - 2.0) < 1e-9
    assert shapely.intersection(left, right).area == 0
    assert abs(shapely.union_all([left, right]).area - 2.0) < 1e-9
    # The shared border is the same vertex sequence on both sides.
    lb = {tuple(c) for c in shapely.get_coordinates(left)}
    rb = {tuple(c) for c in shapely.get_coordinates(right)}
    common = lb & rb
    assert len(common) > 2
    border = _shared(left, right)
    assert border.geom_type == "LineString"
    assert {tuple(c) for c in shapely.get_coordinates(border)} <= common
    assert list(out["name"]) == ["left", "right"]


def test_simplify_coverage_cleans_overlapping_neighbours():
    # Slight overlap (0.01) between neighbours: an invalid coverage.
    gdf = gpd.GeoDataFrame(geometry=[box(0, 0, 1.01, 1), box(1, 0, 2, 1)], crs=4326)
    assert not shapely.coverage_is_valid(gdf.geometry.values)
    out = simplify_coverage(gdf, 0.05)
    assert shapely.coverage_is_valid(out.geometry.values)
    assert out.is_valid.all() and not out.is_empty.any()


def test_simplify_never_empties_small_polygons():
    tiny = box(5, 5, 5.0001, 5.0001)
    gdf = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1), tiny, None], crs=4326)
    out = simplify_coverage(gdf, 1.0)
    assert not out.geometry.iloc[0].is_empty
    assert not out.geometry.iloc[1].is_empty and out.geometry.iloc[1].area > 0
    assert out.geometry.iloc[2] is None


def test_round_coordinates():
    poly = Polygon([(105.123456789, 18.987654321), (105.2, 18.9876549), (105.2, 19.1),
                    (105.123456789, 19.1)])
    gdf = gpd.GeoDataFrame(geometry=[poly], crs=4326)
    out = round_coordinates(gdf, 5)
    coords = shapely.get_coordinates(out.geometry.values)
    np.testing.assert_array_equal(coords, np.round(coords, 5))
    assert out.is_valid.all()
    # Serialises short.
    assert "105.12346" in out.to_json() and "105.123456" not in out.to_json()


def test_round_coordinates_keeps_tiny_polygons_and_valid():
    tiny = box(105.000001, 18.000001, 105.000003, 18.000003)   # collapses at 5 digits
    sliver = Polygon([(0, 0), (1, 0.000001), (2, 0), (1, 0.000002)])
    gdf = gpd.GeoDataFrame(geometry=[tiny, sliver, box(0, 0, 1, 1)], crs=4326)
    out = round_coordinates(gdf, 5)
    assert not out.is_empty.any()
    assert out.is_valid.all()


def test_round_keeps_shared_border_shared():
    gdf = _wiggly_neighbours()
    out = round_coordinates(simplify_coverage(gdf, 0.01), 3)
    assert shapely.coverage_is_valid(out.geometry.values)


def test_prepare_for_web():
    gdf = _wiggly_neighbours()
    gdf.loc[2] = ["point", Point(0, 0)]
    gdf = gdf.set_crs(4326, allow_override=True)
    out = prepare_for_web(gdf, tolerance=0.01, ndigits=4)
    assert list(out["name"]) == ["left", "right"]
    assert out.crs.to_epsg() == 4326
    assert out.is_valid.all()
    coords = shapely.get_coordinates(out.geometry.values)
    np.testing.assert_array_equal(coords, np.round(coords, 4))


def test_prepare_for_web_reprojects():
    gdf = gpd.GeoDataFrame(geometry=[box(105.6, 18.6, 105.7, 18.7)], crs=4326).to_crs(3405)
    out = prepare_for_web(gdf, tolerance=0.0001, ndigits=5)
    assert out.crs.to_epsg() == 4326
    np.testing.assert_allclose(out.total_bounds, [105.6, 18.6, 105.7, 18.7], atol=1e-4)


def test_dissolve_outlines_removes_slivers():
    # Communes in three districts with a thin enclosed gap between the two communes
    # of district A.
    gdf = gpd.GeoDataFrame(
        {"district": ["A", "A", "B", "B", "C"]},
        geometry=[box(0, 0, 1, 1), box(1.001, 0, 2, 1), box(0, 1, 1, 2), box(1, 1, 2, 2),
                  box(0, -1, 2, 0)],
        crs=4326,
    )
    out = dissolve_outlines(gdf, "district", sliver_width=0.01)
    assert list(out["district"]) == ["A", "B", "C"]
    assert list(out["n_units"]) == [2, 2, 1]
    a = out.geometry.iloc[0]
    assert a.geom_type == "Polygon" and len(a.interiors) == 0
    assert abs(a.area - 2.0) < 0.01
    assert shapely.coverage_is_valid(out.geometry.values)
    lines = dissolve_outlines(gdf, "district", sliver_width=0.01, as_lines=True)
    assert set(lines.geom_type) <= {"LineString", "MultiLineString", "LinearRing"}


def test_dissolve_outlines_drops_internal_hole_gap():
    # A commune ring around a slightly smaller inner commune leaves a thin ring gap.
    outer = box(0, 0, 3, 3).difference(box(1, 1, 2, 2))
    inner = box(1.002, 1.002, 1.998, 1.998)
    gdf = gpd.GeoDataFrame({"d": ["A", "A"]}, geometry=[outer, inner], crs=4326)
    out = dissolve_outlines(gdf, "d", sliver_width=0.01)
    geom = out.geometry.iloc[0]
    assert geom.geom_type == "Polygon" and len(geom.interiors) == 0
    assert abs(geom.area - 9.0) < 1e-6
