"""A citizen checks a link on a phone (/cek), and a promoter's flyer carries the new layout and a QR that decodes.

The check page is used as a person would: open the start page, follow "Cek keaslian tautan", paste
what a message held, press Cek. Each answer is screenshotted on the phone for review by eye, checked
for sideways scrolling and with axe-core (in a profile that bypasses the CSP only to inject axe).
"""

import subprocess

import pytest
from playwright.sync_api import expect

from outreach.campaign import PROMOTER
from outreach.extensions import db
from tests import factories
from tests.e2e.browser import (
    PHONE,
    PUBLIC_HOST,
    SCREENSHOT_DIR,
    SURVEY_URL,
    axe_violations,
    decode_qr_codes,
    describe,
    horizontal_overflow,
    link_code,
    make_user,
    needs_qr_tools,
    new_context,
    open_like_a_phone,
    shoot,
    sign_in,
    watched_page,
)


@pytest.fixture
def checker(browser, live_server):
    """A phone (360×740, id-ID) whose profile lets axe-core in; the app's CSP still applies to its own pages."""
    context = new_context(browser, live_server, viewport=PHONE, bypass_csp=True)
    yield watched_page(context)
    context.close()


@pytest.fixture
def links(db, kedaton, target):
    """An active link of the Surabaya pamong and a deactivated one."""
    active = factories.LinkFactory(code="ABC234", target=target, area=kedaton["surabaya"], promoter=kedaton["pamong"])
    gone = factories.LinkFactory(code="DEF567", target=target, area=kedaton["surabaya"], active=False)
    db.session.commit()
    return {"active": active, "gone": gone}


def _check(page, pasted: str) -> None:
    page.get_by_label("Tautan atau kode").fill(pasted)
    with page.expect_navigation():
        page.get_by_role("button", name="Cek", exact=True).click()


def _looks_right(page, name: str) -> None:
    shoot(page, name)
    assert horizontal_overflow(page) <= 0, f"{name} scrolls sideways on a phone"
    violations = axe_violations(page)
    assert violations == [], f"{name}:\n{describe(violations)}"


def test_a_citizen_checks_an_official_a_deactivated_and_a_foreign_link_on_a_phone(checker, links):
    checker.goto("/")
    with checker.expect_navigation():
        checker.get_by_role("link", name="Cek keaslian tautan").click()
    expect(checker.get_by_role("heading", level=1)).to_have_text("Cek keaslian tautan")
    _looks_right(checker, "check-form-phone")

    _check(checker, f"Isi di sini: {PUBLIC_HOST}/s/abc234?q=1")
    answer = checker.locator(".check-result")
    expect(answer).to_contain_text("Resmi: ABC234 adalah tautan survei resmi")
    expect(answer).to_contain_text("spi.kpk.go.id")
    expect(answer).to_contain_text("Pamong, Kelurahan Surabaya, Kecamatan Kedaton")
    expect(checker.get_by_text("Siti Rahmawati")).to_have_count(0)
    _looks_right(checker, "check-official-phone")

    _check(checker, "def 567")
    expect(checker.locator(".check-result")).to_contain_text("DEF567 pernah menjadi tautan survei resmi")
    _looks_right(checker, "check-deactivated-phone")

    _check(checker, "https://bit.ly/spi-kota-hadiah")
    answer = checker.locator(".check-result")
    expect(answer).to_contain_text("Bukan dari kami: bit.ly bukan alamat kami")
    expect(checker.locator(".check-signs")).to_contain_text("kode OTP")
    expect(checker.locator(".check-signs")).to_contain_text("spi.kpk.go.id, survei.kpk.go.id, jaga.id")
    _looks_right(checker, "check-foreign-phone")
    # The deactivated code's answer is a 410, as a scan of it: the browser logs that status, nothing else.
    assert [p for p in checker.problems.take() if "status of 410" not in p] == []


def test_the_check_page_works_with_javascript_off(browser, live_server, links):
    context = new_context(browser, live_server, viewport=PHONE, java_script_enabled=False)
    try:
        page = watched_page(context)
        page.goto("/cek")
        _check(page, "ABC 234")
        expect(page.locator(".check-result")).to_contain_text("Resmi: ABC234")
    finally:
        context.close()


@needs_qr_tools
def test_a_promoters_flyer_looks_official_its_qr_decodes_and_its_footer_checks_it(
    phone, browser, live_server, kedaton, target, tmp_path
):
    user = make_user(PROMOTER)
    factories.AssignmentFactory(promoter=user.promoter, area=kedaton["surabaya"])
    link = factories.LinkFactory(target=target, area=kedaton["surabaya"], promoter=user.promoter)
    db.session.commit()
    sign_in(phone, user.email)
    phone.goto("/links/mine")
    with phone.expect_download() as download_info:
        phone.locator(f"a[href='/links/{link.id}/flyer.pdf?layout=1']").click()
    pdf = tmp_path / "flyer.pdf"
    download_info.value.save_as(pdf)

    text = " ".join(subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout.split())
    assert "PEMERINTAH KOTA BANDAR LAMPUNG" in text and "Survei Penilaian Integritas (SPI)" in text
    assert "SUKARELA DAN RAHASIA" in text and f"KODE {link.code}" in text
    assert user.promoter.name not in text and "Tujuh unsur" not in text
    check_address = f"spi.example.test/cek/{link.code}"
    assert check_address in text
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)  # the printed page, for review by eye
    subprocess.run(
        ["pdftoppm", "-r", "100", "-png", "-singlefile", str(pdf), str(SCREENSHOT_DIR / "flyer-a4")], check=True
    )

    [scanned] = decode_qr_codes(pdf, tmp_path)
    assert scanned == f"{PUBLIC_HOST}/s/{link.code}?q=1" and link_code(scanned) == link.code
    assert open_like_a_phone(browser, live_server, scanned) == SURVEY_URL

    citizen = watched_page(new_context(browser, live_server, viewport=PHONE))
    try:
        citizen.goto(f"/cek/{link.code}")
        expect(citizen.locator(".check-result")).to_contain_text(f"Resmi: {link.code}")
        assert citizen.problems.take() == []
    finally:
        citizen.context.close()


def test_a_loopback_public_address_is_warned_in_development_and_refused_in_production(
    phone, app, monkeypatch, kedaton, target
):
    user = make_user(PROMOTER)
    link = factories.LinkFactory(target=target, area=kedaton["surabaya"], promoter=user.promoter)
    db.session.commit()
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    sign_in(phone, user.email)

    monkeypatch.setitem(app.config, "REFUSE_LOCAL_PUBLIC_BASE_URL", False)
    phone.goto(f"/links/{link.id}")
    warning = phone.locator(".base-url-problem")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("Server pengembangan: jangan cetak atau bagikan")
    expect(warning).to_contain_text("PUBLIC_BASE_URL")
    shoot(phone, "link-detail-loopback-development-phone")

    monkeypatch.setitem(app.config, "REFUSE_LOCAL_PUBLIC_BASE_URL", True)
    phone.goto(f"/links/{link.id}")
    expect(phone.locator(".base-url-problem")).to_contain_text("dimatikan di server ini")
    expect(phone.locator("img.qr")).to_have_count(0)
    shoot(phone, "link-detail-loopback-production-phone")
    phone.goto("/links/mine")
    expect(phone.get_by_role("alert")).to_contain_text("PUBLIC_BASE_URL")
    expect(phone.get_by_role("button", name="Bagikan ke WhatsApp")).to_have_count(0)
    shoot(phone, "my-links-loopback-production-phone")
