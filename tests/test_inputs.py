"""Request input checked once (outreach.inputs): control characters, bidi overrides, line breaks, numbers
past 32 bits, dates off the calendar and path ids, on every UI page; the API keeps its own 422s."""

from datetime import date

import pytest
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import TextAreaField

from outreach.api.models import ApiToken
from outreach.areas.models import Opd
from outreach.inputs import MULTILINE_FIELDS, text_problem
from outreach.participation.models import SurveyRound
from tests.factories import AreaFactory, DriveFactory, PromoterFactory, UserFactory


def _count(db, model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


@pytest.mark.parametrize("path", ["/papan/%00", "/papan/18.71%00", "/papan/%E2%80%AEevil", "/kode?code=%00"])
def test_anonymous_pages_refuse_control_characters_with_400(client, db, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "tidak diizinkan" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/promoters/", {"q": "\x00"}),
        ("/areas/", {"q": "Kedaton\x00"}),
        ("/areas/opds", {"q": "\x1b[31m"}),
        ("/links/", {"q": "a\u202eb"}),
        ("/audit/", {"action": "user.\x00"}),
        ("/promoters/", {"q": "x\r\ny"}),
    ],
)
def test_staff_searches_with_control_characters_are_refused_naming_the_field(admin_client, path, query):
    response = admin_client.get(path, query_string=query)
    assert response.status_code == 400
    [name] = query
    assert f"“{name}”" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "name", ["Dinas\x00Kesehatan", "Dinas \u202eKesehatan", "Dinas\u2066Kesehatan\u2069", "Dinas\rKesehatan", "A\tB"]
)
def test_a_name_with_control_or_bidi_characters_is_refused_and_nothing_written(admin_client, db, name):
    response = admin_client.post("/areas/opds/new", data={"code": "dinkes", "name": name, "kind": "dinas"})
    assert response.status_code == 400
    assert "“name”" in response.get_data(as_text=True)
    assert _count(db, Opd) == 0


def test_a_clean_name_is_still_accepted(admin_client, db):
    response = admin_client.post("/areas/opds/new", data={"code": "dinkes", "name": "Dinas Kesehatan", "kind": "dinas"})
    assert response.status_code == 302
    assert _count(db, Opd) == 1


def test_a_token_name_with_nul_is_refused(admin_client, db):
    response = admin_client.post("/account/tokens/", data={"name": "laptop\x00"})
    assert response.status_code == 400
    assert _count(db, ApiToken) == 0


def test_a_link_label_with_a_line_break_is_refused(admin_client, db):
    response = admin_client.post("/links/new", data={"label": "Pasar\nTugu", "channel": "flyer"})
    assert response.status_code == 400
    assert "satu baris" in response.get_data(as_text=True)


def test_drive_notes_may_hold_tabs_and_line_breaks_but_not_nul(app):
    with app.test_request_context():
        assert text_problem("notes", "Bawa spanduk\r\n\t- 2 meja", multiline=True) is None
        assert text_problem("notes", "Bawa\x00", multiline=True) is not None
        assert text_problem("notes", "Bawa \u202e", multiline=True) is not None
        assert text_problem("title", "Bawa\r\nspanduk") is not None


def test_every_multi_line_form_field_is_known_to_the_check():
    def subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from subclasses(sub)

    import outreach  # noqa: F401  (the forms are imported by create_app in the app fixture)

    textareas = {
        name
        for form in subclasses(FlaskForm)
        for name, field in vars(form).items()
        if getattr(field, "field_class", None) is TextAreaField
    }
    assert textareas and textareas <= MULTILINE_FIELDS


def test_the_api_keeps_its_own_answer_to_nul(app, client):
    response = client.get("/api/v1/areas", query_string={"q": "\x00"})
    assert response.status_code != 400 or response.mimetype == "application/problem+json"
    assert response.status_code < 500


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/audit/", {"page": "2147483648"}),
        ("/audit/", {"user": "2147483648", "object_id": "-2147483649"}),
        ("/promoters/", {"kecamatan": "2147483648", "opd": "9223372036854775808", "page": "99999999999999999999"}),
        ("/areas/coverage", {"kecamatan": "2147483648"}),
        ("/links/", {"target": "2147483648", "drive": "9223372036854775808"}),
        ("/drives/", {"kecamatan": "2147483648", "page": "9223372036854775808"}),
        ("/participation/uplift", {"drive": "9223372036854775808", "start": "2026-10-01", "end": "2026-10-07"}),
    ],
)
def test_numbers_past_32_bits_in_staff_queries_are_treated_as_invalid(admin_client, path, query):
    # The uplift form answers 400 for a query without units, as it does for any incomplete one.
    assert admin_client.get(path, query_string=query).status_code in ((400,) if "uplift" in path else (200,))


@pytest.mark.parametrize("query", [{"year": "2147483648"}, {"year": "-2147483649"}, {"month": "99999999999999999999"}])
def test_calendar_of_an_impossible_month_is_404(admin_client, query):
    assert admin_client.get("/drives/calendar", query_string=query).status_code == 404


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/audit/", {"since": "0001-01-01"}),
        ("/audit/", {"until": "9999-12-31"}),
        ("/participation/", {"start": "0001-01-01", "end": "9999-12-31"}),
        ("/participation/uplift", {"start": "9999-12-01", "end": "9999-12-31"}),
    ],
)
def test_dates_off_the_calendar_are_refused_with_400(admin_client, db, path, query):
    db.session.add(SurveyRound(name="SPI 2026", year=2026, starts_on=date(2026, 9, 1), deadline=date(2026, 12, 11)))
    db.session.commit()
    response = admin_client.get(path, query_string=query)
    assert response.status_code == 400
    assert "1900-01-01" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "path",
    [
        "/areas/2147483648",
        "/areas/9223372036854775808/edit",
        "/drives/2147483648",
        "/links/2147483648",
        "/promoters/2147483648",
        "/participation/drives/2147483648",
        "/api/v1/areas/2147483648",
    ],
)
def test_path_ids_past_32_bits_are_404(admin_client, path):
    assert admin_client.get(path).status_code == 404


def test_path_ids_in_range_still_resolve(admin_client, db):
    area, promoter, drive = AreaFactory(), PromoterFactory(), DriveFactory()
    UserFactory()
    db.session.commit()
    for path in (f"/areas/{area.id}", f"/promoters/{promoter.id}", f"/drives/{drive.id}"):
        assert admin_client.get(path).status_code == 200, path


def test_only_whole_dates_are_checked_against_the_calendar(app):
    with app.test_request_context():
        assert text_problem("phone", "0812-12-345678") is None
        assert text_problem("title", "0001-01-01 kickoff") is None
        assert text_problem("starts_at", "9999-12-31T23:59") is not None
        assert text_problem("start", "2026-10-01") is None
