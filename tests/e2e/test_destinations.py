"""A tautan survei re-pointed by date and followed on a phone (#27 item 3).

An admin adds the rules on the survey target's page as a person would. Before the opening day a phone
that scans the printed QR lands on our information page (same origin) saying when the survey opens and
where to check the link; once a rule re-points the survey's links to next year's survey, the same
printed QR sends the phone there. Every visit is recorded with the rule it followed.
"""

from datetime import timedelta

from babel.dates import format_date
from playwright.sync_api import expect
from sqlalchemy import select

from outreach import clock
from outreach.links.models import Scan
from tests import factories
from tests.e2e.browser import (
    ANDROID_CHROME,
    PHONE,
    PUBLIC_HOST,
    axe_violations,
    describe,
    horizontal_overflow,
    make_user,
    new_context,
    open_like_a_phone,
    shoot,
    sign_in,
)

NEXT_YEAR = "https://spi.kpk.go.id/survei/2027/eksternal"


def _add_rule(page, target_id: int, kind: str, **fields) -> None:
    page.goto(f"/links/targets/{target_id}/edit")
    page.select_option("#rule-kind", kind)
    for name, value in fields.items():
        if name == "next_target":
            page.select_option("#rule-next_target", value)
        else:
            page.fill(f"#rule-{name}", value)
    with page.expect_navigation():
        page.get_by_role("button", name="Tambah aturan", exact=True).click()
    expect(page.locator(".flash-success")).to_contain_text("Aturan ditambahkan")


def test_a_printed_link_leads_to_the_opening_page_then_to_next_years_survey(
    browser, live_server, page, db, kedaton, target
):
    link = factories.LinkFactory(code="JDW234", target=target, area=kedaton["surabaya"], promoter=kedaton["pamong"])
    next_year = factories.SurveyTargetFactory(name="SPI 2027 eksternal", url=NEXT_YEAR)
    db.session.commit()
    admin = make_user("admin")
    sign_in(page, admin.email)
    opens = clock.today() + timedelta(days=10)
    _add_rule(page, target.id, "opening", ends_on=(opens - timedelta(days=1)).isoformat())
    scanned = f"{PUBLIC_HOST}/s/{link.code}?q=1"

    # Before the opening day: the phone lands on our information page.
    context = new_context(browser, live_server, viewport=PHONE, user_agent=ANDROID_CHROME, bypass_csp=True)
    try:
        phone = context.new_page()
        phone.goto(live_server + f"/s/{link.code}?q=1")
        assert "/jadwal/" in phone.url and phone.url.endswith(f"/{link.code}")
        heading = phone.get_by_role("heading", level=1)
        expect(heading).to_have_text(f"Survei dibuka {opens.day} {_month_id(opens)} {opens.year}")
        expect(phone.get_by_role("link", name=f"Cek keaslian tautan {link.code}")).to_have_attribute(
            "href", f"/cek/{link.code}"
        )
        assert horizontal_overflow(phone) == 0
        shoot(phone, "phone-destination-opening")
        violations = axe_violations(phone)
        assert not violations, describe(violations)
    finally:
        context.close()

    # Re-pointed: the opening rule is removed and, from today, the links lead to next year's survey.
    page.goto(f"/links/targets/{target.id}/edit")
    with page.expect_navigation():
        page.locator("section[aria-labelledby=rules-head] button", has_text="Hapus").click()
    _add_rule(page, target.id, "target", starts_on=clock.today().isoformat(), next_target=str(next_year.id))
    assert open_like_a_phone(browser, live_server, scanned) == NEXT_YEAR

    page.goto(f"/cek/{link.code}")
    expect(page.locator("#check-answer")).to_contain_text(link.code)
    expect(page.locator(".check-result")).to_contain_text("SPI 2027 eksternal")

    db.session.expire_all()
    visits = list(db.session.scalars(select(Scan).where(Scan.link_id == link.id).order_by(Scan.id)))
    assert len(visits) == 2
    assert visits[0].rule_id is not None and visits[1].rule_id is not None
    assert visits[0].rule_id != visits[1].rule_id


def _month_id(day) -> str:
    return format_date(day, "MMMM", locale="id")
