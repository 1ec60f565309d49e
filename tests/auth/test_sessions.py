"""Sessions that really end: signing out, "sign out everywhere", a password change and an admin's
action all cut off every copy of a session or remember-me cookie; remember-me lasts weeks, not a year.
"""

from datetime import timedelta

from sqlalchemy import select

from outreach.audit.models import AuditEvent
from outreach.campaign import ADMIN, PROMOTER
from tests.conftest import PASSWORD, login
from tests.factories import UserFactory

SIGNED_IN_PAGE = "/auth/account"
NEW_PASSWORD = "Kopi-pagi-di-Teluk-77"


def _signed_in(client) -> bool:
    return client.get(SIGNED_IN_PAGE).status_code == 200


def _copy_of(app, client):
    """A second browser holding a copy of the client's cookies (a stolen or shared-phone cookie)."""
    thief = app.test_client()
    for name in (app.config["SESSION_COOKIE_NAME"], app.config["REMEMBER_COOKIE_NAME"]):
        cookie = client.get_cookie(name)
        if cookie is not None:
            thief.set_cookie(name, cookie.value)
    return thief


def test_a_copied_session_cookie_stops_working_when_its_owner_signs_out(app, client, db):
    user = UserFactory()
    db.session.commit()
    login(client, user)
    thief = _copy_of(app, client)
    assert _signed_in(thief)
    client.post("/auth/logout")
    assert not _signed_in(client)
    assert not _signed_in(thief)


def test_a_copied_remember_me_cookie_stops_working_after_sign_out(app, client, db):
    user = UserFactory()
    db.session.commit()
    client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    remember = client.get_cookie(app.config["REMEMBER_COOKIE_NAME"])
    assert remember is not None
    thief = app.test_client()
    thief.set_cookie(app.config["REMEMBER_COOKIE_NAME"], remember.value)  # no session cookie at all
    assert _signed_in(thief)
    client.post("/auth/logout")
    fresh = app.test_client()
    fresh.set_cookie(app.config["REMEMBER_COOKIE_NAME"], remember.value)
    assert not _signed_in(fresh)


def test_remember_me_lasts_two_weeks_for_staff_and_eight_for_promoters(app, client, db):
    for role, days in ((ADMIN, 14), (PROMOTER, 56)):
        user = UserFactory(role=role)
        db.session.commit()
        browser = app.test_client()
        browser.post("/auth/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
        cookie = browser.get_cookie(app.config["REMEMBER_COOKIE_NAME"])
        lasts = cookie.expires - cookie.expires.now(cookie.expires.tzinfo)
        assert timedelta(days=days - 1) < lasts <= timedelta(days=days), role


def test_sign_out_everywhere_ends_the_sessions_on_other_devices(app, client, db):
    user = UserFactory()
    db.session.commit()
    login(client, user)
    phone = app.test_client()
    login(phone, user)
    assert _signed_in(phone)
    client.post("/auth/account/sign-out-everywhere")
    assert not _signed_in(client) and not _signed_in(phone)
    assert db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == user.id)).all() == [
        "user.end_sessions"
    ]


def test_changing_the_password_needs_the_current_one_and_signs_out_other_devices(app, client, db):
    user = UserFactory()
    db.session.commit()
    login(client, user)
    other = app.test_client()
    login(other, user)
    refused = client.post(
        SIGNED_IN_PAGE, data={"current": "wrong", "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    ).get_data(as_text=True)
    assert "Kata sandi saat ini salah." in refused
    assert _signed_in(other)
    response = client.post(SIGNED_IN_PAGE, data={"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302
    assert _signed_in(client)  # this device gets a fresh session
    assert not _signed_in(other)
    assert login(app.test_client(), user, NEW_PASSWORD).status_code == 302
    assert login(app.test_client(), user, PASSWORD).status_code == 401


def test_a_new_password_must_be_long_enough_and_typed_twice_the_same(client, db):
    user = UserFactory()
    db.session.commit()
    login(client, user)
    short = client.post(SIGNED_IN_PAGE, data={"current": PASSWORD, "new": "pendek", "confirm": "pendek"})
    assert "Gunakan paling sedikit 10 karakter." in short.get_data(as_text=True)
    mismatch = client.post(SIGNED_IN_PAGE, data={"current": PASSWORD, "new": NEW_PASSWORD, "confirm": "x"})
    assert "Kedua kata sandi baru tidak sama." in mismatch.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(PASSWORD)


def test_an_admin_signs_a_user_out_everywhere(app, admin_client, db):
    user = UserFactory()
    db.session.commit()
    victim = app.test_client()
    login(victim, user)
    assert _signed_in(victim)
    assert admin_client.post(f"/auth/users/{user.id}/end-sessions").status_code == 302
    assert not _signed_in(victim)


def test_deactivating_a_login_ends_its_sessions(app, client, db):
    user = UserFactory()
    db.session.commit()
    login(client, user)
    user.active = False
    db.session.commit()
    assert not _signed_in(client)


def test_staff_see_api_tokens_on_their_account_page_and_promoters_do_not(admin_client, promoter_client):
    assert 'href="/account/tokens/"' in admin_client.get(SIGNED_IN_PAGE).get_data(as_text=True)
    promoter_page = promoter_client.get(SIGNED_IN_PAGE).get_data(as_text=True)
    assert "/account/tokens/" not in promoter_page
    for client in (admin_client, promoter_client):
        nav = client.get("/").get_data(as_text=True).split("</nav>")[0]
        assert "/account/tokens/" not in nav and 'href="/auth/account"' in nav


def test_a_new_password_built_on_the_city_or_a_common_word_is_refused(client, db):
    user = UserFactory()
    db.session.commit()
    login(client, user)
    for weak in ("Lampung-bersih-2026!", "password1234"):
        page = client.post(SIGNED_IN_PAGE, data={"current": PASSWORD, "new": weak, "confirm": weak})
        assert page.status_code == 200 and 'id="new-error"' in page.get_data(as_text=True), weak
    db.session.refresh(user)
    assert user.check_password(PASSWORD)
