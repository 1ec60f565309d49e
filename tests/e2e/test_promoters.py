"""A coordinator imports promoters from CSV, assigns them to a kelurahan and plans a drive with them."""

from datetime import timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from outreach.auth.models import COORDINATOR
from outreach.drives.models import Drive
from outreach.drives.timezone import wib_today
from outreach.extensions import db
from outreach.promoters.models import Promoter
from tests.e2e.browser import make_user, plan_drive, sign_in

NEW_PROMOTERS = ("Rina Marpaung", "Joko Saputra", "Yuni Hasibuan")
GOOD_CSV = """name;role;phone;opd_code;area_codes
Rina Marpaung;pamong;0812-3456-7890;;
Joko Saputra;linmas;0813 2222 3333;;
Yuni Hasibuan;rt;+62 852 7777 1234;;
"""
# Line 3 has a phone number no one can call.
BAD_CSV = GOOD_CSV.replace("0813 2222 3333", "12345")


def upload(page, name: str, text: str) -> None:
    """Choose a CSV file on the import page and have it checked."""
    page.get_by_label("Berkas CSV").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}]
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Periksa berkas").click()


def test_coordinator_imports_promoters_assigns_them_and_plans_a_drive_with_them(page, kedaton):
    user = make_user(COORDINATOR)
    sign_in(page, user.email)
    page.get_by_role("navigation", name="Utama").get_by_role("link", name="Promotor").click()
    page.get_by_role("button", name="Impor CSV").click()

    upload(page, "promotor-salah.csv", BAD_CSV)
    expect(page.get_by_role("alert").first).to_contain_text("Tidak ada yang diimpor")
    problem = page.locator("table.problems tbody tr")
    expect(problem).to_have_count(1)
    expect(problem.locator("td").nth(0)).to_have_text("3")
    expect(problem.locator("td").nth(1)).to_have_text("phone")
    expect(page.get_by_role("button", name="Impor sekarang")).to_have_count(0)
    assert db.session.scalar(select(Promoter).where(Promoter.name == "Rina Marpaung")) is None
    assert all("422" in p for p in page.problems.take())

    upload(page, "promotor-kedaton.csv", GOOD_CSV)
    expect(page.locator(".stats article").first).to_contain_text("3")
    with page.expect_navigation():
        page.get_by_role("button", name="Impor sekarang").click()
    expect(page).to_have_url("/promoters/")
    expect(page.get_by_role("status")).to_contain_text("promotor-kedaton.csv diimpor: 3 ditambahkan")

    page.get_by_text("Saringan").click()
    page.get_by_label("Tanpa wilayah").check()
    with page.expect_navigation():
        page.locator("form.filters").get_by_role("button", name="Saring").click()
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(3)
    for name in NEW_PROMOTERS:
        page.get_by_label(f"Pilih {name}").check()
    page.get_by_label("Kode wilayah").fill("18.71.01.1004")
    with page.expect_navigation():
        page.get_by_role("button", name="Tugaskan yang dipilih").click()
    expect(page.get_by_role("status")).to_contain_text("3 promotor ditugaskan ke Kelurahan Surabaya")
    expect(page.locator("main table tbody")).to_contain_text("Tidak ada promotor")

    page.goto("/drives/")
    day = wib_today() + timedelta(days=7)
    plan_drive(
        page,
        "Door-to-door Surabaya bersama promotor baru",
        f"{day}T15:30",
        f"{day}T18:00",
        area_id=kedaton["surabaya"].id,
    )
    expect(page.get_by_role("status")).to_contain_text("sudah dijadwalkan")
    team = page.locator("main table tbody")
    for name in (*NEW_PROMOTERS, "Siti Rahmawati"):
        expect(team).to_contain_text(name)
    db.session.expire_all()
    drive = db.session.scalars(select(Drive)).one()
    assert sorted(p.name for p in drive.promoters) == sorted((*NEW_PROMOTERS, "Siti Rahmawati"))
    assert page.problems.take() == []
