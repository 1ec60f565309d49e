"""Where the campaign cannot reach yet: RTs without an RT head, kelurahan without pamong or linmas,
promoters without any area. All figures are SQL counts over current assignments of active promoters.
"""

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Select, case, func, or_, select
from sqlalchemy.orm import aliased, selectinload

from outreach.areas.models import Area, ancestors_at
from outreach.auth.models import User
from outreach.campaign import PROMOTER_ROLES
from outreach.extensions import db
from outreach.promoters.models import Assignment, Promoter, current_clause


def _covered_area_ids(role: str) -> Select[tuple[int]]:
    """Ids of areas with a current assignment of an active promoter of this role."""
    return (
        select(Assignment.area_id)
        .join(Promoter, Promoter.id == Assignment.promoter_id)
        .where(current_clause(), Promoter.active.is_(True), Promoter.role == role)
    )


def _kelurahan_with(role: str) -> Select[tuple[int]]:
    """Ids of kelurahan where an active promoter of this role works: in the kelurahan, or in one of its RWs
    or their RTs. By the area tree, as the RT counts are: an RW moved to another kelurahan keeps its code
    (and once, matched by code prefix, this cost a join of every area with every kelurahan)."""
    area, parent, grandparent = aliased(Area), aliased(Area), aliased(Area)
    kelurahan_id = case(
        (area.level == "kelurahan", area.id),
        (parent.level == "kelurahan", parent.id),
        (grandparent.level == "kelurahan", grandparent.id),
    )
    return (
        select(kelurahan_id)
        .select_from(area)
        .outerjoin(parent, parent.id == area.parent_id)
        .outerjoin(grandparent, grandparent.id == parent.parent_id)
        .where(area.id.in_(_covered_area_ids(role)), kelurahan_id.is_not(None))
    )


def coverage_rows(
    kecamatan: Area | None = None, kelurahan: Area | None = None, by_kelurahan: bool | None = None
) -> list[dict[str, Any]]:
    """One row per kecamatan (no filter) or per kelurahan (within a kecamatan/kelurahan, or the whole city
    with `by_kelurahan`), with counts: kelurahan, kelurahan without pamong / without linmas, RTs, RTs
    without an RT head."""
    kel = aliased(Area)
    rw = aliased(Area)
    rt = aliased(Area)
    if by_kelurahan is None:
        by_kelurahan = kecamatan is not None or kelurahan is not None
    key = kel.id if by_kelurahan else kel.parent_id
    scope = [kel.level == "kelurahan", kel.active.is_(True)]
    if kelurahan is not None:
        scope.append(kel.id == kelurahan.id)
    elif kecamatan is not None:
        scope.append(kel.parent_id == kecamatan.id)
    kel_stats = {
        row[0]: row[1:]
        for row in db.session.execute(
            select(
                key,
                func.count(kel.id),
                func.sum(case((kel.id.in_(_kelurahan_with("pamong")), 0), else_=1)),
                func.sum(case((kel.id.in_(_kelurahan_with("linmas")), 0), else_=1)),
            )
            .where(*scope)
            .group_by(key)
        )
    }
    rt_stats = {
        row[0]: row[1:]
        for row in db.session.execute(
            select(key, func.count(rt.id), func.sum(case((rt.id.in_(_covered_area_ids("rt")), 0), else_=1)))
            .select_from(rt)
            .join(rw, rw.id == rt.parent_id)
            .join(kel, kel.id == rw.parent_id)
            .where(rt.level == "rt", rt.active.is_(True), *scope)
            .group_by(key)
        )
    }
    units = db.session.scalars(
        select(Area).where(Area.id.in_(list(kel_stats))).options(selectinload(Area.parent)).order_by(Area.name)
    )
    rows = []
    for unit in units:
        n_kel, no_pamong, no_linmas = kel_stats[unit.id]
        n_rt, no_head = rt_stats.get(unit.id, (0, 0))
        rows.append(
            {
                "area": unit,
                "kelurahan": n_kel,
                "without_pamong": int(no_pamong or 0),
                "without_linmas": int(no_linmas or 0),
                "rts": n_rt,
                "rts_without_head": int(no_head or 0),
            }
        )
    return rows


@dataclass
class KecamatanGaps:
    """One kecamatan's gaps: its kelurahan rows (as `coverage_rows`) and promoters who never signed in."""

    area: Area
    kelurahan: list[dict[str, Any]] = field(default_factory=list)
    not_signed_in: list[Promoter] = field(default_factory=list)
    not_signed_in_total: int = 0

    @property
    def without_pamong(self) -> int:
        """Kelurahan without a pamong."""
        return sum(r["without_pamong"] for r in self.kelurahan)

    @property
    def without_linmas(self) -> int:
        """Kelurahan without a linmas."""
        return sum(r["without_linmas"] for r in self.kelurahan)

    @property
    def rts_without_head(self) -> int:
        """RTs without an RT head."""
        return sum(r["rts_without_head"] for r in self.kelurahan)

    @property
    def gaps(self) -> int:
        """Every gap of the kecamatan, the number its heading shows."""
        return self.without_pamong + self.without_linmas + self.rts_without_head + self.not_signed_in_total


def coverage_gaps(shown: int = 5) -> list[dict[str, Any]]:
    """The kecamatan with the most places no promoter reaches yet, most first (only those with gaps)."""
    rows = coverage_rows()
    for row in rows:
        row["gaps"] = row["without_pamong"] + row["without_linmas"] + row["rts_without_head"]
    return sorted((r for r in rows if r["gaps"]), key=lambda r: (-r["gaps"], r["area"].name))[:shown]


def not_signed_in(kecamatan: Area | None = None) -> list[tuple[Promoter, int]]:
    """Active promoters with a current area in a kecamatan who have never signed in, with the id of that
    kecamatan (by the area tree), by name."""
    below = ancestors_at("kecamatan")
    stmt = (
        select(Promoter, below.c.root_id)
        .join(Assignment, (Assignment.promoter_id == Promoter.id) & current_clause())
        .join(below, below.c.area_id == Assignment.area_id)
        .join(Area, Area.id == Assignment.area_id)
        .outerjoin(User, User.promoter_id == Promoter.id)
        .where(Promoter.active.is_(True), or_(User.id.is_(None), User.last_login_at.is_(None)))
        .order_by(Promoter.name, Promoter.id, Area.code)
    )
    if kecamatan is not None:
        stmt = stmt.where(below.c.root_id == kecamatan.id)
    seen: set[int] = set()
    found = []
    for promoter, kecamatan_id in db.session.execute(stmt):
        if promoter.id not in seen:
            seen.add(promoter.id)
            found.append((promoter, kecamatan_id))
    return found


def kecamatan_gaps(kecamatan: Area | None = None, shown: int = 30) -> list[KecamatanGaps]:
    """Each kecamatan (or the one given) with its kelurahan rows and who has not signed in yet, by name."""
    groups: dict[int, KecamatanGaps] = {}
    for row in coverage_rows(kecamatan, by_kelurahan=True):
        parent = row["area"].parent
        if parent is None:  # a kelurahan outside the tree has no kecamatan to be shown under
            continue
        group = groups.get(parent.id)
        if group is None:
            group = groups[parent.id] = KecamatanGaps(parent)
        group.kelurahan.append(row)
    for promoter, kecamatan_id in not_signed_in(kecamatan):
        group = groups.get(kecamatan_id)
        if group is None:
            continue
        group.not_signed_in_total += 1
        if len(group.not_signed_in) < shown:
            group.not_signed_in.append(promoter)
    return sorted(groups.values(), key=lambda g: g.area.name)


def uncovered_rts_query(kecamatan: Area | None = None, kelurahan: Area | None = None) -> Select[Any]:
    """SELECT of (RT, RW, kelurahan, kecamatan) for active RTs without a current active RT head."""
    rt, rw, kel, kec = (aliased(Area, name=n) for n in ("rt", "rw", "kel", "kec"))
    stmt = (
        select(rt, rw, kel, kec)
        .select_from(rt)
        .join(rw, rw.id == rt.parent_id)
        .join(kel, kel.id == rw.parent_id)
        .join(kec, kec.id == kel.parent_id)
        .where(rt.level == "rt", rt.active.is_(True), rt.id.not_in(_covered_area_ids("rt")))
        .order_by(rt.code)
    )
    if kelurahan is not None:
        stmt = stmt.where(kel.id == kelurahan.id)
    elif kecamatan is not None:
        stmt = stmt.where(kec.id == kecamatan.id)
    return stmt


def unassigned_promoters_query(role: str | None = None) -> Select[tuple[Promoter]]:
    """SELECT of active promoters with no current assignment, by name."""
    stmt = (
        select(Promoter)
        .where(
            Promoter.active.is_(True),
            ~select(Assignment.id).where(Assignment.promoter_id == Promoter.id, current_clause()).exists(),
        )
        .order_by(Promoter.name)
    )
    if role in PROMOTER_ROLES:
        stmt = stmt.where(Promoter.role == role)
    return stmt


def unassigned_counts() -> dict[str, int]:
    """Active promoters without any area, per role."""
    stmt = unassigned_promoters_query().order_by(None).with_only_columns(Promoter.role, func.count())
    found = dict(db.session.execute(stmt.group_by(Promoter.role)).tuples().all())
    return {role: found.get(role, 0) for role in PROMOTER_ROLES}


def count(stmt: Select[Any]) -> int:
    """Number of rows a SELECT returns."""
    return db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery())) or 0
