"""One-time sign-in links that coordinators send promoters through WhatsApp, and phone sign-in."""

import re
from datetime import timedelta
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import select

from outreach.audit.models import AuditEvent
from outreach.auth.models import SignInLink, User
from outreach.auth.services import create_sign_in_link, use_sign_in_link
from outreach.campaign import PROMOTER
from outreach.models import utcnow
from tests.conftest import PASSWORD
from tests.factories import PromoterFactory, UserFactory

HOME = "/"


def _send(coordinator_client, promoter) -> tuple[str, str]:
    """Press "send a sign-in link" on the promoter's page: (the wa.me address, the sign-in path)."""
    response = coordinator_client.post(f"/promoters/{promoter.id}/sign-in-link")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    html = response.get_data(as_text=True)
    wa_url = re.search(r'href="(https://wa\.me/[^"]+)"', html).group(1).replace("&amp;", "&")
    text = parse_qs(urlsplit(wa_url).query)["text"][0]
    url = re.search(r"https://spi\.example\.test(/auth/masuk/[\w-]+)", text).group(1)
    return wa_url, url


def _spend(app, path):
    browser = app.test_client()
    return browser, browser.post(path)


def test_a_coordinator_sends_a_promoter_without_a_login_a_link_by_whatsapp_to_their_number(app, coordinator_client, db):
    promoter = PromoterFactory(name="Siti Rahmawati", phone="+6281355501234")
    db.session.commit()
    wa_url, path = _send(coordinator_client, promoter)
    parts = urlsplit(wa_url)
    assert (parts.netloc, parts.path) == ("wa.me", "/6281355501234")
    text = unquote(parse_qs(parts.query)["text"][0])
    assert text.startswith("Halo Siti Rahmawati") and "72 jam" in text and "sekali" in text
    user = db.session.scalar(select(User).where(User.promoter_id == promoter.id))
    assert user.role == PROMOTER and user.email is None
    stored = db.session.scalars(select(SignInLink)).one()
    token = path.rsplit("/", 1)[1]
    assert token not in stored.token_hash and len(stored.token_hash) == 64  # only a hash is kept
    assert stored.expires_at - utcnow() > timedelta(hours=71)
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"user.create", "user.sign_in_link"} <= actions


def test_opening_the_link_does_not_spend_it_and_the_button_signs_in_once_to_the_share_screen(
    app, coordinator_client, db
):
    promoter = PromoterFactory(name="Rina Marpaung")
    db.session.commit()
    _wa, path = _send(coordinator_client, promoter)
    preview = app.test_client()
    for _ in range(2):  # WhatsApp's link preview, then the promoter opening it
        page = preview.get(path)
        assert page.status_code == 200 and "Rina Marpaung" in page.get_data(as_text=True)
    browser, response = _spend(app, path)
    assert response.status_code == 302 and response.location == HOME
    assert "Bagikan survei" in browser.get(HOME).get_data(as_text=True)
    remember = browser.get_cookie(app.config["REMEMBER_COOKIE_NAME"])
    assert remember.expires - remember.expires.now(remember.expires.tzinfo) > timedelta(days=50)

    replay, again = _spend(app, path)
    assert again.status_code == 410
    body = again.get_data(as_text=True)
    assert "sudah dipakai" in body and 'href="/auth/login"' in body
    assert replay.get(HOME).status_code == 200 and "Bagikan survei" not in replay.get(HOME).get_data(as_text=True)


def test_an_expired_a_replaced_and_a_withdrawn_link_are_refused_with_a_way_forward(app, coordinator_client, db):
    promoter = PromoterFactory()
    db.session.commit()
    _wa, first = _send(coordinator_client, promoter)
    _wa, second = _send(coordinator_client, promoter)
    assert _spend(app, first)[1].status_code == 410  # a newer link replaced it
    link = db.session.scalars(select(SignInLink).where(SignInLink.revoked_at.is_(None))).one()
    link.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    expired = app.test_client().get(second)
    assert expired.status_code == 410 and "kedaluwarsa" in expired.get_data(as_text=True)
    _wa, third = _send(coordinator_client, promoter)
    assert coordinator_client.post(f"/promoters/{promoter.id}/sign-in-links/revoke").status_code == 302
    withdrawn = app.test_client().get(third)
    assert withdrawn.status_code == 410 and "dicabut" in withdrawn.get_data(as_text=True)
    assert app.test_client().get("/auth/masuk/not-a-real-token").status_code == 404


def test_two_taps_at_once_sign_in_once(app, db):
    user = UserFactory(role=PROMOTER)
    admin = UserFactory()
    db.session.commit()
    token = create_sign_in_link(user, actor=admin)
    db.session.commit()
    first, state = use_sign_in_link(token)
    assert first == user and state == "usable"
    second, state = use_sign_in_link(token)
    assert second is None and state == "used"


def test_signing_in_with_a_link_ends_the_promoters_other_sessions(app, coordinator_client, db):
    user = UserFactory(role=PROMOTER)
    db.session.commit()
    old_phone = app.test_client()
    old_phone.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert old_phone.get("/auth/account").status_code == 200
    _wa, path = _send(coordinator_client, user.promoter)
    _spend(app, path)
    assert old_phone.get("/auth/account").status_code == 302


def test_a_coordinator_ends_all_of_a_promoters_sessions(app, coordinator_client, db):
    user = UserFactory(role=PROMOTER)
    db.session.commit()
    phone = app.test_client()
    phone.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert coordinator_client.post(f"/promoters/{user.promoter.id}/end-sessions").status_code == 302
    assert phone.get("/auth/account").status_code == 302


def test_promoters_and_leadership_cannot_send_sign_in_links(promoter_client, leadership_client, db):
    other = PromoterFactory()
    db.session.commit()
    for client in (promoter_client, leadership_client):
        assert client.post(f"/promoters/{other.id}/sign-in-link").status_code == 403
    assert db.session.scalars(select(SignInLink)).all() == []


def test_a_promoter_signs_in_with_the_phone_number_written_any_usual_way(app, client, db):
    user = UserFactory(role=PROMOTER, email=None)
    user.promoter.phone = "+6281355501234"
    db.session.commit()
    for typed in ("081355501234", "0813-5550-1234", "+62 813 5550 1234"):
        browser = app.test_client()
        response = browser.post("/auth/login", data={"email": typed, "password": PASSWORD})
        assert response.status_code == 302, typed
    wrong = app.test_client().post("/auth/login", data={"email": "081355509999", "password": PASSWORD})
    assert wrong.status_code == 401


def test_an_admin_reset_link_signs_staff_in_and_asks_for_a_new_password_without_the_old_one(app, admin_client, db):
    user = UserFactory()
    db.session.commit()
    html = admin_client.post(f"/auth/users/{user.id}/sign-in-link").get_data(as_text=True)
    path = re.search(r"https://spi\.example\.test(/auth/masuk/[\w-]+)", html).group(1)
    browser, response = _spend(app, path)
    assert response.location == "/auth/account"
    page = browser.get("/auth/account").get_data(as_text=True)
    assert 'name="current"' not in page
    new = "Teluk-Betung-2026!"
    assert browser.post("/auth/account", data={"new": new, "confirm": new}).status_code == 302
    assert app.test_client().post("/auth/login", data={"email": user.email, "password": new}).status_code == 302


def test_a_promoter_signed_in_by_link_can_set_a_password_for_phone_sign_in(app, coordinator_client, db):
    # A promoter made by "send a sign-in link" has a random password nobody knows, so the account page
    # must not ask for it; otherwise "a password lets you sign in with your phone number too" cannot be done.
    promoter = PromoterFactory(name="Rina Marpaung", phone="+6281355507777")
    db.session.commit()
    _wa, path = _send(coordinator_client, promoter)
    phone, response = _spend(app, path)
    assert response.location == HOME
    page = phone.get("/auth/account").get_data(as_text=True)
    assert 'name="current"' not in page
    new = "Way-Halim-Sukarame-88"
    assert phone.post("/auth/account", data={"new": new, "confirm": new}).status_code == 302
    signed_in = app.test_client().post("/auth/login", data={"email": "0813-5550-7777", "password": new})
    assert signed_in.status_code == 302


def test_the_no_old_password_window_after_a_link_closes_after_half_an_hour(app, coordinator_client, db, monkeypatch):
    from outreach.auth import views

    user = UserFactory(role=PROMOTER)
    db.session.commit()
    _wa, path = _send(coordinator_client, user.promoter)
    browser, _response = _spend(app, path)
    assert 'name="current"' not in browser.get("/auth/account").get_data(as_text=True)
    monkeypatch.setattr(views, "RESET_WINDOW_SECONDS", 0)
    assert 'name="current"' in browser.get("/auth/account").get_data(as_text=True)


def test_deactivating_a_promoter_withdraws_their_links_for_good(app, coordinator_client, db):
    promoter = PromoterFactory()
    db.session.commit()
    _wa, path = _send(coordinator_client, promoter)
    coordinator_client.post(f"/promoters/{promoter.id}/active", data={"active": "0"})
    coordinator_client.post(f"/promoters/{promoter.id}/active", data={"active": "1"})
    assert app.test_client().get(path).status_code == 410


def test_no_sign_in_link_is_made_for_a_server_address_phones_cannot_open(app, coordinator_client, db, monkeypatch):
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", "http://127.0.0.1:5000")
    monkeypatch.setitem(app.config, "REFUSE_LOCAL_PUBLIC_BASE_URL", True)
    promoter = PromoterFactory()
    db.session.commit()
    assert coordinator_client.post(f"/promoters/{promoter.id}/sign-in-link").status_code == 503
    assert db.session.scalars(select(SignInLink)).all() == []
