"""Area tree and OPD list: loading the official data, adding RW/RT, counting."""

import csv
import logging
from pathlib import Path

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import aliased

from outreach.areas.models import CHILD_LEVEL, OPD_KINDS, Area, Opd, area_tree, parents_of
from outreach.audit.services import diff, record_event
from outreach.extensions import db
from outreach.metrics import refresh
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


class AreaError(ValueError):
    """A change to an area or OPD that is not allowed; the message says why."""


def subunit_name(level: str, number: int, label: str = "") -> str:
    """Display name of an RW/RT: 'RT 002', or 'RT 002 Gang Mawar' with a local label."""
    base = f"{level.upper()} {number:03d}"
    label = (label or "").strip()
    if label.upper().startswith(base):
        label = label[len(base) :].strip()
    return f"{base} {label}" if label and label != base else base


def create_subunit(parent: Area, number: int, actor=None, label: str = "") -> Area:
    """Add RW `number` below a kelurahan, or RT `number` below an RW."""
    level = CHILD_LEVEL.get(parent.level)
    if level not in ("rw", "rt"):
        raise AreaError(_l("An RW belongs to a kelurahan and an RT to an RW, not to a %(level)s.", level=parent.level))
    if not 1 <= number <= 999:
        raise AreaError(_l("The number must be between 1 and 999."))
    code = subunit_code(parent, number)
    if db.session.scalar(select(Area.id).where(Area.code == code)):
        unit = f"{level.upper()} {number:03d}"
        raise AreaError(_l("%(unit)s already exists in %(parent)s.", unit=unit, parent=parent.name))
    area = Area(code=code, name=subunit_name(level, number, label), level=level, parent=parent, active=True)
    db.session.add(area)
    db.session.flush()
    record_event(actor, "area.create", area, diff({}, {"code": code, "name": area.name, "active": True}))
    log.info("created %s %s", level, code)
    return area


def _editable(area: Area) -> None:
    if area.is_official:
        raise AreaError(
            _l("%(area)s comes from the official Kemendagri list and is not edited by hand.", area=area.label)
        )


def update_subunit(area: Area, label: str, actor=None) -> dict:
    """Change the local label of an RW/RT (its number and code stay); returns the audited changes."""
    _editable(area)
    number = int(area.code.rsplit(".", 1)[1])
    before = {"name": area.name}
    area.name = subunit_name(area.level, number, label)
    changes = diff(before, {"name": area.name})
    if changes:
        record_event(actor, "area.update", area, changes)
    return changes


def move_area(area: Area, parent: Area, actor=None) -> dict:
    """Put an area under another parent (a kelurahan into another kecamatan, say); returns the audited
    changes. Its counts and scans then add up to the new parent's figures, in the same transaction."""
    if area.level != CHILD_LEVEL.get(parent.level):
        raise AreaError(_l("A %(level)s cannot be placed under a %(parent)s.", level=area.level, parent=parent.level))
    changes = diff({"parent_id": area.parent_id}, {"parent_id": parent.id})
    if changes:
        area.parent = parent
        refresh.areas_moved()
        record_event(actor, "area.move", area, changes)
        log.info("moved %s under %s", area.code, parent.code)
    return changes


def set_area_active(area: Area, active: bool, actor=None) -> int:
    """Deactivate (or reactivate) an RW/RT; deactivating an RW deactivates its RTs. Returns units changed."""
    _editable(area)
    units = [area] + (list(area.children) if area.level == "rw" and not active else [])
    changed = 0
    for unit in units:
        if unit.active != active:
            record_event(actor, "area.update", unit, diff({"active": unit.active}, {"active": active}))
            unit.active = active
            changed += 1
    return changed


def search_areas(q: str, limit: int = 50) -> list[Area]:
    """Areas whose name contains `q` or whose code starts with it, official levels first."""
    term = (q or "").strip()
    if not term:
        return []
    order = case({lvl: i for i, lvl in enumerate(("kota", "kecamatan", "kelurahan", "rw", "rt"))}, value=Area.level)
    return list(
        db.session.scalars(
            select(Area)
            .where(
                or_(
                    func.lower(Area.name).contains(term.lower(), autoescape=True),
                    Area.code.startswith(term, autoescape=True),
                )
            )
            .order_by(order, Area.code)
            .limit(limit)
        )
    )


def ancestors(area: Area) -> list[Area]:
    """The chain from the top (kota) down to the area's parent, for breadcrumbs."""
    return list(reversed(parents_of(area)))


def area_counts(areas: list[Area]) -> dict[int, dict[str, int]]:
    """Per area (including everything below it): active RTs and current active promoters by role."""
    from outreach.promoters.services import current_clause

    if not areas:
        return {}
    target = aliased(Area)
    below = area_tree(Area.id.in_([a.id for a in areas]), "counted")
    counts = {a.id: {"rt": 0, "pamong": 0, "linmas": 0, "rt_heads": 0} for a in areas}
    for area_id, n in db.session.execute(
        select(below.c.root_id, func.count(target.id))
        .join(target, target.id == below.c.area_id)
        .where(target.level == "rt", target.active.is_(True))
        .group_by(below.c.root_id)
    ):
        counts[area_id]["rt"] = n
    for area_id, role, n in db.session.execute(
        select(below.c.root_id, Promoter.role, func.count(func.distinct(Promoter.id)))
        .join(Assignment, Assignment.area_id == below.c.area_id)
        .join(Promoter, Promoter.id == Assignment.promoter_id)
        .where(current_clause(), Promoter.active.is_(True))
        .group_by(below.c.root_id, Promoter.role)
    ):
        counts[area_id]["rt_heads" if role == "rt" else role] = n
    return counts


def kota() -> Area | None:
    """The city itself, root of the tree."""
    return db.session.scalar(select(Area).where(Area.level == "kota").order_by(Area.code))


def list_kecamatan() -> list[Area]:
    """Every kecamatan by name (for filters)."""
    return list(db.session.scalars(select(Area).where(Area.level == "kecamatan").order_by(Area.name)))


def list_kelurahan(kecamatan: Area | None = None) -> list[Area]:
    """Kelurahan by name, optionally of one kecamatan (for filters)."""
    stmt = select(Area).where(Area.level == "kelurahan").order_by(Area.name)
    if kecamatan is not None:
        stmt = stmt.where(Area.parent_id == kecamatan.id)
    return list(db.session.scalars(stmt))


def find_area_by_code(code: str) -> Area | None:
    """The area with this code, if any."""
    return db.session.scalar(select(Area).where(Area.code == (code or "").strip()))


def opd_snapshot(opd: Opd) -> dict:
    """The audited fields of an OPD."""
    return {
        "code": opd.code,
        "name": opd.name,
        "kind": opd.kind,
        "area": opd.area.code if opd.area else None,
        "active": opd.active,
    }


def _check_opd(code: str, name: str, kind: str, current: Opd | None = None) -> tuple[str, str]:
    code, name = (code or "").strip().lower(), (name or "").strip()
    if not code or not name:
        raise AreaError(_l("An OPD needs a code and a name."))
    if kind not in OPD_KINDS:
        raise AreaError(_l("Kind must be one of %(kinds)s.", kinds=", ".join(OPD_KINDS)))
    other = db.session.scalar(select(Opd).where(Opd.code == code))
    if other is not None and other is not current:
        raise AreaError(_l("OPD code %(code)s is already used by %(name)s.", code=code, name=other.name))
    return code, name


def create_opd(code: str, name: str, kind: str, area: Area | None = None, actor=None) -> Opd:
    """Add an OPD to the list."""
    code, name = _check_opd(code, name, kind)
    opd = Opd(code=code, name=name, kind=kind, area=area, active=True)
    db.session.add(opd)
    db.session.flush()
    record_event(actor, "opd.create", opd, diff({}, opd_snapshot(opd)))
    log.info("created OPD %s", code)
    return opd


def update_opd(opd: Opd, code: str, name: str, kind: str, area: Area | None, actor=None) -> dict:
    """Change an OPD; returns the audited changes."""
    code, name = _check_opd(code, name, kind, current=opd)
    before = opd_snapshot(opd)
    opd.code, opd.name, opd.kind, opd.area = code, name, kind, area
    changes = diff(before, opd_snapshot(opd))
    if changes:
        record_event(actor, "opd.update", opd, changes)
    return changes


def set_opd_active(opd: Opd, active: bool, actor=None) -> None:
    """Deactivate or reactivate an OPD (kept for history; promoters keep their link)."""
    if opd.active != active:
        record_event(actor, "opd.update", opd, diff({"active": opd.active}, {"active": active}))
        opd.active = active


def list_opds(q: str | None = None, kind: str | None = None, active: bool | None = None) -> list[Opd]:
    """OPDs filtered by name/code, kind and active flag, by name, with their promoter counts attached."""
    stmt = select(Opd).order_by(Opd.name)
    if q:
        stmt = stmt.where(
            or_(
                func.lower(Opd.name).contains(q.strip().lower(), autoescape=True),
                Opd.code.startswith(q.strip().lower(), autoescape=True),
            )
        )
    if kind:
        stmt = stmt.where(Opd.kind == kind)
    if active is not None:
        stmt = stmt.where(Opd.active.is_(active))
    return list(db.session.scalars(stmt))


def opd_promoter_counts() -> dict[int | None, int]:
    """Active promoters per OPD id."""
    return dict(
        db.session.execute(
            select(Promoter.opd_id, func.count())
            .where(Promoter.active.is_(True), Promoter.opd_id.is_not(None))
            .group_by(Promoter.opd_id)
        )
        .tuples()
        .all()
    )
