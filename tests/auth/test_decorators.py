"""Access rules are readable from the views, for the authorisation matrix."""

from outreach.auth.decorators import PUBLIC, access_rule
from outreach.campaign import ADMIN, ROLES


def test_auth_and_main_views_declare_their_access_rule(app):
    rules = {endpoint: access_rule(view) for endpoint, view in app.view_functions.items()}
    assert rules["auth.login"] == PUBLIC
    assert rules["main.healthz"] == PUBLIC and rules["main.set_language"] == PUBLIC
    assert rules["auth.logout"] == frozenset(ROLES) and rules["main.index"] == PUBLIC
    assert rules["auth.users"] == rules["auth.unlock"] == frozenset({ADMIN})


def test_declared_rules_match_what_the_views_allow(client, promoter_client, admin_client):
    assert client.get("/auth/users").status_code == 302
    assert promoter_client.get("/auth/users").status_code == 403
    assert admin_client.get("/auth/users").status_code == 200
    assert client.get("/healthz").status_code == 200
