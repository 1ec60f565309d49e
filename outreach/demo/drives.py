"""Demo drives: Roadshow Bus stops, car-free days, door-to-door rounds, OPD sessions and broadcasts.

Dates are relative to the day the demo is loaded (WIB), so there are always past drives (done,
with attendance) and planned ones ahead. Each drive is known by its title: a second run adds nothing.
"""

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from outreach import clock
from outreach.areas.models import Area, Opd
from outreach.clock import wib_to_utc
from outreach.drives.models import CANCELLED, DONE, PLANNED, Drive
from outreach.drives.services import DriveData, create_drive, promoters_in_areas
from outreach.extensions import db
from outreach.promoters.models import Promoter


@dataclass(frozen=True)
class DemoDrive:
    """One demo drive; day is an offset from the loading day, times are WIB."""

    title: str
    kind: str
    day: int
    start: time
    hours: float
    areas: tuple[str, ...] = ()
    opds: tuple[str, ...] = ()
    place: str = ""
    place_note: str = ""
    coords: tuple[float, float] | None = None
    audience: str = "eksternal"
    promoters: int = 6
    cost: int | None = None
    cancelled: bool = False
    sunday: bool = False
    notes: str = ""


ENGGAL, PELITA, TANJUNG_KARANG = "18.71.17.1001", "18.71.17.1002", "18.71.17.1003"
DEMO_DRIVES = (
    DemoDrive(
        "Bus Roadshow KPK di Tugu Adipura",
        "roadshow_bus",
        -41,
        time(8),
        7,
        (ENGGAL, PELITA),
        place="Bundaran Tugu Adipura, Enggal",
        place_note="Bus parkir di sisi Jl. Raden Intan, depan taman.",
        coords=(-5.41730, 105.25905),
        promoters=10,
        cost=12_500_000,
        notes="Bersama KPK dan Inspektorat; booth QR di sisi Jl. Raden Intan.",
    ),
    DemoDrive(
        "Bus Roadshow KPK di Lapangan Saburai",
        "roadshow_bus",
        -40,
        time(8),
        6,
        ("18.71.17",),
        place="Lapangan Saburai, Enggal",
        place_note="Masuk dari gerbang utara, dekat panggung.",
        coords=(-5.41390, 105.26140),
        promoters=12,
        cost=9_000_000,
    ),
    DemoDrive(
        "Car free day Jl. Ahmad Yani: ajak warga isi SPI",
        "public_event",
        -34,
        time(6),
        4,
        (PELITA, TANJUNG_KARANG),
        place="Car free day Jl. Jend. Ahmad Yani",
        coords=(-5.42010, 105.26230),
        promoters=8,
        cost=2_500_000,
        sunday=True,
    ),
    DemoDrive(
        "Door-to-door RT Kelurahan Kedaton", "door_to_door", -30, time(15, 30), 3, ("18.71.01.1003",), promoters=8
    ),
    DemoDrive(
        "Door-to-door RT Kelurahan Surabaya", "door_to_door", -29, time(15, 30), 3, ("18.71.01.1004",), promoters=8
    ),
    DemoDrive(
        "Door-to-door RT Kelurahan Sidodadi", "door_to_door", -27, time(16), 2.5, ("18.71.01.1006",), promoters=8
    ),
    DemoDrive(
        "Sosialisasi SPI internal pegawai Disdukcapil",
        "opd_session",
        -25,
        time(9),
        2,
        opds=("disdukcapil",),
        place="Aula Dinas Kependudukan dan Pencatatan Sipil",
        audience="internal",
        promoters=2,
        cost=750_000,
    ),
    DemoDrive(
        "Sosialisasi SPI bagi pemohon izin di DPMPTSP",
        "opd_session",
        -24,
        time(8),
        6,
        opds=("dpmptsp",),
        place="Ruang layanan DPMPTSP",
        promoters=2,
        cost=500_000,
    ),
    DemoDrive(
        "Siaran WhatsApp ketua RT se-Kecamatan Kedaton",
        "whatsapp_broadcast",
        -22,
        time(19),
        2,
        ("18.71.01",),
        place="Grup WhatsApp RT Kedaton",
        promoters=4,
    ),
    DemoDrive(
        "Sosialisasi di pos ronda Way Halim Permai",
        "door_to_door",
        -20,
        time(21),
        4,
        ("18.71.15.1002",),
        place="Pos kamling RW 002",
        place_note="Di ujung gang sebelah musala; tanya ketua RT bila ragu.",
        promoters=5,
        notes="Bersama linmas saat ronda malam; lewat tengah malam.",
    ),
    DemoDrive(
        "Door-to-door RT Kelurahan Rajabasa Nunyai",
        "door_to_door",
        -16,
        time(15, 30),
        3,
        ("18.71.10.1005",),
        promoters=8,
    ),
    DemoDrive(
        "Door-to-door RT Kelurahan Kemiling Permai",
        "door_to_door",
        -13,
        time(15, 30),
        3,
        ("18.71.13.1004",),
        promoters=6,
        cancelled=True,
        notes="Dibatalkan karena hujan deras; dijadwalkan ulang.",
    ),
    DemoDrive(
        "Door-to-door RT Kelurahan Kaliawi", "door_to_door", -9, time(15, 30), 3, ("18.71.06.1006",), promoters=8
    ),
    DemoDrive(
        "Sosialisasi SPI internal pegawai Dinas Kesehatan",
        "opd_session",
        -6,
        time(9),
        2,
        opds=("dinkes",),
        place="Aula Dinas Kesehatan",
        audience="internal",
        promoters=2,
        cost=600_000,
    ),
    DemoDrive(
        "Car free day Jl. Ahmad Yani: pojok QR SPI",
        "public_event",
        3,
        time(6),
        4,
        (PELITA, TANJUNG_KARANG),
        place="Car free day Jl. Jend. Ahmad Yani",
        coords=(-5.42010, 105.26230),
        promoters=8,
        cost=2_000_000,
        sunday=True,
    ),
    DemoDrive(
        "Door-to-door RT Kelurahan Kemiling Permai (ulang)",
        "door_to_door",
        5,
        time(15, 30),
        3,
        ("18.71.13.1004",),
        promoters=6,
    ),
    DemoDrive(
        "Door-to-door RT Kelurahan Sukarame", "door_to_door", 6, time(15, 30), 3, ("18.71.02.1003",), promoters=8
    ),
    DemoDrive(
        "Sosialisasi SPI bagi pengunjung RSUD A. Dadi Tjokrodipo",
        "opd_session",
        8,
        time(8),
        5,
        opds=("rsud_adt",),
        place="Lobi rawat jalan RSUD A. Dadi Tjokrodipo",
        promoters=2,
    ),
    DemoDrive(
        "Siaran WhatsApp ketua RT se-Kecamatan Way Halim",
        "whatsapp_broadcast",
        10,
        time(19),
        2,
        ("18.71.15",),
        place="Grup WhatsApp RT Way Halim",
        promoters=4,
    ),
    DemoDrive(
        "Door-to-door RT Kelurahan Sukabumi", "door_to_door", 12, time(15, 30), 3, ("18.71.12.1002",), promoters=8
    ),
    DemoDrive(
        "Sosialisasi SPI internal pegawai Bapenda",
        "opd_session",
        15,
        time(9),
        2,
        opds=("bapenda",),
        place="Aula Badan Pendapatan Daerah",
        audience="internal",
        promoters=2,
    ),
)


def _day(today: date, demo: DemoDrive) -> date:
    day = today + timedelta(days=demo.day)
    if demo.sunday:
        day += timedelta(days=(6 - day.weekday()) % 7)
    return day


def _promoter_pool(targets: list[Area], target_opds: list[Opd], day: date) -> list[Promoter]:
    """Promoters working in the target areas, or belonging to the target OPDs."""
    if targets:
        return promoters_in_areas(targets, day)
    ids = [o.id for o in target_opds]
    return list(db.session.scalars(select(Promoter).where(Promoter.opd_id.in_(ids), Promoter.active.is_(True))))


def seed_demo_drives() -> int:
    """Add the demo drives that are missing (matched by title); return how many were added."""
    rng = random.Random(6)
    today = clock.today()
    existing = set(db.session.scalars(select(Drive.title)))
    areas = {a.code: a for a in db.session.scalars(select(Area).where(Area.level.in_(("kecamatan", "kelurahan"))))}
    opds = {o.code: o for o in db.session.scalars(select(Opd))}
    added = 0
    for demo in DEMO_DRIVES:
        # Draw before the existence check so a re-run makes the same draws.
        attendance_draw = rng.randint(25, 90)
        targets = [areas[c] for c in demo.areas if c in areas]
        target_opds = [opds[c] for c in demo.opds if c in opds]
        if demo.title in existing or not (targets or target_opds):
            continue
        day = _day(today, demo)
        starts_at = wib_to_utc(datetime.combine(day, demo.start))
        ends_at = starts_at + timedelta(hours=demo.hours)
        pool = sorted(_promoter_pool(targets, target_opds, day), key=lambda p: p.id)
        # The first-registered promoter there always takes part, so the demo promoter login has drives to see.
        chosen = pool[:1] + rng.sample(pool[1:], max(0, min(demo.promoters, len(pool)) - 1))
        is_past = day < today
        status = CANCELLED if demo.cancelled else (DONE if is_past else PLANNED)
        attendance = None
        if status == DONE:
            attendance = attendance_draw * (10 if demo.kind in ("roadshow_bus", "public_event") else 1)
        create_drive(
            DriveData(
                kind=demo.kind,
                title=demo.title,
                starts_at=starts_at,
                ends_at=ends_at,
                audience=demo.audience,
                areas=targets,
                opds=target_opds,
                promoters=chosen,
                place_name=demo.place,
                place_note=demo.place_note,
                latitude=demo.coords[0] if demo.coords else None,
                longitude=demo.coords[1] if demo.coords else None,
                cost=demo.cost,
                status=status,
                notes=demo.notes,
                attendance=attendance,
            )
        )
        added += 1
    return added
