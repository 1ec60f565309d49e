"""Pages that put PUBLIC_BASE_URL on paper or into messages: warn in development, refuse in production."""

import logging

from flask import Response, current_app
from flask_babel import gettext as _

from outreach.errors import error_response
from outreach.links.services import public_base_problem

log = logging.getLogger(__name__)


def base_url_notice() -> dict:
    """Template context for a page that makes flyers, QR codes or messages: what is wrong with PUBLIC_BASE_URL.

    `base.html` shows `base_url_problem` as a warning, or as an error when `base_url_refused`.
    """
    problem = public_base_problem()
    refused = problem is not None and current_app.config["REFUSE_LOCAL_PUBLIC_BASE_URL"]
    return {"base_url_problem": problem, "base_url_refused": refused}


def base_url_refusal() -> Response | None:
    """A 503 page naming PUBLIC_BASE_URL when this server must not print or share its addresses, else None."""
    notice = base_url_notice()
    if not notice["base_url_refused"]:
        return None
    log.warning("refused to make flyers, QR codes or messages: PUBLIC_BASE_URL is not public")
    message = _(
        "Flyers, QR codes and WhatsApp messages are switched off on this server. %(problem)s "
        "Set PUBLIC_BASE_URL to the public https address people can open.",
        problem=notice["base_url_problem"],
    )
    return error_response(503, message)
