"""Time in Bandar Lampung: 18:30 UTC on 4 December is already 01:30 WIB on 5 December, for every page."""

from datetime import UTC, date, datetime

import pytest
import time_machine

from outreach import clock
from outreach.participation.models import SurveyRound
from outreach.promoters.models import Assignment
from tests.conftest import csrf_token
from tests.factories import AssignmentFactory, PromoterFactory, make_area_tree

# 01:30 WIB on Saturday 5 December 2026, while a server on UTC still says Friday 4 December.
LATE_EVENING_UTC = datetime(2026, 12, 4, 18, 30, tzinfo=UTC)
DEC_4, DEC_5 = date(2026, 12, 4), date(2026, 12, 5)


@pytest.fixture
def after_wib_midnight():
    with time_machine.travel(LATE_EVENING_UTC, tick=False):
        yield


def test_today_is_the_wib_date_not_the_utc_date(after_wib_midnight):
    assert clock.now() == LATE_EVENING_UTC
    assert clock.today() == DEC_5
    assert clock.wib_day(clock.now()) == DEC_5


def test_a_wib_day_runs_from_17_00_utc_the_day_before():
    start, end = clock.wib_day_range(DEC_5, DEC_5)
    assert start == datetime(2026, 12, 4, 17, 0, tzinfo=UTC)
    assert end == datetime(2026, 12, 5, 17, 0, tzinfo=UTC)
    assert clock.wib_day(start) == DEC_5 and clock.wib_day(end) == date(2026, 12, 6)
    assert clock.wib_day_start(DEC_5) == start


def test_a_naive_moment_is_refused_rather_than_guessed():
    with pytest.raises(ValueError):
        clock.wib_day(datetime(2026, 12, 4, 18, 30))


def test_days_of_an_interval_end_before_a_closing_midnight():
    days = clock.wib_days(clock.wib_to_utc(datetime(2026, 12, 4, 22, 0)), clock.wib_day_start(date(2026, 12, 6)))
    assert days == [DEC_4, DEC_5]


@pytest.fixture
def promoter_with_history(db):
    tree = make_area_tree(kecamatan=1, kelurahan=2, rw=0, rt=0)
    siti = PromoterFactory(name="Siti", role="pamong")
    # Starts on the WIB today: current now, though a UTC server would still call it tomorrow's.
    starting = AssignmentFactory(promoter=siti, area=tree["18.71.01.1001"], start_date=DEC_5)
    # Ends on the WIB today: no longer current, though a UTC server would still count it.
    ending = AssignmentFactory(promoter=siti, area=tree["18.71.01.1002"], start_date=date(2026, 11, 1), end_date=DEC_5)
    db.session.commit()
    return siti, starting, ending


def test_promoter_page_marks_assignments_by_the_wib_date(after_wib_midnight, coordinator_client, promoter_with_history):
    siti, starting, ending = promoter_with_history
    html = coordinator_client.get(f"/promoters/{siti.id}").get_data(as_text=True)
    rows = {code: row for row in html.split("<tr")[1:] for code in ("18.71.01.1001", "18.71.01.1002") if code in row}
    assert 'class="inactive"' not in rows["18.71.01.1001"]
    assert 'class="inactive"' in rows["18.71.01.1002"]
    assert siti.current_assignments() == [starting]


def test_ending_an_assignment_today_uses_the_wib_date(
    after_wib_midnight, coordinator_client, db, promoter_with_history
):
    siti, starting, _ending = promoter_with_history
    token = csrf_token(coordinator_client.get(f"/promoters/{siti.id}").get_data(as_text=True))
    response = coordinator_client.post(f"/promoters/assignments/{starting.id}/end", data={"csrf_token": token})
    assert response.status_code == 302
    assert db.session.get(Assignment, starting.id).end_date == DEC_5


def test_promoter_export_is_named_for_the_wib_date(after_wib_midnight, coordinator_client, promoter_with_history):
    response = coordinator_client.get("/promoters/export.csv")
    assert response.status_code == 200
    assert "promotor-20261205.csv" in response.headers["Content-Disposition"]


def test_drive_calendar_marks_the_wib_today(after_wib_midnight, coordinator_client):
    html = coordinator_client.get("/drives/calendar").get_data(as_text=True)
    today_cells = [cell for cell in html.split('role="cell"')[1:] if "today-tag" in cell]
    assert len(today_cells) == 1
    assert '<span class="day-number">5</span>' in today_cells[0]


def test_dashboard_range_ends_yesterday_in_wib(after_wib_midnight, leadership_client, db):
    db.session.add(SurveyRound(name="SPI 2026", year=2026, starts_on=date(2026, 9, 1), deadline=date(2026, 12, 11)))
    db.session.commit()
    leadership_client.post("/lang", data={"lang": "en"})
    html = leadership_client.get("/participation/").get_data(as_text=True).replace("\xa0", " ")
    # Yesterday is 4 December in Bandar Lampung (3 December on a UTC server); 7 days are left to the 11th.
    assert "Range Nov 7, 2026 – Dec 4, 2026." in html
    assert "for each of the 7 days left until the deadline" in html
