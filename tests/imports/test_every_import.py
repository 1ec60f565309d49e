"""Every import kind (areas, promoters, respondent counts, targets, baselines) through HTTP, in Excel.

Each reads the same framework, so each must: name the sheet with the row and column of a row's
problem, and refuse a malformed workbook (wrong sheet, merged header cells, a formula, a missing
column, a file over the size limit) whole, with a message naming the sheet, writing nothing.
"""

import io
import re
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import func, select

from outreach.areas.models import Area
from outreach.imports.models import PendingImport
from outreach.imports.views import TEMPLATES
from outreach.participation.models import Baseline, RespondentCount, SurveyRound, Target
from outreach.promoters.models import Promoter
from tests.factories import OpdFactory, make_area_tree
from tests.imports.helpers import problem_at, workbook


@dataclass(frozen=True)
class Kind:
    """One import: where it is uploaded, under which form field, and the column a test breaks."""

    name: str
    url: str
    field: str
    broken_header: str
    broken_value: str
    extra: tuple = ()

    @property
    def sheet(self) -> str:
        return TEMPLATES[self.name].sheet

    def rows(self, broken: bool = False) -> list[list[str]]:
        template = TEMPLATES[self.name]
        example = template.example()
        if broken:
            example[template.header().index(self.broken_header)] = self.broken_value
        return [template.header(), example]


KINDS = [
    Kind("promoters", "/promoters/import", "file", "peran", "lurah"),
    Kind("areas", "/areas/import", "file", "rw", "abc"),
    Kind("counts", "/participation/counts/import", "file", "tanggal", "kemarin", (("source", "KPK"),)),
    Kind("targets", "/participation/plan/targets/import", "targets-file", "sasaran", "0"),
    Kind("baselines", "/participation/plan/baselines/import", "baselines-file", "jumlah", "banyak"),
]
WRITTEN = (Promoter, Area, RespondentCount, Target, Baseline, PendingImport)


@pytest.fixture
def ready(db):
    make_area_tree(kelurahan=3, rw=1, rt=2)
    OpdFactory(code="kec-kedaton", name="Kecamatan Kedaton")
    db.session.add(SurveyRound(name="SPI 2026", year=2026, starts_on=date(2026, 9, 1), deadline=date(2026, 12, 11)))
    db.session.commit()


def send(client, kind: Kind, data: bytes, filename: str = "dari-kelurahan.xlsx"):
    form = {kind.field: (io.BytesIO(data), filename), **dict(kind.extra)}
    return client.post(kind.url, data=form, content_type="multipart/form-data")


def written(db) -> list[int]:
    return [db.session.scalar(select(func.count()).select_from(m)) for m in WRITTEN]


def token_in(html: str) -> str:
    return re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_the_template_workbook_is_previewed_then_imported_on_confirm(admin_client, db, ready, kind):
    before = written(db)
    preview = send(admin_client, kind, workbook(kind.rows(), kind.sheet))
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200, html
    assert written(db)[:-1] == before[:-1]  # only the pending upload is kept
    confirm = admin_client.post(f"{kind.url}/confirm", data={"token": token_in(html), **dict(kind.extra)})
    assert confirm.status_code == 302
    assert written(db)[-1] == before[-1]  # the pending upload is gone once imported
    assert "diimpor" in admin_client.get(confirm.headers["Location"]).get_data(as_text=True)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_a_bad_row_is_located_by_sheet_row_and_column(admin_client, db, ready, kind):
    before = written(db)
    response = send(admin_client, kind, workbook(kind.rows(broken=True), kind.sheet))
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "Tidak ada yang diimpor" in html
    assert problem_at(html, 2, kind.broken_header, sheet=kind.sheet), html
    assert 'name="token"' not in html and written(db) == before


def _wrong_sheet(kind: Kind) -> tuple[bytes, str]:
    return workbook(kind.rows(), "Data", more_sheets=["Lain"]), (
        f"Buku kerja ini tidak punya lembar “{kind.sheet}” (yang ada: Data, Lain)"
    )


def _merged_header(kind: Kind) -> tuple[bytes, str]:
    return workbook(kind.rows(), kind.sheet, merge="A1:B1"), f"Lembar “{kind.sheet}” berisi sel gabungan (A1:B1)"


def _formula(kind: Kind) -> tuple[bytes, str]:
    rows = kind.rows()
    rows[1][-1] = "=1+1"
    return workbook(rows, kind.sheet), f"Lembar “{kind.sheet}”, sel {chr(ord('A') + len(rows[1]) - 1)}2 berisi rumus"


def _missing_column(kind: Kind) -> tuple[bytes, str]:
    rows = [row[1:] for row in kind.rows()]  # the first column is required in every template
    return workbook(rows, kind.sheet), f"Lembar “{kind.sheet}”"


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
@pytest.mark.parametrize("make", [_wrong_sheet, _merged_header, _formula, _missing_column])
def test_a_malformed_workbook_is_refused_whole_naming_the_sheet(admin_client, db, ready, kind, make):
    data, message = make(kind)
    before = written(db)
    response = send(admin_client, kind, data)
    html = response.get_data(as_text=True).replace("&#34;", '"')
    assert response.status_code == 400
    assert message in html, html
    assert 'name="token"' not in html and written(db) == before


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_a_file_over_the_limit_is_refused_before_it_is_read(admin_client, db, ready, kind, monkeypatch):
    monkeypatch.setattr("outreach.imports.reading.DEFAULT_MAX_BYTES", 1024)
    read = []
    monkeypatch.setattr("outreach.imports.reading.read_upload", lambda *a, **k: read.append(a))
    before = written(db)
    response = send(admin_client, kind, workbook(kind.rows(), kind.sheet))
    assert response.status_code == 400 and "batasnya 1 KB" in response.get_data(as_text=True)
    assert read == [] and written(db) == before


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.name)
def test_a_20_mb_workbook_is_refused_whole(admin_client, db, ready, kind):
    before = written(db)
    response = send(admin_client, kind, b"PK\x03\x04" + b"\x00" * (20 * 1024 * 1024))
    html = response.get_data(as_text=True)
    assert response.status_code == 413 and "lebih besar dari 5 MB" in html and "Tidak ada yang dibaca" in html
    assert written(db) == before


def test_a_problem_found_at_confirm_still_names_the_sheet(admin_client, db, ready):
    kind = KINDS[0]
    preview = send(admin_client, kind, workbook(kind.rows(), kind.sheet))
    token = token_in(preview.get_data(as_text=True))
    # Between the preview and the confirm, the example row's area is switched off.
    db.session.scalar(select(Area).where(Area.code == "18.71.01.1003")).active = False
    db.session.commit()
    before = written(db)
    response = admin_client.post("/promoters/import/confirm", data={"token": token})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and problem_at(html, 2, "kode_wilayah", "tidak aktif", sheet=kind.sheet), html
    assert written(db) == before
