"""Import templates (CSV and Excel) that round-trip, Excel uploads read as CSV, and workbooks refused whole."""

import io
import re

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from outreach.areas.models import Area
from outreach.audit.models import AuditEvent
from outreach.promoters.models import Assignment, Promoter
from tests.factories import OpdFactory, make_area_tree
from tests.imports import helpers


@pytest.fixture
def tree(db):
    made = make_area_tree(kelurahan=3, rw=1, rt=2)
    OpdFactory(code="kec-kedaton", name="Kecamatan Kedaton")
    db.session.commit()
    return made


def upload(client, data: bytes, filename: str, url: str = "/promoters/import"):
    return client.post(url, data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def confirm(client, preview, url: str = "/promoters/import/confirm"):
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', preview.get_data(as_text=True))
    assert token, "no confirm form in the preview"
    return client.post(url, data={"token": token.group(1)})


def workbook(rows, sheet="Promotor", merge=None) -> bytes:
    return helpers.workbook(rows, sheet, merge)


def _written(db):
    return [db.session.scalar(select(func.count()).select_from(m)) for m in (Promoter, Assignment, AuditEvent)]


HEADER = ["nama", "peran", "telepon", "kode_opd", "kode_wilayah", "aktif"]


def test_templates_have_indonesian_headers_an_example_row_and_notes(coordinator_client, tree):
    csv_response = coordinator_client.get("/imports/promoters/template.csv")
    assert csv_response.status_code == 200 and csv_response.mimetype == "text/csv"
    assert 'filename="templat-promotor.csv"' in csv_response.headers["Content-Disposition"]
    lines = csv_response.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "nama,peran,telepon,kode_opd,kode_wilayah,aktif,id" and len(lines) == 2
    xlsx = coordinator_client.get("/imports/promoters/template.xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames == ["Promotor", "Catatan"]
    rows = list(book["Promotor"].values)
    assert list(rows[0]) == [*HEADER, "id"] and rows[1][:3] == ("Siti Rahmawati", "pamong", "0812-3456-7890")
    notes = dict(list(book["Catatan"].values)[1:])
    assert notes["telepon"].startswith("Wajib") and "Ya atau Tidak" in notes["aktif"]
    assert coordinator_client.get("/imports/areas/template.xlsx").status_code == 200
    assert coordinator_client.get("/imports/nothing/template.csv").status_code == 404
    assert coordinator_client.get("/imports/promoters/template.pdf").status_code == 404
    page = coordinator_client.get("/promoters/import").get_data(as_text=True)
    assert "/imports/promoters/template.xlsx" in page and "/imports/promoters/template.csv" in page


@pytest.mark.parametrize("fixture", ["promoter_client", "leadership_client"])
def test_promoters_and_leadership_get_no_templates(request, fixture):
    assert request.getfixturevalue(fixture).get("/imports/promoters/template.xlsx").status_code == 403


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_promoter_template_imports_as_it_is(coordinator_client, db, tree, fmt):
    template = coordinator_client.get(f"/imports/promoters/template.{fmt}").data
    preview = upload(coordinator_client, template, f"templat-promotor.{fmt}")
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    # Values as people write them: the role's label, Ya, the area by name with its code.
    assert "Aktif: Ya" in html and "Peran: Pamong" in html
    assert "Kelurahan Uji 1-3 (18.71.01.1003)" in html
    assert "active" not in re.sub(r"<[^>]+>", "", html.split("<h2>", 2)[1])
    assert confirm(coordinator_client, preview).status_code == 302
    siti = db.session.scalar(select(Promoter).where(Promoter.phone == "+6281234567890"))
    assert siti.name == "Siti Rahmawati" and siti.role == "pamong" and siti.active
    assert [a.area.code for a in siti.assignments] == ["18.71.01.1003"]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_rw_rt_template_imports_as_it_is(coordinator_client, db, tree, fmt):
    template = coordinator_client.get(f"/imports/areas/template.{fmt}").data
    preview = upload(coordinator_client, template, f"templat-rw-rt.{fmt}", url="/areas/import")
    assert preview.status_code == 200, preview.get_data(as_text=True)
    assert confirm(coordinator_client, preview, url="/areas/import/confirm").status_code == 302
    rt = db.session.scalar(select(Area).where(Area.code == "18.71.01.1003.001.002"))
    assert rt.name.startswith("RT 002") and rt.active


def test_a_filled_in_workbook_reports_problems_by_sheet_row_and_column(coordinator_client, db, tree):
    rows = [HEADER, ["Siti", "pamong", "0812-3456-7890", "", "", "Ya"], ["Budi", "lurah", 81355556666, "", "", ""]]
    before = _written(db)
    response = upload(coordinator_client, workbook(rows), "dari-kelurahan.xlsx")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert re.search(r"<td>Promotor</td><td class=\"num\">3</td><td>peran</td><td>[^<]*lurah bukan peran", html), html
    assert _written(db) == before


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (lambda: workbook([HEADER, ["Siti", "pamong", "0812-3456-7890"]], sheet="Sheet1"), None),
        (
            lambda: _two_sheets(),
            "Buku kerja ini tidak punya lembar “Promotor” (yang ada: Data, Lain)",
        ),
        (
            lambda: workbook([["nama", None, "telepon"], ["Siti", "pamong", "0812"]], merge="A1:B1"),
            "Lembar “Promotor” berisi sel gabungan (A1:B1)",
        ),
        (
            lambda: workbook([HEADER, ["Siti", "pamong", '=CONCAT("0812","3456")']]),
            "Lembar “Promotor”, sel C2 berisi rumus",
        ),
        (lambda: b"PK\x03\x04 not really a workbook", "Berkas ini rusak atau bukan buku kerja Excel"),
    ],
)
def test_a_malformed_workbook_is_refused_whole_with_a_clear_message(coordinator_client, db, tree, data, message):
    before = _written(db)
    response = upload(coordinator_client, data(), "promotor.xlsx")
    if message is None:  # a single sheet with another name is read: there is no doubt which one is meant
        assert response.status_code == 200, response.get_data(as_text=True)
        return
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert 'name="token"' not in response.get_data(as_text=True) and _written(db) == before


def _two_sheets() -> bytes:
    book = Workbook()
    book.active.title = "Data"
    book.create_sheet("Lain")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_a_workbook_with_too_many_rows_is_refused_from_its_declared_size(coordinator_client, db, tree, monkeypatch):
    from outreach.imports import workbooks

    loaded = []
    real = workbooks.load_workbook
    monkeypatch.setattr(workbooks, "load_workbook", lambda *a, **k: loaded.append(k) or real(*a, **k))
    rows = [HEADER] + [[f"Orang {n}", "pamong", f"0812{n:07d}"] for n in range(60)]
    monkeypatch.setattr("outreach.imports.reading.DEFAULT_MAX_ROWS", 50)
    response = upload(coordinator_client, workbook(rows), "promotor.xlsx")
    assert response.status_code == 400 and "Lembar “Promotor” berisi 61 baris; batasnya 50" in response.get_data(True)
    assert loaded == [{"read_only": True}]  # only the read-only peek at its size: the cells were never loaded


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(app, coordinator_client, db, tree, monkeypatch):
    monkeypatch.setattr("outreach.imports.reading.DEFAULT_MAX_BYTES", 1024)
    read = []
    monkeypatch.setattr("outreach.imports.reading.read_upload", lambda *a, **k: read.append(a))
    response = upload(coordinator_client, b"PK\x03\x04" + b"\x00" * 4096, "promotor.xlsx")
    assert response.status_code == 400 and "batasnya 1 KB" in response.get_data(as_text=True) and read == []


def test_a_20_mb_workbook_is_refused_whole_with_a_clear_message(coordinator_client, db, tree):
    before = _written(db)
    response = upload(coordinator_client, b"PK\x03\x04" + b"\x00" * (20 * 1024 * 1024), "promotor.xlsx")
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "lebih besar dari 5 MB" in html and "Tidak ada yang dibaca atau diimpor" in html
    assert _written(db) == before
