"""The hand-drawn SVG charts: one point per value, one bar per item or non-zero segment, the
target line, accessible title and desc, Vietnamese numbers, a viewBox to scale."""
import re
from datetime import date
from xml.etree import ElementTree

import pytest

from planner import charts

SVG = "{http://www.w3.org/2000/svg}"


def parse(svg):
    return ElementTree.fromstring(str(svg))


def with_class(root, name):
    return [e for e in root.iter() if name in (e.get("class") or "").split()]


@pytest.fixture(autouse=True)
def vietnamese(app):
    with app.test_request_context():
        yield


def test_line_chart_points_target_and_accessibility():
    labels = [f"{m:02d}/2024" for m in range(1, 13)]
    values = [0.90 + m / 1000 for m in range(12)]
    values[4] = None  # a month without data: a gap, no point
    svg = charts.line_chart(title="Tỷ lệ bao phủ BHYT", desc="Từ 01/2024 đến 12/2024", labels=labels,
                            series=[{"name": "Thực hiện", "values": values}],
                            target=[0.95] * 6 + [0.96] * 6, target_label="Chỉ tiêu năm")
    root = parse(svg)
    assert root.get("viewBox") == "0 0 420 240" and root.get("width") == "100%" and root.get("role") == "img"
    assert root.find(f"{SVG}title").text == "Tỷ lệ bao phủ BHYT"
    assert root.find(f"{SVG}desc").text == "Từ 01/2024 đến 12/2024"
    ids = root.get("aria-labelledby").split()
    assert [root.find(f"{SVG}title").get("id"), root.find(f"{SVG}desc").get("id")] == ids
    assert len(with_class(root, "point")) == 11
    lines = with_class(root, "target-line")
    assert len(lines) == 1
    ys = {p.split(",")[1] for p in lines[0].get("points").split()}
    assert len(ys) == 2  # steps from 95% to 96%
    assert len(with_class(root, "series-line")) == 2  # broken at the gap
    assert "90,0%" in str(svg) and "Thực hiện 01/2024: 90,0%" in str(svg)


def test_line_chart_without_data_says_so():
    root = parse(charts.line_chart(title="t", desc="d", labels=[], series=[{"name": "x", "values": []}]))
    assert with_class(root, "no-data") and not with_class(root, "point")


def test_bar_ranking_bars_markers_and_links():
    items = [{"label": "Huyện Kỳ Sơn", "value": 0.48, "marker": 0.95, "href": "/dashboard/district/417"},
             {"label": "Thành phố Vinh", "value": 0.9583, "marker": 0.96},
             {"label": "Huyện chưa có số liệu", "value": None}]
    svg = charts.bar_ranking(title="Xếp hạng", desc="3 huyện", items=items, target_label="Chỉ tiêu", value_max=1.0)
    root = parse(svg)
    assert len(with_class(root, "bar")) == 2
    assert len(with_class(root, "target-mark")) == 2
    assert "48,0%" in str(svg) and "95,8%" in str(svg) and "Huyện Kỳ Sơn" in str(svg)
    assert 'href="/dashboard/district/417"' in str(svg)
    one_line = charts.bar_ranking(title="t", desc="d", items=items[:2], target=1.0, fmt=charts.fmt_number)
    assert len(with_class(parse(one_line), "target-line")) == 1


def test_bar_ranking_of_people_in_vietnamese_numbers():
    svg = charts.bar_ranking(title="t", desc="d", items=[{"label": "A", "value": 1234567}], fmt=charts.fmt_number)
    assert "1.234.567" in str(svg)


def test_month_bars_stacked_and_grouped():
    series = [{"name": "BHXH tự nguyện", "values": [1, 0, 3] + [0] * 9},
              {"name": "BHYT hộ gia đình", "values": [2, 5, 0] + [0] * 9}]
    labels = [f"{m:02d}" for m in range(1, 13)]
    stacked = parse(charts.month_bars(title="t", desc="d", labels=labels, series=series))
    bars = with_class(stacked, "bar")
    assert len(bars) == 4  # zeros draw nothing
    january = [b for b in bars if "01:" in b.find(f"{SVG}title").text]
    assert len({b.get("x") for b in january}) == 1  # stacked: one column
    grouped = parse(charts.month_bars(title="t", desc="d", labels=labels, series=series, stacked=False))
    january = [b for b in with_class(grouped, "bar") if "01:" in b.find(f"{SVG}title").text]
    assert len({b.get("x") for b in january}) == 2  # side by side


def test_month_calendar_days_and_events():
    events = {date(2024, 11, 1): [{"status": "approved", "text": "Phường Đông Vĩnh"}],
              date(2024, 11, 25): [{"status": "submitted", "text": "Phường Đông Vĩnh"},
                                   {"status": "approved", "text": "Xã Mỹ Lý"}]}
    svg = charts.month_calendar(title="Lịch hội nghị tháng 11/2024", desc="d", year=2024, month=11, events=events,
                                weekday_labels=["T2", "T3", "T4", "T5", "T6", "T7", "CN"],
                                status_labels={"approved": "Đã duyệt", "submitted": "Chờ duyệt"})
    root = parse(svg)
    days = [g for g in with_class(root, "day") if "outside" not in g.get("class")]
    assert len(days) == 30
    assert len(with_class(root, "event")) == 3
    assert len(with_class(root, "submitted")) == 1 and len(with_class(root, "approved")) == 2
    assert days[0].get("data-date") == "2024-11-01" and "has-approved" in days[0].get("class")
    cell = next(g for g in days if g.get("data-date") == "2024-11-25")
    assert "has-approved" in cell.get("class") and "has-submitted" in cell.get("class")
    assert "25/11/2024" in cell.find(f"{SVG}title").text
    weeks = len(with_class(root, "day")) // 7
    assert weeks == 5 and len(with_class(root, "day")) % 7 == 0  # Monday 28/10 to Sunday 01/12


def test_nice_ticks():
    assert charts.nice_ticks(0, 100) == [0, 25, 50, 75, 100]
    ticks = charts.nice_ticks(0.88, 0.96)
    assert ticks[0] <= 0.88 and ticks[-1] >= 0.96 and len(ticks) <= 7
    assert re.fullmatch(r"[0-9.]+", str(ticks[1]))


def test_one_point_still_has_distinct_ticks():
    svg = str(charts.line_chart(title="t", desc="d", labels=["12/2024"], series=[{"name": "x", "values": [0.9583]}],
                                target=[0.96]))
    ticks = re.findall(r'text-anchor="end" fill="#495057">([^<]+)</text>', svg)
    assert len(ticks) >= 3 and len(set(ticks)) == len(ticks)


def test_line_chart_shades_the_chosen_year():
    labels = [f"{m:02d}/{y}" for y in (2023, 2024) for m in range(1, 13)]
    root = parse(charts.line_chart(title="t", desc="d", labels=labels, series=[{"name": "x", "values": [0.9] * 24}],
                                   highlight=(12, 23), highlight_label="Năm 2024"))
    band = with_class(root, "highlight")
    assert len(band) == 1 and band[0].find(f"{SVG}title").text == "Năm 2024"
    assert float(band[0].get("width")) == pytest.approx(float(band[0].get("x")) - 52, abs=0.2)  # the second half
