"""Admins browse and filter the audit trail; nobody else may."""

import pytest

from outreach.extensions import db
from tests.factories import PromoterFactory


def _make_events(client):
    promoter = PromoterFactory(name="Siti", phone="+6281234567890")
    db.session.commit()
    client.post(
        f"/promoters/{promoter.id}/edit",
        data={"name": "Siti Rahmawati", "role": "pamong", "phone": "081234567890", "opd_id": 0},
    )
    client.post("/areas/opds/new", data={"code": "dinsos", "name": "Dinas Sosial", "kind": "dinas"})
    return promoter


def test_admin_sees_changes_with_before_and_after(admin_client):
    _make_events(admin_client)
    html = admin_client.get("/audit/").get_data(as_text=True)
    assert "promoter.update" in html and "opd.create" in html
    assert "<del>Siti</del> → Siti Rahmawati" in html
    assert admin_client.user.email in html


def test_admin_filters_by_action_object_and_date(admin_client):
    promoter = _make_events(admin_client)
    by_action = admin_client.get("/audit/?action=opd").get_data(as_text=True)
    assert "opd.create" in by_action and "promoter.update</code>" not in by_action
    by_object = admin_client.get(f"/audit/?object_type=promoter&object_id={promoter.id}").get_data(as_text=True)
    assert "promoter.update</code>" in by_object and "opd.create</code>" not in by_object
    future = admin_client.get("/audit/?since=2999-01-01").get_data(as_text=True)
    assert "promoter.update</code>" not in future
    by_user = admin_client.get(f"/audit/?user={admin_client.user.id}").get_data(as_text=True)
    assert "promoter.update</code>" in by_user


@pytest.mark.parametrize("fixture", ["coordinator_client", "leadership_client", "promoter_client"])
def test_audit_is_for_admins_only(request, fixture):
    assert request.getfixturevalue(fixture).get("/audit/").status_code == 403


def test_audit_sends_anonymous_visitors_to_login(client):
    assert client.get("/audit/").headers["Location"].startswith("/auth/login")
