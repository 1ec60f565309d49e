"""Socialisation drives (Roadshow Bus stops, door-to-door rounds, OPD sessions…) and calendar feeds."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.areas.models import Area, Opd
from outreach.auth.models import User
from outreach.extensions import Model, db
from outreach.models import TimestampMixin, UTCDateTime, utcnow
from outreach.promoters.models import Promoter

DRIVE_KINDS = ("roadshow_bus", "door_to_door", "opd_session", "public_event", "whatsapp_broadcast")
PLANNED, DONE, CANCELLED = "planned", "done", "cancelled"
STATUSES = (PLANNED, DONE, CANCELLED)
# A drive may target a whole kecamatan or some of its kelurahan.
TARGET_LEVELS = ("kecamatan", "kelurahan")

drive_area = Table(
    "drive_area",
    db.metadata,
    Column("drive_id", ForeignKey("drive.id", ondelete="CASCADE"), primary_key=True),
    Column("area_id", ForeignKey("area.id"), primary_key=True, index=True),
)
drive_opd = Table(
    "drive_opd",
    db.metadata,
    Column("drive_id", ForeignKey("drive.id", ondelete="CASCADE"), primary_key=True),
    Column("opd_id", ForeignKey("opd.id"), primary_key=True, index=True),
)
drive_promoter = Table(
    "drive_promoter",
    db.metadata,
    Column("drive_id", ForeignKey("drive.id", ondelete="CASCADE"), primary_key=True),
    Column("promoter_id", ForeignKey("promoter.id"), primary_key=True, index=True),
)


class Drive(TimestampMixin, Model):
    """One planned socialisation activity: when (UTC), where, for whom and with which promoters."""

    __tablename__ = "drive"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("cost IS NULL OR cost >= 0", name="cost_not_negative"),
        CheckConstraint("attendance IS NULL OR attendance >= 0", name="attendance_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    title: Mapped[str] = mapped_column(String(160))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    place_name: Mapped[str] = mapped_column(String(160), default="")
    # How to find the place (a landmark, the road in), for people who do not read coordinates.
    place_note: Mapped[str] = mapped_column(String(300), default="", server_default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]
    audience: Mapped[str] = mapped_column(String(12))
    cost: Mapped[int | None] = mapped_column(doc="Rupiah, whole")
    status: Mapped[str] = mapped_column(String(12), default=PLANNED, index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    attendance: Mapped[int | None]
    # Calendar apps replace an event only when its SEQUENCE grows (RFC 5545), so edits bump it.
    sequence: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    # The rollout plan's unit this drive realises, when it was made from a plan.
    rollout_slot_id: Mapped[int | None] = mapped_column(ForeignKey("rollout_slot.id", ondelete="SET NULL"), index=True)

    areas: Mapped[list[Area]] = relationship(secondary=drive_area, order_by=Area.code)
    opds: Mapped[list[Opd]] = relationship(secondary=drive_opd, order_by=Opd.name)
    promoters: Mapped[list[Promoter]] = relationship(secondary=drive_promoter, order_by=Promoter.name)
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Drive {self.id} {self.kind} {self.starts_at:%Y-%m-%d %H:%M}Z {self.title!r}>"

    def overlaps(self, starts_at: datetime, ends_at: datetime) -> bool:
        """True when [starts_at, ends_at) shares time with this drive; touching ends do not overlap."""
        return self.starts_at < ends_at and starts_at < self.ends_at

    def has_promoter(self, promoter_id: int | None) -> bool:
        """True when the promoter takes part in this drive."""
        return promoter_id is not None and any(p.id == promoter_id for p in self.promoters)


class CalendarFeed(TimestampMixin, Model):
    """A user's secret calendar address; only a hash of the token is kept, so a leaked backup opens no feed."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<CalendarFeed user={self.user_id}>"
