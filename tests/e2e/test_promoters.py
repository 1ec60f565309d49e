"""The coordinator's journey, in one go: promoters from a CSV, assigned, a drive planned with them, its links
made and its flyer batch printed; a QR from that PDF opened on a phone lands on the survey, and leadership
then finds the scan on the participation dashboard.
"""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from outreach import clock
from outreach.campaign import COORDINATOR, LEADERSHIP
from outreach.drives.models import Drive
from outreach.extensions import db
from outreach.links.models import Link
from outreach.promoters.models import Promoter
from tests import factories
from tests.e2e.browser import (
    PUBLIC_HOST,
    SURVEY_URL,
    decode_qr_codes,
    link_code,
    make_user,
    needs_qr_tools,
    new_context,
    open_like_a_phone,
    pick,
    plan_drive,
    sign_in,
    watched_page,
)

NEW_PROMOTERS = ("Rina Marpaung", "Joko Saputra", "Yuni Hasibuan")
GOOD_CSV = """name;role;phone;opd_code;area_codes
Rina Marpaung;pamong;0812-3456-7890;;
Joko Saputra;linmas;0813 2222 3333;;
Yuni Hasibuan;rt;+62 852 7777 1234;;
"""
# Line 3 has a phone number no one can call.
BAD_CSV = GOOD_CSV.replace("0813 2222 3333", "12345")
DRIVE_TITLE = "Door-to-door Surabaya bersama promotor baru"


@pytest.fixture
def rajabasa(db, target):
    """Another kecamatan, whose promoter has a flyer link that nobody scans."""
    kecamatan = factories.AreaFactory(code="18.71.10", name="Rajabasa", level="kecamatan")
    nunyai = factories.AreaFactory(code="18.71.10.1005", name="Rajabasa Nunyai", parent=kecamatan)
    promoter = factories.PromoterFactory(name="Dewi Lestari")
    factories.AssignmentFactory(promoter=promoter, area=nunyai)
    factories.LinkFactory(target=target, area=nunyai, promoter=promoter, channel="flyer")
    db.session.commit()
    return kecamatan


def upload(page: Page, name: str, text: str) -> None:
    """Choose a CSV file on the import page and have it checked."""
    page.get_by_label("Berkas CSV atau Excel (.xlsx)").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}]
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Periksa berkas").click()


def import_promoters(page: Page) -> None:
    """A file with a bad row imports nothing and says which line; the corrected file imports all three."""
    page.get_by_role("navigation", name="Utama").get_by_role("link", name="Promotor").click()
    page.get_by_role("button", name="Impor CSV").click()

    upload(page, "promotor-salah.csv", BAD_CSV)
    expect(page.get_by_role("alert").first).to_contain_text("Tidak ada yang diimpor")
    problem = page.locator("table.problems tbody tr")
    expect(problem).to_have_count(1)
    expect(problem.locator("td").nth(0)).to_have_text("3")
    expect(problem.locator("td").nth(1)).to_have_text("telepon")
    expect(page.get_by_role("button", name="Impor sekarang")).to_have_count(0)
    assert db.session.scalar(select(Promoter).where(Promoter.name == "Rina Marpaung")) is None
    assert all("422" in p for p in page.problems.take())

    upload(page, "promotor-kedaton.csv", GOOD_CSV)
    expect(page.locator(".stats article").first).to_contain_text("3")
    with page.expect_navigation():
        page.get_by_role("button", name="Impor sekarang").click()
    expect(page).to_have_url("/promoters/")
    expect(page.get_by_role("status")).to_contain_text("promotor-kedaton.csv diimpor: 3 ditambahkan")


def assign_to_surabaya(page: Page) -> None:
    """Filter the promoters without an area, tick the three new ones and assign them to Kelurahan Surabaya."""
    page.get_by_text("Saringan").click()
    page.get_by_label("Tanpa wilayah").check()
    with page.expect_navigation():
        page.locator("form.filters").get_by_role("button", name="Saring").click()
    expect(page.locator("main table tbody tr")).to_have_count(3)
    for name in NEW_PROMOTERS:
        page.get_by_label(f"Pilih {name}").check()
    pick(page, "Wilayah (nama atau kode)", "surab", "Kedaton › Surabaya")
    with page.expect_navigation():
        page.get_by_role("button", name="Tugaskan yang dipilih").click()
    expect(page.get_by_role("status")).to_contain_text("3 promotor ditugaskan ke Kelurahan Surabaya")
    expect(page.locator("main table tbody")).to_contain_text("Tidak ada promotor")


def plan_the_drive(page: Page) -> Drive:
    """Plan a door-to-door drive in Surabaya next week; its team is every promoter assigned there."""
    page.get_by_role("navigation", name="Utama").get_by_role("link", name="Kegiatan").click()
    day = clock.today() + timedelta(days=7)
    plan_drive(page, DRIVE_TITLE, f"{day}T15:30", f"{day}T18:00", area="Surabaya")
    expect(page.get_by_role("status")).to_contain_text("sudah dijadwalkan")
    expect(page.get_by_role("heading", level=1)).to_have_text(DRIVE_TITLE)
    team = page.locator("main table tbody")
    for name in (*NEW_PROMOTERS, "Siti Rahmawati"):
        expect(team).to_contain_text(name)
    db.session.expire_all()
    drive = db.session.scalars(select(Drive)).one()
    assert sorted(p.name for p in drive.promoters) == sorted((*NEW_PROMOTERS, "Siti Rahmawati"))
    return drive


def generate_flyer_links(page: Page, drive: Drive) -> list[str]:
    """On the drive page, make one flyer link per promoter with the drive's form; the codes it lists."""
    form = page.locator(f"form[action$='/drives/{drive.id}/links']")
    form.get_by_label("Survei").select_option(label="SPI 2026 eksternal")
    expect(form.get_by_label("Selebaran", exact=True)).to_be_checked()  # door-to-door suggests flyers and WhatsApp
    form.get_by_label("WhatsApp").uncheck()
    with page.expect_navigation():
        form.get_by_role("button", name="Buat tautan").click()
    expect(page.get_by_role("status")).to_contain_text("4 tautan dibuat, 0 dilewati")
    links_table = page.locator("main table").filter(has=page.get_by_role("columnheader", name="Saluran"))
    shown = links_table.locator("tbody code")
    expect(shown).to_have_count(4)
    codes = shown.all_inner_texts()
    db.session.expire_all()
    drive_codes = db.session.scalars(select(Link.code).where(Link.drive_id == drive.id, Link.channel == "flyer"))
    assert sorted(codes) == sorted(drive_codes)
    return codes


def download_flyer_batch(page: Page, drive: Drive, tmp_path: Path) -> Path:
    """Download the drive's flyers, 4 per A4 page, from the drive page; the PDF saved under tmp_path."""
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Selebaran, 4 per halaman (PDF)").click()
    download = download_info.value
    assert download.suggested_filename == f"flyers-drive-{drive.id}-4.pdf"
    pdf = tmp_path / download.suggested_filename
    download.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    return pdf


def show_todays_scans(boss: Page) -> None:
    """On the participation dashboard, ask for our scans up to today (the range ends yesterday by default)."""
    boss.get_by_role("navigation", name="Utama").get_by_role("link", name="Partisipasi").click()
    expect(boss.get_by_role("heading", level=1)).to_have_text("Partisipasi SPI 2026")
    filters = boss.locator("form.filter")
    filters.get_by_label("Sampai").fill(clock.today().isoformat())
    filters.get_by_label("Data").select_option(label="Kunjungan kita (tanpa bot)")
    with boss.expect_navigation():
        filters.get_by_role("button", name="Tampilkan").click()


@needs_qr_tools
def test_coordinator_journey_from_promoter_csv_to_a_flyer_scan_on_the_leadership_dashboard(
    page, browser: Browser, live_server, kedaton, rajabasa, target, spi_round, tmp_path
):
    sign_in(page, make_user(COORDINATOR).email)
    import_promoters(page)
    assign_to_surabaya(page)
    drive = plan_the_drive(page)
    codes = generate_flyer_links(page, drive)
    pdf = download_flyer_batch(page, drive, tmp_path)
    assert page.problems.take() == []

    scanned = decode_qr_codes(pdf, tmp_path)
    assert sorted(link_code(url) for url in scanned) == sorted(codes)
    assert all(url.startswith(f"{PUBLIC_HOST}/s/") and url.endswith("?q=1") for url in scanned)
    assert open_like_a_phone(browser, live_server, scanned[0]) == SURVEY_URL
    promoter = db.session.scalar(select(Link).where(Link.code == link_code(scanned[0]))).promoter

    context = new_context(browser, live_server)
    try:
        boss = watched_page(context)
        sign_in(boss, make_user(LEADERSHIP).email)
        show_todays_scans(boss)
        cards = boss.locator(".city-cards article")
        expect(cards.filter(has_text="Kota, eksternal").locator(".big")).to_have_text(re.compile(r"^1\s*/"))
        expect(cards.filter(has_text="Kota, internal").locator(".big")).to_have_text(re.compile(r"^0\s*/"))
        kecamatan = boss.locator("section.figures").filter(
            has=boss.get_by_role("heading", name="Kecamatan (eksternal)")
        )
        for name, scans in (("Kedaton", "1"), ("Rajabasa", "0")):
            row = kecamatan.locator("tbody tr").filter(has=boss.get_by_role("link", name=name, exact=True))
            expect(row.locator("td.wide").nth(0)).to_have_text(scans)  # in range
            expect(row.locator(".unit-progress")).to_have_text(scans)  # round so far, under the name
        ranking = boss.locator("section.rankings").first.locator("tbody tr")
        expect(ranking).to_have_count(1)
        expect(ranking.locator("td").nth(1)).to_have_text(promoter.name)
        expect(ranking.locator("td").nth(2)).to_have_text("1")

        # The drill-down keeps the range and the data asked for.
        kecamatan.get_by_role("link", name="Kedaton", exact=True).click()
        surabaya = boss.locator("table tbody tr").filter(has_text="Surabaya")
        expect(surabaya.locator("td.wide").first).to_have_text("1")
        assert boss.problems.take() == []
    finally:
        context.close()
