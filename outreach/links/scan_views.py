"""The public scan redirect `/s/<code>`: no login, no form, no ORM objects; record and redirect."""

from flask import Blueprint, Response, render_template, request

from outreach.links.services import PREFETCH_HEADERS, QR_MARKER, RequestMeta, scan_code

bp = Blueprint("scan", __name__)

# Every answer of /s/<code> must reach us again next time, so nothing may cache it.
NO_CACHE = {
    "Cache-Control": "no-store, no-cache, must-revalidate, max-age=0, private",
    "Pragma": "no-cache",
    "Expires": "0",
    "X-Robots-Tag": "noindex, nofollow",
}


def _page(template: str, status: int, code: str) -> Response:
    response = Response(render_template(template, code=code), status=status, mimetype="text/html")
    response.headers.update(NO_CACHE)
    return response


@bp.route("/s/<code>", methods=["GET", "HEAD"])
def scan(code: str):
    """Count a scan of an active link and send the visitor to its survey (302)."""
    result = scan_code(
        code,
        RequestMeta(
            method=request.method,
            ip=request.remote_addr or "",
            user_agent=request.headers.get("User-Agent", ""),
            purpose=" ".join(request.headers.get(name, "") for name in PREFETCH_HEADERS),
            qr=request.args.get(QR_MARKER[0]) == QR_MARKER[1],
        ),
    )
    if result.outcome == "redirect":
        response = Response(status=302, headers={"Location": result.url, "Referrer-Policy": "no-referrer"})
    elif result.outcome == "declined":
        # Decline prefetches: the browser fetches again when the person really opens the link, and that counts.
        response = Response(status=503, headers={"Retry-After": "0"})
    elif result.outcome == "inactive":
        return _page("links/scan_inactive.html", 410, code[:16])
    else:
        return _page("links/scan_unknown.html", 404, code[:16])
    response.headers.update(NO_CACHE)
    return response
