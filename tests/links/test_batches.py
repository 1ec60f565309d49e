"""Bulk print: flyers by kelurahan and RT, with a cover sheet per kelurahan, or a ZIP per kelurahan with an index."""

import csv
import io
import subprocess
import zipfile

import pytest

from tests.factories import AreaFactory, LinkFactory, OpdFactory, PromoterFactory


def pdf_text(pdf: bytes, tmp_path, name="batch.pdf") -> str:
    source = tmp_path / name
    source.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(source), "-"], capture_output=True, text=True, check=True).stdout


@pytest.fixture
def kedaton(db):
    """Kecamatan Kedaton: Surabaya with two RTs, Sidodadi with one RT, flyer links in each RT and one above."""
    kec = AreaFactory(level="kecamatan", code="18.71.01", name="Kedaton")
    made = {"kec": kec}
    for code, name in (("18.71.01.1004", "Surabaya"), ("18.71.01.1006", "Sidodadi")):
        kel = AreaFactory(code=code, name=name, parent=kec)
        rw = AreaFactory(level="rw", code=f"{code}.001", name="RW 001", parent=kel)
        made[name] = kel
        for rt_number in (2, 1) if name == "Surabaya" else (1,):
            rt = AreaFactory(level="rt", code=f"{code}.001.{rt_number:03d}", name=f"RT {rt_number:03d}", parent=rw)
            made[f"{name} RT {rt_number}"] = LinkFactory(area=rt, promoter=PromoterFactory(role="rt"))
    made["kecamatan link"] = LinkFactory(area=kec, code="KECAMA")
    LinkFactory(area=made["Sidodadi"], channel="whatsapp")
    db.session.commit()
    return made


def test_one_pdf_is_ordered_by_kelurahan_and_rt_with_a_cover_sheet_each(coordinator_client, kedaton, tmp_path):
    response = coordinator_client.get(f"/links/flyers?scope=area:{kedaton['kec'].id}&layout=4&bundle=book")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = pdf_text(response.data, tmp_path)
    order = [
        text.index("Kelurahan Sidodadi"),
        text.index(kedaton["Sidodadi RT 1"].code),
        text.index("Kelurahan Surabaya"),
        text.index(kedaton["Surabaya RT 1"].code),
        text.index(kedaton["Surabaya RT 2"].code),
        text.index("Tingkat kecamatan dan OPD"),
        text.index("KECAMA"),
    ]
    assert order == sorted(order)
    assert text.count("Lembar sampul: jangan dibagikan.") == 3
    assert "2 selebaran · 1 lembar A4" in text and "Kecamatan Kedaton" in text


def test_a_zip_has_one_pdf_per_kelurahan_and_an_index(coordinator_client, kedaton, tmp_path):
    response = coordinator_client.get(f"/links/flyers?scope=area:{kedaton['kec'].id}&layout=8&bundle=zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert 'filename="flyers-18-71-01-8.zip"' in response.headers["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    names = archive.namelist()
    assert names == [
        "18-71-01-1006-kelurahan-sidodadi-8.pdf",
        "18-71-01-1004-kelurahan-surabaya-8.pdf",
        "lainnya-tingkat-kecamatan-dan-opd-8.pdf",
        "index.csv",
    ]
    assert all(archive.read(n).startswith(b"%PDF") for n in names[:-1])
    index = list(csv.DictReader(io.StringIO(archive.read("index.csv").decode("utf-8-sig"))))
    assert [(r["berkas"], r["kode"]) for r in index] == [
        (names[0], kedaton["Sidodadi RT 1"].code),
        (names[1], kedaton["Surabaya RT 1"].code),
        (names[1], kedaton["Surabaya RT 2"].code),
        (names[2], "KECAMA"),
    ]
    assert index[1]["wilayah"] == "RT 001 / RW 001, Surabaya" and index[1]["kecamatan"] == "Kecamatan Kedaton"
    surabaya = pdf_text(archive.read(names[1]), tmp_path)
    assert kedaton["Surabaya RT 1"].code in surabaya and kedaton["Sidodadi RT 1"].code not in surabaya


def test_an_opd_batch_groups_its_links_by_kelurahan_too(coordinator_client, kedaton, db, tmp_path):
    opd = OpdFactory()
    link = kedaton["Surabaya RT 2"]
    link.opd = opd
    db.session.commit()
    response = coordinator_client.get(f"/links/flyers?scope=opd:{opd.id}&layout=1&bundle=book")
    text = pdf_text(response.data, tmp_path)
    assert "Kelurahan Surabaya" in text and link.code in text and kedaton["Surabaya RT 1"].code not in text


def test_the_download_tells_the_page_it_has_arrived(coordinator_client, kedaton):
    response = coordinator_client.get(f"/links/flyers?scope=area:{kedaton['kec'].id}&layout=4&ticket=abc123def456")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("flyers_ready=abc123def456") and "Path=/links/flyers" in cookie
    page = coordinator_client.get("/links/flyers").get_data(as_text=True)
    assert "data-download-progress" in page and "js/download-progress.js" in page and "<progress" in page
    bad = coordinator_client.get(f"/links/flyers?scope=area:{kedaton['kec'].id}&layout=4&ticket=%3Cscript%3E")
    assert "Set-Cookie" not in bad.headers or "flyers_ready" not in bad.headers.get("Set-Cookie", "")


@pytest.mark.parametrize("fixture", ["promoter_client", "leadership_client"])
def test_bulk_print_is_denied_to_promoters_and_leadership(request, fixture, kedaton):
    client = request.getfixturevalue(fixture)
    assert client.get(f"/links/flyers?scope=area:{kedaton['kec'].id}&bundle=zip").status_code == 403
