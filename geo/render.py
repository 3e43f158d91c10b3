"""A choropleth as a PNG, drawn with matplotlib's Agg backend: frames in, bytes out.

No pyplot (its global state is not for servers): a Figure and an Agg canvas of our own.
Never touches disk.
"""

from __future__ import annotations

import io
import math

import geopandas as gpd
from shapely.geometry import MultiPolygon, Polygon

__all__ = ["render_choropleth"]

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _rings_path(geom):
    """One matplotlib Path of a (Multi)Polygon: exteriors and holes, even-odd filled."""
    from matplotlib.path import Path

    polys = list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom] if isinstance(geom, Polygon) else []
    vertices, codes = [], []
    for poly in polys:
        for ring in [poly.exterior, *poly.interiors]:
            coords = list(ring.coords)
            if len(coords) < 3:
                continue
            vertices.extend(coords)
            codes.extend([Path.MOVETO] + [Path.LINETO] * (len(coords) - 2) + [Path.CLOSEPOLY])
    return Path(vertices, codes) if vertices else None


def render_choropleth(units: gpd.GeoDataFrame, *, color: str = "color", outlines: gpd.GeoDataFrame | None = None,
                      title: str = "", subtitle: str = "", legend: list[tuple[str, str]] = (),
                      legend_title: str = "", note: str = "", width: float = 10.0, height: float = 8.0,
                      dpi: int = 110, edge_color: str = "#ffffff", outline_color: str = "#333333") -> bytes:
    """PNG bytes of ``units`` filled with the hex colours of column ``color``.

    ``outlines`` (polygons or lines) are drawn on top, e.g. district borders; ``legend`` is
    a list of (label, colour) shown in that order; ``title``, ``subtitle`` and ``note`` (bottom
    line, e.g. the source) are plain text. Longitude/latitude are drawn with the aspect of the
    data's mid latitude, without axes.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import PatchCollection
    from matplotlib.figure import Figure
    from matplotlib.patches import PathPatch, Rectangle

    fig = Figure(figsize=(width, height), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.02, 0.06, 0.96, 0.82))
    ax.set_axis_off()
    patches, faces = [], []
    for geom, fill in zip(units.geometry.values, units[color] if color in units else ["#cccccc"] * len(units)):
        if geom is None or geom.is_empty:
            continue
        path = _rings_path(geom)
        if path is not None:
            patches.append(PathPatch(path))
            faces.append(fill or "#cccccc")
    if patches:
        ax.add_collection(PatchCollection(patches, facecolors=faces, edgecolors=edge_color, linewidths=0.3))
    if outlines is not None and len(outlines):
        lines = []
        for geom in outlines.geometry.values:
            if geom is None or geom.is_empty:
                continue
            boundary = geom.boundary if geom.geom_type in ("Polygon", "MultiPolygon") else geom
            parts = getattr(boundary, "geoms", [boundary])
            lines.extend(list(part.coords) for part in parts)
        if lines:
            from matplotlib.collections import LineCollection
            ax.add_collection(LineCollection(lines, colors=outline_color, linewidths=0.9))
    if len(units):
        minx, miny, maxx, maxy = units.total_bounds
        padx, pady = (maxx - minx) * 0.02 or 0.01, (maxy - miny) * 0.02 or 0.01
        ax.set_xlim(minx - padx, maxx + padx)
        ax.set_ylim(miny - pady, maxy + pady)
        ax.set_aspect(1 / max(0.1, math.cos(math.radians((miny + maxy) / 2))))
    if title:
        fig.text(0.02, 0.955, title, fontsize=15, fontweight="bold", va="center")
    if subtitle:
        fig.text(0.02, 0.915, subtitle, fontsize=10.5, color="#444444", va="center")
    if note:
        fig.text(0.02, 0.025, note, fontsize=8.5, color="#666666", va="center")
    if legend:
        handles = [Rectangle((0, 0), 1, 1, facecolor=c, edgecolor="#888888", linewidth=0.5) for _l, c in legend]
        ax.legend(handles, [label for label, _c in legend], title=legend_title or None, loc="lower left",
                  fontsize=9, title_fontsize=9.5, frameon=True, framealpha=0.9, borderaxespad=0.3)
    out = io.BytesIO()
    fig.savefig(out, format="png", dpi=dpi, facecolor="white")
    return out.getvalue()
