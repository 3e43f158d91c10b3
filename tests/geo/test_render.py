"""geo.render: a choropleth PNG from frames, no pyplot, no disk."""
import io

import geopandas as gpd
from shapely.geometry import LineString, box

from geo.render import PNG_SIGNATURE, render_choropleth


def frame():
    return gpd.GeoDataFrame({"color": ["#d7191c", "#1a9641", "#cccccc"]},
                            geometry=[box(105.0, 19.0, 105.1, 19.1), box(105.1, 19.0, 105.2, 19.1),
                                      box(105.2, 19.0, 105.3, 19.1).difference(box(105.22, 19.02, 105.24, 19.04))],
                            crs="EPSG:4326")


def test_png_with_vietnamese_title_legend_and_outlines():
    outlines = gpd.GeoDataFrame(geometry=[LineString([(105.2, 19.0), (105.2, 19.1)])], crs="EPSG:4326")
    data = render_choropleth(frame(), outlines=outlines, title="Tỷ lệ bao phủ BHYT", subtitle="Huyện Kỳ Sơn · Kỳ 12/2024",
                             legend=[("< 80%", "#d7191c"), ("≥ 95%", "#1a9641"), ("Không có số liệu", "#cccccc")],
                             note="Nguồn: số liệu đã duyệt", width=6, height=4, dpi=80)
    assert data.startswith(PNG_SIGNATURE)
    from PIL import Image
    image = Image.open(io.BytesIO(data))
    assert image.size == (480, 320)
    colours = {c for _n, c in image.convert("RGB").getcolors(maxcolors=100000)}
    assert (0xd7, 0x19, 0x1c) in colours and (0x1a, 0x96, 0x41) in colours


def test_empty_frame_still_draws():
    empty = gpd.GeoDataFrame({"color": []}, geometry=gpd.GeoSeries([], crs="EPSG:4326"))
    assert render_choropleth(empty, title="Trống").startswith(PNG_SIGNATURE)
