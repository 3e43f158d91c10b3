"""Reading boundary files. The only module of :mod:`geo` that touches the disk.

:func:`read_vector` reads GeoJSON (.geojson/.json), zipped Shapefiles (.zip), .shp,
GeoPackage (.gpkg), KML (.kml), KMZ (.kmz) and anything else GDAL/pyogrio can open,
and always returns a GeoDataFrame in EPSG:4326 with 2-D geometries. Every problem a
person uploading a file can cause is raised as :class:`BoundaryFileError`, whose
message is one plain English sentence meant to be shown to that person.
"""

from __future__ import annotations

import os
import warnings
import zipfile
from pathlib import Path, PurePosixPath

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS

__all__ = ["BoundaryFileError", "read_vector"]

#: How much larger than ``max_bytes`` the uncompressed content of an archive may be.
ARCHIVE_EXPANSION_LIMIT = 20


class BoundaryFileError(ValueError):
    """A boundary file cannot be used; ``str(error)`` is a sentence for a human."""


def _archive_members(path: Path, max_bytes: int | None) -> list[str]:
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise BoundaryFileError(
            f"The file {path.name} is not a valid zip archive."
        ) from exc
    if max_bytes is not None:
        total = sum(i.file_size for i in infos)
        if total > max_bytes * ARCHIVE_EXPANSION_LIMIT:
            raise BoundaryFileError(
                f"The archive {path.name} expands to {total:,} bytes, which is too large."
            )
    names = []
    for info in infos:
        if info.is_dir():
            continue
        p = PurePosixPath(info.filename)
        # Skip macOS resource forks and hidden files.
        if "__MACOSX" in p.parts or p.name.startswith("."):
            continue
        names.append(info.filename)
    return names


def _pick_member(path: Path, members: list[str], suffix: str, what: str) -> str:
    found = sorted(m for m in members if m.lower().endswith(suffix))
    if not found:
        raise BoundaryFileError(f"The {what} contains no {suffix} file.")
    if len(found) > 1:
        if suffix == ".kml":
            # KMZ convention: the main document is doc.kml at the top level.
            top = [m for m in found if "/" not in m]
            if len(top) == 1:
                return top[0]
        listed = ", ".join(found[:5])
        raise BoundaryFileError(
            f"The {what} contains several {suffix} files ({listed}); "
            f"please upload one layer per file."
        )
    return found[0]


def _vsi_path(archive: Path, member: str) -> str:
    return f"/vsizip/{archive.resolve().as_posix()}/{member}"


def _read_source(source: str, display_name: str) -> gpd.GeoDataFrame:
    """Read one data source with pyogrio; multi-layer sources are handled:
    KML/KMZ folders are concatenated, otherwise the first layer with features is used."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            warnings.simplefilter("ignore", UserWarning)
            layers = pyogrio.list_layers(source)
            if len(layers) <= 1:
                return gpd.read_file(source, engine="pyogrio")
            is_kml = display_name.lower().endswith((".kml", ".kmz"))
            frames = []
            for layer_name, geom_type in layers:
                if geom_type is None:
                    continue  # attribute-only table (e.g. in a GeoPackage)
                frame = gpd.read_file(source, layer=layer_name, engine="pyogrio")
                if len(frame) == 0:
                    continue
                if not is_kml:
                    return frame
                frames.append(frame)
    except BoundaryFileError:
        raise
    except Exception as exc:  # pyogrio / GDAL errors come in many classes
        raise BoundaryFileError(
            f"The file {display_name} could not be read as a boundary file "
            f"(supported: GeoJSON, zipped Shapefile, GeoPackage, KML, KMZ)."
        ) from exc
    if not frames:
        return gpd.GeoDataFrame(geometry=[], crs="EPSG:4326")
    crs = frames[0].crs
    frames = [f.to_crs(crs) if f.crs != crs and f.crs is not None and crs is not None else f
              for f in frames]
    return gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), crs=crs)


def _to_wgs84(gdf: gpd.GeoDataFrame, display_name: str) -> gpd.GeoDataFrame:
    if gdf.crs is None:
        raise BoundaryFileError(
            f"The file {display_name} has no coordinate reference system "
            f"(for a Shapefile, the .prj file is missing)."
        )
    target = CRS.from_epsg(4326)
    try:
        same = CRS(gdf.crs).equals(target, ignore_axis_order=True)
    except Exception:  # pragma: no cover - defensive
        same = False
    if not same:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                gdf = gdf.to_crs(target)
        except Exception as exc:
            raise BoundaryFileError(
                f"The coordinate reference system of {display_name} "
                f"({CRS(gdf.crs).name}) cannot be converted to longitude/latitude."
            ) from exc
    else:
        gdf = gdf.set_crs(target, allow_override=True)
    coords = shapely.get_coordinates(gdf.geometry.values)
    if coords.size:
        if not np.isfinite(coords).all():
            raise BoundaryFileError(
                f"Converting {display_name} to longitude/latitude gave invalid "
                f"coordinates; its coordinate reference system is probably wrong."
            )
        lon, lat = coords[:, 0], coords[:, 1]
        if (np.abs(lon) > 180).any() or (np.abs(lat) > 90).any():
            raise BoundaryFileError(
                f"The coordinates of {display_name} are outside the longitude/latitude "
                f"range; its coordinate reference system is probably wrong."
            )
    return gdf


def read_vector(path: str | os.PathLike, *, max_bytes: int | None = None) -> gpd.GeoDataFrame:
    """Read a boundary file and return it in EPSG:4326 with 2-D geometries.

    Formats: .geojson/.json, .zip (a zipped Shapefile; the .shp may be in a
    subfolder), .shp, .gpkg, .kml, .kmz (a zip holding a .kml), and any other
    format pyogrio opens. Data in other coordinate reference systems (e.g. VN-2000,
    EPSG:3405/5897/9210) is reprojected. The index is a fresh 0..n-1 RangeIndex.

    ``max_bytes`` limits the file size (and an archive's uncompressed content to
    ``ARCHIVE_EXPANSION_LIMIT`` times that).

    Raises :class:`BoundaryFileError` for a missing file, a file over ``max_bytes``,
    an unreadable or unsupported format, a zip without .shp (KMZ without .kml), no
    coordinate reference system, one that cannot be converted to EPSG:4326 or gives
    non-finite or out-of-range coordinates, and a file without features.
    """
    p = Path(path)
    name = p.name
    if not p.is_file():
        raise BoundaryFileError(f"The file {name} does not exist.")
    size = p.stat().st_size
    if max_bytes is not None and size > max_bytes:
        raise BoundaryFileError(
            f"The file {name} is {size:,} bytes, more than the limit of {max_bytes:,} bytes."
        )
    if size == 0:
        raise BoundaryFileError(f"The file {name} is empty.")
    suffix = p.suffix.lower()
    if suffix == ".zip":
        members = _archive_members(p, max_bytes)
        member = _pick_member(p, members, ".shp", "zip archive")
        source = _vsi_path(p, member)
    elif suffix == ".kmz":
        members = _archive_members(p, max_bytes)
        member = _pick_member(p, members, ".kml", "KMZ archive")
        source = _vsi_path(p, member)
    else:
        source = str(p)
    gdf = _read_source(source, name)
    if gdf.geometry.name not in gdf.columns or len(gdf) == 0:
        raise BoundaryFileError(f"The file {name} contains no features.")
    if gdf.geometry.isna().all():
        raise BoundaryFileError(f"The file {name} contains no geometries.")
    gdf = _to_wgs84(gdf, name)
    geoms = gdf.geometry.values
    if shapely.has_z(geoms).any():
        gdf = gdf.copy()
        gdf[gdf.geometry.name] = gpd.GeoSeries(shapely.force_2d(geoms), index=gdf.index, crs=gdf.crs)
    return gdf.reset_index(drop=True)
