"""Demo links for the demo drives, made by the same service as the drive page's button, and their scans.

Past drives get scans during the drive and fading over the days after it, so each drive report shows
an effect on top of the area's everyday scans (outreach.demo.links). A drive that already has links is
left alone, so a second run adds nothing.
"""

import random
from datetime import timedelta

from sqlalchemy import insert, select

from outreach.clock import to_wib, wib_days
from outreach.demo.links import scans_on_day
from outreach.drives.links import default_channels, default_target, generate_drive_links
from outreach.drives.models import CANCELLED, Drive
from outreach.extensions import db
from outreach.links.codes import ALPHABET
from outreach.links.models import Link, Scan
from outreach.metrics.scans import refresh_scan_rollups
from outreach.models import utcnow

# Scans by people per link on a drive day, by channel; the days after fade by FADE a day.
DRIVE_DAY_PACE = {"bus": 22.0, "banner": 7.0, "flyer": 5.0, "whatsapp": 9.0, "other": 2.0}
AFTER_SHARE, FADE, AFTER_DAYS = 0.4, 0.7, 10


def _hours(drive: Drive) -> tuple[int, ...]:
    """The WIB hours of the drive on its first day (up to midnight)."""
    start, end = to_wib(drive.starts_at), to_wib(drive.ends_at)
    last = end.hour if end.date() == start.date() else 23
    return tuple(range(start.hour, max(last, start.hour + 1)))


def _drive_scans(rng: random.Random, drive: Drive, link: Link, secret: str) -> list[dict]:
    days = wib_days(drive.starts_at, drive.ends_at)
    pace = DRIVE_DAY_PACE[link.channel] * rng.uniform(0.6, 1.4)
    rows = []
    for n, day in enumerate(days):
        visits = max(0, round(rng.gauss(pace, pace**0.5)))
        rows += scans_on_day(rng, link, day, visits, secret, hours=_hours(drive) if n == 0 else ())
    for k in range(1, AFTER_DAYS + 1):
        after = pace * AFTER_SHARE * FADE ** (k - 1)
        visits = max(0, round(rng.gauss(after, after**0.5)))
        rows += scans_on_day(rng, link, days[-1] + timedelta(days=k), visits, secret)
    return rows


def seed_drive_links(secret: str) -> dict[str, int]:
    """Links for every demo drive that has none yet (not the cancelled ones), and scans for the past ones."""
    rng = random.Random(66)
    code_rng = random.Random(67)
    counts = {"drive_links": 0, "drive_scans": 0}
    with_links = set(db.session.scalars(select(Link.drive_id).where(Link.drive_id.is_not(None)).distinct()))
    drives = db.session.scalars(select(Drive).where(Drive.status != CANCELLED).order_by(Drive.starts_at, Drive.id))
    now = utcnow()
    batch: list[dict] = []
    for drive in drives:
        target = default_target(drive)
        if drive.id in with_links or target is None or not any(p.active for p in drive.promoters):
            continue
        result = generate_drive_links(drive, target, default_channels(drive))
        counts["drive_links"] += len(result.created)
        for link in result.created:
            # Drive links get random codes in production; the demo's come from its seeded generator so every
            # seed gives the same codes (and the same figures, which the golden tests freeze).
            link.code = "".join(code_rng.choice(ALPHABET) for _ in range(6))
            # Printed and shared a few days ahead of the drive.
            link.created_at = min(now, drive.starts_at - timedelta(days=3))
            if drive.starts_at < now:
                batch += [row for row in _drive_scans(rng, drive, link, secret) if row["created_at"] <= now]
    for start in range(0, len(batch), 5000):
        db.session.execute(insert(Scan), batch[start : start + 5000])
    counts["drive_scans"] = len(batch)
    if batch:
        refresh_scan_rollups(full=True)
    return counts
