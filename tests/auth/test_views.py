"""Signing in and out, CSRF, open-redirect refusal and role checks."""

import pytest
from sqlalchemy import select

from outreach.auth.models import User
from tests.conftest import PASSWORD, csrf_token, login
from tests.factories import UserFactory


def test_login_with_right_password_goes_home(client, db):
    user = UserFactory(role="coordinator")
    db.session.commit()
    response = login(client, user)
    assert response.status_code == 302
    assert response.headers["Location"] == "/"
    assert db.session.get(User, user.id).last_login_at is not None


def test_login_with_wrong_password_is_refused_with_a_message(client, db):
    user = UserFactory()
    db.session.commit()
    response = login(client, user, password="not the password")
    assert response.status_code == 401
    assert "Email atau kata sandi salah." in response.get_data(as_text=True)
    assert client.get("/drives/").status_code == 302  # still signed out


def test_login_email_is_case_insensitive(client, db):
    UserFactory(email="Lurah@BandarLampungKota.go.id")
    db.session.commit()
    response = client.post("/auth/login", data={"email": "lurah@bandarlampungkota.go.id", "password": PASSWORD})
    assert response.status_code == 302


def test_inactive_user_cannot_sign_in(client, db):
    user = UserFactory(active=False)
    db.session.commit()
    assert login(client, user).status_code == 401


def test_password_is_stored_hashed(db):
    user = UserFactory()
    db.session.commit()
    stored = db.session.scalar(select(User.password_hash).where(User.id == user.id))
    assert PASSWORD not in stored
    assert stored.startswith(("scrypt:", "pbkdf2:"))


@pytest.mark.parametrize("target", ["/auth/users", "/?tab=1"])
def test_login_follows_a_local_next(client, db, target):
    user = UserFactory(role="admin")
    db.session.commit()
    response = client.post(f"/auth/login?next={target}", data={"email": user.email, "password": PASSWORD})
    assert response.headers["Location"] == target


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "/\\evil.example", "javascript:alert(1)", "http:/x"]
)
def test_login_never_redirects_off_site(client, db, target):
    user = UserFactory()
    db.session.commit()
    response = client.post(
        "/auth/login", query_string={"next": target}, data={"email": user.email, "password": PASSWORD}
    )
    assert response.headers["Location"] == "/"


def test_login_form_without_csrf_token_is_rejected(csrf_client, db):
    user = UserFactory()
    db.session.commit()
    response = csrf_client.post("/auth/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 400
    assert csrf_client.get("/drives/").status_code == 302  # still signed out


def test_login_form_with_csrf_token_signs_in(csrf_client, db):
    user = UserFactory()
    db.session.commit()
    token = csrf_token(csrf_client.get("/auth/login").get_data(as_text=True))
    response = csrf_client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302


def test_logout_needs_post(coordinator_client):
    assert coordinator_client.get("/auth/logout").status_code == 405
    response = coordinator_client.post("/auth/logout")
    assert response.headers["Location"] == "/auth/login"
    assert coordinator_client.get("/drives/").status_code == 302  # still signed out


def test_admin_sees_the_user_list(admin_client):
    response = admin_client.get("/auth/users")
    assert response.status_code == 200
    assert admin_client.user.email in response.get_data(as_text=True)


@pytest.mark.parametrize("fixture", ["coordinator_client", "leadership_client", "promoter_client"])
def test_user_list_is_denied_to_non_admins(request, fixture):
    assert request.getfixturevalue(fixture).get("/auth/users").status_code == 403


def test_user_list_sends_anonymous_visitors_to_login(client):
    response = client.get("/auth/users")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")
