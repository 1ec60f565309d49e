"""Derived tables of the integrity signals (`outreach.metrics.integrity`): human scans per link grouped
the ways the signals look at them, so a signal reads a few indexed rows instead of a fortnight of scans.

Caches of `scan`, kept with the scan rollups by `refresh_scan_rollups()` (the same cut: scans created
before it are in these tables, later ones are read live) and rebuilt by `flask metrics refresh`. They
hold the WIB days that still have raw scans: the retention that deletes old scans drops their rows too.
Without a rowid on SQLite, so a lookup by the key finds the count in the key's own b-tree.
"""

from datetime import date

from sqlalchemy import Date, ForeignKey, Index, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from outreach.extensions import Model

# The least scans by one visitor on one complete day that `scan_repeat_daily` keeps.
REPEAT_MIN_SCANS = 2

# The WIB hour the nights `ix_scan_hourly_nights` holds end at: config.py's INTEGRITY_NIGHT_END.
NIGHT_END_INDEXED = 5
NIGHTS_INDEXED = f"hour < {NIGHT_END_INDEXED} AND next_hour >= {NIGHT_END_INDEXED}"


class ScanHourly(Model):
    """Human scans of one link in one WIB hour (`hour` 0–23 of WIB day `day`): bursts and night scans.

    `day_scans` counts the link's human scans of the day up to and including the hour, and `next_hour` is
    the link's next hour with human scans that day (24: none). So the scans of any hours of a day from
    midnight are one row's `day_scans` (the row whose next hour is past them), not a sum over hours.
    """

    __tablename__ = "scan_hourly"
    __table_args__ = (
        # Bursts (the rare hours with many scans) and night scans (a few hours of each day of the look-back
        # period) read this alone; PostgreSQL's primary key holds no counts.
        Index("ix_scan_hourly_scans", "day", "hour", "human_scans", "link_id", "day_scans", "next_hour"),
        # A few links' hours of the period (the links with a burst: their scans and active hours).
        Index("ix_scan_hourly_link", "link_id", "day", "human_scans"),
        # The night signals of nights ending at 05:00 WIB (config.py's default): one row per link and night,
        # its last hour before 05:00, whose `day_scans` are its scans since midnight. Nights that end at
        # another hour are read from `ix_scan_hourly_scans`, which holds every hour.
        Index(
            "ix_scan_hourly_nights",
            "day",
            "day_scans",
            "link_id",
            postgresql_where=text(NIGHTS_INDEXED),
            sqlite_where=text(NIGHTS_INDEXED),
        ),
        {"sqlite_with_rowid": False},
    )

    # The day leads the primary key, and readers name the days (and hours) they want: a primary key led by
    # the link would let SQLite skip-scan it for a range of days (its statistics find few links), reading
    # the whole period. `ix_scan_hourly_link` is read only with a list of links, which it seeks.
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("link.id"), primary_key=True)
    human_scans: Mapped[int]
    day_scans: Mapped[int]
    next_hour: Mapped[int] = mapped_column(SmallInteger)

    def __repr__(self) -> str:
        return f"<ScanHourly link={self.link_id} {self.day} {self.hour:02d}h {self.human_scans}>"


class ScanDeviceDaily(Model):
    """Human scans of one link on one WIB day from one device class: links scanned from one kind of device."""

    __tablename__ = "scan_device_daily"
    __table_args__ = ({"sqlite_with_rowid": False},)

    # Keyed for the classes that are not ignored (phones are expected) on each day of the period.
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    device_class: Mapped[str] = mapped_column(String(8), primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("link.id"), primary_key=True)
    human_scans: Mapped[int]

    def __repr__(self) -> str:
        return f"<ScanDeviceDaily link={self.link_id} {self.day} {self.device_class} {self.human_scans}>"


class ScanRepeatDaily(Model):
    """Human scans of one link on one WIB day by one visitor hash, for visitors who scanned it at least
    twice that day (a visitor seen once is no repeat, and those are most rows); on the day of the rollup
    cut, which is rolled up only partly, every visitor (a scan after the cut adds to their count)."""

    __tablename__ = "scan_repeat_daily"
    __table_args__ = (
        Index("ix_scan_repeat_daily_scans", "day", "human_scans", "link_id", "visitor_hash"),
        {"sqlite_with_rowid": False},
    )

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("link.id"), primary_key=True)
    visitor_hash: Mapped[str] = mapped_column(String(32), primary_key=True)
    human_scans: Mapped[int]

    def __repr__(self) -> str:
        return f"<ScanRepeatDaily link={self.link_id} {self.day} {self.human_scans}>"
