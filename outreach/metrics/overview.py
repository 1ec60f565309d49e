"""Figures for the staff home page."""

from typing import TypedDict

from sqlalchemy import func, select

from outreach.areas.models import Area, Opd
from outreach.campaign import PROMOTER_ROLES
from outreach.extensions import db
from outreach.promoters.models import Promoter


class StaffOverview(TypedDict):
    """Areas by level, active OPDs and active promoters by role."""

    areas: dict[str, int]
    opds: int
    promoters: dict[str, int]


def staff_overview() -> StaffOverview:
    """Counts of areas by level, OPDs and active promoters by role."""
    areas = dict(db.session.execute(select(Area.level, func.count()).group_by(Area.level)).tuples().all())
    promoters = dict(
        db.session.execute(select(Promoter.role, func.count()).where(Promoter.active.is_(True)).group_by(Promoter.role))
        .tuples()
        .all()
    )
    return {
        "areas": {level: areas.get(level, 0) for level in ("kecamatan", "kelurahan", "rw", "rt")},
        "opds": db.session.scalar(select(func.count()).select_from(Opd).where(Opd.active.is_(True))) or 0,
        "promoters": {role: promoters.get(role, 0) for role in PROMOTER_ROLES},
    }
