"""A dashboard table row as the values it shows, and its HTML kept by those values.

A dashboard renders about a hundred rows (`figures_row` in `templates/participation/_macros.html`), and
rendering them was a fifth of the page's time. Most rows show the same values from one request to the
next (respondent counts change once an import lands; a unit without new scans keeps its numbers). So
`figures_cells()` reduces a row to the plain values the macro shows, and `row_html()` keeps the HTML
the macro made for them, keyed by those values, the table's links and the language: a row whose values
change is rendered again, so nothing shown can be older than its figures. The macro reads nothing else.
"""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, NamedTuple

from flask_babel import get_locale
from markupsafe import Markup

from outreach.lru import BoundedLRU
from outreach.metrics.figures import Figures, Period
from outreach.metrics.progress import Status

KEPT_ROWS = 4096  # about 3 KB each: a few dozen dashboards' tables per worker


class FiguresCells(NamedTuple):
    """Everything one row of a figures table shows (`figures_row`), and so the key its HTML is kept by."""

    label: str
    code: str
    to_date: int
    target: int | None
    target_derived: bool
    progress: float | None
    status: Status
    expected: float | None
    spark: tuple[int, ...]
    last_drive: datetime | None  # when the unit's latest drive started
    next_drive: datetime | None  # when its next planned drive starts
    range_count: int
    change: float | None  # per day, against the window before the range
    peer_uplift: float | None
    forecast: float
    rate: float | None
    vs_baseline: float | None


def figures_cells(row: Figures, period: Period) -> FiguresCells:
    """The values a figures table shows for one row."""
    return FiguresCells(
        row.label,
        row.code,
        row.to_date,
        row.target,
        row.target_derived,
        row.progress,
        row.status,
        row.expected,
        tuple(row.spark),
        row.last_drive.starts_at if row.last_drive else None,
        row.next_drive.starts_at if row.next_drive else None,
        row.range_count,
        row.change_per_day(period),
        row.peer_uplift,
        row.forecast,
        row.rate,
        row.vs_baseline,
    )


_kept = BoundedLRU[tuple[Any, ...], Markup](KEPT_ROWS)


def row_html(
    macro: Callable[..., str],
    cells: FiguresCells,
    drill_url: Sequence[str] | None,
    uplift_url: str | None,
    words: dict[str, Any],
) -> Markup:
    """`macro(cells, drill_url, uplift_url, words)`, rendered once for the same cells, links and language
    (`words` are the table's words in the request's language: the language stands for them in the key).
    The least recently shown rows are forgotten beyond KEPT_ROWS."""
    key = (str(get_locale()), cells, tuple(drill_url) if drill_url else None, uplift_url)
    html = _kept.get(key)
    if html is None:
        html = Markup(macro(cells, drill_url, uplift_url, words))
        _kept.put(key, html)
    return html
