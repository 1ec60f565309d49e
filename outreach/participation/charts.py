"""Charts drawn on the server as inline SVG: no JavaScript, no CDN, and they print."""

import math
from collections.abc import Sequence
from datetime import date

from flask_babel import gettext
from markupsafe import Markup, escape

from outreach.metrics.cache import per_request
from outreach.templating import day_label

WIDTH, HEIGHT = 800, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 26, 30


def _nice_max(value: float) -> float:
    """A round number at or above `value` for the top of the y axis."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


def sparkline(values: Sequence[float], label: str = "") -> Markup:
    """A small trend line of daily values (the last day marked)."""
    width, height = 100, 24
    if not values:
        return Markup("")
    top = max(values) or 1
    step = width / max(len(values) - 1, 1)
    points = [(i * step, height - 2 - (v / top) * (height - 4)) for i, v in enumerate(values)]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    last_x, last_y = points[-1]
    return Markup(
        f'<svg class="spark" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
        f'preserveAspectRatio="none" aria-label="{escape(label)}"><polyline points="{path}" fill="none" '
        f'stroke="currentColor" stroke-width="1.5" vector-effect="non-scaling-stroke"/>'
        f'<circle cx="{last_x:.1f}" cy="{last_y:.1f}" r="2" fill="currentColor"/></svg>'
    )


def unit_sparkline(values: Sequence[float], unit: str) -> Markup:
    """A unit's sparkline, labelled for screen readers (built here: a Jinja `_()` inside a table's
    loop copies the template context on every call)."""
    label = per_request("participation.spark_label", lambda: gettext("Daily figures of %(unit)s"))
    return sparkline(values, label % {"unit": unit})


def time_series(
    points: Sequence[tuple[date, float, float]],
    title: str,
    bar_label: str,
    line_label: str,
    markers: Sequence[tuple[date, str]] = (),
) -> Markup:
    """Daily bars with a trailing-average line and optional vertical markers (e.g. drives)."""
    if not points:
        return Markup("")
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_max(max(max(c, a) for _d, c, a in points))
    slot = plot_w / len(points)
    index = {d: i for i, (d, _c, _a) in enumerate(points)}

    def y(value: float) -> float:
        return TOP + plot_h - value / top * plot_h

    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title" '
        f'preserveAspectRatio="xMidYMid meet"><title id="chart-title">{escape(title)}</title>'
    ]
    for i in range(5):
        value = top * i / 4
        parts.append(
            f'<line x1="{LEFT}" x2="{WIDTH - RIGHT}" y1="{y(value):.1f}" y2="{y(value):.1f}" class="grid"/>'
            f'<text x="{LEFT - 6}" y="{y(value) + 4:.1f}" text-anchor="end" class="tick">{value:g}</text>'
        )
    bar_w = max(slot * 0.7, 1)
    for i, (day, count, _avg) in enumerate(points):
        x = LEFT + i * slot + (slot - bar_w) / 2
        parts.append(
            f'<rect x="{x:.1f}" y="{y(count):.1f}" width="{bar_w:.1f}" height="{TOP + plot_h - y(count):.1f}" '
            f'class="bar"><title>{escape(day_label(day))}: {count:g}</title></rect>'
        )
    line = " ".join(f"{LEFT + (i + 0.5) * slot:.1f},{y(avg):.1f}" for i, (_d, _c, avg) in enumerate(points))
    parts.append(f'<polyline points="{line}" class="avg"/>')
    for day, text in markers:
        if day in index:
            x = LEFT + (index[day] + 0.5) * slot
            parts.append(
                f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{TOP}" y2="{TOP + plot_h}" class="marker">'
                f"<title>{escape(text)}</title></line>"
            )
    ticks = max(1, len(points) // 6)
    for i in range(0, len(points), ticks):
        x = LEFT + (i + 0.5) * slot
        parts.append(
            f'<text x="{x:.1f}" y="{HEIGHT - 10}" text-anchor="middle" class="tick">'
            f"{escape(day_label(points[i][0], 'd MMM'))}</text>"
        )
    parts.append(
        f'<g class="legend"><rect x="{LEFT}" y="2" width="10" height="8" class="bar"/>'
        f'<text x="{LEFT + 14}" y="10" class="tick">{escape(bar_label)}</text>'
        f'<line x1="{LEFT + 160}" x2="{LEFT + 180}" y1="6" y2="6" class="avg"/>'
        f'<text x="{LEFT + 184}" y="10" class="tick">{escape(line_label)}</text></g></svg>'
    )
    return Markup("".join(parts))
