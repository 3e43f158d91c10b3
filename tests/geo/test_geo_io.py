"""geo.io.read_vector: every format, reprojection and every BoundaryFileError case."""

import zipfile

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from shapely.geometry import Point, box

from geo.io import BoundaryFileError, read_vector


def _frame(crs="EPSG:4326"):
    return gpd.GeoDataFrame(
        {"ma_xa": ["16663", "16666"], "ten_xa": ["Phường Đông Vĩnh", "Xã Nghi Hoà"]},
        geometry=[box(105.60, 18.60, 105.70, 18.70), box(105.70, 18.60, 105.80, 18.70)],
        crs=crs,
    )


def _check(gdf):
    assert isinstance(gdf, gpd.GeoDataFrame)
    assert gdf.crs.to_epsg() == 4326
    assert len(gdf) == 2
    assert list(gdf.index) == [0, 1]
    assert set(gdf["ten_xa"]) == {"Phường Đông Vĩnh", "Xã Nghi Hoà"}
    assert not shapely.has_z(gdf.geometry.values).any()
    # Bounds survive the round trip (within reprojection error).
    np.testing.assert_allclose(gdf.total_bounds, [105.60, 18.60, 105.80, 18.70], atol=1e-6)


def _zip_dir(src_dir, zip_path, prefix=""):
    with zipfile.ZipFile(zip_path, "w") as zf:
        for f in sorted(src_dir.iterdir()):
            zf.write(f, prefix + f.name)
    return zip_path


@pytest.mark.parametrize("suffix", [".geojson", ".json"])
def test_geojson(tmp_path, suffix):
    path = tmp_path / f"communes{suffix}"
    _frame().to_file(path, driver="GeoJSON")
    _check(read_vector(path))


def test_geojson_accepts_str_path_and_max_bytes(tmp_path):
    path = tmp_path / "communes.geojson"
    _frame().to_file(path, driver="GeoJSON")
    _check(read_vector(str(path), max_bytes=path.stat().st_size))


def test_shapefile_and_zipped_shapefile_in_subfolder(tmp_path):
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    _frame().to_file(shp_dir / "communes.shp")
    _check(read_vector(shp_dir / "communes.shp"))
    zpath = _zip_dir(shp_dir, tmp_path / "communes.zip", prefix="data/nghe_an/")
    _check(read_vector(zpath))


def test_gpkg(tmp_path):
    path = tmp_path / "communes.gpkg"
    _frame().to_file(path, driver="GPKG", layer="communes")
    _check(read_vector(path))


def _kml_driver():
    drivers = pyogrio.list_drivers(write=True)
    for name in ("KML", "LIBKML"):
        if name in drivers:
            return name
    pytest.skip("no KML driver with write support in this GDAL")


def test_kml(tmp_path):
    path = tmp_path / "communes.kml"
    _frame().to_file(path, driver=_kml_driver())
    _check(read_vector(path))


def test_kmz(tmp_path):
    kml = tmp_path / "doc.kml"
    _frame().to_file(kml, driver=_kml_driver())
    kmz = tmp_path / "communes.kmz"
    with zipfile.ZipFile(kmz, "w") as zf:
        zf.write(kml, "doc.kml")
    _check(read_vector(kmz))


def test_vn2000_is_reprojected(tmp_path):
    projected = _frame().to_crs("EPSG:3405")  # VN-2000 / UTM zone 48N
    assert projected.total_bounds[0] > 100_000  # metres, not degrees
    path = tmp_path / "vn2000.gpkg"
    projected.to_file(path, driver="GPKG")
    _check(read_vector(path))
    # Same through a zipped shapefile with its .prj.
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    projected.to_file(shp_dir / "vn2000.shp")
    _check(read_vector(_zip_dir(shp_dir, tmp_path / "vn2000.zip")))


def test_3d_geometries_become_2d(tmp_path):
    gdf = _frame()
    gdf["geometry"] = shapely.force_3d(gdf.geometry.values, 5.0)
    path = tmp_path / "z.geojson"
    gdf.to_file(path, driver="GeoJSON")
    _check(read_vector(path))


# --- errors -------------------------------------------------------------------------

def _message(excinfo):
    msg = str(excinfo.value)
    assert msg and msg[0].isupper() and msg.endswith("."), msg
    return msg


def test_missing_file(tmp_path):
    with pytest.raises(BoundaryFileError) as exc:
        read_vector(tmp_path / "nope.geojson")
    assert "does not exist" in _message(exc)


def test_is_a_value_error(tmp_path):
    with pytest.raises(ValueError):
        read_vector(tmp_path / "nope.geojson")


def test_too_large(tmp_path):
    path = tmp_path / "communes.geojson"
    _frame().to_file(path, driver="GeoJSON")
    with pytest.raises(BoundaryFileError) as exc:
        read_vector(path, max_bytes=100)
    assert "limit" in _message(exc)


@pytest.mark.parametrize("name,content", [
    ("garbage.geojson", b"this is not json at all"),
    ("garbage.xyz", b"\x00\x01\x02 binary noise"),
    ("garbage.gpkg", b"not an sqlite file" * 10),
])
def test_unreadable(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(BoundaryFileError) as exc:
        read_vector(path)
    assert "could not be read" in _message(exc)


def test_empty_file(tmp_path):
    path = tmp_path / "empty.geojson"
    path.write_bytes(b"")
    with pytest.raises(BoundaryFileError):
        read_vector(path)


def test_bad_zip(tmp_path):
    path = tmp_path / "fake.zip"
    path.write_bytes(b"PK not really a zip")
    with pytest.raises(BoundaryFileError) as exc:
        read_vector(path)
    assert "not a valid zip" in _message(exc)


def test_zip_without_shp(tmp_path):
    path = tmp_path / "nothing.zip"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "no shapes here")
    with pytest.raises(BoundaryFileError) as exc:
        read_vector(path)
    assert _message(exc) == "The zip archive contains no .shp file."


def test_kmz_without_kml(tmp_path):
    path = tmp_path / "nothing.kmz"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("readme.txt", "no shapes here")
    with pytest.raises(BoundaryFileError) as exc:
        read_vector(path)
    assert ".kml" in _message(exc)


def test_shapefile_without_prj(tmp_path):
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    _frame().to_crs("EPSG:3405").to_file(shp_dir / "noprj.shp")
    (shp_dir / "noprj.prj").unlink()
    with pytest.raises(BoundaryFileError) as exc:
        read_vector(_zip_dir(shp_dir, tmp_path / "noprj.zip"))
    assert "no coordinate reference system" in _message(exc)
    with pytest.raises(BoundaryFileError):
        read_vector(shp_dir / "noprj.shp")


def test_geojson_without_crs_member_is_wgs84(tmp_path):
    path = tmp_path / "plain.geojson"
    path.write_text(
        '{"type": "FeatureCollection", "features": [{"type": "Feature", '
        '"properties": {"ten_xa": "Xã A"}, "geometry": {"type": "Polygon", '
        '"coordinates": [[[105, 18], [105.1, 18], [105.1, 18.1], [105, 18]]]}}]}',
        encoding="utf-8",
    )
    gdf = read_vector(path)
    assert gdf.crs.to_epsg() == 4326 and len(gdf) == 1


def test_crs_that_cannot_be_transformed(tmp_path):
    local = ('LOCAL_CS["site grid",UNIT["metre",1],'
             'AXIS["X",EAST],AXIS["Y",NORTH]]')
    gdf = _frame().to_crs("EPSG:3405").set_crs(local, allow_override=True)
    path = tmp_path / "local.gpkg"
    gdf.to_file(path, driver="GPKG")
    with pytest.raises(BoundaryFileError) as exc:
        read_vector(path)
    assert "cannot be converted" in _message(exc)


def test_crs_giving_non_finite_coordinates(tmp_path):
    gdf = gpd.GeoDataFrame({"ten_xa": ["Xã A"]}, geometry=[box(1e30, 1e30, 2e30, 2e30)],
                           crs="EPSG:3405")
    path = tmp_path / "huge.gpkg"
    gdf.to_file(path, driver="GPKG")
    with pytest.raises(BoundaryFileError) as exc:
        read_vector(path)
    assert "probably wrong" in _message(exc)


def test_wrong_crs_out_of_range(tmp_path):
    # Metre coordinates declared as degrees.
    gdf = _frame().to_crs("EPSG:3405").set_crs("EPSG:4326", allow_override=True)
    path = tmp_path / "wrong.geojson"
    gdf.to_file(path, driver="GeoJSON")
    with pytest.raises(BoundaryFileError) as exc:
        read_vector(path)
    assert "outside the longitude/latitude range" in _message(exc)


def test_zero_features(tmp_path):
    path = tmp_path / "empty.geojson"
    path.write_text('{"type": "FeatureCollection", "features": []}', encoding="utf-8")
    with pytest.raises(BoundaryFileError) as exc:
        read_vector(path)
    assert "no features" in _message(exc)


def test_points_are_read_validation_is_separate(tmp_path):
    gdf = gpd.GeoDataFrame({"ten_xa": ["Xã A"]}, geometry=[Point(105, 18)], crs=4326)
    path = tmp_path / "points.geojson"
    gdf.to_file(path, driver="GeoJSON")
    assert read_vector(path).geom_type.tolist() == ["Point"]


def test_zip_with_several_shp(tmp_path):
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    _frame().to_file(shp_dir / "a.shp")
    _frame().to_file(shp_dir / "b.shp")
    with pytest.raises(BoundaryFileError) as exc:
        read_vector(_zip_dir(shp_dir, tmp_path / "two.zip"))
    assert "several .shp files" in _message(exc)


def test_zip_ignores_macos_junk(tmp_path):
    shp_dir = tmp_path / "shp"
    shp_dir.mkdir()
    _frame().to_file(shp_dir / "communes.shp")
    zpath = _zip_dir(shp_dir, tmp_path / "mac.zip")
    with zipfile.ZipFile(zpath, "a") as zf:
        zf.writestr("__MACOSX/._communes.shp", b"junk")
    _check(read_vector(zpath))


def test_archive_expansion_limit(tmp_path):
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("big.shp", b"\0" * 2_000_000)
    size = path.stat().st_size
    with pytest.raises(BoundaryFileError) as exc:
        read_vector(path, max_bytes=size)
    assert "too large" in _message(exc)
