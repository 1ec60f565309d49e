"""Promoter pages: list and filters, create/edit/deactivate, assignments, logins and role checks."""

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from outreach import clock
from outreach.audit.models import AuditEvent
from outreach.auth.models import User
from outreach.promoters.models import Assignment, Promoter
from tests.conftest import login
from tests.factories import AssignmentFactory, OpdFactory, PromoterFactory, UserFactory, make_area_tree


@pytest.fixture
def tree(db):
    made = make_area_tree(kecamatan=2, kelurahan=2, rw=1, rt=2)
    db.session.commit()
    return made


def _names(html):
    return re.findall(r'href="/promoters/\d+">([^<]+)</a>', html)


def test_list_filters_by_role_area_opd_active_and_unassigned(coordinator_client, db, tree):
    dinas = OpdFactory()
    siti = PromoterFactory(name="Siti", role="pamong", opd=dinas)
    AssignmentFactory(promoter=siti, area=tree["18.71.01.1001"])
    budi = PromoterFactory(name="Budi", role="rt")
    AssignmentFactory(promoter=budi, area=tree["18.71.02.1001.001.001"])
    PromoterFactory(name="Ani", role="linmas")
    PromoterFactory(name="Dewi", role="rt", active=False)
    ended = PromoterFactory(name="Eko", role="rt")
    AssignmentFactory(promoter=ended, area=tree["18.71.01.1001.001.001"], end_date=clock.today() - timedelta(days=1))
    db.session.commit()

    def names(query):
        return _names(coordinator_client.get("/promoters/?" + query).get_data(as_text=True))

    assert names("") == ["Ani", "Budi", "Eko", "Siti"]
    assert names("role=rt") == ["Budi", "Eko"]
    assert names(f"kecamatan={tree['18.71.01'].id}") == ["Siti"]
    assert names(f"kelurahan={tree['18.71.02.1001'].id}") == ["Budi"]
    assert names(f"opd={dinas.id}") == ["Siti"]
    assert names("active=0") == ["Dewi"]
    assert names("active=all&role=rt") == ["Budi", "Dewi", "Eko"]
    assert names("unassigned=1") == ["Ani", "Eko"]
    assert names("q=bud") == ["Budi"]


def test_list_is_paginated(coordinator_client, db):
    for n in range(55):
        PromoterFactory(name=f"Promotor {n:02d}")
    db.session.commit()
    first = coordinator_client.get("/promoters/").get_data(as_text=True)
    second = coordinator_client.get("/promoters/?page=2").get_data(as_text=True)
    assert len(_names(first)) == 50 and len(_names(second)) == 5
    assert "Halaman 1 dari 2" in first and "/promoters/?page=2" in first


def test_leadership_sees_the_list_without_phone_numbers(leadership_client, db):
    PromoterFactory(name="Siti", phone="+6281234567890")
    db.session.commit()
    html = leadership_client.get("/promoters/").get_data(as_text=True)
    assert "Siti" in html and "0812-3456-7890" not in html and "bulk-assign" not in html


def test_create_normalises_the_phone_and_audits(coordinator_client, db):
    opd = OpdFactory()
    db.session.commit()
    response = coordinator_client.post(
        "/promoters/new",
        data={"name": " Siti Rahmawati ", "role": "linmas", "phone": "0812-3456-7890", "opd_id": opd.id},
    )
    promoter = db.session.scalar(select(Promoter))
    assert response.headers["Location"] == f"/promoters/{promoter.id}"
    assert (promoter.name, promoter.phone, promoter.opd_id) == ("Siti Rahmawati", "+6281234567890", opd.id)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "promoter.create"))
    assert event.changes["phone"] == [None, "+6281234567890"] and event.user_id == coordinator_client.user.id


def test_bad_phone_is_refused_with_a_message(coordinator_client, db):
    response = coordinator_client.post("/promoters/new", data={"name": "Siti", "role": "rt", "phone": "0812"})
    assert response.status_code == 400
    assert "bukan nomor telepon Indonesia yang valid" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Promoter)) == 0


def test_duplicate_phone_is_refused_with_a_link_to_the_existing_promoter(coordinator_client, db):
    existing = PromoterFactory(name="Budi Santoso", phone="+6281234567890")
    db.session.commit()
    response = coordinator_client.post("/promoters/new", data={"name": "Siti", "role": "rt", "phone": "0812 3456 7890"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert f'href="/promoters/{existing.id}"' in html and "sudah milik Budi Santoso" in html
    assert db.session.scalar(select(func.count()).select_from(Promoter)) == 1


def test_edit_records_before_and_after_of_changed_fields(coordinator_client, db):
    promoter = PromoterFactory(name="Siti", role="pamong", phone="+6281234567890")
    db.session.commit()
    coordinator_client.post(
        f"/promoters/{promoter.id}/edit",
        data={"name": "Siti R.", "role": "pamong", "phone": "+62 812 3456 7890", "opd_id": 0},
    )
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "promoter.update"))
    assert event.changes == {"name": ["Siti", "Siti R."]}


def test_editing_keeps_own_phone_but_refuses_another_promoters(coordinator_client, db):
    PromoterFactory(phone="+6281111111111", name="Ani")
    promoter = PromoterFactory(phone="+6281234567890")
    db.session.commit()
    response = coordinator_client.post(
        f"/promoters/{promoter.id}/edit", data={"name": "X", "role": "rt", "phone": "081111111111", "opd_id": 0}
    )
    assert response.status_code == 400 and "sudah milik Ani" in response.get_data(as_text=True)
    assert db.session.get(Promoter, promoter.id).phone == "+6281234567890"


def test_deactivating_a_promoter_also_blocks_their_login(coordinator_client, client, db):
    user = UserFactory(role="promoter")
    db.session.commit()
    coordinator_client.post(f"/promoters/{user.promoter_id}/active", data={"active": "0"})
    assert db.session.get(Promoter, user.promoter_id).active is False
    assert login(client, user).status_code == 401


def test_assign_and_unassign_keep_the_history(coordinator_client, db, tree):
    promoter = PromoterFactory()
    db.session.commit()
    kel = tree["18.71.01.1001"]
    response = coordinator_client.post(
        f"/promoters/{promoter.id}/assignments", data={"area_code": kel.code, "start_date": "2026-07-01"}
    )
    assert response.status_code == 302
    assignment = db.session.scalar(select(Assignment))
    assert (assignment.area_id, assignment.start_date, assignment.end_date) == (kel.id, date(2026, 7, 1), None)
    coordinator_client.post(f"/promoters/assignments/{assignment.id}/end", data={"end_date": "2026-08-01"})
    assert db.session.get(Assignment, assignment.id).end_date == date(2026, 8, 1)
    html = coordinator_client.get(f"/promoters/{promoter.id}").get_data(as_text=True)
    assert kel.code in html
    actions = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions == ["promoter.assign", "promoter.unassign"]


def test_assigning_an_unknown_area_code_is_refused(coordinator_client, db, tree):
    promoter = PromoterFactory()
    db.session.commit()
    coordinator_client.post(f"/promoters/{promoter.id}/assignments", data={"area_code": "18.71.99"})
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0
    assert "Kode wilayah 18.71.99 tidak dikenal" in coordinator_client.get(f"/promoters/{promoter.id}").get_data(
        as_text=True
    )


def test_set_opd(coordinator_client, db):
    promoter, opd = PromoterFactory(), OpdFactory()
    db.session.commit()
    coordinator_client.post(f"/promoters/{promoter.id}/opd", data={"opd_id": opd.id})
    assert db.session.get(Promoter, promoter.id).opd_id == opd.id


def test_bulk_assign_many_promoters_to_one_area(coordinator_client, db, tree):
    promoters = [PromoterFactory(role="linmas") for _ in range(3)]
    db.session.commit()
    kel = tree["18.71.02.1002"]
    response = coordinator_client.post(
        "/promoters/bulk-assign",
        data={"promoter_ids": [p.id for p in promoters[:2]], "area_code": kel.code, "next": "/promoters/?role=linmas"},
    )
    assert response.headers["Location"] == "/promoters/?role=linmas"
    assigned = db.session.scalars(select(Assignment.promoter_id).where(Assignment.area_id == kel.id)).all()
    assert sorted(assigned) == sorted(p.id for p in promoters[:2])


def test_bulk_assign_without_selection_changes_nothing(coordinator_client, db, tree):
    coordinator_client.post("/promoters/bulk-assign", data={"area_code": tree["18.71.01.1001"].code})
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0


def test_rt_heads_of_a_kelurahan_are_assigned_in_one_step(coordinator_client, db, tree):
    kel = tree["18.71.01.1001"]
    heads = [PromoterFactory(role="rt", name=f"Ketua {n}") for n in range(2)]
    PromoterFactory(role="pamong", name="Bukan Ketua")
    db.session.commit()
    page = coordinator_client.get(f"/promoters/rt-heads/{kel.id}").get_data(as_text=True)
    assert "Ketua 0" in page and "Bukan Ketua" not in page
    rt1, rt2 = tree["18.71.01.1001.001.001"], tree["18.71.01.1001.001.002"]
    choices = {f"rt_{rt1.id}": heads[0].id, f"rt_{rt2.id}": heads[1].id}
    # First a preview that writes nothing, then the confirmation.
    preview = coordinator_client.post(f"/promoters/rt-heads/{kel.id}", data=choices).get_data(as_text=True)
    assert "RT 001 ← Ketua 0" in preview and "RT 002 ← Ketua 1" in preview
    assert db.session.scalar(select(func.count()).select_from(Assignment)) == 0
    coordinator_client.post(f"/promoters/rt-heads/{kel.id}", data=dict(choices, confirm="1"))
    got = dict(db.session.execute(select(Assignment.area_id, Assignment.promoter_id)).all())
    assert got == {rt1.id: heads[0].id, rt2.id: heads[1].id}
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "kelurahan.assign_rt_heads"))
    assert event.object_id == kel.id
    assert event.changes["rt_heads"][1] == f"{rt1.code}={heads[0].id} {rt2.code}={heads[1].id}"


def test_a_promoters_areas_move_to_another_in_one_step_with_a_preview(coordinator_client, db, tree):
    old = AssignmentFactory(area=tree["18.71.01.1001.001.001"], promoter__role="rt", promoter__name="Ketua Lama")
    AssignmentFactory(area=tree["18.71.01.1001.001.002"], promoter=old.promoter)
    new = PromoterFactory(role="rt", name="Ketua Baru")
    pamong = PromoterFactory(role="pamong", name="Pamong Lain")
    db.session.commit()
    source = old.promoter
    url = f"/promoters/{source.id}/move"
    page = coordinator_client.get(url).get_data(as_text=True)
    assert 'name="target_q"' in page and "js/picker.js" in page
    found = coordinator_client.post(url, data={"target_q": "baru", "find": "target"}).get_data(as_text=True)
    assert f'type="radio" name="target" value="{new.id}"' in found
    preview = coordinator_client.post(url, data={"target": new.id})
    html = preview.get_data(as_text=True)
    assert preview.status_code == 200 and "2 wilayah dipindahkan dari Ketua Lama ke Ketua Baru" in html
    assert len(source.current_assignments()) == 2
    refused = coordinator_client.post(url, data={"target": pamong.id, "confirm": "y"})
    assert refused.status_code == 400 and "peran lain" in refused.get_data(as_text=True)
    done = coordinator_client.post(url, data={"target": new.id, "confirm": "y"})
    assert done.status_code == 302 and done.headers["Location"].endswith(f"/promoters/{new.id}")
    db.session.expire_all()
    assert source.current_assignments() == []
    assert sorted(a.area.code for a in new.current_assignments()) == [
        "18.71.01.1001.001.001",
        "18.71.01.1001.001.002",
    ]
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "promoter.move_assignments"))
    assert event.object_id == source.id and event.changes["moved_to"] == [None, new.id]


@pytest.mark.parametrize("fixture", ["promoter_client", "leadership_client"])
def test_moving_areas_is_denied_to_promoters_and_leadership(request, fixture, db, tree):
    promoter = AssignmentFactory(area=tree["18.71.01.1001"]).promoter
    other = PromoterFactory()
    db.session.commit()
    client = request.getfixturevalue(fixture)
    assert client.get(f"/promoters/{promoter.id}/move").status_code == 403
    assert client.post(f"/promoters/{promoter.id}/move", data={"target": other.id, "confirm": "y"}).status_code == 403
    assert len(promoter.current_assignments()) == 1


def test_promoter_is_given_a_login_that_sees_only_their_own_page(coordinator_client, client, db):
    promoter, other = PromoterFactory(name="Siti"), PromoterFactory(name="Budi")
    db.session.commit()
    response = coordinator_client.post(
        f"/promoters/{promoter.id}/login", data={"email": "siti@example.id", "password": "a-long-password"}
    )
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.email == "siti@example.id"))
    assert user.role == "promoter" and user.promoter_id == promoter.id
    assert login(client, user, "a-long-password").status_code == 302
    assert client.get(f"/promoters/{promoter.id}").status_code == 200
    assert client.get("/promoters/me").headers["Location"] == f"/promoters/{promoter.id}"
    assert client.get(f"/promoters/{other.id}").status_code == 403
    assert client.get("/promoters/").status_code == 403


def test_a_second_login_for_the_same_promoter_is_refused(coordinator_client, db):
    user = UserFactory(role="promoter")
    db.session.commit()
    coordinator_client.post(
        f"/promoters/{user.promoter_id}/login", data={"email": "other@example.id", "password": "a-long-password"}
    )
    assert db.session.scalar(select(func.count()).select_from(User).where(User.promoter_id == user.promoter_id)) == 1


EDIT_REQUESTS = [
    ("get", "/promoters/new", None),
    ("post", "/promoters/new", {"name": "X", "role": "rt", "phone": "081234567890"}),
    ("get", "/promoters/{p}/edit", None),
    ("post", "/promoters/{p}/active", {"active": "0"}),
    ("post", "/promoters/{p}/assignments", {"area_code": "18.71.01.1001"}),
    ("post", "/promoters/{p}/opd", {"opd_id": "0"}),
    ("post", "/promoters/{p}/login", {"email": "x@example.id", "password": "a-long-password"}),
    ("post", "/promoters/bulk-assign", {"promoter_ids": "{p}", "area_code": "18.71.01.1001"}),
    ("get", "/promoters/rt-heads/{kel}", None),
    ("get", "/promoters/import", None),
    ("post", "/promoters/import/confirm", {"token": "x"}),
    ("get", "/promoters/export.csv", None),
]


@pytest.mark.parametrize(("method", "url", "data"), EDIT_REQUESTS)
@pytest.mark.parametrize("fixture", ["leadership_client", "promoter_client"])
def test_only_editors_change_promoters(request, db, tree, fixture, method, url, data):
    client = request.getfixturevalue(fixture)
    target = client.user.promoter if client.user.promoter else PromoterFactory()
    db.session.commit()

    def fill(value):
        return value.format(p=target.id, kel=tree["18.71.01.1001"].id)

    data = {k: fill(v) for k, v in (data or {}).items()}
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert getattr(client, method)(fill(url), data=data).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before
    assert db.session.get(Promoter, target.id).active is True


def test_anonymous_visitors_are_sent_to_login(client, db):
    promoter = PromoterFactory()
    db.session.commit()
    for url in ("/promoters/", f"/promoters/{promoter.id}", "/promoters/new", "/promoters/export.csv"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/auth/login"), url


def test_leadership_reads_a_promoter_page_without_phone_or_forms(leadership_client, db):
    promoter = PromoterFactory(name="Siti", phone="+6281234567890")
    db.session.commit()
    response = leadership_client.get(f"/promoters/{promoter.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Siti" in html
    assert "0812-3456-7890" not in html and '<form method="post" action="/promoters/' not in html


def test_promoter_sees_own_history_but_no_edit_controls(promoter_client, db, tree):
    own = promoter_client.user.promoter
    AssignmentFactory(promoter=own, area=tree["18.71.01.1001"], start_date=date(2026, 7, 1), end_date=date(2026, 8, 1))
    AssignmentFactory(promoter=own, area=tree["18.71.01.1002"], start_date=date(2026, 8, 1))
    db.session.commit()
    html = promoter_client.get(f"/promoters/{own.id}").get_data(as_text=True)
    assert "Kelurahan Uji 1-1" in html and "Kelurahan Uji 1-2" in html
    assert "Akhiri hari ini" not in html and "/edit" not in html


def test_export_keeps_a_formula_after_a_semicolon_dead(coordinator_client, db):
    from tests.imports.test_reading import assert_no_live_formula

    PromoterFactory(name="Budi;=SUM(7*6);")
    db.session.commit()
    response = coordinator_client.get("/promoters/export.csv")
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    assert '"Budi;\'=SUM(7*6);"' in text
    assert_no_live_formula(text)
