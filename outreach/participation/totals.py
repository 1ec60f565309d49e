"""Keeping `respondent_total` in step with `respondent_count`: on every flush that writes counts, the
running totals of the units concerned are rebuilt from the earliest day touched, in the same
transaction (so a rollback undoes both, and nothing that writes counts can forget them)."""

from datetime import date
from itertools import chain

from sqlalchemy import Connection, delete, event, func, insert, inspect, or_, select
from sqlalchemy.orm import Session, object_session

from outreach.participation.models import RespondentCount, RespondentTotal
from outreach.running_totals import ONE_DAY, dense_rows

COUNTS = RespondentCount.__table__
TOTALS = RespondentTotal.__table__


def _units(condition_table, areas: set[int], opds: set[int]):
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
    daily: dict[tuple, dict[date, tuple[int]]] = {}
    counted = (COUNTS.c.area_id, COUNTS.c.opd_id, COUNTS.c.audience, COUNTS.c.day)
    query = (
        select(*counted, func.sum(COUNTS.c.daily))
        .where(COUNTS.c.day >= from_day, _units(COUNTS, areas, opds))
        .group_by(*counted)
    )
    for area, opd, audience, day, n in conn.execute(query):
        daily.setdefault((area, opd, audience), {})[day] = (int(n),)
    conn.execute(delete(TOTALS).where(TOTALS.c.day >= from_day, mine))
    rows = dense_rows(base, daily, from_day, last, 1)
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


TOUCHED = "participation.totals.touched"


@event.listens_for(RespondentCount, "after_insert")
@event.listens_for(RespondentCount, "after_update")
@event.listens_for(RespondentCount, "after_delete")
def _note_count(mapper, connection, target: RespondentCount) -> None:
    """Remember the units and earliest day of each count written, before and after the change (None:
    a count whose day or unit was not loaded, so every unit is rebuilt). Mapper events, so a flush
    without counts (a scan, say) pays nothing."""
    session = object_session(target)
    if session is None:
        return
    state = inspect(target)
    touched = session.info.setdefault(TOUCHED, (set(), set(), []))
    if not {"day", "area_id", "opd_id"} <= state.dict.keys():
        touched[2].append(None)
        return
    areas, opds, days = touched
    for name, found in (("area_id", areas), ("opd_id", opds)):
        found.update(v for v in (state.dict[name], *state.attrs[name].history.deleted) if v is not None)
    days.extend(day for day in (state.dict["day"], *state.attrs.day.history.deleted) if day is not None)


@event.listens_for(Session, "after_flush")
def _keep_totals(session: Session, context) -> None:
    touched = session.info.pop(TOUCHED, None)
    if touched is None:
        return
    areas, opds, days = touched
    if None in days:
        rebuild_totals(session.connection())
    elif days:
        refresh_totals(session.connection(), areas, opds, min(days))


@event.listens_for(Session, "after_rollback")
def _forget_touched(session: Session) -> None:
    session.info.pop(TOUCHED, None)
