"""Chart geometry: where each bar, line and tick goes. `templates/_charts.html` draws the SVG from it.

Charts are inline SVG drawn on the server: no JavaScript, no CDN, and they print.
"""

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date

WIDTH, HEIGHT = 800, 260
LEFT, RIGHT, TOP, BOTTOM = 48, 12, 26, 30
SPARK_WIDTH, SPARK_HEIGHT = 100, 24


def _nice_max(value: float) -> float:
    """A round number at or above `value` for the top of the y axis."""
    if value <= 0:
        return 1
    magnitude = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * magnitude:
            return step * magnitude
    return 10 * magnitude


@dataclass(frozen=True, slots=True)
class Spark:
    """A small trend line: its polyline's points and the last point, which gets a dot."""

    points: str
    last_x: str
    last_y: str
    width: int = SPARK_WIDTH
    height: int = SPARK_HEIGHT


def spark(values: Sequence[float]) -> Spark | None:
    """The sparkline of daily values, or None when there are none.

    The points come as the polyline's attribute text: a dashboard draws a hundred sparklines of up to 90
    points, and formatting each coordinate in Jinja would cost more than the rest of the row.
    """
    if not values:
        return None
    width, height = SPARK_WIDTH, SPARK_HEIGHT
    top = max(values) or 1
    step = width / max(len(values) - 1, 1)
    points = [(i * step, height - 2 - (v / top) * (height - 4)) for i, v in enumerate(values)]
    last_x, last_y = points[-1]
    return Spark(" ".join(f"{x:.1f},{y:.1f}" for x, y in points), f"{last_x:.1f}", f"{last_y:.1f}")


def _at(value: float) -> str:
    """A coordinate as the SVG gets it (0.1 px is finer than any screen or printer shows)."""
    return f"{value:.1f}"


@dataclass(frozen=True, slots=True)
class Bar:
    """One day's bar: its box (coordinates as SVG text) and the figure it shows."""

    day: date
    value: float
    x: str
    y: str
    width: str
    height: str


@dataclass(frozen=True, slots=True)
class Tick:
    """A label on an axis at a position (a value on the y axis with its label's baseline, a day on the x axis)."""

    at: str
    value: float = 0
    day: date | None = None
    baseline: str = ""


def _y_ticks(y: Callable[[float], float], top: float, parts: int) -> list[Tick]:
    """Gridlines at 0, top/parts, … top: each value at its height, with its label's baseline just below."""
    values = [top * i / parts for i in range(parts + 1)]
    return [Tick(_at(y(v)), v, baseline=_at(y(v) + 4)) for v in values]


@dataclass(frozen=True, slots=True)
class Marker:
    """A vertical line at a day (a drive), with its text."""

    x: str
    text: str


@dataclass(frozen=True, slots=True)
class Day:
    """One day of the phone chart (a row of horizontal bars, latest day first): its figure, the trailing
    average, the bar's length as a whole percentage of the largest day, and the drives that began that day."""

    day: date
    value: float
    average: float
    share: int
    drives: tuple[str, ...] = ()


PHONE_DAYS = 14


@dataclass(frozen=True, slots=True)
class TimeSeries:
    """Daily bars with a trailing-average line: every coordinate of the chart, as SVG text.

    Coordinates come formatted: a chart has up to a few hundred bars, and formatting four numbers per bar
    in Jinja costs milliseconds.
    """

    bars: list[Bar]
    average: str
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    markers: list[Marker] = field(default_factory=list)
    # The same days for a phone, latest first: the first PHONE_DAYS in `days`, the rest in `earlier`.
    days: list[Day] = field(default_factory=list)
    earlier: list[Day] = field(default_factory=list)
    width: int = WIDTH
    height: int = HEIGHT
    left: int = LEFT
    right: int = WIDTH - RIGHT
    top: int = TOP
    bottom: int = HEIGHT - BOTTOM


def time_series(
    points: Sequence[tuple[date, float, float]], markers: Sequence[tuple[date, str]] = ()
) -> TimeSeries | None:
    """The layout of (day, count, average) points with optional vertical markers; None when empty."""
    if not points:
        return None
    plot_w, plot_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    top = _nice_max(max(max(c, a) for _d, c, a in points))
    slot = plot_w / len(points)
    index = {d: i for i, (d, _c, _a) in enumerate(points)}

    def y(value: float) -> float:
        return TOP + plot_h - value / top * plot_h

    bar_w = max(slot * 0.7, 1)
    width = _at(bar_w)
    bars = [
        Bar(day, count, _at(LEFT + i * slot + (slot - bar_w) / 2), _at(y(count)), width, _at(TOP + plot_h - y(count)))
        for i, (day, count, _avg) in enumerate(points)
    ]
    every = max(1, len(points) // 6)
    drives: dict[date, list[str]] = {}
    for day, text in markers:
        drives.setdefault(day, []).append(text)
    largest = max(c for _d, c, _a in points) or 1
    latest_first = [
        Day(day, count, avg, round(count / largest * 100), tuple(drives.get(day, ())))
        for day, count, avg in reversed(points)
    ]
    return TimeSeries(
        days=latest_first[:PHONE_DAYS],
        earlier=latest_first[PHONE_DAYS:],
        bars=bars,
        average=" ".join(f"{_at(LEFT + (i + 0.5) * slot)},{_at(y(avg))}" for i, (_d, _c, avg) in enumerate(points)),
        y_ticks=_y_ticks(y, top, 4),
        x_ticks=[Tick(_at(LEFT + (i + 0.5) * slot), day=points[i][0]) for i in range(0, len(points), every)],
        markers=[Marker(_at(LEFT + (index[day] + 0.5) * slot), text) for day, text in markers if day in index],
    )


COMPARE_WIDTH, COMPARE_HEIGHT = 400, 200  # narrow enough to stay legible when a phone scales it down
C_LEFT, C_RIGHT, C_TOP, C_BOTTOM = 36, 8, 24, 26


@dataclass(frozen=True, slots=True)
class BeforeAfter:
    """Two daily lines (the units with the drive, the comparison units) and the day the drive started."""

    treated: str
    comparison: str
    start_x: str
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    width: int = COMPARE_WIDTH
    height: int = COMPARE_HEIGHT
    left: int = C_LEFT
    right: int = COMPARE_WIDTH - C_RIGHT
    top: int = C_TOP
    bottom: int = COMPARE_HEIGHT - C_BOTTOM


def before_after(points: Sequence[tuple[date, float, float | None]], start: date) -> BeforeAfter | None:
    """The layout of (day, treated mean, comparison mean) points with the drive's first day marked; None
    when there are no points. Days without a comparison leave its line out."""
    if not points:
        return None
    plot_w, plot_h = COMPARE_WIDTH - C_LEFT - C_RIGHT, COMPARE_HEIGHT - C_TOP - C_BOTTOM
    top = _nice_max(max(max(t, c or 0) for _d, t, c in points))
    step = plot_w / max(len(points) - 1, 1)

    def x(i: float) -> str:
        return _at(C_LEFT + i * step)

    def y(value: float) -> float:
        return C_TOP + plot_h - value / top * plot_h

    index = next((i for i, (day, _t, _c) in enumerate(points) if day >= start), len(points) - 1)
    every = max(1, len(points) // 4)
    return BeforeAfter(
        treated=" ".join(f"{x(i)},{_at(y(t))}" for i, (_d, t, _c) in enumerate(points)),
        comparison=" ".join(f"{x(i)},{_at(y(c))}" for i, (_d, _t, c) in enumerate(points) if c is not None),
        start_x=_at(C_LEFT + (index - 0.5) * step) if index else x(0),
        y_ticks=_y_ticks(y, top, 2),
        x_ticks=[Tick(x(i), day=points[i][0]) for i in range(0, len(points), every)],
    )
