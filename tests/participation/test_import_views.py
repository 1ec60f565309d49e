"""Respondent counts, targets and baselines imported through the pages: check and preview, then confirm.

The preview writes nothing and says what each row would add, change or leave; a file with a problem
is refused at the preview, naming line and column, and nothing is kept to confirm; the confirm checks
the file again against the data as it is then, and writes every row or none.
"""

import csv
import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from outreach.audit.models import AuditEvent
from outreach.imports.models import PendingImport
from outreach.participation.models import Baseline, RespondentCount, Target
from outreach.participation.services import record_count, set_target
from tests.conftest import PASSWORD, csrf_token
from tests.factories import UserFactory
from tests.imports.helpers import problem_at, workbook

COUNTS = "/participation/counts/import"
TARGETS = "/participation/plan/targets/import"
BASELINES = "/participation/plan/baselines/import"
RANGE = {"start": "2026-09-01", "end": "2026-11-20"}
TWO_DAYS = b"date,unit,audience,count\n2026-10-01,18.71.01.1001,eksternal,30\n2026-10-02,18.71.01.1002,eksternal,12\n"


def _rows(db, model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def _upload(client, body: bytes, path: str = COUNTS, field: str = "file", **extra):
    return client.post(path, data={field: (io.BytesIO(body), "data.csv"), **extra}, content_type="multipart/form-data")


def _token(response) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == 200, html
    return re.search(r'name="token" type="hidden" value="([^"]+)"', html).group(1)


def _kecamatan_export(client) -> dict[str, dict[str, str]]:
    response = client.get("/participation/export/kecamatan.csv", query_string={**RANGE, "source": "respondents"})
    rows = csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    return {row["code"]: row for row in rows}


def test_a_counts_preview_writes_nothing_and_lists_what_each_row_does(coordinator_client, tree, db):
    record_count(date(2026, 10, 1), tree["a1"], "eksternal", "daily", 25, "KPK")
    record_count(date(2026, 10, 2), tree["a1"], "eksternal", "daily", 7, "KPK")
    db.session.commit()
    body = (
        b"date,unit,audience,count,source\n"
        b"2026-10-01,18.71.01.1001,eksternal,30,KPK\n"
        b"2026-10-02,18.71.01.1001,eksternal,7,KPK\n"
        b"2026-10-03,dinkes,internal,5,KPK\n"
    )
    response = _upload(coordinator_client, body, source="surat")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.findall(r'<p class="big">(\d+)</p>', html) == ["1", "1", "1"]  # to add, to update, unchanged
    assert "2026-10-03 · dinkes Dinas Kesehatan · internal · KPK" in html
    assert "<del>25</del> → 30" in html
    assert 'name="token"' in html and 'name="source" type="hidden" value="surat"' in html
    assert _rows(db, RespondentCount) == 2
    assert db.session.scalar(select(RespondentCount.reported).where(RespondentCount.day == date(2026, 10, 1))) == 25


@pytest.mark.parametrize(
    ("line3", "column", "says"),
    [
        ("2026-10-02,18.71.09.9999,eksternal,12", "unit", "bukan kode kelurahan"),
        ("2026-10-02,18.71.01.1002,eksternal,-3", "count", "bukan bilangan bulat"),
    ],
    ids=["unknown-kelurahan", "negative-count"],
)
def test_a_bad_row_is_refused_at_the_preview_naming_line_and_column(coordinator_client, tree, db, line3, column, says):
    body = f"date,unit,audience,count\n2026-10-01,18.71.01.1001,eksternal,30\n{line3}\n".encode()
    response = _upload(coordinator_client, body)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert problem_at(html, 3, column, says), html
    assert "Tidak ada yang diimpor" in html and 'name="token"' not in html
    assert _rows(db, RespondentCount) == 0 and _rows(db, PendingImport) == 0


def test_a_workbook_problem_names_sheet_row_and_the_files_column(coordinator_client, tree, db):
    rows = [["tanggal", "kode", "jenis_responden", "jumlah"], ["2026-10-01", "18.71.01.1001", "eksternal", "x"]]
    data = workbook(rows, "Jumlah responden")
    response = coordinator_client.post(
        COUNTS, data={"file": (io.BytesIO(data), "kpk.xlsx"), "source": "KPK"}, content_type="multipart/form-data"
    )
    assert response.status_code == 422
    assert problem_at(response.get_data(as_text=True), 2, "jumlah", sheet="Jumlah responden")


def test_confirm_writes_every_row_with_the_source_and_the_dashboard_counts_them(
    coordinator_client, leadership_client, tree, spi_round, db
):
    token = _token(_upload(coordinator_client, TWO_DAYS, source="surat camat"))
    response = coordinator_client.post(f"{COUNTS}/confirm", data={"token": token, "source": "surat camat"})
    assert response.status_code == 302 and response.headers["Location"] == "/participation/counts"
    page = coordinator_client.get("/participation/counts").get_data(as_text=True)
    assert "data.csv diimpor: 2 ditambahkan" in page
    assert set(db.session.scalars(select(RespondentCount.source))) == {"surat camat"}
    assert _rows(db, PendingImport) == 0
    assert _kecamatan_export(leadership_client)["18.71.01"]["round_to_date"] == "42"
    again = coordinator_client.post(f"{COUNTS}/confirm", data={"token": token, "source": "surat camat"})
    assert again.status_code == 302 and _rows(db, RespondentCount) == 2  # a token imports once


def test_the_source_is_checked_again_at_the_confirm(coordinator_client, tree, db):
    token = _token(_upload(coordinator_client, TWO_DAYS, source="KPK"))
    for source in ("", "   ", "x" * 61):
        response = coordinator_client.post(f"{COUNTS}/confirm", data={"token": token, "source": source})
        assert response.status_code == 302 and _rows(db, RespondentCount) == 0
    assert _rows(db, PendingImport) == 1


def test_a_confirm_checks_the_file_again_against_what_changed_since_the_preview(coordinator_client, tree, db):
    body = b"date,unit,audience,count,kind\n2026-10-02,disdik,internal,100,kumulatif\n"
    token = _token(_upload(coordinator_client, body, source="KPK"))
    # Meanwhile a running total of 120 is recorded for the day before: the file's 100 would now fall.
    record_count(date(2026, 10, 1), tree["disdik"], "internal", "cumulative", 120, "KPK")
    db.session.commit()
    response = coordinator_client.post(f"{COUNTS}/confirm", data={"token": token, "source": "KPK"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert problem_at(html, 2, "count", "120"), html
    assert 'name="token"' not in html
    assert _rows(db, RespondentCount) == 1  # only the count recorded in between


def test_a_confirm_token_of_another_user_or_another_import_is_refused(coordinator_client, admin_client, tree, db):
    token = _token(_upload(coordinator_client, TWO_DAYS, source="KPK"))
    other_user = admin_client.post(f"{COUNTS}/confirm", data={"token": token, "source": "KPK"})
    other_kind = coordinator_client.post(f"{TARGETS}/confirm", data={"token": token})
    for response in (other_user, other_kind):
        assert response.status_code == 302
    assert _rows(db, RespondentCount) == 0 and _rows(db, Target) == 0
    assert "kedaluwarsa" in admin_client.get("/participation/counts").get_data(as_text=True)
    assert coordinator_client.post(f"{COUNTS}/confirm", data={"token": token, "source": "KPK"}).status_code == 302
    assert _rows(db, RespondentCount) == 2  # still the owner's to confirm


def test_leadership_may_neither_preview_nor_confirm(leadership_client, coordinator_client, tree, spi_round, db):
    token = _token(_upload(coordinator_client, TWO_DAYS, source="KPK"))
    assert _upload(leadership_client, TWO_DAYS, source="KPK").status_code == 403
    assert leadership_client.post(f"{COUNTS}/confirm", data={"token": token, "source": "KPK"}).status_code == 403
    targets = b"unit,audience,target\n18.71.01.1001,eksternal,300\n"
    assert _upload(leadership_client, targets, path=TARGETS, field="targets-file").status_code == 403
    assert leadership_client.post(f"{TARGETS}/confirm", data={"token": token}).status_code == 403
    assert leadership_client.post(f"{BASELINES}/confirm", data={"token": token}).status_code == 403
    assert _rows(db, RespondentCount) == 0 and _rows(db, PendingImport) == 1


def test_preview_and_confirm_need_a_csrf_token(csrf_client, tree, db):
    user = UserFactory(role="coordinator")
    db.session.commit()
    sign_in = csrf_token(csrf_client.get("/auth/login").get_data(as_text=True))
    login_form = {"email": user.email, "password": PASSWORD, "csrf_token": sign_in}
    assert csrf_client.post("/auth/login", data=login_form).status_code == 302
    assert _upload(csrf_client, TWO_DAYS, source="KPK").status_code == 400
    html = csrf_client.get("/participation/counts").get_data(as_text=True)
    preview = _upload(csrf_client, TWO_DAYS, source="KPK", csrf_token=csrf_token(html))
    token = _token(preview)
    refused = csrf_client.post(f"{COUNTS}/confirm", data={"token": token, "source": "KPK"})
    assert refused.status_code == 400 and _rows(db, RespondentCount) == 0
    confirm = {"token": token, "source": "KPK", "csrf_token": csrf_token(preview.get_data(as_text=True))}
    assert csrf_client.post(f"{COUNTS}/confirm", data=confirm).status_code == 302
    assert _rows(db, RespondentCount) == 2


def test_an_upload_without_a_file_is_refused_on_the_upload_page(coordinator_client, tree, db):
    response = coordinator_client.post(COUNTS, data={"source": "x"})
    assert response.status_code == 400 and 'type="file"' in response.get_data(as_text=True)
    assert _rows(db, PendingImport) == 0


def test_targets_are_previewed_then_imported_and_the_figures_use_them(
    coordinator_client, leadership_client, tree, spi_round, db
):
    set_target(spi_round, tree["a2"], "eksternal", 200)
    db.session.commit()
    body = b"unit,audience,target\n18.71.01.1001,eksternal,300\n18.71.01.1002,eksternal,250\n"
    preview = _upload(coordinator_client, body, path=TARGETS, field="targets-file")
    html = preview.get_data(as_text=True)
    assert "Impor sasaran untuk SPI 2026" in html and "<del>200</del> → 250" in html
    assert re.findall(r'<p class="big">(\d+)</p>', html) == ["1", "1", "0"]
    assert _rows(db, Target) == 1
    response = coordinator_client.post(f"{TARGETS}/confirm", data={"token": _token(preview)})
    assert response.status_code == 302 and response.headers["Location"] == "/participation/plan"
    assert sorted(db.session.scalars(select(Target.target))) == [250, 300]
    assert _kecamatan_export(leadership_client)["18.71.01"]["target"] == "550"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "participation_target.import"))
    assert event is not None


def test_a_target_set_between_preview_and_confirm_is_updated_not_doubled(coordinator_client, tree, spi_round, db):
    body = b"unit,audience,target\n18.71.01.1001,eksternal,300\n"
    token = _token(_upload(coordinator_client, body, path=TARGETS, field="targets-file"))
    set_target(spi_round, tree["a1"], "eksternal", 120)
    db.session.commit()
    assert coordinator_client.post(f"{TARGETS}/confirm", data={"token": token}).status_code == 302
    assert list(db.session.scalars(select(Target.target))) == [300]
    assert "1 diperbarui" in coordinator_client.get("/participation/plan").get_data(as_text=True)


def test_a_target_past_32_bits_is_refused_with_its_line(coordinator_client, tree, spi_round, db):
    body = b"unit,audience,target\n18.71.01.1001,eksternal,99999999999\n"
    response = _upload(coordinator_client, body, path=TARGETS, field="targets-file")
    assert response.status_code == 422
    assert problem_at(response.get_data(as_text=True), 2, "target", "paling banyak 2147483647")
    assert _rows(db, Target) == 0 and _rows(db, PendingImport) == 0


def test_baselines_are_previewed_then_imported(coordinator_client, tree, spi_round, db):
    body = b"unit,audience,respondents,population\n18.71.01.1001,eksternal,210,9000\ndinkes,internal,80,\n"
    preview = _upload(coordinator_client, body, path=BASELINES, field="baselines-file")
    assert _rows(db, Baseline) == 0
    response = coordinator_client.post(f"{BASELINES}/confirm", data={"token": _token(preview)})
    assert response.status_code == 302
    assert {(b.respondents, b.population) for b in db.session.scalars(select(Baseline))} == {(210, 9000), (80, None)}


def test_plan_imports_need_a_round(coordinator_client, tree, db):
    body = b"unit,audience,target\n18.71.01.1001,eksternal,300\n"
    response = _upload(coordinator_client, body, path=TARGETS, field="targets-file")
    assert response.status_code == 302 and response.headers["Location"] == "/participation/plan"
    assert _rows(db, PendingImport) == 0
    assert coordinator_client.post("/participation/plan/rounds/import").status_code == 404
