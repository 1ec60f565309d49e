"""Scan figures grouped by link, area, OPD, promoter or WIB day: SQL aggregates over the exact daily rows."""

from datetime import date

from sqlalchemy import Select, func, select

from outreach.extensions import db
from outreach.links.models import Link
from outreach.links.rollups import COUNT_COLUMNS, daily_scan_rows

DIMENSIONS = ("link", "area", "opd", "promoter", "day")


def scan_summary(dimension: str, links: Select, since: date | None = None, until: date | None = None) -> list[dict]:
    """Totals per `dimension` over the links of a select of Link rows (or of link ids), ordered by key
    (links without an OPD or promoter last).

    Each row: key (id or ISO day; None for links without an OPD or promoter) and the COUNT_COLUMNS
    sums, plus human_scans (bots excluded).
    """
    if dimension not in DIMENSIONS:
        raise ValueError(f"by: must be one of {', '.join(DIMENSIONS)}, not {dimension!r}")
    rows = daily_scan_rows()
    link_ids = links.with_only_columns(Link.id).order_by(None)
    key = rows.c.day if dimension == "day" else getattr(Link, "id" if dimension == "link" else f"{dimension}_id")
    sums = [func.coalesce(func.sum(getattr(rows.c, name)), 0).label(name) for name in COUNT_COLUMNS]
    query = (
        select(key.label("key"), *sums)
        .select_from(rows)
        .join(Link, Link.id == rows.c.link_id)
        .where(rows.c.link_id.in_(link_ids))
        .group_by(key)
        .order_by(key.asc().nulls_last())  # the databases disagree on where NULL sorts unless told
    )
    if since is not None:
        query = query.where(rows.c.day >= since)
    if until is not None:
        query = query.where(rows.c.day <= until)
    result = []
    for row in db.session.execute(query):
        figures = {name: int(getattr(row, name)) for name in COUNT_COLUMNS}
        key_value = row.key.isoformat() if isinstance(row.key, date) else row.key
        result.append({"key": key_value, **figures, "human_scans": figures["scans"] - figures["bot_scans"]})
    return result
