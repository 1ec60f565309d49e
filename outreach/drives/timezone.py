"""WIB (Asia/Jakarta) wall-clock times for people, UTC for storage."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")


def wib_to_utc(local: datetime) -> datetime:
    """Read a naive wall-clock time as WIB and return it in UTC."""
    if local.tzinfo is not None:
        raise ValueError("expected a naive WIB wall-clock time")
    return local.replace(tzinfo=WIB).astimezone(UTC)


def to_wib(moment: datetime) -> datetime:
    """A stored UTC time as WIB."""
    return moment.astimezone(WIB)


def wib_day_start(day: date) -> datetime:
    """00:00 WIB of a day, in UTC."""
    return wib_to_utc(datetime.combine(day, time.min))


def wib_days(starts_at: datetime, ends_at: datetime) -> list[date]:
    """Every WIB day an interval touches; an end at exactly 00:00 does not touch the next day."""
    first = to_wib(starts_at).date()
    last = to_wib(ends_at - timedelta(microseconds=1)).date()
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def wib_today() -> date:
    """Today's date in WIB."""
    return datetime.now(WIB).date()
