"""The API's machinery: the flask-smorest Api, bearer-token sign-in, problem+json errors, pagination."""

import http
import re
from functools import cached_property
from typing import NoReturn

import marshmallow as ma
from apispec import BasePlugin
from flask import Flask, Request, abort, current_app, jsonify, request
from flask_login import current_user
from flask_smorest import Api as SmorestApi
from flask_smorest import Blueprint
from werkzeug.exceptions import HTTPException

from outreach.auth.decorators import PUBLIC, access_rule
from outreach.auth.models import User
from outreach.extensions import db

PREFIX = "/api/v1"
PROBLEM = "application/problem+json"
# Ids fit a 32-bit integer column; larger ones are refused (422 in a body, 404 in a path), not sent to the database.
MAX_ID = 2**31 - 1
ID = f"int(max={MAX_ID})"
MAX_PAGE_SIZE = 100
DEFAULT_PAGE_SIZE = 50
# Service errors say "field: what is wrong"; the field goes into the problem's `errors`.
_FIELD_MESSAGE = re.compile(r"^([a-z_]+): (.+)$", re.S)


class ProblemItemSchema(ma.Schema):
    """One invalid field: where it was sent (json, query, path, form, files), its name and the messages."""

    location = ma.fields.String()
    field = ma.fields.String()
    messages = ma.fields.List(ma.fields.String())


class ProblemSchema(ma.Schema):
    """An RFC 9457 problem details object."""

    type = ma.fields.String(required=True)
    title = ma.fields.String(required=True)
    status = ma.fields.Integer(required=True)
    detail = ma.fields.String()
    errors = ma.fields.List(ma.fields.Nested(ProblemItemSchema))


def problem(status: int, detail: str | None = None, errors: list[dict] | None = None, headers=None):
    """An `application/problem+json` response for the status."""
    body = {"type": "about:blank", "title": http.HTTPStatus(status).phrase, "status": status}
    if detail:
        body["detail"] = str(detail)
    if errors:
        body["errors"] = errors
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _flatten(location: str, messages, prefix: str = "") -> list[dict]:
    """webargs' nested {"field": ["message"]} as a flat list naming each field (dotted for nesting)."""
    if isinstance(messages, list) and all(isinstance(m, str) for m in messages):
        return [{"location": location, "field": prefix or "_schema", "messages": messages}]
    items = []
    if isinstance(messages, dict):
        for key, value in messages.items():
            items.extend(_flatten(location, value, f"{prefix}.{key}" if prefix else str(key)))
    else:
        items.append({"location": location, "field": prefix or "_schema", "messages": [str(messages)]})
    return items


def validation_errors(data: dict) -> list[dict]:
    """The field errors carried by a webargs/flask-smorest 422."""
    messages = data.get("messages") or data.get("errors") or {}
    items = []
    for location, fields in messages.items():
        items.extend(_flatten(location, fields))
    return items


def unprocessable(error: Exception, location: str = "json") -> NoReturn:
    """Abort with 422 for a service's refusal, naming the field when the message starts with one."""
    text = str(error)
    match = _FIELD_MESSAGE.match(text)
    errors = [{"location": location, "field": match[1], "messages": [match[2]]}] if match else None
    abort(problem(422, text, errors))


class Api(SmorestApi):
    """flask-smorest's Api with RFC 9457 errors (API paths only) documented as application/problem+json."""

    ERROR_SCHEMA = ProblemSchema

    def handle_http_exception(self, error: HTTPException):
        """problem+json under /api/; elsewhere the error goes on to the HTML pages unchanged."""
        if not request.path.startswith("/api/"):
            return error
        data = getattr(error, "data", None) or {}
        errors = validation_errors(data) if error.code == 422 else None
        detail = data.get("message") or error.description
        return problem(error.code or 500, detail, errors, data.get("headers"))


def bearer_token() -> str | None:
    """The token of an `Authorization: Bearer <token>` header, if any."""
    scheme, _, value = request.headers.get("Authorization", "").partition(" ")
    return value.strip() or None if scheme.lower() == "bearer" else None


def user_from_token(req: Request) -> User | None:
    """Flask-Login's request loader: the user of the request's API token, on API paths only.

    Flask-Login asks it when the request carries no session and no remember-me cookie, which is always
    so under /api/ (see `CookielessApi`); the UI never signs in by token.
    """
    from outreach.api.tokens import user_for_token

    if not req.path.startswith(PREFIX + "/"):
        return None
    return user_for_token(bearer_token() or "")


def authenticate():
    """Sign the request in with its bearer token (never a session cookie); 401 without a live one.

    Flask-Login loads the user through `user_from_token`, so `current_user` and `roles_required` apply
    the same role rules as the UI.
    """
    view = current_app.view_functions.get(request.endpoint) if request.endpoint else None
    if view is not None and access_rule(view) == PUBLIC:
        return None
    if not current_user.is_authenticated:
        return problem(
            401,
            "Send a valid API token: Authorization: Bearer <token>.",
            headers={"WWW-Authenticate": 'Bearer realm="outreach"'},
        )
    if db.session.dirty:
        db.session.commit()  # the token's last use; nothing else is pending this early
    return None


class CookielessApi:
    """A request mixin: under /api/ no cookie is read, so neither a session nor a remember-me cookie can
    sign an API request in (the API is CSRF-exempt) and only the bearer token counts."""

    @cached_property
    def cookies(self):
        """No cookies on API paths; the usual ones elsewhere."""
        if self.path.startswith(PREFIX + "/"):
            return self.dict_storage_class()
        return super().cookies


class ProblemResponses(BasePlugin):
    """An apispec plugin: the error responses flask-smorest documents (ERROR_SCHEMA) are
    `application/problem+json`, as the API sends them, not `application/json`."""

    def init_spec(self, spec) -> None:
        """Keep the spec, to know the reference the marshmallow plugin makes of the problem schema."""
        super().init_spec(spec)
        self.spec = spec

    def response_helper(self, response: dict, **_kwargs) -> dict | None:
        """Move an error response's schema under the problem media type (the marshmallow plugin, which
        runs first, has made it a reference to the `Problem` schema)."""
        body = (response.get("content") or {}).get("application/json")
        if body is None or body.get("schema") not in (ProblemSchema, self.spec.components.get_ref("schema", "Problem")):
            return None
        return {"content": {PROBLEM: body}}


class Input(ma.Schema):
    """Base of every request schema: no NUL characters in text (PostgreSQL cannot store or compare them)."""

    @ma.validates_schema
    def no_nul(self, data, **_kwargs):
        """Name each text field holding a NUL character."""
        bad = {
            name: ["must not contain NUL characters"]
            for name, value in data.items()
            if any("\x00" in text for text in (value if isinstance(value, list) else [value]) if isinstance(text, str))
        }
        if bad:
            raise ma.ValidationError(bad)


class PageArgs(Input):
    """Page number and size (at most MAX_PAGE_SIZE); items are always ordered by id."""

    page = ma.fields.Integer(load_default=1, validate=ma.validate.Range(min=1, max=100000))
    page_size = ma.fields.Integer(load_default=DEFAULT_PAGE_SIZE, validate=ma.validate.Range(min=1, max=MAX_PAGE_SIZE))


def page_schema(item_schema: type[ma.Schema], name: str) -> type[ma.Schema]:
    """A schema for one page of items: items, page, page_size, total."""
    return ma.Schema.from_dict(
        {
            "items": ma.fields.List(ma.fields.Nested(item_schema), required=True),
            "page": ma.fields.Integer(required=True),
            "page_size": ma.fields.Integer(required=True),
            "total": ma.fields.Integer(required=True),
        },
        name=name,
    )


def paginate(stmt, args: dict, model) -> dict:
    """One page of a select, ordered by the model's id so pages are stable."""
    stmt = stmt.order_by(None).order_by(model.id)
    page = db.paginate(stmt, page=args["page"], per_page=args["page_size"], max_per_page=MAX_PAGE_SIZE, error_out=False)
    return {"items": page.items, "page": page.page, "page_size": page.per_page, "total": page.total}


def rate_key() -> str:
    """Limit per token (several scripts may share one address); per hashed address without one."""
    from outreach.api.tokens import digest
    from outreach.security import client_key

    token = bearer_token()
    return "token:" + digest(token) if token else client_key()


def make_blueprint(name: str, description: str) -> Blueprint:
    """A flask-smorest blueprint whose requests are signed in by token and rate limited (429 problem)."""
    from outreach.extensions import limiter

    blp = Blueprint(name, __name__, url_prefix=PREFIX, description=description)
    blp.before_request(authenticate)
    limiter.limit(lambda: current_app.config["RATELIMIT_API"], key_func=rate_key)(blp)
    return blp


def init_api(app: Flask) -> None:
    """Bind the Api to the app and register the API blueprints (tokens only: no cookies, no CSRF)."""
    from outreach.api import docs, resources
    from outreach.extensions import csrf, login_manager

    app.config.setdefault("API_TITLE", "Outreach SPI Kota Bandar Lampung")
    app.config.setdefault("API_VERSION", "v1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearer": []}],
        },
    )
    api = Api(app, spec_kwargs={"extra_plugins": [ProblemResponses()]})
    login_manager.request_loader(user_from_token)
    app.request_class = type("Request", (CookielessApi, app.request_class), {})
    app.extensions["outreach_api"] = api
    for blp in resources.blueprints():
        csrf.exempt(blp)
        api.register_blueprint(blp)
    app.register_blueprint(docs.bp, url_prefix=PREFIX)
