"""Planning drives: saving them, spotting double bookings, listing and the month calendar."""

import calendar
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import Row, Select, false, or_, select
from sqlalchemy.orm import selectinload

from outreach import clock
from outreach.areas.models import Area, Opd, parents_of, subtree_ids
from outreach.audit.services import diff, record_event
from outreach.auth.models import User
from outreach.campaign import AUDIENCES, PROMOTER
from outreach.clock import wib_day_start, wib_days
from outreach.drives.models import (
    CANCELLED,
    DONE,
    DRIVE_KINDS,
    PLANNED,
    STATUSES,
    TARGET_LEVELS,
    Drive,
    drive_area,
    drive_opd,
    drive_promoter,
)
from outreach.extensions import db
from outreach.metrics.figures import current_round
from outreach.promoters.models import Assignment, Promoter

log = logging.getLogger(__name__)


class DriveError(ValueError):
    """A drive that cannot be saved as given; the message names the field."""


@dataclass
class DriveData:
    """Everything a coordinator enters for a drive, as plain values and loaded models (times in UTC)."""

    kind: str
    title: str
    starts_at: datetime
    ends_at: datetime
    audience: str
    areas: list[Area] = field(default_factory=list)
    opds: list[Opd] = field(default_factory=list)
    promoters: list[Promoter] = field(default_factory=list)
    place_name: str = ""
    place_note: str = ""
    latitude: float | None = None
    longitude: float | None = None
    cost: int | None = None
    status: str = "planned"
    notes: str = ""
    attendance: int | None = None
    rollout_slot_id: int | None = None  # the rollout plan's unit this drive realises (set when created)


def check_drive_data(data: DriveData) -> None:
    """Raise DriveError naming the first field that is wrong."""
    if data.kind not in DRIVE_KINDS:
        raise DriveError(f"kind must be one of {', '.join(DRIVE_KINDS)}, not {data.kind!r}")
    if data.audience not in AUDIENCES:
        raise DriveError(f"audience must be one of {', '.join(AUDIENCES)}, not {data.audience!r}")
    if data.status not in STATUSES:
        raise DriveError(f"status must be one of {', '.join(STATUSES)}, not {data.status!r}")
    if not data.title.strip():
        raise DriveError("title is empty")
    if data.starts_at.tzinfo is None or data.ends_at.tzinfo is None:
        raise DriveError("start and end must be timezone-aware")
    if data.ends_at <= data.starts_at:
        raise DriveError("the end must be after the start")
    if not data.areas and not data.opds:
        raise DriveError("choose at least one target area or OPD")
    bad = [a.label for a in data.areas if a.level not in TARGET_LEVELS]
    if bad:
        raise DriveError(f"target areas must be kecamatan or kelurahan, not {', '.join(bad)}")
    if (data.latitude is None) != (data.longitude is None):
        raise DriveError("give both latitude and longitude, or neither")
    if data.cost is not None and data.cost < 0:
        raise DriveError("cost cannot be negative")
    if data.attendance is not None and (data.attendance < 0 or data.status != DONE):
        raise DriveError("attendance is entered, as zero or more, once the drive is done")


def _snapshot(drive: Drive) -> dict:
    """The audited fields of a drive as plain values."""
    return {
        "kind": drive.kind,
        "title": drive.title,
        "starts_at": drive.starts_at.isoformat() if drive.starts_at else None,
        "ends_at": drive.ends_at.isoformat() if drive.ends_at else None,
        "audience": drive.audience,
        "areas": ",".join(a.code for a in drive.areas),
        "opds": ",".join(o.code for o in drive.opds),
        "promoters": ",".join(str(p.id) for p in drive.promoters),
        "place_name": drive.place_name,
        "place_note": drive.place_note,
        "latitude": drive.latitude,
        "longitude": drive.longitude,
        "cost": drive.cost,
        "status": drive.status,
        "notes": drive.notes,
        "attendance": drive.attendance,
    }


def _apply(drive: Drive, data: DriveData) -> None:
    drive.kind = data.kind
    drive.title = data.title.strip()
    drive.starts_at = data.starts_at
    drive.ends_at = data.ends_at
    drive.audience = data.audience
    drive.areas = sorted(set(data.areas), key=lambda a: a.code)
    drive.opds = sorted(set(data.opds), key=lambda o: o.name)
    drive.promoters = sorted(set(data.promoters), key=lambda p: p.name)
    drive.place_name = data.place_name.strip()
    drive.place_note = data.place_note.strip()
    drive.latitude = data.latitude
    drive.longitude = data.longitude
    drive.cost = data.cost
    drive.status = data.status
    drive.notes = data.notes.strip()
    drive.attendance = data.attendance


def create_drive(data: DriveData, actor: User | None = None) -> Drive:
    """Add a drive after checking it; warnings about double bookings are the caller's business."""
    check_drive_data(data)
    drive = Drive(created_by=actor, rollout_slot_id=data.rollout_slot_id)
    _apply(drive, data)
    db.session.add(drive)
    db.session.flush()
    record_event(actor, "drive.create", drive, diff({}, _snapshot(drive)))
    log.info("created drive %s (%s)", drive.id, drive.kind)
    return drive


def update_drive(drive: Drive, data: DriveData, actor: User | None = None) -> Drive:
    """Change a drive; calendar feeds see a higher sequence number so subscribers update."""
    check_drive_data(data)
    before = _snapshot(drive)
    _apply(drive, data)
    changes = diff(before, _snapshot(drive))
    if changes:
        drive.sequence += 1
        db.session.flush()
        record_event(actor, "drive.update", drive, changes)
        log.info("updated drive %s: %s", drive.id, ", ".join(changes))
    return drive


def promoters_in_areas(areas: Sequence[Area], on: date) -> list[Promoter]:
    """Active promoters assigned on a day to any of the areas or to a unit below them."""
    if not areas:
        return []
    covered = Assignment.area_id.in_(subtree_ids(areas))
    stmt = (
        select(Promoter)
        .join(Assignment, Assignment.promoter_id == Promoter.id)
        .join(Area, Area.id == Assignment.area_id)
        .where(
            covered,
            Promoter.active.is_(True),
            Assignment.start_date <= on,
            or_(Assignment.end_date.is_(None), Assignment.end_date > on),
        )
        .order_by(Promoter.name)
        .distinct()
    )
    return list(db.session.scalars(stmt))


@dataclass(frozen=True)
class PlanWarning:
    """Something a coordinator should look at before saving: a double booking or a late date."""

    kind: str  # "promoter", "area", "opd", "no_promoters" or "after_deadline"
    subject: str
    subject_id: int | str
    drive: Drive | None = None

    @property
    def key(self) -> str:
        """Stable identity, so a confirmation covers exactly the warnings that were shown."""
        return f"{self.kind}:{self.subject_id}:{self.drive.id if self.drive else ''}"


def _overlapping(starts_at: datetime, ends_at: datetime, exclude_id: int | None):
    """Conditions for other, not cancelled drives that share time with [starts_at, ends_at)."""
    conditions = [Drive.starts_at < ends_at, Drive.ends_at > starts_at, Drive.status != CANCELLED]
    if exclude_id is not None:
        conditions.append(Drive.id != exclude_id)
    return conditions


def _same_days(starts_at: datetime, ends_at: datetime, exclude_id: int | None):
    """Conditions for other, not cancelled drives on any WIB day that [starts_at, ends_at) touches."""
    days = wib_days(starts_at, ends_at)
    return _overlapping(wib_day_start(days[0]), wib_day_start(days[-1] + timedelta(days=1)), exclude_id)


def find_conflicts(data: DriveData, exclude_id: int | None = None) -> list[PlanWarning]:
    """Other drives that book one of the promoters at the same time, or cover the same ground on the same day.

    An area conflicts with itself, with the units below it and with the units above it, so a
    kecamatan-wide drive clashes with a round in one of its kelurahan. Two drives in one unit on one
    WIB day split the same residents' attention even when their hours differ.
    """
    if data.status != PLANNED:  # a drive that is done or cancelled books no one any more
        return []
    window = _overlapping(data.starts_at, data.ends_at, exclude_id)
    same_day = _same_days(data.starts_at, data.ends_at, exclude_id)
    found: list[PlanWarning] = []
    rows: Sequence[Row[Any]]
    if data.promoters:
        rows = db.session.execute(
            select(Drive, Promoter)
            .join(drive_promoter, drive_promoter.c.drive_id == Drive.id)
            .join(Promoter, Promoter.id == drive_promoter.c.promoter_id)
            .where(Promoter.id.in_([p.id for p in data.promoters]), *window)
            .order_by(Drive.starts_at, Promoter.name)
        ).all()
        found += [PlanWarning("promoter", p.name, p.id, d) for d, p in rows]
    if data.areas:
        # The same areas, those below them and those above them (a kecamatan drive and a kelurahan one
        # inside it reach the same people), by the area tree.
        above = {parent.id for a in data.areas for parent in parents_of(a)}
        related = or_(Area.id.in_(above), Area.id.in_(subtree_ids(data.areas, "related")))
        rows = db.session.execute(
            select(Drive, Area)
            .join(drive_area, drive_area.c.drive_id == Drive.id)
            .join(Area, Area.id == drive_area.c.area_id)
            .where(related, *same_day)
            .order_by(Drive.starts_at, Area.code)
        ).all()
        found += [PlanWarning("area", a.label, a.id, d) for d, a in rows]
    if data.opds:
        rows = db.session.execute(
            select(Drive, Opd)
            .join(drive_opd, drive_opd.c.drive_id == Drive.id)
            .join(Opd, Opd.id == drive_opd.c.opd_id)
            .where(Opd.id.in_([o.id for o in data.opds]), *same_day)
            .order_by(Drive.starts_at, Opd.name)
        ).all()
        found += [PlanWarning("opd", o.name, o.id, d) for d, o in rows]
    return found


def survey_deadline(on: date) -> date | None:
    """The last day (WIB) of the SPI round of a day's year, else the SPI_DEADLINE setting, else None."""
    round_ = current_round(on)
    if round_ is not None and round_.year == on.year:
        return round_.deadline
    return current_app.config.get("SPI_DEADLINE")


def starts_after_deadline(data: DriveData, deadline: date | None) -> bool:
    """True when a planned drive starts once the SPI deadline day (WIB) has closed: nobody it reaches can answer."""
    if deadline is None or data.status != PLANNED:
        return False
    return data.starts_at >= wib_day_start(deadline + timedelta(days=1))


def deadline_warnings(data: DriveData, deadline: date | None) -> list[PlanWarning]:
    """A warning when a planned drive ends after the SPI deadline day (WIB) has closed."""
    if deadline is None or data.status != PLANNED:
        return []
    if data.ends_at > wib_day_start(deadline + timedelta(days=1)):
        return [PlanWarning("after_deadline", deadline.isoformat(), deadline.isoformat())]
    return []


def plan_warnings(data: DriveData, deadline: date | None, exclude_id: int | None = None) -> list[PlanWarning]:
    """Everything a coordinator confirms before saving: no promoters, double bookings, a late end."""
    found = []
    if data.status == PLANNED and not data.promoters:
        found.append(PlanWarning("no_promoters", "", ""))
    return found + find_conflicts(data, exclude_id=exclude_id) + deadline_warnings(data, deadline)


def warnings_signature(warnings: Sequence[PlanWarning]) -> str:
    """One string for a set of warnings; saving goes ahead when the form sends back the same one."""
    return "|".join(sorted({w.key for w in warnings}))


def visible_drives(user: User) -> Select:
    """Drives a user may see: staff see all, a promoter only the drives they take part in."""
    stmt = select(Drive).options(selectinload(Drive.areas), selectinload(Drive.opds), selectinload(Drive.promoters))
    if user.role == PROMOTER:
        if user.promoter_id is None:
            return stmt.where(false())
        stmt = stmt.where(
            Drive.id.in_(select(drive_promoter.c.drive_id).where(drive_promoter.c.promoter_id == user.promoter_id))
        )
    return stmt


def can_view(user: User, drive: Drive) -> bool:
    """Staff may see every drive, a promoter only one they take part in."""
    return user.role != PROMOTER or drive.has_promoter(user.promoter_id)


def filter_drives(
    stmt: Select, kecamatan: Area | None = None, kind: str | None = None, status: str | None = None
) -> Select:
    """Narrow a drive query to a kecamatan (its areas or its kecamatan OPD), a kind and a status."""
    if kecamatan is not None:
        in_areas = (
            select(drive_area.c.drive_id)
            .join(Area, Area.id == drive_area.c.area_id)
            .where(Area.id.in_(subtree_ids([kecamatan])))
        )
        in_opds = (
            select(drive_opd.c.drive_id).join(Opd, Opd.id == drive_opd.c.opd_id).where(Opd.area_id == kecamatan.id)
        )
        stmt = stmt.where(or_(Drive.id.in_(in_areas), Drive.id.in_(in_opds)))
    if kind:
        stmt = stmt.where(Drive.kind == kind)
    if status:
        stmt = stmt.where(Drive.status == status)
    return stmt


def drives_between(stmt: Select, start: datetime, end: datetime) -> list[Drive]:
    """Drives of a query that share time with [start, end), earliest first."""
    return list(
        db.session.scalars(stmt.where(Drive.starts_at < end, Drive.ends_at > start).order_by(Drive.starts_at, Drive.id))
    )


@dataclass
class CalendarDay:
    """One cell of the month calendar."""

    day: date
    in_month: bool
    is_today: bool = False
    is_deadline: bool = False
    drives: list[Drive] = field(default_factory=list)


def month_window(year: int, month: int) -> tuple[datetime, datetime]:
    """The month from 00:00 WIB on the 1st to 00:00 WIB on the 1st of the next month, in UTC."""
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return wib_day_start(first), wib_day_start(following)


def month_grid(year: int, month: int, drives: Sequence[Drive], deadline: date | None = None) -> list[list[CalendarDay]]:
    """Weeks (Monday first) of WIB days with the drives that touch each day; a drive past midnight shows twice."""
    today = clock.today()
    weeks = [
        [CalendarDay(d, d.month == month, d == today, d == deadline) for d in week]
        for week in calendar.Calendar(firstweekday=0).monthdatescalendar(year, month)
    ]
    cells = {cell.day: cell for week in weeks for cell in week}
    for drive in drives:
        for day in wib_days(drive.starts_at, drive.ends_at):
            if day in cells:
                cells[day].drives.append(drive)
    return weeks


def kecamatan_choices() -> list[Area]:
    """All kecamatan, by name."""
    return list(db.session.scalars(select(Area).where(Area.level == "kecamatan").order_by(Area.name)))


def load_by_ids(model, ids: Sequence[int]) -> list:
    """Rows of a model with the given ids (unknown ids are dropped; forms only offer real ones)."""
    if not ids:
        return []
    return list(db.session.scalars(select(model).where(model.id.in_(list(ids)))))
