"""End-to-end fixtures: the app on a live loopback server and Debian's Chromium driven by Playwright.

The server runs the session's `app` (TestConfig, so the same database as the rest of the suite) in a
thread; a test puts its data in with the factories, commits, then uses the browser as a person would.
Playwright never downloads a browser here: it drives /usr/bin/chromium (see browser.py).
"""

from datetime import date, timedelta

import pytest
from playwright.sync_api import Page, sync_playwright

from outreach import clock
from outreach.participation.models import SurveyRound
from tests import factories
from tests.e2e.browser import CHROMIUM, CHROMIUM_ARGS, PHONE, SURVEY_URL, LiveServer, new_context, watched_page


def pytest_collection_modifyitems(items):
    """Every test under tests/e2e is selectable with `-m e2e` (and skippable with `-m "not e2e"`)."""
    for item in items:
        if "tests/e2e/" in item.nodeid:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def live_server(app) -> str:
    """The base URL of the app served on a free loopback port."""
    server = LiveServer(app)
    server.start()
    yield server.url
    server.stop()


@pytest.fixture(autouse=True)
def _csrf_on(app):
    """Browsers send CSRF tokens: make sure no earlier test left the check switched off."""
    app.config["WTF_CSRF_ENABLED"] = True


@pytest.fixture(scope="session")
def browser():
    """One headless Chromium for the whole session (contexts are cheap, browsers are not)."""
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server) -> Page:
    """A desktop page (1280×900) in a fresh profile; console errors collect on `page.problems`."""
    context = new_context(browser, live_server)
    yield watched_page(context)
    context.close()


@pytest.fixture
def phone(browser, live_server) -> Page:
    """A phone page (360×740, touch) in a fresh profile; console errors collect on `page.problems`."""
    context = new_context(browser, live_server, viewport=PHONE)
    yield watched_page(context)
    context.close()


@pytest.fixture
def kedaton(db):
    """Kecamatan Kedaton with kelurahan Surabaya (one promoter assigned) and Sidodadi."""
    kecamatan = factories.AreaFactory(code="18.71.01", name="Kedaton", level="kecamatan")
    surabaya = factories.AreaFactory(code="18.71.01.1004", name="Surabaya", parent=kecamatan)
    factories.AreaFactory(code="18.71.01.1006", name="Sidodadi", parent=kecamatan)
    pamong = factories.PromoterFactory(name="Siti Rahmawati")
    factories.AssignmentFactory(promoter=pamong, area=surabaya, start_date=date(2026, 1, 1))
    db.session.commit()
    return {"kecamatan": kecamatan, "surabaya": surabaya, "pamong": pamong}


@pytest.fixture
def target(db):
    """The external SPI survey as a link target."""
    target = factories.SurveyTargetFactory(name="SPI 2026 eksternal", url=SURVEY_URL)
    db.session.commit()
    return target


@pytest.fixture
def spi_round(db):
    """An SPI round running from a month ago to a month ahead (the dashboard needs a current round)."""
    today = clock.today()
    round_ = SurveyRound(
        name="SPI 2026", year=2026, starts_on=today - timedelta(days=30), deadline=today + timedelta(days=30)
    )
    db.session.add(round_)
    db.session.commit()
    return round_
