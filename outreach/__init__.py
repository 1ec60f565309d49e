"""Outreach: raise honest participation in KPK's integrity survey (SPI)."""

import logging
from pathlib import Path

from flask import Flask, current_app, has_request_context, session

from config import Config
from outreach.errors import ConfigError
from outreach.extensions import babel, csrf, db, limiter, login_manager, migrate


def create_app(config_class: type[Config] = Config) -> Flask:
    """Build the application: config, extensions, blueprints, error handlers and commands."""
    app = Flask(__name__, template_folder="../templates", instance_relative_config=True)
    app.config.from_object(config_class)
    check_config(app)
    register_extensions(app)
    register_input_checks(app)
    register_blueprints(app)
    register_error_handlers(app)
    register_commands(app)
    register_security_headers(app)
    register_template_helpers(app)
    configure_logging(app)
    return app


SECRET_KEY_HINT = "make one with: python3 -c 'import secrets; print(secrets.token_hex(32))'"


def check_config(app: Flask) -> None:
    """Refuse to start without the settings production cannot do without."""
    from config import KNOWN_SECRET_KEYS, MIN_SECRET_KEY_LENGTH

    key = app.config.get("SECRET_KEY")
    if not key:
        raise ConfigError("SECRET_KEY is not set; export SECRET_KEY to a long random string")
    if app.config["ENV_NAME"] != "production":
        return
    # Anyone who knows the key can sign a session cookie for any account, admin included.
    if key in KNOWN_SECRET_KEYS:
        raise ConfigError(f"SECRET_KEY is a published default; export a secret one ({SECRET_KEY_HINT})")
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            f"SECRET_KEY is shorter than {MIN_SECRET_KEY_LENGTH} characters; export a longer one ({SECRET_KEY_HINT})"
        )
    if app.config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        app.logger.warning(
            "RATELIMIT_STORAGE_URI is not set: rate limits (sign-in included) count per worker process, so "
            "N gunicorn workers allow N times each limit; set RATELIMIT_STORAGE_URI=redis://HOST:6379 to share them"
        )


def select_locale() -> str:
    """The language chosen in the session, else Bahasa Indonesia (also outside requests, e.g. in the CLI)."""
    lang = session.get("lang") if has_request_context() else None
    return str(lang) if lang in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]


def register_extensions(app: Flask) -> None:
    """Bind the unbound extensions to this app."""
    import_models()
    Path(app.instance_path).mkdir(exist_ok=True)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = None
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    limiter.init_app(app)

    from outreach.metrics import cache

    cache.init_app(app)

    from outreach.auth.models import User

    @login_manager.user_loader
    def load_user(session_id: str):
        """The user of a session or remember-me cookie, while its token is still the user's current one."""
        user_id, _dot, token = session_id.partition(".")
        if not user_id.isdigit() or len(user_id) > 18 or not token:
            return None
        user = db.session.get(User, int(user_id))
        return user if user is not None and user.has_session(token) else None


def import_models() -> None:
    """Import every domain's models so the metadata (and Alembic) knows all tables."""
    from outreach.api import models as _api  # noqa: F401
    from outreach.areas import models as _areas  # noqa: F401
    from outreach.audit import models as _audit  # noqa: F401
    from outreach.auth import models as _auth  # noqa: F401
    from outreach.auth import throttle as _throttle  # noqa: F401
    from outreach.drives import models as _drives  # noqa: F401
    from outreach.imports import models as _imports  # noqa: F401
    from outreach.links import models as _links  # noqa: F401
    from outreach.participation import models as _participation  # noqa: F401
    from outreach.promoters import models as _promoters  # noqa: F401
    from outreach.rollouts import models as _rollouts  # noqa: F401


def register_input_checks(app: Flask) -> None:
    """Bounded numbers and path ids, and no control characters in any UI request (before the blueprints)."""
    from outreach.inputs import init_inputs

    init_inputs(app)


def register_blueprints(app: Flask) -> None:
    """Mount each domain's blueprint under its prefix."""
    from outreach.areas.views import bp as areas_bp
    from outreach.audit.views import bp as audit_bp
    from outreach.auth.views import bp as auth_bp
    from outreach.drives.views import bp as drives_bp
    from outreach.imports.views import bp as imports_bp
    from outreach.integrity.views import bp as integrity_bp
    from outreach.links.scan_views import bp as scan_bp
    from outreach.links.views import bp as links_bp
    from outreach.main.views import bp as main_bp
    from outreach.participation.opd_views import bp as opds_bp
    from outreach.participation.views import bp as participation_bp
    from outreach.pickers.views import bp as pickers_bp
    from outreach.promoters.views import bp as promoters_bp
    from outreach.public.views import bp as public_bp
    from outreach.rollouts.views import bp as rollouts_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(areas_bp, url_prefix="/areas")
    app.register_blueprint(promoters_bp, url_prefix="/promoters")
    app.register_blueprint(audit_bp, url_prefix="/audit")
    app.register_blueprint(drives_bp, url_prefix="/drives")
    app.register_blueprint(rollouts_bp, url_prefix="/rollouts")
    app.register_blueprint(participation_bp, url_prefix="/participation")
    app.register_blueprint(opds_bp, url_prefix="/participation/opds")
    app.register_blueprint(links_bp, url_prefix="/links")
    app.register_blueprint(scan_bp)
    app.register_blueprint(pickers_bp, url_prefix="/pickers")
    app.register_blueprint(imports_bp, url_prefix="/imports")
    from outreach.api.core import init_api
    from outreach.api.token_views import bp as tokens_bp

    init_api(app)
    app.register_blueprint(tokens_bp, url_prefix="/account/tokens")
    app.register_blueprint(public_bp)
    app.register_blueprint(integrity_bp, url_prefix="/integrity")
    from outreach.security import NoSessionOn

    app.session_interface = NoSessionOn(r"/s/[^/]+|/api/.*")
    from outreach.links.fastpath import ScanFastPath

    app.wsgi_app = ScanFastPath(app, app.wsgi_app)  # type: ignore[method-assign]  # Flask documents wrapping wsgi_app in middleware


def register_error_handlers(app: Flask) -> None:
    """HTML error pages for the UI."""
    from outreach.errors import register as register_errors

    register_errors(app)


def register_commands(app: Flask) -> None:
    """Add the `flask` CLI commands."""
    from outreach.cli import register as register_cli

    register_cli(app)
    from outreach.api.cli import tokens_cli
    from outreach.links.cli import links_cli, scans_cli
    from outreach.metrics.cli import metrics_cli

    app.cli.add_command(links_cli)
    app.cli.add_command(metrics_cli)
    app.cli.add_command(scans_cli)
    app.cli.add_command(tokens_cli)


def register_security_headers(app: Flask) -> None:
    """Security headers and CSP (Flask-Talisman); client address through trusted proxies only."""
    from outreach.security import init_proxy_fix, init_security_headers

    init_security_headers(app)
    init_proxy_fix(app)


def register_template_helpers(app: Flask) -> None:
    """Jinja filters for phones, dates and role labels."""
    from outreach.templating import register as register_templating

    register_templating(app)


def configure_logging(app: Flask) -> None:
    """Log at INFO to stderr; logs never carry client addresses or user agents (see security)."""
    from outreach.security import NoClientAddressFilter, NoSignInTokenFilter

    if not app.debug and not app.testing:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    werkzeug_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, NoClientAddressFilter) for f in werkzeug_log.filters):
        werkzeug_log.addFilter(NoClientAddressFilter())
    # Request lines and Flask's "Exception on <path>" name the path, which holds a sign-in link's token.
    for logger in (werkzeug_log, app.logger):
        if not any(isinstance(f, NoSignInTokenFilter) for f in logger.filters):
            logger.addFilter(NoSignInTokenFilter())
    # Flask-Limiter logs each breach with its key; security.log_rate_limit_breach logs it without.
    logging.getLogger("flask-limiter").setLevel(logging.WARNING)
    app.jinja_env.globals["current_lang"] = select_locale
