"""Typed-code entry at /kode: folding of case, spaces and look-alikes, the scan path, and clear messages."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from outreach.extensions import limiter
from outreach.links.codes import read_typed_code
from outreach.links.models import Scan, ScanDaily
from outreach.metrics.scans import refresh_scan_rollups, totals_for
from tests.conftest import csrf_token
from tests.factories import LinkFactory, SurveyTargetFactory

PHONE = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Mobile Safari/537.36"
)
TARGET = "https://spi.kpk.go.id/survei/eksternal"


@pytest.fixture
def link(db):
    link = LinkFactory(code="ABC234", target=SurveyTargetFactory(url=TARGET))
    db.session.commit()
    return link


def typed(client, code: str):
    return client.post("/kode", data={"code": code}, headers={"User-Agent": PHONE})


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("abc234", "ABC234"),
        (" ab c-23 4 ", "ABC234"),
        ("ab.c2/34", "ABC234"),
        ("ＡＢＣ２３４", "ABC234"),  # full-width phone keyboard
        ("АВС234", "ABC234"),  # Cyrillic А, В, С
        ("ΑΒC234", "ABC234"),  # Greek Α, Β
    ],
)
def test_typed_code_folds_case_spaces_and_look_alike_letters(raw, expected):
    assert read_typed_code(raw).code == expected


@pytest.mark.parametrize(
    ("raw", "problem", "chars"),
    [
        ("", "empty", ""),
        ("AB0D1O", "excluded", "01O"),
        ("abilxyz", "excluded", "IL"),
        ("AB$234", "invalid", "$"),
        ("AB23", "length", "AB23"),
    ],
)
def test_typed_code_names_what_cannot_be_in_a_code(raw, problem, chars):
    result = read_typed_code(raw)
    assert (result.code, result.problem, result.chars) == (None, problem, chars)


def test_typed_code_goes_to_the_survey_and_counts_as_typed(client, db, link):
    response = typed(client, "abc 234")
    assert response.status_code == 303
    assert response.headers["Location"] == TARGET
    assert "no-store" in response.headers["Cache-Control"]
    [scan] = db.session.scalars(select(Scan))
    assert (scan.link_id, scan.source, scan.device_class, scan.is_bot) == (link.id, "typed", "mobile", False)


def test_typed_code_page_needs_the_csrf_token(csrf_client, db, link):
    assert csrf_client.post("/kode", data={"code": "ABC234"}).status_code == 400
    token = csrf_token(csrf_client.get("/kode").get_data(as_text=True))
    response = csrf_client.post("/kode", data={"code": "ABC234", "csrf_token": token}, headers={"User-Agent": PHONE})
    assert response.status_code == 303
    assert db.session.scalar(select(Scan.source)) == "typed"


def test_unknown_code_gets_a_friendly_message_on_the_same_page_and_no_scan(client, db, link):
    response = typed(client, "xyz789")
    body = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Kode XYZ789 tidak kami temukan" in body
    assert 'action="/kode"' in body  # the form is there to try again
    assert db.session.scalars(select(Scan)).all() == []


def test_look_alike_digits_are_explained_not_guessed(client, db, link):
    response = typed(client, "AB0 234")
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "tidak pernah memuat angka 0 dan 1 atau huruf O, I dan L" in body
    assert "Anda mengetik 0" in body
    assert db.session.scalars(select(Scan)).all() == []


def test_code_of_the_wrong_length_says_how_long_a_code_is(client, link):
    body = typed(client, "AB2").get_data(as_text=True)
    assert "Kode terdiri atas 6 sampai 8 huruf dan angka; Anda mengetik 3." in body


def test_very_long_input_gets_the_length_message(client, link):
    response = typed(client, "A" * 50)
    assert response.status_code == 422
    assert "Kode terdiri atas 6 sampai 8 huruf dan angka; Anda mengetik 50." in response.get_data(as_text=True)


def test_deactivated_code_says_it_is_no_longer_in_use_and_counts_nothing(client, db, link):
    link.active = False
    db.session.commit()
    response = typed(client, "abc234")
    assert response.status_code == 410
    assert "Kode ABC234 sudah tidak dipakai lagi" in response.get_data(as_text=True)
    assert db.session.scalars(select(Scan)).all() == []


def test_typed_entries_are_rate_limited(client, app, link):
    app.config["RATELIMIT_CODE"] = "3 per minute"
    limiter.reset()
    try:
        statuses = [typed(client, "XYZ789").status_code for _ in range(4)]
    finally:
        app.config["RATELIMIT_CODE"] = "120 per minute"
        limiter.reset()
    assert statuses == [404, 404, 404, 429]


def test_qr_typed_and_direct_are_split_in_rollups_and_totals(client, db, link):
    client.get("/s/ABC234?q=1", headers={"User-Agent": PHONE})
    client.get("/s/ABC234?q=1", headers={"User-Agent": PHONE})
    client.get("/s/ABC234", headers={"User-Agent": PHONE})
    typed(client, "abc234")
    typed(client, "ABC 234")
    typed(client, "a-b-c-2-3-4")
    live = totals_for([link.id])
    assert (live.qr_scans, live.direct_scans, live.typed_scans, live.human_scans) == (2, 1, 3, 6)
    refresh_scan_rollups(now=datetime(2100, 1, 1, tzinfo=UTC))
    db.session.commit()
    [row] = db.session.scalars(select(ScanDaily))
    assert (row.qr_scans, row.direct_scans, row.typed_scans, row.scans) == (2, 1, 3, 6)
    assert totals_for([link.id]) == live


def test_staff_link_page_shows_qr_typed_and_direct(client, coordinator_client, db, link):
    client.get("/s/ABC234?q=1", headers={"User-Agent": PHONE})
    typed(client, "abc234")
    typed(client, "abc234")
    body = coordinator_client.get(f"/links/{link.id}").get_data(as_text=True)
    assert "lewat kode yang diketik" in body and "lewat tautan langsung" in body
    assert '<p class="big">2</p><small>di antaranya lewat kode yang diketik' in body


def test_public_pages_say_who_runs_the_survey_and_that_it_is_voluntary(client, db):
    for path in ("/", "/kode", "/papan"):
        body = client.get(path).get_data(as_text=True)
        assert "diselenggarakan oleh KPK" in body, path
        assert "sukarela" in body and "dirahasiakan" in body, path
        assert "Jawaban yang jujur membantu memperbaiki layanan publik" in body, path
