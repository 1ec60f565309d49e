"""Drive journeys in a real browser: a coordinator plans one in WIB, leadership only looks, promoters see their own."""

from datetime import UTC, date, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from outreach import clock
from outreach.areas.models import Area
from outreach.campaign import COORDINATOR, LEADERSHIP, PROMOTER
from outreach.clock import wib_to_utc
from outreach.drives.models import Drive
from outreach.extensions import db
from tests import factories
from tests.e2e.browser import horizontal_overflow, make_user, pick, plan_drive, shoot, sign_in


def next_month_day(day: int) -> date:
    """That day of the month after this one (WIB)."""
    first = (clock.today().replace(day=1) + timedelta(days=32)).replace(day=1)
    return first.replace(day=day)


def upcoming_drive(title: str, promoters=(), days_ahead: int = 3, **fields) -> Drive:
    """A committed drive a few days ahead, 09:00–12:00 WIB."""
    start = datetime.combine(clock.today() + timedelta(days=days_ahead), datetime.min.time()).replace(hour=9)
    drive = factories.DriveFactory(
        title=title,
        starts_at=wib_to_utc(start),
        ends_at=wib_to_utc(start + timedelta(hours=3)),
        promoters=list(promoters),
        **fields,
    )
    db.session.commit()
    return drive


def test_coordinator_plans_a_drive_in_wib_and_finds_it_in_the_month_calendar(page, kedaton):
    user = make_user(COORDINATOR)
    day = next_month_day(15)
    sign_in(page, user.email)
    page.get_by_role("navigation", name="Utama").get_by_role("link", name="Kegiatan").click()
    # 06.30 WIB is still the previous day in UTC: the calendar must file it under the WIB day.
    plan_drive(
        page,
        "Bus Roadshow KPK di Pasar Koga",
        f"{day.isoformat()}T06:30",
        f"{day.isoformat()}T09:00",
        area="Surabaya",
        kind="roadshow_bus",
    )

    expect(page.get_by_role("status")).to_contain_text("sudah dijadwalkan")
    expect(page.get_by_role("heading", level=1)).to_have_text("Bus Roadshow KPK di Pasar Koga")
    expect(page.locator("dl.kv")).to_contain_text("06.30–09.00 WIB")
    expect(page.locator("main table")).to_contain_text("Siti Rahmawati")
    db.session.expire_all()
    drive = db.session.scalars(select(Drive)).one()
    day_before = day - timedelta(days=1)
    assert drive.starts_at == datetime(day_before.year, day_before.month, day_before.day, 23, 30, tzinfo=UTC)
    assert [p.name for p in drive.promoters] == ["Siti Rahmawati"]

    page.get_by_role("link", name="Semua kegiatan").click()
    page.get_by_role("link", name="Kalender", exact=True).click()
    page.get_by_role("link", name="Bulan berikutnya").click()
    cell = page.locator(".day:not(.other-month)").filter(
        has=page.locator(".day-number").get_by_text(str(day.day), exact=True)
    )
    expect(cell.get_by_role("link")).to_have_text("06.30 Bus Roadshow KPK di Pasar Koga")
    expect(page.locator(".day-drives a")).to_have_count(1)
    assert page.problems.take() == []


def test_leadership_sees_drives_but_no_editing_buttons_and_editing_pages_are_refused(page, kedaton):
    drive = upcoming_drive("Sosialisasi SPI di Kelurahan Surabaya", areas=[kedaton["surabaya"]])
    user = make_user(LEADERSHIP)
    sign_in(page, user.email)
    page.goto("/drives/")
    expect(page.get_by_role("link", name="Sosialisasi SPI di Kelurahan Surabaya")).to_be_visible()
    expect(page.get_by_role("button", name="Jadwalkan kegiatan")).to_have_count(0)
    page.get_by_role("link", name="Sosialisasi SPI di Kelurahan Surabaya").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sosialisasi SPI di Kelurahan Surabaya")
    expect(page.get_by_role("button", name="Ubah")).to_have_count(0)
    expect(page.get_by_role("link", name="Ubah")).to_have_count(0)
    assert page.problems.take() == []

    for path in ("/drives/new", f"/drives/{drive.id}/edit"):
        response = page.goto(path)
        assert response.status == 403, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Akses ditolak")
        expect(page.get_by_role("link", name="Kembali ke beranda")).to_be_visible()


def test_promoter_on_a_phone_sees_only_their_own_drives_and_home(phone, kedaton):
    user = make_user(PROMOTER)
    factories.AssignmentFactory(promoter=user.promoter, area=kedaton["surabaya"], start_date=date(2026, 1, 1))
    db.session.commit()
    mine = upcoming_drive("Door-to-door RT 03 Surabaya", promoters=[user.promoter, kedaton["pamong"]])
    other = upcoming_drive("Sesi OPD Dinas Kesehatan", promoters=[kedaton["pamong"]], days_ahead=4)

    sign_in(phone, user.email)
    expect(phone.get_by_role("heading", level=1)).to_have_text("Bagikan survei")
    assert horizontal_overflow(phone) == 0
    phone.get_by_role("navigation", name="Utama").get_by_role("link", name="Penugasan saya").click()
    expect(phone.get_by_role("heading", level=1)).to_have_text(user.promoter.name)
    expect(phone.locator("main")).to_contain_text("Surabaya")
    assert horizontal_overflow(phone) == 0

    phone.get_by_role("navigation", name="Utama").get_by_role("link", name="Kegiatan").click()
    expect(phone.get_by_role("link", name=mine.title)).to_be_visible()
    expect(phone.get_by_text(other.title)).to_have_count(0)
    expect(phone.get_by_role("button", name="Jadwalkan kegiatan")).to_have_count(0)
    assert horizontal_overflow(phone) == 0

    phone.get_by_role("link", name=mine.title).click()
    expect(phone.locator("main")).to_contain_text("Anda dan 1 promotor lain ikut serta.")
    expect(phone.locator("main")).not_to_contain_text("Siti Rahmawati")
    expect(phone.get_by_role("link", name="Ubah")).to_have_count(0)
    assert phone.problems.take() == []

    assert phone.goto(f"/drives/{other.id}").status == 403
    assert phone.goto("/drives/new").status == 403


def test_on_a_phone_a_coordinator_plans_a_drive_by_typing_names_then_prints_its_flyers(
    phone, kedaton, target, spi_round, tmp_path
):
    sidodadi = db.session.scalars(select(Area).where(Area.name == "Sidodadi")).one()
    for name, area in (("Budi Santoso", sidodadi), ("Rina Marlina", sidodadi), ("Rudi Hartono", kedaton["surabaya"])):
        factories.AssignmentFactory(promoter__name=name, area=area, start_date=date(2026, 1, 1))
    db.session.commit()
    sign_in(phone, make_user(COORDINATOR).email)
    phone.goto("/drives/new")
    day = clock.today() + timedelta(days=5)
    phone.get_by_label("Jenis").select_option("door_to_door")
    phone.get_by_label("Judul").fill("Sosialisasi SPI Sidodadi dan Surabaya")
    phone.get_by_label("Mulai (WIB)").fill(f"{day}T15:30")
    phone.get_by_label("Selesai (WIB)").fill(f"{day}T18:00")
    pick(phone, "Kelurahan sasaran atau seluruh kecamatan", "sidod", "Kedaton › Sidodadi")
    pick(phone, "Kelurahan sasaran atau seluruh kecamatan", "surab", "Kedaton › Surabaya")
    phone.get_by_label("Tempat", exact=True).fill("Balai Kelurahan Sidodadi")
    # Promoters are searched within the chosen kelurahan, by part of a name.
    pick(phone, "Promotor yang ikut", "siti", "Siti Rahmawati")
    box = phone.get_by_role("combobox", name="Promotor yang ikut")
    box.click()
    box.press_sequentially("bu", delay=40)
    found = phone.locator(".ts-dropdown [role='option']").filter(has_text="Budi Santoso")
    expect(found).to_contain_text("Pamong · Sidodadi")
    shoot(phone, "drive-plan-promoter-search-phone")
    pick(phone, "Promotor yang ikut", "di", "Budi Santoso")
    pick(phone, "Promotor yang ikut", "marl", "Rina Marlina")
    assert horizontal_overflow(phone) == 0
    shoot(phone, "drive-plan-pickers-phone")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Simpan kegiatan").click()
    expect(phone.get_by_role("status")).to_contain_text("sudah dijadwalkan")
    db.session.expire_all()
    drive = db.session.scalars(select(Drive)).one()
    assert sorted(a.name for a in drive.areas) == ["Sidodadi", "Surabaya"]
    assert sorted(p.name for p in drive.promoters) == ["Budi Santoso", "Rina Marlina", "Siti Rahmawati"]

    form = phone.locator(f"form[action$='/drives/{drive.id}/links']")
    form.get_by_label("Survei").select_option(label="SPI 2026 eksternal")
    form.get_by_label("WhatsApp").uncheck()
    with phone.expect_navigation():
        form.get_by_role("button", name="Buat tautan").click()
    expect(phone.get_by_role("status")).to_contain_text("3 tautan dibuat")  # one flyer link per promoter
    shoot(phone, "drive-links-phone")
    with phone.expect_download() as download_info:
        phone.get_by_role("button", name="Selebaran, 4 per halaman (PDF)").click()
    pdf = tmp_path / "flyers.pdf"
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    assert phone.problems.take() == []


def test_pressing_enter_in_a_text_box_saves_the_drive_rather_than_searching(page, kedaton, spi_round):
    # The form also has search buttons for browsers without JavaScript; Enter must not press one.
    sign_in(page, make_user(COORDINATOR).email)
    page.goto("/drives/new")
    day = clock.today() + timedelta(days=3)
    page.get_by_label("Judul").fill("Sosialisasi SPI di Surabaya")
    page.get_by_label("Mulai (WIB)").fill(f"{day}T09:00")
    page.get_by_label("Selesai (WIB)").fill(f"{day}T11:00")
    pick(page, "Kelurahan sasaran atau seluruh kecamatan", "surab", "Kedaton › Surabaya")
    pick(page, "Promotor yang ikut", "siti", "Siti Rahmawati")
    with page.expect_navigation():
        page.get_by_label("Judul").press("Enter")
    expect(page.get_by_role("status")).to_contain_text("sudah dijadwalkan")
    db.session.expire_all()
    assert db.session.scalars(select(Drive.title)).all() == ["Sosialisasi SPI di Surabaya"]
