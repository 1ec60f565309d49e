"""A coordinator records a respondent count; leadership sees it on the dashboard and in the drill-down."""

from datetime import timedelta

from playwright.sync_api import expect

from outreach import clock
from outreach.campaign import COORDINATOR, LEADERSHIP
from tests.e2e.browser import make_user, new_context, sign_in, watched_page


def test_count_entered_by_a_coordinator_shows_on_the_leadership_dashboard(
    page, browser, live_server, kedaton, spi_round
):
    coordinator = make_user(COORDINATOR)
    sign_in(page, coordinator.email)
    page.goto("/participation/counts")
    yesterday = clock.today() - timedelta(days=1)
    form = page.locator("form[action$='/participation/counts']")
    form.get_by_label("Tanggal (WIB)").fill(yesterday.isoformat())
    form.get_by_label("Wilayah atau OPD").select_option(label="18.71.01.1004 Kelurahan Surabaya")
    form.get_by_label("Responden", exact=True).fill("37")
    with page.expect_navigation():
        form.get_by_role("button", name="Simpan jumlah").click()
    expect(page.get_by_role("status")).to_have_text("Jumlah tersimpan.")

    leadership_context = new_context(browser, live_server)
    try:
        boss = watched_page(leadership_context)
        sign_in(boss, make_user(LEADERSHIP).email)
        boss.get_by_role("navigation", name="Utama").get_by_role("link", name="Partisipasi").click()
        expect(boss.get_by_role("heading", level=1)).to_contain_text("SPI 2026")
        kedaton_row = boss.locator("table tbody tr").filter(has=boss.get_by_role("link", name="Kedaton"))
        expect(kedaton_row.locator("td").first).to_have_text("37")
        kedaton_row.get_by_role("link", name="Kedaton").click()
        surabaya_row = boss.locator("table tbody tr").filter(has_text="Surabaya")
        expect(surabaya_row.locator("td").first).to_have_text("37")
        assert boss.problems.take() == []
    finally:
        leadership_context.close()
