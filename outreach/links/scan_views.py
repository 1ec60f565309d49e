"""The public scan redirect `/s/<code>`: no login, no form, no session, no ORM objects; record and redirect.

Scans of active links are normally answered by the WSGI fast path in front of Flask
(`outreach.links.fastpath`); this view answers the rest (unknown and deactivated codes) and every
scan when SCAN_FAST_PATH is off, with the same service and headers.
"""

from flask import Blueprint, Response, render_template, request

from outreach.auth.decorators import public
from outreach.links.fastpath import NO_CACHE, declined_headers, redirect_headers, request_meta
from outreach.links.scanning import scan_code

bp = Blueprint("scan", __name__)


def _page(template: str, status: int, code: str) -> Response:
    return Response(render_template(template, code=code), status=status, mimetype="text/html", headers=NO_CACHE)


@bp.route("/s/<code>", methods=["GET", "HEAD"])
@public
def scan(code: str) -> Response:
    """Count a scan of an active link and send the visitor to its survey (302)."""
    result = scan_code(code, request_meta(request.environ))
    if result.outcome == "redirect":
        return Response(status=302, headers=redirect_headers(result.url))
    if result.outcome == "declined":
        return Response(status=503, headers=declined_headers())
    if result.outcome == "inactive":
        return _page("links/scan_inactive.html", 410, code[:16])
    return _page("links/scan_unknown.html", 404, code[:16])
