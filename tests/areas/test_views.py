"""Area tree, RW/RT editing, OPDs and who may do what."""

import re

import pytest
from sqlalchemy import func, select

from outreach.areas.models import Area, Opd
from outreach.audit.models import AuditEvent
from tests.factories import AssignmentFactory, OpdFactory, PromoterFactory, make_area_tree


@pytest.fixture
def tree(db):
    made = make_area_tree(kelurahan=2, rw=1, rt=3)
    db.session.commit()
    return made


def _events(db, action):
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_tree_shows_kecamatan_with_rt_and_promoter_counts(coordinator_client, db, tree):
    AssignmentFactory(area=tree["18.71.01.1001.001.002"], promoter=PromoterFactory(role="rt"))
    AssignmentFactory(area=tree["18.71.01.1001"], promoter=PromoterFactory(role="pamong"))
    db.session.commit()
    html = coordinator_client.get("/areas/").get_data(as_text=True)
    assert "Kecamatan Uji 1" in html
    row = html.split("Kecamatan Uji 1</a>")[1].split("</tr>")[0]
    assert re.findall(r'class="num">(\d+)<', row) == ["6", "1", "0", "1"]  # RTs, pamong, linmas, RT heads


def test_kelurahan_page_lists_its_rw_and_promoters(leadership_client, db, tree):
    kel = tree["18.71.01.1001"]
    AssignmentFactory(area=kel, promoter=PromoterFactory(name="Siti Pamong"))
    db.session.commit()
    html = leadership_client.get(f"/areas/{kel.id}").get_data(as_text=True)
    assert "RW 001" in html and "Siti Pamong" in html
    assert "Tambah RW" not in html  # leadership reads only


def test_search_finds_by_name_and_code(coordinator_client, tree):
    by_name = coordinator_client.get("/areas/?q=uji 1-2").get_data(as_text=True)
    assert "Kelurahan Uji 1-2" in by_name and "Kelurahan Uji 1-1" not in by_name
    by_code = coordinator_client.get("/areas/?q=18.71.01.1002.001.00").get_data(as_text=True)
    assert by_code.count("<code>18.71.01.1002.001.00") == 3


def test_coordinator_adds_an_rt_below_an_rw(coordinator_client, db, tree):
    rw = tree["18.71.01.1001.001"]
    response = coordinator_client.post(f"/areas/{rw.id}/units", data={"number": "7", "label": "Gang Mawar"})
    assert response.status_code == 302
    rt = db.session.scalar(select(Area).where(Area.code == "18.71.01.1001.001.007"))
    assert rt.name == "RT 007 Gang Mawar" and rt.level == "rt" and rt.parent_id == rw.id
    event = _events(db, "area.create")[0]
    assert event.user_id == coordinator_client.user.id and event.changes["name"] == [None, "RT 007 Gang Mawar"]


def test_adding_an_existing_rt_is_refused_with_a_message(coordinator_client, db, tree):
    rw = tree["18.71.01.1001.001"]
    response = coordinator_client.post(f"/areas/{rw.id}/units", data={"number": "2"})
    assert response.headers["Location"] == f"/areas/{rw.id}"
    assert "RT 002 sudah ada di RW 001" in coordinator_client.get(f"/areas/{rw.id}").get_data(as_text=True)


def test_an_rt_cannot_be_added_below_a_kecamatan(coordinator_client, db, tree):
    kec = tree["18.71.01"]
    coordinator_client.post(f"/areas/{kec.id}/units", data={"number": "1"})
    assert db.session.scalar(select(func.count()).select_from(Area).where(Area.code == "18.71.01.001")) == 0


def test_rt_label_is_edited_and_audited_with_before_and_after(coordinator_client, db, tree):
    rt = tree["18.71.01.1001.001.001"]
    response = coordinator_client.post(f"/areas/{rt.id}/edit", data={"label": "Kampung Baru"})
    assert response.status_code == 302
    assert db.session.get(Area, rt.id).name == "RT 001 Kampung Baru"
    assert _events(db, "area.update")[0].changes == {"name": ["RT 001", "RT 001 Kampung Baru"]}


@pytest.mark.parametrize("code", ["18.71.01", "18.71.01.1001"])
def test_official_areas_are_not_edited_by_hand(coordinator_client, db, tree, code):
    area = tree[code]
    assert coordinator_client.get(f"/areas/{area.id}/edit").status_code == 403
    assert coordinator_client.post(f"/areas/{area.id}/active", data={"active": "0"}).status_code == 403
    assert db.session.get(Area, area.id).active is True


def test_deactivating_an_rw_deactivates_its_rts(admin_client, db, tree):
    rw = tree["18.71.01.1001.001"]
    admin_client.post(f"/areas/{rw.id}/active", data={"active": "0"})
    assert db.session.scalars(select(Area.active).where(Area.code.startswith("18.71.01.1001.001"))).all() == [False] * 4


def test_opd_is_created_edited_and_deactivated(coordinator_client, db, tree):
    response = coordinator_client.post(
        "/areas/opds/new", data={"code": "Diskominfo", "name": "Dinas Kominfo", "kind": "dinas", "area_id": "0"}
    )
    assert response.status_code == 302
    opd = db.session.scalar(select(Opd).where(Opd.code == "diskominfo"))
    kec = tree["18.71.01"]
    coordinator_client.post(
        f"/areas/opds/{opd.id}/edit",
        data={"code": "diskominfo", "name": "Dinas Komunikasi dan Informatika", "kind": "dinas", "area_id": kec.id},
    )
    coordinator_client.post(f"/areas/opds/{opd.id}/active", data={"active": "0"})
    opd = db.session.get(Opd, opd.id)
    assert (opd.name, opd.area_id, opd.active) == ("Dinas Komunikasi dan Informatika", kec.id, False)
    assert [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))] == [
        "opd.create",
        "opd.update",
        "opd.update",
    ]
    assert "<td>Dinas Komunikasi" not in coordinator_client.get("/areas/opds").get_data(as_text=True)
    assert "<td>Dinas Komunikasi" in coordinator_client.get("/areas/opds?active=0").get_data(as_text=True)


def test_duplicate_opd_code_is_refused(coordinator_client, db):
    OpdFactory(code="dinkes", name="Dinas Kesehatan")
    db.session.commit()
    response = coordinator_client.post("/areas/opds/new", data={"code": "dinkes", "name": "X", "kind": "dinas"})
    assert response.status_code == 400
    assert "sudah dipakai oleh Dinas Kesehatan" in response.get_data(as_text=True)


EDIT_REQUESTS = [
    ("post", "/areas/{rw}/units", {"number": "9"}),
    ("get", "/areas/{rt}/edit", None),
    ("post", "/areas/{rt}/edit", {"label": "x"}),
    ("post", "/areas/{rt}/active", {"active": "0"}),
    ("get", "/areas/opds/new", None),
    ("post", "/areas/opds/new", {"code": "x", "name": "x", "kind": "dinas"}),
    ("get", "/areas/import", None),
    ("post", "/areas/import/confirm", {"token": "x"}),
]
READ_REQUESTS = ["/areas/", "/areas/{rt}", "/areas/opds", "/areas/coverage", "/areas/export.csv", "/areas/coverage.csv"]


def _url(template, tree):
    return template.format(rw=tree["18.71.01.1001.001"].id, rt=tree["18.71.01.1001.001.001"].id)


@pytest.mark.parametrize(("method", "url", "data"), EDIT_REQUESTS)
@pytest.mark.parametrize("fixture", ["leadership_client", "promoter_client"])
def test_only_editors_change_areas(request, tree, db, fixture, method, url, data):
    client = request.getfixturevalue(fixture)
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert getattr(client, method)(_url(url, tree), data=data).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


@pytest.mark.parametrize("url", READ_REQUESTS)
def test_leadership_reads_but_promoters_are_denied(leadership_client, promoter_client, tree, url):
    assert leadership_client.get(_url(url, tree)).status_code == 200
    assert promoter_client.get(_url(url, tree)).status_code == 403


@pytest.mark.parametrize("url", READ_REQUESTS + ["/areas/import"])
def test_anonymous_visitors_are_sent_to_login(client, tree, url):
    response = client.get(_url(url, tree))
    assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login")
