"""App-wide error pages and the domain's configuration error."""

from flask import Flask, render_template

from outreach.extensions import db


class ConfigError(RuntimeError):
    """The app cannot start with this configuration; the message says what to set."""


def register(app: Flask) -> None:
    """Render errors/<code>.html for the common HTTP errors."""

    def page(code: int):
        def handler(_error):
            return render_template(f"errors/{code}.html"), code

        return handler

    for code in (400, 403, 404, 405, 410, 413, 429):
        app.register_error_handler(code, page(code))

    @app.errorhandler(500)
    def internal_error(_error):
        db.session.rollback()
        return render_template("errors/500.html"), 500
