"""Refreshing the derived tables, by explicit calls, and checking them against a rebuild from raw rows.

A derived table is a cache of raw rows: `scan_daily` and its per-level and per-promoter twins and
the integrity signals' tables (of `scan`), `respondent_total` and `respondent_level_daily` (of
`respondent_count`). The service that writes raw rows calls the refresh here in its own transaction
(so a rollback undoes both); the scan rollups are refreshed from cron instead (`flask links
refresh-rollups`), since scans are written by the fast path. `flask metrics refresh` rebuilds them all
and `--check` proves they agree.

Several app instances (and cron) may refresh at once. Each refresh first takes a lock held until its
transaction ends: a PostgreSQL transaction-level advisory lock (one for the scan tables, one for the
respondent tables, always taken in that order), or on SQLite the database's write lock, taken at the
start (`BEGIN IMMEDIATE`) rather than at the first write. So two refreshes never interleave (no
double counting) and never wait on each other in a cycle (no deadlock).
"""

import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import Table, select, text

from outreach.extensions import db
from outreach.links.models import ScanDaily, ScanLevelDaily, ScanPromoterDaily, ScanRollupMark
from outreach.metrics.cache import forget
from outreach.metrics.integrity_rollups import INTEGRITY_TABLES, drop_purged_days
from outreach.metrics.respondent_totals import rebuild_levels, rebuild_totals, refresh_levels, refresh_totals
from outreach.metrics.scans import SAFETY_MARGIN, RefreshResult, rebuild_scan_levels, refresh_scan_rollups
from outreach.participation.models import RespondentLevelDaily, RespondentTotal

log = logging.getLogger(__name__)

# Advisory lock keys (any two 64-bit numbers no other code uses): "outreach" scans and respondents.
SCANS_LOCK = 0x6F75_7472_6561_0001
RESPONDENTS_LOCK = 0x6F75_7472_6561_0002

SCAN_TABLES = (
    *(cast(Table, model.__table__) for model in (ScanDaily, ScanLevelDaily, ScanPromoterDaily)),
    *INTEGRITY_TABLES,
)
RESPONDENT_TABLES = tuple(cast(Table, model.__table__) for model in (RespondentTotal, RespondentLevelDaily))
DERIVED_TABLES = SCAN_TABLES + RESPONDENT_TABLES


def lock(*keys: int) -> None:
    """Hold the refresh locks `keys` until the session's transaction ends (commit or rollback).

    PostgreSQL: advisory locks in ascending order, so two callers never wait on each other in a cycle.
    SQLite has one writer at a time: take the write lock now unless this transaction already wrote
    (then it holds it); the busy timeout makes a second refresh wait for the first.
    """
    conn = db.session.connection()
    if conn.dialect.name == "postgresql":
        for key in sorted(keys):
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})
    elif conn.dialect.name == "sqlite":
        raw = conn.connection.driver_connection
        assert raw is not None  # a live connection from the pool
        if not raw.in_transaction:
            raw.execute("BEGIN IMMEDIATE")


def scans(full: bool = False, now: datetime | None = None) -> RefreshResult:
    """Fold the scans since the last refresh (or, with `full`, every scan) into the scan rollups."""
    lock(SCANS_LOCK)
    result = refresh_scan_rollups(full=full, now=now)
    forget()
    return result


def scans_purged(before: date) -> None:
    """Forget what the derived tables that follow the raw scans' retention hold of WIB days before `before`,
    after the scans of those days were deleted (in this transaction)."""
    lock(SCANS_LOCK)
    drop_purged_days(before)
    forget()


def respondent_counts_written(areas: Iterable[int], opds: Iterable[int], from_day: date) -> None:
    """Bring the respondent totals and level rows in step with counts just written (in this
    transaction) for these areas and OPDs, on `from_day` or later."""
    lock(RESPONDENTS_LOCK)
    db.session.flush()
    conn = db.session.connection()
    areas, opds = set(areas), set(opds)
    refresh_totals(conn, areas, opds, from_day)
    refresh_levels(conn, from_day, areas)
    forget()


def respondents() -> int:
    """Rebuild the respondent totals and level rows whole from the counts (after a bulk load); the rows written."""
    lock(RESPONDENTS_LOCK)
    db.session.flush()
    conn = db.session.connection()
    rows = rebuild_totals(conn)
    rebuild_levels(conn)
    forget()
    return rows


def areas_moved() -> None:
    """Rebuild the rows that sum counts and scans up the area tree, after an area got another parent or
    level (in this transaction)."""
    lock(SCANS_LOCK, RESPONDENTS_LOCK)
    db.session.flush()
    rebuild_levels(db.session.connection())
    rebuild_scan_levels()
    forget()


@dataclass
class Rebuilt:
    """What a full rebuild wrote."""

    scans: RefreshResult
    respondent_totals: int


def rebuild_all(now: datetime | None = None) -> Rebuilt:
    """Rebuild every derived table from raw rows (the scan rollups up to `now` less the safety margin).

    Two transactions, each committed: the scan tables, then the respondent tables.
    """
    result = scans(full=True, now=now)
    db.session.commit()
    rows = respondents()
    db.session.commit()
    log.info("derived tables rebuilt: %d link-days, %d respondent totals", result.rows, rows)
    return Rebuilt(result, rows)


@dataclass
class Difference:
    """How one derived table differs from a rebuild: rows only stored, rows only rebuilt (with examples)."""

    table: str
    rows: int
    stored_only: int = 0
    rebuilt_only: int = 0
    examples: list[str] = field(default_factory=list)

    @property
    def equal(self) -> bool:
        """True when the stored rows are exactly the rebuilt ones."""
        return not (self.stored_only or self.rebuilt_only)


def _rows(table: Table) -> Counter[tuple[Any, ...]]:
    """Every row of a derived table, without its surrogate id (a rebuild numbers rows anew)."""
    columns = [c for c in table.c if c.name != "id"]
    return Counter(tuple(row) for row in db.session.execute(select(*columns)))


def _difference(
    table: Table, stored: Counter[tuple[Any, ...]], rebuilt: Counter[tuple[Any, ...]], examples: int = 5
) -> Difference:
    stored_only, rebuilt_only = stored - rebuilt, rebuilt - stored
    names = [c.name for c in table.c if c.name != "id"]
    shown = [f"stored only: {dict(zip(names, row, strict=True))}" for row in list(stored_only)[:examples]]
    shown += [f"rebuilt only: {dict(zip(names, row, strict=True))}" for row in list(rebuilt_only)[:examples]]
    return Difference(table.name, rebuilt.total(), stored_only.total(), rebuilt_only.total(), shown)


def check() -> list[Difference]:
    """Rebuild every derived table inside a transaction that is rolled back, and compare it with the
    stored rows; one Difference per table.

    The scan rollups are rebuilt up to the stored cut (scans after it are read live, not rolled up),
    or, before the first refresh, must be empty.
    """
    db.session.rollback()
    lock(SCANS_LOCK, RESPONDENTS_LOCK)
    try:
        stored = {table.name: _rows(table) for table in DERIVED_TABLES}
        mark = db.session.get(ScanRollupMark, 1)
        if mark is not None:
            refresh_scan_rollups(full=True, now=mark.refreshed_until + SAFETY_MARGIN)
        else:
            for table in SCAN_TABLES:
                db.session.execute(table.delete())
        conn = db.session.connection()
        rebuild_totals(conn)
        rebuild_levels(conn)
        rebuilt = {table.name: _rows(table) for table in DERIVED_TABLES}
    finally:
        db.session.rollback()
        forget()
    return [_difference(table, stored[table.name], rebuilt[table.name]) for table in DERIVED_TABLES]
