"""Daily series per unit per WIB day, from pluggable sources: reported respondent counts and our scans.

Every source offers its rows for one dashboard level as a SQL subquery with bound parameters
(`level_rows()`: unit_id, audience, day, n; built once per shape, its values passed on execution), so
the dashboard and the uplift aggregate any of them in SQL the same way, plus the few rows not in the
tables yet (`live()`: our scans since the last rollup), added in Python. Levels: the whole city
("kota", unit CITY_UNIT), "kecamatan" (its own rows plus its kelurahan's), "kelurahan" and "opd".
"""

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from functools import cache
from typing import Any, Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import Date, Integer, Select, String, bindparam, cast, func, literal, or_, select, union_all
from sqlalchemy.sql import Subquery

from outreach.areas.models import Area, Opd
from outreach.clock import day_range, wib_day
from outreach.extensions import db
from outreach.links.models import CITY_UNIT, LEVELS
from outreach.metrics import running_totals
from outreach.metrics.cache import per_request
from outreach.metrics.rows import read_rows
from outreach.metrics.running_totals import add_into, lookup_days
from outreach.metrics.scans import (
    BoundValues,
    level_row_filters,
    level_row_params,
    level_scan_rows,
    level_window_totals,
    live_level_rows,
)
from outreach.metrics.wib import days_since
from outreach.participation.models import RespondentCount, RespondentLevelDaily, RespondentTotal

Unit = Area | Opd
Series = dict[Unit, dict[date, int]]


class SeriesSource(Protocol):
    """Where daily counts come from."""

    key: str
    label: object
    noun: object
    has_city_total: bool  # whether KPK reports a city total the city row can show

    def level_rows(
        self,
        level: str,
        start: date,
        end: date,
        audience: str | None = None,
        parent_id: int | None = None,
        tag: str = "rows",
    ) -> tuple[Subquery, BoundValues]:
        """Rows with columns unit_id, audience, day, n of one level for WIB days start..end (sum them per
        unit and day), and the values of its bound parameters (pass them when executing).

        `parent_id` keeps only the kelurahan of that kecamatan. The subquery is built once per shape (the
        same object every time) with parameters named after `tag`, so several can sit in one statement:
        building it took longer than running it.
        """

    def live(
        self, level: str, start: date, end: date, audience: str | None = None, parent_id: int | None = None
    ) -> list[tuple[int, str, date, int]]:
        """(unit_id, audience, day, n) not in `level_rows()` yet, to add in Python (our scans since the last
        rollup)."""

    def window_sums(
        self, level: str, windows: Sequence[tuple[date, date]], parent_id: int | None = None
    ) -> dict[int, dict[str, list[int]]]:
        """{unit_id: {audience: [sum over each (first, last) WIB-day window]}} of one level, live rows included."""

    def buckets(
        self, level: str, start: date, end: date, size: int, parent_id: int | None = None
    ) -> dict[int, dict[str, list[int]]]:
        """{unit_id: {audience: [count in each of `bucket_windows(start, end, size)`]}} of one level."""

    def daily(self, units: Sequence[Unit], start: date, end: date, audience: str | None = None) -> Series:
        """Counts per unit per WIB day in start..end (days without a row are absent, meaning zero)."""

    def span(self, audience: str | None = None) -> tuple[date, date] | None:
        """First and last day with data, or None when there is none."""


def unit_level(unit: Unit) -> str:
    """The level a unit's figures are read at."""
    return "opd" if isinstance(unit, Opd) else unit.level


def level_daily(
    source: "SeriesSource",
    level: str,
    start: date,
    end: date,
    audience: str | None = None,
    parent_id: int | None = None,
    units: Iterable[int] | None = None,
) -> dict[int, dict[date, int]]:
    """Per unit id and WIB day of one level: the source's rows summed in SQL plus its live rows."""
    wanted = set(units) if units is not None else None
    rows, params = source.level_rows(level, start, end, audience, parent_id)
    if wanted is not None:
        params["units"] = list(wanted)
    found: dict[int, dict[date, int]] = {}
    for unit_id, day, count in read_rows(_daily_query(rows, wanted is not None), params):
        found.setdefault(unit_id, {})[day] = int(count)
    for unit_id, _audience, day, count in source.live(level, start, end, audience, parent_id):
        if wanted is None or unit_id in wanted:
            days = found.setdefault(unit_id, {})
            days[day] = days.get(day, 0) + count
    return found


@cache
def _daily_query(rows: Subquery, by_unit: bool) -> Select[Any]:
    """`level_daily()`'s statement over one shape of rows, built once (`units` bound when `by_unit`)."""
    query = select(rows.c.unit_id, rows.c.day, func.sum(rows.c.n)).group_by(rows.c.unit_id, rows.c.day)
    if by_unit:
        query = query.where(rows.c.unit_id.in_(bindparam("units", expanding=True)))
    return query


def add_live(
    sums: dict[int, dict[str, list[int]]],
    live: Iterable[tuple[int, str, date, int]],
    windows: Sequence[tuple[date, date]],
) -> dict[int, dict[str, list[int]]]:
    """Window sums with live (unit_id, audience, day, n) rows added to the windows their day is in."""
    for unit_id, audience, day, count in live:
        unit = sums.setdefault(unit_id, {}).setdefault(audience, [0] * len(windows))
        for n, (begin, end) in enumerate(windows):
            if begin <= day <= end:
                unit[n] += count
    return sums


def level_buckets(
    source: "SeriesSource",
    levels: Sequence[str],
    start: date,
    end: date,
    size: int,
    parent_id: int | None = None,
    per_day: bool = False,
) -> dict[str, dict[int, dict[str, dict[int, int]]]]:
    """Per level, unit id and audience: counts per bucket of `size` days from `start` (bucket 0 = start ..
    start+size-1), every level and audience in one grouped query.

    `per_day`: buckets of one day over rows that already have one row per unit, audience and day, so
    they are packed without being grouped per bucket first.
    """
    params = {"bucket_first": start, "bucket_size": size}
    parts = []
    for number, level in enumerate(levels):
        rows, values = source.level_rows(level, start, end, None, parent_id, tag=f"p{number}")
        parts.append(rows)
        params.update(values)
    query = _buckets_query(tuple(parts), db.engine.dialect.name, per_day and size == 1)
    found: dict[str, dict[int, dict[str, dict[int, int]]]] = {level: {} for level in levels}
    for number, unit_id, audience, packed in read_rows(query, params):
        buckets = found[levels[number]].setdefault(unit_id, {}).setdefault(audience, {})
        for item in packed.split(","):
            index, count = item.split(":")
            buckets[int(index)] = int(count)
    for level in levels:
        for unit_id, audience, day, count in source.live(level, start, end, None, parent_id):
            buckets = found[level].setdefault(unit_id, {}).setdefault(audience, {})
            index = (day - start).days // size
            buckets[index] = buckets.get(index, 0) + count
    return found


@cache
def _buckets_query(parts: tuple[Subquery, ...], dialect: str, per_day: bool) -> Select[Any]:
    """`level_buckets()`'s statement over these shapes of rows, built once per dialect (like
    `_window_totals_query()`): `bucket_first` and `bucket_size` are bound."""
    rows = _numbered_union(parts, "level_days", ("unit_id", "audience", "day", "n"))
    series = (rows.c.part, rows.c.unit_id, rows.c.audience)
    offset = days_since(rows.c.day, bindparam("bucket_first", type_=Date))
    if per_day:
        per_bucket = select(*series, offset.label("bucket"), rows.c.n).subquery("per_bucket")
    else:
        bucket = offset // bindparam("bucket_size", type_=Integer)
        per_bucket = (
            select(*series, bucket.label("bucket"), func.sum(rows.c.n).label("n"))
            .group_by(*series, bucket)
            .subquery("per_bucket")
        )
    # One row per unit and audience, its buckets packed as "bucket:count,...": a table's sparklines
    # are thousands of (unit, bucket) pairs, and a result row costs more than splitting a string.
    pair = cast(per_bucket.c.bucket, String) + ":" + cast(per_bucket.c.n, String)
    keys = (per_bucket.c.part, per_bucket.c.unit_id, per_bucket.c.audience)
    return select(*keys, func.aggregate_strings(pair, ",")).group_by(*keys)


def bucket_windows(start: date, end: date, size: int) -> tuple[tuple[date, date], ...]:
    """(first, last) WIB day of each bucket of `size` days from start to end (the last may be shorter)."""
    return tuple((day, min(day + timedelta(days=size - 1), end)) for day in day_range(start, end)[::size])


# The levels whose sparklines a dashboard shows side by side (its kecamatan and OPD tables): their buckets
# are read together, in one statement per request, since on PostgreSQL a round trip costs more than their rows.
SPARK_LEVELS = ("kecamatan", "opd")


def grouped_buckets(
    source: "SeriesSource", level: str, start: date, end: date, size: int, parent_id: int | None = None
) -> dict[int, dict[str, list[int]]]:
    """`SeriesSource.buckets()` from `level_buckets()`: a list of every bucket's count."""
    points = len(bucket_windows(start, end, size))
    if parent_id is None and level in SPARK_LEVELS:
        # Both sources keep one row per unit, audience and day at these levels (a kecamatan has no parent).
        every = per_request(
            f"series.buckets.{source.key}.{start}.{end}.{size}",
            lambda: level_buckets(source, SPARK_LEVELS, start, end, size, per_day=True),
        )
    else:
        every = level_buckets(source, (level,), start, end, size, parent_id)
    return {
        unit: {aud: [found.get(n, 0) for n in range(points)] for aud, found in audiences.items()}
        for unit, audiences in every[level].items()
    }


def daily_by_unit(
    source: "SeriesSource", units: Sequence[Unit], start: date, end: date, audience: str | None
) -> Series:
    """Counts per unit and day (RW and RT have none): `daily_by_audience()` for one audience."""
    return daily_by_audience(source, {audience: units}, start, end)[audience]


def daily_by_audience(
    source: "SeriesSource", wanted: Mapping[str | None, Sequence[Unit]], start: date, end: date
) -> dict[str | None, Series]:
    """Counts per unit and WIB day of each audience's units (None: every audience), in one statement:
    the rows of every level and audience asked for, each part kept apart by its number."""
    result: dict[str | None, Series] = {audience: {unit: {} for unit in units} for audience, units in wanted.items()}
    parts: dict[tuple[str | None, str], dict[int, Unit]] = {}
    for audience, units in wanted.items():
        for unit in units:
            level = unit_level(unit)
            if level in LEVELS:
                parts.setdefault((audience, level), {})[CITY_UNIT if level == "kota" else unit.id] = unit
    if not parts:
        return result
    # In a fixed order, so the same request sends the same SQL text.
    lookups = sorted(parts.items(), key=lambda part: (part[0][0] or "", LEVELS.index(part[0][1])))
    subqueries: list[Subquery] = []
    params: BoundValues = {}
    for number, ((audience, level), lookup) in enumerate(lookups):
        rows, values = source.level_rows(level, start, end, audience, tag=f"p{number}")
        subqueries.append(rows)
        params.update(values, **{f"p{number}_units": list(lookup)})
    found = read_rows(_unit_days_query(tuple(subqueries)), params)
    # Each part's series and units looked up once, not for each of its thousands of rows.
    targets = [(result[audience], lookup) for (audience, _level), lookup in lookups]
    for number, unit_id, day, count in found:
        series, lookup = targets[number]
        series[lookup[unit_id]][day] = int(count)
    for (audience, level), lookup in lookups:
        for unit_id, _audience, day, count in source.live(level, start, end, audience):
            if unit_id in lookup:
                days = result[audience][lookup[unit_id]]
                days[day] = days.get(day, 0) + count
    return result


@cache
def _unit_days_query(parts: tuple[Subquery, ...]) -> Select[Any]:
    """`daily_by_audience()`'s statement over these shapes of rows, built once: part n keeps the units
    bound as `p{n}_units`."""
    every = _numbered_union(parts, "unit_days", ("unit_id", "day", "n"), by_unit=True)
    keys = (every.c.part, every.c.unit_id, every.c.day)
    return select(*keys, func.sum(every.c.n)).group_by(*keys)


def _numbered_union(parts: Sequence[Subquery], name: str, columns: Sequence[str], by_unit: bool = False) -> Subquery:
    """The rows of several `level_rows()` subqueries in one, each with its number as `part`; with
    `by_unit`, part n keeps the units bound as `p{n}_units`."""
    selects = []
    for number, rows in enumerate(parts):
        query = select(literal(number, Integer).label("part"), *(rows.c[column] for column in columns))
        if by_unit:
            query = query.where(rows.c.unit_id.in_(bindparam(f"p{number}_units", expanding=True)))
        selects.append(query)
    return (union_all(*selects) if len(selects) > 1 else selects[0]).subquery(name)


# Statements a dashboard asks for several times, built once (each is then read once per request).
_CITY_REPORTED = (
    select(RespondentCount.audience)
    .where(RespondentCount.area_id == select(Area.id).where(Area.level == "kota").scalar_subquery())
    .distinct()
)
_AREA_TREE = select(Area.id, Area.level, Area.parent_id).where(Area.level.in_(("kota", "kecamatan", "kelurahan")))


def city_reported_audiences() -> set[str]:
    """Audiences for which KPK's city total is reported (counts recorded on the kota area)."""
    return per_request("participation.city_reported_audiences", lambda: set(db.session.scalars(_CITY_REPORTED)))


def _area_tree() -> dict[int, tuple[str, int | None]]:
    """{area id: (level, parent id)} of the city, its kecamatan and kelurahan, read once per request."""
    return per_request(
        "participation.area_tree",
        lambda: {id_: (level, parent) for id_, level, parent in read_rows(_AREA_TREE)},
    )


# Running totals on a few days (bound as `days`) and on the last day kept, built once: construction is a
# visible share of a request. The last day comes with them, not from a statement of its own.
_TOTALS = select(
    RespondentTotal.area_id,
    RespondentTotal.opd_id,
    RespondentTotal.audience,
    RespondentTotal.day,
    RespondentTotal.total,
).where(
    or_(
        RespondentTotal.day.in_(bindparam("days", expanding=True)),
        RespondentTotal.day == select(func.max(RespondentTotal.day)).scalar_subquery(),
    )
)


@cache
def _respondent_rows(by_audience: bool, by_parent: bool, tag: str) -> Subquery:
    """`RespondentSeries.level_rows()` of one shape, built once: the level's rows kept by
    `metrics.respondent_totals` (`respondent_level_daily`)."""
    table = RespondentLevelDaily
    query = select(table.unit_id, table.audience, table.day, table.n).where(
        *level_row_filters(table, tag, by_audience, by_parent)
    )
    return query.subquery("respondent_rows")


class RespondentSeries:
    """Respondent counts reported from outside (KPK progress, OPD reports)."""

    key = "respondents"
    label = _l("Respondents (reported)")
    noun = _l("Respondents")
    has_city_total = True

    def level_rows(
        self,
        level: str,
        start: date,
        end: date,
        audience: str | None = None,
        parent_id: int | None = None,
        tag: str = "rows",
    ) -> tuple[Subquery, BoundValues]:
        """Reported daily counts (cumulative reports are stored as their daily differences), from the
        per-level rows kept with the counts.

        The city: KPK's reported city total where there is one for the audience, else every unit's count.
        """
        parent_id = parent_id if level == "kelurahan" else None  # only kelurahan rows have a kecamatan
        params = level_row_params(level, start, end, audience, parent_id, tag)
        return _respondent_rows(bool(audience), parent_id is not None, tag), params

    def live(
        self, level: str, start: date, end: date, audience: str | None = None, parent_id: int | None = None
    ) -> list[tuple[int, str, date, int]]:
        """Reported counts are all in the table."""
        return []

    def window_sums(
        self, level: str, windows: Sequence[tuple[date, date]], parent_id: int | None = None
    ) -> dict[int, dict[str, list[int]]]:
        """Every level from one query per request that sums the windows per reported unit and audience
        (a few hundred rows), rolled up to the level in Python: no join per counted row."""
        per_unit = per_request(f"respondents.window_sums.{tuple(windows)}", lambda: self._unit_sums(windows))
        areas = _area_tree()
        city = next((area_id for area_id, (lvl, _p) in areas.items() if lvl == "kota"), None)
        reported = city_reported_audiences() if level == "kota" else set()
        sums: dict[int, dict[str, list[int]]] = {}
        for area_id, opd_id, audience, values in per_unit:
            if level == "opd":
                unit = opd_id
            elif level == "kota":
                unit = CITY_UNIT if audience not in reported or area_id == city else None
            else:
                tree_row = areas.get(area_id) if area_id is not None else None
                area_level, parent = tree_row if tree_row is not None else (None, None)
                if level == "kecamatan":
                    unit = parent if area_level == "kelurahan" else area_id if area_level == "kecamatan" else None
                else:
                    unit = area_id if area_level == "kelurahan" and parent_id in (None, parent) else None
            if unit is not None:
                add_into(sums, unit, audience, values)
        return sums

    @staticmethod
    def _unit_sums(windows: Sequence[tuple[date, date]]) -> list[tuple[int | None, int | None, str, list[int]]]:
        """Per reported unit and audience, the sum over each window: from the running totals on the
        few days around the windows (`respondent_total`), not from every count."""
        # Every day a window could need whatever the last day is: the last day's totals come along, and
        # rows are dense, so every series has a row on it.
        days = {"days": sorted(lookup_days(windows, date.max))}
        found = read_rows(_TOTALS, days)
        rows = [((area_id, opd_id, aud), day, n) for area_id, opd_id, aud, day, n in found]
        if not rows:
            return []
        last = max(day for _key, day, _n in rows)
        return [(*key, values) for key, values in running_totals.window_sums(rows, windows, last).items()]

    def buckets(
        self, level: str, start: date, end: date, size: int, parent_id: int | None = None
    ) -> dict[int, dict[str, list[int]]]:
        """Counts per bucket of days, grouped in SQL."""
        return grouped_buckets(self, level, start, end, size, parent_id)

    def daily(self, units: Sequence[Unit], start: date, end: date, audience: str | None = None) -> Series:
        """Kelurahan: their own rows; kecamatan: own rows plus their kelurahan's; OPDs: their rows."""
        return daily_by_unit(self, units, start, end, audience)

    def span(self, audience: str | None = None) -> tuple[date, date] | None:
        """First and last day any count was recorded for (each an index seek: asked in one aggregate,
        SQLite would scan every count)."""
        first, last = db.session.execute(_span_query(bool(audience)), {"audience": audience}).one()
        return (first, last) if first else None


@cache
def _scan_values(rows: Subquery, unique: bool) -> Subquery:
    """`ScanSeries.level_rows()` over rolled-up rows of one shape, built once."""
    value = rows.c.unique_visitors if unique else rows.c.human_scans
    return select(rows.c.unit_id, rows.c.audience, rows.c.day, value.label("n")).subquery("scan_rows")


@cache
def _span_query(by_audience: bool) -> Select[Any]:
    """`RespondentSeries.span()`'s statement, built once (`audience` bound when `by_audience`)."""
    where = [RespondentCount.audience == bindparam("audience")] if by_audience else []
    first = select(func.min(RespondentCount.day)).where(*where).scalar_subquery()
    last = select(func.max(RespondentCount.day)).where(*where).scalar_subquery()
    return select(first, last)


class ScanSeries:
    """Scans of our links, per the link's area (its kelurahan and kecamatan too) and OPD; bots never count.

    `unique=True` counts unique visitors per link and day instead of scans. The audience is the
    audience of the link's survey target. Read from the per-level rollup plus the live tail.
    """

    def __init__(self, unique: bool = False) -> None:
        self.unique = unique
        self.key = "visitors" if unique else "scans"
        self.label = _l("Our scans, unique visitors") if unique else _l("Our scans (bots excluded)")
        self.noun = _l("Unique visitors") if unique else _l("Scans")
        self.has_city_total = False

    def level_rows(
        self,
        level: str,
        start: date,
        end: date,
        audience: str | None = None,
        parent_id: int | None = None,
        tag: str = "rows",
    ) -> tuple[Subquery, BoundValues]:
        """Per unit of the level and WIB day: human scans (or unique visitors) rolled up; add `live()`."""
        rows, params = level_scan_rows(level, start, end, audience, parent_id, tag)
        return _scan_values(rows, self.unique), params

    def live(
        self, level: str, start: date, end: date, audience: str | None = None, parent_id: int | None = None
    ) -> list[tuple[int, str, date, int]]:
        """Scans since the last rollup (the live tail), read once per request."""
        rows = live_level_rows(level, start, end, audience, parent_id)
        return [(unit, aud, day, unique if self.unique else human) for unit, aud, day, human, unique in rows]

    def window_sums(
        self, level: str, windows: Sequence[tuple[date, date]], parent_id: int | None = None
    ) -> dict[int, dict[str, list[int]]]:
        """Window sums from the per-level running totals and the live tail."""
        first, last = min(w[0] for w in windows), max(w[1] for w in windows)
        rolled = level_window_totals(level, windows, parent_id, self.unique)
        return add_live(rolled, self.live(level, first, last, None, parent_id), windows)

    def buckets(
        self, level: str, start: date, end: date, size: int, parent_id: int | None = None
    ) -> dict[int, dict[str, list[int]]]:
        """Counts per bucket of days: for buckets of several days, window sums from the running totals
        on the buckets' edges (a third of the rows for a 90-day range); a day's own rows otherwise."""
        if size == 1:
            return grouped_buckets(self, level, start, end, size, parent_id)
        return self.window_sums(level, bucket_windows(start, end, size), parent_id)

    def daily(self, units: Sequence[Unit], start: date, end: date, audience: str | None = None) -> Series:
        """Scans per unit and WIB day; a kecamatan also counts the links of its kelurahan, RW and RT."""
        return daily_by_unit(self, units, start, end, audience)

    def span(self, audience: str | None = None) -> tuple[date, date] | None:
        """WIB days of the first and last recorded scan (indexed, so cheap)."""
        from outreach.links.models import Link, Scan, SurveyTarget

        query = select(func.min(Scan.created_at), func.max(Scan.created_at))
        if audience:
            audience_links = select(Link.id).join(SurveyTarget).where(SurveyTarget.audience == audience)
            query = query.where(Scan.link_id.in_(audience_links))
        first, last = db.session.execute(query).one()
        return (wib_day(first), wib_day(last)) if first else None


SOURCES: dict[str, SeriesSource] = {
    source.key: source for source in (RespondentSeries(), ScanSeries(), ScanSeries(unique=True))
}
DEFAULT_SOURCE = RespondentSeries.key


def get_source(key: str | None) -> SeriesSource:
    """The source registered under `key` (respondent counts by default)."""
    return SOURCES.get(key or "", SOURCES[DEFAULT_SOURCE])
