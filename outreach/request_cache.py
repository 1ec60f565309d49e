"""Values read once per HTTP request and reused by the code that renders it (the dashboard's targets,
the live scan tail). Outside a request nothing is kept; any ORM write in the request forgets them."""

from collections.abc import Callable
from typing import TypeVar

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")
PREFIX = "outreach.cache."


def per_request(key: str, compute: Callable[[], T]) -> T:
    """`compute()` once per request for `key` (every time outside a request)."""
    if not has_request_context():
        return compute()
    environ = request.environ
    if PREFIX + key not in environ:
        environ[PREFIX + key] = compute()
    return environ[PREFIX + key]


@event.listens_for(Session, "after_flush")
def _forget_after_writes(session, context) -> None:
    if has_request_context():
        for key in [k for k in request.environ if k.startswith(PREFIX)]:
            del request.environ[key]
