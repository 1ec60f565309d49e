"""Daily series per unit per WIB day, from pluggable sources: reported respondent counts and our scans.

Every source offers the same rows as a SQL subquery (`rows()`: area_id, opd_id, audience, day, n),
so the dashboard and the uplift aggregate any of them in SQL the same way. A kecamatan counts its own
rows plus its kelurahan's; a kelurahan and an OPD count their own rows.
"""

from collections.abc import Sequence
from datetime import date
from typing import Protocol

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, func, select
from sqlalchemy.sql import Subquery

from outreach.areas.models import Area, Opd
from outreach.extensions import db
from outreach.participation.days import wib_day
from outreach.participation.models import RespondentCount

Unit = Area | Opd
Series = dict[Unit, dict[date, int]]


class SeriesSource(Protocol):
    """Where daily counts come from."""

    key: str
    label: object
    noun: object

    def rows(self, start: date, end: date) -> Subquery:
        """Rows with columns area_id, opd_id, audience, day, n for WIB days start..end."""

    def daily(self, units: Sequence[Unit], start: date, end: date, audience: str | None = None) -> Series:
        """Counts per unit per WIB day in start..end (days without a row are absent, meaning zero)."""

    def span(self, audience: str | None = None) -> tuple[date, date] | None:
        """First and last day with data, or None when there is none."""


def kecamatan_of_row():
    """SQL expression: the kecamatan id a row's area belongs to (itself or its parent)."""
    return case((Area.level == "kelurahan", Area.parent_id), else_=Area.id)


def daily_by_unit(rows: Subquery, units: Sequence[Unit], audience: str | None = None) -> Series:
    """Sum of `rows` per unit and day: kelurahan and OPDs their own rows, kecamatan with their kelurahan."""
    result: Series = {unit: {} for unit in units}
    kelurahan = {u.id: u for u in units if isinstance(u, Area) and u.level == "kelurahan"}
    kecamatan = {u.id: u for u in units if isinstance(u, Area) and u.level == "kecamatan"}
    opds = {u.id: u for u in units if isinstance(u, Opd)}
    total = func.sum(rows.c.n)
    queries = []
    if kelurahan:
        queries.append(
            (
                kelurahan,
                select(rows.c.area_id, rows.c.day, total)
                .where(rows.c.area_id.in_(kelurahan))
                .group_by(rows.c.area_id, rows.c.day),
            )
        )
    if kecamatan:
        owner = kecamatan_of_row()
        queries.append(
            (
                kecamatan,
                select(owner, rows.c.day, total)
                .join(Area, Area.id == rows.c.area_id)
                .where(owner.in_(kecamatan), Area.level.in_(("kecamatan", "kelurahan")))
                .group_by(owner, rows.c.day),
            )
        )
    if opds:
        queries.append(
            (
                opds,
                select(rows.c.opd_id, rows.c.day, total)
                .where(rows.c.opd_id.in_(opds))
                .group_by(rows.c.opd_id, rows.c.day),
            )
        )
    for lookup, query in queries:
        if audience:
            query = query.where(rows.c.audience == audience)
        for unit_id, day, count in db.session.execute(query):
            result[lookup[unit_id]][day] = int(count)
    return result


class RespondentSeries:
    """Respondent counts reported from outside (KPK progress, OPD reports)."""

    key = "respondents"
    label = _l("Respondents (reported)")
    noun = _l("Respondents")
    has_city_total = True

    def rows(self, start: date, end: date) -> Subquery:
        """Reported daily counts (cumulative reports are stored as their daily differences)."""
        return (
            select(
                RespondentCount.area_id.label("area_id"),
                RespondentCount.opd_id.label("opd_id"),
                RespondentCount.audience.label("audience"),
                RespondentCount.day.label("day"),
                RespondentCount.daily.label("n"),
            )
            .where(RespondentCount.day.between(start, end))
            .subquery("respondent_rows")
        )

    def daily(self, units: Sequence[Unit], start: date, end: date, audience: str | None = None) -> Series:
        """Kelurahan: their own rows; kecamatan: own rows plus their kelurahan's; OPDs: their rows."""
        return daily_by_unit(self.rows(start, end), units, audience)

    def span(self, audience: str | None = None) -> tuple[date, date] | None:
        """First and last day any count was recorded for."""
        query = select(func.min(RespondentCount.day), func.max(RespondentCount.day))
        if audience:
            query = query.where(RespondentCount.audience == audience)
        first, last = db.session.execute(query).one()
        return (first, last) if first else None


class ScanSeries:
    """Scans of our links, per the link's area (and so its kecamatan) and OPD; bots never count.

    `unique=True` counts unique visitors per link and day instead of scans. The audience is the
    audience of the link's survey target. Read from the daily rollup plus the live tail.
    """

    def __init__(self, unique: bool = False) -> None:
        self.unique = unique
        self.key = "visitors" if unique else "scans"
        self.label = _l("Our scans, unique visitors") if unique else _l("Our scans (bots excluded)")
        self.noun = _l("Unique visitors") if unique else _l("Scans")
        self.has_city_total = False

    def rows(self, start: date, end: date) -> Subquery:
        """Per link and WIB day: human scans (or unique visitors), with the link's area, OPD and audience."""
        from outreach.links.rollups import unit_scan_rows

        scan_days = unit_scan_rows(start, end)
        value = scan_days.c.unique_visitors if self.unique else scan_days.c.human_scans
        return select(
            scan_days.c.area_id,
            scan_days.c.opd_id,
            scan_days.c.audience,
            scan_days.c.day,
            value.label("n"),
        ).subquery("scan_rows")

    def daily(self, units: Sequence[Unit], start: date, end: date, audience: str | None = None) -> Series:
        """Scans per unit and WIB day; a kecamatan also counts the links of its kelurahan."""
        return daily_by_unit(self.rows(start, end), units, audience)

    def span(self, audience: str | None = None) -> tuple[date, date] | None:
        """WIB days of the first and last recorded scan (indexed, so cheap)."""
        from outreach.links.models import Link, Scan, SurveyTarget

        query = select(func.min(Scan.created_at), func.max(Scan.created_at))
        if audience:
            audience_links = select(Link.id).join(SurveyTarget).where(SurveyTarget.audience == audience)
            query = query.where(Scan.link_id.in_(audience_links))
        first, last = db.session.execute(query).one()
        return (wib_day(first), wib_day(last)) if first else None


SOURCES: dict[str, SeriesSource] = {
    source.key: source for source in (RespondentSeries(), ScanSeries(), ScanSeries(unique=True))
}
DEFAULT_SOURCE = RespondentSeries.key


def get_source(key: str | None) -> SeriesSource:
    """The source registered under `key` (respondent counts by default)."""
    return SOURCES.get(key or "", SOURCES[DEFAULT_SOURCE])
