"""Drive pages through the HTTP client: permissions, planning with warnings, list, calendar."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from outreach.audit.models import AuditEvent
from outreach.drives.models import Drive
from outreach.extensions import db
from tests import factories
from tests.conftest import csrf_token
from tests.drives.helpers import make_drive


def _count(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Drive))


def _crew(tree) -> str:
    """The id of a promoter for the plan, so a plain save is not held up by the no-promoter warning."""
    if "crew" not in tree:
        tree["crew"] = factories.PromoterFactory(name="Tim Sosialisasi")
        db.session.commit()
    return str(tree["crew"].id)


def _form(tree, **overrides) -> dict:
    data = {
        "promoters": [_crew(tree)],
        "kind": "door_to_door",
        "title": "Door-to-door RT Surabaya",
        "starts_at": "2026-10-05T15:30",
        "ends_at": "2026-10-05T18:00",
        "areas": [str(tree["surabaya"].id)],
        "audience": "eksternal",
        "place_name": "Balai RW 003",
        "status": "planned",
        "cost": "",
        "attendance": "",
        "notes": "",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "url", ["/drives/", "/drives/calendar", "/drives/new", "/drives/1", "/drives/1/edit", "/drives/feed"]
)
def test_anonymous_visitors_are_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("fixture", ["leadership_client", "promoter_client"])
def test_leadership_and_promoters_cannot_plan_or_edit(request, fixture, tree, db):
    client = request.getfixturevalue(fixture)
    drive = make_drive("2026-10-05 08:00", "2026-10-05 10:00", [tree["surabaya"]])
    db.session.commit()
    assert client.get("/drives/new").status_code == 403
    assert client.post("/drives/new", data=_form(tree)).status_code == 403
    assert client.get(f"/drives/{drive.id}/edit").status_code == 403
    assert client.post(f"/drives/{drive.id}/edit", data=_form(tree, title="Changed")).status_code == 403
    assert _count(db) == 1 and db.session.get(Drive, drive.id).title != "Changed"


def test_leadership_reads_every_drive_with_names_but_no_phones(leadership_client, tree, db):
    promoter = factories.PromoterFactory(name="Budi Santoso")
    drive = make_drive("2026-10-05 08:00", "2026-10-05 10:00", [tree["surabaya"]], promoters=[promoter], cost=1_500_000)
    db.session.commit()
    assert drive.title in leadership_client.get("/drives/?when=all").get_data(as_text=True)
    page = leadership_client.get(f"/drives/{drive.id}").get_data(as_text=True)
    assert "Budi Santoso" in page and "Rp 1.500.000" in page
    assert "0813" not in page and promoter.phone not in page


def test_coordinator_sees_participants_phones(coordinator_client, tree, db):
    promoter = factories.PromoterFactory()
    drive = make_drive("2026-10-05 08:00", "2026-10-05 10:00", [tree["surabaya"]], promoters=[promoter])
    db.session.commit()
    page = coordinator_client.get(f"/drives/{drive.id}").get_data(as_text=True)
    assert f"tel:{promoter.phone}" in page


def test_promoter_sees_own_drives_only_and_no_other_names(promoter_client, tree, db):
    me = promoter_client.user.promoter
    colleague = factories.PromoterFactory(name="Rekan Lain")
    own = make_drive(
        "2026-10-05 08:00",
        "2026-10-05 10:00",
        [tree["surabaya"]],
        promoters=[me, colleague],
        title="Ronde saya",
        cost=900_000,
        notes="catatan internal",
    )
    other = make_drive(
        "2026-10-05 08:00", "2026-10-05 10:00", [tree["pelita"]], promoters=[colleague], title="Ronde orang lain"
    )
    db.session.commit()
    listing = promoter_client.get("/drives/?when=all").get_data(as_text=True)
    assert "Ronde saya" in listing and "Ronde orang lain" not in listing
    calendar = promoter_client.get("/drives/calendar?year=2026&month=10").get_data(as_text=True)
    assert "Ronde saya" in calendar and "Ronde orang lain" not in calendar
    page = promoter_client.get(f"/drives/{own.id}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Rekan Lain" not in text and colleague.phone not in text
    assert "900.000" not in text and "catatan internal" not in text
    assert promoter_client.get(f"/drives/{other.id}").status_code == 403


def test_missing_drive_is_not_found(coordinator_client):
    assert coordinator_client.get("/drives/999").status_code == 404
    assert coordinator_client.get("/drives/999/edit").status_code == 404


def test_coordinator_plans_a_drive_with_wib_times(coordinator_client, tree, db):
    promoter = factories.AssignmentFactory(area=tree["surabaya"]).promoter
    db.session.commit()
    form_page = coordinator_client.get("/drives/new")
    # The form no longer lists every promoter: they are searched (tests/pickers).
    assert form_page.status_code == 200 and promoter.name not in form_page.get_data(as_text=True)
    response = coordinator_client.post(
        "/drives/new",
        data=_form(tree, promoters=[str(promoter.id)], cost="Rp 1.250.000", latitude="-5.38", longitude="105.25"),
    )
    assert response.status_code == 302
    drive = db.session.scalars(select(Drive)).one()
    assert response.headers["Location"].endswith(f"/drives/{drive.id}")
    assert drive.starts_at == datetime(2026, 10, 5, 8, 30, tzinfo=UTC)
    assert drive.ends_at == datetime(2026, 10, 5, 11, 0, tzinfo=UTC)
    assert drive.cost == 1_250_000 and drive.promoters == [promoter] and drive.areas == [tree["surabaya"]]
    assert drive.created_by.id == coordinator_client.user.id
    assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.object_id == drive.id)) == "drive.create"
    page = coordinator_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "15.30" in page or "15:30" in page


def test_add_area_promoters_books_everyone_assigned_there(coordinator_client, tree, db):
    inside = [factories.AssignmentFactory(area=tree["surabaya"]).promoter for _ in range(3)]
    factories.AssignmentFactory(area=tree["pelita"])
    db.session.commit()
    response = coordinator_client.post("/drives/new", data=_form(tree, promoters=[], add_area_promoters="y"))
    assert response.status_code == 302
    assert {p.id for p in db.session.scalars(select(Drive)).one().promoters} == {p.id for p in inside}


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"ends_at": "2026-10-05T15:00"}, "The end must be after the start."),
        ({"areas": []}, "Choose at least one target area or OPD."),
        ({"attendance": "40"}, "Attendance is entered once the drive is done"),
        ({"cost": "sejuta"}, "Enter the cost in whole Rupiah"),
        ({"latitude": "-5.4"}, "Give both latitude and longitude"),
        ({"latitude": "95", "longitude": "105"}, "Latitude"),
        ({"starts_at": "besok pagi"}, "Starts (WIB)"),
        ({"title": ""}, "Title"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_the_field(coordinator_client, tree, db, overrides, message):
    with coordinator_client.session_transaction() as sess:
        sess["lang"] = "en"
    response = coordinator_client.post("/drives/new", data=_form(tree, **overrides))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert 'aria-invalid="true"' in response.get_data(as_text=True)
    assert _count(db) == 0


def test_double_booking_warns_and_saves_only_after_confirming(coordinator_client, tree, db):
    with coordinator_client.session_transaction() as sess:
        sess["lang"] = "en"
    promoter = factories.PromoterFactory(name="Dewi Lestari")
    make_drive("2026-10-05 16:00", "2026-10-05 19:00", [tree["kedaton"]], promoters=[promoter], title="Siaran Kedaton")
    db.session.commit()
    form = _form(tree, promoters=[str(promoter.id)])
    first = coordinator_client.post("/drives/new", data=form)
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and _count(db) == 1
    assert "Dewi Lestari is already booked on “Siaran Kedaton”" in html
    assert "Kecamatan Kedaton already has “Siaran Kedaton”" in html
    signature = html.split('name="acknowledged" type="hidden" value="', 1)[1].split('"', 1)[0]
    # Pressing the normal save button again does not slip past the warning.
    assert coordinator_client.post("/drives/new", data=dict(form, acknowledged=signature)).status_code == 200
    # Confirming warnings for another plan does not count either.
    stale = dict(form, acknowledged="promoter:1:1", confirm="Save anyway")
    assert coordinator_client.post("/drives/new", data=stale).status_code == 200 and _count(db) == 1
    saved = coordinator_client.post(
        "/drives/new", data=dict(form, acknowledged=signature.replace("&#34;", '"'), confirm="Save anyway")
    )
    assert saved.status_code == 302 and _count(db) == 2


def test_a_drive_starting_after_the_spi_deadline_is_refused(app, coordinator_client, tree, db, monkeypatch):
    from datetime import date

    monkeypatch.setitem(app.config, "SPI_DEADLINE", date(2026, 10, 31))
    with coordinator_client.session_transaction() as sess:
        sess["lang"] = "en"
    on_time = coordinator_client.post(
        "/drives/new",
        data=_form(tree, title="Malam terakhir", starts_at="2026-10-31T19:00", ends_at="2026-10-31T23:30"),
    )
    assert on_time.status_code == 302
    late_form = _form(tree, areas=[str(tree["pelita"].id)], starts_at="2026-11-01T08:00", ends_at="2026-11-01T10:00")
    late = coordinator_client.post("/drives/new", data=late_form)
    html = late.get_data(as_text=True)
    assert late.status_code == 400 and _count(db) == 1
    assert "The SPI survey closes on 31 Oct 2026" in html and "cannot raise participation" in html
    # No confirmation gets it through.
    assert coordinator_client.post("/drives/new", data=dict(late_form, confirm="Save anyway")).status_code == 400
    assert _count(db) == 1
    # A drive that starts on the last evening and runs past midnight is warned about, not refused.
    spans = coordinator_client.post(
        "/drives/new",
        data=_form(tree, areas=[str(tree["pelita"].id)], starts_at="2026-10-31T22:00", ends_at="2026-11-01T01:00"),
    )
    assert spans.status_code == 200 and "ends after the SPI deadline (2026-10-31 WIB)" in spans.get_data(as_text=True)
    calendar = coordinator_client.get("/drives/calendar?year=2026&month=10").get_data(as_text=True)
    assert "SPI deadline" in calendar and "Malam terakhir" in calendar


def test_the_survey_rounds_deadline_refuses_a_later_drive(app, coordinator_client, tree, db):
    from datetime import date

    from outreach.participation.models import SurveyRound

    db.session.add(SurveyRound(name="SPI 2026", year=2026, starts_on=date(2026, 9, 1), deadline=date(2026, 10, 15)))
    db.session.commit()
    late = coordinator_client.post(
        "/drives/new", data=_form(tree, starts_at="2026-10-20T08:00", ends_at="2026-10-20T10:00")
    )
    assert late.status_code == 400 and "15 Okt 2026" in late.get_data(as_text=True) and _count(db) == 0


def test_a_drive_without_promoters_is_saved_only_once_confirmed(coordinator_client, tree, db):
    with coordinator_client.session_transaction() as sess:
        sess["lang"] = "en"
    form = _form(tree, promoters=[])
    first = coordinator_client.post("/drives/new", data=form)
    html = first.get_data(as_text=True)
    assert first.status_code == 200 and _count(db) == 0
    assert "No promoter takes part yet" in html
    signature = html.split('name="acknowledged" type="hidden" value="', 1)[1].split('"', 1)[0]
    saved = coordinator_client.post("/drives/new", data=dict(form, acknowledged=signature, confirm="Save anyway"))
    assert saved.status_code == 302 and _count(db) == 1


def test_a_second_drive_in_the_same_unit_on_the_same_day_is_a_warning(coordinator_client, tree, db):
    with coordinator_client.session_transaction() as sess:
        sess["lang"] = "en"
    make_drive("2026-10-05 08:00", "2026-10-05 10:00", [tree["surabaya"]], title="Pagi Surabaya")
    db.session.commit()
    evening = coordinator_client.post("/drives/new", data=_form(tree))  # 15:30–18:00, hours apart
    assert evening.status_code == 200 and _count(db) == 1
    assert "Kelurahan Surabaya already has “Pagi Surabaya” on the same day" in evening.get_data(as_text=True)
    next_day = coordinator_client.post(
        "/drives/new", data=_form(tree, starts_at="2026-10-06T15:30", ends_at="2026-10-06T18:00")
    )
    assert next_day.status_code == 302 and _count(db) == 2


def test_the_place_is_a_name_and_a_note_with_coordinates_optional(coordinator_client, tree, db):
    response = coordinator_client.post(
        "/drives/new", data=_form(tree, place_name="Balai Kelurahan", place_note="Sebelah Masjid Al-Ikhlas")
    )
    assert response.status_code == 302
    drive = db.session.scalar(select(Drive))
    assert (drive.place_name, drive.place_note, drive.latitude) == ("Balai Kelurahan", "Sebelah Masjid Al-Ikhlas", None)
    page = coordinator_client.get(f"/drives/{drive.id}").get_data(as_text=True)
    assert "Sebelah Masjid Al-Ikhlas" in page
    form_page = coordinator_client.get(f"/drives/{drive.id}/edit").get_data(as_text=True)
    assert '<details class="coordinates">' in form_page  # closed: coordinates are for those who have them


def test_editing_marks_a_drive_done_with_attendance(coordinator_client, tree, db):
    drive = make_drive("2026-10-05 15:30", "2026-10-05 18:00", [tree["surabaya"]], title="Door-to-door RT Surabaya")
    db.session.commit()
    edit_page = coordinator_client.get(f"/drives/{drive.id}/edit").get_data(as_text=True)
    assert 'value="2026-10-05T15:30"' in edit_page  # shown back in WIB
    response = coordinator_client.post(f"/drives/{drive.id}/edit", data=_form(tree, status="done", attendance="48"))
    assert response.status_code == 302
    drive = db.session.get(Drive, drive.id)
    assert (drive.status, drive.attendance, drive.sequence) == ("done", 48, 1)


def test_list_filters_by_kecamatan_kind_and_status(leadership_client, tree, db):
    make_drive("2099-10-05 08:00", "2099-10-05 10:00", [tree["surabaya"]], title="Kedaton round")
    make_drive("2099-10-06 08:00", "2099-10-06 10:00", [tree["pelita"]], title="Enggal round")
    make_drive("2099-10-07 08:00", "2099-10-07 10:00", [tree["pelita"]], title="Enggal bus", kind="roadshow_bus")
    make_drive("2099-10-08 08:00", "2099-10-08 10:00", [tree["pelita"]], title="Enggal batal", status="cancelled")
    db.session.commit()

    def titles(query):
        html = leadership_client.get("/drives/?" + query).get_data(as_text=True)
        return {t for t in ("Kedaton round", "Enggal round", "Enggal bus", "Enggal batal") if t in html}

    assert titles("") == {"Kedaton round", "Enggal round", "Enggal bus", "Enggal batal"}
    assert titles(f"kecamatan={tree['kedaton'].id}") == {"Kedaton round"}
    assert titles("kind=roadshow_bus") == {"Enggal bus"}
    assert titles(f"kecamatan={tree['enggal'].id}&status=cancelled") == {"Enggal batal"}
    assert titles("when=past") == set()
    assert titles("kecamatan=abc&kind=nonsense") == titles("")  # bad filters are ignored, not a 500


def test_calendar_shows_a_drive_crossing_midnight_on_both_days(leadership_client, tree, db):
    with leadership_client.session_transaction() as sess:
        sess["lang"] = "en"
    make_drive("2026-09-30 20:00", "2026-10-01 01:00", [tree["surabaya"]], title="Ronda malam")
    db.session.commit()
    october = leadership_client.get("/drives/calendar?year=2026&month=10").get_data(as_text=True)
    september = leadership_client.get("/drives/calendar?year=2026&month=9").get_data(as_text=True)
    assert "Ronda malam" in october and "until 1:00" in october.replace("01:00", "1:00")
    assert "Ronda malam" in september


@pytest.mark.parametrize("query", ["year=2026&month=13", "year=abc&month=1", "year=1900&month=1"])
def test_calendar_refuses_impossible_months(leadership_client, query):
    assert leadership_client.get("/drives/calendar?" + query).status_code == 404


def test_planning_form_needs_a_csrf_token(csrf_client, tree, db):
    user = factories.UserFactory(role="coordinator")
    db.session.commit()
    page = csrf_client.get("/auth/login").get_data(as_text=True)
    csrf_client.post(
        "/auth/login",
        data={"email": user.email, "password": factories.DEFAULT_PASSWORD, "csrf_token": csrf_token(page)},
    )
    response = csrf_client.post("/drives/new", data=_form(tree))
    assert response.status_code == 400 and _count(db) == 0
