"""The public link check /cek: official, deactivated, unknown, foreign and mistyped answers; nothing recorded."""

import logging

import pytest
from sqlalchemy import select

from outreach.extensions import limiter
from outreach.links.models import Scan
from tests.factories import (
    AreaFactory,
    AssignmentFactory,
    LinkFactory,
    OpdFactory,
    PromoterFactory,
    SurveyTargetFactory,
)

OFFICIAL = "Resmi: ABC234 adalah tautan survei resmi"
NOT_OURS = "Bukan dari kami"
WARNING_SIGNS = "Survei ini tidak pernah meminta uang, kode OTP, data rekening bank, atau kata sandi."


@pytest.fixture
def link(db):
    """An active link of an RT head in RT 002, RW 001, Kelurahan Surabaya, Kecamatan Kedaton."""
    kecamatan = AreaFactory(code="18.71.01", name="Kedaton", level="kecamatan")
    kelurahan = AreaFactory(code="18.71.01.1004", name="Surabaya", parent=kecamatan)
    rw = AreaFactory(level="rw", name="RW 001", code="18.71.01.1004.001", parent=kelurahan)
    rt = AreaFactory(level="rt", name="RT 002", code="18.71.01.1004.001.002", parent=rw)
    promoter = PromoterFactory(name="Siti Rahmawati", role="rt", phone="+6281234567890")
    AssignmentFactory(promoter=promoter, area=rt)
    target = SurveyTargetFactory(name="SPI 2026 eksternal", url="https://spi.kpk.go.id/survei/eksternal")
    link = LinkFactory(code="ABC234", area=rt, promoter=promoter, target=target)
    db.session.commit()
    return link


def answer(client, pasted: str):
    return client.get("/cek", query_string={"tautan": pasted})


@pytest.mark.parametrize(
    "pasted",
    [
        "ABC234",
        "abc 234",
        " a-b-c 2 3 4 ",
        "https://spi.example.test/s/ABC234?q=1",
        "http://spi.example.test/s/abc234",
        "spi.example.test/s/ABC234",
        "Isi di sini: https://spi.example.test/s/ABC234",
        "https://spi.example.test/cek/ABC234",
    ],
)
def test_an_official_active_link_says_where_it_leads_and_who_handed_it_out(client, link, pasted):
    response = answer(client, pasted)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert OFFICIAL in body
    assert "SPI 2026 eksternal" in body and "KPK (Komisi Pemberantasan Korupsi)" in body
    assert "<code>spi.kpk.go.id</code>" in body
    assert "Aktif: masih mengarah ke survei." in body
    assert "Ketua RT, Kelurahan Surabaya, Kecamatan Kedaton" in body


def test_the_flyer_footer_address_checks_the_code_directly(client, link):
    response = client.get("/cek/abc234")
    assert response.status_code == 200 and OFFICIAL in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/cek/ABC234", "/cek?tautan=ABC234"])
def test_the_check_never_shows_the_promoters_name_phone_or_rt(client, link, path):
    response = client.get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and OFFICIAL in body
    for private in ("Siti", "Rahmawati", "6281234567890", "0812", "RT 002", "RW 001"):
        assert private not in body


def test_an_opd_link_names_the_opd(client, db):
    LinkFactory(code="DKS234", opd=OpdFactory(name="Dinas Kesehatan"), promoter=PromoterFactory(role="pamong"))
    db.session.commit()
    body = client.get("/cek/DKS234").get_data(as_text=True)
    assert "Pamong, Dinas Kesehatan" in body


def test_a_deactivated_link_says_so_and_nothing_more_than_a_scan_would(client, db, link):
    link.active = False
    db.session.commit()
    response = client.get("/cek/ABC234")
    body = response.get_data(as_text=True)
    assert response.status_code == 410  # as a scan of it
    assert "ABC234 pernah menjadi tautan survei resmi, tetapi sudah tidak aktif." in body
    assert "Surabaya" not in body and "SPI 2026 eksternal" not in body


@pytest.mark.parametrize("path", ["/cek/XYZ789", "/cek?tautan=xyz789", "/cek?tautan=https://spi.example.test/s/XYZ789"])
def test_an_unknown_code_is_not_ours_with_the_official_addresses_and_the_warning_signs(client, link, path):
    response = client.get(path)
    body = response.get_data(as_text=True)
    assert response.status_code == 404  # as a scan of it
    assert f"{NOT_OURS}: tidak ada tautan survei resmi dengan kode XYZ789." in body
    assert "spi.example.test/s/" in body and "spi.kpk.go.id, survei.kpk.go.id, jaga.id" in body
    assert WARNING_SIGNS in body


@pytest.mark.parametrize(
    ("pasted", "host"),
    [
        ("https://evil.example/s/ABC234", "evil.example"),
        ("https://spi.example.test.evil.example/s/ABC234", "spi.example.test.evil.example"),
        ("https://spi.example.test@evil.example/s/ABC234", "evil.example"),
        ("evil.example/survei-spi", "evil.example"),
        ("kpk-hadiah.com", "kpk-hadiah.com"),
    ],
)
def test_a_foreign_address_is_not_ours(client, link, pasted, host):
    response = answer(client, pasted)
    body = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f"{NOT_OURS}: {host} bukan alamat kami" in body
    assert OFFICIAL not in body
    assert "spi.kpk.go.id, survei.kpk.go.id, jaga.id" in body and WARNING_SIGNS in body


@pytest.mark.parametrize("pasted", ["https://bit.ly/spi-2026", "wa.me/6281234567890", "s.id/abc234"])
def test_short_and_chat_links_are_not_ours_and_said_to_hide_where_they_lead(client, link, pasted):
    body = answer(client, pasted).get_data(as_text=True)
    assert NOT_OURS in body and "menyembunyikan tujuan sebenarnya" in body


def test_the_official_survey_host_is_recognised_but_not_called_our_link(client, link):
    body = answer(client, "https://spi.kpk.go.id/survei/eksternal").get_data(as_text=True)
    assert "spi.kpk.go.id adalah alamat resmi Survei Penilaian Integritas (SPI) KPK sendiri." in body
    assert NOT_OURS not in body and OFFICIAL not in body


@pytest.mark.parametrize(
    ("pasted", "help_text"),
    [
        ("AB0 234", "tidak pernah memuat angka 0 dan 1 atau huruf O, I dan L"),
        ("AB2", "Kode terdiri atas 6 sampai 8 huruf dan angka; Anda mengetik 3."),
        ("", "Ketik kode yang tercetak pada selebaran."),
    ],
)
def test_a_mistyped_code_gets_typo_help_and_the_form_again(client, link, pasted, help_text):
    response = answer(client, pasted)
    body = response.get_data(as_text=True)
    assert response.status_code == 422
    assert help_text in body
    assert 'action="/cek"' in body and 'method="get"' in body


def test_a_check_records_no_scan_and_logs_neither_the_code_nor_the_client(client, db, link, caplog):
    caplog.set_level(logging.DEBUG)
    paths = ("/cek/ABC234", "/cek?tautan=abc234", "/cek/XYZ789", "/cek?tautan=https://evil.example/x")
    statuses = [client.get(path, environ_base={"REMOTE_ADDR": "203.0.113.9"}).status_code for path in paths]
    assert statuses == [200, 200, 404, 200]
    assert db.session.scalars(select(Scan)).all() == []
    for record in caplog.records:
        message = record.getMessage()
        assert "ABC234" not in message and "XYZ789" not in message and "203.0.113.9" not in message


def test_checks_are_rate_limited_per_client_across_both_addresses(client, app, link):
    app.config["RATELIMIT_CHECK"] = "3 per minute"
    limiter.reset()
    try:
        client.get("/cek")  # the empty form costs nothing
        statuses = [client.get(path).status_code for path in ("/cek/ABC234", "/cek?tautan=abc234", "/cek/XYZ789")]
        over = client.get("/cek/ABC234").status_code
    finally:
        app.config["RATELIMIT_CHECK"] = "60 per minute;600 per hour"
        limiter.reset()
    assert statuses == [200, 200, 404] and over == 429


def test_the_check_page_works_without_scripts_or_inline_styles(client, link):
    body = client.get("/cek/ABC234").get_data(as_text=True)
    assert "<script" not in body and "style=" not in body and "<style" not in body
    response = client.get("/cek?tautan=ABC234")
    assert "no-store" in response.headers["Cache-Control"]


def test_the_public_start_page_links_to_the_check(client, db):
    body = client.get("/").get_data(as_text=True)
    assert '<a href="/cek">Cek keaslian tautan</a>' in body


def test_the_empty_check_form_can_be_found_by_search_engines_and_answers_cannot(client, link):
    form = client.get("/cek")
    assert "X-Robots-Tag" not in form.headers
    assert '<meta name="description" content="Ikut Survei Penilaian Integritas (SPI) KPK' in form.get_data(as_text=True)
    for path in ("/cek/ABC234", "/cek?tautan=ABC234"):
        assert client.get(path).headers["X-Robots-Tag"] == "noindex, nofollow"
