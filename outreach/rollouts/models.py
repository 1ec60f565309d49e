"""Rollout plans: units (kelurahan or OPDs), the weeks available and a seed; the schedule drawn from them,
the weeks as they stand after recorded changes, and the drives that realised each unit's week."""

from datetime import date, datetime, timedelta

from sqlalchemy import BigInteger, CheckConstraint, Date, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.areas.models import Area, Opd
from outreach.auth.models import User
from outreach.clock import wib_day
from outreach.drives.models import CANCELLED, Drive
from outreach.extensions import Model
from outreach.models import TimestampMixin, UTCDateTime
from outreach.rollouts.schedule import Design, monday_of

LEVELS = ("kelurahan", "opd")
DRAFT, ACCEPTED = "draft", "accepted"
PLAN_STATUSES = (DRAFT, ACCEPTED)


class RolloutPlan(TimestampMixin, Model):
    """A stepped-wedge rollout: which unit gets its drive in which week, drawn at random from `seed`."""

    __tablename__ = "rollout_plan"
    __table_args__ = (
        CheckConstraint("weeks >= 1", name="some_weeks"),
        CheckConstraint("per_week >= 1", name="some_room"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(160))
    level: Mapped[str] = mapped_column(String(12))
    kind: Mapped[str] = mapped_column(String(24), doc="the kind of drive each unit gets")
    audience: Mapped[str] = mapped_column(String(12))
    first_week: Mapped[date] = mapped_column(Date, doc="the Monday of the first week")
    weeks: Mapped[int]
    per_week: Mapped[int] = mapped_column(doc="drives the promoters can run in one week")
    seed: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(12), default=DRAFT)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    accepted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))

    slots: Mapped[list["RolloutSlot"]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="RolloutSlot.id"
    )
    changes: Mapped[list["RolloutChange"]] = relationship(
        back_populates="plan", cascade="all, delete-orphan", order_by="RolloutChange.id"
    )
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    accepted_by: Mapped[User | None] = relationship(foreign_keys=[accepted_by_id])

    def __repr__(self) -> str:
        return f"<RolloutPlan {self.id} {self.name!r} {self.status}>"

    @property
    def week_list(self) -> tuple[date, ...]:
        """The Mondays of the plan's weeks."""
        return tuple(self.first_week + timedelta(weeks=i) for i in range(self.weeks))

    @property
    def last_day(self) -> date:
        """The Sunday that ends the plan's last week."""
        return self.first_week + timedelta(weeks=self.weeks, days=-1)

    def design(self) -> Design:
        """The design the schedule is drawn from (and re-drawn from, for randomisation inference)."""
        blocked = frozenset((slot.key, week) for slot in self.slots for week in slot.blocked_weeks)
        return Design(tuple(slot.key for slot in self.slots), self.week_list, self.per_week, blocked)


class RolloutSlot(Model):
    """One unit of a plan: the week drawn for it, the week it stands at now, the weeks it cannot take."""

    __tablename__ = "rollout_slot"
    __table_args__ = (
        CheckConstraint("(area_id IS NULL) <> (opd_id IS NULL)", name="one_unit"),
        UniqueConstraint("plan_id", "area_id", name="uq_rollout_slot_area"),
        UniqueConstraint("plan_id", "opd_id", name="uq_rollout_slot_opd"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("rollout_plan.id", ondelete="CASCADE"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"), index=True)
    drawn_week: Mapped[date] = mapped_column(Date, doc="the week the seed gave it")
    week: Mapped[date] = mapped_column(Date, doc="the week it is planned for now, after changes")
    blocked: Mapped[str] = mapped_column(String(400), default="", doc="ISO Mondays it cannot take, comma-separated")

    plan: Mapped[RolloutPlan] = relationship(back_populates="slots")
    area: Mapped[Area | None] = relationship()
    opd: Mapped[Opd | None] = relationship()
    drives: Mapped[list[Drive]] = relationship(order_by=Drive.starts_at, viewonly=True)

    def __repr__(self) -> str:
        return f"<RolloutSlot {self.id} {self.key} {self.week}>"

    @property
    def unit(self) -> Area | Opd:
        """The kelurahan or OPD this slot schedules."""
        unit = self.area or self.opd
        assert unit is not None  # the one_unit constraint
        return unit

    @property
    def key(self) -> str:
        """The unit as the schedule names it: "kelurahan:<code>" or "opd:<code>"."""
        return f"opd:{self.opd.code}" if self.opd is not None else f"kelurahan:{self.unit.code}"

    @property
    def name(self) -> str:
        """The unit's name for people."""
        unit = self.unit
        return unit.name if isinstance(unit, Opd) else unit.label

    @property
    def blocked_weeks(self) -> tuple[date, ...]:
        """The Mondays this unit cannot have its drive."""
        return tuple(date.fromisoformat(w) for w in self.blocked.split(",") if w)

    @property
    def live_drives(self) -> list[Drive]:
        """The drives made for this slot that were not cancelled."""
        return [d for d in self.drives if d.status != CANCELLED]

    @property
    def realised_week(self) -> date | None:
        """The week (Monday, WIB) the unit's first drive started, or None before any drive."""
        drives = self.live_drives
        return monday_of(wib_day(drives[0].starts_at)) if drives else None

    @property
    def moved(self) -> bool:
        """Whether a recorded change moved the unit away from the week drawn for it."""
        return self.week != self.drawn_week


class RolloutChange(Model):
    """A unit moved to another week, with who moved it, when and why: each change weakens the estimate."""

    __tablename__ = "rollout_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("rollout_plan.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("rollout_slot.id", ondelete="CASCADE"), index=True)
    from_week: Mapped[date] = mapped_column(Date)
    to_week: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())

    plan: Mapped[RolloutPlan] = relationship(back_populates="changes")
    slot: Mapped[RolloutSlot] = relationship()
    user: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<RolloutChange {self.id} slot={self.slot_id} {self.from_week}→{self.to_week}>"
