"""A drive's report: scans in the window before it, during it and in the days after, from the scan rollups.

The post window is the uplift page's (`metrics.figures.drive_window`: the drive's WIB days and
FOLLOW_DAYS after), split into "during" and "after"; the before window has the same length and ends the
day before the drive. All figures come from `metrics.scans.totals_by_day` (SQL sums per day over the daily rollup).
"""

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import ColumnElement, Select, or_, select

from outreach.areas.models import subtree_ids
from outreach.clock import wib_day_start, wib_days
from outreach.drives.models import CANCELLED, Drive
from outreach.extensions import db
from outreach.links.models import Link
from outreach.metrics.figures import drive_units, drive_window, with_moving_average
from outreach.metrics.scans import LinkIds, ScanTotals, totals_by_day


@dataclass(frozen=True)
class Window:
    """WIB days from first to last, both included."""

    first: date
    last: date

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1


@dataclass(frozen=True)
class ReportWindows:
    """Before, during and after a drive; `post` is during and after together (the uplift page's window)."""

    before: Window
    during: Window
    after: Window

    @property
    def post(self) -> Window:
        return Window(self.during.first, self.after.last)


def report_windows(drive: Drive) -> ReportWindows:
    """The drive's WIB days, the follow-up days of the uplift window, and the same-length window before."""
    start, end = drive_window(drive)
    days = wib_days(drive.starts_at, drive.ends_at)
    length = (end - start).days + 1
    return ReportWindows(
        before=Window(start - timedelta(days=length), start - timedelta(days=1)),
        during=Window(days[0], days[-1]),
        after=Window(days[-1] + timedelta(days=1), end),
    )


@dataclass(frozen=True)
class ScopeFigures:
    """Scan totals of one set of links in each window, and per WIB day from the first day before the
    drive to the last day after it."""

    before: ScanTotals
    during: ScanTotals
    after: ScanTotals
    post: ScanTotals
    days: dict[date, ScanTotals]

    @property
    def change(self) -> int:
        """Human scans after the drive began minus those in the same-length window before."""
        return self.post.human_scans - self.before.human_scans

    @property
    def change_percent(self) -> float | None:
        """The change relative to the before window (None when there were no scans before)."""
        return None if not self.before.human_scans else 100 * self.change / self.before.human_scans


def scope_figures(link_ids: LinkIds, windows: ReportWindows) -> ScopeFigures:
    """Totals of the links (a list or a select of ids) in the before, during, after and post windows,
    summed from their daily totals over all of them (one statement)."""
    days = totals_by_day(link_ids, windows.before.first, windows.after.last)

    def total(window: Window) -> ScanTotals:
        return ScanTotals.summed(v for day, v in days.items() if window.first <= day <= window.last)

    before, during, after, post = (total(w) for w in (windows.before, windows.during, windows.after, windows.post))
    return ScopeFigures(before, during, after, post, days=days)


def own_link_ids(drive: Drive, promoter_id: int | None = None) -> Select[tuple[int]]:
    """Ids of the links made for the drive (one promoter's only, when given)."""
    query = select(Link.id).where(Link.drive_id == drive.id)
    return query if promoter_id is None else query.where(Link.promoter_id == promoter_id)


def area_link_ids(drive: Drive) -> Select[tuple[int]] | None:
    """Ids of all links of the drive's areas (and everything below them) and OPDs, whoever made them."""
    conditions: list[ColumnElement[bool]] = [Link.opd_id.in_([o.id for o in drive.opds])] if drive.opds else []
    if drive.areas:
        conditions.append(Link.area_id.in_(subtree_ids(drive.areas)))
    if not conditions:
        return None
    return select(Link.id).where(or_(*conditions))


def chart_points(figures: ScopeFigures, windows: ReportWindows) -> list[tuple[date, int, float]]:
    """(day, human scans, 7-day trailing mean) from the first day before the drive to the last after it."""
    daily = {day: totals.human_scans for day, totals in figures.days.items()}
    return with_moving_average(daily, windows.before.first, windows.after.last, windows.before.first)


def nearby_drives(drive: Drive, windows: ReportWindows) -> list[Drive]:
    """Other drives (not cancelled) reaching the same areas or OPDs between the first day before and the
    last day after this one: their scans show in this report's area figures too."""
    stmt = (
        select(Drive)
        .where(
            Drive.id != drive.id,
            Drive.status != CANCELLED,
            Drive.starts_at < wib_day_start(windows.after.last + timedelta(days=1)),
            Drive.ends_at > wib_day_start(windows.before.first),
        )
        .order_by(Drive.starts_at, Drive.id)
    )
    mine = drive_units(drive)
    return [other for other in db.session.scalars(stmt) if drive_units(other) & mine]
