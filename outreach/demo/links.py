"""Demo links: survey targets, links across promoters, areas, OPDs and channels, and weeks of scans.

Deterministic (seeded random) and idempotent: link codes come from the seeded generator, so a second
run finds them and adds nothing. The scans are synthetic: made-up addresses from a private range,
hashed exactly as real scans are.
"""

import hashlib
import hmac
import random
from datetime import UTC, datetime, time, timedelta
from functools import lru_cache

from sqlalchemy import insert, select

from outreach.areas.models import Area, Opd
from outreach.clock import WIB, wib_day
from outreach.extensions import db
from outreach.links.codes import ALPHABET
from outreach.links.models import Link, Scan, SurveyTarget
from outreach.links.services import current_promoters_in
from outreach.links.visitors import classify_user_agent, day_key, visitor_hash
from outreach.metrics.scans import refresh_scan_rollups
from outreach.models import utcnow

DEMO_TARGETS = (
    ("SPI 2026 Eksternal (pengguna layanan) – contoh", "eksternal", "https://spi.kpk.go.id/survei/eksternal"),
    ("SPI 2026 Internal (pegawai Pemkot) – contoh", "internal", "https://spi.kpk.go.id/survei/internal"),
)
WEEKS = 5
_WEBKIT = "AppleWebKit/537.36 (KHTML, like Gecko)"
PHONES = (
    f"Mozilla/5.0 (Linux; Android 13; SM-A145F) {_WEBKIT} Chrome/119.0 Mobile Safari/537.36",
    f"Mozilla/5.0 (Linux; Android 12; Redmi Note 11) {_WEBKIT} Chrome/118.0 Mobile Safari/537.36",
    f"Mozilla/5.0 (Linux; Android 14; CPH2591) {_WEBKIT} Chrome/120.0 Mobile Safari/537.36",
    f"Mozilla/5.0 (Linux; Android 13; vivo 1906) {_WEBKIT} Chrome/117.0 Mobile Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.1 Mobile/15E148 Safari/604.1",
)
OTHERS = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "Mozilla/5.0 (Linux; Android 13; SM-X205) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36",
)
BOTS = ("WhatsApp/2.23.24.82 A", "facebookexternalhit/1.1", "TelegramBot (like TwitterBot)")
# People scan in the day and evening; the weights are per WIB hour 06..22.
HOUR_WEIGHTS = (2, 4, 6, 7, 7, 8, 6, 5, 5, 6, 7, 8, 9, 8, 6, 4, 2)


def _code(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(6))


def _plan_links(rng: random.Random, eksternal: SurveyTarget, internal: SurveyTarget) -> list[dict]:
    """Which links the demo has: promoters' flyers and WhatsApp, linmas banners, OPD links, the bus."""
    plans: list[dict] = []
    city = db.session.scalar(select(Area).where(Area.level == "kota"))
    kecamatan = list(db.session.scalars(select(Area).where(Area.level == "kecamatan").order_by(Area.code)))
    for kec in kecamatan:
        for promoter, area in current_promoters_in(kec):
            if area is None:
                continue
            if promoter.role == "pamong":
                channels = ["flyer", "whatsapp"]
            elif promoter.role == "linmas":
                channels = ["banner"] if rng.random() < 0.5 else []
            else:
                channels = ["flyer"] if rng.random() < 0.25 else []
            for channel in channels:
                plans.append(
                    {
                        "code": _code(rng),
                        "target": eksternal,
                        "promoter": promoter,
                        "area": area,
                        "opd": None,
                        "channel": channel,
                        "label": "",
                    }
                )
    opds = list(db.session.scalars(select(Opd).where(Opd.kind != "kecamatan").order_by(Opd.code)))
    for opd in opds[:12]:
        plans.append(
            {
                "code": _code(rng),
                "target": internal,
                "promoter": None,
                "area": opd.area or city,
                "opd": opd,
                "channel": "whatsapp",
                "label": "Grup WhatsApp pegawai",
            }
        )
        plans.append(
            {
                "code": _code(rng),
                "target": eksternal,
                "promoter": None,
                "area": opd.area or city,
                "opd": opd,
                "channel": "banner",
                "label": "Banner ruang layanan",
            }
        )
    for stop in ("Tugu Adipura", "Pasar Bambu Kuning"):
        plans.append(
            {
                "code": _code(rng),
                "target": eksternal,
                "promoter": None,
                "area": city,
                "opd": None,
                "channel": "bus",
                "label": f"Bus Roadshow – {stop}",
            }
        )
    return plans


def _scans_for(rng: random.Random, link: Link, first_day, days: int, secret: str) -> list[dict]:
    """Synthetic scans of one link: a base pace per link, weekly rhythm, a mid-campaign push, repeats, bots."""
    base = {"flyer": 1.4, "whatsapp": 2.2, "banner": 1.0, "bus": 6.0, "other": 0.5}[link.channel] * rng.uniform(
        0.2, 1.6
    )
    rows = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        weekday = day.weekday()
        pace = base * (0.6 if weekday == 6 else 1.15 if weekday in (0, 5) else 1.0)
        if days // 2 <= offset < days // 2 + 7:
            pace *= 1.8
        visits = max(0, round(rng.gauss(pace, pace**0.5)))
        rows.extend(scans_on_day(rng, link, day, visits, secret))
    return rows


@lru_cache(maxsize=8)
def demo_day_key(secret: str, day) -> "hmac.HMAC":
    """The day key of synthetic scans, derived from SECRET_KEY so seeding repeats exactly.

    Only for made-up visitors: real scans are hashed with the day's random salt (`outreach.links.salts`).
    """
    salt = hmac.new(secret.encode(), b"outreach-demo-visitor:" + day.isoformat().encode(), hashlib.sha256).digest()
    return day_key(salt)


def scans_on_day(
    rng: random.Random, link: Link, day, visits: int, secret: str, hours: tuple[int, ...] = ()
) -> list[dict]:
    """`visits` synthetic scans of a link on one WIB day (at one of `hours`, or spread over the day):
    some repeat visitors, WhatsApp preview bots, mostly phones; hashed exactly as real scans are."""
    rows = []
    visitors: list[tuple[str, str]] = []
    for _ in range(visits):
        if visitors and rng.random() < 0.15:
            ip, ua = rng.choice(visitors)
        else:
            ip = f"10.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            ua = rng.choice(PHONES) if rng.random() < 0.85 else rng.choice(OTHERS)
            visitors.append((ip, ua))
        if link.channel == "whatsapp" and rng.random() < 0.12:
            ip, ua = f"10.250.0.{rng.randint(1, 254)}", rng.choice(BOTS)
        hour = rng.choice(hours) if hours else 6 + rng.choices(range(len(HOUR_WEIGHTS)), HOUR_WEIGHTS)[0]
        moment = datetime.combine(day, time(hour, rng.randint(0, 59), rng.randint(0, 59)), tzinfo=WIB)
        device, is_bot = classify_user_agent(ua)
        rows.append(
            {
                "link_id": link.id,
                "created_at": moment.astimezone(UTC),
                "visitor_hash": visitor_hash(ip, ua, demo_day_key(secret, day)),
                "device_class": device,
                "is_bot": is_bot,
                "source": "qr" if link.channel in ("flyer", "banner", "bus") and rng.random() < 0.85 else "direct",
            }
        )
    return rows


def seed_links(secret: str) -> dict[str, int]:
    """Add the demo survey targets, links and scans that are missing; refresh the rollups."""
    rng = random.Random(5)
    counts = {"survey_targets": 0, "links": 0, "scans": 0}
    targets = []
    for name, audience, url in DEMO_TARGETS:
        target = db.session.scalar(select(SurveyTarget).where(SurveyTarget.url == url))
        if target is None:
            target = SurveyTarget(name=name, audience=audience, url=url)
            db.session.add(target)
            counts["survey_targets"] += 1
        targets.append(target)
    db.session.flush()
    today = wib_day(utcnow())
    first_day = today - timedelta(days=WEEKS * 7 - 1)
    created_at = datetime.combine(first_day - timedelta(days=3), time(9), tzinfo=WIB)
    existing = set(db.session.scalars(select(Link.code)))
    new_links = []
    for plan in _plan_links(rng, *targets):
        if plan["code"] in existing:
            continue
        existing.add(plan["code"])
        link = Link(created_at=created_at, **plan)
        db.session.add(link)
        new_links.append(link)
    db.session.flush()
    counts["links"] = len(new_links)
    scan_rng = random.Random(55)
    batch: list[dict] = []
    for link in new_links:
        batch.extend(_scans_for(scan_rng, link, first_day, WEEKS * 7, secret))
    now = utcnow()
    batch = [row for row in batch if row["created_at"] <= now]
    for start in range(0, len(batch), 5000):
        db.session.execute(insert(Scan), batch[start : start + 5000])
    counts["scans"] = len(batch)
    refresh_scan_rollups(full=True)
    return counts
