"""API tokens: stored hashed, shown once, revocable in the UI and the CLI, audited."""

import hashlib

import pytest
from sqlalchemy import select

from outreach.api.models import ApiToken
from outreach.api.tokens import create_token, revoke_token, user_for_token
from outreach.audit.models import AuditEvent
from outreach.extensions import db
from tests import factories
from tests.api.conftest import bearer
from tests.conftest import PASSWORD, login


def test_token_is_stored_only_as_its_sha256_with_a_prefix():
    user = factories.UserFactory()
    token, secret = create_token(user, "laporan harian")
    assert token.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in (token.token_hash, token.prefix) and secret.startswith(token.prefix)
    assert len(secret) > 40


def test_revoked_token_and_deactivated_user_no_longer_sign_in():
    user = factories.UserFactory()
    token, secret = create_token(user)
    assert user_for_token(secret) is user
    revoke_token(token)
    assert user_for_token(secret) is None
    _other, second = create_token(user)
    user.active = False
    assert user_for_token(second) is None


def test_creation_and_revocation_are_audited():
    user = factories.UserFactory()
    token, _secret = create_token(user, "skrip")
    revoke_token(token, user)
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-2:] == ["api_token.create", "api_token.revoke"]


def test_user_creates_a_token_in_the_ui_and_sees_it_once(client):
    user = factories.UserFactory(role="leadership")
    db.session.commit()
    login(client, user)
    page = client.post("/account/tokens/", data={"name": "dashboard kota"})
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    token = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    html = page.get_data(as_text=True)
    secret = html.split('readonly value="')[1].split('"')[0]
    assert hashlib.sha256(secret.encode()).hexdigest() == token.token_hash
    assert secret not in client.get("/account/tokens/").get_data(as_text=True)
    assert client.get("/api/v1/areas", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_user_revokes_own_token_in_the_ui_but_not_someone_elses(client):
    user = factories.UserFactory()
    other = factories.UserFactory()
    headers = bearer(user)
    other_token, _ = create_token(other)
    db.session.commit()
    login(client, user)
    own = db.session.scalar(select(ApiToken).where(ApiToken.user_id == user.id))
    assert client.post(f"/account/tokens/{other_token.id}/revoke").status_code == 403
    assert client.post(f"/account/tokens/{own.id}/revoke").status_code == 302
    response = client.get("/api/v1/areas", headers=headers)
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


def test_cli_creates_a_token_that_works(app, runner, client):
    user = factories.UserFactory(email="kominfo@bandarlampungkota.go.id")
    db.session.commit()
    result = runner.invoke(args=["tokens", "create", "--email", user.email, "--name", "sinkron"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    assert client.get("/api/v1/opds", headers={"Authorization": f"Bearer {secret}"}).status_code == 200


def test_cli_names_an_unknown_email(runner):
    result = runner.invoke(args=["tokens", "create", "--email", "nobody@example.org"])
    assert result.exit_code != 0 and "no user with email nobody@example.org" in result.output


def test_session_cookie_does_not_sign_in_to_the_api(coordinator_client):
    response = coordinator_client.get("/api/v1/areas")
    assert response.status_code == 401
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == 401 and "Bearer" in response.headers["WWW-Authenticate"]
    assert "Set-Cookie" not in response.headers


# --- signing in by token (Flask-Login's request loader) next to the browser's cookies


def _remembered_browser(app, user):
    """A browser that signed in with "remember me": a session cookie and a remember-me cookie (CSRF off: `client`)."""
    browser = app.test_client()
    response = browser.post("/auth/login", data={"email": user.email, "password": PASSWORD, "remember": "y"})
    assert response.status_code == 302
    assert browser.get_cookie(app.config["REMEMBER_COOKIE_NAME"]) is not None
    return browser


def test_a_valid_token_signs_in_without_setting_a_cookie(app, db):
    user = factories.UserFactory(role="coordinator")
    headers = bearer(user)
    response = app.test_client().get("/api/v1/promoters", headers=headers)
    assert response.status_code == 200 and "items" in response.json
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize("token", ["revoked", "wrong", "empty"])
def test_a_revoked_wrong_or_empty_token_gets_401_without_a_cookie(app, db, token):
    user = factories.UserFactory(role="coordinator")
    issued, secret = create_token(user)
    db.session.commit()
    if token == "revoked":
        revoke_token(issued)
        db.session.commit()
    sent = {"revoked": secret, "wrong": secret[:-4] + "xxxx", "empty": ""}[token]
    response = app.test_client().get("/api/v1/promoters", headers={"Authorization": f"Bearer {sent}"})
    assert response.status_code == 401 and response.mimetype == "application/problem+json"
    assert "Set-Cookie" not in response.headers


def test_the_api_answers_as_the_tokens_user_whatever_cookies_the_browser_sends(app, client, db):
    admin = factories.UserFactory(role="admin")
    promoter = factories.UserFactory(role="promoter")
    db.session.commit()
    browser = _remembered_browser(app, admin)
    assert browser.get("/api/v1/promoters").status_code == 401  # the admin's cookies sign nobody in
    browser.delete_cookie("session")
    assert browser.get("/api/v1/promoters").status_code == 401  # nor does the remember-me cookie alone
    response = browser.get("/api/v1/promoters", headers=bearer(promoter))
    assert response.status_code == 403  # the promoter's token, not the admin's cookies
    assert "Set-Cookie" not in response.headers
    assert browser.get_cookie(app.config["REMEMBER_COOKIE_NAME"]) is not None  # the browser keeps its sign-in
    assert browser.get("/auth/account").status_code == 200  # signed in again from the remember-me cookie


def test_a_token_does_not_sign_in_to_the_pages(app, db):
    user = factories.UserFactory(role="admin")
    response = app.test_client().get("/auth/account", headers=bearer(user))
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_browser_sign_in_with_remember_me_still_works(app, client, db):
    user = factories.UserFactory(role="coordinator")
    db.session.commit()
    browser = _remembered_browser(app, user)
    assert browser.get("/auth/account").status_code == 200
    fresh = app.test_client()  # the phone restarted: only the remember-me cookie is left
    remembered = browser.get_cookie(app.config["REMEMBER_COOKIE_NAME"])
    fresh.set_cookie(remembered.key, remembered.value)
    assert fresh.get("/auth/account").status_code == 200
