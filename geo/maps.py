"""Folium map builders: frames in, map components out. Never imports Flask or planner.

Folium links Leaflet, jQuery, Bootstrap and Font Awesome from CDNs by default. Offices run
on intranets, so every builder here replaces those links with the ones the caller passes
(the app's own URLs) and adds nothing that needs the internet: no tile layer unless asked,
no branca colour map (it loads d3 from a CDN), a legend written in plain HTML instead.
"""
from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from typing import Iterable, Sequence

import folium
import shapely
from branca.element import Element, MacroElement
from folium.template import Template

__all__ = [
    "COVERAGE_BREAKS",
    "COVERAGE_COLORS",
    "NO_DATA_COLOR",
    "MapComponents",
    "build_coverage_map",
    "class_labels",
    "coverage_class",
    "feature_collection",
    "map_components",
]

# Fixed breaks around the 95% HI coverage target, so colours mean the same month after month.
COVERAGE_BREAKS: tuple[float, ...] = (0.85, 0.90, 0.93, 0.95)
# ColorBrewer RdYlBu, 5 classes: marked safe for colour-blind readers; red = furthest from target.
COVERAGE_COLORS: tuple[str, ...] = ("#d7191c", "#fdae61", "#ffffbf", "#abd9e9", "#2c7bb6")
NO_DATA_COLOR = "#bdbdbd"
BORDER_COLOR = "#6b6b6b"
OUTLINE_COLOR = "#222222"


def coverage_class(value, breaks: Sequence[float] = COVERAGE_BREAKS) -> int | None:
    """The class index of a ratio (0 = lowest), or None when there is no figure."""
    if value is None:
        return None
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    if math.isnan(value):
        return None
    for i, upper in enumerate(breaks):
        if value < upper:
            return i
    return len(breaks)


def _pct(ratio: float) -> str:
    return f"{ratio * 100:g}"


def class_labels(breaks: Sequence[float] = COVERAGE_BREAKS) -> list[str]:
    """Legend labels: '< 85%', '85–90%', ..., '≥ 95%'."""
    labels = [f"< {_pct(breaks[0])}%"]
    labels += [f"{_pct(lo)}–{_pct(hi)}%" for lo, hi in zip(breaks, breaks[1:])]
    labels.append(f"≥ {_pct(breaks[-1])}%")
    return labels


def _class_style(cls: int | None, colors: Sequence[str]) -> dict:
    return {
        "fillColor": NO_DATA_COLOR if cls is None else colors[cls],
        "fillOpacity": 0.85,
        "color": BORDER_COLOR,
        "weight": 0.5,
    }


_HIGHLIGHT = {"weight": 2.5, "color": "#000000", "fillOpacity": 0.95}


def feature_collection(gdf, *, id_column: str | None = None,
                       properties: Iterable[str] = ()) -> dict:
    """A GeoJSON FeatureCollection dict from a GeoDataFrame, keeping only `properties`.

    With `id_column`, each feature's "id" is that column's value as a string, which Folium
    then uses to map styles to features instead of adding ids of its own.
    """
    props = list(properties)
    geoms = shapely.to_geojson(gdf.geometry.values)
    records = gdf[props].to_dict("records") if props else [{}] * len(gdf)
    ids = [str(v) for v in gdf[id_column]] if id_column else [None] * len(gdf)
    features = []
    for fid, rec, geom in zip(ids, records, geoms):
        if geom is None:
            continue
        feature = {"type": "Feature", "properties": {k: _plain(v) for k, v in rec.items()},
                   "geometry": json.loads(geom)}
        if fid is not None:
            feature["id"] = fid
        features.append(feature)
    return {"type": "FeatureCollection", "features": features}


def _plain(value):
    """JSON-friendly scalar: numpy numbers to Python ones, NaN to None."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


class Legend(MacroElement):
    """A legend in plain HTML, moved into a Leaflet control once the map exists.

    The HTML sits in the page itself (not in a JavaScript string) so it stays readable,
    and searchable by tests, even when scripts fail.
    """

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>
          .map-legend { background: rgba(255,255,255,.92); padding: 6px 8px; border-radius: 4px;
                        box-shadow: 0 1px 4px rgba(0,0,0,.3); font-size: .8rem; line-height: 1.35;
                        color: #222; max-width: 14rem; }
          .map-legend .legend-title { font-weight: 600; margin-bottom: 2px; }
          .map-legend ul { list-style: none; margin: 0; padding: 0; }
          .map-legend li { white-space: nowrap; }
          .map-legend .swatch { display: inline-block; width: 1.1em; height: .85em; margin-right: 5px;
                                vertical-align: -1px; border: 1px solid #777; }
          @media (max-width: 576px) { .map-legend { font-size: .7rem; padding: 4px 6px; } }
        </style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        {{ this.legend_html }}
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
            var legend = L.control({position: {{ this.position|tojson }}});
            legend.onAdd = function () {
                var div = document.getElementById({{ this.get_name()|tojson }});
                L.DomEvent.disableClickPropagation(div);
                return div;
            };
            legend.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, title: str, items: Sequence[tuple[str, str]], *, position: str = "bottomright"):
        super().__init__()
        self._name = "Legend"
        self.position = position
        rows = "".join(
            f'<li data-color="{html.escape(color)}"><span class="swatch" style="background:{html.escape(color)}">'
            f'</span>{html.escape(label)}</li>'
            for color, label in items
        )
        self.legend_html = (
            f'<div id="{self.get_name()}" class="map-legend" role="group" aria-label="{html.escape(title)}">'
            f'<div class="legend-title">{html.escape(title)}</div><ul>{rows}</ul></div>'
        )


class MetricScale(MacroElement):
    """A scale bar in kilometres only (Folium's control_scale adds miles too)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, maxWidth: 120}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "MetricScale"


def build_coverage_map(
    communes,
    outlines=None,
    *,
    value: str = "rate",
    id_column: str = "code",
    tooltip: Sequence[tuple[str, str]] = (),
    legend_title: str = "Tỷ lệ bao phủ BHYT",
    no_data_label: str = "Không có số liệu",
    breaks: Sequence[float] = COVERAGE_BREAKS,
    colors: Sequence[str] = COVERAGE_COLORS,
    js: Sequence[tuple[str, str]] = (),
    css: Sequence[tuple[str, str]] = (),
    tile_url: str | None = None,
    tile_attribution: str = "",
    tile_name: str = "Bản đồ nền",
    commune_layer_name: str = "Xã",
    outline_layer_name: str = "Ranh giới huyện",
) -> folium.Map:
    """A choropleth of `communes[value]` (ratios) with district `outlines` and a legend.

    `communes`: GeoDataFrame in EPSG:4326 with `id_column`, `value` (None/NaN = no data) and
    the tooltip columns (preformatted strings). `outlines`: GeoDataFrame of district borders
    (lines or polygons), drawn on top and not interactive. `tooltip`: (column, label) pairs.
    `js`/`css`: (name, url) pairs that replace Folium's CDN links. No tile layer unless
    `tile_url` is given, and then it is off until switched on in the layer control.
    """
    if len(colors) != len(breaks) + 1:
        raise ValueError("colors needs one entry more than breaks")
    tooltip = list(tooltip)
    minx, miny, maxx, maxy = communes.total_bounds if len(communes) else (103.8, 18.5, 106.0, 20.0)
    m = folium.Map(
        location=[(miny + maxy) / 2, (minx + maxx) / 2],
        tiles=None,
        zoom_start=8,
        zoom_snap=0.25,
    )
    # Instance attributes, so Folium's class-level CDN lists stay untouched.
    m.default_js = list(js)
    m.default_css = list(css)

    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=tile_attribution or " ", name=tile_name,
                         show=False, overlay=True, control=True).add_to(m)

    frame = communes.copy()
    frame["_cls"] = [coverage_class(v, breaks) for v in frame[value]]
    props = [id_column] + [c for c, _ in tooltip if c != id_column] + ["_cls"]
    data = feature_collection(frame, id_column=id_column, properties=props)
    styles = {cls: _class_style(cls, colors) for cls in [None, *range(len(colors))]}

    def style(feature):
        return dict(styles[feature["properties"]["_cls"]])

    def highlight(_feature):
        return dict(_HIGHLIGHT)

    folium.GeoJson(
        data,
        name=commune_layer_name,
        style_function=style,
        highlight_function=highlight,
        tooltip=folium.GeoJsonTooltip(
            fields=[c for c, _ in tooltip], aliases=[label for _, label in tooltip],
            localize=False, sticky=True, labels=True,
        ) if tooltip else None,
        control=bool(tile_url),
    ).add_to(m)

    if outlines is not None and len(outlines):
        folium.GeoJson(
            feature_collection(outlines),
            name=outline_layer_name,
            style_function=lambda _f: {"color": OUTLINE_COLOR, "weight": 1.6, "fill": False,
                                       "opacity": 0.9},
            interactive=False,
            control=bool(tile_url),
        ).add_to(m)

    items = list(zip(colors, class_labels(breaks))) + [(NO_DATA_COLOR, no_data_label)]
    m.add_child(Legend(legend_title, items))
    m.add_child(MetricScale())
    if tile_url:
        folium.LayerControl(collapsed=True).add_to(m)
    if len(communes):
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


@dataclass(frozen=True)
class MapComponents:
    """The pieces of a rendered map that go into the page: <head> part, <body> part, script."""
    header: str
    html: str
    script: str
    map_id: str


def map_components(m: folium.Map) -> MapComponents:
    """Render `m` and take it apart for a page of one's own (Folium's Flask pattern).

    Drops what would fight the host page: Folium's charset meta, the viewport meta that
    forbids zooming, and the full-page `html, body` and `#map` rules.
    """
    fig = m.get_root()
    fig.render()
    name = m.get_name()
    fig.header._children.pop("meta_http", None)
    fig.header._children[name] = Element(
        f"<style>#{name} {{ position: relative; width: 100%; height: 100%; }}</style>"
    )
    return MapComponents(
        header=fig.header.render(),
        html=fig.html.render(),
        script=fig.script.render(),
        map_id=name,
    )
