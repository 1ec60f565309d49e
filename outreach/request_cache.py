"""Values read once per HTTP request and reused by the code that renders it (the dashboard's targets,
the live scan tail). Outside a request nothing is kept; any ORM write in the request forgets them."""

from collections.abc import Callable
from typing import TypeVar

from flask.globals import _cv_request
from sqlalchemy import event
from sqlalchemy.orm import Session

T = TypeVar("T")
PREFIX = "outreach.cache."


def _environ() -> dict | None:
    """The current request's WSGI environ, or None outside a request. Read from Flask's context
    variable, not through the `request` proxy: a dashboard asks about a thousand times."""
    ctx = _cv_request.get(None)
    return None if ctx is None else ctx.request.environ


def per_request(key: str, compute: Callable[[], T]) -> T:
    """`compute()` once per request for `key` (every time outside a request)."""
    environ = _environ()
    if environ is None:
        return compute()
    key = PREFIX + key
    try:
        return environ[key]
    except KeyError:
        value = environ[key] = compute()
        return value


@event.listens_for(Session, "after_flush")
def _forget_after_writes(session, context) -> None:
    environ = _environ()
    if environ is not None:
        for key in [k for k in environ if k.startswith(PREFIX)]:
            del environ[key]
