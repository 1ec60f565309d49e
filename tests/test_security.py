"""Security headers and CSP (Flask-Talisman), https and cookies in production, upload size, errors."""

import pytest

from config import ProdConfig, TestConfig
from outreach import create_app
from outreach.extensions import db as _db
from outreach.security import is_safe_next
from tests.conftest import PASSWORD, csrf_token
from tests.factories import UserFactory


class ProdOnTestDb(ProdConfig):
    SECRET_KEY = "prod-test-secret-0123456789abcdef0123"
    SQLALCHEMY_DATABASE_URI = TestConfig.SQLALCHEMY_DATABASE_URI


@pytest.fixture
def prod_app(app):
    """The production configuration on the test database (the suite's app keeps its own settings)."""
    prod = create_app(ProdOnTestDb)
    yield prod
    with prod.app_context():
        _db.engine.dispose()


def _cookies(response) -> dict[str, str]:
    return {h.split("=", 1)[0]: h for h in response.headers.getlist("Set-Cookie")}


def test_pages_carry_csp_without_inline_scripts_and_the_other_headers(client):
    headers = client.get("/auth/login").headers
    csp = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
    assert csp["default-src"] == "'self'"
    assert csp["script-src"] == "'self'" and "unsafe-inline" not in headers["Content-Security-Policy"]
    assert csp["frame-ancestors"] == "'none'" and csp["object-src"] == "'none'"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "camera=()" in headers["Permissions-Policy"]


def _form_action(response) -> str:
    csp = dict(part.strip().split(" ", 1) for part in response.headers["Content-Security-Policy"].split(";"))
    return csp["form-action"]


def test_only_the_typed_code_pages_let_their_form_lead_on_to_the_survey_hosts(client):
    allowed = "'self' https://spi.kpk.go.id https://*.spi.kpk.go.id"
    for path in ("/", "/kode"):
        assert _form_action(client.get(path)).startswith(allowed), path
        assert "https://jaga.id https://*.jaga.id" in _form_action(client.get(path))
    assert _form_action(client.post("/kode", data={"code": "AB3 O5F"})).startswith(allowed)  # the help page
    for path in ("/auth/login", "/papan"):
        assert _form_action(client.get(path)) == "'self'", path


def test_templates_have_no_inline_scripts_or_styles():
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent / "templates"
    for template in root.rglob("*.html"):
        text = template.read_text()
        assert "<script>" not in text and " style=" not in text and "<style" not in text, template
        assert "onclick=" not in text.lower(), template


def test_testing_serves_plain_http_without_hsts(client):
    response = client.get("/auth/login")
    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response.headers


def test_production_redirects_http_to_https(prod_app):
    response = prod_app.test_client().get("/auth/login", base_url="http://localhost")
    assert response.status_code in (301, 302)
    assert response.headers["Location"].startswith("https://")


def test_production_sends_hsts_over_https(prod_app):
    response = prod_app.test_client().get("/auth/login", base_url="https://localhost")
    assert response.status_code == 200
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_production_trusts_forwarded_proto_from_the_proxy(prod_app):
    response = prod_app.test_client().get(
        "/auth/login", base_url="http://localhost", headers={"X-Forwarded-Proto": "https"}
    )
    assert response.status_code == 200


def test_production_session_and_remember_cookies_are_secure_httponly_samesite(prod_app, db):
    user = UserFactory()
    db.session.commit()
    client = prod_app.test_client()
    page = client.get("/auth/login", base_url="https://localhost")
    response = client.post(
        "/auth/login",
        base_url="https://localhost",
        headers={"Referer": "https://localhost/auth/login"},
        data={"email": user.email, "password": PASSWORD, "remember": "y", "csrf_token": csrf_token(page.text)},
    )
    assert response.status_code == 302
    cookies = _cookies(response)
    for name in ("session", "remember_token"):
        assert name in cookies, cookies
        flags = cookies[name].lower()
        assert "; secure" in flags and "; httponly" in flags and "samesite=lax" in flags


def test_oversized_upload_gets_the_friendly_413_page(app, client):
    body = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    response = client.post("/auth/login", data=body, content_type="application/octet-stream")
    assert response.status_code == 413
    assert "Berkas terlalu besar" in response.get_data(as_text=True)


def test_oversized_form_field_gets_413_not_500(app, client):
    response = client.post("/auth/login", data={"email": "a" * (app.config["MAX_CONTENT_LENGTH"] + 10)})
    assert response.status_code == 413


def test_api_paths_get_problem_json_errors(client):
    response = client.get("/api/tidak-ada")
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert response.json == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "Halaman tidak ditemukan.",
    }


def test_missing_csrf_token_gets_a_clear_message(csrf_client):
    response = csrf_client.post("/auth/login", data={"email": "a@b.id", "password": "x"})
    assert response.status_code == 400
    assert "token keamanannya" in response.get_data(as_text=True)


def test_client_address_comes_from_the_proxy_only_when_configured(app):
    from flask import request

    class BehindProxy(TestConfig):
        TRUSTED_PROXIES = 1

    seen = {}
    for config in (TestConfig, BehindProxy):
        other = create_app(config)

        @other.get("/_probe")
        def probe(name=config.__name__):
            seen[name] = request.remote_addr
            return ""

        other.test_client().get(
            "/_probe", headers={"X-Forwarded-For": "198.51.100.7"}, environ_base={"REMOTE_ADDR": "10.0.0.1"}
        )
    assert seen == {"TestConfig": "10.0.0.1", "BehindProxy": "198.51.100.7"}


@pytest.mark.parametrize("target", ["/\t/evil.example", "/\n/evil.example", "/\r\nSet-Cookie: x=1", "/\x00"])
def test_next_with_control_characters_is_not_followed(client, db, target):
    # Browsers drop tabs and newlines from URLs, so "/\t/evil.example" would become "//evil.example".
    # Such a query is refused before the view (outreach.inputs); is_safe_next would refuse it as well.
    user = UserFactory()
    db.session.commit()
    response = client.post(
        "/auth/login", query_string={"next": target}, data={"email": user.email, "password": PASSWORD}
    )
    assert response.status_code == 400 and "Location" not in response.headers
    assert "“next”" in response.get_data(as_text=True)
    assert not is_safe_next(target)
