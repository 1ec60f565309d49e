"""Machinery of the authorisation matrix (tests/test_authorization_matrix.py): walk the routes, build
their URLs from real rows, and judge each response against the route's declared access rule.

A route's rule is what its view declared with `outreach.auth.decorators` (`public`, `signed_in`,
`roles_required`); the `static` endpoint is public by name.
"""

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

import flask
from flask import Flask
from sqlalchemy import func, inspect, select
from werkzeug.routing import AnyConverter, FloatConverter, IntegerConverter, Rule, UUIDConverter

from outreach.auth import decorators
from outreach.auth.decorators import PUBLIC, access_rule
from outreach.campaign import ADMIN, COORDINATOR, EDITOR_ROLES, LEADERSHIP, PROMOTER, ROLES, STAFF_ROLES
from outreach.extensions import db
from tests import factories

ANONYMOUS = "anonymous"
ALL_ROLES = (ANONYMOUS, PROMOTER, LEADERSHIP, COORDINATOR, ADMIN)
UNTESTED_METHODS = {"HEAD", "OPTIONS"}
LOGIN_PATH = "/auth/login"

SIGNED_IN = frozenset(ROLES)
STAFF = frozenset(STAFF_ROLES)
EDITORS = frozenset(EDITOR_ROLES)
ADMIN_ONLY = frozenset({ADMIN})
PROMOTER_ONLY = frozenset({PROMOTER})
# How a rule is written in the EXPECTED table; other role sets are written out as frozenset({...}).
RULE_NAMES = {
    PUBLIC: "PUBLIC",
    SIGNED_IN: "SIGNED_IN",
    STAFF: "STAFF",
    EDITORS: "EDITORS",
    ADMIN_ONLY: "ADMIN_ONLY",
    PROMOTER_ONLY: "PROMOTER_ONLY",
}

Access = frozenset[str] | str


@dataclass(frozen=True)
class Route:
    """One method of one URL rule, with the access rule its view declared (None: none declared)."""

    rule: Rule
    method: str
    access: Access | None

    @property
    def endpoint(self) -> str:
        return self.rule.endpoint

    def __str__(self) -> str:
        return f"{self.endpoint} ({self.method} {self.rule.rule})"


def declared_rule(app: Flask, endpoint: str) -> Access | None:
    """The endpoint's access rule: PUBLIC for `static`, else what its view declared."""
    if endpoint == "static":
        return PUBLIC
    return access_rule(app.view_functions[endpoint])


def routes(app: Flask) -> list[Route]:
    """Every rule and method of the app (HEAD and OPTIONS aside): GETs first, then the changes."""
    found = [
        Route(rule, method, declared_rule(app, rule.endpoint))
        for rule in app.url_map.iter_rules()
        for method in sorted(rule.methods - UNTESTED_METHODS)
    ]
    return sorted(found, key=lambda r: (r.method != "GET", r.endpoint, r.rule.rule, r.method))


def undeclared(app: Flask) -> list[str]:
    """A line for every route whose view declares no access rule, or names a role that does not exist."""
    problems = []
    for route in routes(app):
        if route.access is None:
            problems.append(
                f"{route} declares no access rule: put @public, @signed_in or @roles_required(...) "
                "from outreach.auth.decorators right under its @bp.route"
            )
        elif route.access != PUBLIC and not route.access <= set(ROLES):
            unknown = ", ".join(sorted(route.access - set(ROLES)))
            problems.append(f"{route} names unknown role(s): {unknown}")
    return sorted(set(problems))


def rule_name(access: Access | None) -> str:
    """The rule as it is written in the EXPECTED table: a constant's name or a frozenset of roles."""
    if access is None:
        return "None"
    if access in RULE_NAMES:
        return RULE_NAMES[access]
    return "frozenset({" + ", ".join(f'"{role}"' for role in sorted(access)) + "})"


def expected_line(endpoint: str, access: Access | None) -> str:
    """The line of the EXPECTED table for an endpoint, exactly as it is to be pasted."""
    return f'    "{endpoint}": {rule_name(access)},'


def differences(app: Flask, expected: Mapping[str, Access], table: str) -> list[str]:
    """How the declared rules differ from the expected table; each line says what to change in `table`."""
    found = routes(app)
    # Routes that declare no rule are reported by `undeclared`, not as missing from or stale in the table.
    declared = {route.endpoint: route.access for route in found if route.access is not None}
    endpoints = {route.endpoint for route in found}
    problems = []
    missing = sorted(set(declared) - set(expected))
    if missing:
        problems.append(
            f"{len(missing)} route(s) missing from EXPECTED. If these rules are what the routes should allow, "
            f"add these lines to EXPECTED in {table}:\n" + "\n".join(expected_line(e, declared[e]) for e in missing)
        )
    for endpoint in sorted(set(declared) & set(expected)):
        if declared[endpoint] != expected[endpoint]:
            problems.append(
                f"{endpoint} declares {rule_name(declared[endpoint])} but EXPECTED has "
                f"{rule_name(expected[endpoint])}. Fix the view's decorator, or if the new rule is intended, "
                f"change its line in EXPECTED in {table} to:\n{expected_line(endpoint, declared[endpoint])}"
            )
    for endpoint in sorted(set(expected) - endpoints):
        problems.append(f"EXPECTED names {endpoint}, which is no longer a route: remove its line from {table}")
    return problems


def snake_case(name: str) -> str:
    """'SurveyTarget' -> 'survey_target'."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def model_named(name: str) -> type | None:
    """The model whose table or class (in snake case) is called `name`, e.g. 'drive' or 'user'."""
    for mapper in db.Model.registry.mappers:
        model = mapper.class_
        if name in (model.__tablename__, snake_case(model.__name__)):
            return model
    return None


def factory_for(model: type) -> Callable | None:
    """The factory of tests/factories.py that makes `model`, if there is one."""
    for candidate in vars(factories).values():
        if (
            isinstance(candidate, type)
            and issubclass(candidate, factories.BaseFactory)
            and getattr(candidate._meta, "model", None) is model
        ):
            return candidate
    return None


def row_id(model: type) -> int | None:
    """The lowest id of the model's rows (so rows made first are the ones URLs point at); makes a row
    with the model's factory when there is none."""
    key = inspect(model).primary_key[0]
    found = db.session.scalar(select(func.min(key)))
    if found is None and (factory := factory_for(model)) is not None:
        found = factory().id
    return found


def url_arguments(rule: Rule, special: Mapping[tuple[str, str], object]) -> dict[str, object]:
    """Values for the rule's URL arguments, from real rows where the argument names one.

    `<int:drive_id>` takes the id of a row of the `drive` model (made with its factory when the table
    is empty); `special[(endpoint, argument)]` gives values no row id stands for (a feed token, a
    file name). Anything else gets a value of the converter's type: a request may then 404, which
    still shows that the access check let it through.
    """
    values = {}
    for name in sorted(rule.arguments - set(rule.defaults or {})):
        converter = rule._converters[name]  # Werkzeug keeps a rule's converters only here
        if (rule.endpoint, name) in special:
            values[name] = special[(rule.endpoint, name)]
        elif isinstance(converter, IntegerConverter):
            model = model_named(name.removesuffix("_id")) if name.endswith("_id") else None
            values[name] = (row_id(model) if model is not None else None) or 1
        elif isinstance(converter, FloatConverter):
            values[name] = 1.0
        elif isinstance(converter, UUIDConverter):
            values[name] = "00000000-0000-4000-8000-000000000001"
        elif isinstance(converter, AnyConverter):
            values[name] = sorted(converter.items)[0]
        else:
            values[name] = "x"
    return values


def path_of(rule: Rule, values: Mapping[str, object]) -> str:
    """The path of the rule built with these argument values."""
    built = rule.build(values, append_unknown=False)
    assert built is not None, f"cannot build {rule.rule} from {values}"
    return built[1]


def is_api(path: str) -> bool:
    """JSON API paths answer an anonymous caller with 401 rather than a redirect to the login page."""
    return path.startswith("/api/")


class RoleGate:
    """Tells the role check's 403 (in `roles_required`) apart from a view's own 403 (an object-level
    rule such as "a promoter sees only their own drives") by recording each refusal of the check."""

    def __init__(self) -> None:
        self.refused = False

    def abort(self, code: int, *args, **kwargs):
        """Stands in for `abort` in outreach.auth.decorators."""
        self.refused = True
        flask.abort(code, *args, **kwargs)

    def install(self, monkeypatch) -> None:
        """Route the role check's refusals through this gate for the current test."""
        monkeypatch.setattr(decorators, "abort", self.abort)


def send(client, method: str, path: str):
    """Send one request with an empty body (a JSON object on API paths); returns the response."""
    if method == "GET":
        return client.open(path, method=method)
    if is_api(path):
        return client.open(path, method=method, json={})
    return client.open(path, method=method, data={})


def verdict(role: str, route: Route, path: str, response, refused_by_role_check: bool) -> str | None:
    """What is wrong with this response for this role under the route's declared rule, or None.

    Denied: an anonymous visitor goes to the login page (401 JSON on API paths), a signed-in user gets
    403. Allowed: neither of those; a 400/404/405/302/200 is fine, and so is a 403 raised by the view
    itself after the role check let the user in (object-level rules are tested on their own).
    """
    access = route.access
    allowed = access == PUBLIC or role in access
    status = response.status_code
    location = urlsplit(response.headers.get("Location", "")).path
    where = f"{role} {route.method} {path} [{route.endpoint}, rule {rule_name(access)}]"
    if allowed:
        if refused_by_role_check:
            return f"{where}: allowed by the rule but refused by the role check"
        if status == 401:
            return f"{where}: allowed by the rule but got 401"
        if role == ANONYMOUS and status == 302 and location == LOGIN_PATH:
            return f"{where}: declared public but sends visitors to the login page"
        return None
    if role == ANONYMOUS:
        if is_api(path):
            if status != 401 or not response.is_json:
                return f"{where}: expected 401 JSON for an anonymous API call, got {status} {response.mimetype}"
            return None
        if status != 302 or location != LOGIN_PATH:
            return f"{where}: expected a redirect to {LOGIN_PATH}, got {status} {location}".rstrip()
        return None
    if status != 403:
        return f"{where}: expected 403, got {status}"
    return None


def judge_all(
    role: str,
    client,
    targets: Iterable[tuple[Route, str]],
    gate: RoleGate,
    before_each: Callable[[], None],
) -> list[str]:
    """Send every (route, path) as `role` and list what is wrong; a view that raises is reported too."""
    problems = []
    for route, path in targets:
        before_each()
        gate.refused = False
        try:
            response = send(client, route.method, path)
        except Exception as error:  # noqa: BLE001 — report every route at once, naming the one that raised
            problems.append(f"{role} {route.method} {path} [{route.endpoint}]: raised {error!r}")
            continue
        problem = verdict(role, route, path, response, gate.refused)
        if problem:
            problems.append(problem)
    return problems
