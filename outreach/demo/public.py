"""Demo data for issue 11: typed-code entries on flyer links, and a few scan patterns the integrity
signals page should point at (one visitor scanning over and over, a burst, scans at night, and a
self-service screen at a service counter whose visits all come from one desktop).

Deterministic and idempotent: everything hangs on one kiosk link with a fixed code; when it exists,
nothing is added.
"""

import random
from datetime import UTC, datetime, time, timedelta

from sqlalchemy import insert, select

from outreach.areas.models import Area
from outreach.clock import WIB, wib_day
from outreach.demo.links import OTHERS, PHONES, demo_day_key
from outreach.extensions import db
from outreach.links.codes import ALPHABET
from outreach.links.models import Link, Scan, SurveyTarget
from outreach.links.visitors import classify_user_agent, visitor_hash
from outreach.metrics.scans import refresh_scan_rollups
from outreach.models import utcnow

DESKTOP = OTHERS[0]


def _kiosk_code() -> str:
    rng = random.Random(1111)
    return "".join(rng.choice(ALPHABET) for _ in range(6))


def _row(link_id: int, day, hour: int, minute: int, ip: str, ua: str, secret: str, source: str) -> dict:
    moment = datetime.combine(day, time(hour, minute % 60, (minute * 7) % 60), tzinfo=WIB).astimezone(UTC)
    device, is_bot = classify_user_agent(ua)
    return {
        "link_id": link_id,
        "created_at": moment,
        "visitor_hash": visitor_hash(ip, ua, demo_day_key(secret, day)),
        "device_class": device,
        "is_bot": is_bot,
        "source": source,
    }


def seed_public_demo(secret: str) -> dict[str, int]:
    """Typed entries and integrity patterns on the demo links; {'typed_scans': n, 'signal_scans': m}."""
    counts = {"typed_scans": 0, "signal_scans": 0}
    code = _kiosk_code()
    flyers = list(db.session.scalars(select(Link).where(Link.channel == "flyer").order_by(Link.code)))
    target = db.session.scalar(
        select(SurveyTarget).where(SurveyTarget.audience == "eksternal").order_by(SurveyTarget.id)
    )
    city = db.session.scalar(select(Area).where(Area.level == "kota"))
    if len(flyers) < 3 or target is None or city is None or db.session.scalar(select(Link.id).where(Link.code == code)):
        return counts
    rng = random.Random(11)
    today = wib_day(utcnow())
    now = utcnow()
    rows: list[dict] = []
    # Paper flyers: some people type the code instead of scanning the QR.
    for link in flyers:
        for offset in range(1, 35):
            for _ in range(1 if rng.random() < 0.12 else 0):
                ip = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
                rows.append(
                    _row(
                        link.id,
                        today - timedelta(days=offset),
                        rng.randint(7, 21),
                        rng.randint(0, 59),
                        ip,
                        rng.choice(PHONES),
                        secret,
                        "typed",
                    )
                )
    counts["typed_scans"] = len(rows)
    patterns: list[dict] = []
    repeat, burst, night = flyers[0], flyers[1], flyers[2]
    day = today - timedelta(days=3)
    patterns += [_row(repeat.id, day, 19, m * 2, "10.9.9.9", PHONES[0], secret, "qr") for m in range(15)]
    day = today - timedelta(days=5)
    patterns += [_row(burst.id, day, 10, m, f"10.8.{m}.{m + 1}", rng.choice(PHONES), secret, "qr") for m in range(45)]
    day = today - timedelta(days=2)
    patterns += [_row(night.id, day, 2, m * 9, f"10.7.0.{m + 1}", rng.choice(PHONES), secret, "qr") for m in range(5)]
    kiosk = Link(
        code=code,
        target=target,
        area=city,
        channel="banner",
        label="Banner digital di layar mandiri Mal Pelayanan Publik – contoh",
        created_at=datetime.combine(today - timedelta(days=12), time(8), tzinfo=WIB),
    )
    db.session.add(kiosk)
    db.session.flush()
    for offset in range(1, 11):
        for n in range(4):
            patterns.append(
                _row(kiosk.id, today - timedelta(days=offset), 9 + n * 2, n * 13, "10.6.0.1", DESKTOP, secret, "direct")
            )
    counts["signal_scans"] = len(patterns)
    batch = [row for row in rows + patterns if row["created_at"] <= now]
    for start in range(0, len(batch), 5000):
        db.session.execute(insert(Scan), batch[start : start + 5000])
    refresh_scan_rollups(full=True)
    return counts
