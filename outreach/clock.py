"""Time for Bandar Lampung: WIB (Asia/Jakarta, UTC+7 all year) days for people, UTC moments for storage.

Every "today", every day boundary and every wall-clock conversion comes from here, so a page, an export
and the API agree on which day a scan or a drive belongs to whatever the server's own time zone is.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")


def now() -> datetime:
    """The current moment, timezone-aware in UTC."""
    return datetime.now(UTC)


def today() -> date:
    """Today's date in Bandar Lampung (WIB), not the server's."""
    return wib_day(now())


def wib_day(moment: datetime) -> date:
    """The WIB calendar day of a timezone-aware moment (17:00 UTC is already the next WIB day)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; use a timezone-aware one")
    return moment.astimezone(WIB).date()


def wib_day_start(day: date) -> datetime:
    """00:00 WIB of a day, in UTC."""
    return wib_to_utc(datetime.combine(day, time.min))


def wib_day_range(first: date, last: date) -> tuple[datetime, datetime]:
    """The UTC moments [00:00 WIB of `first`, 00:00 WIB of the day after `last`): both days included."""
    return wib_day_start(first), wib_day_start(last + timedelta(days=1))


def wib_to_utc(local: datetime) -> datetime:
    """Read a naive wall-clock time as WIB and return it in UTC."""
    if local.tzinfo is not None:
        raise ValueError("expected a naive WIB wall-clock time")
    return local.replace(tzinfo=WIB).astimezone(UTC)


def to_wib(moment: datetime) -> datetime:
    """A stored UTC moment as WIB wall-clock time."""
    return moment.astimezone(WIB)


def wib_days(starts_at: datetime, ends_at: datetime) -> list[date]:
    """Every WIB day an interval touches; an end at exactly 00:00 does not touch the next day."""
    first = to_wib(starts_at).date()
    last = to_wib(ends_at - timedelta(microseconds=1)).date()
    return day_range(first, last)


def day_range(start: date, end: date) -> list[date]:
    """Every day from start to end, both included."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
