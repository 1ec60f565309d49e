"""Promoter and drive rankings for staff, and a promoter's own daily scans, aggregated in SQL.

Rankings are for coordinators, admins and leadership only; a promoter only ever gets `own_daily()`.
Scans come from the daily rollup plus its live tail (`daily_scan_rows()`), bots never count.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import func, select

from outreach.clock import day_range
from outreach.drives.models import Drive
from outreach.extensions import db
from outreach.links.models import Link
from outreach.metrics.figures import drive_window, drives_between
from outreach.metrics.respondents import Unit, daily_by_audience, get_source
from outreach.metrics.rows import read_rows
from outreach.metrics.scans import promoter_scan_rows, promoter_totals
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
    totals = promoter_totals(start, end, top=limit)
    found = sorted(((pid, s, u) for pid, (s, u) in totals.items() if s > 0), key=lambda row: (-row[1], row[0]))[:limit]
    ids = [r[0] for r in found]
    links = select(func.count()).where(Link.promoter_id == Promoter.id).scalar_subquery()
    promoters = {p.id: (p, n) for p, n in db.session.execute(select(Promoter, links).where(Promoter.id.in_(ids)))}
    return [PromoterRank(promoters[pid][0], s, u, promoters[pid][1]) for pid, s, u in found]


@dataclass(frozen=True)
class DriveRank:
    """A drive and the count in its units over its window (first day to FOLLOW_DAYS after the last)."""

    drive: Drive
    start: date
    end: date
    count: int


def drive_ranking(start: date, end: date, source_key: str, limit: int = RANKING_SIZE) -> list[DriveRank]:
    """Drives touching the range, ranked by the chosen source's count in their units over their window.

    Windows are cut at the range's end. A kecamatan's count includes its kelurahan. This is a plain
    count, not an uplift: the uplift page (and the drives page) compare with untouched units.
    """
    drives = drives_between(start, end)
    if not drives:
        return []
    windows = {drive: (drive_window(drive)[0], min(drive_window(drive)[1], end)) for drive in drives}
    first, last = min(w[0] for w in windows.values()), max(w[1] for w in windows.values())
    units: dict[str, set[Unit]] = {}
    for drive in drives:
        units.setdefault(drive.audience, set()).update(_counted_units(drive))
    series = daily_by_audience(get_source(source_key), {aud: list(found) for aud, found in units.items()}, first, last)
    ranks = []
    for drive, (begin, end_) in windows.items():
        daily = series[drive.audience]
        count = sum(n for unit in _counted_units(drive) for day, n in daily[unit].items() if begin <= day <= end_)
        ranks.append(DriveRank(drive, begin, end_, count))
    ranks.sort(key=lambda r: (-r.count, r.start))
    return ranks[:limit]


def _counted_units(drive: Drive) -> list[Unit]:
    """The drive's areas and OPDs, leaving out kelurahan whose kecamatan is targeted too (counted there)."""
    area_ids = {a.id for a in drive.areas}
    areas: list[Unit] = [a for a in drive.areas if a.parent_id not in area_ids or a.level != "kelurahan"]
    return areas + list(drive.opds)


@dataclass(frozen=True)
class OwnWeeks:
    """A promoter's visits (bots left out) in the last 7 WIB days, the 7 before, and each recent day."""

    this_week: int
    last_week: int
    recent: list[tuple[date, int]]  # the last 7 days, newest first


def own_weeks(promoter: Promoter, today: date) -> OwnWeeks:
    """This week's visits to a promoter's own links against last week's, newest days first."""
    days = own_daily(promoter, 14, today)
    return OwnWeeks(
        this_week=sum(visits for _day, visits, _u in days[7:]),
        last_week=sum(visits for _day, visits, _u in days[:7]),
        recent=[(day, visits) for day, visits, _u in reversed(days[7:])],
    )


def own_daily(promoter: Promoter, days: int, today: date) -> list[tuple[date, int, int]]:
    """(day, scans, unique visitors) of all of a promoter's links for the last `days` WIB days, zero-filled."""
    first = today - timedelta(days=days - 1)
    rows = promoter_scan_rows(first, today)
    query = (
        select(rows.c.day, func.sum(rows.c.human_scans), func.sum(rows.c.unique_visitors))
        .where(rows.c.promoter_id == promoter.id)
        .group_by(rows.c.day)
    )
    found = {day: (int(s), int(u)) for day, s, u in read_rows(query)}
    return [(day, *found.get(day, (0, 0))) for day in day_range(first, today)]
