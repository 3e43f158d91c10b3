"""A layer map as one self-contained HTML file, built with Folium: frames in, HTML out.

Never imports Flask or planner. The file must open anywhere, with no internet and no server,
so nothing in it may be fetched: Folium links Leaflet, jQuery, Bootstrap and Font Awesome
from CDNs by default; `standalone_html` drops every such link and writes the script and
stylesheet texts the caller passes (e.g. the installed Leaflet) into the page itself. No tile
layer unless a tile URL is given, no branca colour map (it loads d3), a legend in plain HTML.
"""
from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Mapping, Sequence

import folium
import shapely
from branca.element import Element, MacroElement
from folium.elements import JSCSSMixin
from folium.template import Template

__all__ = [
    "BORDER_COLOR",
    "FOLIUM_CDN_ASSETS",
    "NO_DATA_COLOR",
    "OUTLINE_COLOR",
    "build_layer_map",
    "feature_collection",
    "standalone_html",
]

NO_DATA_COLOR = "#cccccc"
BORDER_COLOR = "#ffffff"
OUTLINE_COLOR = "#333333"
DEFAULT_CENTER = (19.2, 104.9)  # used only when there is nothing to draw

# Folium's own CDN assets that a plain choropleth does not use: dropped from a standalone file.
# (Leaflet itself, "leaflet" / "leaflet_css", must be passed in `inline_assets`.)
FOLIUM_CDN_ASSETS = frozenset({
    "jquery", "bootstrap", "awesome_markers", "bootstrap_css", "glyphicons_css",
    "awesome_markers_font_css", "awesome_markers_css", "awesome_rotate_css",
})

_HIGHLIGHT = {"weight": 2.5, "color": "#000000", "fillOpacity": 0.95}
_COLOR_RE = re.compile(r"#[0-9a-fA-F]{3}(?:[0-9a-fA-F]{3})?")
_ASSETS_MARKER = "<!--geo.maps:inline-assets-->"


def _plain(value):
    """JSON-friendly scalar: numpy numbers to Python ones, NaN to None."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


def _color(value) -> str:
    value = _plain(value)
    if isinstance(value, str) and _COLOR_RE.fullmatch(value):
        return value
    return NO_DATA_COLOR


def feature_collection(frame, *, id_column: str | None = None, properties: Sequence[str] = (),
                       escape: Sequence[str] = ()) -> dict:
    """A GeoJSON FeatureCollection dict of a GeoDataFrame, keeping only `properties`.

    With `id_column`, each feature's "id" is that column's value as a string. The columns in
    `escape` are HTML-escaped (Folium's tooltip writes property values as HTML). Rows without
    a geometry are left out.
    """
    props = list(properties)
    escaped = set(escape)
    geoms = shapely.to_geojson(frame.geometry.values)
    records = frame[props].to_dict("records") if props else [{}] * len(frame)
    ids = [str(_plain(v)) for v in frame[id_column]] if id_column else [None] * len(frame)
    features = []
    for fid, rec, geom in zip(ids, records, geoms):
        if geom is None:
            continue
        out = {}
        for key, value in rec.items():
            value = _plain(value)
            if key in escaped:
                value = "" if value is None else html.escape(str(value))
            out[key] = value
        feature = {"type": "Feature", "properties": out, "geometry": json.loads(geom)}
        if fid is not None:
            feature["id"] = fid
        features.append(feature)
    return {"type": "FeatureCollection", "features": features}


class _Control(MacroElement):
    """A block of plain HTML moved into a Leaflet control once the map exists.

    The HTML sits in the page body (not in a JavaScript string), so it stays readable and
    searchable even when scripts fail.
    """

    _template = Template("""
        {% macro header(this, kwargs) %}
        <style>{{ this.css }}</style>
        {% endmacro %}
        {% macro html(this, kwargs) %}
        {{ this.body }}
        {% endmacro %}
        {% macro script(this, kwargs) %}
        (function () {
            var control = L.control({position: {{ this.position|tojson }}});
            control.onAdd = function () {
                var div = document.getElementById({{ this.get_name()|tojson }});
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            control.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}
    """)

    def __init__(self, name: str, inner_html: str, *, css_class: str, position: str, css: str = "",
                 label: str = ""):
        super().__init__()
        self._name = name
        self.position = position
        self.css = css
        aria = f' role="group" aria-label="{html.escape(label)}"' if label else ""
        self.body = f'<div id="{self.get_name()}" class="{css_class}"{aria}>{inner_html}</div>'


_LEGEND_CSS = """
.map-legend, .map-title { background: rgba(255,255,255,.94); padding: 6px 9px; border-radius: 4px;
  box-shadow: 0 1px 4px rgba(0,0,0,.3); color: #222; font: 13px/1.35 system-ui, -apple-system,
  "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
.map-legend { max-width: 16rem; }
.map-legend .legend-title { font-weight: 600; margin-bottom: 3px; }
.map-legend ul { list-style: none; margin: 0; padding: 0; }
.map-legend li { white-space: nowrap; display: flex; align-items: center; gap: 6px; }
.map-legend .swatch { display: inline-block; width: 1.2em; height: .9em; border: 1px solid #777;
  flex: none; }
.map-legend .legend-label { flex: 1 1 auto; }
.map-legend .legend-count { color: #555; font-variant-numeric: tabular-nums; margin-left: 8px; }
.map-title { max-width: min(32rem, calc(100vw - 5rem)); }
.map-title h1 { font-size: 16px; margin: 0 0 2px; }
.map-title p { margin: 0; }
.map-title .map-note { color: #555; font-size: 12px; margin-top: 2px; }
.leaflet-container { background: #f4f4f2; }
.leaflet-tooltip.foliumtooltip { font-size: 13px; white-space: normal; width: max-content; max-width: min(22rem, 60vw); }
.foliumtooltip th { white-space: nowrap; vertical-align: top; }
@media (max-width: 576px) {
  /* label above value, narrow enough to fit beside the finger on either side */
  .leaflet-tooltip.foliumtooltip { font-size: 11px; width: max-content; max-width: 46vw; padding: 3px 6px; }
  .foliumtooltip tr, .foliumtooltip th, .foliumtooltip td { display: block; padding: 0; }
  .foliumtooltip th { white-space: normal; font-weight: normal; color: #666; font-size: 10px; }
  .foliumtooltip td { font-weight: 600; margin-bottom: 2px; }
  .map-legend, .map-title { font-size: 11px; padding: 4px 6px; }
  .map-title h1 { font-size: 13px; }
  .map-title .map-note { font-size: 10px; }
}
"""


def _legend_html(title: str, items) -> str:
    rows = []
    for item in items:
        color, label = _color(item[0]), item[1]
        count = item[2] if len(item) > 2 else None
        count_html = "" if count is None else f'<span class="legend-count">{html.escape(str(count))}</span>'
        rows.append(
            f'<li data-color="{color}"><span class="swatch" style="background:{color}"></span>'
            f'<span class="legend-label">{html.escape(str(label))}</span>{count_html}</li>')
    head = f'<div class="legend-title">{html.escape(title)}</div>' if title else ""
    return f'{head}<ul>{"".join(rows)}</ul>'


def _title_html(title: str, subtitle: str, note: str) -> str:
    parts = [f"<h1>{html.escape(title)}</h1>"]
    if subtitle:
        parts.append(f'<p class="map-subtitle">{html.escape(subtitle)}</p>')
    if note:
        parts.append(f'<p class="map-note">{html.escape(note)}</p>')
    return "".join(parts)


class _MetricScale(MacroElement):
    """A scale bar in kilometres only (Folium's control_scale adds miles too)."""

    _template = Template("""
        {% macro script(this, kwargs) %}
        L.control.scale({imperial: false, maxWidth: 120}).addTo({{ this._parent.get_name() }});
        {% endmacro %}
    """)

    def __init__(self):
        super().__init__()
        self._name = "MetricScale"


def build_layer_map(
    frame,
    *,
    title: str,
    legend: Sequence[tuple],
    tooltip_fields: Sequence[tuple[str, str]] = (),
    legend_title: str = "",
    subtitle: str = "",
    note: str = "",
    outlines=None,
    color_column: str = "color",
    id_column: str | None = "code",
    tile_url: str | None = None,
    tile_attribution: str = "",
    layer_name: str = "",
    outline_name: str = "",
    tile_name: str = "",
) -> folium.Map:
    """A Folium map of `frame`'s polygons filled with their `color` column, a legend and a title.

    `frame`: GeoDataFrame in EPSG:4326 with the geometry, `color_column` (hex colours; anything
    else is drawn as no data), `id_column` (feature ids, e.g. the unit code; None for none) and
    the text columns of the tooltip. `tooltip_fields`: (column, label) pairs, shown in that
    order; values are written as text (escaped). `legend`: (colour, label[, count]) entries in
    order, e.g. ending with the no-data class; count is shown as given (pass formatted text).
    `title` / `subtitle` / `note`: plain text of the title box (top left). `outlines`: optional
    GeoDataFrame of e.g. district borders, drawn on top without fill and not interactive.
    No tile layer unless `tile_url` is given (then with a layer switch, off at first).
    The view fits the frame's bounds.
    """
    tooltip_fields = list(tooltip_fields)
    has_units = frame is not None and len(frame) > 0
    if has_units:
        minx, miny, maxx, maxy = (float(v) for v in frame.total_bounds)
        center = [(miny + maxy) / 2, (minx + maxx) / 2]
    else:
        center = list(DEFAULT_CENTER)
    m = folium.Map(location=center, tiles=None, zoom_start=8, zoom_snap=0.25, control_scale=False)
    if title:
        m.get_root().title = html.escape(title)

    if tile_url:
        folium.TileLayer(tiles=tile_url, attr=tile_attribution or " ", name=tile_name or "Tiles",
                         show=False, overlay=True, control=True).add_to(m)

    if has_units:
        data = frame.copy()
        data["_fill"] = [_color(c) for c in data[color_column]]
        tooltip_columns = [c for c, _label in tooltip_fields]
        props = ([id_column] if id_column else []) + [c for c in tooltip_columns if c != id_column] + ["_fill"]
        collection = feature_collection(data, id_column=id_column, properties=props,
                                        escape=[c for c in tooltip_columns])
        styles = {}

        def style(feature):
            fill = feature["properties"]["_fill"]
            if fill not in styles:
                styles[fill] = {"fillColor": fill, "fillOpacity": 0.85, "color": BORDER_COLOR,
                                "weight": 0.6, "opacity": 1}
            return dict(styles[fill])

        def highlight(_feature):
            return dict(_HIGHLIGHT)

        tooltip = folium.GeoJsonTooltip(
            fields=tooltip_columns, aliases=[html.escape(label) for _c, label in tooltip_fields],
            localize=False, sticky=True, labels=True,
        ) if tooltip_fields else None
        folium.GeoJson(collection, name=layer_name or title, style_function=style,
                       highlight_function=highlight, tooltip=tooltip, control=bool(tile_url)).add_to(m)

    if outlines is not None and len(outlines):
        folium.GeoJson(
            feature_collection(outlines),
            name=outline_name or "outlines",
            style_function=lambda _f: {"color": OUTLINE_COLOR, "weight": 1.6, "fill": False, "opacity": 0.9},
            interactive=False,
            control=bool(tile_url),
        ).add_to(m)

    m.add_child(_Control("Title", _title_html(title, subtitle, note), css_class="map-title",
                         position="topright", css=_LEGEND_CSS))
    m.add_child(_Control("Legend", _legend_html(legend_title or title, legend), css_class="map-legend",
                         position="bottomright", label=legend_title or title))
    m.add_child(_MetricScale())
    if tile_url:
        folium.LayerControl(collapsed=True).add_to(m)
    if has_units:
        m.fit_bounds([[miny, minx], [maxy, maxx]])
    return m


def _walk(element):
    yield element
    for child in list(element._children.values()):
        yield from _walk(child)


def _strip_js(text: str) -> str:
    text = re.sub(r"^\s*//# sourceMappingURL=.*$", "", text, flags=re.MULTILINE)
    return text.replace("</script", "<\\/script")


def _strip_css(text: str) -> str:
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.DOTALL)  # comments (source maps, bug links)
    return text.replace("</style", "<\\/style")


def standalone_html(m: folium.Map, *, inline_assets: Mapping[str, str], lang: str | None = None) -> str:
    """The HTML document of `m` with every script and stylesheet written into it.

    `inline_assets` maps Folium asset names to file contents: "leaflet" (JS) and
    "leaflet_css" (CSS), plus any a plugin in `m` needs (the names in its default_js /
    default_css, which also say whether it is a script or a stylesheet). Folium's other CDN
    assets (FOLIUM_CDN_ASSETS: jQuery, Bootstrap, Font Awesome, awesome-markers) are dropped;
    an element needing an asset that is neither given nor droppable raises ValueError.
    Source-map references and CSS comments are removed. The viewport lets the user zoom.
    """
    root = m.get_root()
    scripts, styles = [], []
    mixins = [element for element in _walk(root) if isinstance(element, JSCSSMixin)]
    for element in mixins:
        for target, links in ((scripts, element.default_js), (styles, element.default_css)):
            for name, _url in links:
                if name in inline_assets:
                    if name not in [n for n, _t in target]:
                        target.append((name, inline_assets[name]))
                elif name not in FOLIUM_CDN_ASSETS:
                    raise ValueError(f"no inline asset given for {name!r}")
    for element in mixins:
        # Instance attributes: Folium's class-level lists stay untouched for other maps.
        element.default_js = []
        element.default_css = []
    root.header.add_child(Element(_ASSETS_MARKER), name="geo_maps_inline_assets", index=0)
    text = root.render()
    assets = "".join(f'<style data-asset="{html.escape(name)}">{_strip_css(body)}</style>\n'
                     for name, body in styles)
    assets += "".join(f'<script data-asset="{html.escape(name)}">{_strip_js(body)}</script>\n'
                      for name, body in scripts)
    text = text.replace(_ASSETS_MARKER, assets, 1)
    text = text.replace("<head>\n", '<head>\n<meta charset="utf-8">\n', 1)
    text = text.replace('<meta http-equiv="content-type" content="text/html; charset=UTF-8" />', "", 1)
    text = re.sub(r'<meta name="viewport"[^>]*>',
                  '<meta name="viewport" content="width=device-width, initial-scale=1.0">', text, count=1)
    if lang:
        text = text.replace("<html>", f'<html lang="{html.escape(lang)}">', 1)
    return text
