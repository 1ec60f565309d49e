"""Survey rounds, targets, baselines and respondent counts per area or OPD.

Every figure belongs to one unit: an area (kota, kecamatan or kelurahan) or an OPD, never both.
Partial unique indexes give each unit its own natural key, because a plain unique constraint
treats the empty side (NULL) as always distinct.
"""

from datetime import date, datetime
from typing import cast

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.areas.models import Area, Opd
from outreach.extensions import Model
from outreach.models import TimestampMixin, UTCDateTime, utcnow

COUNT_KINDS = ("daily", "cumulative")
# Respondent counts are reported for the city, a kecamatan or a kelurahan, not per RW/RT.
COUNT_LEVELS = ("kota", "kecamatan", "kelurahan")
ONE_UNIT = "(area_id IS NULL) <> (opd_id IS NULL)"


def _unit_indexes(table: str, *key: str) -> tuple:
    """A unique index per unit kind over `key`, limited to the rows of that kind."""
    return tuple(
        Index(
            f"uq_{table}_{unit}",
            unit,
            *key,
            unique=True,
            postgresql_where=text(f"{unit} IS NOT NULL"),
            sqlite_where=text(f"{unit} IS NOT NULL"),
        )
        for unit in ("area_id", "opd_id")
    )


class UnitMixin:
    """Helpers for rows that belong to an area or an OPD."""

    area: Mapped[Area | None]
    opd: Mapped[Opd | None]

    @property
    def unit(self) -> Area | Opd:
        """The area or OPD the row belongs to."""
        return self.area if self.area is not None else cast(Opd, self.opd)  # a check constraint sets one

    @property
    def unit_code(self) -> str:
        """The code of the row's unit."""
        return self.unit.code


class SurveyRound(TimestampMixin, Model):
    """One SPI data-collection round: its period and deadline (dates are WIB days)."""

    __tablename__ = "survey_round"
    __table_args__ = (CheckConstraint("starts_on <= deadline", name="period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    year: Mapped[int] = mapped_column(unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)

    def __repr__(self) -> str:
        return f"<SurveyRound {self.year} {self.starts_on}..{self.deadline}>"

    def days(self) -> int:
        """Number of WIB days in the period, both ends included."""
        return (self.deadline - self.starts_on).days + 1


class Target(UnitMixin, TimestampMixin, Model):
    """How many respondents a unit aims for in a round, per audience."""

    __tablename__ = "participation_target"
    __table_args__ = (
        CheckConstraint(ONE_UNIT, name="one_unit"),
        CheckConstraint("target > 0", name="positive"),
        *_unit_indexes("participation_target", "round_id", "audience"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"))
    audience: Mapped[str] = mapped_column(String(10))
    target: Mapped[int]

    round: Mapped[SurveyRound] = relationship()
    area: Mapped[Area | None] = relationship()
    opd: Mapped[Opd | None] = relationship()

    def __repr__(self) -> str:
        return f"<Target round={self.round_id} area={self.area_id} opd={self.opd_id} {self.audience} {self.target}>"


class Baseline(UnitMixin, TimestampMixin, Model):
    """The previous round's respondents of a unit, and its population or employees for rates."""

    __tablename__ = "participation_baseline"
    __table_args__ = (
        CheckConstraint(ONE_UNIT, name="one_unit"),
        CheckConstraint("respondents >= 0", name="respondents"),
        CheckConstraint("population IS NULL OR population > 0", name="population"),
        *_unit_indexes("participation_baseline", "round_id", "audience"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("survey_round.id"), index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"))
    audience: Mapped[str] = mapped_column(String(10))
    respondents: Mapped[int]
    # Residents for an area, employees for an OPD; optional, used for rates.
    population: Mapped[int | None]

    round: Mapped[SurveyRound] = relationship()
    area: Mapped[Area | None] = relationship()
    opd: Mapped[Opd | None] = relationship()

    def __repr__(self) -> str:
        return f"<Baseline round={self.round_id} area={self.area_id} opd={self.opd_id} {self.audience}>"


class RespondentCount(UnitMixin, TimestampMixin, Model):
    """A respondent count from outside (KPK's progress, an OPD's report) for one WIB day.

    `reported` is the figure as given (a day's count or a running total); `daily` is the
    increment on that day, derived from the running total for cumulative series. The natural
    key (day, unit, audience, source) makes re-imports update rather than add.
    """

    __tablename__ = "respondent_count"
    __table_args__ = (
        CheckConstraint(ONE_UNIT, name="one_unit"),
        CheckConstraint("reported >= 0", name="reported"),
        *_unit_indexes("respondent_count", "day", "audience", "source"),
        # The dashboard sums an audience's counts over a range per unit from this index alone.
        Index("ix_respondent_count_audience_day", "audience", "day", "area_id", "opd_id", "daily"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"))
    audience: Mapped[str] = mapped_column(String(10))
    kind: Mapped[str] = mapped_column(String(10))
    reported: Mapped[int]
    daily: Mapped[int]
    source: Mapped[str] = mapped_column(String(60))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    area: Mapped[Area | None] = relationship()
    opd: Mapped[Opd | None] = relationship()

    def __repr__(self) -> str:
        return f"<RespondentCount {self.day} area={self.area_id} opd={self.opd_id} {self.audience} {self.daily}>"


class RespondentTotal(Model):
    """Running totals of the respondent counts of one unit and audience (every source), per WIB day.

    Dense (see `outreach.metrics.running_totals`): a row for every day from the unit's first count to the
    last day any unit has a count, so the dashboard sums any window with two lookups per unit
    instead of reading every count. Kept by `metrics.refresh`, called by the service that writes counts.
    """

    __tablename__ = "respondent_total"
    __table_args__ = (
        CheckConstraint(ONE_UNIT, name="one_unit"),
        *_unit_indexes("respondent_total", "audience", "day"),
        # The dashboard reads the totals of every unit on a few days from this index alone.
        Index("ix_respondent_total_day", "day", "area_id", "opd_id", "audience", "total"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"))
    audience: Mapped[str] = mapped_column(String(10))
    day: Mapped[date] = mapped_column(Date)
    daily: Mapped[int]
    total: Mapped[int]

    def __repr__(self) -> str:
        return f"<RespondentTotal {self.day} area={self.area_id} opd={self.opd_id} {self.audience} {self.total}>"


class RespondentLevelDaily(Model):
    """Respondent counts per dashboard level, unit, audience and WIB day (every source), derived from
    `respondent_count` so a dashboard reads a level's rows without a join.

    Levels as for scans (`outreach.links.models.LEVELS`): a kecamatan counts its own reports and its
    kelurahan's; a kelurahan row carries its kecamatan as `parent_id`; an OPD its own; the city (unit
    CITY_UNIT) KPK's reported city total for an audience that has one, else every count of that
    audience. Only days with a count have a row. Kept by `metrics.refresh` whenever counts are
    written or an area moves.
    """

    __tablename__ = "respondent_level_daily"
    # Covering: a dashboard reads a level's days (and audience) from the index alone.
    __table_args__ = (
        Index("ix_respondent_level_daily_level_day", "level", "audience", "day", "unit_id", "parent_id", "n"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    unit_id: Mapped[int]
    parent_id: Mapped[int | None]
    audience: Mapped[str] = mapped_column(String(10))
    day: Mapped[date] = mapped_column(Date)
    n: Mapped[int]

    def __repr__(self) -> str:
        return f"<RespondentLevelDaily {self.level} {self.unit_id} {self.audience} {self.day} {self.n}>"
