"""Dashboard figures: counts, targets, progress, forecast, rates and uplift, aggregated in SQL.

Progress counts the round from its start to the end of the chosen range ("as of"), and never past
the last day the series has data for: KPK's respondent counts arrive days late, and days without
data are not days without answers. The forecast adds the recent pace, the mean per WIB day over the
7 days ending on the as-of day, for every day left until the deadline, with a range from the
slowest and fastest of the last three weeks. A unit's status compares its count with the count
expected by the as-of day on the path to its target (`outreach.metrics.progress`).
"""

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from statistics import fmean
from typing import Any

from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.orm import joinedload

from outreach import clock
from outreach.areas.models import Area, Opd
from outreach.campaign import AUDIENCES
from outreach.clock import day_range, wib_day_start, wib_days
from outreach.drives.models import CANCELLED, Drive
from outreach.extensions import db
from outreach.links.models import CITY_UNIT
from outreach.metrics.cache import per_request
from outreach.metrics.progress import DataReach, Status, data_reach, data_span, expected_share, status_of
from outreach.metrics.respondents import (
    DEFAULT_SOURCE,
    Series,
    Unit,
    city_reported_audiences,
    get_source,
    level_daily,
)
from outreach.metrics.rows import read_rows
from outreach.metrics.uplift import DEFAULT_SEED, RESAMPLES, UpliftResult, claim, compute_uplift
from outreach.participation.models import Baseline, SurveyRound, Target

PACE_DAYS = 7
PACE_WEEKS = 3  # the forecast's range: the slowest and fastest of the last three weeks' paces
COMPARISON_MODES = ("kecamatan", "city", "custom")


def unit_label(unit: Unit) -> str:
    """A readable name for an area or OPD, e.g. 'Kelurahan Surabaya' or 'Dinas Kesehatan'."""
    return unit.label if isinstance(unit, Area) else unit.name


def current_round(today: date | None = None) -> SurveyRound | None:
    """The round running today, else the latest that has started, else the next one (read once per
    request: a home page asks for it from each of its parts)."""
    on = today or clock.today()
    return per_request(f"participation.current_round.{on}", lambda: _read_current_round(on))


def _read_current_round(today: date) -> SurveyRound | None:
    started = db.session.scalar(
        select(SurveyRound).where(SurveyRound.starts_on <= today).order_by(SurveyRound.starts_on.desc())
    )
    if started is not None:
        return started
    return db.session.scalar(select(SurveyRound).order_by(SurveyRound.starts_on))


@dataclass(frozen=True)
class Period:
    """The chosen date range inside a round; figures are as of `as_of` (the range end, capped at the deadline)."""

    round: SurveyRound
    start: date
    end: date
    # How far the series reaches (None: not known, as in unit tests and for live scans before a round).
    reach: DataReach | None = None

    @property
    def has_data(self) -> bool:
        """Whether the series has data in this round up to the as-of day (a status needs some)."""
        if self.reach is None or self.reach.live:
            return True
        return self.reach.last_day is not None and self.reach.last_day >= self.round.starts_on

    @property
    def as_of(self) -> date:
        """The day progress and the forecast are computed for."""
        return min(self.end, self.round.deadline)

    @property
    def days(self) -> int:
        """Days in the range."""
        return (self.end - self.start).days + 1

    @property
    def days_left(self) -> int:
        """Days after the as-of day up to and including the deadline."""
        return max(0, (self.round.deadline - self.as_of).days)

    @property
    def prev_start(self) -> date:
        """Start of the equally long window just before the range."""
        return self.start - timedelta(days=self.days)

    @property
    def pace_start(self) -> date:
        """First day of the pace window."""
        return self.as_of - timedelta(days=PACE_DAYS - 1)

    @property
    def pace_weeks(self) -> int:
        """How many of the `PACE_WEEKS` weeks up to the as-of day lie wholly inside the round (at least 1)."""
        return max(1, min(PACE_WEEKS, ((self.as_of - self.round.starts_on).days + 1) // PACE_DAYS))

    @property
    def expected_share(self) -> float | None:
        """The share of a target expected by the as-of day on the round's path (None without data)."""
        return expected_share(self.round, self.as_of) if self.has_data else None


DEFAULT_DAYS = 28


def make_period(
    round_: SurveyRound,
    start: date | None,
    end: date | None,
    today: date | None = None,
    reach: DataReach | None = None,
) -> Period:
    """The range asked for; by default the last 4 weeks up to yesterday (WIB), not before the round.

    With the series' `reach`, the range ends at its last day with data: counts reported late would
    otherwise read as days without answers."""
    today = today or clock.today()
    if end is None:
        end = max(round_.starts_on, min(today - timedelta(days=1), round_.deadline))
    last = reach.last_day if reach is not None and not reach.live else None
    if last is not None and round_.starts_on <= last < end:
        end = last
    if start is None or start > end:
        start = min(max(round_.starts_on, end - timedelta(days=DEFAULT_DAYS - 1)), end)
    return Period(round_, start, end, reach)


@dataclass
class Figures:
    """One row of a dashboard table (a unit, or the city)."""

    unit: Unit | None
    label: str
    audience: str | None
    range_count: int = 0
    prev_count: int = 0
    to_date: int = 0
    pace: float = 0.0
    forecast: float = 0.0
    target: int | None = None
    target_derived: bool = False
    baseline: int | None = None
    population: int | None = None
    per: int = 1000
    spark: list[int] = field(default_factory=list)
    # Change per day minus the mean change of the other rows of the same table (None when unknown).
    peer_uplift: float | None = None
    # The slowest and fastest weekly pace of the last weeks (the forecast's range), per day.
    pace_low: float = 0.0
    pace_high: float = 0.0
    days_left: int = 0
    # Share of the target expected by the as-of day on the path (None: the series has no data yet).
    expected_share: float | None = None
    # The last day the figures count (the range's end, at most the series' last day with data).
    as_of: date | None = None
    # The unit's latest drive so far and its next planned one (set by `with_drives`).
    last_drive: Drive | None = None
    next_drive: Drive | None = None

    @property
    def expected(self) -> float | None:
        """The count expected by the as-of day on the path to the target (None without a target or data)."""
        if not self.target or self.expected_share is None:
            return None
        return self.target * self.expected_share

    @property
    def gap(self) -> float | None:
        """Count so far minus the expected count (negative: behind the path)."""
        expected = self.expected
        return None if expected is None else self.to_date - expected

    @property
    def path_ratio(self) -> float | None:
        """Count so far as a share of the expected count (1.0 = on the path)."""
        expected = self.expected
        return None if not expected else self.to_date / expected

    @property
    def status(self) -> Status:
        """On track, needs attention or behind against the expected path (words, icon and colour)."""
        return status_of(self.to_date, self.expected, self.target)

    @property
    def forecast_low(self) -> float:
        """The forecast at the slowest recent weekly pace."""
        return self.to_date + self.pace_low * self.days_left

    @property
    def forecast_high(self) -> float:
        """The forecast at the fastest recent weekly pace."""
        return self.to_date + self.pace_high * self.days_left

    @property
    def code(self) -> str:
        """The unit's code (the city's for the city row)."""
        return self.unit.code if self.unit is not None else ""

    @property
    def progress(self) -> float | None:
        """Share of the target reached so far (1.0 = 100%)."""
        return self.to_date / self.target if self.target else None

    @property
    def forecast_progress(self) -> float | None:
        """Share of the target the forecast reaches."""
        return self.forecast / self.target if self.target else None

    @property
    def on_track(self) -> bool | None:
        """Whether the forecast at the deadline reaches the target (None without a target)."""
        return None if not self.target else self.forecast >= self.target

    @property
    def rate(self) -> float | None:
        """Respondents so far per 1,000 residents (areas) or per 100 employees (OPDs)."""
        return self.to_date / self.population * self.per if self.population else None

    @property
    def vs_baseline(self) -> float | None:
        """Change of the count so far against the previous round's total (0.1 = +10%)."""
        return self.to_date / self.baseline - 1 if self.baseline else None

    @property
    def forecast_vs_baseline(self) -> float | None:
        """Change of the forecast at the deadline against the previous round's total."""
        return self.forecast / self.baseline - 1 if self.baseline else None

    def change_per_day(self, period: Period) -> float | None:
        """Mean per day in the range minus mean per day in the window before it (None before the round)."""
        if period.prev_start < period.round.starts_on:
            return None
        return (self.range_count - self.prev_count) / period.days


def with_peer_uplift(rows: list[Figures], period: Period) -> list[Figures]:
    """Set each row's change per day minus the mean change of the other rows (its peers).

    A quick difference-in-differences for the tables, without an interval; the uplift page gives
    the interval and keeps units with a drive out of the comparison.
    """
    # None for every row or for none: it depends on the period only.
    changes = [change for row in rows if (change := row.change_per_day(period)) is not None]
    if len(rows) < 2 or len(changes) < len(rows):
        return rows
    total = sum(changes)
    for row, change in zip(rows, changes, strict=True):
        row.peer_uplift = change - (total - change) / (len(rows) - 1)
    return rows


def by_path(rows: list[Figures]) -> list[Figures]:
    """Rows furthest behind their expected path first (by count as a share of the expected count, so
    a small kelurahan 30% short comes before a large one 5% short); rows without a target or data
    last, by name."""
    return sorted(rows, key=lambda r: (r.path_ratio is None, r.path_ratio or 0.0, r.label))


def _windows(period: Period) -> tuple[tuple[date, date], ...]:
    """The range, the previous window, the round so far and the pace window, then the weeks before the
    pace window (first and last WIB day)."""
    earlier = tuple(
        (period.pace_start - timedelta(days=PACE_DAYS * n), period.as_of - timedelta(days=PACE_DAYS * n))
        for n in range(1, PACE_WEEKS)
    )
    return (
        (period.start, period.end),
        (period.prev_start, period.start - timedelta(days=1)),
        (period.round.starts_on, period.as_of),
        (period.pace_start, period.as_of),
        *earlier,
    )


def _fill(fig: Figures, sums: Sequence[int] | None, period: Period) -> Figures:
    fig.days_left = period.days_left
    fig.expected_share = period.expected_share
    fig.as_of = period.as_of
    if sums:
        fig.range_count, fig.prev_count, fig.to_date = (int(v) for v in sums[:3])
        if period.as_of >= period.round.starts_on:
            weeks = [int(v) / PACE_DAYS for v in sums[3 : 3 + period.pace_weeks]]
            fig.pace, fig.pace_low, fig.pace_high = weeks[0], min(weeks), max(weeks)
    fig.forecast = fig.to_date + fig.pace * period.days_left
    return fig


def _level_sums(
    source_key: str, level: str, period: Period, audience: str | None, parent_id: int | None = None
) -> dict[int, list[int]]:
    """{unit_id: [range, previous window, round so far, pace window]} for every unit of a level with
    data, for one audience or (None) all of them together. Every audience of a level is read at once,
    once per request: the dashboard shows both, and the all-audience figures are their sums."""
    windows = _windows(period)
    by_audience = per_request(
        f"level_sums.{source_key}.{level}.{windows}.{parent_id}",
        lambda: get_source(source_key).window_sums(level, windows, parent_id),
    )
    return _pick_audience(by_audience, audience, len(windows))


def _pick_audience(
    by_audience: dict[int, dict[str, list[int]]], audience: str | None, size: int
) -> dict[int, list[int]]:
    """Per unit: the `size` values of one audience, or (None) their sums over every audience."""
    if audience:
        return {unit: values[audience] for unit, values in by_audience.items() if audience in values}
    picked: dict[int, list[int]] = {}
    for unit, values in by_audience.items():
        total = picked[unit] = [0] * size
        for counts in values.values():
            for n, count in enumerate(counts):
                total[n] += count
    return picked


# Targets and baselines: the plans a round sets per area or OPD and audience.
PlanModel = type[Target] | type[Baseline]
PLAN_COLUMNS = {Target.__tablename__: ("target",), Baseline.__tablename__: ("respondents", "population")}


def _plan_rows(model: PlanModel, round_: SurveyRound) -> Sequence[Row[Any]]:
    """Every target or baseline of the round with its area's level and parent, read once per request
    (the dashboard looks them up per table, unit and audience)."""
    return per_request(
        f"plans.{model.__tablename__}.{round_.id}",
        lambda: read_rows(_plan_query(model), {"round_id": round_.id}),
    )


@cache
def _plan_query(model: PlanModel) -> Select[Any]:
    """`_plan_rows()`'s statement for targets or baselines, built once (the round is bound)."""
    values = [getattr(model, name) for name in PLAN_COLUMNS[model.__tablename__]]
    return (
        select(model.area_id, Area.level, Area.parent_id, model.opd_id, model.audience, *values)
        .outerjoin(Area, Area.id == model.area_id)
        .where(model.round_id == bindparam("round_id"))
    )


def _unit_values(model: PlanModel, column: str, round_: SurveyRound, audience: str | None, key: str) -> dict[int, int]:
    """Sum of a target or baseline column per unit: per area ("area"), per OPD ("opd"), or per
    kecamatan over its kelurahan ("parent"); units without a value are absent."""
    by_audience = per_request(
        f"plan_values.{model.__tablename__}.{column}.{round_.id}", lambda: _sum_plans(model, column, round_)
    )
    return by_audience[audience][key]


def _sum_plans(model: PlanModel, column: str, round_: SurveyRound) -> dict[str | None, dict[str, dict[int, int]]]:
    """The three sums of `_unit_values()` for each audience and (None) all of them, in one pass over
    the round's plans."""
    sums: dict[str | None, dict[str, dict[int, int]]] = {
        audience: {"area": {}, "opd": {}, "parent": {}} for audience in (None, *AUDIENCES)
    }
    position = 5 + PLAN_COLUMNS[model.__tablename__].index(column)
    # Unpacked by position: a row's attributes are slow to read for a few hundred rows, six times a page.
    for row in _plan_rows(model, round_):
        area_id, level, parent_id, opd_id, row_audience = row[:5]
        value = row[position]
        if value is None:
            continue
        for audience in (None, row_audience):
            found = sums.setdefault(audience, {"area": {}, "opd": {}, "parent": {}})
            if area_id is not None:
                found["area"][area_id] = found["area"].get(area_id, 0) + value
                if level == "kelurahan" and parent_id is not None:
                    found["parent"][parent_id] = found["parent"].get(parent_id, 0) + value
            if opd_id is not None:
                found["opd"][opd_id] = found["opd"].get(opd_id, 0) + value
    return sums


def _area_plans(
    round_: SurveyRound, audience: str | None, model: PlanModel, column: str, level: str, parent: Area | None
) -> dict[int, tuple[int, bool]]:
    """Values per area: set on the area itself, else derived as the sum over its kelurahan."""
    own = _unit_values(model, column, round_, audience, "area")
    if level == "kelurahan":
        return {k: (v, False) for k, v in own.items()}
    values = {k: (v, True) for k, v in _unit_values(model, column, round_, audience, "parent").items()}
    values.update({k: (v, False) for k, v in own.items()})
    return values


SPARK_POINTS = 31  # a sparkline is a 100 px trend: longer ranges are drawn in buckets of several days


def _sparks(
    units: Sequence[Unit],
    period: Period,
    audience: str | None,
    source_key: str,
    level: str,
    parent_id: int | None = None,
) -> dict[Unit, list[int]]:
    """Each unit's count per day of the range (per bucket of days for long ranges), every audience of
    the level read once per request."""
    size = math.ceil(period.days / SPARK_POINTS)
    points = math.ceil(period.days / size)
    by_audience = per_request(
        f"sparks.{source_key}.{level}.{period.start}.{period.end}.{parent_id}",
        lambda: get_source(source_key).buckets(level, period.start, period.end, size, parent_id),
    )
    found = _pick_audience(by_audience, audience, points)
    empty = [0] * points
    return {unit: found.get(unit.id, empty) for unit in units}


def area_rows(
    period: Period,
    audience: str | None,
    parent: Area | None = None,
    source_key: str = DEFAULT_SOURCE,
    sparks: bool = True,
) -> list[Figures]:
    """Figures per kecamatan (parent None) or per kelurahan of a kecamatan, from one series source;
    without `sparks` (a summary, a CSV) their sparklines are left empty and not read."""
    level = "kecamatan" if parent is None else "kelurahan"
    query = select(Area).where(Area.level == level).order_by(Area.name)
    if parent is not None:
        query = query.where(Area.parent_id == parent.id)
    units = list(db.session.scalars(query))
    parent_id = parent.id if parent is not None else None
    sums = _level_sums(source_key, level, period, audience, parent_id)
    lines = _sparks(units, period, audience, source_key, level, parent_id) if sparks else {}
    # Targets and baselines are respondent counts: they are not shown next to our scans.
    planned = source_key == DEFAULT_SOURCE
    if planned:
        targets = _area_plans(period.round, audience, Target, "target", level, parent)
        baselines = _area_plans(period.round, audience, Baseline, "respondents", level, parent)
        population = _area_plans(period.round, audience, Baseline, "population", level, parent)
    rows = []
    for unit in units:
        fig = Figures(unit=unit, label=unit.name, audience=audience, per=1000, spark=lines.get(unit, []))
        if planned:
            fig.target, fig.target_derived = targets.get(unit.id, (None, False))
            fig.baseline = baselines.get(unit.id, (None, False))[0]
            fig.population = population.get(unit.id, (None, False))[0]
        rows.append(_fill(fig, sums.get(unit.id), period))
    return with_peer_uplift(rows, period)


def opd_rows(period: Period, audience: str, source_key: str = DEFAULT_SOURCE, sparks: bool = True) -> list[Figures]:
    """Figures per active OPD for one audience (OPDs with a count, target or baseline for it); without
    `sparks` their sparklines are left empty and not read."""
    units = active_opds()
    sums = _level_sums(source_key, "opd", period, audience)
    targets, baselines, population = {}, {}, {}
    planned = source_key == DEFAULT_SOURCE  # targets and baselines are respondent counts
    if planned:
        targets = _unit_values(Target, "target", period.round, audience, "opd")
        baselines = _unit_values(Baseline, "respondents", period.round, audience, "opd")
        population = _unit_values(Baseline, "population", period.round, audience, "opd")
    units = [u for u in units if u.id in sums or u.id in targets or u.id in baselines]
    lines = _sparks(units, period, audience, source_key, "opd") if sparks else {}
    rows = []
    for unit in units:
        fig = Figures(unit=unit, label=unit.name, audience=audience, per=100, spark=lines.get(unit, []))
        if planned:
            fig.target = targets.get(unit.id)
            fig.baseline = baselines.get(unit.id)
            fig.population = population.get(unit.id)
        rows.append(_fill(fig, sums.get(unit.id), period))
    return with_peer_uplift(rows, period)


def active_opds() -> list[Opd]:
    """Active OPDs by name (read once per request)."""
    return per_request("participation.active_opds", _read_active_opds)


def _read_active_opds() -> list[Opd]:
    return list(db.session.scalars(select(Opd).where(Opd.active.is_(True)).order_by(Opd.name)))


def active_areas(level: str) -> list[Area]:
    """Active areas of one level (read once per request: each drive's comparison groups ask, so the
    statement is built only when it is read)."""
    return per_request(f"participation.active_areas.{level}", lambda: _read_active_areas(level))


def _read_active_areas(level: str) -> list[Area]:
    query = select(Area).where(Area.level == level, Area.active.is_(True)).order_by(Area.code)
    return list(db.session.scalars(query))


def active_kelurahan_by_kecamatan() -> dict[int | None, list[Area]]:
    """`active_areas("kelurahan")` grouped by their kecamatan's id, in the same order (once per request)."""

    def group() -> dict[int | None, list[Area]]:
        by_parent: dict[int | None, list[Area]] = {}
        for area in active_areas("kelurahan"):
            by_parent.setdefault(area.parent_id, []).append(area)
        return by_parent

    return per_request("participation.active_kelurahan_by_kecamatan", group)


def city_area() -> Area | None:
    """The kota area (Kota Bandar Lampung)."""
    return per_request("participation.city_area", lambda: db.session.scalar(select(Area).where(Area.level == "kota")))


def city_figures(period: Period, audience: str, source_key: str = DEFAULT_SOURCE) -> tuple[Figures, bool]:
    """The city's figures for one audience, and whether they are KPK's reported city total."""
    city = city_area()
    source = get_source(source_key)
    reported = city is not None and source.has_city_total and audience in city_reported_audiences()
    fig = Figures(unit=city, label=city.name if city else "", audience=audience)
    _fill(fig, _level_sums(source_key, "kota", period, audience).get(CITY_UNIT), period)
    if source_key != DEFAULT_SOURCE:
        return fig, reported
    set_target = city and _unit_values(Target, "target", period.round, audience, "area").get(city.id)
    if set_target:
        fig.target = set_target
    else:
        rows = _plan_rows(Target, period.round)
        kec_ids = {r.area_id for r in rows if r.level == "kecamatan"} | {
            r.parent_id for r in rows if r.level == "kelurahan"
        }
        kecamatan = _area_plans(period.round, audience, Target, "target", "kecamatan", None)
        opd_total = sum(_unit_values(Target, "target", period.round, audience, "opd").values())
        total = sum(v for k, (v, _d) in kecamatan.items() if k in kec_ids) + opd_total
        fig.target, fig.target_derived = (total or None), True
    baseline = city and _unit_values(Baseline, "respondents", period.round, audience, "area").get(city.id)
    fig.baseline = baseline or None
    return fig, reported


def city_daily(
    period: Period, audience: str | None, lead_days: int = PACE_DAYS - 1, source_key: str = DEFAULT_SOURCE
) -> dict[date, int]:
    """The city's count per WIB day from `lead_days` before the range to its end."""
    first = period.start - timedelta(days=lead_days)
    return level_daily(get_source(source_key), "kota", first, period.end, audience).get(CITY_UNIT, {})


def with_moving_average(
    daily: dict[date, int], start: date, end: date, first: date, window: int = PACE_DAYS
) -> list[tuple[date, int, float]]:
    """(day, count, trailing mean over up to `window` days, none before `first`) for each day of the range."""
    points = []
    for day in day_range(start, end):
        span = [daily.get(day - timedelta(days=i), 0) for i in range(window) if day - timedelta(days=i) >= first]
        points.append((day, daily.get(day, 0), sum(span) / len(span) if span else 0.0))
    return points


def drives_between(start: date, end: date) -> list[Drive]:
    """Drives (not cancelled) that touch any WIB day from start to end. Read once per request: the
    dashboard marks them on its chart and ranks them, and the ranking asks again for each drive's
    windows, which lie inside the range it read first."""
    read: list[tuple[date, date, list[Drive]]] = per_request("participation.drives_read", list)
    for first, last, drives in read:
        if first <= start and end <= last:
            if (first, last) == (start, end):
                return drives
            lower, upper = wib_day_start(start), wib_day_start(end + timedelta(days=1))
            return [d for d in drives if d.starts_at < upper and d.ends_at > lower]
    drives = _read_drives_between(start, end)
    read.append((start, end, drives))
    return drives


def _read_drives_between(start: date, end: date) -> list[Drive]:
    # One statement with the areas and OPDs joined in: a drive has a handful of each, and on PostgreSQL
    # a round trip costs more than the few repeated rows.
    query = (
        select(Drive)
        .where(
            Drive.status != CANCELLED,
            Drive.starts_at < wib_day_start(end + timedelta(days=1)),
            Drive.ends_at > wib_day_start(start),
        )
        .order_by(Drive.starts_at, Drive.id)
        # A drive's reach takes each area's parent (`drive_units`): joined here, not loaded one by one.
        .options(joinedload(Drive.areas).joinedload(Area.parent), joinedload(Drive.opds))
    )
    return list(db.session.scalars(query).unique())


def drive_units(drive: Drive) -> set[Unit]:
    """Every unit a drive reached: its OPDs, its areas, the kelurahan of a targeted kecamatan and the
    kecamatan of a targeted kelurahan (so neither serves as an untouched comparison)."""
    units: set[Unit] = set(drive.opds)
    for area in drive.areas:
        units.add(area)
        if area.level == "kecamatan":
            units.update(a for a in area.children if a.level == "kelurahan")
        elif area.parent is not None:
            units.add(area.parent)
    return units


def _reach(drive: Drive) -> frozenset[Unit]:
    """`drive_units()` worked out once per request, as the drives are read once (`drives_between`): the
    drive ranking asks for every drive's windows, and a dashboard marks drives on three tables."""
    reached: dict[int, frozenset[Unit]] = per_request("participation.drive_units", dict)
    found = reached.get(drive.id)
    if found is None:
        found = reached[drive.id] = frozenset(drive_units(drive))
    return found


def units_with_drives(start: date, end: date) -> set[Unit]:
    """Units that had a drive from start to end, to keep out of comparison groups."""
    units: set[Unit] = set()
    for drive in drives_between(start, end):
        units |= _reach(drive)
    return units


def drive_markers(start: date, end: date, within: Area | None = None) -> list[tuple[date, str]]:
    """(first WIB day, label) of the drives in the range, optionally only those in one kecamatan."""
    markers = []
    for drive in drives_between(start, end):
        if within is not None and within not in _reach(drive):
            continue
        markers.append((max(start, wib_days(drive.starts_at, drive.ends_at)[0]), drive.title))
    return markers


def with_drives(rows: list[Figures], round_: SurveyRound, today: date | None = None) -> list[Figures]:
    """Set each row's latest drive that has started by today and its next drive after today, in the round."""
    today = today or clock.today()
    started_by = wib_day_start(today + timedelta(days=1))
    last: dict[Unit, Drive] = {}
    upcoming: dict[Unit, Drive] = {}
    for drive in drives_between(round_.starts_on, round_.deadline):  # by start
        for unit in _reach(drive):
            if drive.starts_at < started_by:
                last[unit] = drive
            else:
                upcoming.setdefault(unit, drive)
    for row in rows:
        if row.unit is not None:
            row.last_drive, row.next_drive = last.get(row.unit), upcoming.get(row.unit)
    return rows


FOLLOW_DAYS = 6


def drive_window(drive: Drive) -> tuple[date, date]:
    """The drive's post window: its first WIB day to FOLLOW_DAYS after its last (people answer later)."""
    days = wib_days(drive.starts_at, drive.ends_at)
    return days[0], days[-1] + timedelta(days=FOLLOW_DAYS)


def drive_treated(drive: Drive) -> list[Unit]:
    """The units a drive targeted, as the uplift's treated units."""
    return [*drive.areas, *drive.opds]


def comparison_groups(
    treated: Sequence[Unit], mode: str, custom: Sequence[Unit], start: date, end: date
) -> dict[Unit, list[Unit]]:
    """For each treated unit, the units to compare it with (never treated, never with a drive).

    Kelurahan: the other kelurahan of the same kecamatan ("kecamatan", the default) or of the whole
    city ("city"); kecamatan: the other kecamatan; OPDs: the other active OPDs; or a chosen list.
    """
    # Comparison units must be untouched in both windows, or their own drive would mask the effect.
    length = (end - start).days + 1
    excluded = set(treated) | units_with_drives(start - timedelta(days=length), end)
    groups: dict[Unit, list[Unit]] = {}
    for unit in treated:  # each pool read only when a treated unit needs it
        pool: Sequence[Unit]
        if mode == "custom":
            pool = [u for u in custom if type(u) is type(unit)]
        elif isinstance(unit, Opd):
            pool = active_opds()
        elif unit.level == "kecamatan":
            pool = active_areas("kecamatan")
        elif mode == "city":
            pool = active_areas("kelurahan")
        else:
            pool = active_kelurahan_by_kecamatan().get(unit.parent_id, [])
        groups[unit] = [u for u in pool if u not in excluded]
    return groups


@dataclass
class UpliftReport:
    """Uplift of a set of units in a window: one result for areas, one for OPDs, plus baselines."""

    start: date
    end: date
    audience: str | None
    source_label: object
    areas: UpliftResult | None = None
    opds: UpliftResult | None = None
    baselines: list[Figures] = field(default_factory=list)
    labels: dict[Unit, str] = field(default_factory=dict)
    drive: Drive | None = None
    # Per day over both windows: the treated units' mean and their comparison units' mean (None without any).
    lines: list[tuple[date, float, float | None]] = field(default_factory=list)

    def names(self, result: UpliftResult) -> list[str]:
        """The names of a result's treated units."""
        return [self.labels.get(row.unit, str(row.unit)) for row in result.units]  # type: ignore[call-overload]

    @property
    def extra_total(self) -> float | None:
        """Additional respondents over the post window, areas and OPDs together (None when unknown)."""
        totals = [r.extra_total for r in (self.areas, self.opds) if r is not None and r.extra_total is not None]
        return sum(totals) if totals else None

    @property
    def measured_extra(self) -> float | None:
        """Additional respondents that may be claimed: from results whose whole range lies above zero
        (`uplift.claim`), never from an indicative or unclear estimate (None when there are none)."""
        totals = [
            r.extra_total
            for r in (self.areas, self.opds)
            if r is not None and r.extra_total is not None and (c := claim(r)).kind == "more" and not c.indicative
        ]
        return sum(totals) if totals else None

    @property
    def cost_per_extra(self) -> float | None:
        """The drive's cost per additional respondent, when both are known and the uplift can be claimed."""
        extra = self.measured_extra
        if self.drive is None or not self.drive.cost or not extra or extra <= 0:
            return None
        return self.drive.cost / extra


def uplift_report(
    treated: Sequence[Unit],
    start: date,
    end: date,
    audience: str | None = None,
    mode: str = "kecamatan",
    custom: Sequence[Unit] = (),
    source_key: str = "respondents",
    round_: SurveyRound | None = None,
    seed: int = DEFAULT_SEED,
    resamples: int = RESAMPLES,
    drive: Drive | None = None,
    prefetched: tuple[Series, dict[Unit, list[Unit]]] | None = None,
    lines: bool = True,
) -> UpliftReport:
    """Difference-in-differences for the treated areas and OPDs, and their counts against the baseline.

    `prefetched` holds the daily counts of every unit involved over both windows and the comparison
    groups when the caller read them already (the drive ranking reads all its drives' counts in one
    statement); `lines` False skips the before/after chart's daily means.
    """
    source = get_source(source_key)
    report = UpliftReport(start=start, end=end, audience=audience, source_label=source.label, drive=drive)
    groups = prefetched[1] if prefetched else comparison_groups(treated, mode, custom, start, end)
    everyone = list({u for u in treated} | {c for members in groups.values() for c in members})
    length = (end - start).days + 1
    series = (
        prefetched[0] if prefetched else source.daily(everyone, start - timedelta(days=max(length, 0)), end, audience)
    )
    span = data_span(source_key, audience)
    report.labels = {u: unit_label(u) for u in everyone}
    for attr, kind in (("areas", Area), ("opds", Opd)):
        mine = [u for u in treated if isinstance(u, kind)]
        if mine:
            setattr(
                report, attr, compute_uplift(series, mine, groups, start, end, span, seed=seed, resamples=resamples)
            )
    if lines:
        report.lines = _before_after(series, treated, groups, start - timedelta(days=max(length, 0)), end)
    if round_ is not None:
        report.baselines = baseline_rows(treated, make_period(round_, None, None), audience)
    return report


def _before_after(
    series: Mapping[Unit, Mapping[date, int]],
    treated: Sequence[Unit],
    groups: Mapping[Unit, Sequence[Unit]],
    first: date,
    last: date,
) -> list[tuple[date, float, float | None]]:
    """Each day's mean count of the treated units and of every comparison unit (not treated), for the chart."""
    comparison = {c for members in groups.values() for c in members if c not in treated}
    lines: list[tuple[date, float, float | None]] = []
    for day in day_range(first, last):
        mine = fmean(series.get(u, {}).get(day, 0) for u in treated) if treated else 0.0
        others = fmean(series.get(c, {}).get(day, 0) for c in comparison) if comparison else None
        lines.append((day, mine, others))
    return lines


def baseline_rows(units: Sequence[Unit], period: Period, audience: str | None) -> list[Figures]:
    """Each unit's count so far and forecast against the previous round's total."""
    rows: list[Figures] = []
    areas = [u for u in units if isinstance(u, Area)]
    opds = [u for u in units if isinstance(u, Opd)]
    for parent in {a.parent for a in areas if a.level == "kelurahan"}:
        rows += [r for r in area_rows(period, audience, parent, sparks=False) if r.unit in areas]
    if any(a.level == "kecamatan" for a in areas):
        rows += [r for r in area_rows(period, audience, sparks=False) if r.unit in areas]
    for aud in [audience] if audience else AUDIENCES:
        rows += [r for r in opd_rows(period, aud, sparks=False) if r.unit in opds]
    return rows


def parse_unit_codes(codes: Sequence[str]) -> tuple[list[Unit], list[str]]:
    """Kelurahan, kecamatan and OPDs for the given codes, and the codes that match none."""
    wanted = [c.strip() for c in codes if c.strip()]
    areas = {
        a.code: a
        for a in db.session.scalars(
            select(Area).where(Area.code.in_(wanted), Area.level.in_(("kecamatan", "kelurahan")))
        )
    }
    opds = {o.code: o for o in db.session.scalars(select(Opd).where(Opd.code.in_(wanted)))}
    units, unknown = [], []
    for code in dict.fromkeys(wanted):
        unit = areas.get(code) or opds.get(code)
        if unit:
            units.append(unit)
        else:
            unknown.append(code)
    return units, unknown


def drive_uplift(
    drive: Drive,
    source_key: str = "respondents",
    resamples: int = RESAMPLES,
    prefetched: tuple[Series, dict[Unit, list[Unit]]] | None = None,
    lines: bool = True,
) -> UpliftReport:
    """Uplift of one drive: its target units over its window, against untouched units."""
    start, end = drive_window(drive)
    return uplift_report(
        drive_treated(drive),
        start,
        end,
        audience=drive.audience,
        source_key=source_key,
        resamples=resamples,
        drive=drive,
        prefetched=prefetched,
        lines=lines,
    )


def ranked_drives(source_key: str = "respondents", resamples: int = 500) -> list[UpliftReport]:
    """Every drive whose windows lie inside the data, most additional respondents first.

    Fewer resamples than the uplift page keep the list quick; each drive's page has the full interval.
    The counts of every drive's units are read in one statement per audience.
    """
    span = data_span(source_key, None)
    if span is None:
        return []
    measured = []
    for drive in drives_between(span[0], span[1]):
        start, end = drive_window(drive)
        if end <= span[1] and start - timedelta(days=(end - start).days + 1) >= span[0]:
            measured.append(drive)
    wanted: dict[str, set[Unit]] = {}
    groups: dict[int, dict[Unit, list[Unit]]] = {}
    first, last = span[1], span[0]
    for drive in measured:
        start, end = drive_window(drive)
        first, last = min(first, start - timedelta(days=(end - start).days + 1)), max(last, end)
        groups[drive.id] = comparison_groups(drive_treated(drive), "kecamatan", (), start, end)
        wanted.setdefault(drive.audience, set()).update(drive_treated(drive), *groups[drive.id].values())
    source = get_source(source_key)
    series = {audience: source.daily(list(units), first, last, audience) for audience, units in wanted.items()}
    reports = [
        drive_uplift(d, source_key, resamples, (series[d.audience], groups[d.id]), lines=False) for d in measured
    ]
    return sorted(reports, key=lambda r: (r.extra_total is None, -(r.extra_total or 0)))


# Figures for one unit against its path, as the home pages, OPD pages and the board ask for them.
UnitProgress = Figures


def progress_period(source_key: str = DEFAULT_SOURCE, today: date | None = None) -> Period | None:
    """The default range of the current round, ending at the series' last day with data (None without a round)."""
    round_ = current_round(today)
    if round_ is None:
        return None
    return make_period(round_, None, None, today, reach=data_reach(source_key, today=today))


def unit_progress(
    level: str, audience: str | None, source_key: str = DEFAULT_SOURCE, today: date | None = None
) -> list[UnitProgress]:
    """Every kecamatan, kelurahan or OPD against its path, most behind first (empty without a round)."""
    period = progress_period(source_key, today)
    if period is None:
        return []
    if level == "opd":
        if audience is None:
            raise ValueError("OPD figures are per audience")
        return by_path(opd_rows(period, audience, source_key, sparks=False))
    if level == "kecamatan":
        return by_path(area_rows(period, audience, source_key=source_key, sparks=False))
    if level == "kelurahan":
        rows = [
            row
            for parent in active_areas("kecamatan")
            for row in area_rows(period, audience, parent, source_key, sparks=False)
        ]
        return by_path(rows)
    raise ValueError(f"level must be kecamatan, kelurahan or opd, not {level!r}")


def city_progress(audience: str, source_key: str = DEFAULT_SOURCE, today: date | None = None) -> UnitProgress | None:
    """The city against its path for one audience (None without a round)."""
    period = progress_period(source_key, today)
    return None if period is None else city_figures(period, audience, source_key)[0]
