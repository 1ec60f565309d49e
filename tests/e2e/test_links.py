"""Tracked links from the links page: bulk creation per kelurahan, its flyer batch, per-link counts; WhatsApp.

The coordinator's journey through a drive (its links, its flyer batch, the scan on the participation
dashboard) is in test_promoters.py. A scanned QR is opened on the live server like a phone would
(browser.open_like_a_phone); WhatsApp is answered by a Playwright route that records the address it
was opened with.
"""

from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect
from sqlalchemy import select

from outreach.campaign import COORDINATOR, LEADERSHIP, PROMOTER
from outreach.extensions import db
from outreach.links.models import Link
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
    sign_in,
    watched_page,
)


@needs_qr_tools
def test_kelurahan_links_made_on_the_links_page_print_as_one_batch_and_leadership_sees_each_links_scans(
    page, browser, live_server, kedaton, target, tmp_path
):
    for name in ("Rina Marpaung", "Joko Saputra"):
        promoter = factories.PromoterFactory(name=name)
        factories.AssignmentFactory(promoter=promoter, area=kedaton["surabaya"])
    db.session.commit()
    sign_in(page, make_user(COORDINATOR).email)
    page.get_by_role("navigation", name="Utama").get_by_role("link", name="Tautan").click()

    page.get_by_role("button", name="Buat sekaligus").click()
    page.get_by_label("Survei").select_option(label="SPI 2026 eksternal")
    page.get_by_label("Promotor di").select_option(label="Surabaya")
    page.get_by_label("Selebaran", exact=True).check()
    with page.expect_navigation():
        page.get_by_role("button", name="Buat tautan").click()
    expect(page.get_by_role("status")).to_contain_text("3 tautan dibuat, 0 dilewati")
    db.session.expire_all()
    codes = set(db.session.scalars(select(Link.code)))
    assert len(codes) == 3

    with page.expect_navigation():
        page.get_by_role("button", name="Cetak selebaran sekaligus").click()
    pick(page, "Tautan milik", "sura", "Surabaya")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Unduh", exact=True).click()
    expect(page.get_by_text("Selesai: berkasnya ada di folder unduhan Anda.")).to_be_visible()
    pdf = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(pdf)
    assert pdf.read_bytes().startswith(b"%PDF")
    scanned = decode_qr_codes(pdf, tmp_path)
    assert sorted(link_code(url) for url in scanned) == sorted(codes)
    assert all(url.startswith(f"{PUBLIC_HOST}/s/") for url in scanned)

    assert open_like_a_phone(browser, live_server, scanned[0]) == SURVEY_URL
    scanned_code = link_code(scanned[0])

    boss_context = new_context(browser, live_server)
    try:
        boss = watched_page(boss_context)
        sign_in(boss, make_user(LEADERSHIP).email)
        boss.get_by_role("navigation", name="Utama").get_by_role("link", name="Tautan").click()
        row = boss.locator("main table tbody tr").filter(has=boss.get_by_text(scanned_code, exact=True))
        cells = row.locator("td.num")
        expect(cells.nth(0)).to_have_text("1")  # scans by people
        expect(cells.nth(1)).to_have_text("1")  # unique visitors
        expect(cells.nth(2)).to_have_text("0")  # bots
        other = boss.locator("main table tbody tr").filter(has_not=boss.get_by_text(scanned_code, exact=True))
        for n in range(other.count()):
            expect(other.nth(n).locator("td.num").first).to_have_text("0")
        assert boss.problems.take() == []
    finally:
        boss_context.close()
    assert page.problems.take() == []


def test_promoter_on_a_phone_downloads_a_flyer_and_shares_the_link_on_whatsapp(phone, kedaton, target, tmp_path):
    user = make_user(PROMOTER)
    link = factories.LinkFactory(target=target, area=kedaton["surabaya"], promoter=user.promoter, channel="whatsapp")
    someone_else = factories.LinkFactory(target=target, area=kedaton["surabaya"], promoter=kedaton["pamong"])
    db.session.commit()
    sign_in(phone, user.email)
    phone.get_by_role("navigation", name="Utama").get_by_role("link", name="Tautan saya").click()
    expect(phone.locator(".code-badge")).to_have_text([link.code])
    expect(phone.get_by_text(someone_else.code)).to_have_count(0)

    with phone.expect_download() as download_info:
        phone.get_by_role("button", name="Unduh selebaran").click()
    assert download_info.value.suggested_filename == f"flyer-{link.code}-1.pdf"
    flyer = tmp_path / "flyer.pdf"
    download_info.value.save_as(flyer)
    assert flyer.read_bytes().startswith(b"%PDF")

    share = phone.get_by_role("button", name="Bagikan ke WhatsApp")
    expect(share).to_be_visible()
    opened = []
    phone.context.route("https://wa.me/**", lambda route: opened.append(route.request.url) or route.fulfill(body="ok"))
    with phone.context.expect_page() as popup_info:
        share.click()
    popup_info.value.wait_for_load_state()
    assert len(opened) == 1
    sent = urlsplit(opened[0])
    assert (sent.scheme, sent.netloc, sent.path) == ("https", "wa.me", "/")
    text = parse_qs(sent.query)["text"][0]
    assert text.startswith("Assalamualaikum")
    assert text.endswith(f"Isi di sini: {PUBLIC_HOST}/s/{link.code}")
    assert phone.problems.take() == []
