"""The integrity signals' derived tables (`outreach.metrics.models`): rebuilt from raw scans with the scan
rollups, and read with the live tail added, so each signal is exact without waiting for a refresh.

`refresh_integrity_rollups()` runs inside `refresh_scan_rollups()`, with its cut: every table holds the
human scans created before it. Readers take the rows of the look-back period's days from the tables and
the scans created since the cut from `scan` (`live_scans()`: minutes of scans between two cron runs,
counted in Python). Before the first refresh the tables are not read and every scan of the period is live.

Readers name each day (and hour) they want, `day IN (...)` rather than a range: every key starts with the
day, so both databases seek the rows of those days whatever their statistics say.
"""

import typing
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Date, Select, SmallInteger, String, Table, and_, bindparam, cast, delete, func, or_, select
from sqlalchemy.sql import Subquery

from outreach.clock import to_wib, wib_day, wib_day_start
from outreach.extensions import db
from outreach.links.models import DEVICE_CLASSES, Link, Scan, ScanDaily
from outreach.metrics.models import REPEAT_MIN_SCANS, ScanDeviceDaily, ScanHourly, ScanRepeatDaily
from outreach.metrics.rows import among, read_rows
from outreach.metrics.wib import days_since, wib_day_expr, wib_hour_expr

INTEGRITY_TABLES = tuple(
    typing.cast(Table, model.__table__) for model in (ScanHourly, ScanDeviceDaily, ScanRepeatDaily)
)

# Named in a query of `scan_hourly` for some links or counts, so its keys (day, hour, ...) seek them.
EVERY_HOUR = list(range(24))
LAST_HOUR = 24  # `scan_hourly.next_hour` of a link's last hour with scans on a day

LinkDay = tuple[int, date]
Visit = tuple[int, date, str]  # link, WIB day, visitor hash


def refresh_integrity_rollups(from_day: date, cut: datetime, keep_from: date) -> None:
    """Recompute the rows of WIB days from `from_day` on from the human scans created before `cut`, and drop
    those of days before `keep_from` (the oldest raw scan's day: the scans before it were purged)."""
    for table in INTEGRITY_TABLES:
        db.session.execute(delete(table).where(or_(table.c.day >= from_day, table.c.day < keep_from)))
    day = wib_day_expr(Scan.created_at)
    human = (Scan.is_bot.is_(False), Scan.created_at >= wib_day_start(from_day), Scan.created_at < cut)
    keys = (
        (ScanHourly, "hour", wib_hour_expr(Scan.created_at)),
        (ScanDeviceDaily, "device_class", Scan.device_class),
        (ScanRepeatDaily, "visitor_hash", Scan.visitor_hash),
    )
    for model, name, key in keys:
        # Grouped by day first, like the daily rollup: SQLite then reads the range from the time index.
        query = select(day, Scan.link_id, key, func.count()).where(*human).group_by(day, Scan.link_id, key)
        columns = ["day", "link_id", name, "human_scans"]
        if model is ScanRepeatDaily:
            # Every visitor of the cut's day, rolled up only partly: a scan after the cut may make a repeat,
            # and the live tail's unique visitors ask which visitors were seen before the cut (metrics.scans).
            query = query.having(
                or_(func.count() >= REPEAT_MIN_SCANS, func.max(Scan.created_at) >= wib_day_start(wib_day(cut)))
            )
        if model is ScanHourly:
            query, columns = _with_day_so_far(query.subquery("hours")), [*columns, "day_scans", "next_hour"]
        table = typing.cast(Table, model.__table__)
        db.session.execute(table.insert().from_select(columns, query))


def _with_day_so_far(hours: Subquery) -> Select[Any]:
    """Rows of human scans per day, link and hour with the link's scans of the day so far and its next hour
    with scans that day (24: none)."""
    day, link_id, hour, n = hours.c
    so_far = func.sum(n).over(partition_by=(day, link_id), order_by=hour)
    next_hour = func.lead(hour).over(partition_by=(day, link_id), order_by=hour)
    return select(day, link_id, hour, n, so_far, func.coalesce(next_hour, LAST_HOUR))


def drop_purged_days(before: date) -> None:
    """Drop the rows of WIB days before `before`, whose raw scans the retention just deleted."""
    for table in INTEGRITY_TABLES:
        db.session.execute(delete(table).where(table.c.day < before))


@dataclass
class LiveScans:
    """The human scans of the look-back period (WIB days from `since_day` on) that the tables do not hold,
    created from the cut on, counted per link and WIB day, hour, visitor and device class. `cut` is None
    before the first refresh (every scan is live)."""

    since_day: date
    cut: datetime | None
    days: Counter[LinkDay] = field(default_factory=Counter)
    hours: Counter[tuple[int, date, int]] = field(default_factory=Counter)
    visitors: Counter[Visit] = field(default_factory=Counter)
    devices: Counter[tuple[int, str]] = field(default_factory=Counter)

    @property
    def rolled_days(self) -> list[date]:
        """The days of the period the tables hold rows of: up to the cut's (none before the first refresh)."""
        if self.cut is None:
            return []
        last = wib_day(self.cut)
        return [self.since_day + timedelta(days=n) for n in range((last - self.since_day).days + 1)]


def live_scans(since_day: date, cut: datetime | None) -> LiveScans:
    """The human scans from WIB day `since_day` on that were created from the rollup cut on (`rollup_cut()`;
    None: nothing is rolled up, every scan is live)."""
    since = wib_day_start(since_day)
    live = LiveScans(since_day, cut)
    query = select(Scan.link_id, Scan.created_at, Scan.visitor_hash, Scan.device_class).where(
        Scan.is_bot.is_(False), Scan.created_at >= (since if cut is None else max(since, cut))
    )
    for link_id, created_at, visitor, device in read_rows(query):
        moment = to_wib(created_at)
        day = moment.date()
        live.days[link_id, day] += 1
        live.hours[link_id, day, moment.hour] += 1
        live.visitors[link_id, day, visitor] += 1
        live.devices[link_id, device] += 1
    return live


def repeat_counts(live: LiveScans, least: int) -> dict[Visit, int]:
    """{(link, WIB day, visitor hash): human scans} of the visitors who scanned a link at least `least` times
    on one day of the period (`least` is at least REPEAT_MIN_SCANS, the least the table keeps)."""
    least = max(least, REPEAT_MIN_SCANS)
    found: dict[Visit, int] = {}
    days = live.rolled_days
    if days:
        table = ScanRepeatDaily
        query = select(table.link_id, table.day, table.visitor_hash, table.human_scans).where(
            table.day.in_(days), table.human_scans >= least
        )
        found = {(link_id, day, visitor): n for link_id, day, visitor, n in read_rows(query)}
    earlier = _cut_day_visitors(live, least)
    for visit, n in live.visitors.items():
        # A visitor in the tail: the table holds every visitor's scans before the cut on the cut's day.
        total = n + earlier.get(visit, 0)
        if total >= least:
            found[visit] = total
    return found


def _cut_day_visitors(live: LiveScans, least: int) -> dict[Visit, int]:
    """{(link, the cut's WIB day, visitor hash): human scans before the cut} of the visitors in the tail who
    may reach `least` scans with it (the table holds every visitor of that day: a season's day is tens of
    thousands of rows, and only those close to `least` can become a repeat)."""
    if live.cut is None:
        return {}
    cut_day = wib_day(live.cut)
    tail = {(link_id, visitor): n for (link_id, day, visitor), n in live.visitors.items() if day == cut_day}
    if not tail:
        return {}
    table = ScanRepeatDaily
    query = select(table.link_id, table.visitor_hash, table.human_scans).where(
        table.day == cut_day,
        table.human_scans >= least - max(tail.values()),  # the index by (day, scans) seeks them
    )
    return {(link_id, cut_day, visitor): n for link_id, visitor, n in read_rows(query) if (link_id, visitor) in tail}


@dataclass
class Nights:
    """The link-days with at least so many human scans in the night hours: how many, their night scans per
    link, and the nights that can be among the most scanned (`shown`; every one when no top is asked)."""

    count: int = 0
    per_link: dict[int, int] = field(default_factory=dict)
    shown: dict[LinkDay, int] = field(default_factory=dict)


def night_summary(live: LiveScans, hours: range, least: int, top: int | None) -> Nights:
    """The nights of the period with at least `least` human scans in the WIB `hours`, summed per link in SQL
    with only the `top` most scanned read out (and those tied with them, by scans and day; every night
    without `top`): a season of nights stays a few thousand rows of links."""
    tail = _night_tail(live, hours)
    nights = Nights()
    if live.rolled_days and hours:
        # The tail only adds scans: a night among the top with it is among the stored top or in the tail.
        nights = _stored_nights(live.rolled_days, hours, least, top)
    days = sorted({day for _link_id, day in tail} & set(live.rolled_days))
    stored = _night_sums(days, hours, {link_id for link_id, _day in tail}) if days else {}
    for (link_id, day), n in tail.items():
        before = stored.get((link_id, day), 0)
        if before >= least:  # counted among the stored nights: counted again with the tail
            nights.count -= 1
            nights.per_link[link_id] -= before
            if not nights.per_link[link_id]:
                del nights.per_link[link_id]
        if before + n >= least:
            nights.count += 1
            nights.per_link[link_id] = nights.per_link.get(link_id, 0) + before + n
            nights.shown[link_id, day] = before + n
    return nights


def _night_tail(live: LiveScans, hours: range) -> Counter[LinkDay]:
    """{(link, WIB day): human scans in the WIB `hours`} of the live tail."""
    tail = Counter[LinkDay]()
    for (link_id, day, hour), n in live.hours.items():
        if hour in hours:
            tail[link_id, day] += n
    return tail


def _stored_nights(days: list[date], hours: range, least: int, top: int | None) -> Nights:
    """The stored nights on `days` with at least `least` human scans in the WIB `hours`: their count and
    scans per link, and those that can be among the `top` by scans (every night without `top`).

    The scans up to the end of the hours are `day_scans` of the last row in them (its next hour is past
    them); the scans before them are subtracted. Nights are summed per link in SQL, with each link's most
    scanned night; the `top` links by that night have a night with at least as many scans as the `top`-th
    most scanned night, so only their nights with that many are read.
    """
    table = ScanHourly
    # The end hour is written into the SQL, not bound, so PostgreSQL's planner can tell the nights ending at
    # 05:00 are all in `ix_scan_hourly_nights`. A row before the night's start has no night scans: the
    # scans before the night, subtracted below, leave it none.
    end = bindparam("night_end", hours.stop, type_=SmallInteger, literal_execute=True)
    nights = (
        select(table.link_id.label("link_id"), table.day.label("day"), table.day_scans.label("n"))
        .where(table.day.in_(days), table.hour < end, table.next_hour >= end)
        .where(table.day_scans >= least)
        .subquery("upto")
    )
    if hours.start > 0:
        before = (
            select(table.link_id.label("link_id"), table.day.label("day"), table.day_scans.label("n"))
            .where(table.day.in_(days), table.hour.in_(list(range(hours.start))), table.next_hour >= hours.start)
            .subquery("before")
        )
        n = nights.c.n - func.coalesce(before.c.n, 0)
        nights = (
            select(nights.c.link_id, nights.c.day, n.label("n"))
            .outerjoin(before, and_(before.c.link_id == nights.c.link_id, before.c.day == nights.c.day))
            .where(n >= least)
            .subquery("nights")
        )
    link, n = nights.c.link_id, nights.c.n
    found = Nights()
    most: dict[int, int] = {}
    for link_id, count, scans, highest in read_rows(
        select(link, func.count(), func.sum(n), func.max(n)).group_by(link)
    ):
        found.count += count
        found.per_link[link_id] = int(scans)
        most[link_id] = highest
    shown = select(link, nights.c.day, n)
    if top is not None and len(most) > top:
        # Only links whose most scanned night has that many have such a night: no list of links is needed.
        shown = shown.where(n >= sorted(most.values(), reverse=True)[top - 1])
    elif not most:
        return found
    found.shown = {(link_id, day): n for link_id, day, n in read_rows(shown)}
    return found


def _night_sums(days: list[date], hours: range, links: Collection[int]) -> dict[LinkDay, int]:
    """{(link, WIB day): stored human scans in the WIB `hours`} of `links` on `days`."""
    table = ScanHourly
    query = (
        select(table.link_id, table.day, func.sum(table.human_scans))
        .where(table.day.in_(days), table.hour.in_(list(hours)), among(table.link_id, links))
        .group_by(table.link_id, table.day)
    )
    return {(link_id, day): int(n) for link_id, day, n in read_rows(query)}


@dataclass
class BusyLink:
    """A link with an hour of at least so many human scans in the period: its hours with that many (WIB day
    and hour: scans), and its human scans and active hours (with a scan) in the period."""

    busy: dict[tuple[date, int], int] = field(default_factory=dict)
    scans: int = 0
    hours: int = 0


def busy_links(live: LiveScans, least: int) -> dict[int, BusyLink]:
    """{link: BusyLink} of the links with an hour of at least `least` human scans in the period."""
    days = live.rolled_days
    table = ScanHourly
    found: dict[int, BusyLink] = {}
    if days:
        busy = select(table.link_id, table.day, table.hour, table.human_scans).where(
            table.day.in_(days), table.hour.in_(EVERY_HOUR), table.human_scans >= least
        )
        for link_id, day, hour, n in read_rows(busy):
            found.setdefault(link_id, BusyLink()).busy[day, hour] = n
    # A tail hour is busy with the table's scans of it (those before the cut): only rows that many short.
    stored = _stored_hours(live, at_least=least - max(live.hours.values(), default=0))
    for (link_id, day, hour), n in live.hours.items():
        if stored.get((link_id, day, hour), 0) + n >= least:
            found.setdefault(link_id, BusyLink()).busy[day, hour] = stored.get((link_id, day, hour), 0) + n
    if days and found:
        totals = (
            select(table.link_id, func.sum(table.human_scans), func.count())
            .where(table.day.in_(days), table.hour.in_(EVERY_HOUR), among(table.link_id, found))
            .group_by(table.link_id)
        )
        for link_id, scans, hours in read_rows(totals):
            found[link_id].scans, found[link_id].hours = int(scans), int(hours)
    counted = _stored_hours(live, links=found) if found else {}  # the busy links' tail hours with a row
    for (link_id, day, hour), n in live.hours.items():
        if link_id in found:
            found[link_id].scans += n
            if (link_id, day, hour) not in counted:  # an hour the table has no row of yet
                found[link_id].hours += 1
    return found


def _stored_hours(
    live: LiveScans, at_least: int = 1, links: Collection[int] | None = None
) -> dict[tuple[int, date, int], int]:
    """{(link, WIB day, hour): the table's human scans} of the hours in the tail the table has a row of (the
    scans of the hour before the cut) with at least `at_least` scans, of `links` (of every link in the tail
    without)."""
    days = sorted({day for _link_id, day, _hour in live.hours} & set(live.rolled_days))
    if not days:
        return {}
    table = ScanHourly
    query = select(table.link_id, table.day, table.hour, table.human_scans).where(
        table.day.in_(days), table.hour.in_(sorted({hour for _link_id, _day, hour in live.hours}))
    )
    if at_least > 1:  # the index by (day, hour, scans) seeks them
        query = query.where(table.human_scans >= at_least)
    if links is not None:
        query = query.where(among(table.link_id, links))
    return {(link_id, day, hour): n for link_id, day, hour, n in read_rows(query) if (link_id, day, hour) in live.hours}


def device_counts(live: LiveScans, ignore: Collection[str], least: float) -> dict[tuple[int, str], int]:
    """{(link, device class): human scans in the period} of the classes not in `ignore` with at least `least`."""
    classes = [device for device in DEVICE_CLASSES if device not in ignore]
    tail = Counter({(link_id, device): n for (link_id, device), n in live.devices.items() if device not in ignore})
    found: dict[tuple[int, str], int] = {}
    days = live.rolled_days
    if days and classes:
        table = ScanDeviceDaily
        period = (table.day.in_(days), table.device_class.in_(classes))
        total = func.sum(table.human_scans)
        query = (
            select(table.link_id, table.device_class, total)
            .where(*period)
            .group_by(table.link_id, table.device_class)
            .having(total >= least)
        )
        found = {(link_id, device): int(n) for link_id, device, n in read_rows(query)}
        tail_links = sorted({link_id for link_id, _device in tail})
        if tail_links:
            query = (
                select(table.link_id, table.device_class, total)
                .where(*period, table.link_id.in_(tail_links))
                .group_by(table.link_id, table.device_class)
            )
            tail.update({(link_id, device): int(n) for link_id, device, n in read_rows(query)})
    for key, n in tail.items():
        if n >= least:
            found[key] = n
    return found


def link_day_scans(links: Iterable[int], live: LiveScans) -> dict[LinkDay, int]:
    """{(link, WIB day): human scans} of the given links on the days of the period they were scanned."""
    wanted = sorted(set(links))
    found: Counter[LinkDay] = Counter()
    if live.rolled_days and wanted:
        # Each link's days packed as "day:scans,..." (days counted from the first of the period) by a subquery
        # per link, which both databases answer from the key (link, day). Asked for the links' rows of the
        # period outright, PostgreSQL read every link's rows of those days from the index of the day
        # (`scan_daily` is stored in order of day) to keep a few.
        daily = ScanDaily
        first = bindparam("first", live.since_day, type_=Date)
        pair = cast(days_since(daily.day, first), String) + ":" + cast(daily.scans - daily.bot_scans, String)
        days = (
            select(func.aggregate_strings(pair, ","))
            .where(daily.link_id == Link.id, daily.day >= first)
            .scalar_subquery()
        )
        for link_id, packed in read_rows(select(Link.id, days).where(among(Link.id, wanted))):
            for item in packed.split(",") if packed else ():
                offset, n = item.split(":")
                if int(n):
                    found[link_id, live.since_day + timedelta(days=int(offset))] += int(n)
    chosen = set(wanted)
    found.update({key: n for key, n in live.days.items() if key[0] in chosen})
    return dict(found)
