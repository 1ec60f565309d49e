"""Rebuilding `respondent_total` and `respondent_level_daily` from `respondent_count`: the running
totals of the units concerned and every level's rows, from the earliest day written on. Called by
`outreach.metrics.refresh` in the transaction that wrote the counts (so a rollback undoes them
all); an area moved to another parent (or level) rebuilds the level rows whole."""

import typing
from collections.abc import Iterator, Set
from datetime import date
from itertools import chain
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Integer,
    Select,
    String,
    Table,
    and_,
    case,
    cast,
    delete,
    false,
    func,
    insert,
    literal,
    null,
    or_,
    select,
)

from outreach.areas.models import Area
from outreach.links.models import CITY_UNIT, LEVELS
from outreach.metrics.running_totals import ONE_DAY, dense_rows
from outreach.participation.models import RespondentCount, RespondentLevelDaily, RespondentTotal

COUNTS = typing.cast(Table, RespondentCount.__table__)
TOTALS = typing.cast(Table, RespondentTotal.__table__)
LEVEL_ROWS = typing.cast(Table, RespondentLevelDaily.__table__)
AREAS = typing.cast(Table, Area.__table__)

# A series of respondent totals: (area_id, opd_id, audience), one of the ids None.
SeriesKey = tuple[int | None, int | None, str]


def _units(condition_table: Table, areas: Set[int], opds: Set[int]) -> ColumnElement[bool]:
    return or_(condition_table.c.area_id.in_(areas), condition_table.c.opd_id.in_(opds))


def refresh_totals(conn: Connection, areas: set[int], opds: set[int], from_day: date) -> int:
    """Rebuild the totals of these areas and OPDs (every audience) from `from_day` on, and extend
    every other unit's to the last counted day; return the rows written."""
    last = conn.scalar(select(func.max(COUNTS.c.day)))
    kept = conn.scalar(select(func.max(TOTALS.c.day)))
    if last is None:
        conn.execute(delete(TOTALS))
        return 0
    if kept is not None:
        from_day = min(from_day, kept + ONE_DAY)  # no gap between the kept rows and the rebuilt ones
        if last < kept:
            conn.execute(delete(TOTALS).where(TOTALS.c.day > last))
    mine = _units(TOTALS, areas, opds)
    series = (TOTALS.c.area_id, TOTALS.c.opd_id, TOTALS.c.audience)
    base = {
        (area, opd, audience): (total,)
        for area, opd, audience, total in conn.execute(
            select(*series, TOTALS.c.total).where(TOTALS.c.day == from_day - ONE_DAY, mine)
        )
    }
    daily: dict[SeriesKey, dict[date, tuple[int]]] = {}
    counted = (COUNTS.c.area_id, COUNTS.c.opd_id, COUNTS.c.audience, COUNTS.c.day)
    query = (
        select(*counted, func.sum(COUNTS.c.daily))
        .where(COUNTS.c.day >= from_day, _units(COUNTS, areas, opds))
        .group_by(*counted)
    )
    for area, opd, audience, day, n in conn.execute(query):
        daily.setdefault((area, opd, audience), {})[day] = (int(n),)
    conn.execute(delete(TOTALS).where(TOTALS.c.day >= from_day, mine))
    rows: Iterator[tuple[SeriesKey, date, tuple[int, ...], tuple[int, ...]]] = dense_rows(
        base, daily, from_day, last, 1
    )
    if kept is not None and last > kept:
        others = {
            (area, opd, audience): (total,)
            for area, opd, audience, total in conn.execute(select(*series, TOTALS.c.total).where(TOTALS.c.day == kept))
            if area not in areas and opd not in opds  # in Python: NOT IN is never true beside a NULL
        }
        rows = chain(rows, dense_rows(others, {}, kept + ONE_DAY, last, 1))
    values = [
        {"area_id": key[0], "opd_id": key[1], "audience": key[2], "day": day, "daily": n[0], "total": total[0]}
        for key, day, n, total in rows
    ]
    if values:
        conn.execute(insert(TOTALS), values)
    return len(values)


def rebuild_totals(conn: Connection) -> int:
    """Rebuild every unit's totals from the first count (after a migration, or to repair)."""
    first = conn.scalar(select(func.min(COUNTS.c.day)))
    conn.execute(delete(TOTALS))
    if first is None:
        return 0
    areas = set(conn.scalars(select(COUNTS.c.area_id).where(COUNTS.c.area_id.is_not(None)).distinct()))
    opds = set(conn.scalars(select(COUNTS.c.opd_id).where(COUNTS.c.opd_id.is_not(None)).distinct()))
    return refresh_totals(conn, areas, opds, first)


def _level_query(level: str, since: date | None, city_id: int | None, reported: list[str]) -> Select[Any]:
    """One level's rows (level, unit_id, parent_id, audience, day, n) from the counts of `since` on (None: all)."""
    c, a = COUNTS.c, AREAS.c
    n = func.sum(c.daily)
    name = literal(level, String)
    no_parent = cast(null(), Integer)
    if level == "kota":
        # KPK's city total where it is reported for the audience, else every count of the audience.
        city = and_(c.audience.in_(reported), c.area_id == city_id) if city_id is not None else false()
        query = (
            select(name, literal(CITY_UNIT, Integer), no_parent, c.audience, c.day, n)
            .where(or_(city, c.audience.not_in(reported)))
            .group_by(c.audience, c.day)
        )
    elif level == "opd":
        query = (
            select(name, c.opd_id, no_parent, c.audience, c.day, n)
            .where(c.opd_id.is_not(None))
            .group_by(c.opd_id, c.audience, c.day)
        )
    else:
        joined = COUNTS.join(AREAS, a.id == c.area_id)
        if level == "kecamatan":
            unit = case((a.level == "kelurahan", a.parent_id), else_=a.id)
            query = (
                select(name, unit, no_parent, c.audience, c.day, n)
                .select_from(joined)
                .where(a.level.in_(("kecamatan", "kelurahan")))
                .group_by(unit, c.audience, c.day)
            )
        else:
            query = (
                select(name, a.id, a.parent_id, c.audience, c.day, n)
                .select_from(joined)
                .where(a.level == "kelurahan")
                .group_by(a.id, a.parent_id, c.audience, c.day)
            )
    return query.where(c.day >= since) if since is not None else query


def refresh_levels(conn: Connection, from_day: date | None, areas: Set[int] = frozenset()) -> None:
    """Rebuild every level's rows from `from_day` on (None: whole). The city's rows are rebuilt whole
    when the city's own counts changed (`areas` has it): whether KPK's total is reported for an
    audience decides which counts make the city's every day."""
    city_id = conn.scalar(select(AREAS.c.id).where(AREAS.c.level == "kota").order_by(AREAS.c.id).limit(1))
    reported: list[str] = []
    if city_id is not None:
        reported = sorted(conn.scalars(select(COUNTS.c.audience).where(COUNTS.c.area_id == city_id).distinct()))
    columns = ["level", "unit_id", "parent_id", "audience", "day", "n"]
    for level in LEVELS:
        since = None if level == "kota" and city_id in areas else from_day
        stale = [LEVEL_ROWS.c.day >= since] if since is not None else []
        conn.execute(delete(LEVEL_ROWS).where(LEVEL_ROWS.c.level == level, *stale))
        conn.execute(insert(LEVEL_ROWS).from_select(columns, _level_query(level, since, city_id, reported)))


def rebuild_levels(conn: Connection) -> None:
    """Rebuild every level's rows from all the counts (after a migration, or to repair)."""
    refresh_levels(conn, None)
