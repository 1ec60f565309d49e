"""Promoter and drive rankings for staff, and a promoter's own daily scans, aggregated in SQL.

Rankings are for coordinators, admins and leadership only; a promoter only ever gets `own_daily()`.
Scans come from the daily rollup plus its live tail (`daily_scan_rows()`), bots never count.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, or_, select

from outreach.areas.models import Area
from outreach.drives.models import Drive
from outreach.extensions import db
from outreach.links.models import Link
from outreach.links.rollups import promoter_scan_rows
from outreach.participation.days import day_range
from outreach.participation.figures import _drives_between, drive_window
from outreach.participation.series import get_source
from outreach.promoters.models import Promoter

RANKING_SIZE = 10


@dataclass(frozen=True)
class PromoterRank:
    """One promoter's scans over a range (bots excluded), and how many links they have."""

    promoter: Promoter
    scans: int
    unique_visitors: int
    links: int


def promoter_ranking(start: date, end: date, limit: int | None = RANKING_SIZE) -> list[PromoterRank]:
    """Promoters with the most scans of their links from start to end (WIB days), most first."""
    rows = promoter_scan_rows(start, end)
    scans = func.sum(rows.c.human_scans)
    query = (
        select(rows.c.promoter_id, scans, func.sum(rows.c.unique_visitors))
        .group_by(rows.c.promoter_id)
        .having(scans > 0)
        .order_by(scans.desc(), rows.c.promoter_id)
        .limit(limit)
    )
    found = db.session.execute(query).all()
    ids = [r[0] for r in found]
    promoters = {p.id: p for p in db.session.scalars(select(Promoter).where(Promoter.id.in_(ids)))}
    links = dict(
        db.session.execute(
            select(Link.promoter_id, func.count()).where(Link.promoter_id.in_(ids)).group_by(Link.promoter_id)
        ).all()
    )
    return [PromoterRank(promoters[pid], int(s), int(u), links.get(pid, 0)) for pid, s, u in found]


@dataclass(frozen=True)
class DriveRank:
    """A drive and the count in its units over its window (first day to FOLLOW_DAYS after the last)."""

    drive: Drive
    start: date
    end: date
    count: int


def drive_ranking(start: date, end: date, source_key: str, limit: int = RANKING_SIZE) -> list[DriveRank]:
    """Drives touching the range, ranked by the chosen source's count in their units over their window.

    A kecamatan's count includes its kelurahan. This is a plain count, not an uplift: the uplift page
    (and the drives page) compare with untouched units.
    """
    drives = _drives_between(start, end)
    if not drives:
        return []
    windows = {drive: drive_window(drive) for drive in drives}
    rows = get_source(source_key).rows(min(w[0] for w in windows.values()), max(w[1] for w in windows.values()))
    ranks = []
    for drive, (first, last) in windows.items():
        area_ids = [a.id for a in drive.areas]
        opd_ids = [o.id for o in drive.opds]
        query = (
            select(func.coalesce(func.sum(rows.c.n), 0))
            .select_from(rows)
            .outerjoin(Area, Area.id == rows.c.area_id)
            .where(
                rows.c.day.between(first, last),
                rows.c.audience == drive.audience,
                or_(rows.c.area_id.in_(area_ids), Area.parent_id.in_(area_ids), rows.c.opd_id.in_(opd_ids)),
            )
        )
        ranks.append(DriveRank(drive, first, last, int(db.session.scalar(query))))
    ranks.sort(key=lambda r: (-r.count, r.start))
    return ranks[:limit]


def own_daily(promoter: Promoter, days: int, today: date) -> list[tuple[date, int, int]]:
    """(day, scans, unique visitors) of all of a promoter's links for the last `days` WIB days, zero-filled."""
    first = today - timedelta(days=days - 1)
    rows = promoter_scan_rows(first, today)
    query = (
        select(rows.c.day, func.sum(rows.c.human_scans), func.sum(rows.c.unique_visitors))
        .where(rows.c.promoter_id == promoter.id)
        .group_by(rows.c.day)
    )
    found = {day: (int(s), int(u)) for day, s, u in db.session.execute(query)}
    return [(day, *found.get(day, (0, 0))) for day in day_range(first, today)]
