"""iCalendar feeds: they parse back with the library, carry UTC times and no personal data, and the secret works."""

import re
from datetime import UTC, datetime

from icalendar import Calendar
from sqlalchemy import func, select

from outreach.drives.feeds import build_calendar, feed_of, issue_feed_token, revoke_feed, user_for_token
from outreach.drives.models import CalendarFeed
from tests import factories
from tests.conftest import csrf_token, login
from tests.drives.helpers import make_drive

NOW = datetime(2026, 9, 1, tzinfo=UTC)


def test_calendar_parses_back_with_utc_times_for_a_drive_crossing_midnight(app, tree, db):
    night = make_drive(
        "2026-09-30 20:00",
        "2026-10-01 01:00",
        [tree["surabaya"]],
        title="Ronda malam",
        place_name="Pos kamling RW 002",
        latitude=-5.3801,
        longitude=105.2503,
    )
    deadline = make_drive(
        "2026-10-31 06:00", "2026-10-31 09:00", [tree["pelita"]], title="Hari terakhir SPI", status="cancelled"
    )
    with app.test_request_context():
        body = build_calendar([night, deadline], "Drive", lambda d: f"https://x.test/drives/{d.id}", "x.test", NOW)
    assert b"DTSTART:20260930T130000Z" in body and b"DTEND:20260930T180000Z" in body
    assert b"X-PUBLISHED-TTL:PT1H" in body and b"REFRESH-INTERVAL;VALUE=DURATION:PT1H" in body
    events = {str(e["uid"]): e for e in Calendar.from_ical(body).walk("VEVENT")}
    first = events[f"drive-{night.id}@x.test"]
    assert first.decoded("dtstart") == datetime(2026, 9, 30, 13, tzinfo=UTC)
    assert first.decoded("dtend") == datetime(2026, 9, 30, 18, tzinfo=UTC)
    assert str(first["location"]) == "Pos kamling RW 002"
    assert first["geo"].latitude == -5.3801 and first["geo"].longitude == 105.2503
    assert str(first["status"]) == "CONFIRMED" and str(first["url"]) == f"https://x.test/drives/{night.id}"
    last = events[f"drive-{deadline.id}@x.test"]
    assert last.decoded("dtstart") == datetime(2026, 10, 30, 23, tzinfo=UTC)  # 06:00 WIB on the 31st
    assert str(last["status"]) == "CANCELLED"


def test_feed_carries_no_promoter_names_phones_or_notes(app, tree, db):
    promoter = factories.PromoterFactory(name="Siti Rahmawati")
    drive = make_drive(
        "2026-10-05 08:00",
        "2026-10-05 10:00",
        [tree["surabaya"]],
        promoters=[promoter],
        notes="Hubungi Bu Siti di 0812-3456-7890",
    )
    with app.test_request_context():
        body = build_calendar([drive], "Drive", lambda d: "https://x.test/", "x.test", NOW).decode()
    unfolded = re.sub(r"\r\n[ \t]", "", body)
    assert "Siti" not in unfolded and promoter.phone not in unfolded and "0812" not in unfolded
    description = str(Calendar.from_ical(body).walk("VEVENT")[0]["description"])
    assert any(line.endswith(": 1") for line in description.splitlines())  # how many take part, not who


def test_only_a_hash_of_the_token_is_stored_and_a_reset_revokes_the_old_one(db):
    user = factories.UserFactory()
    first = issue_feed_token(user)
    stored = feed_of(user).token_hash
    assert first not in stored and len(first) >= 40
    assert user_for_token(first) == user and feed_of(user).last_used_at is not None
    second = issue_feed_token(user)
    assert user_for_token(first) is None and user_for_token(second) == user
    assert db.session.scalar(select(func.count()).select_from(CalendarFeed)) == 1
    assert revoke_feed(user) and user_for_token(second) is None and not revoke_feed(user)


def test_feed_of_a_deactivated_login_stops(db):
    user = factories.UserFactory()
    token = issue_feed_token(user)
    user.active = False
    assert user_for_token(token) is None


def _token_from(html: str) -> str:
    match = re.search(r"/drives/feed/([A-Za-z0-9_-]+)\.ics", html)
    assert match, "no feed address on the page"
    return match.group(1)


def test_promoter_subscribes_and_the_feed_lists_only_their_drives(promoter_client, tree, db):
    own = make_drive(
        "2099-10-05 08:00",
        "2099-10-05 10:00",
        [tree["surabaya"]],
        promoters=[promoter_client.user.promoter],
        title="Punya saya",
    )
    make_drive("2099-10-05 08:00", "2099-10-05 10:00", [tree["pelita"]], title="Bukan punya saya")
    db.session.commit()
    response = promoter_client.post("/drives/feed")
    assert response.status_code == 302
    page = promoter_client.get("/drives/feed").get_data(as_text=True)
    token = _token_from(page)
    assert "webcal://" in page
    # Shown once: the next visit no longer has it.
    assert "/drives/feed/" + token not in promoter_client.get("/drives/feed").get_data(as_text=True)

    promoter_client.post("/auth/logout")
    anonymous = promoter_client.get(f"/drives/feed/{token}.ics")
    assert anonymous.status_code == 200
    assert anonymous.mimetype == "text/calendar"
    assert "no-referrer" in anonymous.headers["Referrer-Policy"]
    uids = [str(e["uid"]) for e in Calendar.from_ical(anonymous.data).walk("VEVENT")]
    assert uids == [f"drive-{own.id}@spi.example.test"]
    assert b"Bukan punya saya" not in anonymous.data


def test_staff_feed_lists_the_whole_campaign(client, tree, db):
    user = factories.UserFactory(role="leadership")
    make_drive("2099-10-05 08:00", "2099-10-05 10:00", [tree["surabaya"]], title="Satu")
    make_drive("2099-10-06 08:00", "2099-10-06 10:00", [tree["pelita"]], title="Dua")
    token = issue_feed_token(user)
    db.session.commit()
    body = client.get(f"/drives/feed/{token}.ics").data
    assert len(Calendar.from_ical(body).walk("VEVENT")) == 2


def test_unknown_and_revoked_feed_addresses_are_not_found(client, db):
    user = factories.UserFactory()
    token = issue_feed_token(user)
    db.session.commit()
    assert client.get("/drives/feed/not-a-real-token.ics").status_code == 404
    login(client, user)
    assert client.post("/drives/feed/revoke").status_code == 302
    assert client.get(f"/drives/feed/{token}.ics").status_code == 404


def test_feed_page_needs_a_login(client):
    response = client.get("/drives/feed")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert client.post("/drives/feed").status_code == 302


def test_turning_the_feed_on_needs_a_csrf_token(csrf_client, db):
    user = factories.UserFactory()
    db.session.commit()
    page = csrf_client.get("/auth/login").get_data(as_text=True)
    csrf_client.post(
        "/auth/login",
        data={"email": user.email, "password": factories.DEFAULT_PASSWORD, "csrf_token": csrf_token(page)},
    )
    assert csrf_client.post("/drives/feed").status_code == 400
    assert feed_of(user) is None
