"""Survey targets, tracked links, their scans and the daily scan rollup."""

from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import BigInteger, Date, ForeignKey, Index, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.areas.models import Area, Opd
from outreach.auth.models import User
from outreach.extensions import Model
from outreach.models import TimestampMixin, UTCDateTime, utcnow
from outreach.promoters.models import Promoter

if TYPE_CHECKING:
    from outreach.drives.models import Drive

# Where a survey target's links lead between two WIB days instead of its own address
# (`outreach.links.destinations`): our page saying when the survey opens, our thank-you page after the
# deadline, another survey target (next year's survey) or another allowlisted address.
RULE_KINDS = ("opening", "closed", "target", "url")
DEVICE_CLASSES = ("mobile", "tablet", "desktop", "other")


class SurveyTarget(TimestampMixin, Model):
    """Where links send people: the official survey (or its registration page) for one audience."""

    __tablename__ = "survey_target"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    audience: Mapped[str] = mapped_column(String(12))
    url: Mapped[str] = mapped_column(String(500))
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<SurveyTarget {self.id} {self.audience} {self.url}>"


class DestinationRule(TimestampMixin, Model):
    """From `starts_on` to `ends_on` (WIB days, both included; None is open-ended) the target's links lead elsewhere.

    `kind` is one of RULE_KINDS; `next_target` is the survey a 'target' rule leads to and `url` the
    address of a 'url' rule. The rules of one target never overlap, so a day picks at most one.
    """

    __tablename__ = "destination_rule"
    # Visits keep a rule's id after it is removed: SQLite must never hand that id to a new rule.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("survey_target.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(8))
    starts_on: Mapped[date | None] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date)
    next_target_id: Mapped[int | None] = mapped_column(ForeignKey("survey_target.id"))
    url: Mapped[str] = mapped_column(String(500), default="")

    target: Mapped[SurveyTarget] = relationship(foreign_keys=[target_id])
    next_target: Mapped[SurveyTarget | None] = relationship(foreign_keys=[next_target_id])

    def __repr__(self) -> str:
        return f"<DestinationRule {self.id} target={self.target_id} {self.kind} {self.starts_on}..{self.ends_on}>"


class Link(Model):
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
    drive: Mapped["Drive | None"] = relationship()  # by name: outreach.drives.models imports this module
    created_by: Mapped[User | None] = relationship()

    def __repr__(self) -> str:
        return f"<Link {self.code} {self.channel} target={self.target_id} promoter={self.promoter_id}>"


class Scan(Model):
    """One counted visit of a link. Holds no IP and no user agent: only a daily-rotating keyed hash."""

    __tablename__ = "scan"
    # The live tail asks "was this visitor on this link earlier today?" (outreach.metrics.scans): this
    # index answers it with one seek, even on a busy link's day; integrity checks join on it too.
    __table_args__ = (Index("ix_scan_link_id_visitor_hash", "link_id", "visitor_hash", "created_at", "is_bot"),)

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer(), "sqlite"), primary_key=True)
    link_id: Mapped[int] = mapped_column(ForeignKey("link.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    visitor_hash: Mapped[str] = mapped_column(String(32))
    device_class: Mapped[str] = mapped_column(String(8))
    is_bot: Mapped[bool]
    source: Mapped[str] = mapped_column(String(8))
    # The destination rule the visitor was sent by (NULL: the target's own address). No foreign key:
    # a visit keeps the id of the rule it followed after the rule is removed (the audit log keeps
    # what the rule was).
    rule_id: Mapped[int | None] = mapped_column(Integer)

    def __repr__(self) -> str:
        return f"<Scan {self.id} link={self.link_id} {self.created_at:%Y-%m-%d %H:%M} {self.source}>"


class ScanJournalMark(Model):
    """How many bytes of one scan journal file are already copied into `scan` (`outreach.links.journal`).

    Moved in the same transaction as the copied rows, so a file is replayed from here after any crash.
    """

    __tablename__ = "scan_journal_mark"

    name: Mapped[str] = mapped_column(String(160), primary_key=True)
    offset: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    def __repr__(self) -> str:
        return f"<ScanJournalMark {self.name} {self.offset}>"


class VisitorSalt(TimestampMixin, Model):
    """The random salt of one WIB day's visitor hashes, deleted once the day is over (`outreach.links.salts`)."""

    __tablename__ = "visitor_salt"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary(32))

    def __repr__(self) -> str:
        return f"<VisitorSalt {self.day.isoformat()}>"


class ScanDaily(Model):
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


class ScanRollupMark(Model):
    """Single row: rollups are complete for scans created before `refreshed_until` (UTC)."""

    __tablename__ = "scan_rollup_mark"

    id: Mapped[int] = mapped_column(primary_key=True)
    refreshed_until: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<ScanRollupMark {self.refreshed_until:%Y-%m-%d %H:%M:%S}>"


# The units a scan counts for on the dashboards: the whole city, its kecamatan and kelurahan (with the
# RW and RT below them) and OPDs.
LEVELS = ("kota", "kecamatan", "kelurahan", "opd")
CITY_UNIT = 0  # unit_id of the whole-city rows


class ScanLevelDaily(Model):
    """Human scans and unique visitors per dashboard unit, audience and WIB day, derived from `scan_daily`.

    One row per level (see LEVELS), unit (an area or OPD id; CITY_UNIT for the city), audience of the
    links' survey and day, so a dashboard sums a few rows per unit and day instead of grouping every
    link. A kelurahan row counts the links of its RW and RT too and carries its kecamatan as
    `parent_id`. Unique visitors are summed over links (a visitor is unique per link and day).
    `total_*` are running totals up to and including the day, and rows are dense (see
    `outreach.metrics.running_totals`), so a window's figures are two lookups per unit.
    Kept by `refresh_scan_rollups()` from the refreshed day on, whole with `--full`.
    """

    __tablename__ = "scan_level_daily"
    # Covering: a dashboard query reads its level, audience and days from the index alone.
    __table_args__ = (
        Index(
            "ix_scan_level_daily_level_day",
            "level",
            "audience",
            "day",
            "unit_id",
            "parent_id",
            "human_scans",
            "unique_visitors",
        ),
        # Window sums read every unit's totals on a few days from this index alone.
        Index(
            "ix_scan_level_daily_totals",
            "level",
            "day",
            "unit_id",
            "parent_id",
            "audience",
            "total_human_scans",
            "total_unique_visitors",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(10))
    unit_id: Mapped[int] = mapped_column(Integer)
    parent_id: Mapped[int | None] = mapped_column(Integer)
    audience: Mapped[str] = mapped_column(String(12))
    day: Mapped[date] = mapped_column(Date)
    human_scans: Mapped[int] = mapped_column(default=0)
    unique_visitors: Mapped[int] = mapped_column(default=0)
    total_human_scans: Mapped[int] = mapped_column(default=0)
    total_unique_visitors: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ScanLevelDaily {self.level} {self.unit_id} {self.audience} {self.day} {self.human_scans}>"


class ScanPromoterDaily(Model):
    """Human scans and unique visitors of each promoter's links per WIB day, derived from `scan_daily`.

    `total_*` are running totals up to and including the day, so a promoter's figures over any range
    are two lookups (total on the last day minus total before the first), not a sum over its days.
    """

    __tablename__ = "scan_promoter_daily"
    __table_args__ = (
        Index("ix_scan_promoter_daily_totals", "promoter_id", "day", "total_human_scans", "total_unique_visitors"),
        # The ranking reads every promoter's totals on a day from this index alone (SQLite otherwise
        # looks each row up in the table).
        Index("ix_scan_promoter_daily_day_totals", "day", "promoter_id", "total_human_scans", "total_unique_visitors"),
    )

    promoter_id: Mapped[int] = mapped_column(ForeignKey("promoter.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    human_scans: Mapped[int] = mapped_column(default=0)
    unique_visitors: Mapped[int] = mapped_column(default=0)
    total_human_scans: Mapped[int] = mapped_column(default=0)
    total_unique_visitors: Mapped[int] = mapped_column(default=0)

    def __repr__(self) -> str:
        return f"<ScanPromoterDaily promoter={self.promoter_id} {self.day} {self.human_scans}>"
