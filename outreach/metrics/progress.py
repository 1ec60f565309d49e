"""How far each series reaches, and each unit's status against the path to its target.

**Reach.** KPK reports respondent counts days late: the last imported day is often a week or more
before today. A figure that averaged or projected over days without data would read the lag as a
collapse (a 7-day pace of 0, a projection equal to today's total, every unit "behind"). So every
respondent figure is computed as of the last day with data (`DataReach.last_day`), and pages say how
old that is. Our own scans are live: their reach is today.

**Expected path.** As the 2021 census in England and Wales steered its field work (each area's
return rate against the rate expected for it by that day), a unit's count is compared with the count
expected by its last data day on the way to its target at the deadline. The path is linear in days,
or, when an earlier round's respondent counts are loaded, shaped like the city's own cumulative
curve of that round (most answers come in the last weeks and after each push, and a linear path
would call every unit behind early on).
"""

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from outreach import clock
from outreach.extensions import db
from outreach.links.models import CITY_UNIT
from outreach.metrics.cache import per_request
from outreach.metrics.respondents import DEFAULT_SOURCE, get_source, level_daily
from outreach.participation.models import SurveyRound

# Data older than this many days gets an amber notice (with the way to import new counts). KPK's
# progress reports come about weekly, so a week's lag is normal; more means an import was missed.
STALE_DAYS = 7

# Status thresholds, as a share of the count expected by the last data day. Within 5% of the path is
# on track (daily counts of a kelurahan swing by more than that); below 80% a unit needs a drive to
# catch up in the time left, so it is behind; in between it needs attention.
ON_TRACK_SHARE = 0.95
BEHIND_SHARE = 0.80

# An earlier round shapes the path only when its counts reach to within this many days of its
# deadline: a curve cut short would make the end of the round look like it needs no answers.
CURVE_COMPLETE_DAYS = STALE_DAYS


@dataclass(frozen=True)
class DataReach:
    """How far a series reaches: its last day with data, seen from `today` (WIB)."""

    source_key: str
    last_day: date | None
    today: date

    @property
    def lag_days(self) -> int | None:
        """Whole days from the last day with data to today (None without data)."""
        return None if self.last_day is None else max(0, (self.today - self.last_day).days)

    @property
    def stale(self) -> bool:
        """Whether the data is older than `STALE_DAYS` (or missing altogether)."""
        return self.lag_days is None or self.lag_days > STALE_DAYS

    @property
    def live(self) -> bool:
        """Whether the series is counted as it happens (our scans) rather than imported."""
        return self.source_key != DEFAULT_SOURCE


def data_reach(source_key: str = DEFAULT_SOURCE, audience: str | None = None, today: date | None = None) -> DataReach:
    """The reach of one series: respondent counts reach the last imported day; scans reach today."""
    today = today or clock.today()
    if source_key != DEFAULT_SOURCE:
        return DataReach(source_key, today, today)
    span = data_span(source_key, audience)
    return DataReach(source_key, span[1] if span else None, today)


def data_span(source_key: str, audience: str | None) -> tuple[date, date] | None:
    """The source's first and last day with data (read once per request: the reporting-lag notice, the
    period and the drive ranking, for every drive, ask)."""
    return per_request(f"metrics.span.{source_key}.{audience}", lambda: get_source(source_key).span(audience))


class Status(StrEnum):
    """A unit against its expected path, said in words and an icon as well as a colour."""

    ON_TRACK = "on_track"
    ATTENTION = "attention"
    BEHIND = "behind"
    NO_TARGET = "no_target"
    NO_DATA = "no_data"

    @property
    def label(self) -> str:
        """The status in the reader's language."""
        return str(_LABELS[self])

    @property
    def icon(self) -> str:
        """A glyph shown beside the word, so the status never rests on colour alone."""
        return _ICONS[self]


_LABELS = {
    Status.ON_TRACK: _l("on track"),
    Status.ATTENTION: _l("needs attention"),
    Status.BEHIND: _l("behind"),
    Status.NO_TARGET: _l("no target"),
    Status.NO_DATA: _l("no data yet"),
}
_ICONS = {
    Status.ON_TRACK: "✓",
    Status.ATTENTION: "!",
    Status.BEHIND: "▼",
    Status.NO_TARGET: "–",
    Status.NO_DATA: "…",
}


def status_labels() -> dict[Status, str]:
    """Every status's word in the reader's language (a table translates them once, not per row)."""
    return {status: status.label for status in Status}


def status_of(to_date: int, expected: float | None, target: int | None) -> Status:
    """The status of a count against the count expected by its last data day."""
    if not target:
        return Status.NO_TARGET
    if expected is None:
        return Status.NO_DATA
    if expected <= 0 or to_date >= ON_TRACK_SHARE * expected:
        return Status.ON_TRACK
    return Status.ATTENTION if to_date >= BEHIND_SHARE * expected else Status.BEHIND


@dataclass(frozen=True)
class Curve:
    """A cumulative path: the share of a round's total reached by each elapsed fraction of its days."""

    fractions: tuple[float, ...]  # elapsed share of the round at the end of each day, increasing, last 1.0
    shares: tuple[float, ...]  # cumulative share of the total by then, non-decreasing, last 1.0
    round_name: str

    def share_at(self, fraction: float) -> float:
        """The share expected at an elapsed fraction, interpolated linearly between days."""
        if fraction <= 0:
            return 0.0
        if fraction >= 1:
            return 1.0
        i = bisect_right(self.fractions, fraction)
        x0, y0 = (self.fractions[i - 1], self.shares[i - 1]) if i else (0.0, 0.0)
        x1, y1 = self.fractions[i], self.shares[i]
        return y0 + (y1 - y0) * (fraction - x0) / (x1 - x0) if x1 > x0 else y1


def curve_from_daily(daily: Sequence[int], round_name: str) -> Curve | None:
    """The cumulative curve of a round from its city count per day (first to last day of the round)."""
    total = sum(daily)
    if total <= 0:
        return None
    running, shares = 0, []
    for count in daily:
        running += count
        shares.append(running / total)
    days = len(daily)
    return Curve(tuple((n + 1) / days for n in range(days)), tuple(shares), round_name)


def earlier_round_curve(round_: SurveyRound) -> Curve | None:
    """The city's cumulative curve in the latest round before this one, when its counts are loaded
    to within `CURVE_COMPLETE_DAYS` of its deadline (read once per request)."""

    def build() -> Curve | None:
        earlier = db.session.scalar(
            select(SurveyRound).where(SurveyRound.deadline < round_.starts_on).order_by(SurveyRound.deadline.desc())
        )
        if earlier is None:
            return None
        source = get_source(DEFAULT_SOURCE)
        series = level_daily(source, "kota", earlier.starts_on, earlier.deadline).get(CITY_UNIT, {})
        if not series or max(series) < earlier.deadline - timedelta(days=CURVE_COMPLETE_DAYS):
            return None
        days = clock.day_range(earlier.starts_on, earlier.deadline)
        return curve_from_daily([series.get(day, 0) for day in days], earlier.name)

    return per_request(f"progress.curve.{round_.id}", build)


def expected_share(round_: SurveyRound, as_of: date) -> float:
    """The share of a target expected by the end of `as_of` on the round's path (0 before it starts)."""
    length = (round_.deadline - round_.starts_on).days + 1
    elapsed = min(max((as_of - round_.starts_on).days + 1, 0), length)
    fraction = elapsed / length
    curve = earlier_round_curve(round_)
    return curve.share_at(fraction) if curve is not None else fraction
