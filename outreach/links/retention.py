"""Scan retention: raw scans older than SCAN_RETENTION_DAYS are deleted once folded into the rollups.

Dashboards read whole days from `scan_daily`, so deleting raw scans of days that are rolled up
changes no figure. `purge_old_scans()` refreshes the rollups first, checks that every day it is
about to delete is rolled up exactly (per link and day, every count column), and only then deletes,
whole WIB days at a time. A day that does not match stops the purge before anything is deleted.
"""

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, delete, select

from outreach.clock import wib_day, wib_day_start
from outreach.extensions import db
from outreach.links.models import Scan, ScanDaily
from outreach.metrics import refresh
from outreach.metrics.scans import COUNT_COLUMNS, _aggregate
from outreach.models import utcnow

log = logging.getLogger(__name__)


class RetentionError(Exception):
    """The rollups do not cover the scans to be deleted; nothing was deleted."""


@dataclass
class PurgeResult:
    """What a purge did: scans older than `before` (first kept WIB day) deleted, over `days` link-days."""

    before: date
    deleted: int
    link_days: int


def purge_old_scans(days: int, now: datetime | None = None) -> PurgeResult:
    """Delete raw scans of WIB days more than `days` ago, after verifying they are rolled up. Idempotent.

    The caller commits (the refresh and the delete are one transaction).
    """
    if days < 1:
        raise ValueError("retention must be at least 1 day")
    now = now or utcnow()
    refresh.scans(now=now)
    before = wib_day(now) - timedelta(days=days)
    cutoff = wib_day_start(before)
    raw = {
        (row.link_id, row.day): tuple(int(getattr(row, name)) for name in COUNT_COLUMNS)
        for row in db.session.execute(_aggregate(None).where(Scan.created_at < cutoff))
    }
    if raw:
        rolled = {
            (row.link_id, row.day): tuple(int(getattr(row, name)) for name in COUNT_COLUMNS)
            for row in db.session.scalars(select(ScanDaily).where(ScanDaily.day < before))
        }
        missing = sorted(key for key, counts in raw.items() if rolled.get(key) != counts)
        if missing:
            link_id, day = missing[0]
            raise RetentionError(
                f"{len(missing)} link-days are not rolled up exactly (first: link {link_id} on {day}); nothing deleted"
            )
    deleted = (
        cast(CursorResult[Any], db.session.execute(delete(Scan).where(Scan.created_at < cutoff))).rowcount if raw else 0
    )
    refresh.scans_purged(before)
    log.info("purged %d scans before %s (%d link-days, kept in the rollups)", deleted, before, len(raw))
    return PurgeResult(before, deleted, len(raw))
