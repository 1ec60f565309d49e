"""App-wide error pages (JSON under /api/) and the domain's configuration error."""

from flask import Flask, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError

from outreach.extensions import db
from outreach.inputs import BadInput


class ConfigError(RuntimeError):
    """The app cannot start with this configuration; the message says what to set."""


MESSAGES = {
    400: _l("The request could not be understood."),
    403: _l("You do not have access to this page."),
    404: _l("Page not found."),
    405: _l("This method is not allowed here."),
    410: _l("This link is no longer active."),
    413: _l("The file you sent is larger than allowed."),
    429: _l("Too many requests. Please wait a moment and try again."),
    500: _l("Something went wrong on our side."),
    503: _l("This service is not available right now."),
}
CSRF_MESSAGE = _l("The form expired or was sent without its security token. Reload the page and try again.")


def wants_json() -> bool:
    """API paths and clients that ask for JSON get JSON errors instead of pages."""
    accept = request.accept_mimetypes
    return request.path.startswith("/api/") or (accept.accept_json and not accept.accept_html)


def error_response(code: int, message=None):
    """The error page (or JSON body) for an HTTP status."""
    text = str(message or MESSAGES[code])
    if request.path.startswith("/api/"):
        from outreach.api.core import problem

        return problem(code, text)
    if wants_json():
        return jsonify(error=code, message=text), code
    return render_template(f"errors/{code}.html", message=message), code


def register(app: Flask) -> None:
    """Render errors/<code>.html for the common HTTP errors."""

    def page(code: int):
        def handler(_error):
            return error_response(code)

        return handler

    for code in (400, 403, 404, 405, 410, 413, 429):
        app.register_error_handler(code, page(code))

    @app.errorhandler(BadInput)
    def bad_input(error):
        return error_response(400, error.description)

    @app.errorhandler(CSRFError)
    def csrf_error(_error):
        return error_response(400, CSRF_MESSAGE)

    @app.errorhandler(500)
    def internal_error(_error):
        db.session.rollback()
        return error_response(500)
