"""Refusing common passwords and passwords built on the email or the app's name (CLI and forms)."""

import pytest
from sqlalchemy import func, select

from outreach.auth.models import User
from outreach.auth.passwords import password_problem
from tests.factories import PromoterFactory

EMAIL = "siti.rahma@bandarlampungkota.go.id"


@pytest.mark.parametrize(
    "password",
    ["password123", "qwertyuiop", "iloveyou12345", "1234567890", "aaaaaaaaaaaa", "Password2026"],
)
def test_the_commonest_passwords_are_refused(app, password):
    assert "paling umum" in password_problem(password, EMAIL)


@pytest.mark.parametrize(
    "password",
    ["Siti.Rahma2026", "siti.rahma@bandarlampungkota.go.id!", "Outreach-2026!", "OUT.REACH.kota99", "BandarLampung#1"],
)
def test_passwords_with_the_email_or_the_app_name_are_refused(app, password):
    assert "alamat email" in password_problem(password, EMAIL)


@pytest.mark.parametrize("password", ["correct horse battery", "kopi-tubruk-di-teluk-betung", "Gajah7;lemari;hujan"])
def test_uncommon_passwords_are_accepted(app, password):
    assert password_problem(password, EMAIL) is None


def test_short_and_overlong_passwords_are_refused(app):
    assert "paling sedikit 10 karakter" in password_problem("Kx9#mQ2!z", EMAIL)
    assert "paling banyak 200 karakter" in password_problem("kopi-tubruk " * 20, EMAIL)


def test_cli_users_create_refuses_a_common_password(runner, db):
    result = runner.invoke(
        args=["users", "create", "--email", EMAIL, "--role", "admin", "--password", "password123456"]
    )
    assert result.exit_code != 0 and "password refused" in result.output and "commonest" in result.output
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_cli_users_create_refuses_a_password_built_on_the_email(runner, db):
    result = runner.invoke(args=["users", "create", "--email", EMAIL, "--role", "admin", "--password", "SitiRahma-99"])
    assert result.exit_code != 0 and "email address" in result.output


def test_promoter_login_form_refuses_a_common_password_with_an_indonesian_message(coordinator_client, db):
    promoter = PromoterFactory()
    db.session.commit()
    response = coordinator_client.post(
        f"/promoters/{promoter.id}/login", data={"email": "budi@example.id", "password": "qwertyuiop123"}
    )
    assert response.status_code == 302
    assert "terlalu mudah ditebak" in coordinator_client.get(response.headers["Location"]).get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(User)) == 1  # the coordinator only
