"""Date-phased destinations (#27 item 3): a survey target's links lead, by WIB day, to our information
page, our thank-you page, or another survey; each visit keeps the rule it followed."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from outreach import clock
from outreach.extensions import db as _db
from outreach.links import destinations
from outreach.links.models import DestinationRule, Scan
from outreach.links.scanning import ScanLink
from outreach.links.schedule import Phase, phase_on
from outreach.links.services import LinkError
from tests.factories import LinkFactory, SurveyTargetFactory
from tests.links.conftest import TARGET

NEXT_YEAR = "https://spi.kpk.go.id/survei/2027/eksternal"
PHONE = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Mobile Safari/537.36"
)


def days(n: int) -> date:
    return clock.today() + timedelta(days=n)


def scans():
    return list(_db.session.scalars(select(Scan).order_by(Scan.id)))


def test_a_day_picks_the_rule_covering_it_or_none():
    phases = (
        Phase(None, date(2026, 8, 31), 1, "opening", "/jadwal/1/ABC234"),
        Phase(date(2026, 11, 1), date(2027, 6, 30), 2, "closed", "/jadwal/2/ABC234"),
        Phase(date(2027, 7, 1), None, 3, "target", NEXT_YEAR),
    )
    assert phase_on(phases, date(2020, 1, 1)).rule_id == 1
    assert phase_on(phases, date(2026, 8, 31)).rule_id == 1
    assert phase_on(phases, date(2026, 9, 1)) is None
    assert phase_on(phases, date(2026, 10, 31)) is None
    assert phase_on(phases, date(2026, 11, 1)).rule_id == 2
    assert phase_on(phases, date(2030, 1, 1)).rule_id == 3
    entry = ScanLink(7, True, TARGET, phases)
    assert entry.destination(date(2026, 9, 15)) == (None, TARGET)
    assert entry.destination(date(2027, 7, 1)) == (3, NEXT_YEAR)


@pytest.mark.usefixtures("scan_path")
def test_before_the_opening_day_a_visit_lands_on_our_information_page(client, db, link):
    rule = destinations.create_rule(link.target, "opening", ends_on=days(2))
    db.session.commit()
    response = client.get("/s/ABC234?q=1", headers={"User-Agent": PHONE})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/jadwal/{rule.id}/ABC234"
    [scan] = scans()
    assert scan.rule_id == rule.id and scan.source == "qr"


@pytest.mark.usefixtures("scan_path")
def test_a_rule_to_another_survey_re_points_printed_links_from_its_first_day(client, db, link):
    next_year = SurveyTargetFactory(name="SPI 2027 eksternal", url=NEXT_YEAR)
    rule = destinations.create_rule(link.target, "target", starts_on=days(0), next_target=next_year)
    db.session.commit()
    response = client.get("/s/ABC234", headers={"User-Agent": PHONE})
    assert response.headers["Location"] == NEXT_YEAR
    assert [s.rule_id for s in scans()] == [rule.id]


@pytest.mark.usefixtures("scan_path")
def test_on_days_no_rule_covers_a_visit_goes_to_the_target_and_keeps_no_rule(client, db, link):
    destinations.create_rule(link.target, "opening", ends_on=days(-1))
    destinations.create_rule(link.target, "closed", starts_on=days(1))
    db.session.commit()
    response = client.get("/s/ABC234", headers={"User-Agent": PHONE})
    assert response.headers["Location"] == TARGET
    assert [s.rule_id for s in scans()] == [None]


@pytest.mark.usefixtures("scan_path")
def test_a_rule_to_an_address_leads_there(client, db, link):
    rule = destinations.create_rule(link.target, "url", starts_on=days(-3), url="https://jaga.id/spi")
    db.session.commit()
    assert client.get("/s/ABC234", headers={"User-Agent": PHONE}).headers["Location"] == "https://jaga.id/spi"
    assert [s.rule_id for s in scans()] == [rule.id]


@pytest.mark.usefixtures("scan_path")
def test_a_rule_whose_survey_was_switched_off_answers_like_an_inactive_link(client, db, link):
    next_year = SurveyTargetFactory(url=NEXT_YEAR)
    destinations.create_rule(link.target, "target", starts_on=days(0), next_target=next_year)
    next_year.active = False
    db.session.commit()
    assert client.get("/s/ABC234", headers={"User-Agent": PHONE}).status_code == 410
    assert scans() == []


def test_a_rule_whose_host_left_the_allowlist_answers_like_an_inactive_link(app, client, db, link):
    destinations.create_rule(link.target, "url", starts_on=days(0), url="https://jaga.id/spi")
    db.session.commit()
    app.config["SURVEY_HOST_ALLOWLIST"] = ("spi.kpk.go.id",)
    try:
        assert client.get("/s/ABC234", headers={"User-Agent": PHONE}).status_code == 410
    finally:
        app.config["SURVEY_HOST_ALLOWLIST"] = ("spi.kpk.go.id", "survei.kpk.go.id", "jaga.id")
    assert scans() == []


def test_a_cached_link_holds_its_rules_and_picks_by_the_day_without_a_query(app, client, db, link, monkeypatch):
    from outreach.links import scanning

    rule = destinations.create_rule(link.target, "closed", starts_on=days(1))
    db.session.commit()
    app.config["SCAN_LINK_CACHE_SECONDS"] = 60
    scanning._link_cache.clear()
    try:
        assert client.get("/s/ABC234").headers["Location"] == TARGET
        store = scanning.scanner(app).store
        monkeypatch.setattr(store, "find", lambda code: pytest.fail("the cached entry should answer"))
        tomorrow = scanning.utcnow() + timedelta(days=1)
        monkeypatch.setattr(scanning, "utcnow", lambda: tomorrow)
        assert client.get("/s/ABC234").headers["Location"] == f"/jadwal/{rule.id}/ABC234"
    finally:
        app.config["SCAN_LINK_CACHE_SECONDS"] = 0
        scanning._link_cache.clear()


def test_a_typed_code_follows_the_rule_too(client, db, link):
    rule = destinations.create_rule(link.target, "opening", ends_on=days(5))
    db.session.commit()
    response = client.post("/kode", data={"code": "abc 234"})
    assert response.status_code == 303 and response.headers["Location"] == f"/jadwal/{rule.id}/ABC234"
    assert [(s.source, s.rule_id) for s in scans()] == [("typed", rule.id)]


@pytest.mark.parametrize(
    ("kind", "fields", "problem"),
    [
        ("opening", {}, "ends_on"),
        ("closed", {}, "starts_on"),
        ("target", {"starts_on": 0}, "next_target_id"),
        ("url", {"starts_on": 0, "url": "https://evil.example/spi"}, "url"),
        ("url", {"starts_on": 0, "url": "http://spi.kpk.go.id/x"}, "url"),
        ("closed", {"starts_on": 3, "ends_on": 1}, "ends_on"),
        ("party", {"starts_on": 0}, "kind"),
    ],
)
def test_rules_that_cannot_be_followed_are_refused(db, link, kind, fields, problem):
    values = {key: days(value) if key.endswith("_on") else value for key, value in fields.items()}
    with pytest.raises(LinkError, match=f"^{problem}: "):
        destinations.create_rule(link.target, kind, **values)


def test_rules_of_one_target_never_overlap(db, link):
    destinations.create_rule(link.target, "opening", ends_on=days(10))
    with pytest.raises(LinkError, match="^starts_on: overlaps"):
        destinations.create_rule(link.target, "closed", starts_on=days(10))
    destinations.create_rule(link.target, "closed", starts_on=days(11))
    assert len(destinations.target_rules(link.target)) == 2


def test_a_rule_to_its_own_target_is_refused(db, link):
    with pytest.raises(LinkError, match="^next_target_id: must be another"):
        destinations.create_rule(link.target, "target", starts_on=days(0), next_target=link.target)


def test_removing_a_rule_keeps_the_visits_it_sent_and_audits_what_it_was(client, db, link):
    rule = destinations.create_rule(link.target, "opening", ends_on=days(1))
    db.session.commit()
    client.get("/s/ABC234")
    rule_id = rule.id
    destinations.delete_rule(rule)
    db.session.commit()
    assert [s.rule_id for s in scans()] == [rule_id]
    assert db.session.get(DestinationRule, rule_id) is None
    assert client.get("/s/ABC234").headers["Location"] == TARGET
    assert destinations.create_rule(link.target, "opening", ends_on=days(1)).id != rule_id


# --- our pages ----------------------------------------------------------------------------------


def test_the_information_page_says_in_indonesian_when_the_survey_opens_and_links_the_check(client, db):
    link = LinkFactory(code="XYZ789", target=SurveyTargetFactory())
    rule = destinations.create_rule(link.target, "opening", ends_on=date(2026, 8, 31))
    db.session.commit()
    response = client.get(f"/jadwal/{rule.id}/XYZ789")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Survei dibuka 1 September 2026" in page
    assert 'href="/cek/XYZ789"' in page
    assert "no-store" in response.headers["Cache-Control"]


def test_the_thank_you_page_says_what_happens_next(client, db):
    link = LinkFactory(code="XYZ789", target=SurveyTargetFactory())
    rule = destinations.create_rule(link.target, "closed", starts_on=date(2026, 11, 1))
    db.session.commit()
    page = client.get(f"/jadwal/{rule.id}/XYZ789").get_data(as_text=True)
    assert "Terima kasih" in page and "31 Oktober 2026" in page
    assert "KPK" in page and "Desember" in page
    assert 'href="/cek/XYZ789"' in page


def test_an_information_page_of_another_targets_rule_is_not_found(client, db):
    ours = LinkFactory(code="XYZ789", target=SurveyTargetFactory())
    other = destinations.create_rule(SurveyTargetFactory(), "opening", ends_on=days(3))
    re_point = destinations.create_rule(ours.target, "url", starts_on=days(0), url="https://jaga.id/")
    db.session.commit()
    assert client.get(f"/jadwal/{other.id}/XYZ789").status_code == 404
    assert client.get(f"/jadwal/{re_point.id}/XYZ789").status_code == 404
    assert client.get("/jadwal/999999/XYZ789").status_code == 404


def test_the_check_page_says_where_the_link_leads_today(client, db, link):
    next_year = SurveyTargetFactory(name="SPI 2027 eksternal", url="https://survei.kpk.go.id/2027")
    destinations.create_rule(link.target, "opening", ends_on=days(-1))
    destinations.create_rule(link.target, "target", starts_on=days(0), next_target=next_year)
    db.session.commit()
    page = client.get("/cek/ABC234").get_data(as_text=True)
    assert "SPI 2027 eksternal" in page and "survei.kpk.go.id" in page
    assert link.target.name not in page


def test_the_check_page_before_opening_names_the_opening_day(client, db, link):
    destinations.create_rule(link.target, "opening", ends_on=date(2099, 8, 31))
    db.session.commit()
    page = client.get("/cek/ABC234").get_data(as_text=True)
    assert "1 September 2099" in page


# --- admin pages --------------------------------------------------------------------------------


def test_an_admin_adds_and_removes_rules_on_the_survey_target_page(admin_client, db):
    target = SurveyTargetFactory(name="SPI 2026")
    SurveyTargetFactory(name="SPI 2027", url=NEXT_YEAR)
    db.session.commit()
    page = admin_client.get(f"/links/targets/{target.id}/edit").get_data(as_text=True)
    assert "rule-kind" in page
    response = admin_client.post(
        f"/links/targets/{target.id}/rules", data={"rule-kind": "opening", "rule-ends_on": "2099-08-31"}
    )
    assert response.status_code == 302
    [rule] = destinations.target_rules(target)
    assert (rule.kind, rule.ends_on) == ("opening", date(2099, 8, 31))
    refused = admin_client.post(
        f"/links/targets/{target.id}/rules",
        data={"rule-kind": "url", "rule-starts_on": "2099-09-01", "rule-url": "https://evil.example/"},
    )
    assert refused.status_code == 422 and "evil.example" in refused.get_data(as_text=True)
    assert admin_client.post(f"/links/targets/{target.id}/rules/{rule.id}/delete").status_code == 302
    assert destinations.target_rules(target) == []


def test_the_link_page_shows_where_it_leads_today_and_its_rules(admin_client, db, link):
    rule = destinations.create_rule(link.target, "opening", ends_on=days(2))
    db.session.commit()
    page = admin_client.get(f"/links/{link.id}").get_data(as_text=True)
    assert f"/jadwal/{rule.id}/ABC234" in page
