"""Geometry clean-up and web preparation. Frames in, frames out; never touches disk.

All functions keep the input's index labels, columns and CRS, and never modify the
input frame.
"""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.errors import GEOSException
from shapely.geometry.base import BaseGeometry

__all__ = [
    "dissolve_outlines",
    "prepare_bands",
    "prepare_for_web",
    "round_coordinates",
    "simplify_coverage",
    "validate_geometries",
]

_POLYGONAL = ("Polygon", "MultiPolygon")


def _label(value):
    """Index label as a plain JSON-serialisable value."""
    return value.item() if isinstance(value, np.generic) else value


def _polygonal_part(geom: BaseGeometry | None) -> BaseGeometry | None:
    """The polygonal part of ``geom`` as Polygon/MultiPolygon, or None if it has no area."""
    if geom is None or geom.is_empty:
        return None
    if geom.geom_type in _POLYGONAL:
        return geom if geom.area > 0 else None
    if hasattr(geom, "geoms"):
        polys: list[Polygon] = []
        for part in geom.geoms:
            sub = _polygonal_part(part)
            if sub is None:
                continue
            polys.extend(sub.geoms if isinstance(sub, MultiPolygon) else [sub])
        polys = [p for p in polys if p.area > 0]
        if not polys:
            return None
        return polys[0] if len(polys) == 1 else MultiPolygon(polys)
    return None


def _repair(geom: BaseGeometry) -> BaseGeometry | None:
    """make_valid reduced to its polygonal part; None when nothing with area is left."""
    fixed = _polygonal_part(shapely.make_valid(geom))
    if fixed is None or not fixed.is_valid:
        # The "structure" method rebuilds polygons from their rings; try it too.
        alt = _polygonal_part(shapely.make_valid(geom, method="structure", keep_collapsed=False))
        if alt is not None and alt.is_valid:
            return alt
    return fixed if fixed is not None and fixed.is_valid else None


def validate_geometries(gdf: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, list[dict]]:
    """Check and repair every geometry.

    Returns ``(usable, report)``. ``usable`` holds the rows whose geometry is (or was
    repaired into) a valid Polygon/MultiPolygon with area; Z coordinates are dropped.
    ``report`` has one dict per input row, in order:
    ``{"index": label, "status": "valid"|"repaired"|"invalid", "reason": str}``
    where ``index`` is the row's index label (0..n-1 for a frame from
    :func:`geo.io.read_vector`). Invalid: null or empty geometry, a non-polygonal
    geometry (point, line), or a polygon whose repair leaves no area.
    """
    report: list[dict] = []
    keep_labels = []
    new_geoms = []
    for label, geom in zip(gdf.index, gdf.geometry.values):
        idx = _label(label)
        if geom is None or geom.is_empty:
            report.append({"index": idx, "status": "invalid",
                           "reason": "The feature has no geometry."})
            continue
        if shapely.has_z(geom):
            geom = shapely.force_2d(geom)
        gtype = geom.geom_type
        if gtype in _POLYGONAL and geom.is_valid and geom.area > 0:
            report.append({"index": idx, "status": "valid", "reason": "The geometry is valid."})
            keep_labels.append(label)
            new_geoms.append(geom)
            continue
        if gtype not in _POLYGONAL and gtype != "GeometryCollection":
            report.append({"index": idx, "status": "invalid",
                           "reason": f"The geometry is a {gtype}, not a polygon."})
            continue
        if gtype == "GeometryCollection" and geom.is_valid:
            part = _polygonal_part(geom)
            if part is None or not part.is_valid:
                report.append({"index": idx, "status": "invalid",
                               "reason": "The geometry collection contains no polygon."})
                continue
            report.append({"index": idx, "status": "repaired",
                           "reason": "Only the polygons of the geometry collection were kept."})
            keep_labels.append(label)
            new_geoms.append(part)
            continue
        why = shapely.is_valid_reason(geom)
        fixed = _repair(geom)
        if fixed is None:
            report.append({"index": idx, "status": "invalid",
                           "reason": f"The polygon is invalid ({why}) and repairing it leaves no area."})
            continue
        report.append({"index": idx, "status": "repaired",
                       "reason": f"The polygon was invalid ({why}) and has been repaired."})
        keep_labels.append(label)
        new_geoms.append(fixed)
    usable = gdf.loc[keep_labels].copy() if keep_labels else gdf.iloc[0:0].copy()
    if keep_labels:
        usable[usable.geometry.name] = gpd.GeoSeries(new_geoms, index=usable.index, crs=gdf.crs)
    return usable, report


def _replace_geometry(gdf: gpd.GeoDataFrame, geoms) -> gpd.GeoDataFrame:
    out = gdf.copy()
    out[out.geometry.name] = gpd.GeoSeries(np.asarray(geoms, dtype=object),
                                           index=out.index, crs=gdf.crs)
    return out


def _keep_nonempty(original: np.ndarray, result: np.ndarray) -> np.ndarray:
    """Where ``result`` lost a non-empty input (empty, None, invalid, non-polygonal),
    put back the original geometry."""
    result = np.asarray(result, dtype=object).copy()
    for i, (orig, new) in enumerate(zip(original, result)):
        if orig is None or orig.is_empty:
            continue
        if (new is None or new.is_empty or new.geom_type not in _POLYGONAL
                or not new.is_valid or new.area <= 0):
            result[i] = orig
    return result


def simplify_coverage(gdf: gpd.GeoDataFrame, tolerance: float,
                      *, simplify_boundary: bool = True,
                      gap_width: float | None = None) -> gpd.GeoDataFrame:
    """Simplify a polygon coverage so that neighbours keep identical shared borders.

    ``tolerance`` is in CRS units (degrees for EPSG:4326) and is passed to
    :func:`shapely.coverage_simplify` (Visvalingam-Whyatt; roughly the square root of
    the area of the triangles removed).

    Strategy:

    1. If the polygons already form a valid coverage (no overlaps, identical vertices
       along shared edges), :func:`shapely.coverage_simplify` is applied directly.
    2. Otherwise (real data: small overlaps and gaps, ~0.3% of the area) a coverage
       simplification would leave the overlaps, and the mismatched edges are hardly
       simplified at all. The polygons are first cleaned with
       :func:`shapely.coverage_clean` (overlaps given to the neighbour with the longest
       shared border, gaps narrower than ``gap_width`` -- default ``2 * tolerance``
       -- filled, nearby vertices snapped), then coverage-simplified. Borders are then shared exactly, at the
       cost of moving up to the overlap/gap width.
    3. If cleaning or simplification fails, or does not produce a valid coverage,
       each polygon is simplified on its own with topology-preserving Douglas-Peucker
       (``GeoSeries.simplify(tolerance, preserve_topology=True)``): neighbours may
       then no longer share identical borders.

    Finally any row whose result is empty, invalid or non-polygonal gets its
    original geometry back, so a non-empty input never becomes empty. Null/empty or
    non-polygonal inputs are passed through untouched.
    """
    if tolerance is None or tolerance <= 0 or len(gdf) == 0:
        return gdf.copy()
    original = np.asarray(gdf.geometry.values, dtype=object)
    mask = np.array([g is not None and not g.is_empty and g.geom_type in _POLYGONAL
                     for g in original], dtype=bool)
    if not mask.any():
        return gdf.copy()
    polys = original[mask]
    simplified = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if shapely.coverage_is_valid(polys):
                candidate = shapely.coverage_simplify(
                    polys, tolerance, simplify_boundary=simplify_boundary)
            else:
                width = 2 * tolerance if gap_width is None else gap_width
                cleaned = shapely.coverage_clean(polys, gap_width=width)
                cleaned = _keep_nonempty(polys, cleaned)
                if not shapely.coverage_is_valid(cleaned):
                    raise ValueError("coverage_clean did not give a valid coverage")
                candidate = shapely.coverage_simplify(
                    cleaned, tolerance, simplify_boundary=simplify_boundary)
            if shapely.is_valid(candidate).all() and shapely.coverage_is_valid(candidate):
                simplified = candidate
    except Exception:  # GEOS topology errors: use the per-feature fallback
        simplified = None
    if simplified is None:
        simplified = shapely.simplify(polys, tolerance, preserve_topology=True)
    result = original.copy()
    result[mask] = _keep_nonempty(polys, simplified)
    return _replace_geometry(gdf, result)


def _round_one(geom: BaseGeometry | None, ndigits: int) -> BaseGeometry | None:
    """Pointwise rounding of one geometry; None if that breaks it (collapsed ring).

    The parts of a MultiPolygon are rounded one by one and parts that collapse (tiny
    fragments, e.g. left by coverage cleaning) are dropped."""
    if geom is None or geom.is_empty:
        return geom

    def one(g):
        try:
            rounded = shapely.transform(g, lambda coords: np.round(coords, ndigits))
            return shapely.remove_repeated_points(rounded)
        except GEOSException:
            return None

    if isinstance(geom, MultiPolygon):
        parts = []
        for part in geom.geoms:
            r = one(part)
            if r is not None and not r.is_empty and r.is_valid and r.area > 0:
                parts.append(r)
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else MultiPolygon(parts)
    return one(geom)


def round_coordinates(gdf: gpd.GeoDataFrame, ndigits: int = 5) -> gpd.GeoDataFrame:
    """Round every coordinate to ``ndigits`` decimals, keeping geometries valid.

    Rounding is pointwise (each vertex is rounded on its own, so a border shared
    exactly by two neighbours stays identical) and the floats are exactly the ones
    ``round()`` gives, so they serialise short ("105.12346"). A geometry that this
    makes invalid is instead snap-rounded with :func:`shapely.set_precision`
    (valid output); if that collapses it, the unrounded geometry is kept: a
    non-empty input never becomes empty.
    """
    if len(gdf) == 0:
        return gdf.copy()
    original = np.asarray(gdf.geometry.values, dtype=object)
    rounded = np.empty(len(original), dtype=object)
    for i, orig in enumerate(original):
        new = _round_one(orig, ndigits)
        if orig is None or orig.is_empty:
            rounded[i] = orig
            continue
        polygonal = orig.geom_type in _POLYGONAL
        if (new is not None and not new.is_empty and new.is_valid
                and (not polygonal or (new.geom_type in _POLYGONAL and new.area > 0))):
            rounded[i] = new
            continue
        snapped = _round_one(shapely.set_precision(orig, 10.0 ** -ndigits), ndigits)
        if polygonal:
            snapped = _polygonal_part(snapped)
        if snapped is None or snapped.is_empty or not snapped.is_valid:
            rounded[i] = orig
        else:
            rounded[i] = snapped
    return _replace_geometry(gdf, rounded)


def prepare_for_web(gdf: gpd.GeoDataFrame, *, tolerance: float = 0.001,
                    ndigits: int = 5) -> gpd.GeoDataFrame:
    """The one call the map uses: reproject to EPSG:4326 if needed, drop unusable
    geometries (see :func:`validate_geometries`), :func:`simplify_coverage` with
    ``tolerance`` (degrees) and :func:`round_coordinates` to ``ndigits`` decimals."""
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    usable, _report = validate_geometries(gdf)
    if len(usable) == 0:
        return usable
    simplified = simplify_coverage(usable, tolerance)
    return round_coordinates(simplified, ndigits)


def _remove_small_holes(geom: BaseGeometry, min_area: float) -> BaseGeometry:
    def clean(poly: Polygon) -> Polygon:
        holes = [r for r in poly.interiors if Polygon(r).area >= min_area]
        return Polygon(poly.exterior, holes)
    if geom is None or geom.is_empty:
        return geom
    if isinstance(geom, Polygon):
        return clean(geom)
    if isinstance(geom, MultiPolygon):
        parts = [clean(p) for p in geom.geoms if p.area >= min_area]
        if not parts:
            parts = [clean(max(geom.geoms, key=lambda p: p.area))]
        return parts[0] if len(parts) == 1 else MultiPolygon(parts)
    return geom


def dissolve_outlines(gdf: gpd.GeoDataFrame, by: str | list[str], *,
                      sliver_width: float | None = None,
                      as_lines: bool = False) -> gpd.GeoDataFrame:
    """District outlines from communes: one row per value of ``by``.

    Slivers are cleaned: the communes are first made into a clean coverage with
    :func:`shapely.coverage_clean` (gaps narrower than ``sliver_width`` filled,
    overlaps resolved), so neighbouring districts get identical borders and no
    thin gaps between them; then each group is unioned and holes or fragments with an
    area under ``(5 * sliver_width) ** 2`` are dropped. If cleaning fails, each union
    is closed with ``buffer(+w).buffer(-w)`` instead. ``sliver_width`` defaults to
    1/1000 of the larger side of the data's bounding box (0.0024 degrees, about
    250 m, for Nghệ An; the gaps in the real data are up to ~0.002 degrees wide).
    Only gaps enclosed by the layer are filled: a notch open to the outside of the
    whole layer (e.g. at the province edge) is left as it is.

    Returns a GeoDataFrame with the ``by`` column(s), ``n_units`` (features in the
    group) and the geometry: (Multi)Polygons, or their boundaries as
    (Multi)LineStrings when ``as_lines`` is true. Rows without a usable polygon are
    ignored.
    """
    by_cols = [by] if isinstance(by, str) else list(by)
    usable, _ = validate_geometries(gdf)
    geom_name = gdf.geometry.name
    if len(usable) == 0:
        return gpd.GeoDataFrame({**{c: [] for c in by_cols}, "n_units": []},
                                geometry=gpd.GeoSeries([], crs=gdf.crs), crs=gdf.crs)
    if sliver_width is None:
        minx, miny, maxx, maxy = usable.total_bounds
        sliver_width = max(maxx - minx, maxy - miny) / 1000.0
    polys = np.asarray(usable.geometry.values, dtype=object)
    cleaned_ok = False
    if sliver_width > 0:
        try:
            cleaned = shapely.coverage_clean(polys, gap_width=sliver_width)
            polys = _keep_nonempty(polys, cleaned)
            cleaned_ok = True
        except Exception:
            cleaned_ok = False
    work = usable[by_cols].copy()
    work["_geom"] = list(polys)
    rows = []
    for key, group in work.groupby(by_cols, sort=True, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        geoms = list(group["_geom"])
        merged = shapely.union_all(geoms)
        if not cleaned_ok and sliver_width > 0:
            merged = merged.buffer(sliver_width, join_style="mitre").buffer(
                -sliver_width, join_style="mitre")
        merged = _polygonal_part(shapely.make_valid(merged)) or merged
        if sliver_width > 0:
            merged = _remove_small_holes(merged, (5 * sliver_width) ** 2)
        geom = merged.boundary if as_lines else merged
        rows.append({**{c: _label(v) for c, v in zip(by_cols, key)},
                     "n_units": len(geoms), geom_name: geom})
    return gpd.GeoDataFrame(rows, geometry=geom_name, crs=gdf.crs)


def _group_union(geoms) -> BaseGeometry | None:
    """Union of polygons of a clean coverage (fast, exact); a general union if that fails."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            merged = shapely.coverage_union_all(geoms)
        if merged is None or merged.is_empty or not merged.is_valid:
            raise ValueError("coverage union failed")
    except Exception:
        merged = shapely.union_all(geoms)
    return _polygonal_part(shapely.make_valid(merged)) or merged


def prepare_bands(gdf: gpd.GeoDataFrame, bands, *, by: str | None = None,
                  gap_width: float | None = None) -> list[tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None]]:
    """One polygon layer ready for the web at several zoom bands, coarsest first.

    ``bands`` is a sequence of ``(tolerance, ndigits)``. The geometries are validated
    (:func:`validate_geometries`) and made into a clean coverage once
    (:func:`shapely.coverage_clean`, gaps narrower than ``gap_width`` filled -- default 1/1000
    of the larger side of the bounding box, as in :func:`dissolve_outlines`); each band is then
    :func:`shapely.coverage_simplify`-ed from that same coverage with its tolerance and rounded
    pointwise to its decimals, so within a band neighbours share identical borders. With
    ``by`` (a column), each band also gets the groups' polygons, the unions of that band's
    simplified units: group borders lie exactly on unit borders.

    Returns one ``(units, groups)`` per band: ``units`` has the usable input rows (index and
    columns kept), ``groups`` one row per value of ``by`` (that column, ``n_units`` and the
    geometry) or None without ``by``. If the coverage cannot be cleaned, each band falls back to
    :func:`simplify_coverage` of the validated input.
    """
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        gdf = gdf.to_crs(4326)
    usable, _report = validate_geometries(gdf)
    if len(usable) == 0:
        return [(usable, None if by is None else dissolve_outlines(usable, by)) for _ in bands]
    polys = np.asarray(usable.geometry.values, dtype=object)
    cleaned = None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            if shapely.coverage_is_valid(polys):
                cleaned = polys
            else:
                if gap_width is None:
                    minx, miny, maxx, maxy = usable.total_bounds
                    gap_width = max(maxx - minx, maxy - miny) / 1000.0
                candidate = _keep_nonempty(polys, shapely.coverage_clean(polys, gap_width=gap_width))
                if shapely.coverage_is_valid(candidate):
                    cleaned = candidate
    except Exception:  # GEOS topology errors: per-band fallback below
        cleaned = None
    out = []
    for tolerance, ndigits in bands:
        if cleaned is None:
            units = simplify_coverage(usable, tolerance)
        else:
            simplified = None
            if tolerance and tolerance > 0:
                try:
                    with warnings.catch_warnings():
                        warnings.simplefilter("ignore", RuntimeWarning)
                        candidate = shapely.coverage_simplify(cleaned, tolerance)
                        if shapely.is_valid(candidate).all() and shapely.coverage_is_valid(candidate):
                            simplified = candidate
                except Exception:
                    simplified = None
                if simplified is None:
                    simplified = shapely.simplify(cleaned, tolerance, preserve_topology=True)
            else:
                simplified = cleaned
            units = _replace_geometry(usable, _keep_nonempty(cleaned, simplified))
        groups = None
        if by is not None:
            geom_name = units.geometry.name
            rows = []
            for key, group in units.groupby(by, sort=True):
                parts = [g for g in group.geometry.values if g is not None and not g.is_empty]
                rows.append({by: _label(key), "n_units": len(parts), geom_name: _group_union(parts)})
            groups = round_coordinates(gpd.GeoDataFrame(rows, geometry=geom_name, crs=units.crs), ndigits)
        out.append((round_coordinates(units, ndigits), groups))
    return out
