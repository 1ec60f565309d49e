"""A coordinator records a respondent count; leadership sees it on the dashboard and in the drill-down."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from playwright.sync_api import Page, expect
from sqlalchemy import func, select

from outreach import clock
from outreach.areas.models import Area
from outreach.campaign import COORDINATOR, LEADERSHIP
from outreach.participation.models import RespondentCount, Target
from tests import factories
from tests.e2e.browser import (
    PHONE,
    axe_violations,
    describe,
    horizontal_overflow,
    make_user,
    new_context,
    shoot,
    sign_in,
    watched_page,
)
from tests.participation.conftest import add_daily


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
        expect(kedaton_row.locator("td.wide").first).to_have_text("37")  # in the range
        kedaton_row.get_by_role("link", name="Kedaton").click()
        surabaya_row = boss.locator("table tbody tr").filter(has_text="Surabaya")
        expect(surabaya_row.locator("td.wide").first).to_have_text("37")
        assert boss.problems.take() == []
    finally:
        leadership_context.close()


@contextmanager
def leadership_on_a_phone(browser, live_server) -> Iterator[Page]:
    """Leadership signed in on a 360×740 phone (CSP bypassed for axe); after the test's checks the page
    must have no serious accessibility violation and no console error."""
    context = new_context(browser, live_server, viewport=PHONE, bypass_csp=True)
    try:
        phone = watched_page(context)
        sign_in(phone, make_user(LEADERSHIP).email)
        yield phone
        violations = axe_violations(phone)
        assert violations == [], describe(violations)
        assert phone.problems.take() == []
    finally:
        context.close()


def _reported_until_nine_days_ago(db, kedaton, spi_round) -> date:
    """Kedaton's two kelurahan reported by KPK up to nine days ago: Surabaya on its path, Sidodadi far behind."""
    last = clock.today() - timedelta(days=9)
    days = (last - spi_round.starts_on).days + 1
    sidodadi = db.session.scalar(select(Area).where(Area.code == "18.71.01.1006"))
    add_daily(db, kedaton["surabaya"], spi_round.starts_on, (days, 20))
    add_daily(db, sidodadi, spi_round.starts_on, (days, 4))
    for area in (kedaton["surabaya"], sidodadi):
        db.session.add(Target(round=spi_round, area=area, audience="eksternal", target=20 * 61))
    db.session.commit()
    return last


def test_on_a_phone_leadership_sees_how_old_the_data_is_and_who_is_behind_without_scrolling_sideways(
    browser, live_server, kedaton, spi_round, db
):
    _reported_until_nine_days_ago(db, kedaton, spi_round)
    with leadership_on_a_phone(browser, live_server) as phone:
        phone.goto("/participation/?audience=eksternal")
        notice = phone.locator(".lag-notice")
        expect(notice).to_contain_text("9 hari lalu")
        assert notice.bounding_box()["y"] < 740  # the first thing read on the first screen
        assert horizontal_overflow(phone) <= 0
        shoot(phone, "participation-phone-lag")
        phone.get_by_role("link", name="Kedaton", exact=True).click()
        rows = phone.locator("table tbody tr")
        expect(rows.first).to_contain_text("Sidodadi")  # most behind first
        expect(rows.first.locator(".status")).to_have_text("▼ tertinggal")
        expect(rows.nth(1).locator(".status")).to_have_text("✓ sesuai jalur")
        assert horizontal_overflow(phone) <= 0
        shoot(phone, "participation-kecamatan-phone")


def test_on_a_phone_a_drives_effect_reads_as_a_sentence_with_its_chart(browser, live_server, kedaton, spi_round, db):
    """A drive in Surabaya and Sidodadi, five kelurahan without one: the page opens on the sentence."""
    kecamatan = kedaton["kecamatan"]
    others = [
        factories.AreaFactory(code=f"18.71.01.20{n:02d}", name=f"Pembanding {n}", parent=kecamatan) for n in range(5)
    ]
    sidodadi = db.session.scalar(select(Area).where(Area.code == "18.71.01.1006"))
    start = clock.today() - timedelta(days=20)
    add_daily(db, kedaton["surabaya"], start, [10] * 7 + [40] * 7)
    add_daily(db, sidodadi, start, [12] * 7 + [44] * 7)
    for unit, (before, after) in zip(others, [(20, 25), (8, 12), (15, 21), (9, 13), (11, 15)], strict=True):
        add_daily(db, unit, start, [before] * 7 + [after] * 7)
    first_day = start + timedelta(days=7)
    drive = factories.DriveFactory(
        areas=[kedaton["surabaya"], sidodadi],
        starts_at=clock.wib_day_start(first_day) + timedelta(hours=9),
        ends_at=clock.wib_day_start(first_day) + timedelta(hours=12),
        status="done",
        title="Door-to-door Surabaya dan Sidodadi",
    )
    db.session.commit()
    with leadership_on_a_phone(browser, live_server) as phone:
        phone.goto(f"/participation/drives/{drive.id}")
        sentence = phone.locator(".headline .lead").first
        expect(sentence).to_contain_text("sekitar 26 responden per hari lebih banyak daripada wilayah serupa")
        expect(sentence).to_contain_text("kisaran")
        assert phone.locator("svg.compare polyline.comparison").count() == 1
        assert horizontal_overflow(phone) <= 0
        shoot(phone, "uplift-drive-phone")


def _choose_counts_file(page: Page, name: str, text: str) -> None:
    """Choose a counts CSV on the page in view and have it checked."""
    page.get_by_label("Berkas CSV atau Excel (.xlsx)").set_input_files(
        files=[{"name": name, "mimeType": "text/csv", "buffer": text.encode("utf-8")}]
    )
    with page.expect_navigation():
        page.get_by_role("button", name="Periksa berkas").click()


def test_on_a_phone_a_coordinator_previews_counts_then_imports_them(browser, live_server, kedaton, spi_round, db):
    """A file with an unknown kelurahan on line 3 is refused naming it; the corrected file is previewed
    (nothing written), then imported on confirm with the source given at the upload."""
    day = clock.today() - timedelta(days=2)
    header = "tanggal,kode,jenis_responden,jumlah,jenis\n"
    bad = header + f"{day},18.71.01.1004,eksternal,40,harian\n{day},18.71.01.9999,eksternal,12,harian\n"
    good = bad.replace("18.71.01.9999", "18.71.01.1006")
    context = new_context(browser, live_server, viewport=PHONE, bypass_csp=True)
    try:
        phone = watched_page(context)
        sign_in(phone, make_user(COORDINATOR).email)
        phone.goto("/participation/counts")
        phone.get_by_label("Sumber untuk baris tanpa sumber").fill("Laporan KPK")
        _choose_counts_file(phone, "jumlah-salah.csv", bad)
        expect(phone.get_by_role("alert").first).to_contain_text("Tidak ada yang diimpor")
        problem = phone.locator("table.problems tbody tr")
        expect(problem).to_have_count(1)
        expect(problem.locator("td").nth(0)).to_have_text("3")
        expect(problem.locator("td").nth(1)).to_have_text("kode")
        expect(phone.get_by_role("button", name="Impor sekarang")).to_have_count(0)
        assert all("422" in p for p in phone.problems.take())

        expect(phone.get_by_label("Sumber untuk baris tanpa sumber")).to_have_value("Laporan KPK")
        _choose_counts_file(phone, "jumlah-kedaton.csv", good)
        expect(phone.get_by_role("heading", level=1)).to_have_text("Impor jumlah responden")
        expect(phone.locator(".stats article").first).to_contain_text("2")
        phone.get_by_text("Akan ditambahkan (2)").click()
        expect(phone.locator("details table tbody tr").first).to_contain_text("Kelurahan Surabaya")
        assert db.session.scalar(select(func.count()).select_from(RespondentCount)) == 0
        assert horizontal_overflow(phone) <= 0
        violations = axe_violations(phone)
        assert violations == [], describe(violations)
        shoot(phone, "counts-import-preview-phone")

        with phone.expect_navigation():
            phone.get_by_role("button", name="Impor sekarang").click()
        expect(phone.get_by_role("status")).to_contain_text("jumlah-kedaton.csv diimpor: 2 ditambahkan")
        expect(phone.locator("table tbody tr").first).to_contain_text("Laporan KPK")
        assert phone.problems.take() == []
    finally:
        context.close()
