"""What a printed flyer says and whom it names, and the refusal to print addresses phones cannot open."""

import subprocess
from datetime import date, timedelta

import pytest
from reportlab.lib.units import mm

from outreach import clock
from outreach.links import flyers
from outreach.links.codes import ALPHABET
from outreach.links.flyers import render_flyers
from outreach.participation.models import SurveyRound
from tests.factories import AreaFactory, AssignmentFactory, LinkFactory, OpdFactory, PromoterFactory
from tests.links.test_views import decode_qr_codes

SURABAYA = "18.71.01.1004"


def pdf_text(pdf: bytes, tmp_path) -> str:
    """The text of a PDF as pdftotext reads it, with runs of white space as one space."""
    source = tmp_path / "flyer.pdf"
    source.write_bytes(pdf)
    text = subprocess.run(["pdftotext", str(source), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(text.split())


@pytest.fixture
def rt_link(db):
    """A link of an RT head (name and phone on record) in RT 002, RW 001, Kelurahan Surabaya."""
    kelurahan = AreaFactory(code=SURABAYA, name="Surabaya")
    rw = AreaFactory(level="rw", name="RW 001", code=f"{SURABAYA}.001", parent=kelurahan)
    rt = AreaFactory(level="rt", name="RT 002", code=f"{SURABAYA}.001.002", parent=rw)
    promoter = PromoterFactory(name="Siti Rahmawati", role="rt", phone="+6281234567890")
    AssignmentFactory(promoter=promoter, area=rt)
    link = LinkFactory(code="ABC234", area=rt, promoter=promoter)
    db.session.commit()
    return link


@pytest.mark.parametrize("layout", [1, 4, 8])
def test_flyer_names_the_city_the_survey_and_its_year_and_where_to_check_it(app, rt_link, tmp_path, layout):
    text = pdf_text(render_flyers([rt_link] * layout, layout), tmp_path)
    assert "PEMERINTAH KOTA BANDAR LAMPUNG" in text
    assert f"Survei Penilaian Integritas (SPI) {clock.today().year}" in text
    assert "SUKARELA DAN RAHASIA" in text
    assert "Jawaban jujur Anda menunjukkan apa yang perlu dibenahi" in text
    assert "ABC234" in text and "spi.example.test/s/ABC234" in text
    assert "spi.example.test/cek/ABC234" in text
    assert "Ketua RT · RT 002, RW 001, Kelurahan Surabaya" in text


@pytest.mark.parametrize("layout", [1, 4, 8])
def test_flyer_shows_no_promoter_name_or_phone_and_no_jargon_list(app, rt_link, tmp_path, layout):
    text = pdf_text(render_flyers([rt_link] * layout, layout), tmp_path)
    for private in ("Siti", "Rahmawati", "6281234567890", "0812"):
        assert private not in text
    for jargon in ("Tujuh unsur", "unsur integritas", "Perdagangan pengaruh", "Pengelolaan SDM"):
        assert jargon not in text


def test_flyer_of_an_opd_link_names_the_opd(app, db, tmp_path):
    link = LinkFactory(
        promoter=PromoterFactory(name="Budi Santoso", role="pamong"), opd=OpdFactory(name="Dinas Kesehatan")
    )
    db.session.commit()
    text = pdf_text(render_flyers([link]), tmp_path)
    assert "Pamong · Dinas Kesehatan" in text and "Budi" not in text


def test_flyer_prints_the_rounds_closing_date_while_it_is_ahead(app, db, rt_link, tmp_path):
    today = clock.today()
    deadline = date(today.year + 1, 10, 31)
    db.session.add(SurveyRound(name="SPI", year=today.year + 1, starts_on=today - timedelta(days=3), deadline=deadline))
    db.session.commit()
    text = pdf_text(render_flyers([rt_link]), tmp_path)
    assert f"Survei dibuka sampai 31 Oktober {today.year + 1}" in text
    assert f"Survei Penilaian Integritas (SPI) {today.year + 1}" in text


@pytest.mark.parametrize("deadline_days", [None, -1])
def test_flyer_without_a_closing_date_ahead_prints_no_date_line(app, db, rt_link, tmp_path, deadline_days):
    if deadline_days is not None:
        today = clock.today()
        end = today + timedelta(days=deadline_days)
        db.session.add(SurveyRound(name="SPI", year=end.year, starts_on=end - timedelta(days=60), deadline=end))
        db.session.commit()
    assert "dibuka sampai" not in pdf_text(render_flyers([rt_link]), tmp_path)


def test_flyer_falls_back_to_the_spi_deadline_setting(app, rt_link, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "SPI_DEADLINE", clock.today() + timedelta(days=10))
    assert "Survei dibuka sampai" in pdf_text(render_flyers([rt_link]), tmp_path)


def test_full_page_qr_is_at_least_six_centimetres_wide(app, rt_link, monkeypatch):
    drawn = []
    real = flyers._draw_qr
    monkeypatch.setattr(
        flyers, "_draw_qr", lambda canvas, data, x, y, size: drawn.append(size) or real(canvas, data, x, y, size)
    )
    render_flyers([rt_link], 1)
    modules = len(flyers.qr_matrix(flyers.flyer_text(rt_link).qr_data))
    [size] = drawn
    assert size * (modules - 2 * 4) / modules >= 60 * mm  # the symbol alone, without its quiet zone


@pytest.mark.parametrize("layout", [1, 4, 8])
def test_every_qr_of_each_layout_decodes_at_150_dpi(app, db, rt_link, tmp_path, layout):
    links = [rt_link] + [LinkFactory(code=f"HJKMN{ALPHABET[n] * 3}") for n in range(layout - 1)]
    db.session.commit()
    source = tmp_path / "flyers.pdf"
    source.write_bytes(render_flyers(links, layout))
    subprocess.run(["pdftoppm", "-r", "150", "-png", str(source), str(tmp_path / "page")], check=True)
    decoded = [text for page in sorted(tmp_path.glob("page*.png")) for text in decode_qr_codes(page)]
    assert sorted(decoded) == sorted(f"https://spi.example.test/s/{link.code}?q=1" for link in links)
