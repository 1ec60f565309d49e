"""WSGI fast path for the scan redirect.

Flask's per-request machinery (request context, routing, hooks, session) costs more than recording
the scan itself, and the scan must stay within 0.8x of a bare Flask redirect. So GET/HEAD
`/s/<code>` for an active link is answered here, in front of Flask, with the same service
(`scan_code`) and the same headers as the `scan.scan` view. Everything else goes on to Flask
unchanged: unknown and deactivated codes get their friendly 404/410 pages from the view, which also
serves every scan when SCAN_FAST_PATH is off.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from flask import Flask

from outreach.links.scanning import RequestMeta, scanner
from outreach.links.services import QR_MARKER

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIApplication, WSGIEnvironment

PREFIX = "/s/"
QR_QUERY = f"{QR_MARKER[0]}={QR_MARKER[1]}"
# Every answer of /s/<code> must reach us again next time, so nothing may cache it.
NO_CACHE = (
    ("Cache-Control", "no-store, no-cache, must-revalidate, max-age=0, private"),
    ("Pragma", "no-cache"),
    ("X-Robots-Tag", "noindex, nofollow"),
)
PLAIN = (("Content-Length", "0"), ("X-Content-Type-Options", "nosniff"))


def request_meta(environ: "WSGIEnvironment") -> RequestMeta:
    """The plain values a scan needs, from a WSGI environ (REMOTE_ADDR is already fixed by ProxyFix)."""
    query = environ.get("QUERY_STRING", "")
    if not query:
        source = "direct"
    elif query == QR_QUERY:  # what every printed QR code carries; anything else is parsed
        source = "qr"
    else:
        source = "qr" if parse_qs(query).get(QR_MARKER[0], [None])[0] == QR_MARKER[1] else "direct"
    get = environ.get
    return RequestMeta(
        get("REQUEST_METHOD", "GET"),
        get("REMOTE_ADDR", ""),
        get("HTTP_USER_AGENT", ""),
        f"{get('HTTP_SEC_PURPOSE', '')} {get('HTTP_PURPOSE', '')} {get('HTTP_X_MOZ', '')} {get('HTTP_X_PURPOSE', '')}",
        source,
    )


def redirect_headers(url: str) -> list[tuple[str, str]]:
    """Headers of the scan's 302."""
    return [("Location", url), ("Referrer-Policy", "no-referrer"), *NO_CACHE]


def declined_headers() -> list[tuple[str, str]]:
    """Headers of the 503 that declines a prefetch (the real visit comes later and counts)."""
    return [("Retry-After", "0"), *NO_CACHE]


class ScanFastPath:
    """WSGI middleware: answers scans of active links before Flask; passes everything else on.

    No app context is pushed: the scan path (`Scanner`) reads the app's config directly.
    """

    def __init__(self, app: Flask, wsgi_app: "WSGIApplication") -> None:
        self.config = app.config
        self.scanner = scanner(app)
        self.wsgi_app = wsgi_app
        self._answers: dict[str, list[tuple[str, str]]] = {}

    def _redirect(self, url: str) -> list[tuple[str, str]]:
        headers = self._answers.get(url)
        if headers is None:
            if len(self._answers) >= 1_000:
                self._answers.clear()
            headers = self._answers[url] = [*redirect_headers(url), *PLAIN]
        return list(headers)

    def __call__(self, environ: "WSGIEnvironment", start_response: "StartResponse") -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if (
            path.startswith(PREFIX)
            and "/" not in path[len(PREFIX) :]
            and environ.get("REQUEST_METHOD") in ("GET", "HEAD")
            and self.config.get("SCAN_FAST_PATH")
        ):
            code = path[len(PREFIX) :].encode("latin-1").decode("utf-8", "replace")
            result = self.scanner.scan(code, request_meta(environ))
            if result.outcome == "redirect":
                start_response("302 FOUND", self._redirect(result.url))
                return [b""]
            if result.outcome == "declined":
                start_response("503 SERVICE UNAVAILABLE", [*declined_headers(), *PLAIN])
                return [b""]
        return self.wsgi_app(environ, start_response)
