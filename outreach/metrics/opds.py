"""Figures for the OPD pages: each OPD's progress per audience, its drives, links and promoters.

Kecamatan are OPDs too (`Opd.area_id` points at their area), so the OPD and the area pages link both ways.
"""

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from outreach.areas.models import Area, Opd
from outreach.campaign import AUDIENCES
from outreach.drives.models import CANCELLED, Drive, drive_opd
from outreach.extensions import db
from outreach.links.models import Link
from outreach.metrics.effects import DriveEffect, drive_effect, measured_drives
from outreach.metrics.figures import UnitProgress, unit_progress
from outreach.metrics.scans import ScanTotals, totals_by_link
from outreach.promoters.models import Promoter


@dataclass
class OpdRow:
    """One OPD on the list: its progress for each audience it has a target or count for, and the most
    behind of them (what the list is sorted by)."""

    opd: Opd
    progress: dict[str, UnitProgress] = field(default_factory=dict)
    worst: UnitProgress | None = None


def opd_rows(today: date | None = None) -> list[OpdRow]:
    """Every OPD with progress for an audience, most behind first (as `unit_progress` orders each
    audience; an OPD's place is that of its most behind audience)."""
    rows: dict[int, OpdRow] = {}
    order: dict[int, int] = {}
    for audience in AUDIENCES:
        for rank, p in enumerate(unit_progress("opd", audience, today=today)):
            opd = p.unit
            if not isinstance(opd, Opd):
                continue
            row = rows.setdefault(opd.id, OpdRow(opd))
            row.progress[audience] = p
            if opd.id not in order or rank < order[opd.id]:
                order[opd.id] = rank
                row.worst = p
    return sorted(rows.values(), key=lambda r: (order[r.opd.id], r.opd.name))


def opd_progress(opd: Opd, today: date | None = None) -> dict[str, UnitProgress | None]:
    """The OPD's progress for each audience (None where it has neither target nor count)."""
    found: dict[str, UnitProgress | None] = {}
    for audience in AUDIENCES:
        found[audience] = next((p for p in unit_progress("opd", audience, today=today) if p.unit == opd), None)
    return found


def opd_drives(opd: Opd) -> list[Drive]:
    """The OPD's drives (not cancelled), latest first."""
    query = (
        select(Drive)
        .join(drive_opd, drive_opd.c.drive_id == Drive.id)
        .where(drive_opd.c.opd_id == opd.id, Drive.status != CANCELLED)
        .order_by(Drive.starts_at.desc(), Drive.id.desc())
        .options(selectinload(Drive.promoters), selectinload(Drive.areas), selectinload(Drive.opds))
    )
    return list(db.session.scalars(query))


def drive_effects(drives: list[Drive]) -> dict[int, DriveEffect]:
    """The effect of each of these drives that can be measured yet, by drive id."""
    measurable = {d.id for d in measured_drives()}
    return {d.id: drive_effect(d) for d in drives if d.id in measurable}


def opd_links(opd: Opd) -> list[tuple[Link, ScanTotals]]:
    """The OPD's links with their visits so far, most visited first."""
    links = list(
        db.session.scalars(
            select(Link).where(Link.opd_id == opd.id).options(selectinload(Link.promoter)).order_by(Link.id)
        )
    )
    totals = totals_by_link([link.id for link in links]) if links else {}
    rows = [(link, totals.get(link.id, ScanTotals())) for link in links]
    return sorted(rows, key=lambda r: (-r[1].human_scans, r[0].id))


def opd_promoters(opd: Opd) -> list[Promoter]:
    """The OPD's active promoters, by name (personal data: coordinators and admins only)."""
    query = select(Promoter).where(Promoter.opd_id == opd.id, Promoter.active.is_(True)).order_by(Promoter.name)
    return list(db.session.scalars(query))


def opd_of_area(area: Area) -> Opd | None:
    """The OPD of a kecamatan's office (kecamatan are OPDs too), if there is one."""
    return db.session.scalar(select(Opd).where(Opd.area_id == area.id, Opd.active.is_(True)))
