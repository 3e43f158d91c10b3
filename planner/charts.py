"""Server-side SVG charts, drawn by hand: no JavaScript, no library, nothing from a CDN.

Each function returns one <svg> (as Markup) with a <title> and <desc> for screen readers, a
viewBox so it scales to any width (down to a 360 px phone), and numbers already formatted by the
caller's formatter (Vietnamese 1.234.567 and 94,0% by default). Every drawn datum carries a CSS
class (`point`, `bar`, `target-line`, `day`, `event`) and a <title> tooltip, so a test can count
them and a user can hover them.
"""
import calendar
import itertools
import math

from markupsafe import Markup, escape

from planner.i18n import fmt_number, fmt_percent

PALETTE = ("#0d6efd", "#fd7e14", "#198754", "#6f42c1", "#d63384", "#20c997")
TARGET_COLOUR = "#dc3545"
GRID_COLOUR = "#dee2e6"
TEXT_COLOUR = "#495057"
FONT = 'font-family="system-ui, sans-serif"'

_ids = itertools.count(1)


def _uid(prefix):
    """A unique id per chart in the page (title/desc references must not collide)."""
    return f"{prefix}{next(_ids)}"


def _n(x):
    """A coordinate with at most one decimal, without a trailing '.0' (smaller markup)."""
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _open(width, height, title, desc, css_class):
    uid = _uid("chart")
    return (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" viewBox="0 0 {width} {height}" '
            f'width="100%" preserveAspectRatio="xMidYMid meet" role="img" '
            f'aria-labelledby="{uid}-t {uid}-d" {FONT} font-size="12">'
            f'<title id="{uid}-t">{escape(title)}</title><desc id="{uid}-d">{escape(desc)}</desc>')


def nice_ticks(low, high, count=5):
    """Round tick values covering [low, high]: 0, 0.2, 0.4 ... (1, 2 or 5 times a power of ten)."""
    if high <= low:
        high = low + (abs(low) or 1)
    raw = (high - low) / max(1, count - 1)
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    first = math.floor(low / step) * step
    ticks, value = [], first
    while value < high + step * 0.999:
        ticks.append(round(value, 10))
        value += step
    return ticks


def _legend(items, x, y, max_width):
    """Swatches with labels in a row, wrapping when the row is full. Returns (markup, height)."""
    parts, cx, cy = [], x, y
    for label, colour, kind in items:
        w = 22 + 6.5 * len(str(label))
        if cx > x and cx + w > x + max_width:
            cx, cy = x, cy + 16
        if kind == "line":
            parts.append(f'<line x1="{_n(cx)}" y1="{_n(cy - 4)}" x2="{_n(cx + 14)}" y2="{_n(cy - 4)}" '
                         f'stroke="{colour}" stroke-width="2" stroke-dasharray="5 3"/>')
        elif kind == "outline":
            parts.append(f'<rect x="{_n(cx)}" y="{_n(cy - 10)}" width="12" height="10" fill="#fff" '
                         f'stroke="{colour}" stroke-width="1.5" stroke-dasharray="3 2"/>')
        else:
            parts.append(f'<rect x="{_n(cx)}" y="{_n(cy - 10)}" width="12" height="10" fill="{colour}"/>')
        parts.append(f'<text x="{_n(cx + 17)}" y="{_n(cy)}" fill="{TEXT_COLOUR}">{escape(label)}</text>')
        cx += w + 10
    return "".join(parts), cy - y + 16


def line_chart(*, title, desc, labels, series, target=None, target_label=None, fmt=fmt_percent,
               y_floor=None, width=420, height=240, x_ticks=None, highlight=None, highlight_label=""):
    """Lines over the x labels (months), with an optional dashed target line (a value per label,
    None where there is no target; it steps where the target changes).

    series: [{"name": str, "values": [float | None, ...]}] — None leaves a gap in the line.
    x_ticks: [(index, text)] written under the axis (default: about six of the labels, the last
    one included); every label is still in its point's tooltip.
    highlight: (first index, last index) of a shaded band, e.g. the year chosen on the page.
    """
    left, right, top = 52, 22, 10
    all_values = [v for s in series for v in s["values"] if v is not None]
    all_values += [v for v in (target or []) if v is not None]
    legend_items = [(s["name"], s.get("colour") or PALETTE[i % len(PALETTE)], "box") for i, s in enumerate(series)]
    if target and any(v is not None for v in target):
        legend_items.append((target_label or "", TARGET_COLOUR, "line"))
    legend, legend_h = _legend(legend_items, left, 0, width - left - right)
    bottom = 30 + legend_h
    plot_w, plot_h = width - left - right, height - top - bottom
    out = [_open(width, height, title, desc, "line-chart")]
    if not all_values or not labels:
        out.append(f'<text x="{width / 2}" y="{height / 2}" text-anchor="middle" fill="{TEXT_COLOUR}" '
                   f'class="no-data">–</text></svg>')
        return Markup("".join(out))
    low, high = min(all_values), max(all_values)
    if y_floor is not None:
        low = min(low, y_floor)
    span = abs(high) * 0.04 or 1  # a flat or single-point series still gets readable, distinct ticks
    if high - low < span:
        middle = (high + low) / 2
        low, high = middle - span / 2, middle + span / 2
    pad = (high - low) * 0.08
    ticks = nice_ticks(low - pad, high + pad)
    y0, y1 = ticks[0], ticks[-1]

    def x_at(i):
        return left + (plot_w * (i + 0.5) / len(labels))

    def y_at(v):
        return top + plot_h - (v - y0) / (y1 - y0) * plot_h

    if highlight is not None:
        xa, xb = left + plot_w * highlight[0] / len(labels), left + plot_w * (highlight[1] + 1) / len(labels)
        out.append(f'<rect class="highlight" x="{_n(xa)}" y="{top}" width="{_n(xb - xa)}" height="{_n(plot_h)}" '
                   f'fill="#fff3cd"><title>{escape(highlight_label)}</title></rect>')
    for t in ticks:
        y = y_at(t)
        out.append(f'<line x1="{left}" y1="{_n(y)}" x2="{width - right}" y2="{_n(y)}" stroke="{GRID_COLOUR}"/>'
                   f'<text x="{left - 4}" y="{_n(y + 4)}" text-anchor="end" fill="{TEXT_COLOUR}">'
                   f'{escape(fmt(t))}</text>')
    if x_ticks is None:
        every = max(1, math.ceil(len(labels) / 6))
        x_ticks = [(i, labels[i]) for i in range(len(labels)) if (len(labels) - 1 - i) % every == 0]
    for i, label in x_ticks:
        x = x_at(i)
        anchor = "end" if x + 3.3 * len(label) > width else "start" if x - 3.3 * len(label) < 0 else "middle"
        out.append(f'<text x="{_n(x)}" y="{_n(top + plot_h + 14)}" text-anchor="{anchor}" '
                   f'fill="{TEXT_COLOUR}" class="x-label">{escape(label)}</text>')
    if target and any(v is not None for v in target):
        # A step line: flat across each label's slot, so a yearly target reads as a plateau.
        segments, current = [], []
        for i, v in enumerate(target):
            if v is None:
                if current:
                    segments.append(current)
                current = []
                continue
            xa, xb = left + plot_w * i / len(labels), left + plot_w * (i + 1) / len(labels)
            current += [(xa, y_at(v)), (xb, y_at(v))]
        if current:
            segments.append(current)
        for seg in segments:
            points = " ".join(f"{_n(x)},{_n(y)}" for x, y in seg)
            out.append(f'<polyline class="target-line" points="{points}" fill="none" stroke="{TARGET_COLOUR}" '
                       f'stroke-width="1.5" stroke-dasharray="5 3"><title>{escape(target_label or "")}</title>'
                       f'</polyline>')
    r = 2.5 if len(labels) <= 24 else 1.6
    for si, s in enumerate(series):
        colour = s.get("colour") or PALETTE[si % len(PALETTE)]
        runs, run = [], []
        for i, v in enumerate(s["values"]):
            if v is None:
                if run:
                    runs.append(run)
                run = []
            else:
                run.append((x_at(i), y_at(v)))
        if run:
            runs.append(run)
        for run in runs:
            if len(run) > 1:
                points = " ".join(f"{_n(x)},{_n(y)}" for x, y in run)
                out.append(f'<polyline class="series-line" points="{points}" fill="none" stroke="{colour}" '
                           f'stroke-width="2"/>')
        for i, v in enumerate(s["values"]):
            if v is not None:
                out.append(f'<circle class="point" cx="{_n(x_at(i))}" cy="{_n(y_at(v))}" r="{r}" fill="{colour}">'
                           f'<title>{escape(s["name"])} {escape(labels[i])}: {escape(fmt(v))}</title></circle>')
    out.append(f'<g transform="translate(0 {height - legend_h + 8})">{legend}</g></svg>')
    return Markup("".join(out))


def bar_ranking(*, title, desc, items, fmt=fmt_percent, target=None, target_label=None, width=420,
                label_width=140, row=20, value_max=None):
    """Horizontal bars, one row per item in the given order, with the value written at the end.

    items: [{"label": str, "value": float | None, "marker": float | None (this row's target),
             "href": str | None}]; target: one vertical line for every row (e.g. 95%).
    """
    top, right = 6, 58
    legend_items = []
    if target is not None or any(i.get("marker") is not None for i in items):
        legend_items.append((target_label or "", TARGET_COLOUR, "line"))
    legend, legend_h = _legend(legend_items, label_width, 0, width - label_width - right) if legend_items else ("", 0)
    height = top + row * max(1, len(items)) + 20 + legend_h
    plot_w = width - label_width - right
    values = [i["value"] for i in items if i["value"] is not None]
    values += [i["marker"] for i in items if i.get("marker") is not None]
    if target is not None:
        values.append(target)
    high = value_max if value_max is not None else (max(values) if values else 1) or 1
    out = [_open(width, height, title, desc, "bar-ranking")]

    def x_at(v):
        return label_width + plot_w * max(0.0, min(v, high)) / high

    for t in nice_ticks(0, high, 4):
        if t <= high * 1.0001:
            x = x_at(t)
            out.append(f'<line x1="{_n(x)}" y1="{top}" x2="{_n(x)}" y2="{top + row * len(items)}" '
                       f'stroke="{GRID_COLOUR}"/><text x="{_n(x)}" y="{top + row * len(items) + 13}" '
                       f'text-anchor="middle" fill="{TEXT_COLOUR}" font-size="10">{escape(fmt(t))}</text>')
    for n, item in enumerate(items):
        y = top + n * row
        label = str(item["label"])
        short = label if len(label) <= 24 else label[:23] + "…"
        text = (f'<text x="{label_width - 4}" y="{_n(y + row * 0.68)}" text-anchor="end" fill="#212529">'
                f'<title>{escape(label)}</title>{escape(short)}</text>')
        if item.get("href"):
            text = f'<a href="{escape(item["href"])}">{text}</a>'
        out.append(text)
        v = item["value"]
        if v is not None:
            out.append(f'<rect class="bar" x="{label_width}" y="{_n(y + 3)}" width="{_n(x_at(v) - label_width)}" '
                       f'height="{row - 6}" fill="{item.get("colour") or PALETTE[0]}">'
                       f'<title>{escape(label)}: {escape(fmt(v))}</title></rect>')
        out.append(f'<text x="{width - 2}" y="{_n(y + row * 0.68)}" text-anchor="end" fill="{TEXT_COLOUR}" '
                   f'font-size="11">{escape(fmt(v))}</text>')
        if item.get("marker") is not None:
            x = x_at(item["marker"])
            out.append(f'<line class="target-mark" x1="{_n(x)}" y1="{_n(y + 1)}" x2="{_n(x)}" y2="{_n(y + row - 1)}" '
                       f'stroke="{TARGET_COLOUR}" stroke-width="2"><title>{escape(target_label or "")}: '
                       f'{escape(fmt(item["marker"]))}</title></line>')
    if target is not None:
        x = x_at(target)
        out.append(f'<line class="target-line" x1="{_n(x)}" y1="{top}" x2="{_n(x)}" y2="{top + row * len(items)}" '
                   f'stroke="{TARGET_COLOUR}" stroke-width="1.5" stroke-dasharray="5 3">'
                   f'<title>{escape(target_label or "")}: {escape(fmt(target))}</title></line>')
    if legend:
        out.append(f'<g transform="translate(0 {height - legend_h + 8})">{legend}</g>')
    out.append("</svg>")
    return Markup("".join(out))


def month_bars(*, title, desc, labels, series, stacked=True, fmt=fmt_number, width=420, height=220):
    """Bars per month: stacked (one column of segments per month) or grouped (side by side).

    series: [{"name": str, "values": [int, ...] (one per label)}]. Zero values draw nothing.
    """
    left, right, top = 46, 8, 10
    legend, legend_h = _legend([(s["name"], s.get("colour") or PALETTE[i % len(PALETTE)], "box")
                                for i, s in enumerate(series)], left, 0, width - left - right)
    bottom = 22 + legend_h
    plot_w, plot_h = width - left - right, height - top - bottom
    if stacked:
        totals = [sum((s["values"][i] or 0) for s in series) for i in range(len(labels))]
    else:
        totals = [max([(s["values"][i] or 0) for s in series] or [0]) for i in range(len(labels))]
    high = max(totals or [0]) or 1
    ticks = [t for t in nice_ticks(0, high, 4)]
    y1 = ticks[-1] or 1
    out = [_open(width, height, title, desc, "month-bars")]

    def y_at(v):
        return top + plot_h - v / y1 * plot_h

    for t in ticks:
        y = y_at(t)
        out.append(f'<line x1="{left}" y1="{_n(y)}" x2="{width - right}" y2="{_n(y)}" stroke="{GRID_COLOUR}"/>'
                   f'<text x="{left - 4}" y="{_n(y + 4)}" text-anchor="end" fill="{TEXT_COLOUR}">'
                   f'{escape(fmt(t))}</text>')
    slot = plot_w / max(1, len(labels))
    for i, label in enumerate(labels):
        x = left + slot * i
        out.append(f'<text x="{_n(x + slot / 2)}" y="{_n(top + plot_h + 14)}" text-anchor="middle" '
                   f'fill="{TEXT_COLOUR}" font-size="11">{escape(label)}</text>')
        base = 0
        for si, s in enumerate(series):
            v = s["values"][i] or 0
            colour = s.get("colour") or PALETTE[si % len(PALETTE)]
            if stacked:
                bx, bw, ya, yb = x + slot * 0.15, slot * 0.7, y_at(base + v), y_at(base)
                base += v
            else:
                bw = slot * 0.8 / len(series)
                bx, ya, yb = x + slot * 0.1 + bw * si, y_at(v), y_at(0)
            if v:
                out.append(f'<rect class="bar" data-series="{si}" x="{_n(bx)}" y="{_n(ya)}" width="{_n(bw)}" '
                           f'height="{_n(yb - ya)}" fill="{colour}"><title>{escape(s["name"])} {escape(label)}: '
                           f'{escape(fmt(v))}</title></rect>')
    out.append(f'<g transform="translate(0 {height - legend_h + 8})">{legend}</g></svg>')
    return Markup("".join(out))


STATUS_STYLE = {"approved": ("#198754", "box"), "submitted": ("#fd7e14", "outline")}


def month_calendar(*, title, desc, year, month, events, weekday_labels, status_labels, width=420):
    """A month grid, Monday first: each day with its events as small markers (approved filled,
    submitted outlined and dashed) and a count; the day's full list in the cell's tooltip.

    events: {date: [{"status": "approved" | "submitted", "text": str}]}.
    """
    weeks = calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    head, cell_h = 18, 46
    cell_w = width / 7
    legend, legend_h = _legend([(status_labels[s], STATUS_STYLE[s][0], STATUS_STYLE[s][1]) for s in STATUS_STYLE],
                               4, 0, width - 8)
    height = head + cell_h * len(weeks) + legend_h + 6
    out = [_open(width, height, title, desc, "month-calendar")]
    for i, label in enumerate(weekday_labels):
        out.append(f'<text x="{_n(cell_w * (i + 0.5))}" y="13" text-anchor="middle" fill="{TEXT_COLOUR}" '
                   f'font-weight="600">{escape(label)}</text>')
    for w, week in enumerate(weeks):
        for d, day in enumerate(week):
            x, y = cell_w * d, head + cell_h * w
            inside = day.month == month
            todays = events.get(day, []) if inside else []
            kinds = sorted({e["status"] for e in todays})
            css = "day" + ("" if inside else " outside") + "".join(f" has-{k}" for k in kinds)
            tip = f"{day.strftime('%d/%m/%Y')}" + "".join(f"\n{e['text']}" for e in todays)
            out.append(f'<g class="{css}" data-date="{day.isoformat()}"><title>{escape(tip)}</title>'
                       f'<rect x="{_n(x + 1)}" y="{_n(y + 1)}" width="{_n(cell_w - 2)}" height="{cell_h - 2}" '
                       f'fill="{"#fff" if inside else "#f8f9fa"}" stroke="{GRID_COLOUR}"/>'
                       f'<text x="{_n(x + 5)}" y="{_n(y + 14)}" fill="{"#212529" if inside else "#adb5bd"}" '
                       f'font-size="11">{day.day}</text>')
            for k, e in enumerate(todays[:6]):
                colour, kind = STATUS_STYLE.get(e["status"], ("#6c757d", "box"))
                ex, ey = x + 5 + (k % 3) * 13, y + 21 + (k // 3) * 11
                if kind == "outline":
                    out.append(f'<rect class="event submitted" x="{_n(ex)}" y="{_n(ey)}" width="10" height="8" '
                               f'fill="#fff" stroke="{colour}" stroke-width="1.5" stroke-dasharray="3 2"/>')
                else:
                    out.append(f'<rect class="event {escape(e["status"])}" x="{_n(ex)}" y="{_n(ey)}" width="10" '
                               f'height="8" fill="{colour}"/>')
            if len(todays) > 6:
                out.append(f'<text x="{_n(x + cell_w - 4)}" y="{_n(y + cell_h - 6)}" text-anchor="end" '
                           f'font-size="10" fill="{TEXT_COLOUR}">+{len(todays) - 6}</text>')
            out.append("</g>")
    out.append(f'<g transform="translate(0 {height - legend_h + 6})">{legend}</g></svg>')
    return Markup("".join(out))

