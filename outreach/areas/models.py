"""Administrative areas (kota → kecamatan → kelurahan → RW → RT) and OPDs."""

from collections.abc import Iterable
from typing import Optional

from sqlalchemy import ColumnElement, ForeignKey, Select, String, Subquery, select, union_all
from sqlalchemy.orm import Mapped, aliased, mapped_column, relationship

from outreach.extensions import Model
from outreach.models import TimestampMixin

LEVELS = ("kota", "kecamatan", "kelurahan", "rw", "rt")
CHILD_LEVEL = {"kota": "kecamatan", "kecamatan": "kelurahan", "kelurahan": "rw", "rw": "rt"}
# Kemendagri's list ends at kelurahan; RW and RT are added by coordinators.
OFFICIAL_LEVELS = ("kota", "kecamatan", "kelurahan")

OPD_KINDS = (
    "sekretariat",
    "inspektorat",
    "satpol_pp",
    "dinas",
    "badan",
    "rsud",
    "kecamatan",
    "lainnya",
)


class Area(TimestampMixin, Model):
    """One administrative unit; official ones carry their Kemendagri code."""

    __tablename__ = "area"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[str] = mapped_column(String(12), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Optional["Area"]] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list["Area"]] = relationship(back_populates="parent", order_by="Area.code")

    def __repr__(self) -> str:
        return f"<Area {self.code} {self.level} {self.name!r}>"

    @property
    def is_official(self) -> bool:
        """True for units from the Kemendagri list, which are not edited by hand."""
        return self.level in OFFICIAL_LEVELS

    @property
    def label(self) -> str:
        """Name with its level, e.g. 'Kelurahan Surabaya' or 'RT 002'."""
        if self.level in ("rw", "rt") or self.name.lower().startswith(self.level):
            return self.name
        return f"{self.level.capitalize()} {self.name}"

    @property
    def place(self) -> str:
        """Label that says where an RW/RT is, e.g. 'RT 002 / RW 001, Kedaton'; other levels as `label`."""
        if self.level == "rt" and self.parent is not None and self.parent.parent is not None:
            return f"{self.name} / {self.parent.name}, {self.parent.parent.name}"
        if self.level == "rw" and self.parent is not None:
            return f"{self.name}, {self.parent.name}"
        return self.label


class Opd(TimestampMixin, Model):
    """A perangkat daerah (city agency); kecamatan are OPDs too and link to their area."""

    __tablename__ = "opd"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    kind: Mapped[str] = mapped_column(String(20))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)

    area: Mapped[Area | None] = relationship()

    def __repr__(self) -> str:
        return f"<Opd {self.code} {self.name!r}>"


def area_tree(roots: ColumnElement[bool], name: str) -> Subquery:
    """(root_id, area_id) for each area that `roots` selects and for every area below it, with the id of
    the root it lies under: by the tree's parent links, not by code, since an area moved under another
    parent (`areas.services.move_area`) keeps its code. A level's children are of the next level (see
    `move_area`), so the tree is at most len(LEVELS) - 1 deep below a root: a join per depth, each by
    the parent_id index (a recursive CTE is planned as a scan of every area per step)."""
    nodes = [aliased(Area) for _ in LEVELS]
    depths = []
    for depth, node in enumerate(nodes):
        query = select(nodes[0].id.label("root_id"), node.id.label("area_id")).select_from(nodes[0])
        for above, below in zip(nodes[:depth], nodes[1 : depth + 1], strict=True):
            query = query.join(below, below.parent_id == above.id)
        depths.append(query.where(nodes[0].id.in_(select(Area.id).where(roots))))
    return union_all(*depths).subquery(name)


def subtree_ids(areas: Iterable[Area], name: str = "subtree") -> Select[tuple[int]]:
    """Ids of the areas and of every area below them (`area_tree`)."""
    return select(area_tree(Area.id.in_([a.id for a in areas]), name).c.area_id)


def ancestors_at(level: str) -> Subquery:
    """(root_id, area_id) for every area at `level` or below it, root_id being its area at `level`."""
    return area_tree(Area.level == level, f"below_{level}")


def parents_of(area: Area) -> list[Area]:
    """The units above an area, nearest first (its kelurahan, kecamatan, the city), loaded as needed."""
    found = []
    node = area.parent
    while node is not None:
        found.append(node)
        node = node.parent
    return found


def lies_within(area: Area, roots: Iterable[Area]) -> bool:
    """Whether the area is one of the roots or lies below one, by its parents."""
    wanted = {root.id for root in roots}
    return area.id in wanted or any(parent.id in wanted for parent in parents_of(area))
