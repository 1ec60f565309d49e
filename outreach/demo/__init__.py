"""Demo data: the real Bandar Lampung areas and OPDs plus synthetic RW/RT units and promoters.

Everything below kelurahan level and every person here is fictional. The random generator is
seeded, so the data is the same on every machine and a second run adds nothing.

Production code never imports this package (an import-linter contract in pyproject.toml checks it);
only the `flask seed-demo` command does, inside the command. One module per domain: links, drives,
drive_links, participation, public.
"""

import random
from datetime import date, timedelta

from flask import current_app
from sqlalchemy import select

from outreach.areas.models import Area, Opd
from outreach.areas.services import load_official_areas, load_opds, subunit_code
from outreach.auth.services import create_sign_in_link, create_user, find_user_by_email, lock_account, sign_in_url
from outreach.campaign import ADMIN, COORDINATOR, LEADERSHIP, PROMOTER
from outreach.demo.drive_links import seed_drive_links
from outreach.demo.drives import seed_demo_drives
from outreach.demo.links import seed_links
from outreach.demo.participation import seed_participation
from outreach.demo.public import seed_public_demo
from outreach.demo.rollouts import seed_demo_rollout
from outreach.extensions import db
from outreach.promoters.models import Assignment, Promoter

DEMO_LOGINS = {
    ADMIN: ("admin@demo-outreach.id", "Admin-demo-2026"),
    COORDINATOR: ("koordinator@demo-outreach.id", "Koordinator-demo-2026"),
    LEADERSHIP: ("pimpinan@demo-outreach.id", "Pimpinan-demo-2026"),
    PROMOTER: ("promotor@demo-outreach.id", "Promotor-demo-2026"),
}

FIRST_NAMES = (
    "Agus",
    "Budi",
    "Dedi",
    "Eko",
    "Fajar",
    "Hendra",
    "Indra",
    "Joko",
    "Rudi",
    "Slamet",
    "Wahyu",
    "Yusuf",
    "Ani",
    "Dewi",
    "Fitri",
    "Lestari",
    "Maya",
    "Nur",
    "Putri",
    "Rina",
    "Siti",
    "Yuni",
    "Ahmad",
    "Bambang",
    "Heru",
    "Iwan",
    "Sri",
    "Ratna",
    "Wati",
    "Hasan",
    "Rahmat",
    "Yanti",
)
LAST_NAMES = (
    "Saputra",
    "Pratama",
    "Wijaya",
    "Setiawan",
    "Hidayat",
    "Kurniawan",
    "Lestari",
    "Rahmawati",
    "Susanto",
    "Gunawan",
    "Nugroho",
    "Permana",
    "Syahputra",
    "Utami",
    "Marpaung",
    "Hasibuan",
    "Puspita",
    "Ramadhan",
    "Firmansyah",
    "Handayani",
)
SATPOL_PP_CODE = "satpolpp"


def demo_phone(serial: int) -> str:
    """A synthetic mobile number in E.164, unique per serial."""
    return f"+62812{7000000 + serial:07d}"


def _person(rng: random.Random) -> str:
    return f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}"


def _seed_subunits(rng: random.Random, kelurahan: list[Area], known: dict[str, Area]) -> tuple[int, dict]:
    """Two to four RW per kelurahan, three to six RT per RW; returns (added, rts by kelurahan id)."""
    added = 0
    rts: dict[int, list[Area]] = {}
    for kel in kelurahan:
        for rw_no in range(1, rng.randint(2, 4) + 1):
            code = subunit_code(kel, rw_no)
            rw = known.get(code)
            if rw is None:
                rw = Area(code=code, name=f"RW {rw_no:03d}", level="rw", parent=kel)
                db.session.add(rw)
                known[code] = rw
                added += 1
            for rt_no in range(1, rng.randint(3, 6) + 1):
                code = subunit_code(rw, rt_no)
                rt = known.get(code)
                if rt is None:
                    rt = Area(code=code, name=f"RT {rt_no:03d}", level="rt", parent=rw)
                    db.session.add(rt)
                    known[code] = rt
                    added += 1
                rts.setdefault(kel.id, []).append(rt)
    db.session.flush()
    return added, rts


def _seed_promoters(rng: random.Random, kelurahan: list[Area], rts: dict[int, list[Area]]) -> int:
    """A pamong in every kelurahan, a linmas in most, RT heads in about half of the RTs."""
    existing = set(db.session.scalars(select(Promoter.phone)))
    opd_by_area = {opd.area_id: opd for opd in db.session.scalars(select(Opd).where(Opd.area_id.is_not(None)))}
    satpol_pp = db.session.scalar(select(Opd).where(Opd.code == SATPOL_PP_CODE))
    start = date(2026, 7, 1)
    serial = 0
    added = 0

    def add(role: str, area: Area, opd: Opd | None) -> None:
        nonlocal serial, added
        serial += 1
        # Draw everything before the existence check so a re-run makes the same draws.
        name = _person(rng)
        since = start + timedelta(days=rng.randint(0, 20))
        phone = demo_phone(serial)
        if phone in existing:
            return
        promoter = Promoter(name=name, role=role, phone=phone, opd=opd)
        db.session.add(promoter)
        db.session.add(Assignment(promoter=promoter, area=area, start_date=since))
        added += 1

    for kel in kelurahan:
        add("pamong", kel, opd_by_area.get(kel.parent_id))
        if rng.random() < 0.85:
            add("linmas", kel, satpol_pp)
        for rt in rts.get(kel.id, []):
            if rng.random() < 0.5:
                add("rt", rt, None)
    db.session.flush()
    return added


def _seed_unassigned_promoters(rng: random.Random) -> int:
    """Newly registered RT heads and linmas not assigned yet, so coverage and bulk assignment have work."""
    existing = set(db.session.scalars(select(Promoter.phone)))
    added = 0
    for n, role in enumerate(["rt"] * 12 + ["linmas"] * 3):
        name, phone = _person(rng), demo_phone(9000 + n)
        if phone not in existing:
            db.session.add(Promoter(name=name, role=role, phone=phone))
            added += 1
    db.session.flush()
    return added


def _seed_logins() -> int:
    """One login per role; the promoter login belongs to the first demo pamong."""
    added = 0
    first_pamong = db.session.scalar(select(Promoter).where(Promoter.phone == demo_phone(1)))
    for role, (email, password) in DEMO_LOGINS.items():
        if find_user_by_email(email):
            continue
        create_user(email, password, role, promoter=first_pamong if role == PROMOTER else None)
        added += 1
    return added


LOCKED_DEMO_LOGIN = ("operator.kedaton@demo-outreach.id", "Operator-demo-2026")


def _seed_locked_login() -> int:
    """A staff login locked by many wrong passwords, so the admin's users page shows Unlock.

    The lock lasts the lockout period from the first seeding (15 minutes), as a real one would.
    """
    email, password = LOCKED_DEMO_LOGIN
    if find_user_by_email(email):
        return 0
    user = create_user(email, password, COORDINATOR)
    user.failed_logins = current_app.config["LOGIN_ACCOUNT_MAX_FAILURES"]
    lock_account(user)  # as if guessed at from many places: the admin's page shows account-wide locks
    return 1


def demo_sign_in_link() -> str:
    """A fresh one-time sign-in link for the demo promoter, made by the demo coordinator."""
    promoter = find_user_by_email(DEMO_LOGINS[PROMOTER][0])
    coordinator = find_user_by_email(DEMO_LOGINS[COORDINATOR][0])
    assert promoter is not None and coordinator is not None, "seed the demo first"
    return sign_in_url(create_sign_in_link(promoter, actor=coordinator))


def seed_demo() -> dict[str, int]:
    """Load everything the demo shows; return how many rows of each kind were added."""
    rng = random.Random(2026)
    counts = {"areas": load_official_areas(), "opds": load_opds()}
    known = {area.code: area for area in db.session.scalars(select(Area))}
    kelurahan = sorted((a for a in known.values() if a.level == "kelurahan"), key=lambda a: a.code)
    counts["rw_rt"], rts = _seed_subunits(rng, kelurahan, known)
    counts["promoters"] = _seed_promoters(rng, kelurahan, rts)
    counts["logins"] = _seed_logins()
    counts["locked_logins"] = _seed_locked_login()
    counts["unassigned_promoters"] = _seed_unassigned_promoters(rng)
    secret_key = current_app.config["SECRET_KEY"]
    counts.update(seed_links(secret_key))
    counts["drives"] = seed_demo_drives()
    counts["rollouts"] = seed_demo_rollout()
    counts.update(seed_drive_links(secret_key))
    counts["participation"] = seed_participation()
    counts.update(seed_public_demo(secret_key))
    return counts


__all__ = ["DEMO_LOGINS", "demo_sign_in_link", "seed_demo"]
