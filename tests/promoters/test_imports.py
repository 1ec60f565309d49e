"""Importing and exporting promoters with their assignments as CSV through the pages."""

import io
import re
from datetime import date

import pytest
from sqlalchemy import func, select

from outreach import clock
from outreach.audit.models import AuditEvent
from outreach.promoters import imports as promoter_imports
from outreach.promoters.models import Assignment, Promoter
from tests.conftest import PASSWORD, csrf_token, login
from tests.factories import AssignmentFactory, OpdFactory, PromoterFactory, UserFactory, make_area_tree


@pytest.fixture
def tree(db):
    made = make_area_tree(kelurahan=2, rw=1, rt=2)
    OpdFactory(code="kec-uji", name="Kecamatan Uji 1")
    db.session.commit()
    return made


def upload(client, content, filename="promotor.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post(
        "/promoters/import", data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data"
    )


def confirm(client, preview_response):
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', preview_response.get_data(as_text=True))
    assert token, "no confirm form in the preview"
    return client.post("/promoters/import/confirm", data={"token": token.group(1)})


def counts(response):
    return [int(n) for n in re.findall(r'class="big">(\d+)<', response.get_data(as_text=True))]


def _snapshot(db):
    return [db.session.scalar(select(func.count()).select_from(model)) for model in (Promoter, Assignment, AuditEvent)]


GOOD = (
    "name,role,phone,opd_code,area_codes\n"
    "Siti Rahmawati,pamong,0812-3456-7890,kec-uji,18.71.01.1001\n"
    "Budi Santoso,Ketua RT,+62 813 2222 3333,,18.71.01.1001.001.001|18.71.01.1001.001.002\n"
    "Ani Lestari,linmas,0857 1111 2222,,\n"
)


def test_preview_then_confirm_imports_promoters_and_their_assignments(coordinator_client, db, tree):
    before = _snapshot(db)
    preview = upload(coordinator_client, GOOD)
    assert preview.status_code == 200 and counts(preview) == [3, 0, 0]
    assert _snapshot(db) == before
    assert confirm(coordinator_client, preview).status_code == 302
    siti = db.session.scalar(select(Promoter).where(Promoter.phone == "+6281234567890"))
    assert (siti.name, siti.role, siti.opd.code) == ("Siti Rahmawati", "pamong", "kec-uji")
    assert [a.area.code for a in siti.current_assignments()] == ["18.71.01.1001"]
    budi = db.session.scalar(select(Promoter).where(Promoter.phone == "+6281322223333"))
    assert budi.role == "rt" and len(budi.current_assignments()) == 2
    assert (
        db.session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "promoter.create"))
        == 3
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "promoter.import"))
    assert event.user_id == coordinator_client.user.id and event.changes["added"] == 3
    assert event.changes["assignments_started"] == 3


def test_reimport_of_the_same_file_is_unchanged_and_an_edit_is_an_update(coordinator_client, db, tree):
    confirm(coordinator_client, upload(coordinator_client, GOOD))
    assert counts(upload(coordinator_client, GOOD)) == [0, 0, 3]
    moved = GOOD.replace("kec-uji,18.71.01.1001\n", "kec-uji,18.71.01.1002\n")
    preview = upload(coordinator_client, moved)
    assert counts(preview) == [0, 1, 2]
    confirm(coordinator_client, preview)
    siti = db.session.scalar(select(Promoter).where(Promoter.phone == "+6281234567890"))
    history = sorted((a.area.code, a.end_date) for a in siti.assignments)
    assert history == [("18.71.01.1001", clock.today()), ("18.71.01.1002", None)]
    update = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "promoter.update"))
    assert update.changes == {"areas": ["18.71.01.1001", "18.71.01.1002"]}


def test_export_round_trips_and_neutralises_formulas(coordinator_client, db, tree):
    promoter = PromoterFactory(name="=cmd|' /C calc'!A0", phone="+6281234567890")
    AssignmentFactory(promoter=promoter, area=tree["18.71.01.1001"], start_date=date(2026, 7, 1))
    db.session.commit()
    exported = coordinator_client.get("/promoters/export.csv")
    text = exported.get_data(as_text=True)
    assert text.startswith("\ufeffid,name,role,phone,opd_code,area_codes,active")
    assert "'=cmd" in text and ",=cmd" not in text and "'+6281234567890" in text
    assert counts(upload(coordinator_client, exported.data)) == [0, 0, 1]


def test_semicolon_file_with_bom_from_excel_is_read(coordinator_client, db, tree):
    content = "\ufeff" + GOOD.replace(",", ";").replace("\n", "\r\n")
    preview = upload(coordinator_client, content.encode("utf-8"))
    assert counts(preview) == [3, 0, 0]
    confirm(coordinator_client, preview)
    assert db.session.scalar(select(func.count()).select_from(Promoter)) == 3


HEADER = "name,role,phone,opd_code,area_codes\n"


@pytest.mark.parametrize(
    ("rows", "line", "column", "message"),
    [
        ("Siti,pamong,0812-3456-7890,,18.71.09.9999\n", 2, "area_codes", "Kode wilayah 18.71.09.9999 tidak dikenal"),
        ("Siti,pamong,0812,,\n", 2, "phone", "0812 bukan nomor telepon Indonesia yang valid"),
        (
            "Siti,pamong,0812-3456-7890,,\nBudi,rt,081234567890,,\n",
            3,
            "phone",
            "Duplikat: baris 2 berisi nomor telepon yang sama",
        ),
        ("Siti,pamong,0812-3456-7890,,\nBudi,rt,,,\n", 3, "phone", "Nilai kosong"),
        (",pamong,0812-3456-7890,,\n", 2, "name", "Nilai kosong"),
        ("Siti,lurah,0812-3456-7890,,\n", 2, "role", "lurah bukan peran"),
        ("Siti,pamong,0812-3456-7890,dinas-x,\n", 2, "opd_code", "Kode OPD dinas-x tidak dikenal"),
        ("Siti,pamong,0812-3456-7890,,,extra\n", 2, None, "lebih banyak sel"),
    ],
)
def test_each_bad_row_is_reported_with_line_column_and_reason(
    coordinator_client, db, tree, rows, line, column, message
):
    before = _snapshot(db)
    response = upload(coordinator_client, HEADER + rows)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    shown = {"area_codes": "kode_wilayah", "phone": "telepon", "name": "nama", "role": "peran", "opd_code": "kode_opd"}
    assert re.search(rf'<td class="num">{line}</td><td>{shown.get(column, "—")}</td><td>[^<]*{message}', html), html
    assert 'name="token"' not in html
    assert _snapshot(db) == before


def test_phone_of_another_promoter_in_the_database_is_refused(coordinator_client, db, tree):
    existing = PromoterFactory(name="Budi Santoso", phone="+6281234567890")
    db.session.commit()
    response = upload(coordinator_client, HEADER + "Siti Rahmawati,pamong,0812 3456 7890,,\n")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f"sudah milik Budi Santoso (id {existing.id})" in html


def test_unknown_id_is_refused(coordinator_client, db, tree):
    response = upload(coordinator_client, "id,name,role,phone\n999,Siti,pamong,081234567890\n")
    assert response.status_code == 422 and "Tidak ada promotor dengan id 999" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"nama,telepon\nSiti,0812\n", "p.csv", "tidak memiliki kolom peran"),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00", "p.csv", "buku kerja Excel"),
        (b"\x89PNG\r\n\x1a\n", "p.csv", "gambar PNG"),
        (b"name,role\x00,phone", "p.csv", "data biner"),
        (b"name,role,phone\nS\xe9ti,rt,0812\n", "p.csv", "Baris 2 bukan teks UTF-8"),
        (GOOD.encode(), "promotor.xlsx", "bukan buku kerja Excel"),
        (GOOD.encode(), "promotor.xls", "promotor.xls bukan berkas CSV atau Excel (.xlsx)"),
    ],
)
def test_unusable_files_are_refused_with_a_clear_message(coordinator_client, db, tree, content, filename, message):
    response = upload(coordinator_client, content, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_oversized_file_is_refused_with_the_limit(coordinator_client, db, tree):
    row = "Promotor Dengan Nama Yang Cukup Panjang,pamong,0812-3456-7890,,18.71.01.1001\n"
    big = HEADER + row * (4 * 1024 * 1024 // len(row) + 10)
    response = upload(coordinator_client, big)
    assert response.status_code == 400
    assert "batasnya 4096 KB" in response.get_data(as_text=True)


def test_a_failure_while_writing_rolls_back_everything(coordinator_client, db, tree, monkeypatch):
    preview = upload(coordinator_client, GOOD)
    before = _snapshot(db)

    def explode(*_args, **_kwargs):
        raise RuntimeError("disk full")

    # Fails after the promoters and assignments were inserted, before the summary event.
    monkeypatch.setattr(promoter_imports, "record_event", explode)
    with pytest.raises(RuntimeError):
        confirm(coordinator_client, preview)
    assert _snapshot(db) == before


def test_data_changed_after_the_preview_is_checked_again_at_confirm(coordinator_client, db, tree):
    preview = upload(coordinator_client, GOOD)
    PromoterFactory(name="Orang Lain", phone="+6285711112222")
    db.session.commit()
    before = _snapshot(db)
    response = confirm(coordinator_client, preview)
    assert response.status_code == 422
    assert "sudah milik Orang Lain" in response.get_data(as_text=True)
    assert _snapshot(db) == before


def test_deactivating_by_import_also_blocks_the_promoters_login(coordinator_client, client, db, tree):
    user = UserFactory(role="promoter")
    db.session.commit()
    promoter = user.promoter
    row = f"{promoter.id},{promoter.name},pamong,{promoter.phone},0"
    preview = upload(coordinator_client, "id,name,role,phone,active\n" + row + "\n")
    assert counts(preview) == [0, 1, 0]
    confirm(coordinator_client, preview)
    assert db.session.get(Promoter, promoter.id).active is False
    assert login(client, user).status_code == 401


def test_upload_without_csrf_token_is_refused(csrf_client, db, tree):
    user = UserFactory(role="coordinator")
    db.session.commit()
    token = csrf_token(csrf_client.get("/auth/login").get_data(as_text=True))
    csrf_client.post("/auth/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token})
    response = upload(csrf_client, GOOD)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(Promoter)) == 0


def test_a_name_longer_than_its_column_is_refused_in_the_preview_with_line_and_column(coordinator_client, db, tree):
    before = _snapshot(db)
    response = upload(
        coordinator_client, HEADER + "Siti,pamong,0812-3456-7890,,\n" + "B" * 121 + ",rt,081298765432,,\n"
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(
        r'<td class="num">3</td><td>nama</td><td>[^<]*Terlalu panjang: 121 karakter, paling banyak 120', html
    )
    assert 'name="token"' not in html
    assert _snapshot(db) == before
