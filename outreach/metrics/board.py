"""The public participation board: the city and each kecamatan (or each kelurahan of one) against
its target, ranked by how much the last week improved on the week before, so every area can climb.

Figures come from the participation dashboard (respondent counts, targets, baselines); the board
never reads the scan tables. Counts below the suppression threshold are shown as "< N" and the
percentages that would reveal them are left out; no promoter appears anywhere.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from outreach import clock
from outreach.areas.models import Area
from outreach.campaign import AUDIENCES
from outreach.metrics.figures import Figures, Period, area_rows, city_figures, current_round
from outreach.metrics.progress import data_reach

WEEK = 7


@dataclass(frozen=True)
class BoardRow:
    """One area on the board: counts so far and per week, its target and its baseline."""

    code: str
    name: str
    to_date: int
    target: int | None
    baseline: int | None
    this_week: int
    last_week: int
    min_count: int

    def shown(self, value: int | None) -> str:
        """A count as the board shows it: "< N" below the threshold."""
        if value is None:
            return "–"
        return f"< {self.min_count}" if value < self.min_count else f"{value:,}".replace(",", ".")

    @property
    def progress(self) -> float | None:
        """Share of the target reached, only when the count itself may be shown."""
        if not self.target or self.to_date < self.min_count:
            return None
        return self.to_date / self.target

    @property
    def vs_baseline(self) -> float | None:
        """Count so far as a share of the previous round's total, when both may be shown."""
        if not self.baseline or self.baseline < self.min_count or self.to_date < self.min_count:
            return None
        return self.to_date / self.baseline

    @property
    def score(self) -> float:
        """Improvement of this week over last week, relative to last week (at least the threshold, so tiny
        counts do not make huge percentages). Used for the order only."""
        return (self.this_week - self.last_week) / max(self.last_week, self.min_count)

    @property
    def change(self) -> float | None:
        """The week-on-week change to show, when both weeks' counts may be shown."""
        if self.this_week < self.min_count or self.last_week < self.min_count:
            return None
        return self.this_week / self.last_week - 1

    @property
    def trend(self) -> str:
        """'up', 'down' or 'flat' this week against last week (shown even when the numbers are not)."""
        return "up" if self.this_week > self.last_week else "down" if self.this_week < self.last_week else "flat"


def _row(fig: Figures, code: str, name: str, min_count: int) -> BoardRow:
    return BoardRow(code, name, fig.to_date, fig.target, fig.baseline, fig.range_count, fig.prev_count, min_count)


def ranked(rows: list[BoardRow]) -> list[BoardRow]:
    """Rows by improvement over the previous week, then by progress towards the target, then by name."""
    return sorted(rows, key=lambda r: (-r.score, -(r.to_date / r.target if r.target else 0), r.name))


@dataclass
class Board:
    """Everything the board page shows."""

    round_name: str
    as_of: date
    week_start: date
    city: BoardRow | None
    rows: list[BoardRow]
    parent: Area | None
    lag_days: int = 1  # days from the figures' last day to today (1: yesterday's figures)


def board(min_count: int, parent: Area | None = None, today: date | None = None) -> Board | None:
    """The board for the city's kecamatan, or for the kelurahan of one kecamatan; None without a round."""
    round_ = current_round(today)
    if round_ is None:
        return None
    today = today or clock.today()
    reach = data_reach(today=today)
    # Up to the last day KPK has reported: the days after it are not reported yet, and counting them
    # as zero would show every area falling this week.
    as_of = min(today - timedelta(days=1), round_.deadline)
    if reach.last_day is not None:
        as_of = min(as_of, reach.last_day)
    as_of = max(round_.starts_on, as_of)
    period = Period(round_, as_of - timedelta(days=WEEK - 1), as_of, reach)
    rows = [_row(fig, fig.code, fig.label, min_count) for fig in area_rows(period, None, parent, sparks=False)]
    city = None
    if parent is None:
        figures = [city_figures(period, audience)[0] for audience in AUDIENCES]
        first = figures[0]
        city = BoardRow(
            first.code,
            first.label,
            sum(f.to_date for f in figures),
            sum(f.target for f in figures if f.target) or None,
            sum(f.baseline for f in figures if f.baseline) or None,
            sum(f.range_count for f in figures),
            sum(f.prev_count for f in figures),
            min_count,
        )
    return Board(round_.name, as_of, period.start, city, ranked(rows), parent, (today - as_of).days)
