"""Integrity signals: scan patterns that look wrong, found in the integrity rollups (human scans per link
and WIB hour, device class, or visitor; `outreach.metrics.integrity_rollups`) with the live tail added.

A signal only points at something for a coordinator to look into; no scan is ever blocked, dropped or
marked because of it (many phones share one public address on mobile networks). Each signal names a
link, its promoter and a time window, and says how many scans it flags, so pages can show every
figure with and without the flagged scans. Only human scans count (bots are already set apart). Where
signals of several kinds meet on one link, the scans they flag are read from the raw scans of that link,
so a scan is counted once.

Thresholds come from the INTEGRITY_* settings in config.py.
"""

import heapq
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any, Protocol, TypeVar

from sqlalchemy import and_, func, literal, select, union
from sqlalchemy.sql import ColumnElement, Select, Subquery

from outreach.clock import wib_day, wib_day_start
from outreach.extensions import db
from outreach.links.models import CITY_UNIT, Link, Scan
from outreach.metrics.integrity_rollups import (
    LiveScans,
    busy_links,
    device_counts,
    link_day_scans,
    live_scans,
    night_summary,
    repeat_counts,
)
from outreach.metrics.rows import among, read_rows
from outreach.metrics.scans import level_window_totals, rollup_cut
from outreach.metrics.wib import wib_day_expr, wib_hour_expr
from outreach.models import utcnow
from outreach.promoters.models import Promoter

KINDS = ("repeat", "burst", "night", "device")


@dataclass(frozen=True)
class Thresholds:
    """When a pattern becomes a signal (see the INTEGRITY_* settings)."""

    lookback_days: int = 14
    repeat_scans: int = 10
    burst_scans: int = 30
    burst_factor: float = 5.0
    night_start: int = 0
    night_end: int = 5
    night_scans: int = 3
    device_scans: int = 20
    device_share: float = 0.95
    device_ignore: tuple[str, ...] = ("mobile",)

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> "Thresholds":
        """Thresholds from the app config, defaults where a setting is missing."""
        settings = {name: f"INTEGRITY_{name.upper()}" for name in cls.__dataclass_fields__}
        return cls(**{name: config[key] for name, key in settings.items() if key in config})


@dataclass
class Signal:
    """One thing that looks wrong: which link, when, how many scans it flags and what else to know."""

    kind: str
    link_id: int
    code: str
    promoter: str | None
    start: datetime  # UTC; the window is [start, end)
    end: datetime
    flagged: int
    detail: dict[str, Any] = field(default_factory=dict)
    window_scans: int = 0  # the link's human scans in the window, flagged ones included

    @property
    def without_flagged(self) -> int:
        """The link's scans in the window without the flagged ones."""
        return self.window_scans - self.flagged


@dataclass
class LinkTotals:
    """A flagged link's human scans in the look-back period, with and without every flagged scan."""

    link_id: int
    code: str
    promoter: str | None
    scans: int
    flagged: int

    @property
    def without_flagged(self) -> int:
        return self.scans - self.flagged


@dataclass
class Report:
    """The signals of the look-back period (every one, or the `top` of each kind), the flagged links'
    totals (every link, or the `top`) and the overall totals, which always count every signal."""

    since: date
    until: date
    thresholds: Thresholds
    signals: list[Signal]
    links: list[LinkTotals]
    scans: int
    flagged: int
    found: dict[str, int]  # signals of each kind, shown or not
    links_found: int  # links with signals, shown or not

    @property
    def without_flagged(self) -> int:
        return self.scans - self.flagged

    def of_kind(self, kind: str) -> list[Signal]:
        return [s for s in self.signals if s.kind == kind]


@dataclass
class Found:
    """One kind's signals: how many, the scans they flag per link, and those that can be shown (every one,
    or those that can be among the top)."""

    count: int
    per_link: dict[int, int]
    signals: list[Signal]

    @classmethod
    def of(cls, signals: list[Signal], top: int | None) -> "Found":
        per_link: dict[int, int] = {}
        for signal in signals:
            per_link[signal.link_id] = per_link.get(signal.link_id, 0) + signal.flagged
        return cls(len(signals), per_link, _contenders(signals, _signal_rank, top))


def _hour_bucket() -> ColumnElement[Any]:
    """SQL for the UTC hour a scan falls in (WIB is a whole number of hours ahead, so it is a WIB hour too)."""
    if db.engine.dialect.name == "postgresql":
        return func.date_trunc("hour", func.timezone("UTC", Scan.created_at))
    return func.strftime("%Y-%m-%d %H:00:00", Scan.created_at)


def _human(since: datetime, links: Collection[int] | None = None) -> list[ColumnElement[bool]]:
    """Human scans from `since` on (only those of `links` when given)."""
    conditions = [Scan.is_bot.is_(False), Scan.created_at >= since]
    return conditions if links is None else [*conditions, Scan.link_id.in_(links)]


FlaggedIds = Callable[[Collection[int]], Select[tuple[int]]]
"""A detector's flagged scans: the select of the ids of the given links' scans it flags."""


def _flagged_ids(
    since: datetime,
    grouped: Callable[[Collection[int]], Subquery],
    matches: Callable[[Subquery], list[ColumnElement[bool]]],
) -> FlaggedIds:
    """The ids of the given links' human scans that fall in one of a detector's groups, read from the raw
    scans: `grouped(links)` are the groups found among those links' scans (every group is one link's, so
    they are the same groups the detector found), `matches(group)` says which scans belong to a group."""

    def ids(links: Collection[int]) -> Select[tuple[int]]:
        found = grouped(links)
        return select(Scan.id).join(found, and_(*matches(found))).where(*_human(since, links))

    return ids


def repeat_visitors(live: LiveScans, since: datetime, t: Thresholds, top: int | None) -> tuple[Found, FlaggedIds]:
    """Many scans of one link by one visitor hash on one WIB day; flags each scan after the visitor's first."""
    day = wib_day_expr(Scan.created_at)

    def groups_of(links: Collection[int]) -> Subquery:
        return (
            select(
                Scan.link_id.label("link_id"),
                day.label("day"),
                Scan.visitor_hash.label("visitor_hash"),
                func.min(Scan.id).label("first_id"),
            )
            .where(*_human(since, links))
            .group_by(Scan.link_id, day, Scan.visitor_hash)
            .having(func.count() >= t.repeat_scans)
            .subquery()
        )

    ids = _flagged_ids(
        since,
        groups_of,
        lambda group: [
            group.c.link_id == Scan.link_id,
            group.c.visitor_hash == Scan.visitor_hash,
            wib_day_expr(Scan.created_at) == group.c.day,
            Scan.id != group.c.first_id,
        ],
    )
    signals = []
    for (link_id, found_day, _visitor), n in repeat_counts(live, t.repeat_scans).items():
        start = _day_start(found_day)
        signals.append(_signal("repeat", link_id, start, start + timedelta(days=1), n - 1, {"scans": n}, day=found_day))
    return Found.of(signals, top), ids


def bursts(live: LiveScans, since: datetime, t: Thresholds, top: int | None) -> tuple[Found, FlaggedIds]:
    """Hours in which a link got far more scans than in its other hours of the period (its usual pace)."""
    bucket = _hour_bucket()

    def found_in(links: Collection[int]) -> Subquery:
        hourly = (
            select(Scan.link_id.label("link_id"), bucket.label("hour"), func.count().label("n"))
            .where(*_human(since, links))
            .group_by(Scan.link_id, bucket)
            .subquery()
        )
        # Each hour beside its link's totals, from one grouping of the scans (window functions).
        link = hourly.c.link_id
        paced = select(
            link,
            hourly.c.hour,
            hourly.c.n,
            func.sum(hourly.c.n).over(partition_by=link).label("total"),
            func.count().over(partition_by=link).label("hours"),
        ).subquery()
        # The usual pace is the mean of the link's other active hours: (total - n) / (hours - 1).
        return (
            select(paced)
            .where(
                paced.c.n >= t.burst_scans,
                paced.c.n * (paced.c.hours - 1) >= literal(t.burst_factor) * (paced.c.total - paced.c.n),
            )
            .subquery()
        )

    ids = _flagged_ids(since, found_in, lambda found: [found.c.link_id == Scan.link_id, found.c.hour == bucket])
    signals = []
    for link_id, link in busy_links(live, t.burst_scans).items():
        for (found_day, hour), n in link.busy.items():
            if _is_burst(n, link.scans, link.hours, t):
                start = _day_start(found_day) + timedelta(hours=hour)
                usual = (link.scans - n) / (link.hours - 1) if link.hours > 1 else 0.0
                signals.append(
                    _signal("burst", link_id, start, start + timedelta(hours=1), n, {"usual": usual}, day=found_day)
                )
    return Found.of(signals, top), ids


def _is_burst(n: int, total: int, hours: int, t: Thresholds) -> bool:
    """Whether an hour of `n` scans is a burst for a link with `total` scans in `hours` active hours: at least
    burst_scans, and burst_factor times the usual pace, the mean of the link's other active hours (as the
    SQL of `found_in`, which reads the raw scans)."""
    return n >= t.burst_scans and n * (hours - 1) >= t.burst_factor * (total - n)


def night_scans(live: LiveScans, since: datetime, t: Thresholds, top: int | None) -> tuple[Found, FlaggedIds]:
    """Scans of a link at night (WIB hours night_start to night_end), per night. The nights are counted and
    summed per link in SQL, and only those that can be among the `top` become signals: a season has
    thousands, and only a few are shown."""
    day = wib_day_expr(Scan.created_at)
    at_night = wib_hour_expr(Scan.created_at).between(t.night_start, t.night_end - 1)

    def groups_of(links: Collection[int]) -> Subquery:
        return (
            select(Scan.link_id.label("link_id"), day.label("day"))
            .where(*_human(since, links), at_night)
            .group_by(Scan.link_id, day)
            .having(func.count() >= t.night_scans)
            .subquery()
        )

    ids = _flagged_ids(
        since,
        groups_of,
        lambda group: [group.c.link_id == Scan.link_id, at_night, wib_day_expr(Scan.created_at) == group.c.day],
    )
    nights = night_summary(live, range(t.night_start, t.night_end), t.night_scans, top)
    start, end = timedelta(hours=t.night_start), timedelta(hours=t.night_end)
    signals = []
    for (link_id, found_day), n in nights.shown.items():
        midnight = _day_start(found_day)
        signals.append(_signal("night", link_id, midnight + start, midnight + end, n, {}, day=found_day))
    return Found(nights.count, nights.per_link, _contenders(signals, _signal_rank, top)), ids


def one_device_class(
    live: LiveScans, since: datetime, until: datetime, t: Thresholds, top: int | None
) -> tuple[Found, FlaggedIds]:
    """Links whose scans in the period are almost all from one device class (other than the ignored ones)."""

    def found_in(links: Collection[int]) -> Subquery:
        per_class = (
            select(Scan.link_id.label("link_id"), Scan.device_class.label("device_class"), func.count().label("n"))
            .where(*_human(since, links))
            .group_by(Scan.link_id, Scan.device_class)
            .subquery()
        )
        per_link = (
            select(per_class.c.link_id, func.sum(per_class.c.n).label("total")).group_by(per_class.c.link_id).subquery()
        )
        return (
            select(per_class.c.link_id, per_class.c.device_class)
            .join(per_link, per_link.c.link_id == per_class.c.link_id)
            .where(
                per_link.c.total >= t.device_scans,
                per_class.c.n >= literal(t.device_share) * per_link.c.total,
                per_class.c.device_class.not_in(t.device_ignore or ("",)),
            )
            .subquery()
        )

    ids = _flagged_ids(
        since, found_in, lambda found: [found.c.link_id == Scan.link_id, found.c.device_class == Scan.device_class]
    )
    # A class with n >= share * total scans, of a link with total >= device_scans, has n >= share * device_scans.
    found = device_counts(live, t.device_ignore, t.device_share * t.device_scans)
    totals = Counter[int]()
    for (link_id, _day), n in link_day_scans({link_id for link_id, _device in found}, live).items():
        totals[link_id] += n
    signals = [
        _signal(
            "device",
            link_id,
            since,
            until,
            n,
            {"device_class": device, "share": n / totals[link_id], "total": totals[link_id]},
        )
        for (link_id, device), n in found.items()
        if totals[link_id] >= t.device_scans and n >= t.device_share * totals[link_id]
    ]
    return Found.of(signals, top), ids


@lru_cache(maxsize=366)
def _day_start(day: date) -> datetime:
    """00:00 WIB of a day, in UTC (the night signals of a season ask for the same fortnight a thousand times)."""
    return wib_day_start(day)


def _signal(
    kind: str,
    link_id: int,
    start: datetime,
    end: datetime,
    flagged: int,
    detail: dict[str, Any],
    day: date | None = None,
) -> Signal:
    signal = Signal(kind, link_id, "", None, start, end, int(flagged), detail)
    signal.detail["day"] = day
    return signal


def _flagged_per_link(found: dict[str, Found], flagged_ids: dict[str, FlaggedIds]) -> dict[int, int]:
    """Flagged scans per link, each scan once. Signals of one kind never share a scan (they are
    different visitors, hours, nights or device classes), so a link flagged by one kind only has the
    sum of its signals; where kinds meet on a link, the scans they flag are read and counted once."""
    kinds: dict[int, set[str]] = {}
    for kind, of_kind in found.items():
        for link_id in of_kind.per_link:
            kinds.setdefault(link_id, set()).add(kind)
    shared = {link_id for link_id, kinds_of in kinds.items() if len(kinds_of) > 1}
    per_link = {
        link_id: n for of_kind in found.values() for link_id, n in of_kind.per_link.items() if link_id not in shared
    }
    if shared:
        selects = [
            ids([link_id for link_id in shared if kind in kinds[link_id]])
            for kind, ids in flagged_ids.items()
            if any(kind in kinds[link_id] for link_id in shared)
        ]
        flagged = union(*selects).subquery()
        query = select(Scan.link_id, func.count()).where(Scan.id.in_(select(flagged.c[0]))).group_by(Scan.link_id)
        per_link.update((link_id, int(n)) for link_id, n in read_rows(query))
    return per_link


def integrity_report(thresholds: Thresholds, now: datetime | None = None, top: int | None = None) -> Report:
    """Every signal of the last `lookback_days` WIB days, with the counts with and without flagged scans.

    With `top`, the report keeps only the `top` signals of each kind and the `top` links with the most
    flagged scans (the others still count in every total); a page shows those.
    """
    now = now or utcnow()
    until = wib_day(now)
    since_day = until - timedelta(days=thresholds.lookback_days - 1)
    since = wib_day_start(since_day)
    live = live_scans(since_day, rollup_cut())
    detected = (
        repeat_visitors(live, since, thresholds, top),
        bursts(live, since, thresholds, top),
        night_scans(live, since, thresholds, top),
        one_device_class(live, since, now, thresholds, top),
    )
    found = {kind: of_kind for kind, (of_kind, _ids) in zip(KINDS, detected, strict=True)}
    flagged_ids = {kind: ids for kind, (_found, ids) in zip(KINDS, detected, strict=True)}
    flagged_per_link = _flagged_per_link(found, flagged_ids)
    # The most flagged first; the link's code settles ties, so only the rows that can make the top are named.
    top_links = [
        LinkTotals(link_id, "", None, 0, flagged)
        for link_id, flagged in _contenders(list(flagged_per_link.items()), _most_flagged, top)
    ]
    _name([*(s for of_kind in found.values() for s in of_kind.signals), *top_links])
    shown = [
        s for of_kind in found.values() for s in sorted(of_kind.signals, key=lambda s: (*_signal_rank(s), s.code))[:top]
    ]
    top_links = sorted(top_links, key=lambda row: (*_link_rank(row), row.code))[:top]
    _fill_window_scans(shown, top_links, live)
    flagged = sum(flagged_per_link.values())
    counts = {kind: of_kind.count for kind, of_kind in found.items()}
    return Report(
        since_day, until, thresholds, shown, top_links, _human_scans(live), flagged, counts, len(flagged_per_link)
    )


def _signal_rank(signal: Signal) -> tuple[int, datetime]:
    return (-signal.flagged, signal.start)


def _link_rank(row: LinkTotals) -> tuple[int]:
    return (-row.flagged,)


def _most_flagged(item: tuple[int, int]) -> tuple[int]:
    """The rank of a (link, flagged scans) pair, as `_link_rank` of its row."""
    return (-item[1],)


class _Named(Protocol):
    link_id: int
    code: str
    promoter: str | None


R = TypeVar("R")


def _contenders(rows: list[R], rank: Callable[[R], tuple[Any, ...]], top: int | None) -> list[R]:
    """The rows that can be among the `top` by `rank` and then link code: the `top` best ranked and those
    tied with the last of them (every row without `top`), best first. A season flags thousands of links
    and nights to show fifty, so only the contenders are sorted."""
    if top is None or len(rows) <= top:
        return sorted(rows, key=rank)
    last = rank(heapq.nsmallest(top, rows, key=rank)[-1])
    return sorted((row for row in rows if rank(row) <= last), key=rank)


def _name(rows: Iterable[_Named]) -> None:
    """Set each row's link code and promoter's name (None: the link has no promoter)."""
    rows = list(rows)
    if not rows:
        return
    query = (
        select(Link.id, Link.code, Promoter.name)
        .outerjoin(Promoter, Promoter.id == Link.promoter_id)
        .where(among(Link.id, {row.link_id for row in rows}))
    )
    names = {link_id: (code, promoter) for link_id, code, promoter in read_rows(query)}
    for row in rows:
        row.code, row.promoter = names[row.link_id]


def _fill_window_scans(signals: list[Signal], links: list[LinkTotals], live: LiveScans) -> None:
    """Set each signal's scans in its window (its WIB day, or the whole period) and each link's scans in
    the period."""
    per_day = link_day_scans({s.link_id for s in signals} | {row.link_id for row in links}, live)
    per_link = Counter[int]()
    for (link_id, _day), n in per_day.items():
        per_link[link_id] += n
    for signal in signals:
        day_of = signal.detail.get("day")
        signal.window_scans = per_day.get((signal.link_id, day_of), 0) if day_of else per_link[signal.link_id]
    for row in links:
        row.scans = per_link[row.link_id]


def _human_scans(live: LiveScans) -> int:
    """Human scans of every link in the period: the city's running totals and the live tail."""
    windows = [(live.since_day, date.max)]
    rolled = level_window_totals("kota", windows).get(CITY_UNIT, {})
    return sum(values[0] for values in rolled.values()) + sum(live.days.values())
