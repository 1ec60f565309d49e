"""CSV export of links for mail merges (formula-safe: spreadsheet apps never run a cell)."""

from typing import TextIO

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from outreach.extensions import db
from outreach.imports.writing import SafeCsvWriter
from outreach.links.models import Link
from outreach.links.services import area_text, qr_url, short_url

COLUMNS = (
    "code",
    "short_url",
    "qr_url",
    "active",
    "survey",
    "audience",
    "channel",
    "label",
    "promoter",
    "promoter_role",
    "area_code",
    "area",
    "opd_code",
    "opd",
    "created_at",
)


def write_links_csv(out: TextIO, active_only: bool = False) -> int:
    """Write every link (or only active ones) as CSV rows to `out`; return the number of links."""
    query = (
        select(Link)
        .options(
            selectinload(Link.promoter), selectinload(Link.area), selectinload(Link.opd), selectinload(Link.target)
        )
        .order_by(Link.id)
    )
    if active_only:
        query = query.where(Link.active.is_(True))
    writer = SafeCsvWriter(out)
    writer.writerow(COLUMNS)
    count = 0
    for link in db.session.scalars(query):
        row = (
            link.code,
            short_url(link.code),
            qr_url(link.code),
            "yes" if link.active else "no",
            link.target.name,
            link.target.audience,
            link.channel,
            link.label,
            link.promoter.name if link.promoter else "",
            link.promoter.role if link.promoter else "",
            link.area.code,
            area_text(link.area),
            link.opd.code if link.opd else "",
            link.opd.name if link.opd else "",
            link.created_at.isoformat(timespec="seconds"),
        )
        writer.writerow(row)
        count += 1
    return count
