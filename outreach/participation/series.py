"""Daily series per unit per WIB day, from pluggable sources (respondent counts now, scans later).

A source answers two questions: the daily counts of some units over a date range, and the first
and last day it has data for. The uplift and the dashboard only talk to sources through these.
"""

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select

from outreach.areas.models import Area, Opd
from outreach.extensions import db
from outreach.participation.models import RespondentCount

Unit = Area | Opd
Series = dict[Unit, dict[date, int]]


class SeriesSource(Protocol):
    """Where daily counts come from."""

    key: str
    label: object

    def daily(self, units: Sequence[Unit], start: date, end: date, audience: str | None = None) -> Series:
        """Counts per unit per WIB day in start..end (days without a row are absent, meaning zero)."""

    def span(self, audience: str | None = None) -> tuple[date, date] | None:
        """First and last day with data, or None when there is none."""


def kecamatan_of_row():
    """SQL expression: the kecamatan id a count's area belongs to (itself or its parent)."""
    return case((Area.level == "kelurahan", Area.parent_id), else_=Area.id)


class RespondentSeries:
    """Respondent counts reported from outside (KPK progress, OPD reports)."""

    key = "respondents"
    label = _l("Respondents (reported)")

    def _filtered(self, query, start: date, end: date, audience: str | None):
        query = query.where(RespondentCount.day.between(start, end))
        if audience:
            query = query.where(RespondentCount.audience == audience)
        return query

    def daily(self, units: Sequence[Unit], start: date, end: date, audience: str | None = None) -> Series:
        """Kelurahan: their own rows; kecamatan: own rows plus their kelurahan's; OPDs: their rows."""
        result: Series = {unit: {} for unit in units}
        kelurahan = {u.id: u for u in units if isinstance(u, Area) and u.level == "kelurahan"}
        kecamatan = {u.id: u for u in units if isinstance(u, Area) and u.level == "kecamatan"}
        opds = {u.id: u for u in units if isinstance(u, Opd)}
        total = func.sum(RespondentCount.daily)
        queries = []
        if kelurahan:
            queries.append(
                (
                    kelurahan,
                    select(RespondentCount.area_id, RespondentCount.day, total)
                    .where(RespondentCount.area_id.in_(kelurahan))
                    .group_by(RespondentCount.area_id, RespondentCount.day),
                )
            )
        if kecamatan:
            owner = kecamatan_of_row()
            queries.append(
                (
                    kecamatan,
                    select(owner, RespondentCount.day, total)
                    .join(Area, Area.id == RespondentCount.area_id)
                    .where(owner.in_(kecamatan), Area.level.in_(("kecamatan", "kelurahan")))
                    .group_by(owner, RespondentCount.day),
                )
            )
        if opds:
            queries.append(
                (
                    opds,
                    select(RespondentCount.opd_id, RespondentCount.day, total)
                    .where(RespondentCount.opd_id.in_(opds))
                    .group_by(RespondentCount.opd_id, RespondentCount.day),
                )
            )
        for lookup, query in queries:
            for unit_id, day, count in db.session.execute(self._filtered(query, start, end, audience)):
                result[lookup[unit_id]][day] = int(count)
        return result

    def span(self, audience: str | None = None) -> tuple[date, date] | None:
        """First and last day any count was recorded for."""
        query = select(func.min(RespondentCount.day), func.max(RespondentCount.day))
        if audience:
            query = query.where(RespondentCount.audience == audience)
        first, last = db.session.execute(query).one()
        return (first, last) if first else None


SOURCES: dict[str, SeriesSource] = {RespondentSeries.key: RespondentSeries()}


def get_source(key: str | None) -> SeriesSource:
    """The source registered under `key` (respondent counts by default)."""
    return SOURCES.get(key or "", SOURCES[RespondentSeries.key])
