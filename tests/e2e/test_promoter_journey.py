"""A promoter's journey on a phone: a coordinator sends a one-time sign-in link by WhatsApp; the
promoter opens it, signs in with one tap and shares their link on WhatsApp with a second tap; the
full-screen QR reads with a real decoder; a used or expired link is refused with a way forward.

wa.me is answered by a Playwright route that records the address it was opened with.
"""

import re
import subprocess
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from outreach.auth.models import SignInLink
from outreach.campaign import COORDINATOR
from outreach.extensions import db
from outreach.links.services import qr_url
from outreach.models import utcnow
from tests import factories
from tests.e2e.browser import (
    PUBLIC_HOST,
    VIEWPORTS,
    axe_violations,
    describe,
    horizontal_overflow,
    make_user,
    needs_qr_tools,
    new_context,
    shoot,
    sign_in,
    watched_page,
)


@pytest.fixture
def promoter_link(db, kedaton, target):
    """Siti's WhatsApp link; she has no login yet, only a phone number."""
    link = factories.LinkFactory(
        target=target, area=kedaton["surabaya"], promoter=kedaton["pamong"], channel="whatsapp"
    )
    db.session.commit()
    return link


def send_sign_in_link(page, promoter) -> str:
    """As a coordinator, press "Kirim tautan masuk" on the promoter's page; the sign-in path it carries."""
    sign_in(page, make_user(COORDINATOR).email)
    page.goto(f"/promoters/{promoter.id}")
    with page.expect_navigation():
        page.get_by_role("button", name="Kirim tautan masuk").click()
    wa = page.get_by_role("button", name=re.compile("Kirim lewat WhatsApp"))
    address = urlsplit(wa.get_attribute("href"))
    assert (address.netloc, address.path) == ("wa.me", "/" + promoter.phone.lstrip("+"))
    message = parse_qs(address.query)["text"][0]
    assert message == page.get_by_label("Pesan").input_value()
    found = re.search(re.escape(PUBLIC_HOST) + r"(/auth/masuk/[\w-]+)", message)
    assert found, message
    return found.group(1)


@pytest.mark.parametrize("viewport", ["phone", "desktop"])
def test_promoter_opens_a_sign_in_link_and_shares_on_whatsapp_in_two_taps(
    page, browser, live_server, kedaton, promoter_link, viewport
):
    path = send_sign_in_link(page, kedaton["pamong"])
    size = VIEWPORTS[viewport]
    context = new_context(browser, live_server, viewport=size)
    try:
        promoter = watched_page(context)
        promoter.goto(path)
        shoot(promoter, f"sign-in-link-{viewport}")
        opened = []
        context.route("https://wa.me/**", lambda route: opened.append(route.request.url) or route.fulfill(body="ok"))
        with promoter.expect_navigation():
            promoter.get_by_role("button", name="Masuk").click()  # tap 1
        expect(promoter.get_by_role("heading", name="Bagikan survei")).to_be_visible()
        share = promoter.get_by_role("button", name="Bagikan ke WhatsApp")
        box = share.bounding_box()
        assert box["y"] + box["height"] <= size["height"], "the share button is below the first screen"
        assert horizontal_overflow(promoter) <= 0
        shoot(promoter, f"promoter-home-{viewport}")
        with context.expect_page() as popup:
            share.click()  # tap 2
        popup.value.wait_for_load_state()
        assert len(opened) == 1
        sent = urlsplit(opened[0])
        assert (sent.netloc, sent.path) == ("wa.me", "/")
        assert parse_qs(sent.query)["text"][0].endswith(f"{PUBLIC_HOST}/s/{promoter_link.code}")
        assert promoter.problems.take() == []

        # The link is spent: opening it again says so and shows the way forward.
        again = watched_page(context)
        again.goto(path)
        expect(again.get_by_role("alert")).to_contain_text("sudah dipakai")
        expect(again.get_by_role("button", name="Masuk dengan kata sandi")).to_be_visible()
    finally:
        context.close()


def test_an_expired_sign_in_link_is_refused_with_a_way_forward(page, phone, kedaton, promoter_link):
    path = send_sign_in_link(page, kedaton["pamong"])
    for link in db.session.scalars(select(SignInLink)):
        link.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    phone.goto(path)
    expect(phone.get_by_role("alert")).to_contain_text("kedaluwarsa")
    expect(phone.get_by_text("Minta koordinator Anda mengirim tautan masuk baru")).to_be_visible()
    assert horizontal_overflow(phone) <= 0
    shoot(phone, "sign-in-link-expired-phone")


@needs_qr_tools
def test_the_full_screen_qr_on_the_promoters_phone_reads_as_the_printed_code(
    page, phone, kedaton, promoter_link, tmp_path
):
    path = send_sign_in_link(page, kedaton["pamong"])
    phone.goto(path)
    with phone.expect_navigation():
        phone.get_by_role("button", name="Masuk").tap()
    with phone.expect_navigation():
        phone.get_by_role("button", name="Tampilkan QR").tap()
    expect(phone.get_by_role("img", name=re.compile("Kode QR|QR code"))).to_be_visible()
    assert horizontal_overflow(phone) <= 0
    shot = tmp_path / "qr-screen.png"
    phone.screenshot(path=str(shot))
    shoot(phone, "promoter-qr-screen-phone")
    decoded = subprocess.run(["zbarimg", "--quiet", "--raw", str(shot)], capture_output=True, text=True).stdout.split()
    assert decoded == [qr_url(promoter_link.code)]


def test_promoter_pages_have_no_serious_accessibility_problems(browser, live_server, kedaton, promoter_link, page):
    path = send_sign_in_link(page, kedaton["pamong"])
    context = new_context(browser, live_server, viewport={"width": 360, "height": 740}, bypass_csp=True)
    try:
        phone = watched_page(context)
        phone.goto(path)
        assert axe_violations(phone) == [], describe(axe_violations(phone))
        with phone.expect_navigation():
            phone.get_by_role("button", name="Masuk").click()
        for url in ("/", "/links/mine", f"/links/{promoter_link.id}/qr-screen", "/auth/account"):
            phone.goto(url)
            found = axe_violations(phone)
            assert found == [], f"{url}: {describe(found)}"
            assert horizontal_overflow(phone) <= 0, url
    finally:
        context.close()
