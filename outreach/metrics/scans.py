"""Daily scan rollups per link and WIB day, and exact scan figures read from them.

The scan endpoint only inserts into `scan`. `refresh_scan_rollups()` (CLI: `flask links
refresh-rollups`, run it every few minutes from cron) folds every scan created before a cut (a few
minutes ago, so no scan still being committed is missed) into `scan_daily` and its per-unit and
per-promoter twins and into the integrity signals' tables (`outreach.metrics.integrity_rollups`), and
moves the mark to that cut. The cut's own day is rolled up partly (until the cut) and completed by the
next refresh.

Readers add a live aggregate of the scans since the cut (the tail: minutes of scans, not the whole
day) to the rollup rows, so figures are exact and fresh while the heavy lifting stays in the rollup.
Counts simply add up; a tail visitor already seen on the same link earlier that day (before the
cut, so already in the rollup's unique visitors) is not counted again.
"""

import logging
import typing
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from operator import attrgetter
from typing import Any

from sqlalchemy import (
    CursorResult,
    Date,
    Integer,
    Select,
    SQLColumnExpression,
    String,
    Table,
    and_,
    any_,
    bindparam,
    case,
    cast,
    delete,
    false,
    func,
    literal,
    not_,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import aliased
from sqlalchemy.sql import ColumnElement, Subquery
from sqlalchemy.sql.expression import Case

from outreach.areas.models import Area
from outreach.campaign import SOURCES
from outreach.clock import wib_day, wib_day_start
from outreach.extensions import db
from outreach.links.models import (
    CITY_UNIT,
    LEVELS,
    Link,
    Scan,
    ScanDaily,
    ScanLevelDaily,
    ScanPromoterDaily,
    ScanRollupMark,
    SurveyTarget,
)
from outreach.metrics.cache import per_request
from outreach.metrics.integrity_rollups import refresh_integrity_rollups
from outreach.metrics.models import ScanRepeatDaily
from outreach.metrics.rows import among, among_bound, read_rows
from outreach.metrics.running_totals import add_into, dense_rows, lookup_days, window_sums
from outreach.metrics.wib import days_since, wib_day_expr
from outreach.models import utcnow
from outreach.participation.models import RespondentLevelDaily

log = logging.getLogger(__name__)

# How long after its moment a scan may still commit. A scan takes its moment in its own request, just
# before its insert commits, and gunicorn ends a request after GUNICORN_TIMEOUT (30 s); visits replayed
# later from the scan journal move the cut back themselves (`outreach.links.journal`). A refresh folds
# scans only up to this long ago, and recomputes from this long before the last cut. The shorter it is,
# the fewer live scans every dashboard request adds up (a minute of a season's busiest day is ~80).
SAFETY_MARGIN = timedelta(minutes=2)
# The values of a statement's bound parameters, by name.
BoundValues = dict[str, object]
# Links to read: a list of ids or a select of ids.
LinkIds = Sequence[int] | Select[tuple[int]]
COUNT_COLUMNS = ("scans", "unique_visitors", "bot_scans", *(f"{source}_scans" for source in SOURCES))


def _aggregate(since: datetime | None, until: datetime | None = None, after_cut: datetime | None = None) -> Select[Any]:
    """Per link and WIB day, the rollup columns computed from raw scans created from `since` until
    before `until` (UTC moments, either open).

    `after_cut` (the tail): leave out of the unique visitors those already seen on the same link
    earlier on the cut's WIB day, before the cut, because the rollup counted them. The integrity rollup
    of repeat visitors (`scan_repeat_daily`) holds every visitor of the cut's day before the cut (built
    with it), so it answers with a probe of its key where the scans' own index is a season deep.
    """
    query = _aggregate_query(db.engine.dialect.name, since is not None, until is not None, after_cut is not None)
    return query.params(_aggregate_values(since, until, after_cut))


def _aggregate_values(
    since: datetime | None, until: datetime | None, after_cut: datetime | None
) -> dict[str, datetime | date]:
    """The values of `_aggregate_query()`'s bound parameters."""
    values: dict[str, datetime | date | None] = {"since": since, "until": until}
    if after_cut is not None:
        values["cut_day"] = wib_day(after_cut)
    return {name: value for name, value in values.items() if value is not None}


@cache
def _aggregate_query(dialect: str, since: bool, until: bool, tail: bool) -> Select[Any]:
    """`_aggregate()`'s statement with bound parameters for its moments, built once per shape: building
    it (an alias, a dozen expressions) took longer than running it on a tail of minutes."""
    human = Scan.is_bot.is_(False)
    day = wib_day_expr(Scan.created_at)
    visitor = case((human, Scan.visitor_hash))
    if tail:
        cut_day = bindparam("cut_day", type_=Date)
        # A scalar subquery, not EXISTS: PostgreSQL may answer EXISTS by hashing the whole day's visitors
        # (thousands of rows) for a tail of hundreds; this stays a probe of the key per scan.
        seen = (
            select(ScanRepeatDaily.human_scans)
            .where(
                ScanRepeatDaily.day == cut_day,
                ScanRepeatDaily.link_id == Scan.link_id,
                ScanRepeatDaily.visitor_hash == Scan.visitor_hash,
            )
            .scalar_subquery()
            .is_not(None)
        )
        visitor = case((and_(human, not_(and_(day == cut_day, seen))), Scan.visitor_hash))
    # Grouped by day first: grouped by link first, SQLite walks the per-link index once for every link
    # (to skip a sort) instead of reading the few recent scans from the time index.
    query = select(
        Scan.link_id.label("link_id"),
        day.label("day"),
        func.count().label("scans"),
        func.count(func.distinct(visitor)).label("unique_visitors"),
        func.coalesce(func.sum(case((Scan.is_bot.is_(True), 1), else_=0)), 0).label("bot_scans"),
        *(
            func.coalesce(func.sum(case((and_(human, Scan.source == source), 1), else_=0)), 0).label(f"{source}_scans")
            for source in SOURCES
        ),
    ).group_by(day, Scan.link_id)
    if since:
        query = query.where(Scan.created_at >= bindparam("since", type_=Scan.created_at.type))
    if until:
        query = query.where(Scan.created_at < bindparam("until", type_=Scan.created_at.type))
    return query


def rollup_cut() -> datetime | None:
    """The moment the rollups are complete until (every scan created before it); None before the first refresh.

    Read once per request (a dashboard asks a dozen times, and even an identity-map hit costs the ORM's
    lookup); a refresh (`outreach.metrics.refresh`) makes the request read it again.
    """
    return per_request("links.rollup_cut", _read_cut)


def _read_cut() -> datetime | None:
    mark = db.session.get(ScanRollupMark, 1)
    if mark is None:
        return None
    # Held by the session, so the identity map answers the next call outside a request without a query.
    db.session.info["scan_rollup_mark"] = mark
    return mark.refreshed_until


@dataclass
class RefreshResult:
    """What a rollup refresh did."""

    from_day: date | None
    until: datetime
    rows: int


def refresh_scan_rollups(full: bool = False, now: datetime | None = None) -> RefreshResult:
    """Fold the scans created before `now - SAFETY_MARGIN` into the rollups and move the mark there. Idempotent.

    Recomputes from the WIB day of the last cut (its row was partial), or, with `full` (or on the first
    run), every day that still has raw scans; days purged by the retention are kept as they are.
    """
    now = now or utcnow()
    cut = now - SAFETY_MARGIN
    mark = db.session.scalar(select(ScanRollupMark).where(ScanRollupMark.id == 1).with_for_update())
    # Older days than the oldest raw scan were purged (outreach.links.retention): they live on only in the
    # daily rollups, and the integrity rollups forget them.
    oldest = db.session.scalar(select(func.min(Scan.created_at)))
    if full or mark is None:
        from_day = wib_day(oldest) if oldest is not None else wib_day(cut)
    else:
        # A margin before the last cut, so a scan committed late after the last run is caught too.
        from_day = wib_day(min(mark.refreshed_until, cut) - SAFETY_MARGIN)
    db.session.execute(delete(ScanDaily).where(ScanDaily.day >= from_day))
    insert = (
        typing.cast(Table, ScanDaily.__table__)
        .insert()
        .from_select(["link_id", "day", *COUNT_COLUMNS], _aggregate(wib_day_start(from_day), until=cut))
    )
    rows = typing.cast(CursorResult[Any], db.session.execute(insert)).rowcount
    if rows < 0:  # psycopg reports no row count for INSERT ... SELECT
        rows = db.session.scalar(select(func.count()).select_from(ScanDaily).where(ScanDaily.day >= from_day)) or 0
    _rebuild_derived(None if full or mark is None else from_day, wib_day(cut))
    refresh_integrity_rollups(from_day, cut, wib_day(oldest) if oldest is not None else from_day)
    if mark is None:
        db.session.add(ScanRollupMark(id=1, refreshed_until=cut))
    else:
        mark.refreshed_until = cut
    db.session.flush()
    log.info("scan rollups refreshed from %s until %s: %d link-days", from_day, cut, rows)
    return RefreshResult(from_day, cut, rows)


def rebuild_scan_levels() -> None:
    """Recompute the per-level rollups whole from `scan_daily` (after an area moved in the tree)."""
    mark = db.session.get(ScanRollupMark, 1)
    db.session.execute(delete(ScanLevelDaily))
    if mark is None:
        return
    source = select(typing.cast(Table, ScanDaily.__table__)).subquery("rolled")
    for level in LEVELS:
        _rebuild_level(source, level, None, wib_day(mark.refreshed_until))


def _per_unit(per_link: Subquery | Table) -> tuple[ColumnElement[Any], ColumnElement[Any]]:
    """Human scans and unique visitors of per-link-day rows (rollup table or subquery)."""
    return (
        func.sum(per_link.c.scans - per_link.c.bot_scans).label("human_scans"),
        func.sum(per_link.c.unique_visitors).label("unique_visitors"),
    )


# The SQL for a link's unit (or its parent) at a dashboard level: an id, or NULL.
UnitColumn = SQLColumnExpression[Any]

# A link's area is a kota, kecamatan, kelurahan, RW or RT: its kelurahan and kecamatan are at most
# three parents up.
AREA_DEPTH = 4


@cache
def _area_chain() -> tuple[tuple[type[Area], ...], dict[str, tuple[UnitColumn, UnitColumn]]]:
    """Aliases of `area` for a link's area and its parents, and per level the unit and parent expressions.

    Built once: statement construction is a large share of a dashboard request's time.
    """
    chain = tuple(aliased(Area, name=f"area_{n}") for n in range(AREA_DEPTH))

    def ancestor(wanted: str) -> Case[int]:
        return case(*((area.level == wanted, area.id) for area in chain))

    none = cast(null(), Integer)
    units: dict[str, tuple[UnitColumn, UnitColumn]] = {
        "kota": (literal(CITY_UNIT, Integer), none),
        "kecamatan": (ancestor("kecamatan"), none),
        "kelurahan": (ancestor("kelurahan"), ancestor("kecamatan")),
        "opd": (Link.opd_id, none),
    }
    return chain, units


def _join_link_units(query: Select[Any], per_link: Subquery) -> Select[Any]:
    """Join per-link rows (a subquery with link_id) to their link, its survey and its area's chain of
    parents (`_area_chain()`), so the unit expressions of every level can be read."""
    chain, _units = _area_chain()
    query = (
        query.select_from(per_link)
        .join(Link, Link.id == per_link.c.link_id)
        .join(SurveyTarget, SurveyTarget.id == Link.target_id)
        .join(chain[0], chain[0].id == Link.area_id)
    )
    for child, area in zip(chain, chain[1:], strict=False):
        query = query.outerjoin(area, area.id == child.parent_id)
    return query


def _levelled(per_link: Subquery, level: str) -> Select[Any]:
    """Per-link-day rows (link_id, day, scans, bot_scans, unique_visitors) as rows of one dashboard
    level, summed: unit_id, parent_id, audience, day, human_scans, unique_visitors."""
    _chain, units = _area_chain()
    unit, parent = units[level]
    query = select(
        unit.label("unit_id"),
        parent.label("parent_id"),
        SurveyTarget.audience.label("audience"),
        per_link.c.day.label("day"),
        *_per_unit(per_link),
    )
    query = _join_link_units(query, per_link)
    if level != "kota":
        query = query.where(unit.is_not(None))
    # Constants (the city's unit, a missing parent) are left out of the grouping.
    keys = [unit] if level != "kota" else []
    keys += [parent] if level == "kelurahan" else []
    return query.group_by(*keys, SurveyTarget.audience, per_link.c.day)


def _rebuild_derived(from_day: date | None, until_day: date) -> None:
    """Recompute the per-level and per-promoter daily rollups from `scan_daily`, from a WIB day on (or
    whole) until the cut's day."""
    rolled = typing.cast(Table, ScanDaily.__table__)
    recent = [rolled.c.day >= from_day] if from_day else []
    db.session.execute(delete(ScanLevelDaily).where(*([ScanLevelDaily.day >= from_day] if from_day else [])))
    db.session.execute(delete(ScanPromoterDaily).where(*([ScanPromoterDaily.day >= from_day] if from_day else [])))
    source = select(rolled).where(*recent).subquery("rolled")
    for level in LEVELS:
        _rebuild_level(source, level, from_day, until_day)
    _rebuild_promoters(rolled, from_day, until_day)


def _rebuild_level(source: Subquery, level: str, from_day: date | None, until_day: date) -> None:
    """One level's rows from `from_day` (or its first rolled day) to `until_day`, dense, with running
    totals continued from the day before."""
    table = typing.cast(Table, ScanLevelDaily.__table__)
    series = (table.c.unit_id, table.c.parent_id, table.c.audience)
    base: dict[tuple[int, int | None, str], tuple[int, int]] = {}
    if from_day is not None:
        query = select(*series, table.c.total_human_scans, table.c.total_unique_visitors).where(
            table.c.level == level, table.c.day == from_day - timedelta(days=1)
        )
        base = {
            (unit, parent, audience): (human, unique)
            for unit, parent, audience, human, unique in db.session.execute(query)
        }
    daily: dict[tuple[int, int | None, str], dict[date, tuple[int, int]]] = {}
    for unit, parent, audience, day, human, unique in db.session.execute(_levelled(source, level)):
        daily.setdefault((unit, parent, audience), {})[day] = (int(human), int(unique))
    first = from_day or min((min(days) for days in daily.values()), default=until_day)
    rows = [
        {
            "level": level,
            "unit_id": key[0],
            "parent_id": key[1],
            "audience": key[2],
            "day": day,
            "human_scans": values[0],
            "unique_visitors": values[1],
            "total_human_scans": totals[0],
            "total_unique_visitors": totals[1],
        }
        for key, day, values, totals in dense_rows(base, daily, first, until_day, 2)
    ]
    if rows:
        db.session.execute(table.insert(), rows)


def _rebuild_promoters(rolled: Table, from_day: date | None, until_day: date) -> None:
    """Per promoter and WIB day from `from_day` (or the promoter's first rolled day) to `until_day`: the
    day's figures and the running totals up to it, continued from the day before `from_day`.

    Dense: once a promoter has a scan, every later day has a row (zeros included), so the totals at
    any day are one equality lookup (`promoter_totals()`). One read and one bulk insert, however many
    days the refresh spans.
    """
    table = typing.cast(Table, ScanPromoterDaily.__table__)
    base: dict[int, tuple[int, int]] = {}
    if from_day is not None:
        query = select(table.c.promoter_id, table.c.total_human_scans, table.c.total_unique_visitors).where(
            table.c.day == from_day - timedelta(days=1)
        )
        base = {promoter: (human, unique) for promoter, human, unique in db.session.execute(query)}
    query = (
        select(Link.promoter_id, rolled.c.day, *_per_unit(rolled))
        .join(Link, Link.id == rolled.c.link_id)
        .where(Link.promoter_id.is_not(None), *([rolled.c.day >= from_day] if from_day else []))
        .group_by(Link.promoter_id, rolled.c.day)
    )
    daily: dict[int, dict[date, tuple[int, int]]] = {}
    for promoter, day, human, unique in db.session.execute(query):
        daily.setdefault(promoter, {})[day] = (int(human), int(unique))
    first = from_day or min((min(days) for days in daily.values()), default=until_day)
    rows = [
        {
            "promoter_id": promoter,
            "day": day,
            "human_scans": values[0],
            "unique_visitors": values[1],
            "total_human_scans": totals[0],
            "total_unique_visitors": totals[1],
        }
        for promoter, day, values, totals in dense_rows(base, daily, first, until_day, 2)
    ]
    if rows:
        db.session.execute(table.insert(), rows)


def _tail(start: date | None = None) -> tuple[Select[Any], date | None]:
    """The live part: per link and WIB day, the scans not in the rollups yet (from WIB day `start` on),
    and the WIB day of the cut (None when nothing is rolled up, so everything is live).

    Days before the cut's day are complete in the rollups and have no live scans.
    """
    cut = rollup_cut()
    since = wib_day_start(start) if start else None
    if cut is None:
        return _aggregate(since), None
    return _aggregate(max(since, cut) if since else cut, after_cut=cut), wib_day(cut)


@dataclass(frozen=True)
class TailRow:
    """Scans of one link on one WIB day since the cut, with the dashboard units the link counts for."""

    day: date
    audience: str
    kecamatan_id: int | None
    kelurahan_id: int | None
    opd_id: int | None
    promoter_id: int | None
    human_scans: int
    unique_visitors: int


# Per dashboard level, a tail row's unit there (None: none at that level), looked up once per level.
_TAIL_UNIT: dict[str, Callable[[TailRow], int | None]] = {
    "kota": lambda _row: CITY_UNIT,
    "kecamatan": attrgetter("kecamatan_id"),
    "kelurahan": attrgetter("kelurahan_id"),
    "opd": attrgetter("opd_id"),
}


def live_tail() -> tuple[list[TailRow], date | None]:
    """The scans not rolled up yet, per link and WIB day, and the cut's WIB day (None: nothing is rolled up).

    Minutes of scans between two refreshes, so a dashboard adds them up in Python instead of joining
    them into each of its queries; read once per HTTP request. Before the first refresh every scan is
    live, which is exact but slow on a large table: run `flask links refresh-rollups`.
    """
    cut = rollup_cut()
    return per_request(f"scan_tail.{cut}", _read_tail), (wib_day(cut) if cut else None)


def _read_tail() -> list[TailRow]:
    cut = rollup_cut()  # None: nothing is rolled up, every scan is live
    query = _tail_query(db.engine.dialect.name, cut is not None)
    return [TailRow(*row) for row in read_rows(query, _aggregate_values(cut, None, cut))]


@cache
def _tail_query(dialect: str, after_cut: bool) -> Select[Any]:
    """The live tail with each link's units (bound parameters of `_aggregate_query()`), built once."""
    live = _aggregate_query(dialect, after_cut, False, after_cut).subquery("live_days")
    _chain, units = _area_chain()
    query = select(
        live.c.day,
        SurveyTarget.audience,
        units["kecamatan"][0],
        units["kelurahan"][0],
        Link.opd_id,
        Link.promoter_id,
        live.c.scans - live.c.bot_scans,
        live.c.unique_visitors,
    )
    return _join_link_units(query, live)


def live_level_rows(
    level: str, start: date, end: date, audience: str | None = None, parent_id: int | None = None
) -> list[tuple[int, str, date, int, int]]:
    """(unit_id, audience, day, human_scans, unique_visitors) of the live tail at one level, from start to end."""
    return [
        (unit, row_audience, day, human_scans, unique_visitors)
        for (unit, parent, row_audience, day), (human_scans, unique_visitors) in _level_tail(level).items()
        if start <= day <= end
        and (not audience or row_audience == audience)
        and (parent_id is None or parent == parent_id)
    ]


def _level_tail(level: str) -> dict[tuple[int, int | None, str, date], tuple[int, int]]:
    """The live tail summed per unit of one level, its parent, audience and WIB day: (human scans, unique
    visitors), as the per-level rollup sums its links. Once per request and level: a dashboard asks a
    dozen times, and a season's tail is a thousand link-days that make a few hundred units' days."""

    def summed() -> dict[tuple[int, int | None, str, date], tuple[int, int]]:
        found: dict[tuple[int, int | None, str, date], tuple[int, int]] = {}
        unit_of, by_parent = _TAIL_UNIT[level], level == "kelurahan"  # parent_id: a kelurahan's kecamatan
        for row in live_tail()[0]:
            unit = unit_of(row)
            if unit is not None:
                key = (unit, row.kecamatan_id if by_parent else None, row.audience, row.day)
                human_scans, unique_visitors = found.get(key, (0, 0))
                found[key] = (human_scans + row.human_scans, unique_visitors + row.unique_visitors)
        return found

    return per_request(f"scan_level_tail.{rollup_cut()}.{level}", summed)


def level_scan_rows(
    level: str,
    start: date,
    end: date,
    audience: str | None = None,
    parent_id: int | None = None,
    tag: str = "rows",
) -> tuple[Subquery, BoundValues]:
    """Per unit of one level (see LEVELS) and WIB day from start to end, from the per-level rollup:
    unit_id, parent_id, audience, day, human_scans and unique_visitors; add `live_level_rows()`. And the
    values of its bound parameters, named after `tag` (the subquery is built once per shape).

    Rows may repeat a unit and day: sum them. `parent_id` keeps the kelurahan of one kecamatan.
    """
    params = level_row_params(level, start, end, audience, parent_id, tag)
    return _level_scan_query(rollup_cut() is not None, bool(audience), parent_id is not None, tag), params


def level_row_filters(
    table: type[ScanLevelDaily] | type[RespondentLevelDaily], tag: str, by_audience: bool, by_parent: bool
) -> list[ColumnElement[bool]]:
    """Conditions on a per-level daily table (`scan_level_daily`, `respondent_level_daily`): its level and
    days bound as `{tag}_level`, `{tag}_start` and `{tag}_end`, with `by_audience` its audience
    (`{tag}_audience`), with `by_parent` the kecamatan of its kelurahan rows (`{tag}_parent`)."""
    conditions = [
        table.level == bindparam(f"{tag}_level"),
        table.day.between(bindparam(f"{tag}_start", type_=Date), bindparam(f"{tag}_end", type_=Date)),
    ]
    if by_audience:
        conditions.append(table.audience == bindparam(f"{tag}_audience"))
    if by_parent:
        conditions.append(table.parent_id == bindparam(f"{tag}_parent"))
    return conditions


def level_row_params(
    level: str, start: date, end: date, audience: str | None, parent_id: int | None, tag: str
) -> BoundValues:
    """The values of `level_row_filters()`' parameters (audience and parent only when given)."""
    params: BoundValues = {f"{tag}_level": level, f"{tag}_start": start, f"{tag}_end": end}
    if audience:
        params[f"{tag}_audience"] = audience
    if parent_id is not None:
        params[f"{tag}_parent"] = parent_id
    return params


@cache
def _level_scan_query(rolled: bool, by_audience: bool, by_parent: bool, tag: str) -> Subquery:
    """`level_scan_rows()` of one shape, built once."""
    table = ScanLevelDaily
    query = select(
        table.unit_id, table.parent_id, table.audience, table.day, table.human_scans, table.unique_visitors
    ).where(
        *level_row_filters(table, tag, by_audience, by_parent),
        table.human_scans > 0,  # not the days without scans that keep the totals dense
    )
    if not rolled:
        query = query.where(false())  # nothing is rolled up: every scan is in the live tail
    return query.subquery("level_scan_days")


# The levels a dashboard shows side by side (the city, its kecamatan, the OPDs): their window totals are
# read together, in one statement per request, since on PostgreSQL a round trip costs more than their rows.
TOP_LEVELS = ("kota", "kecamatan", "opd")


def level_window_totals(
    level: str, windows: Sequence[tuple[date, date]], parent_id: int | None = None, unique: bool = False
) -> dict[int, dict[str, list[int]]]:
    """{unit_id: {audience: [human scans (or unique visitors) over each window]}} of one level from the
    per-level running totals on a few days; add `live_level_rows()`. A fresh dict: callers add to it."""
    cut = rollup_cut()
    if cut is None:
        return {}
    if parent_id is None and level in TOP_LEVELS:
        every = per_request(
            f"scan_window_totals.{cut}.{tuple(windows)}.{unique}",
            lambda: _window_totals(TOP_LEVELS, windows, None, unique, wib_day(cut)),
        )
    else:
        every = _window_totals((level,), windows, parent_id, unique, wib_day(cut))
    return {unit: {aud: list(values) for aud, values in found.items()} for unit, found in every.get(level, {}).items()}


def _window_totals(
    levels: Sequence[str], windows: Sequence[tuple[date, date]], parent_id: int | None, unique: bool, last: date
) -> dict[str, dict[int, dict[str, list[int]]]]:
    """`level_window_totals()` of several levels at once: {level: {unit_id: {audience: [sums]}}}."""
    query = _window_totals_query(db.engine.dialect.name, unique, parent_id is not None)
    days = sorted(lookup_days(windows, last))
    params = {"levels": list(levels), "days": days, "last": last, "parent_id": parent_id}
    day_of = {str((day - last).days): day for day in days}  # the packed offsets are only these days'
    rows = (
        ((level, unit, parent, audience), day_of[day], int(n))
        for level, unit, parent, audience, packed in read_rows(query, params)
        for day, n in (item.split(":") for item in packed.split(","))
    )
    sums: dict[str, dict[int, dict[str, list[int]]]] = {}
    for (level, unit, _parent, audience), values in window_sums(rows, windows, last).items():
        add_into(sums.setdefault(level, {}), unit, audience, values)
    return sums


@cache
def _window_totals_query(dialect: str, unique: bool, by_parent: bool) -> Select[Any]:
    """`_window_totals()`'s statement, built once per dialect (like `_aggregate_query()`): levels, days,
    last and parent_id are bound."""
    table = ScanLevelDaily
    total = table.total_unique_visitors if unique else table.total_human_scans
    # One row per unit and audience, its totals packed as "day:total,..." (days counted from the cut's):
    # a sparkline asks for about 30 days, and a result row costs more than splitting a string.
    offset = days_since(table.day, bindparam("last", type_=Date))
    packed = func.aggregate_strings(cast(offset, String) + ":" + cast(total, String), ",")
    series = (table.level, table.unit_id, table.parent_id, table.audience)
    query = select(*series, packed).where(
        table.level.in_(bindparam("levels", expanding=True)), table.day.in_(bindparam("days", expanding=True))
    )
    if by_parent:
        query = query.where(table.parent_id == bindparam("parent_id"))
    return query.group_by(*series)


def promoter_scan_rows(start: date, end: date) -> Subquery:
    """Per promoter and WIB day from start to end: human_scans and unique_visitors (rollup + live tail).

    Rows may repeat a promoter and day: sum them.
    """
    tail, cut_day = _tail(start)
    live = tail.subquery("live_days")
    live_rows = (
        select(
            Link.promoter_id.label("promoter_id"),
            live.c.day.label("day"),
            (live.c.scans - live.c.bot_scans).label("human_scans"),
            live.c.unique_visitors.label("unique_visitors"),
        )
        .join(Link, Link.id == live.c.link_id)
        .where(live.c.day.between(start, end), Link.promoter_id.is_not(None))
    )
    if cut_day is None or cut_day < start:
        return live_rows.subquery("promoter_scan_days")
    rolled = select(
        ScanPromoterDaily.promoter_id,
        ScanPromoterDaily.day,
        ScanPromoterDaily.human_scans,
        ScanPromoterDaily.unique_visitors,
    ).where(ScanPromoterDaily.day.between(start, end))
    if end < cut_day:
        return rolled.subquery("promoter_scan_days")
    return union_all(rolled, live_rows).subquery("promoter_scan_days")


def promoter_totals(start: date, end: date, top: int | None = None) -> dict[int, tuple[int, int]]:
    """{promoter_id: (human_scans, unique_visitors)} of their links from WIB day start to end.

    From the running totals on the last rolled day of the range and on the day before it (rows are
    dense: one lookup each per promoter), plus the live tail. With `top`, only promoters that can be
    among the `top` most scanned: the `top` highest rolled totals plus those in the live tail (the
    tail only adds, so nobody else can overtake them).
    """
    tail, cut_day = live_tail()
    live = [(r.promoter_id, r) for r in tail if r.promoter_id is not None and start <= r.day <= end]
    totals: dict[int, tuple[int, int]] = {}
    if cut_day is not None and cut_day >= start:
        in_tail = sorted({promoter_id for promoter_id, _row in live}) if top is not None else []
        query = _promoter_totals_query(db.engine.dialect.name, top is not None, bool(in_tail))
        before, last = start - timedelta(days=1), min(end, cut_day)
        params = {"before": before, "last": last, "in_tail": in_tail, "limit": (top or 0) + len(in_tail)}
        totals.update((pid, (int(h), int(u))) for pid, h, u in read_rows(query, params) if h or u)
    for promoter_id, row in live:
        human_scans, unique_visitors = totals.get(promoter_id, (0, 0))
        totals[promoter_id] = (human_scans + row.human_scans, unique_visitors + row.unique_visitors)
    return totals


@cache
def _promoter_totals_query(dialect: str, top: bool, tail: bool) -> Select[Any]:
    """`promoter_totals()`'s statement, built once per dialect (before, last, in_tail and limit are bound); with
    `tail`, the promoters in the live tail come first."""
    last = aliased(ScanPromoterDaily, name="range_end")
    before = aliased(ScanPromoterDaily, name="range_start")
    human = last.total_human_scans - func.coalesce(before.total_human_scans, 0)
    unique = last.total_unique_visitors - func.coalesce(before.total_unique_visitors, 0)
    query = (
        select(last.promoter_id, human, unique)
        .outerjoin(before, and_(before.promoter_id == last.promoter_id, before.day == bindparam("before", type_=Date)))
        .where(last.day == bindparam("last", type_=Date))
    )
    if tail:
        query = query.order_by(case((among_bound(last.promoter_id, "in_tail", dialect), 0), else_=1))
    if top:
        query = query.order_by(human.desc(), last.promoter_id).limit(bindparam("limit", type_=Integer))
    return query


def daily_scan_rows() -> Subquery:
    """Exact per link and WIB day figures: the rollup plus the live tail.

    Columns: link_id, day and COUNT_COLUMNS; rows may repeat a link and day (the cut's day): join it
    to `link` and group as needed (dashboards).
    """
    tail, cut_day = _tail()
    if cut_day is None:
        return tail.subquery("scan_days")
    rolled = select(
        ScanDaily.link_id.label("link_id"),
        ScanDaily.day.label("day"),
        *(getattr(ScanDaily, name).label(name) for name in COUNT_COLUMNS),
    )
    return union_all(rolled, tail).subquery("scan_days")


@dataclass(frozen=True)
class ScanTotals:
    """Scan figures of a link or a set of links; `scans` includes bots, the others do not."""

    scans: int = 0
    unique_visitors: int = 0
    bot_scans: int = 0
    qr_scans: int = 0
    direct_scans: int = 0
    typed_scans: int = 0

    @property
    def human_scans(self) -> int:
        """Scans by people (bots excluded)."""
        return self.scans - self.bot_scans

    @classmethod
    def summed(cls, parts: Iterable["ScanTotals"]) -> "ScanTotals":
        """The totals of several days or sets of links together."""
        parts = list(parts)
        return cls(*(sum(getattr(part, name) for part in parts) for name in COUNT_COLUMNS))


def _sums(rows: Subquery) -> list[ColumnElement[Any]]:
    return [func.coalesce(func.sum(getattr(rows.c, name)), 0) for name in COUNT_COLUMNS]


# Up to this many links, a select of ids is read first and sent as a list: the databases then push the
# list into both halves of `daily_scan_rows()` and read each link's days by the rollup's primary key
# (link, day), where a subquery makes PostgreSQL read every link's rows of the range and join after
# (a drive's report: 14 ms per statement at a million scans, 1 ms as a list). Larger sets stay a join.
ID_LIST_LIMIT = 1000


def _scan_rows_of(
    link_ids: LinkIds, since: date | None = None, until: date | None = None
) -> tuple[Subquery, list[ColumnElement[bool]], BoundValues]:
    """`daily_scan_rows()` of the given links (a list or a select of ids) from WIB day `since` to `until`
    (either open): the rows, the conditions still to put on them and the values of their parameters.

    A list of links on PostgreSQL is read link by link from the rollup's primary key (link, day), one
    probe per link (a lateral subquery the planner may not flatten): asked for the links' rows of a range
    at once, it read every link's rows of those days from the index of the day and kept a few (a drive's
    336 links over 14 days: 70,000 rows read for 4,700, 16 ms against 4 at 10M scans). SQLite probes
    the key for a list as it is.
    """
    if isinstance(link_ids, Select):
        ids = list(db.session.scalars(link_ids.limit(ID_LIST_LIMIT + 1)))
        link_ids = ids if len(ids) <= ID_LIST_LIMIT else link_ids
    cut = rollup_cut()
    if isinstance(link_ids, Select) or db.engine.dialect.name != "postgresql" or cut is None:
        rows = daily_scan_rows()
        of_links = rows.c.link_id.in_(link_ids) if isinstance(link_ids, Select) else among(rows.c.link_id, link_ids)
        return rows, [of_links, *_days(rows.c.day, since, until)], {}
    moment = max(wib_day_start(since), cut) if since else cut
    params: BoundValues = {"link_ids": sorted(set(link_ids)), **_aggregate_values(moment, None, cut)}
    params.update({name: day for name, day in (("first_day", since), ("last_day", until)) if day is not None})
    return _links_rows_query(since is not None, until is not None), [], params


@cache
def _links_rows_query(since: bool, until: bool) -> Subquery:
    """`_scan_rows_of()`'s rows of a list of links on PostgreSQL, built once per shape (link_ids, first_day,
    last_day and the live tail's moments are bound): the rollup's rows link by link, and the live tail."""
    link_ids = bindparam("link_ids", type_=ARRAY(Integer))
    first = bindparam("first_day", type_=Date) if since else None
    last = bindparam("last_day", type_=Date) if until else None
    wanted = func.unnest(link_ids).table_valued("id").render_derived(name="wanted")
    per_link = (
        select(ScanDaily.link_id, ScanDaily.day, *(getattr(ScanDaily, name) for name in COUNT_COLUMNS))
        .where(ScanDaily.link_id == wanted.c.id, *_days(ScanDaily.day, first, last))
        .offset(0)  # keeps the subquery apart, so each link's rows are a probe of the key
        .lateral("per_link")
    )
    rolled = select(per_link).select_from(wanted).join(per_link, true())
    tail = _aggregate_query("postgresql", True, False, True).where(Scan.link_id == any_(link_ids)).subquery("live")
    live = select(tail.c.link_id, tail.c.day, *(getattr(tail.c, name) for name in COUNT_COLUMNS))
    return union_all(rolled, live.where(*_days(tail.c.day, first, last))).subquery("scan_days")


def _days(
    day: SQLColumnExpression[date], since: date | ColumnElement[date] | None, until: date | ColumnElement[date] | None
) -> list[ColumnElement[bool]]:
    """Conditions keeping the WIB days from `since` to `until` (either open; dates or bound parameters)."""
    conditions = []
    if since is not None:
        conditions.append(day >= since)
    if until is not None:
        conditions.append(day <= until)
    return conditions


def totals_by_link(link_ids: LinkIds, since: date | None = None) -> dict[int, ScanTotals]:
    """Scan totals per link for the given ids (a list or a select of ids), optionally from a WIB day on."""
    rows, conditions, params = _scan_rows_of(link_ids, since)
    query = select(rows.c.link_id, *_sums(rows)).where(*conditions).group_by(rows.c.link_id)
    return {link_id: ScanTotals(*map(int, values)) for link_id, *values in read_rows(query, params)}


def totals_for(link_ids: LinkIds, since: date | None = None, until: date | None = None) -> ScanTotals:
    """Scan totals summed over the given links (a list or a select of ids), optionally for the WIB days
    from `since` to `until` (both included)."""
    rows, conditions, params = _scan_rows_of(link_ids, since, until)
    return ScanTotals(*map(int, read_rows(select(*_sums(rows)).where(*conditions), params)[0]))


def totals_by_day(link_ids: LinkIds, since: date, until: date | None = None) -> dict[date, ScanTotals]:
    """Scan totals per WIB day from `since` to `until` (both included) summed over the given links (a
    list or a select of ids); days without scans are absent."""
    rows, conditions, params = _scan_rows_of(link_ids, since, until)
    query = select(rows.c.day, *_sums(rows)).where(*conditions).group_by(rows.c.day)
    return {day: ScanTotals(*map(int, values)) for day, *values in read_rows(query, params)}


@dataclass(frozen=True)
class LinkFigures:
    """A link's scan totals and its last WIB days (oldest first, zero-filled)."""

    totals: ScanTotals
    days: list[tuple[date, ScanTotals]]


def link_figures(link_id: int, days: int = 14, today: date | None = None) -> LinkFigures:
    """What the link page and the API's link stats show, from this one function so they agree."""
    return LinkFigures(totals_for([link_id]), daily_series(link_id, days, today))


def daily_series(link_id: int, days: int = 14, today: date | None = None) -> list[tuple[date, ScanTotals]]:
    """The last `days` WIB days of one link, oldest first, zero-filled."""
    today = today or wib_day(utcnow())
    first = today - timedelta(days=days - 1)
    found = totals_by_day([link_id], first)
    return [(first + timedelta(days=n), found.get(first + timedelta(days=n), ScanTotals())) for n in range(days)]


DIMENSIONS = ("link", "area", "opd", "promoter", "day")


def scan_summary(
    dimension: str, links: Select[Any], since: date | None = None, until: date | None = None
) -> list[dict[str, Any]]:
    """Totals per `dimension` over the links of a select of Link rows (or of link ids), ordered by key
    (links without an OPD or promoter last).

    Each row: key (id or ISO day; None for links without an OPD or promoter) and the COUNT_COLUMNS
    sums, plus human_scans (bots excluded).
    """
    if dimension not in DIMENSIONS:
        raise ValueError(f"by: must be one of {', '.join(DIMENSIONS)}, not {dimension!r}")
    rows = daily_scan_rows()
    link_ids = links.with_only_columns(Link.id).order_by(None)
    key = rows.c.day if dimension == "day" else getattr(Link, "id" if dimension == "link" else f"{dimension}_id")
    sums = [func.coalesce(func.sum(getattr(rows.c, name)), 0).label(name) for name in COUNT_COLUMNS]
    query = (
        select(key.label("key"), *sums)
        .select_from(rows)
        .join(Link, Link.id == rows.c.link_id)
        .where(rows.c.link_id.in_(link_ids))
        .group_by(key)
        .order_by(key.asc().nulls_last())  # the databases disagree on where NULL sorts unless told
    )
    if since is not None:
        query = query.where(rows.c.day >= since)
    if until is not None:
        query = query.where(rows.c.day <= until)
    result = []
    for row in read_rows(query):
        figures = {name: int(getattr(row, name)) for name in COUNT_COLUMNS}
        key_value = row.key.isoformat() if isinstance(row.key, date) else row.key
        result.append({"key": key_value, **figures, "human_scans": figures["scans"] - figures["bot_scans"]})
    return result
