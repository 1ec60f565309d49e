"""Every main page, as each role sees it with the demo data, on a 360×740 phone and a 1280×900 desktop.

Each page is screenshotted to test-artifacts/screenshots/ (E2E_SCREENSHOT_DIR) for review by eye, must
load without console errors (a CSP violation is one), must not scroll sideways on a phone, and must
have no serious or critical axe-core violation on the phone (WCAG 2.1 A/AA: labels, contrast, focus).
The demo is loaded once for the module; the pages only read it.
"""

from dataclasses import dataclass

import pytest
from playwright.sync_api import Page
from sqlalchemy import select

from outreach.areas.models import Area
from outreach.auth.services import find_user_by_email
from outreach.campaign import ADMIN, COORDINATOR, LEADERSHIP, PROMOTER
from outreach.demo import DEMO_LOGINS, seed_demo
from outreach.drives.models import DONE, PLANNED, Drive
from outreach.extensions import db as _db
from outreach.links.models import Link
from outreach.models import utcnow
from outreach.rollouts.models import RolloutPlan
from tests.conftest import empty_tables
from tests.e2e.browser import (
    VIEWPORTS,
    axe_violations,
    describe,
    horizontal_overflow,
    new_context,
    shoot,
    sign_in,
    watched_page,
)

ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Screen:
    """A page to check: who looks at it, a short name, its path (may name demo rows) and its status."""

    role: str
    name: str
    path: str
    status: int = 200

    @property
    def id(self) -> str:
        """'coordinator-calendar': the test id and the screenshot's name."""
        return f"{self.role}-{self.name}"


SCREENS = [
    Screen(ANONYMOUS, "login", "/auth/login"),
    Screen(ANONYMOUS, "not-found", "/tidak-ada", status=404),
    Screen(ANONYMOUS, "start", "/"),
    Screen(ANONYMOUS, "type-code", "/kode"),
    Screen(ANONYMOUS, "board", "/papan"),
    Screen(ANONYMOUS, "board-kecamatan", "/papan/{kecamatan_code}"),
    Screen(ANONYMOUS, "check", "/cek"),
    Screen(ANONYMOUS, "check-code", "/cek/{link_code}"),
    Screen(ANONYMOUS, "sign-in-link-unknown", "/auth/masuk/bukan-tautan-asli", status=404),
    Screen(ADMIN, "home", "/"),
    Screen(ADMIN, "users", "/auth/users"),
    Screen(ADMIN, "audit", "/audit/"),
    Screen(ADMIN, "survey-targets", "/links/targets"),
    Screen(COORDINATOR, "home", "/"),
    Screen(COORDINATOR, "drives", "/drives/"),
    Screen(COORDINATOR, "calendar", "/drives/calendar"),
    Screen(COORDINATOR, "drive", "/drives/{planned_drive}"),
    Screen(COORDINATOR, "drive-done", "/drives/{done_drive}"),
    Screen(COORDINATOR, "drive-new", "/drives/new"),
    Screen(COORDINATOR, "calendar-feed", "/drives/feed"),
    Screen(COORDINATOR, "drive-report", "/drives/{done_drive}/report"),
    Screen(COORDINATOR, "integrity", "/integrity/"),
    Screen(COORDINATOR, "api-tokens", "/account/tokens/"),
    Screen(COORDINATOR, "account", "/auth/account"),
    Screen(COORDINATOR, "areas", "/areas/"),
    Screen(COORDINATOR, "kecamatan", "/areas/{kecamatan}"),
    Screen(COORDINATOR, "kelurahan", "/areas/{kelurahan}"),
    Screen(COORDINATOR, "opds", "/areas/opds"),
    Screen(COORDINATOR, "coverage", "/areas/coverage"),
    Screen(COORDINATOR, "promoters", "/promoters/"),
    Screen(COORDINATOR, "promoter", "/promoters/{promoter}"),
    Screen(COORDINATOR, "promoter-import", "/promoters/import"),
    Screen(COORDINATOR, "rt-heads", "/promoters/rt-heads/{kelurahan}"),
    Screen(COORDINATOR, "links", "/links/"),
    Screen(COORDINATOR, "link", "/links/{link}"),
    Screen(COORDINATOR, "links-bulk", "/links/bulk"),
    Screen(COORDINATOR, "flyer-batch", "/links/flyers"),
    Screen(COORDINATOR, "counts", "/participation/counts"),
    Screen(COORDINATOR, "participation-plan", "/participation/plan"),
    Screen(COORDINATOR, "opd-list", "/participation/opds/"),
    Screen(COORDINATOR, "opd", "/participation/opds/{opd_code}"),
    Screen(COORDINATOR, "opd-kecamatan", "/participation/opds/{kecamatan_opd_code}"),
    Screen(COORDINATOR, "rollouts", "/rollouts/"),
    Screen(COORDINATOR, "rollout", "/rollouts/{rollout_plan}"),
    Screen(COORDINATOR, "rollout-new", "/rollouts/new"),
    Screen(LEADERSHIP, "home", "/"),
    Screen(LEADERSHIP, "dashboard", "/participation/"),
    Screen(LEADERSHIP, "opd-list", "/participation/opds/"),
    Screen(LEADERSHIP, "opd", "/participation/opds/{opd_code}"),
    Screen(LEADERSHIP, "dashboard-kecamatan", "/participation/kecamatan/{kecamatan_code}"),
    Screen(LEADERSHIP, "uplift", "/participation/uplift"),
    Screen(LEADERSHIP, "drive-effects", "/participation/drives"),
    Screen(LEADERSHIP, "drive-effect", "/participation/drives/{done_drive}"),
    Screen(LEADERSHIP, "promoters", "/promoters/"),
    Screen(LEADERSHIP, "rollout", "/rollouts/{rollout_plan}"),
    Screen(LEADERSHIP, "effects", "/rollouts/effects"),
    Screen(LEADERSHIP, "forbidden", "/drives/new", status=403),
    Screen(PROMOTER, "home", "/"),
    Screen(PROMOTER, "drives", "/drives/"),
    Screen(PROMOTER, "calendar", "/drives/calendar"),
    Screen(PROMOTER, "drive", "/drives/{planned_drive}"),
    Screen(PROMOTER, "my-assignments", "/promoters/{promoter}"),
    Screen(PROMOTER, "my-links", "/links/mine"),
    Screen(PROMOTER, "qr-screen", "/links/{promoter_link}/qr-screen"),
    Screen(PROMOTER, "account", "/auth/account"),
]


@pytest.fixture
def db():
    """The module's demo data stays between its tests (replaces the suite's emptying after each test)."""
    return _db


@pytest.fixture(scope="module")
def demo(app) -> dict[str, int]:
    """The demo loaded once, its promoter login taking part in an upcoming drive; emptied afterwards."""
    seed_demo()
    promoter = find_user_by_email(DEMO_LOGINS[PROMOTER][0]).promoter
    drives = _db.session.scalars(select(Drive).order_by(Drive.starts_at)).all()
    planned = next(d for d in drives if d.status == PLANNED and d.starts_at > utcnow() and d.promoters)
    done = next(d for d in reversed(drives) if d.status == DONE and d.attendance)
    if promoter not in planned.promoters:
        planned.promoters.append(promoter)
    _db.session.commit()
    kedaton = _db.session.scalar(select(Area).where(Area.code == "18.71.01"))
    kelurahan = _db.session.scalar(select(Area).where(Area.parent_id == kedaton.id).order_by(Area.code))
    yield {
        "planned_drive": planned.id,
        "done_drive": done.id,
        "promoter": promoter.id,
        "kecamatan": kedaton.id,
        "kecamatan_code": kedaton.code,
        "kelurahan": kelurahan.id,
        "opd_code": "dinkes",
        "rollout_plan": _db.session.scalar(select(RolloutPlan.id).order_by(RolloutPlan.id)),
        "kecamatan_opd_code": "kec_kedaton",
        "link": _db.session.scalar(select(Link.id).order_by(Link.id)),
        "link_code": _db.session.scalar(select(Link.code).where(Link.active.is_(True)).order_by(Link.id)),
        "promoter_link": _db.session.scalar(
            select(Link.id).where(Link.promoter_id == promoter.id, Link.active.is_(True)).order_by(Link.id)
        ),
    }
    empty_tables()


class Profiles:
    """Signed-in browser profiles per role and viewport, made once for the module and reused.

    Screenshots come from profiles under the app's CSP; axe-core runs in twin profiles that bypass it
    (the CSP rightly refuses the injected script), sharing the same sign-in cookies.
    """

    def __init__(self, browser, base_url: str):
        self.browser, self.base_url = browser, base_url
        self.states: dict[str, dict] = {}
        self.pages: dict[tuple, Page] = {}
        self.contexts = []

    def _state(self, role: str) -> dict | None:
        if role == ANONYMOUS:
            return None
        if role not in self.states:
            context = new_context(self.browser, self.base_url)
            page = context.new_page()
            sign_in(page, *DEMO_LOGINS[role])
            assert page.url == self.base_url + "/", f"{role} could not sign in"
            self.states[role] = context.storage_state()
            context.close()
        return self.states[role]

    def page(self, role: str, viewport: str, axe: bool = False) -> Page:
        """The (reused) page of this role's profile at this viewport."""
        key = (role, viewport, axe)
        if key not in self.pages:
            context = new_context(
                self.browser, self.base_url, VIEWPORTS[viewport], storage_state=self._state(role), bypass_csp=axe
            )
            self.contexts.append(context)
            self.pages[key] = watched_page(context)
        return self.pages[key]

    def close(self) -> None:
        """Close every profile."""
        for context in self.contexts:
            context.close()


@pytest.fixture(scope="module")
def profiles(browser, live_server, demo):
    """The module's signed-in profiles."""
    profiles = Profiles(browser, live_server)
    yield profiles
    profiles.close()


def _open(page: Page, screen: Screen, demo: dict) -> None:
    response = page.goto(screen.path.format(**demo))
    assert response.status == screen.status, f"{screen.id}: {response.status} at {page.url}"


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.id)
def test_page_loads_cleanly_fits_the_screen_and_is_screenshotted(profiles, demo, screen, viewport):
    page = profiles.page(screen.role, viewport)
    page.problems.take()
    _open(page, screen, demo)
    shoot(page, f"{screen.id}-{viewport}")
    expected = f"the server responded with a status of {screen.status}"
    problems = [p for p in page.problems.take() if screen.status == 200 or expected not in p]
    assert problems == [], f"{screen.id}: console errors {problems}"
    assert horizontal_overflow(page) <= 0, f"{screen.id} scrolls sideways on a {viewport}"


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.id)
def test_page_has_no_serious_accessibility_violations_on_a_phone(profiles, demo, screen):
    # On the phone layout only: every problem axe found on a desktop also showed on the phone, and
    # phones (hidden table heads, day lists, scrolling tables) are where the layouts differ.
    page = profiles.page(screen.role, "phone", axe=True)
    _open(page, screen, demo)
    violations = axe_violations(page)
    assert violations == [], f"{screen.id} on a phone:\n{describe(violations)}"


# What each home page must answer on a phone within its first two screens (360×740): the element's top
# above 2 × 740 px. Leadership: is the city on track (a status in words) and which units are furthest
# behind; coordinators: which units are behind with nothing planned.
HOME_ANSWERS = {
    LEADERSHIP: ("#city-status .status", "#units-behind li .status"),
    COORDINATOR: ("#units-behind li .status",),
}


@pytest.mark.parametrize("viewport", VIEWPORTS)
@pytest.mark.parametrize("role", list(HOME_ANSWERS))
def test_home_page_answers_within_the_first_two_screens(profiles, demo, role, viewport):
    page = profiles.page(role, viewport)
    _open(page, Screen(role, "home", "/"), demo)
    height = VIEWPORTS[viewport]["height"]
    for selector in HOME_ANSWERS[role]:
        first = page.locator(selector).first
        assert first.count() == 1 or first.is_visible(), f"{role}: no {selector}"
        box = first.bounding_box()
        assert box is not None and box["y"] + box["height"] < 2 * height, f"{role}: {selector} at {box} on a {viewport}"
    assert horizontal_overflow(page) <= 0


# The pages that answer "what did the drives change": the answer sentence ends on a phone's first screen
# (360×740), above the reporting-lag notice that qualifies it.
EFFECT_ANSWERS = [
    Screen(LEADERSHIP, "rollout", "/rollouts/{rollout_plan}"),
    Screen(LEADERSHIP, "effects", "/rollouts/effects"),
]


@pytest.mark.parametrize("screen", EFFECT_ANSWERS, ids=lambda s: s.id)
def test_the_drive_effect_is_on_a_phones_first_screen(profiles, demo, screen):
    page = profiles.page(screen.role, "phone")
    _open(page, screen, demo)
    answer = page.locator("article .lead").first
    box = answer.bounding_box()
    assert "responden" in answer.inner_text(), f"{screen.id}: no effect sentence"
    assert box is not None and box["y"] + box["height"] <= VIEWPORTS["phone"]["height"], f"{screen.id}: answer at {box}"
    notice = page.locator(".lag-notice")
    assert notice.count() == 1, f"{screen.id}: the demo's KPK counts lag, and the page must say so"
    assert notice.bounding_box()["y"] > box["y"], f"{screen.id}: the lag notice comes before the answer"


def test_a_drives_links_fit_a_phone_without_scrolling_sideways(profiles, demo):
    # The scans column is what a pamong opens the drive page for; it must not hide off the right edge.
    page = profiles.page(COORDINATOR, "phone")
    _open(page, Screen(COORDINATOR, "drive", "/drives/{planned_drive}"), demo)
    region = page.locator("#links + .table-scroll")
    assert region.locator("tbody tr").count() > 0, "the demo's planned drive has links"
    assert region.locator("thead th").last.is_visible()
    assert region.evaluate("e => e.scrollWidth - e.clientWidth") <= 0


def test_the_drive_ranking_fits_a_desktop_without_scrolling_sideways(profiles, demo):
    # Leadership compare drives by their cost per additional respondent, the last column.
    page = profiles.page(LEADERSHIP, "desktop")
    _open(page, Screen(LEADERSHIP, "drive-effects", "/participation/drives"), demo)
    region = page.locator("table.ranking").locator("xpath=..")
    assert region.locator("tbody tr").count() > 1, "the demo has drives to rank"
    assert region.evaluate("e => e.scrollWidth - e.clientWidth") <= 0


def test_the_drive_ranking_starts_on_a_phones_first_screen(profiles, demo):
    # Leadership open the page for the ranking; the reporting lag and how it is calculated follow it.
    page = profiles.page(LEADERSHIP, "phone")
    _open(page, Screen(LEADERSHIP, "drive-effects", "/participation/drives"), demo)
    first = page.locator("table.ranking tbody tr").first.locator("th a")
    assert first.count() == 1, "the demo has a drive to rank"
    box = first.bounding_box()
    assert box is not None and box["y"] + box["height"] <= VIEWPORTS["phone"]["height"], f"first drive at {box}"
    for after in (".lag-notice", "#method-heading"):  # the demo's KPK counts lag, and the page says so
        assert page.locator(after).count() == 1, f"no {after}"
        assert page.locator(after).bounding_box()["y"] > box["y"], f"{after} comes before the ranking"
    assert "Cara menghitung" in page.locator("#method-heading").inner_text()
