"""Promoters (pamong, linmas, RT heads) and their area assignments."""

from datetime import date

from sqlalchemy import ColumnElement, ForeignKey, String, and_, or_
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach import clock
from outreach.areas.models import Area, Opd
from outreach.extensions import Model
from outreach.models import TimestampMixin


class Promoter(TimestampMixin, Model):
    """A person who promotes the survey; their name and phone are personal data."""

    __tablename__ = "promoter"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    role: Mapped[str] = mapped_column(String(12), index=True)
    phone: Mapped[str] = mapped_column(String(20), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    opd_id: Mapped[int | None] = mapped_column(ForeignKey("opd.id"), index=True)

    opd: Mapped[Opd | None] = relationship()
    assignments: Mapped[list["Assignment"]] = relationship(back_populates="promoter", order_by="Assignment.start_date")

    def __repr__(self) -> str:
        return f"<Promoter {self.id} {self.role} {self.name!r}>"

    def current_assignments(self, on: date | None = None) -> list["Assignment"]:
        """Assignments in force on a day (today by default)."""
        on = on or clock.today()
        return [a for a in self.assignments if a.is_current(on)]


class Assignment(TimestampMixin, Model):
    """A promoter covering an area from a start date, until an end date once unassigned."""

    __tablename__ = "assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    promoter_id: Mapped[int] = mapped_column(ForeignKey("promoter.id"), index=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    start_date: Mapped[date]
    end_date: Mapped[date | None]

    promoter: Mapped[Promoter] = relationship(back_populates="assignments")
    area: Mapped[Area] = relationship()

    def __repr__(self) -> str:
        return f"<Assignment promoter={self.promoter_id} area={self.area_id} {self.start_date}..{self.end_date}>"

    def is_current(self, on: date) -> bool:
        """True when the assignment covers the given day."""
        return self.start_date <= on and (self.end_date is None or on < self.end_date)


def current_clause(on: date | None = None) -> ColumnElement[bool]:
    """SQL condition: the Assignment is in force on a day (today in WIB by default)."""
    on = on or clock.today()
    return and_(Assignment.start_date <= on, or_(Assignment.end_date.is_(None), Assignment.end_date > on))
