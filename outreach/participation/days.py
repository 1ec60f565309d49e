"""WIB (Asia/Jakarta) calendar days: every participation figure is counted per WIB day."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

WIB = ZoneInfo("Asia/Jakarta")


def wib_day(moment: datetime) -> date:
    """The WIB calendar day of a timezone-aware moment (UTC 17:00 is already the next WIB day)."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime given; use a timezone-aware one")
    return moment.astimezone(WIB).date()


def wib_today(now: datetime | None = None) -> date:
    """Today's date in WIB."""
    return wib_day(now or datetime.now(UTC))


def day_range(start: date, end: date) -> list[date]:
    """Every day from start to end, both included."""
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]
