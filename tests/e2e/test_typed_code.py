"""A citizen types the code from a paper flyer on `/` or `/kode` and reaches the survey, in Chromium.

The test client applies no CSP; Chromium applies `form-action` to every hop of a form's navigation,
which once stranded every typed code on our own page after the visit had been counted. The survey
host does not resolve here, so the test watches the navigation request that the redirect starts:
Chromium sends it only when the page's CSP lets the form lead there.
"""

import pytest
from playwright.sync_api import expect
from sqlalchemy import func, select

from outreach.extensions import db
from outreach.links.models import Scan
from tests import factories
from tests.e2e.browser import SURVEY_URL, horizontal_overflow, shoot


def typed_visits(link) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Scan).where(Scan.link_id == link.id))


@pytest.fixture
def link(db, target):
    link = factories.LinkFactory(target=target, code="AB3D5F")
    db.session.commit()
    return link


@pytest.mark.parametrize("start", ["/", "/kode"])
@pytest.mark.parametrize("device", ["phone", "page"])
def test_a_typed_code_reaches_the_survey_and_is_counted_once(request, start, device, link):
    page = request.getfixturevalue(device)
    page.goto(start)
    page.get_by_label("Kode pada selebaran").fill("ab3 d5f")
    with page.expect_request(lambda r: r.url == SURVEY_URL and r.is_navigation_request()) as arrival:
        page.get_by_label("Kode pada selebaran").press("Enter")
    assert arrival.value.redirected_from is not None  # our 303, followed by the browser
    assert not [p for p in page.problems.take() if "Content Security Policy" in p]
    assert typed_visits(link) == 1
    scan = db.session.scalars(select(Scan).where(Scan.link_id == link.id)).one()
    assert scan.source == "typed"


def test_a_mistyped_code_gets_help_on_the_phone_and_is_not_counted(phone, link):
    phone.goto("/kode")
    phone.get_by_label("Kode pada selebaran").fill("AB3 O5F")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Lanjut ke survei").click()
    expect(phone.get_by_role("alert")).to_contain_text("O")
    assert horizontal_overflow(phone) <= 0
    shoot(phone, "typed-code-help-phone")
    assert typed_visits(link) == 0
