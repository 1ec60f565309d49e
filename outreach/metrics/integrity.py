"""Integrity signals: scan patterns that look wrong, computed with SQL aggregates over the raw scans
(the totals they are set against come from the daily rollups).

A signal only points at something for a coordinator to look into; no scan is ever blocked, dropped or
marked because of it (many phones share one public address on mobile networks). Each signal names a
link, its promoter and a time window, and says how many scans it flags, so pages can show every
figure with and without the flagged scans. Only human scans count (bots are already set apart).

Thresholds come from the INTEGRITY_* settings in config.py.
"""

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, literal, select, union
from sqlalchemy.sql import ColumnElement, Select, Subquery

from outreach.clock import wib_day, wib_day_start
from outreach.extensions import db
from outreach.links.models import Link, Scan
from outreach.metrics.scans import daily_scan_rows, totals_for
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
    """Every signal of the look-back period, the flagged links' totals and the overall totals."""

    since: date
    until: date
    thresholds: Thresholds
    signals: list[Signal]
    links: list[LinkTotals]
    scans: int
    flagged: int

    @property
    def without_flagged(self) -> int:
        return self.scans - self.flagged

    def of_kind(self, kind: str) -> list[Signal]:
        return [s for s in self.signals if s.kind == kind]


def _hour_bucket() -> ColumnElement[Any]:
    """SQL for the UTC hour a scan falls in (WIB is a whole number of hours ahead, so it is a WIB hour too)."""
    if db.engine.dialect.name == "postgresql":
        return func.date_trunc("hour", func.timezone("UTC", Scan.created_at))
    return func.strftime("%Y-%m-%d %H:00:00", Scan.created_at)


def _as_utc(value: str | datetime) -> datetime:
    """A bucket from either database as an aware UTC datetime."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _as_date(value: str | date) -> date:
    return date.fromisoformat(value) if isinstance(value, str) else value


def _human(since: datetime, links: Collection[int] | None = None) -> list[ColumnElement[bool]]:
    """Human scans from `since` on (only those of `links` when given)."""
    conditions = [Scan.is_bot.is_(False), Scan.created_at >= since]
    return conditions if links is None else [*conditions, Scan.link_id.in_(links)]


FlaggedIds = Callable[[Collection[int]], Select[tuple[int]]]
"""A detector's flagged scans: the select of the ids of the given links' scans it flags."""


def _flagged_ids(
    since: datetime,
    grouped: Callable[[Collection[int] | None], Subquery],
    matches: Callable[[Subquery], list[ColumnElement[bool]]],
) -> FlaggedIds:
    """The ids of the given links' human scans that fall in one of a detector's groups: `grouped(links)`
    are the groups found among those links' scans (every group is one link's, so they are the same
    groups as among all scans), `matches(group)` says which scans belong to a group."""

    def ids(links: Collection[int]) -> Select[tuple[int]]:
        found = grouped(links)
        return select(Scan.id).join(found, and_(*matches(found))).where(*_human(since, links))

    return ids


def repeat_visitors(since: datetime, t: Thresholds) -> tuple[list[Signal], FlaggedIds]:
    """Many scans of one link by one visitor hash on one WIB day; flags each scan after the visitor's first."""
    day = wib_day_expr(Scan.created_at)

    def groups_of(links: Collection[int] | None = None) -> Subquery:
        return (
            select(
                Scan.link_id.label("link_id"),
                day.label("day"),
                Scan.visitor_hash.label("visitor_hash"),
                func.count().label("n"),
                func.min(Scan.id).label("first_id"),
            )
            .where(*_human(since, links))
            .group_by(Scan.link_id, day, Scan.visitor_hash)
            .having(func.count() >= t.repeat_scans)
            .subquery()
        )

    groups = groups_of()
    rows = db.session.execute(select(groups.c.link_id, groups.c.day, groups.c.n)).all()

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
    for link_id, raw_day, n in rows:
        start = wib_day_start(_as_date(raw_day))
        signals.append(
            _signal("repeat", link_id, start, start + timedelta(days=1), n - 1, {"scans": n}, day=_as_date(raw_day))
        )
    return signals, ids


def bursts(since: datetime, t: Thresholds) -> tuple[list[Signal], FlaggedIds]:
    """Hours in which a link got far more scans than in its other hours of the period (its usual pace)."""
    bucket = _hour_bucket()

    def found_in(links: Collection[int] | None = None) -> Subquery:
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

    rows = db.session.execute(select(found_in())).all()

    ids = _flagged_ids(since, found_in, lambda found: [found.c.link_id == Scan.link_id, found.c.hour == bucket])

    signals = []
    for link_id, hour, n, total, hours in rows:
        n, total, hours = int(n), int(total), int(hours)
        start = _as_utc(hour)
        usual = (total - n) / (hours - 1) if hours > 1 else 0.0
        signals.append(
            _signal("burst", link_id, start, start + timedelta(hours=1), n, {"usual": usual}, day=wib_day(start))
        )
    return signals, ids


def night_scans(since: datetime, t: Thresholds) -> tuple[list[Signal], FlaggedIds]:
    """Scans of a link at night (WIB hours night_start to night_end), per night."""
    day = wib_day_expr(Scan.created_at)
    at_night = wib_hour_expr(Scan.created_at).between(t.night_start, t.night_end - 1)

    def groups_of(links: Collection[int] | None = None) -> Subquery:
        return (
            select(Scan.link_id.label("link_id"), day.label("day"), func.count().label("n"))
            .where(*_human(since, links), at_night)
            .group_by(Scan.link_id, day)
            .having(func.count() >= t.night_scans)
            .subquery()
        )

    rows = db.session.execute(select(groups_of())).all()

    ids = _flagged_ids(
        since,
        groups_of,
        lambda group: [group.c.link_id == Scan.link_id, at_night, wib_day_expr(Scan.created_at) == group.c.day],
    )

    signals = []
    for link_id, raw_day, n in rows:
        start = wib_day_start(_as_date(raw_day)) + timedelta(hours=t.night_start)
        end = wib_day_start(_as_date(raw_day)) + timedelta(hours=t.night_end)
        signals.append(_signal("night", link_id, start, end, n, {}, day=_as_date(raw_day)))
    return signals, ids


def one_device_class(since: datetime, until: datetime, t: Thresholds) -> tuple[list[Signal], FlaggedIds]:
    """Links whose scans in the period are almost all from one device class (other than the ignored ones)."""

    def found_in(links: Collection[int] | None = None) -> Subquery:
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
            select(per_class.c.link_id, per_class.c.device_class, per_class.c.n, per_link.c.total)
            .join(per_link, per_link.c.link_id == per_class.c.link_id)
            .where(
                per_link.c.total >= t.device_scans,
                per_class.c.n >= literal(t.device_share) * per_link.c.total,
                per_class.c.device_class.not_in(t.device_ignore or ("",)),
            )
            .subquery()
        )

    rows = db.session.execute(select(found_in())).all()

    ids = _flagged_ids(
        since, found_in, lambda found: [found.c.link_id == Scan.link_id, found.c.device_class == Scan.device_class]
    )

    signals = [
        _signal(
            "device",
            link_id,
            since,
            until,
            n,
            {"device_class": device, "share": int(n) / int(total), "total": int(total)},
        )
        for link_id, device, n, total in rows
    ]
    return signals, ids


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


def _flagged_per_link(signals: list[Signal], flagged_ids: dict[str, FlaggedIds]) -> dict[int, int]:
    """Flagged scans per link, each scan once. Signals of one kind never share a scan (they are
    different visitors, hours, nights or device classes), so a link flagged by one kind only has the
    sum of its signals; where kinds meet on a link, the scans they flag are read and counted once."""
    kinds: dict[int, set[str]] = {}
    for signal in signals:
        kinds.setdefault(signal.link_id, set()).add(signal.kind)
    shared = {link_id for link_id, found in kinds.items() if len(found) > 1}
    per_link: dict[int, int] = {}
    for signal in signals:
        if signal.link_id not in shared:
            per_link[signal.link_id] = per_link.get(signal.link_id, 0) + signal.flagged
    if shared:
        selects = [
            ids([link_id for link_id in shared if kind in kinds[link_id]])
            for kind, ids in flagged_ids.items()
            if any(kind in kinds[link_id] for link_id in shared)
        ]
        flagged = union(*selects).subquery()
        query = select(Scan.link_id, func.count()).where(Scan.id.in_(select(flagged.c[0]))).group_by(Scan.link_id)
        per_link.update((link_id, int(n)) for link_id, n in db.session.execute(query))
    return per_link


def integrity_report(thresholds: Thresholds, now: datetime | None = None) -> Report:
    """Every signal of the last `lookback_days` WIB days, with the counts with and without flagged scans."""
    now = now or utcnow()
    until = wib_day(now)
    since_day = until - timedelta(days=thresholds.lookback_days - 1)
    since = wib_day_start(since_day)
    signals: list[Signal] = []
    flagged_ids: dict[str, FlaggedIds] = {}
    for kind, (found, ids) in zip(
        KINDS,
        (
            repeat_visitors(since, thresholds),
            bursts(since, thresholds),
            night_scans(since, thresholds),
            one_device_class(since, now, thresholds),
        ),
        strict=True,
    ):
        signals += found
        flagged_ids[kind] = ids
    flagged_per_link = _flagged_per_link(signals, flagged_ids)
    scans = totals_for(select(Link.id), since_day).human_scans
    flagged = sum(flagged_per_link.values())
    link_ids = {s.link_id for s in signals}
    names = {
        link_id: (code, promoter)
        for link_id, code, promoter in db.session.execute(
            select(Link.id, Link.code, Promoter.name)
            .outerjoin(Promoter, Promoter.id == Link.promoter_id)
            .where(Link.id.in_(link_ids))
        )
    }
    rows = daily_scan_rows()  # human scans per link and WIB day, exact (the rollup and the live tail)
    per_day = {
        (link_id, _as_date(d)): int(n)
        for link_id, d, n in db.session.execute(
            select(rows.c.link_id, rows.c.day, func.sum(rows.c.scans) - func.sum(rows.c.bot_scans))
            .where(rows.c.link_id.in_(link_ids), rows.c.day >= since_day)
            .group_by(rows.c.link_id, rows.c.day)
        )
    }
    per_link: dict[int, int] = {}
    for (link_id, _day), n in per_day.items():
        per_link[link_id] = per_link.get(link_id, 0) + n
    for signal in signals:
        signal.code, signal.promoter = names[signal.link_id]
        day_of = signal.detail.get("day")
        signal.window_scans = per_day.get((signal.link_id, day_of), 0) if day_of else per_link.get(signal.link_id, 0)
    signals.sort(key=lambda s: (KINDS.index(s.kind), -s.flagged, s.start))
    links = sorted(
        (
            LinkTotals(link_id, *names[link_id], per_link.get(link_id, 0), flagged_per_link.get(link_id, 0))
            for link_id in link_ids
        ),
        key=lambda row: (-row.flagged, row.code),
    )
    return Report(since_day, until, thresholds, signals, links, scans, flagged)
