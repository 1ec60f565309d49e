"""Daily scan rollups per link and WIB day, and exact scan figures read from them.

The scan endpoint only inserts into `scan`. `refresh_scan_rollups()` (CLI: `flask links
refresh-rollups`, run it every few minutes from cron) recomputes `scan_daily` for the days since
its last run and moves a mark. Readers combine the rollup for the days before the mark with a live
aggregate of the few scans after it (`daily_scan_rows()`), so figures are exact and fresh while
the heavy lifting stays in the rollup.
"""

import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Date, and_, case, delete, func, select, type_coerce, union_all
from sqlalchemy.sql import ColumnElement, Subquery

from outreach.extensions import db
from outreach.links.models import SOURCES, Scan, ScanDaily, ScanRollupMark
from outreach.links.scanning import WIB, wib_day
from outreach.models import utcnow

log = logging.getLogger(__name__)

# Scans commit a moment after their timestamp; recomputing from a little before the mark catches them.
SAFETY_MARGIN = timedelta(minutes=10)
COUNT_COLUMNS = ("scans", "unique_visitors", "bot_scans", *(f"{source}_scans" for source in SOURCES))


def wib_day_expr(column) -> ColumnElement:
    """SQL for the WIB calendar day of a UTC timestamp column (WIB is UTC+7 all year)."""
    if db.engine.dialect.name == "postgresql":
        return func.date(func.timezone("Asia/Jakarta", column))
    return type_coerce(func.date(column, "+7 hours"), Date)


def wib_day_start(day: date) -> datetime:
    """The UTC moment a WIB day begins."""
    return datetime.combine(day, time(0), tzinfo=WIB).astimezone(UTC)


def _aggregate(since: datetime | None):
    """Per link and WIB day, the rollup columns computed from raw scans (since a UTC moment)."""
    human = Scan.is_bot.is_(False)
    day = wib_day_expr(Scan.created_at)
    query = select(
        Scan.link_id.label("link_id"),
        day.label("day"),
        func.count().label("scans"),
        func.count(func.distinct(case((human, Scan.visitor_hash)))).label("unique_visitors"),
        func.coalesce(func.sum(case((Scan.is_bot.is_(True), 1), else_=0)), 0).label("bot_scans"),
        *(
            func.coalesce(func.sum(case((and_(human, Scan.source == source), 1), else_=0)), 0).label(f"{source}_scans")
            for source in SOURCES
        ),
    ).group_by(Scan.link_id, day)
    if since is not None:
        query = query.where(Scan.created_at >= since)
    return query


def _mark() -> ScanRollupMark | None:
    return db.session.get(ScanRollupMark, 1)


def tail_start_day(mark: ScanRollupMark | None = None) -> date | None:
    """First WIB day that is read live instead of from the rollup (None: nothing is rolled up yet)."""
    mark = mark if mark is not None else _mark()
    return wib_day(mark.refreshed_until - SAFETY_MARGIN) if mark else None


@dataclass
class RefreshResult:
    """What a rollup refresh did."""

    from_day: date | None
    rows: int


def refresh_scan_rollups(full: bool = False, now: datetime | None = None) -> RefreshResult:
    """Recompute `scan_daily` from the last mark's day (or from scratch) and move the mark. Idempotent."""
    now = now or utcnow()
    mark = db.session.scalar(select(ScanRollupMark).where(ScanRollupMark.id == 1).with_for_update())
    from_day = None if full or mark is None else tail_start_day(mark)
    since = wib_day_start(from_day) if from_day else None
    cleared = delete(ScanDaily)
    if from_day is not None:
        cleared = cleared.where(ScanDaily.day >= from_day)
    db.session.execute(cleared)
    insert = ScanDaily.__table__.insert().from_select(["link_id", "day", *COUNT_COLUMNS], _aggregate(since))
    rows = db.session.execute(insert).rowcount
    if mark is None:
        db.session.add(ScanRollupMark(id=1, refreshed_until=now))
    else:
        mark.refreshed_until = now
    db.session.flush()
    log.info("scan rollups refreshed from %s: %d link-days", from_day or "the first scan", rows)
    return RefreshResult(from_day, rows)


def daily_scan_rows() -> Subquery:
    """Exact per link and WIB day figures: the rollup before the live tail, raw scans from it on.

    Columns: link_id, day and COUNT_COLUMNS. Join it to `link` and group as needed (dashboards).
    """
    start = tail_start_day()
    live = _aggregate(wib_day_start(start) if start else None)
    if start is None:
        return live.subquery("scan_days")
    rolled = select(
        ScanDaily.link_id.label("link_id"),
        ScanDaily.day.label("day"),
        *(getattr(ScanDaily, name).label(name) for name in COUNT_COLUMNS),
    ).where(ScanDaily.day < start)
    return union_all(rolled, live).subquery("scan_days")


@dataclass(frozen=True)
class ScanTotals:
    """Scan figures of a link or a set of links; `scans` includes bots, the others do not."""

    scans: int = 0
    unique_visitors: int = 0
    bot_scans: int = 0
    qr_scans: int = 0
    direct_scans: int = 0

    @property
    def human_scans(self) -> int:
        """Scans by people (bots excluded)."""
        return self.scans - self.bot_scans


def _sums(rows: Subquery) -> list:
    return [func.coalesce(func.sum(getattr(rows.c, name)), 0) for name in COUNT_COLUMNS]


def totals_by_link(link_ids, since: date | None = None) -> dict[int, ScanTotals]:
    """Scan totals per link for the given ids (a list or a select of ids), optionally from a WIB day on."""
    rows = daily_scan_rows()
    query = select(rows.c.link_id, *_sums(rows)).where(rows.c.link_id.in_(link_ids)).group_by(rows.c.link_id)
    if since is not None:
        query = query.where(rows.c.day >= since)
    return {link_id: ScanTotals(*map(int, values)) for link_id, *values in db.session.execute(query)}


def totals_for(link_ids, since: date | None = None) -> ScanTotals:
    """Scan totals summed over the given links (a list or a select of ids)."""
    rows = daily_scan_rows()
    query = select(*_sums(rows)).where(rows.c.link_id.in_(link_ids))
    if since is not None:
        query = query.where(rows.c.day >= since)
    return ScanTotals(*map(int, db.session.execute(query).one()))


def daily_series(link_id: int, days: int = 14, today: date | None = None) -> list[tuple[date, ScanTotals]]:
    """The last `days` WIB days of one link, oldest first, zero-filled."""
    today = today or wib_day(utcnow())
    first = today - timedelta(days=days - 1)
    rows = daily_scan_rows()
    query = select(rows.c.day, *_sums(rows)).where(rows.c.link_id == link_id, rows.c.day >= first).group_by(rows.c.day)
    found = {day: ScanTotals(*map(int, values)) for day, *values in db.session.execute(query)}
    return [(first + timedelta(days=n), found.get(first + timedelta(days=n), ScanTotals())) for n in range(days)]
