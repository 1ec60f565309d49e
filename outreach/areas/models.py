"""Administrative areas (kota → kecamatan → kelurahan → RW → RT) and OPDs."""

from typing import Optional

from sqlalchemy import ColumnElement, ForeignKey, String, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

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


def area_scope_condition(column, area: Area) -> ColumnElement[bool]:
    """SQL condition: `column` (an Area row) is `area` or lies below it (codes extend the parent's code)."""
    return or_(column.code == area.code, column.code.startswith(area.code + "."))
