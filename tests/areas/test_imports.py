"""Importing and exporting RW/RT units as CSV through the pages."""

import io
import re

import pytest
from sqlalchemy import func, select

from outreach.areas.models import Area
from outreach.audit.models import AuditEvent
from outreach.imports.models import PendingImport
from tests.factories import make_area_tree


@pytest.fixture
def tree(db):
    made = make_area_tree(kelurahan=2, rw=1, rt=2)
    db.session.commit()
    return made


def upload(client, content: str | bytes, filename: str = "rwrt.csv"):
    data = content.encode("utf-8") if isinstance(content, str) else content
    return client.post("/areas/import", data={"file": (io.BytesIO(data), filename)}, content_type="multipart/form-data")


def confirm(client, preview_response):
    token = re.search(r'name="token" type="hidden" value="([^"]+)"', preview_response.get_data(as_text=True))
    assert token, "no confirm form in the preview"
    return client.post("/areas/import/confirm", data={"token": token.group(1)})


def _areas(db):
    return db.session.scalar(select(func.count()).select_from(Area))


def test_preview_counts_rows_to_add_update_and_keep_then_confirm_writes_them(coordinator_client, db, tree):
    csv_text = (
        "kelurahan_code,rw,rt,name,active\n"
        "18.71.01.1001,1,1,,1\n"  # unchanged
        "18.71.01.1001,1,2,Gang Mawar,\n"  # name changes
        "18.71.01.1001,1,3,,\n"  # new RT
        "18.71.01.1002,4,1,,1\n"  # new RT below a new RW (RW created too)
    )
    before = _areas(db)
    preview = upload(coordinator_client, csv_text)
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert re.findall(r'class="big">(\d+)<', html) == ["3", "1", "1"]
    assert _areas(db) == before  # nothing written by the preview
    response = confirm(coordinator_client, preview)
    assert response.status_code == 302
    assert _areas(db) == before + 3
    assert db.session.scalar(select(Area.name).where(Area.code == "18.71.01.1001.001.002")) == "RT 002 Gang Mawar"
    new_rt = db.session.scalar(select(Area).where(Area.code == "18.71.01.1002.004.001"))
    assert new_rt.parent.code == "18.71.01.1002.004" and new_rt.parent.parent.code == "18.71.01.1002"
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "area.import"))
    assert event.changes["added"] == 3 and event.changes["updated"] == 1 and event.changes["unchanged"] == 1
    assert db.session.scalar(select(func.count()).select_from(PendingImport)) == 0


def test_semicolons_and_bom_from_indonesian_excel_are_read(coordinator_client, db, tree):
    content = "\ufeffKelurahan_Code;RW;RT\r\n18.71.01.1001;2;\r\n18.71.01.1001;2;1\r\n".encode()
    preview = upload(coordinator_client, content)
    assert preview.status_code == 200
    confirm(coordinator_client, preview)
    assert db.session.scalar(select(Area.level).where(Area.code == "18.71.01.1001.002")) == "rw"
    assert db.session.scalar(select(Area.level).where(Area.code == "18.71.01.1001.002.001")) == "rt"


@pytest.mark.parametrize(
    ("csv_text", "line", "column", "message"),
    [
        (
            "kelurahan_code,rw,rt\n18.71.01.1001,1,5\n18.71.99.9999,1,1\n",
            3,
            "kelurahan_code",
            "Kode kelurahan 18.71.99.9999 tidak dikenal",
        ),
        ("kelurahan_code,rw,rt\n18.71.01,1,1\n", 2, "kelurahan_code", "Kode kelurahan 18.71.01 tidak dikenal"),
        ("kelurahan_code,rw,rt\n,1,1\n", 2, "kelurahan_code", "Nilai kosong"),
        ("kelurahan_code,rw,rt\n18.71.01.1001,,1\n", 2, "rw", "Nilai kosong"),
        ("kelurahan_code,rw,rt\n18.71.01.1001,1,abc\n", 2, "rt", "abc bukan angka 1 sampai 999"),
        (
            "kelurahan_code,rw,rt\n18.71.01.1001,1,5\n18.71.01.1001,001,005\n",
            3,
            "rt",
            "Duplikat: baris 2 berisi unit yang sama",
        ),
        ("kelurahan_code,rw,rt,active\n18.71.01.1001,1,5,mungkin\n", 2, "active", "mungkin bukan ya/tidak"),
        ("kelurahan_code,rw,rt\n18.71.01.1001,1,5,extra\n", 2, None, "lebih banyak sel"),
    ],
)
def test_bad_rows_are_reported_with_line_and_column_and_nothing_is_imported(
    coordinator_client, db, tree, csv_text, line, column, message
):
    before = _areas(db)
    response = upload(coordinator_client, csv_text)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    shown = {"kelurahan_code": "kode_kelurahan", "active": "aktif"}.get(column, column)
    assert re.search(rf'<td class="num">{line}</td><td>{shown or "—"}</td><td>[^<]*{message}', html), html
    assert 'name="token"' not in html
    assert _areas(db) == before


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"rw,rt\n1,1\n", "a.csv", "tidak memiliki kolom kode_kelurahan"),
        (b"kelurahan_code,rw,colour\nx,1,red\n", "a.csv", "Kolom tidak dikenal colour"),
        (b"PK\x03\x04\x14\x00\x06\x00", "rwrt.csv", "buku kerja Excel"),
        (b"\x00\x01\x02binary", "rwrt.csv", "data biner"),
        (b"kelurahan_code,rw\n", "rwrt.xlsx", "bukan buku kerja Excel"),
        (b"kelurahan_code,rw\n", "rwrt.ods", "bukan berkas CSV atau Excel"),
        (b"", "rwrt.csv", "kosong"),
    ],
)
def test_unusable_files_are_refused_with_a_clear_message(coordinator_client, db, tree, content, filename, message):
    response = upload(coordinator_client, content, filename)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)


def test_oversized_file_is_refused(coordinator_client, db, tree):
    big = "kelurahan_code,rw,rt\n" + "18.71.01.1001,1,1\n" * 250_000
    response = upload(coordinator_client, big)
    assert response.status_code == 400
    assert "batasnya 4096 KB" in response.get_data(as_text=True)
    assert _areas(db) == len(tree)


def test_upload_beyond_the_request_limit_gets_the_too_large_page(coordinator_client, db, tree):
    response = upload(coordinator_client, b"kelurahan_code,rw\n" + b"x" * (6 * 1024 * 1024))
    assert response.status_code == 413


def test_export_round_trips_through_import_unchanged(coordinator_client, db, tree):
    exported = coordinator_client.get("/areas/export.csv")
    assert exported.headers["Content-Type"].startswith("text/csv")
    text = exported.get_data(as_text=True)
    assert text.startswith("\ufeffcode,kelurahan_code,rw,rt,name,active")
    assert "18.71.01.1001.001.002,18.71.01.1001,001,002,RT 002,1" in text
    preview = upload(coordinator_client, exported.data)
    assert re.findall(r'class="big">(\d+)<', preview.get_data(as_text=True)) == ["0", "0", "6"]


def test_export_neutralises_formula_cells(coordinator_client, db, tree):
    rt = tree["18.71.01.1001.001.001"]
    rt.name = '=HYPERLINK("http://evil")'
    db.session.commit()
    text = coordinator_client.get("/areas/export.csv").get_data(as_text=True)
    assert "'=HYPERLINK" in text and ",=HYPERLINK" not in text


def test_confirm_with_an_unknown_token_writes_nothing(coordinator_client, db, tree):
    before = _areas(db)
    response = coordinator_client.post("/areas/import/confirm", data={"token": "forged"})
    assert response.status_code == 302 and response.headers["Location"] == "/areas/import"
    assert _areas(db) == before


def test_another_users_upload_cannot_be_confirmed(coordinator_client, admin_client, db, tree):
    preview = upload(coordinator_client, "kelurahan_code,rw,rt\n18.71.01.1001,1,9\n")
    before = _areas(db)
    response = confirm(admin_client, preview)
    assert response.status_code == 302
    assert _areas(db) == before


def test_a_name_longer_than_its_column_is_refused_in_the_preview_with_line_and_column(coordinator_client, db, tree):
    before = _areas(db)
    response = upload(
        coordinator_client, "kelurahan_code,rw,rt,name\n18.71.01.1001,1,1,\n18.71.01.1001,1,3," + "x" * 200
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(
        r'<td class="num">3</td><td>nama</td><td>[^<]*Terlalu panjang: 207 karakter, paling banyak 120', html
    )
    assert 'name="token"' not in html
    assert _areas(db) == before


@pytest.fixture
def moved_rw(db, tree):
    """RW 002 of Kelurahan Uji 1-2 (with RT 001 and 002), moved under Kelurahan Uji 1-1: it keeps its code."""
    from outreach.areas.services import move_area

    old_kelurahan, new_kelurahan = tree["18.71.01.1002"], tree["18.71.01.1001"]
    rw = Area(code="18.71.01.1002.002", name="RW 002", level="rw", parent=old_kelurahan)
    rts = [Area(code=f"{rw.code}.00{n}", name=f"RT 00{n}", level="rt", parent=rw) for n in (1, 2)]
    db.session.add_all([rw, *rts])
    db.session.flush()
    move_area(rw, new_kelurahan)
    db.session.commit()
    return rw


def test_the_export_puts_a_moved_unit_in_the_kelurahan_it_lies_in_now(coordinator_client, db, tree, moved_rw):
    new_home = coordinator_client.get(f"/areas/export.csv?kelurahan={moved_rw.parent_id}").get_data(as_text=True)
    assert "18.71.01.1002.002,18.71.01.1001,002,,RW 002,1" in new_home
    assert "18.71.01.1002.002.001,18.71.01.1001,002,001,RT 001,1" in new_home
    old_home = coordinator_client.get(f"/areas/export.csv?kelurahan={tree['18.71.01.1002'].id}").get_data(as_text=True)
    assert "18.71.01.1002.002" not in old_home
    assert "18.71.01.1002.001.001,18.71.01.1002,001,001" in old_home


def test_a_moved_unit_round_trips_and_is_found_where_it_lies_now(coordinator_client, db, moved_rw):
    exported = coordinator_client.get("/areas/export.csv")
    preview = upload(coordinator_client, exported.data)
    assert re.findall(r'class="big">(\d+)<', preview.get_data(as_text=True)) == ["0", "0", "9"]
    before = _areas(db)
    csv_text = (
        "kelurahan_code,rw,rt,name\n"
        "18.71.01.1001,2,1,Gang Baru\n"  # the moved RW's RT 001, named where it lies now
        "18.71.01.1001,2,5,\n"  # a new RT in the moved RW
    )
    response = confirm(coordinator_client, upload(coordinator_client, csv_text))
    assert response.status_code == 302
    assert _areas(db) == before + 1
    assert db.session.get(Area, moved_rw.children[0].id).name == "RT 001 Gang Baru"
    new_rt = db.session.scalar(select(Area).where(Area.parent_id == moved_rw.id, Area.name == "RT 005"))
    assert new_rt is not None and new_rt.code == "18.71.01.1002.002.005"
    assert not db.session.scalar(select(Area).where(Area.code == "18.71.01.1001.002"))


def test_a_new_unit_whose_code_a_moved_unit_kept_is_refused_with_line_and_column(coordinator_client, db, moved_rw):
    before = _areas(db)
    response = upload(coordinator_client, "kelurahan_code,rw,rt\n18.71.01.1001,1,3\n18.71.01.1002,2,\n")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(r'<td class="num">3</td><td>rw</td><td>[^<]*Kode 18.71.01.1002.002 masih dipakai RW 002', html), (
        html
    )
    assert _areas(db) == before


def test_a_place_two_moved_units_share_is_refused_with_line_and_column(coordinator_client, db, tree):
    from outreach.areas.services import move_area

    move_area(tree["18.71.01.1002.001"], tree["18.71.01.1001"])  # next to the kelurahan's own RW 001
    db.session.commit()
    response = upload(coordinator_client, "kelurahan_code,rw,rt,name\n18.71.01.1001,1,1,Gang Mawar\n")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert re.search(
        r'<td class="num">2</td><td>rw</td><td>[^<]*Dua unit memakai nomor ini di sini '
        r"\(kode 18.71.01.1001.001, 18.71.01.1002.001\)",
        html,
    ), html
