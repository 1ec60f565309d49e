"""Select options for the links forms (areas, OPDs, promoters, scopes)."""

from sqlalchemy import select

from outreach.areas.models import Area, Opd
from outreach.campaign import promoter_role_label
from outreach.clock import to_wib
from outreach.drives.models import Drive
from outreach.extensions import db
from outreach.links.models import Link
from outreach.links.services import _current_promoters_query, _first_area_each, area_text


def scope_choices() -> dict[str, list[tuple[str, str]]]:
    """Kecamatan, kelurahan and OPDs as grouped select options valued 'area:<id>' / 'opd:<id>'."""
    areas = db.session.execute(
        select(Area.id, Area.name, Area.level)
        .where(Area.level.in_(("kecamatan", "kelurahan")), Area.active.is_(True))
        .order_by(Area.name)
    ).all()
    opds = db.session.execute(select(Opd.id, Opd.name).where(Opd.active.is_(True)).order_by(Opd.name)).all()
    return {
        "Kecamatan": [(f"area:{i}", name) for i, name, level in areas if level == "kecamatan"],
        "Kelurahan": [(f"area:{i}", name) for i, name, level in areas if level == "kelurahan"],
        "OPD": [(f"opd:{i}", name) for i, name in opds],
    }


def resolve_scope(value: str | None) -> Area | Opd | None:
    """The kecamatan/kelurahan or OPD named by a scope option ('area:<id>' / 'opd:<id>'), or None."""
    kind, _, raw_id = (value or "").partition(":")
    if not raw_id.isdigit():
        return None
    if kind == "area":
        area = db.session.get(Area, int(raw_id))
        return area if area is not None and area.level in ("kecamatan", "kelurahan") else None
    return db.session.get(Opd, int(raw_id)) if kind == "opd" else None


def promoter_choices() -> list[tuple[int, str]]:
    """Active promoters as select options: 'Name (role, area)'."""
    rows = _first_area_each(_current_promoters_query())
    return [(p.id, f"{p.name} ({promoter_role_label(p.role)}, {area_text(area)})") for p, area in rows]


def area_choices() -> list[tuple[int, str]]:
    """Kecamatan and kelurahan as select options, kelurahan labelled with their kecamatan."""
    rows = db.session.execute(
        select(Area).where(Area.level.in_(("kecamatan", "kelurahan")), Area.active.is_(True)).order_by(Area.code)
    ).scalars()
    return [(a.id, f"{a.label} ({a.parent.name})" if a.level == "kelurahan" and a.parent else a.label) for a in rows]


def opd_choices() -> list[tuple[int, str]]:
    """Active OPDs as select options."""
    rows = db.session.execute(select(Opd.id, Opd.name).where(Opd.active.is_(True)).order_by(Opd.name))
    return [(opd_id, name) for opd_id, name in rows]


def drive_choices() -> list[tuple[int, str]]:
    """Drives that have links, newest first, as select options: 'Title (day)'."""
    rows = db.session.execute(
        select(Drive.id, Drive.title, Drive.starts_at)
        .where(Drive.id.in_(select(Link.drive_id).where(Link.drive_id.is_not(None))))
        .order_by(Drive.starts_at.desc(), Drive.id.desc())
    )
    return [(drive_id, f"{title} ({to_wib(starts_at):%d-%m-%Y})") for drive_id, title, starts_at in rows]
