"""Survey targets, tracked links, their scans and the daily scan rollup."""

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.areas.models import Area, Opd
from outreach.auth.models import User
from outreach.extensions import db
from outreach.models import TimestampMixin, UTCDateTime, utcnow
from outreach.promoters.models import Promoter

AUDIENCES = ("eksternal", "internal")
CHANNELS = ("flyer", "whatsapp", "banner", "bus", "other")
# Batches of printed flyers leave out WhatsApp links: a scan of paper must not count as a WhatsApp share.
PRINTED_CHANNELS = tuple(channel for channel in CHANNELS if channel != "whatsapp")
# How a visitor reached a link: 'qr' when the URL carries the QR marker, 'typed' when the code was typed
# on the public page (/kode), 'direct' otherwise. Each source has a `<source>_scans` rollup column.
SOURCES = ("qr", "direct", "typed")
DEVICE_CLASSES = ("mobile", "tablet", "desktop", "other")


class SurveyTarget(TimestampMixin, db.Model):
    """Where links send people: the official survey (or its registration page) for one audience."""

    __tablename__ = "survey_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    audience: Mapped[str] = mapped_column(String(12))
    url: Mapped[str] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<SurveyTarget {self.id} {self.audience} {self.url}>"


class Link(db.Model):
    """A short code sending people to a survey target, attributed to a promoter, area, OPD and channel."""

    __tablename__ = "link"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("survey_target.id"), index=True)
    promoter_id: Mapped[int | None] = mapped_column(ForeignKey("promoter.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"), index=True)
    # The socialisation drive the link was made for (outreach.drives), if any.
    drive_id: Mapped[int | None] = mapped_column(ForeignKey("drive.id", ondelete="SET NULL"), index=True)
    channel: Mapped[str] = mapped_column(String(12))
    label: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    target: Mapped[SurveyTarget] = relationship()
    promoter: Mapped[Promoter | None] = relationship()
    area: Mapped[Area] = relationship()
    opd: Mapped[Opd | None] = relationship()
    drive: Mapped["Drive | None"] = relationship()  # noqa: F821 - outreach.drives.models, resolved by name
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Link {self.code} {self.channel} target={self.target_id} promoter={self.promoter_id}>"


class Scan(db.Model):
    """One counted visit of a link. Holds no IP and no user agent: only a daily-rotating keyed hash."""

    __tablename__ = "scan"
    __table_args__ = (Index("ix_scan_link_id_created_at", "link_id", "created_at"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("link.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    visitor_hash: Mapped[str] = mapped_column(String(32))
    device_class: Mapped[str] = mapped_column(String(8))
    is_bot: Mapped[bool]
    source: Mapped[str] = mapped_column(String(8))

    def __repr__(self) -> str:
        return f"<Scan {self.id} link={self.link_id} {self.created_at:%Y-%m-%d %H:%M} {self.source}>"


class ScanDaily(db.Model):
    """Scans of one link on one WIB (Asia/Jakarta) day, kept by `refresh_scan_rollups()`.

    `scans` counts every recorded scan, bots included; `unique_visitors` and the per-source
    columns count human (non-bot) scans only, so `qr_scans + direct_scans + typed_scans == scans - bot_scans`.
    """

    __tablename__ = "scan_daily"

    link_id: Mapped[int] = mapped_column(ForeignKey("link.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    scans: Mapped[int] = mapped_column(default=0)
    unique_visitors: Mapped[int] = mapped_column(default=0)
    bot_scans: Mapped[int] = mapped_column(default=0)
    qr_scans: Mapped[int] = mapped_column(default=0)
    direct_scans: Mapped[int] = mapped_column(default=0)
    typed_scans: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ScanDaily link={self.link_id} {self.day} {self.scans}>"


class ScanRollupMark(db.Model):
    """Single row: rollups are complete for scans created before `refreshed_until` (UTC)."""

    __tablename__ = "scan_rollup_mark"

    id: Mapped[int] = mapped_column(primary_key=True)
    refreshed_until: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<ScanRollupMark {self.refreshed_until:%Y-%m-%d %H:%M:%S}>"


class ScanUnitDaily(db.Model):
    """Human scans and unique visitors per link area, OPD, audience and WIB day, derived from `scan_daily`.

    Rebuilt whole by `refresh_scan_rollups()` (cheap next to raw scans), so a link moved to another
    area or OPD counts there from the next refresh on. The dashboard reads this instead of per-link rows.
    """

    __tablename__ = "scan_unit_daily"
    __table_args__ = (Index("ix_scan_unit_daily_day_area_id", "day", "area_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"))
    audience: Mapped[str] = mapped_column(String(12))
    human_scans: Mapped[int] = mapped_column(default=0)
    unique_visitors: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ScanUnitDaily {self.day} area={self.area_id} opd={self.opd_id} {self.human_scans}>"


class ScanPromoterDaily(db.Model):
    """Human scans and unique visitors of each promoter's links per WIB day, derived from `scan_daily`."""

    __tablename__ = "scan_promoter_daily"

    promoter_id: Mapped[int] = mapped_column(ForeignKey("promoter.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True, index=True)
    human_scans: Mapped[int] = mapped_column(default=0)
    unique_visitors: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ScanPromoterDaily promoter={self.promoter_id} {self.day} {self.human_scans}>"
