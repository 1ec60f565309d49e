"""Security headers and safe redirects."""

import logging
import re
from urllib.parse import urlsplit

from flask import Response
from flask.sessions import SecureCookieSessionInterface

CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)


def add_security_headers(response: Response) -> Response:
    """Headers every response carries: CSP, no sniffing, no framing, no referrer leaks."""
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response


def is_safe_next(target: str | None) -> bool:
    """True for a local path only, so `?next=` can never send a user to another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return False
    parts = urlsplit(target)
    return not parts.scheme and not parts.netloc


class RedactClientAddress(logging.Filter):
    """Drop the client IP the development server (werkzeug) puts at the start of each request log line."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str) and " - - [" in record.msg:
            record.msg = "-" + record.msg[record.msg.index(" - - [") :]
        return True


class NoSessionOn(SecureCookieSessionInterface):
    """The cookie session, except on public paths that never use it (the scan redirect): no cookie is
    read or written there, so those answers stay cheap and set no cookie."""

    def __init__(self, pattern: str) -> None:
        self.pattern = re.compile(pattern)

    def open_session(self, app, request):
        if self.pattern.fullmatch(request.path):
            return None
        return super().open_session(app, request)
