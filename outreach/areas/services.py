"""Area tree and OPD list: loading the official data, adding RW/RT, counting."""

import csv
import logging
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from outreach.areas.models import CHILD_LEVEL, Area, Opd
from outreach.audit.services import record_event
from outreach.extensions import db
from outreach.promoters.models import Assignment, Promoter

log = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
AREAS_CSV = DATA_DIR / "bandar_lampung_areas.csv"
OPD_CSV = DATA_DIR / "bandar_lampung_opd.csv"


def areas_by_code() -> dict[str, Area]:
    """Every area keyed by its code."""
    return {area.code: area for area in db.session.scalars(select(Area))}


def load_official_areas(path: Path = AREAS_CSV) -> int:
    """Insert the Kemendagri areas that are missing; return how many were added."""
    known = areas_by_code()
    added = 0
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["code"] in known:
                continue
            area = Area(
                code=row["code"],
                name=row["name"],
                level=row["level"],
                parent=known.get(row["parent_code"]),
            )
            db.session.add(area)
            known[area.code] = area
            added += 1
    db.session.flush()
    log.info("loaded %d official areas", added)
    return added


def load_opds(path: Path = OPD_CSV) -> int:
    """Insert the OPDs that are missing, linking kecamatan OPDs to their area; return the count."""
    known = {opd.code for opd in db.session.scalars(select(Opd))}
    kecamatan = {area.name: area for area in db.session.scalars(select(Area).where(Area.level == "kecamatan"))}
    added = 0
    with path.open(newline="", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            if row["code"] in known:
                continue
            area = None
            if row["kind"] == "kecamatan":
                area = kecamatan.get(row["name"].removeprefix("Kecamatan ").strip())
            db.session.add(Opd(code=row["code"], name=row["name"], kind=row["kind"], area=area))
            added += 1
    db.session.flush()
    log.info("loaded %d OPDs", added)
    return added


def subunit_code(parent: Area, number: int) -> str:
    """Code of RW/RT `number` below `parent`: the parent's code plus a 3-digit suffix."""
    return f"{parent.code}.{number:03d}"


def create_subunit(parent: Area, number: int, actor=None) -> Area:
    """Add RW `number` below a kelurahan, or RT `number` below an RW."""
    level = CHILD_LEVEL.get(parent.level)
    if level not in ("rw", "rt"):
        raise ValueError(f"an RW belongs to a kelurahan and an RT to an RW, not to a {parent.level}")
    if not 1 <= number <= 999:
        raise ValueError("number must be between 1 and 999")
    code = subunit_code(parent, number)
    if db.session.scalar(select(Area.id).where(Area.code == code)):
        raise ValueError(f"{level.upper()} {number:03d} already exists in {parent.name}")
    area = Area(code=code, name=f"{level.upper()} {number:03d}", level=level, parent=parent)
    db.session.add(area)
    db.session.flush()
    record_event(actor, "area.create", area, {"code": code, "name": area.name})
    return area


def kecamatan_summary() -> list[dict]:
    """Per kecamatan: number of kelurahan, RTs and active promoters currently assigned there."""
    kec = aliased(Area)
    kel = aliased(Area)
    rw = aliased(Area)
    rt = aliased(Area)
    kelurahan_counts = dict(
        db.session.execute(
            select(kel.parent_id, func.count(kel.id)).where(kel.level == "kelurahan").group_by(kel.parent_id)
        ).all()
    )
    rt_counts = dict(
        db.session.execute(
            select(kel.parent_id, func.count(rt.id))
            .join(rw, rw.parent_id == kel.id)
            .join(rt, rt.parent_id == rw.id)
            .where(rt.level == "rt", rt.active.is_(True))
            .group_by(kel.parent_id)
        ).all()
    )
    promoter_counts = dict(
        db.session.execute(
            select(kec.id, func.count(func.distinct(Promoter.id)))
            .join(Area, Area.code.startswith(kec.code + "."))
            .join(Assignment, Assignment.area_id == Area.id)
            .join(Promoter, Promoter.id == Assignment.promoter_id)
            .where(kec.level == "kecamatan", Assignment.end_date.is_(None), Promoter.active.is_(True))
            .group_by(kec.id)
        ).all()
    )
    rows = db.session.scalars(select(Area).where(Area.level == "kecamatan").order_by(Area.name))
    return [
        {
            "area": area,
            "kelurahan": kelurahan_counts.get(area.id, 0),
            "rt": rt_counts.get(area.id, 0),
            "promoters": promoter_counts.get(area.id, 0),
        }
        for area in rows
    ]
