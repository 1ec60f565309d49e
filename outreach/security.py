"""Security headers, safe redirects, rate-limit keys and logs without client addresses."""

import hashlib
import hmac
import ipaddress
import logging
import re
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Flask, current_app, g, request
from flask.sessions import SecureCookieSessionInterface
from flask_talisman import Talisman
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline scripts or styles anywhere: every asset is a file under static/.
CSP = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": "'self'",
    "script-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PERMISSIONS_POLICY = {"camera": "()", "microphone": "()", "geolocation": "()", "browsing-topics": "()"}

# werkzeug's development server starts each request line with the client address.
_WERKZEUG_ADDRESS = re.compile(r"^\S+ - - ")
# gunicorn logs a malformed request as "Invalid request from ip=ADDRESS: error" (IPv6 has colons too);
# errors about proxy lines or headers can quote other addresses.
_GUNICORN_ADDRESS = re.compile(r"ip=\S*?: ")
_ADDRESS_LIKE = re.compile(r"(?<![\w.:])[0-9A-Fa-f.:]*[.:][0-9A-Fa-f.:]*(?![\w.:])")
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
# A one-time sign-in link carries its secret in the path (/auth/masuk/<token>), which request logs record.
_SIGN_IN_TOKEN_PATH = re.compile(r"(/masuk/)[^\s/?#\"]+")

log = logging.getLogger(__name__)


def init_security_headers(app: Flask) -> Talisman:
    """Flask-Talisman with our CSP; https, HSTS and secure cookies where the config asks for them.

    One Talisman per app (it keeps the app it was given), stored in app.extensions.
    """
    # Registered before Talisman so it runs after it (Flask runs after_request handlers in reverse).
    app.after_request(_apply_page_options)
    talisman = Talisman(
        app,
        force_https=app.config["FORCE_HTTPS"],
        strict_transport_security=app.config["HSTS_ENABLED"],
        session_cookie_secure=app.config.get("SESSION_COOKIE_SECURE", False),
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
        content_security_policy=CSP,
        frame_options="DENY",
        referrer_policy="strict-origin-when-cross-origin",
        permissions_policy=PERMISSIONS_POLICY,
    )
    app.extensions["talisman"] = talisman
    return talisman


def survey_form_action() -> None:
    """Let this page's forms lead on to the survey hosts (`form-action`), for the typed-code form.

    Chromium applies `form-action` to every hop of a form's navigation, so the 303 that sends a typed
    code on to the survey is blocked under `form-action 'self'` (while the visit was already counted).
    We chose to name the survey hosts here rather than stop on a page of our own with a link onwards:
    a person who typed a code has already chosen to go, and every extra tap on a cheap phone loses
    some of them. Only the pages that carry the form get it, and only for SURVEY_HOST_ALLOWLIST, the
    hosts a target may point to at all (https, each host and its subdomains).
    """
    g.survey_form_action = True


def survey_form_sources(hosts: tuple[str, ...]) -> str:
    """`form-action` sources: this site and every allowlisted survey host with its subdomains."""
    return " ".join(["'self'", *(f"https://{h} https://*.{h}" for h in hosts)])


def no_referrer() -> None:
    """Send `Referrer-Policy: no-referrer` on this response (pages whose URL is itself a secret)."""
    g.no_referrer = True


def _apply_page_options(response):
    if g.get("no_referrer"):
        response.headers["Referrer-Policy"] = "no-referrer"
    csp = response.headers.get("Content-Security-Policy")
    if g.get("survey_form_action") and csp:
        sources = survey_form_sources(current_app.config["SURVEY_HOST_ALLOWLIST"])
        response.headers["Content-Security-Policy"] = csp.replace("form-action 'self'", f"form-action {sources}")
    return response


def init_proxy_fix(app: Flask) -> None:
    """Trust X-Forwarded-For/-Proto from exactly TRUSTED_PROXIES reverse proxies (none by default)."""
    hops = app.config["TRUSTED_PROXIES"]
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]  # Flask documents wrapping wsgi_app in middleware


@lru_cache(maxsize=4)
def _address_mac(secret: str) -> "hmac.HMAC":
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)


def address_key(address: str, secret: str | None = None) -> str:
    """A keyed hash of a client address (rate-limit key); the address itself is never kept.

    Keyed with `secret`, by default the app's SECRET_KEY (the scan fast path passes it: no app context there).
    """
    mac = _address_mac(secret or current_app.config["SECRET_KEY"]).copy()
    mac.update((address or "").encode())
    return mac.hexdigest()[:32]


def client_key() -> str:
    """A keyed hash of the client address: limits per visitor without holding the address itself."""
    return address_key(request.remote_addr or "")


def log_rate_limit_breach(request_limit) -> None:
    """Log which limit was hit where; never the key, which derives from the client address."""
    log.warning("rate limit %s exceeded on %s", request_limit.limit, request.endpoint)


class NoClientAddressFilter(logging.Filter):
    """Strip the client address that werkzeug's development server writes before each request line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = _WERKZEUG_ADDRESS.sub("", record.msg)
        return True


class NoSignInTokenFilter(logging.Filter):
    """Replace the token of a one-time sign-in link path in request logs (gunicorn's access log, werkzeug's).

    A link is valid for hours and WhatsApp's preview opens it at once: whoever reads the log could
    otherwise sign in as the promoter, or as the staff member an admin reset, before they do.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = _SIGN_IN_TOKEN_PATH.sub(r"\1-", message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def _hide_address(match: re.Match) -> str:
    text = match.group(0)
    try:
        ipaddress.ip_address(text.rstrip(".:"))
    except ValueError:
        return text
    return "-"


class NoAddressInErrorLogFilter(logging.Filter):
    """Strip client addresses from gunicorn's error log ("Invalid request from ip=…"), as the access log does."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = _ADDRESS_LIKE.sub(_hide_address, _GUNICORN_ADDRESS.sub("ip=-: ", message))
        if clean != message:
            record.msg, record.args = clean, None
        return True


def is_safe_next(target: str | None) -> bool:
    """True for a local path only, so `?next=` can never send a user to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    if _CONTROL_CHARS.search(target):
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


class NoSessionOn(SecureCookieSessionInterface):
    """The cookie session, except on public paths that never use it (the scan redirect): no cookie is
    read or written there, so those answers stay cheap and set no cookie."""

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern)

    def open_session(self, app, request):
        if self.pattern.fullmatch(request.path):
            return None
        return super().open_session(app, request)
