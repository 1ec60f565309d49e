"""Home pages per role, health check, language switch and security headers."""

from datetime import UTC, datetime, timedelta

import pytest

from config import TestConfig
from outreach import create_app
from outreach.extensions import db as _db
from outreach.links.models import Scan
from outreach.metrics.scans import refresh_scan_rollups
from tests.factories import AreaFactory, AssignmentFactory, LinkFactory, PromoterFactory


def test_anonymous_home_is_the_public_start_page(client):
    response = client.get("/")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'action="/kode"' in body  # the typed-code form
    assert 'href="/papan"' in body and 'href="/auth/login"' in body
    assert "diselenggarakan oleh KPK" in body


def test_coordinator_home_shows_coverage_gaps_and_campaign_counts(coordinator_client, db):
    kec = AreaFactory(level="kecamatan", code="18.71.01", name="Kedaton")
    AreaFactory(level="kelurahan", code="18.71.01.1004", name="Surabaya", parent=kec)
    db.session.commit()
    body = coordinator_client.get("/").get_data(as_text=True)
    assert "Kedaton</a>: 1 kelurahan tanpa pamong, 1 tanpa linmas" in body
    assert "Ketua RT" in body


def test_promoter_assignments_page_shows_only_their_own_areas(promoter_client, db):
    kel = AreaFactory(name="Sukarame Baru")
    other = AreaFactory(name="Way Dadi")
    AssignmentFactory(promoter=promoter_client.user.promoter, area=kel)
    AssignmentFactory(area=other)
    db.session.commit()
    body = promoter_client.get(promoter_client.get("/promoters/me").location).get_data(as_text=True)
    assert promoter_client.user.promoter.name in body
    assert "Sukarame Baru" in body
    assert "Way Dadi" not in body


def test_promoter_home_is_a_share_screen_of_their_own_active_links(promoter_client, db):
    own = LinkFactory(code="MYC234", promoter=promoter_client.user.promoter)
    LinkFactory(code="OFF234", promoter=promoter_client.user.promoter, active=False)
    LinkFactory(code="NOT234", promoter=PromoterFactory())
    db.session.flush()
    day = datetime.now(UTC) - timedelta(days=1)
    db.session.add_all(
        Scan(
            link_id=own.id,
            visitor_hash=f"v{i}",
            device_class="mobile",
            is_bot=i == 0,
            source="qr",
            created_at=day,
        )
        for i in range(4)
    )
    db.session.commit()
    refresh_scan_rollups()
    db.session.commit()
    body = promoter_client.get("/").get_data(as_text=True)
    assert "MYC234" in body and "OFF234" not in body and "NOT234" not in body
    assert body.count("https://wa.me/?text=") == 1
    assert f'href="/links/{own.id}/qr-screen"' in body and f'href="/links/{own.id}/flyer.pdf?layout=1"' in body
    week = body.split('class="my-week"')[1]
    assert '<strong class="big">3</strong>' in week  # three people yesterday; the bot is left out
    assert "peringkat" not in body.lower()  # no ranks for promoters


def test_healthz_reports_database_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok" and response.json["database"] == "ok"
    assert response.json["scans"]["recording"] == "ok" and response.json["scans"]["problems"] == []


def test_healthz_reports_unreachable_database_with_503(tmp_path):
    class Broken(TestConfig):
        SQLALCHEMY_DATABASE_URI = f"sqlite:///{tmp_path / 'missing-dir' / 'x.db'}"

    app = create_app(Broken)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"
    with app.app_context():
        _db.engine.dispose()


def test_ui_speaks_indonesian_by_default_and_switches_to_english(client):
    assert "Masuk" in client.get("/auth/login").get_data(as_text=True)
    response = client.post("/lang", data={"lang": "en", "next": "/auth/login"})
    assert response.headers["Location"] == "/auth/login"
    body = client.get("/auth/login").get_data(as_text=True)
    assert "Sign in" in body
    assert 'lang="en"' in body


@pytest.mark.parametrize("lang", ["fr", ""])
def test_unknown_language_is_refused(client, lang):
    assert client.post("/lang", data={"lang": lang}).status_code == 400


def test_language_switch_never_redirects_off_site(client):
    response = client.post("/lang", data={"lang": "en", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_every_response_carries_security_headers(client):
    response = client.get("/auth/login")
    assert "default-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_unknown_page_gets_an_indonesian_404(client):
    response = client.get("/tidak-ada")
    assert response.status_code == 404
    assert "Halaman tidak ditemukan" in response.get_data(as_text=True)
