"""Signing in and out as each role, a wrong password, and the language switch, in a real browser."""

import pytest
from playwright.sync_api import expect

from outreach.campaign import ADMIN, COORDINATOR, LEADERSHIP, PROMOTER
from tests.e2e.browser import make_user, sign_in, sign_out

HOME_HEADINGS = {
    ADMIN: "Pekerjaan hari ini",
    COORDINATOR: "Pekerjaan hari ini",
    LEADERSHIP: "Partisipasi SPI",  # no survey round in these tests
    PROMOTER: "Bagikan survei",
}


@pytest.mark.parametrize("role", [ADMIN, COORDINATOR, LEADERSHIP, PROMOTER])
def test_each_role_signs_in_to_its_own_home_page_and_signs_out(page, role):
    user = make_user(role)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    with page.expect_navigation():
        page.get_by_role("link", name="Masuk untuk petugas").click()
    expect(page).to_have_url("/auth/login")
    sign_in(page, user.email)
    expect(page).to_have_url("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(HOME_HEADINGS[role])
    users_link = page.get_by_role("navigation", name="Utama").get_by_role("link", name="Pengguna")
    expect(users_link).to_have_count(1 if role == ADMIN else 0)
    sign_out(page)
    expect(page).to_have_url("/auth/login")
    expect(page.get_by_role("status")).to_have_text("Anda telah keluar.")
    page.goto("/drives/")
    expect(page).to_have_url("/auth/login?next=%2Fdrives%2F")
    assert page.problems.take() == []


def test_wrong_password_keeps_the_visitor_out_with_a_clear_message(page):
    user = make_user(COORDINATOR)
    sign_in(page, user.email, password="not the password")
    expect(page).to_have_url("/auth/login")
    expect(page.get_by_role("alert")).to_contain_text("Email atau kata sandi salah.")
    expect(page.locator("input[name=email]")).to_have_value(user.email)
    page.goto("/drives/")
    expect(page).to_have_url("/auth/login?next=%2Fdrives%2F")


def test_sign_in_returns_to_the_page_asked_for(page):
    user = make_user(COORDINATOR)
    page.goto("/drives/calendar")
    expect(page).to_have_url("/auth/login?next=%2Fdrives%2Fcalendar")
    sign_in(page, user.email)
    expect(page).to_have_url("/drives/calendar")


def test_language_switch_turns_the_interface_to_english_and_back_and_survives_sign_in(page):
    user = make_user(LEADERSHIP)
    page.goto("/auth/login")
    expect(page.get_by_role("heading", level=1)).to_have_text("Masuk")
    with page.expect_navigation():
        page.get_by_role("button", name="English").click()
    expect(page).to_have_url("/auth/login")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    expect(page.get_by_label("Password")).to_be_visible()
    sign_in(page, user.email)
    expect(page.get_by_role("heading", level=1)).to_have_text("SPI participation")
    page.goto("/drives/")
    with page.expect_navigation():
        page.get_by_role("button", name="Bahasa Indonesia").click()
    expect(page).to_have_url("/drives/")
    expect(page.locator("html")).to_have_attribute("lang", "id")
    expect(page.get_by_role("heading", level=1)).to_have_text("Kegiatan sosialisasi")
    assert page.problems.take() == []
