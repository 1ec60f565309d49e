"""A PUBLIC_BASE_URL phones cannot open: production makes no flyers, QR codes or messages; development warns."""

import pytest

from config import DevConfig, ProdConfig
from outreach.links.services import public_base_problem
from tests.drives.helpers import make_drive
from tests.factories import AreaFactory, LinkFactory

LOOPBACK = "http://127.0.0.1:5000"
REFUSED = "Selebaran, kode QR, dan pesan WhatsApp dimatikan di server ini"
WARNED = "Server pengembangan: jangan cetak atau bagikan"


@pytest.fixture
def loopback(app, monkeypatch):
    """PUBLIC_BASE_URL on this machine; the test chooses production (refuse) or development (warn)."""
    monkeypatch.setitem(app.config, "PUBLIC_BASE_URL", LOOPBACK)

    def set_refuse(refuse: bool) -> None:
        monkeypatch.setitem(app.config, "REFUSE_LOCAL_PUBLIC_BASE_URL", refuse)

    return set_refuse


def test_production_refuses_and_development_only_warns():
    assert ProdConfig.REFUSE_LOCAL_PUBLIC_BASE_URL is True
    assert DevConfig.REFUSE_LOCAL_PUBLIC_BASE_URL is False


@pytest.fixture
def own_link(db, promoter_client):
    """An active link of the signed-in promoter."""
    link = LinkFactory(code="ABC234", promoter=promoter_client.user.promoter)
    db.session.commit()
    return link


@pytest.mark.parametrize("path", ["/links/{id}/flyer.pdf?layout=4", "/links/{id}/qr.png", "/links/{id}/qr.svg"])
def test_production_refuses_flyers_and_qr_images_naming_the_setting(loopback, coordinator_client, db, path):
    loopback(True)
    link = LinkFactory()
    db.session.commit()
    response = coordinator_client.get(path.format(id=link.id))
    body = response.get_data(as_text=True)
    assert response.status_code == 503 and response.mimetype == "text/html"
    assert "PUBLIC_BASE_URL" in body and LOOPBACK in body


def test_production_refuses_a_flyer_batch_and_a_drives_flyers(loopback, coordinator_client, db):
    loopback(True)
    kelurahan = AreaFactory()
    LinkFactory(area=kelurahan)
    drive = make_drive("2026-10-01 08:00", "2026-10-01 12:00", areas=[kelurahan])
    db.session.commit()
    batch = coordinator_client.get(f"/links/flyers?scope=area:{kelurahan.id}&layout=4")
    assert batch.status_code == 503 and "PUBLIC_BASE_URL" in batch.get_data(as_text=True)
    drive_pdf = coordinator_client.get(f"/drives/{drive.id}/flyers.pdf")
    assert drive_pdf.status_code == 503 and "PUBLIC_BASE_URL" in drive_pdf.get_data(as_text=True)


def test_production_link_page_shows_no_qr_flyer_or_whatsapp_message(loopback, promoter_client, own_link):
    loopback(True)
    response = promoter_client.get(f"/links/{own_link.id}")
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert REFUSED in body and "PUBLIC_BASE_URL" in body
    assert "wa.me" not in body and "qr.png" not in body and "flyer.pdf" not in body
    assert f"{LOOPBACK}/s/" not in body


@pytest.mark.parametrize("path", ["/links/mine", "/"])
def test_production_promoter_pages_share_nothing_and_name_the_setting(loopback, promoter_client, own_link, path):
    loopback(True)
    response = promoter_client.get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and REFUSED in body
    assert "PUBLIC_BASE_URL" in body and "wa.me" not in body and f"{LOOPBACK}/s/" not in body
    assert promoter_client.get(f"/links/{own_link.id}/qr-screen").status_code == 503


@pytest.mark.parametrize("path", ["/links/{id}", "/links/flyers", "/links/bulk"])
def test_development_warns_on_every_page_that_makes_flyers_qr_codes_or_messages(loopback, coordinator_client, db, path):
    loopback(False)
    link = LinkFactory()
    db.session.commit()
    body = coordinator_client.get(path.format(id=link.id)).get_data(as_text=True)
    assert WARNED in body and "PUBLIC_BASE_URL" in body and LOOPBACK in body


@pytest.mark.parametrize("path", ["/links/mine", "/"])
def test_development_warns_on_the_promoter_pages_and_still_makes_them(loopback, promoter_client, own_link, path):
    loopback(False)
    body = promoter_client.get(path).get_data(as_text=True)
    assert WARNED in body and "wa.me" in body
    assert promoter_client.get(f"/links/{own_link.id}/flyer.pdf").status_code == 200
    assert promoter_client.get(f"/links/{own_link.id}/qr.png").status_code == 200


@pytest.mark.parametrize("refuse", [True, False])
def test_a_public_address_gets_no_warning(app, monkeypatch, promoter_client, own_link, refuse):
    monkeypatch.setitem(app.config, "REFUSE_LOCAL_PUBLIC_BASE_URL", refuse)
    body = promoter_client.get("/links/mine").get_data(as_text=True)
    assert "PUBLIC_BASE_URL" not in body and "wa.me" in body
    assert promoter_client.get(f"/links/{own_link.id}/flyer.pdf").status_code == 200


@pytest.mark.parametrize(
    "base",
    [
        "http://127.0.0.1:5000",
        "http://127.8.9.10",
        "http://localhost:5000",
        "http://spi.localhost",
        "http://[::1]:5000",
        "http://10.0.0.5",
        "http://172.16.4.1",
        "http://172.31.255.254",
        "https://192.168.1.20",
        "http://169.254.10.1",
        "http://[fe80::1]",
        "http://outreach.local",
        "http://0.0.0.0:8000",
        "",
        "spi.bandarlampungkota.go.id",
    ],
)
def test_addresses_phones_cannot_open_are_a_problem_naming_the_setting(app, base):
    with app.test_request_context():
        problem = public_base_problem(base)
    assert problem is not None and "PUBLIC_BASE_URL" in problem


@pytest.mark.parametrize(
    "base", ["https://spi.bandarlampungkota.go.id", "https://spi.example.test", "http://172.32.0.1", "https://8.8.8.8"]
)
def test_public_addresses_are_no_problem(app, base):
    with app.test_request_context():
        assert public_base_problem(base) is None


def test_production_refuses_the_mail_merge_export_naming_the_setting(loopback, runner, db, tmp_path):
    loopback(True)
    LinkFactory()
    db.session.commit()
    out = tmp_path / "links.csv"
    result = runner.invoke(args=["links", "export", "--output", str(out)])
    assert result.exit_code == 1 and "PUBLIC_BASE_URL" in result.output
    assert not out.exists()


def test_development_export_warns_and_still_writes(loopback, runner, db, tmp_path):
    loopback(False)
    LinkFactory()
    db.session.commit()
    out = tmp_path / "links.csv"
    result = runner.invoke(args=["links", "export", "--output", str(out)])
    assert result.exit_code == 0 and "warning: PUBLIC_BASE_URL" in result.output
    assert out.exists()
