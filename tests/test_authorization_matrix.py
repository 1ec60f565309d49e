"""Authorisation matrix: every route, every method, every role gets exactly what its access rule says.

Three layers, each failing with the endpoint it is about:
- every view declares an access rule (`public`, `signed_in`, `roles_required`), so a route added
  without one fails the suite;
- the declared rules equal the EXPECTED table below, so a rule loosened in code is caught;
- each role (anonymous, promoter, leadership, coordinator, admin) sends every route and method and
  is allowed or denied as the declared rule says (anonymous: login page, or 401 JSON under /api/;
  signed in without the role: 403).

Adding a route: give its view an access decorator, then add its line to EXPECTED (the failure
message prints the exact line). If a promoter may open the route only for their own objects, add an
ObjectCheck to OBJECT_CHECKS as well. The machinery lives in tests/access_matrix.py.
"""

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from flask import Flask, Response, url_for
from sqlalchemy import update
from werkzeug.routing import Rule

from outreach.api.tokens import create_token
from outreach.auth.decorators import PUBLIC, public, roles_required, signed_in
from outreach.auth.models import User
from outreach.campaign import ADMIN, COORDINATOR, LEADERSHIP, PROMOTER, ROLES, STAFF_ROLES
from outreach.drives.feeds import issue_feed_token
from outreach.extensions import db as _db
from outreach.extensions import limiter
from outreach.promoters.models import Promoter
from tests import factories
from tests.access_matrix import (  # every rule name, so any line a failure message prints can be pasted
    ADMIN_ONLY,
    ALL_ROLES,
    ANONYMOUS,
    EDITORS,
    PROMOTER_ONLY,
    SIGNED_IN,
    STAFF,
    RoleGate,
    Route,
    declared_rule,
    differences,
    judge_all,
    path_of,
    routes,
    undeclared,
    url_arguments,
    verdict,
)
from tests.conftest import empty_database, login

TABLE = "tests/test_authorization_matrix.py"

# Who may use each endpoint. Change a line only when the product rule changes.
EXPECTED = {
    "static": PUBLIC,
    # Public start page (typed code, board) for visitors; signed-in users get their role's home.
    "main.index": PUBLIC,
    "main.healthz": PUBLIC,
    "main.set_language": PUBLIC,
    "auth.login": PUBLIC,
    "auth.logout": SIGNED_IN,
    "auth.users": ADMIN_ONLY,
    "auth.unlock": ADMIN_ONLY,
    "auth.sign_in_link": PUBLIC,
    "auth.account": SIGNED_IN,
    "auth.sign_out_everywhere": SIGNED_IN,
    "auth.reset_link": ADMIN_ONLY,
    "auth.end_user_sessions": ADMIN_ONLY,
    "drives.index": SIGNED_IN,
    "drives.calendar": SIGNED_IN,
    "drives.create": EDITORS,
    "drives.edit": EDITORS,
    "drives.show": SIGNED_IN,
    "drives.feed": SIGNED_IN,
    "drives.feed_create": SIGNED_IN,
    "drives.feed_revoke": SIGNED_IN,
    "drives.feed_ics": PUBLIC,
    "imports.template": EDITORS,
    "promoters.move": EDITORS,
    "pickers.areas": EDITORS,
    "pickers.promoters": EDITORS,
    "pickers.kecamatan": SIGNED_IN,
    "drives.flyers": EDITORS,
    "drives.generate_links": EDITORS,
    "drives.report": SIGNED_IN,
    "areas.index": STAFF,
    "areas.show": STAFF,
    "areas.create": EDITORS,
    "areas.edit": EDITORS,
    "areas.set_active": EDITORS,
    "areas.import_units": EDITORS,
    "areas.confirm_import": EDITORS,
    "areas.export_units": STAFF,
    "areas.opds": STAFF,
    "areas.opd_create": EDITORS,
    "areas.opd_edit": EDITORS,
    "areas.opd_set_active": EDITORS,
    "areas.coverage": STAFF,
    "areas.coverage_export": STAFF,
    "promoters.index": STAFF,
    "rollouts.accept": EDITORS,
    "rollouts.create": EDITORS,
    "rollouts.effects": STAFF,
    "rollouts.effects_export": STAFF,
    "rollouts.export": STAFF,
    "rollouts.index": STAFF,
    "rollouts.make_drive": EDITORS,
    "rollouts.move": EDITORS,
    "rollouts.show": STAFF,
    "promoters.show": SIGNED_IN,
    "promoters.me": PROMOTER_ONLY,
    "promoters.create": EDITORS,
    "promoters.edit": EDITORS,
    "promoters.set_active": EDITORS,
    "promoters.assign": EDITORS,
    "promoters.unassign": EDITORS,
    "promoters.set_opd": EDITORS,
    "promoters.create_login": EDITORS,
    "promoters.send_sign_in_link": EDITORS,
    "promoters.revoke_sign_in_link": EDITORS,
    "promoters.end_promoter_sessions": EDITORS,
    "promoters.bulk_assign_view": EDITORS,
    "promoters.rt_heads": EDITORS,
    "promoters.import_promoters": EDITORS,
    "promoters.confirm_import": EDITORS,
    "promoters.export": EDITORS,
    "audit.index": ADMIN_ONLY,
    "participation.index": STAFF,
    "participation.kecamatan": STAFF,
    "participation.export": STAFF,
    "participation.uplift": STAFF,
    "participation.drives": STAFF,
    "participation.drive": STAFF,
    "participation.counts": EDITORS,
    "participation.add_count": EDITORS,
    "participation.import_counts_view": EDITORS,
    "participation.confirm_counts_import": EDITORS,
    "participation.plan": EDITORS,
    "participation.save_round_view": EDITORS,
    "participation.import_plan": EDITORS,
    "participation.confirm_plan_import": EDITORS,
    "opds.index": STAFF,
    "opds.show": STAFF,
    "links.activate": EDITORS,
    "links.bulk": EDITORS,
    "links.create": EDITORS,
    "links.deactivate": EDITORS,
    "links.detail": SIGNED_IN,
    "links.flyer": SIGNED_IN,
    "links.flyers": EDITORS,
    "links.index": STAFF,
    "links.mine": PROMOTER_ONLY,
    "links.qr_image": SIGNED_IN,
    "links.qr_vector": SIGNED_IN,
    "links.qr_screen": SIGNED_IN,
    "links.target_create": ADMIN_ONLY,
    "links.target_edit": ADMIN_ONLY,
    "links.targets": ADMIN_ONLY,
    "links.rule_create": ADMIN_ONLY,
    "links.rule_delete": ADMIN_ONLY,
    "scan.scan": PUBLIC,
    "api_areas.area": STAFF,
    "api_areas.areas": STAFF,
    "api_areas.opd": STAFF,
    "api_areas.opds": STAFF,
    "api_docs.docs": PUBLIC,
    "api_docs.openapi_json": PUBLIC,
    "api_drives.drive": SIGNED_IN,
    "api_drives.drives": SIGNED_IN,
    "api_drives.effects": STAFF,
    "api_drives.rollout": STAFF,
    "api_drives.rollouts": STAFF,
    "api_links.bulk_links": EDITORS,
    "api_links.create_link": EDITORS,
    "api_links.create_survey_target": ADMIN_ONLY,
    "api_links.deactivate_link": EDITORS,
    "api_links.link": SIGNED_IN,
    "api_links.link_stats": SIGNED_IN,
    "api_links.links_list": SIGNED_IN,
    "api_links.scans_summary": SIGNED_IN,
    "api_links.survey_targets": STAFF,
    "api_links.destination_rules": STAFF,
    "api_links.create_destination_rule": ADMIN_ONLY,
    "api_links.delete_destination_rule": ADMIN_ONLY,
    "api_participation.counts": EDITORS,
    "api_participation.create_count": EDITORS,
    "api_participation.import_counts_file": EDITORS,
    "api_participation.targets": STAFF,
    "api_participation.uplift": STAFF,
    "api_promoters.assign": EDITORS,
    "api_promoters.assignments": SIGNED_IN,
    "api_promoters.end_assignment": EDITORS,
    "api_promoters.promoter": SIGNED_IN,
    "api_promoters.promoters_list": STAFF,
    "tokens.create": SIGNED_IN,
    "tokens.index": SIGNED_IN,
    "tokens.revoke": SIGNED_IN,
    "public.code": PUBLIC,
    "public.check": PUBLIC,
    "public.check_code": PUBLIC,
    "public.schedule": PUBLIC,
    "public.board_city": PUBLIC,
    "public.board_kecamatan": PUBLIC,
    "integrity.index": EDITORS,
}


@dataclass(frozen=True)
class ObjectCheck:
    """A route a promoter may open only for their own objects (promoter isolation).

    Role rules cannot say "only their own", so each such route is listed here: `own(promoter)` makes
    an object the promoter takes part in and `other(promoter)` one they do not, each returning the
    URL arguments. The promoter must get through on the first and get 403 on the second.
    """

    endpoint: str
    own: Callable[[Promoter], dict]
    other: Callable[[Promoter], dict]
    method: str = "GET"


OBJECT_CHECKS = [
    ObjectCheck(
        "drives.show",
        own=lambda promoter: {"drive_id": factories.DriveFactory(promoters=[promoter]).id},
        other=lambda promoter: {"drive_id": factories.DriveFactory(promoters=[factories.PromoterFactory()]).id},
    ),
    ObjectCheck(
        "drives.report",
        own=lambda promoter: {"drive_id": factories.DriveFactory(promoters=[promoter]).id},
        other=lambda promoter: {"drive_id": factories.DriveFactory(promoters=[factories.PromoterFactory()]).id},
    ),
    ObjectCheck(
        "promoters.show",
        own=lambda promoter: {"promoter_id": promoter.id},
        other=lambda promoter: {"promoter_id": factories.PromoterFactory().id},
    ),
    ObjectCheck(
        "links.detail",
        own=lambda promoter: {"link_id": factories.LinkFactory(promoter=promoter).id},
        other=lambda promoter: {"link_id": factories.LinkFactory(promoter=factories.PromoterFactory()).id},
    ),
    ObjectCheck(
        "links.qr_image",
        own=lambda promoter: {"link_id": factories.LinkFactory(promoter=promoter).id},
        other=lambda promoter: {"link_id": factories.LinkFactory(promoter=factories.PromoterFactory()).id},
    ),
    ObjectCheck(
        "links.qr_screen",
        own=lambda promoter: {"link_id": factories.LinkFactory(promoter=promoter).id},
        other=lambda promoter: {"link_id": factories.LinkFactory(promoter=factories.PromoterFactory()).id},
    ),
    ObjectCheck(
        "links.qr_vector",
        own=lambda promoter: {"link_id": factories.LinkFactory(promoter=promoter).id},
        other=lambda promoter: {"link_id": factories.LinkFactory(promoter=factories.PromoterFactory()).id},
    ),
    ObjectCheck(
        "links.flyer",
        own=lambda promoter: {"link_id": factories.LinkFactory(promoter=promoter).id},
        other=lambda promoter: {"link_id": factories.LinkFactory(promoter=factories.PromoterFactory()).id},
    ),
    ObjectCheck(
        "api_promoters.promoter",
        own=lambda promoter: {"promoter_id": promoter.id},
        other=lambda promoter: {"promoter_id": factories.PromoterFactory().id},
    ),
    ObjectCheck(
        "api_promoters.assignments",
        own=lambda promoter: {"promoter_id": promoter.id},
        other=lambda promoter: {"promoter_id": factories.PromoterFactory().id},
    ),
    ObjectCheck(
        "api_links.link",
        own=lambda promoter: {"link_id": factories.LinkFactory(promoter=promoter).id},
        other=lambda promoter: {"link_id": factories.LinkFactory(promoter=factories.PromoterFactory()).id},
    ),
    ObjectCheck(
        "api_links.link_stats",
        own=lambda promoter: {"link_id": factories.LinkFactory(promoter=promoter).id},
        other=lambda promoter: {"link_id": factories.LinkFactory(promoter=factories.PromoterFactory()).id},
    ),
    ObjectCheck(
        "api_drives.drive",
        own=lambda promoter: {"drive_id": factories.DriveFactory(promoters=[promoter]).id},
        other=lambda promoter: {"drive_id": factories.DriveFactory(promoters=[factories.PromoterFactory()]).id},
    ),
]


@dataclass
class World:
    """The module's rows: who signs in, and the URL of every route for each role."""

    cookies: dict[str, str]
    session_tokens: dict[str, tuple[int, str]]
    tokens: dict[str, str]
    targets: dict[str, list]
    object_urls: dict[str, tuple[str, str]]


def special_arguments(subject) -> dict[tuple[str, str], object]:
    """URL arguments that no row id stands for: a live calendar-feed token, a real static file."""
    return {("drives.feed_ics", "token"): issue_feed_token(subject), ("static", "filename"): "css/app.css"}


@pytest.fixture(autouse=True)
def db(app):
    """Keeps the module's rows between its tests (the shared `db` fixture empties every table after
    each test); `world` empties them once at the end. Rate limits are still reset after each test."""
    yield _db
    limiter.reset()
    _db.session.rollback()
    _db.session.remove()


def session_cookie(app: Flask, user) -> str:
    """Sign the user in once and keep the session cookie, to put back before every request (so a
    logout or language switch in the matrix does not change who the next request is from)."""
    client = app.test_client()
    response = login(client, user)
    assert response.status_code == 302, f"{user} could not sign in"
    return client.get_cookie(app.config["SESSION_COOKIE_NAME"]).value


@pytest.fixture(scope="module")
def world(app):
    """One set of rows for the module: rows that URLs point at, then one login per role."""
    app.config["WTF_CSRF_ENABLED"] = False
    try:
        yield build_world(app)
    finally:
        _db.session.rollback()
        empty_database()
        app.config["WTF_CSRF_ENABLED"] = True


def build_world(app: Flask) -> World:
    """Make the rows, the URLs of every route for each role, and a signed-in session per role."""
    # Made before the signed-in users, so URL arguments (lowest ids) name these rows and not the
    # users the matrix signs in as: an admin's unlock or deactivation hits this bystander.
    subject = factories.UserFactory(role=COORDINATOR, email="bystander@bandarlampungkota.go.id")
    factories.DriveFactory(promoters=[factories.PromoterFactory()])
    factories.AssignmentFactory()
    factories.OpdFactory()
    users = {role: factories.UserFactory(role=role) for role in ROLES}
    promoter = users[PROMOTER].promoter
    special = special_arguments(subject)
    targets = {role: [] for role in ALL_ROLES}
    object_urls = {}
    with app.test_request_context():
        for check in OBJECT_CHECKS:
            object_urls[check.endpoint] = (
                url_for(check.endpoint, **check.own(promoter)),
                url_for(check.endpoint, **check.other(promoter)),
            )
        for route in routes(app):
            if route.access is None:
                continue  # reported by test_every_route_declares_an_access_rule
            path = path_of(route.rule, url_arguments(route.rule, special))
            for role in ALL_ROLES:
                own = object_urls.get(route.endpoint) if role == PROMOTER else None
                targets[role].append((route, own[0] if own else path))
    _db.session.commit()
    cookies = {role: session_cookie(app, user) for role, user in users.items()}
    session_tokens = {role: (user.id, _db.session.get(User, user.id).session_token) for role, user in users.items()}
    # The API takes no session cookie: each role calls /api/ with a bearer token of the same user.
    tokens = {role: create_token(user, "matrix")[1] for role, user in users.items()}
    _db.session.commit()
    return World(
        cookies=cookies, session_tokens=session_tokens, tokens=tokens, targets=targets, object_urls=object_urls
    )


def client_as(app: Flask, world: World, role: str):
    """A test client and the step that (re)signs it in as `role` (or signs it out) before each request.

    Every request carries the role's session cookie and its API token header: the UI reads only the
    cookie, /api/ only the token.
    """
    client = app.test_client()
    name = app.config["SESSION_COOKIE_NAME"]

    def before_each() -> None:
        if role == ANONYMOUS:
            client.delete_cookie(name)
            client.environ_base.pop("HTTP_AUTHORIZATION", None)
        else:
            # Signing out (or ending sessions) in the walk changes the user's session token, which
            # ends the kept cookie by design; put the token back so the next request is the role's.
            user_id, token = world.session_tokens[role]
            _db.session.execute(update(User).where(User.id == user_id).values(session_token=token))
            _db.session.commit()
            client.set_cookie(name, world.cookies[role])
            client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {world.tokens[role]}"

    return client, before_each


def test_every_route_declares_an_access_rule(app):
    problems = undeclared(app)
    assert not problems, "\n".join(problems)


def test_declared_rules_match_the_expected_table(app):
    problems = differences(app, EXPECTED, TABLE)
    assert not problems, "\n\n".join(problems)


@pytest.mark.parametrize("role", ALL_ROLES)
def test_each_role_is_allowed_or_denied_as_the_route_declares(app, world, role, monkeypatch):
    gate = RoleGate()
    gate.install(monkeypatch)
    client, before_each = client_as(app, world, role)
    problems = judge_all(role, client, world.targets[role], gate, before_each)
    assert not problems, f"{len(problems)} of {len(world.targets[role])} requests as {role}:\n" + "\n".join(problems)


@pytest.mark.parametrize("check", OBJECT_CHECKS, ids=lambda check: check.endpoint)
def test_promoter_opens_own_objects_only(app, world, check, monkeypatch):
    rule = declared_rule(app, check.endpoint)
    assert rule == PUBLIC or PROMOTER in rule, f"{check.endpoint} is closed to promoters by its role rule"
    gate = RoleGate()
    gate.install(monkeypatch)
    client, before_each = client_as(app, world, PROMOTER)
    own, other = world.object_urls[check.endpoint]
    before_each()
    response = client.open(own, method=check.method)
    assert response.status_code not in (401, 403), f"promoter refused their own object at {own}"
    before_each()
    gate.refused = False
    response = client.open(other, method=check.method)
    assert response.status_code == 403, f"promoter got {response.status_code} for someone else's object at {other}"
    assert not gate.refused, "the 403 must come from the object check in the view, not from the role check"


def _toy_app() -> Flask:
    """An app with public, staff, admin-and-leadership, undeclared and signed-in routes."""
    toy = Flask("toy")

    @toy.route("/open")
    @public
    def opened():
        return "ok"

    @toy.route("/reports", methods=["GET", "POST"])
    @roles_required(*STAFF_ROLES)
    def reports():
        return "ok"

    @toy.route("/audit")
    @roles_required(ADMIN, LEADERSHIP)
    def audit():
        return "ok"

    @toy.route("/forgot")
    def forgot():
        return "ok"

    @toy.route("/anyone")
    @signed_in
    def anyone():
        return "ok"

    return toy


def test_a_route_without_a_rule_is_named():
    problems = undeclared(_toy_app())
    assert len(problems) == 1 and problems[0].startswith("forgot (GET /forgot) declares no access rule")


def test_a_loosened_rule_names_the_line_to_change():
    expected = {"static": PUBLIC, "opened": PUBLIC, "reports": ADMIN_ONLY, "audit": ADMIN_ONLY, "anyone": SIGNED_IN}
    problems = differences(_toy_app(), expected | {"gone": PUBLIC}, TABLE)
    assert problems == [
        'audit declares frozenset({"admin", "leadership"}) but EXPECTED has ADMIN_ONLY. Fix the view\'s '
        "decorator, or if the new rule is intended, change its line in EXPECTED in "
        f'{TABLE} to:\n    "audit": frozenset({{"admin", "leadership"}}),',
        "reports declares STAFF but EXPECTED has ADMIN_ONLY. Fix the view's decorator, or if the new rule is "
        f'intended, change its line in EXPECTED in {TABLE} to:\n    "reports": STAFF,',
        f"EXPECTED names gone, which is no longer a route: remove its line from {TABLE}",
    ]


def test_a_route_missing_from_the_table_prints_its_line():
    problems = differences(_toy_app(), {"static": PUBLIC, "opened": PUBLIC}, TABLE)
    assert problems == [
        f"3 route(s) missing from EXPECTED. If these rules are what the routes should allow, add these lines to "
        f'EXPECTED in {TABLE}:\n    "anyone": SIGNED_IN,\n    "audit": frozenset({{"admin", "leadership"}}),'
        '\n    "reports": STAFF,'
    ]


def _route(path: str, access, method: str = "GET") -> Route:
    return Route(Rule(path, endpoint="toy.page"), method, access)


@pytest.mark.parametrize(
    ("role", "path", "access", "status", "location", "refused", "wrong"),
    [
        (ANONYMOUS, "/toy", ADMIN_ONLY, 200, None, False, "expected a redirect to /auth/login, got 200"),
        (ANONYMOUS, "/toy", ADMIN_ONLY, 302, "/elsewhere", False, "expected a redirect to /auth/login"),
        (ANONYMOUS, "/api/v1/toy", ADMIN_ONLY, 302, "/auth/login?next=x", False, "expected 401 JSON"),
        (ANONYMOUS, "/toy", PUBLIC, 302, "/auth/login?next=%2Ftoy", False, "declared public but sends visitors"),
        (PROMOTER, "/toy", ADMIN_ONLY, 200, None, False, "expected 403, got 200"),
        (COORDINATOR, "/toy", EDITORS, 403, None, True, "allowed by the rule but refused by the role check"),
        (COORDINATOR, "/toy", EDITORS, 401, None, False, "allowed by the rule but got 401"),
        (ANONYMOUS, "/toy", ADMIN_ONLY, 302, "/auth/login?next=%2Ftoy", False, None),
        (PROMOTER, "/toy", ADMIN_ONLY, 403, None, True, None),
        (COORDINATOR, "/toy", EDITORS, 400, None, False, None),
        (COORDINATOR, "/toy", EDITORS, 403, None, False, None),  # the view's own (object-level) refusal
    ],
)
def test_verdict_flags_responses_that_break_the_rule(role, path, access, status, location, refused, wrong):
    headers = {"Location": location} if location else {}
    problem = verdict(role, _route(path, access), path, Response(status=status, headers=headers), refused)
    if wrong is None:
        assert problem is None
    else:
        assert problem is not None and wrong in problem and "[toy.page" in problem, problem
