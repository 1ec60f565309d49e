"""Values read once per HTTP request and reused by the code that renders it (the dashboard's targets,
the live scan tail). Outside a request nothing is kept.

Kept in Flask's `g` and dropped when the request ends. Nothing forgets them on its own: code that
writes and then reads figures in the same request calls `forget()` (the refreshes in
`outreach.metrics.refresh` do).
"""

from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import Flask, g, has_request_context

T = TypeVar("T")
KEY = "metrics_cache"


def per_request(key: str, compute: Callable[[], T]) -> T:
    """`compute()` once per request for `key` (every time outside a request)."""
    if not has_request_context():
        return compute()
    # The proxy's object itself (werkzeug's documented LocalProxy method): a dashboard asks about a
    # thousand times, and each attribute read through the proxy costs a microsecond more.
    context_globals = g._get_current_object()
    store: dict[str, Any] | None = context_globals.get(KEY)
    if store is None:
        store = {}
        setattr(context_globals, KEY, store)
    try:
        return cast(T, store[key])
    except KeyError:
        value = store[key] = compute()
        return value


def forget() -> None:
    """Drop every value kept for the current request (after a write the request then reads back)."""
    if has_request_context():
        g.pop(KEY, None)


def _drop(_exc: BaseException | None = None) -> None:
    # `g` lives as long as the app context, which a test (or a CLI command) may keep across requests.
    g.pop(KEY, None)


def init_app(app: Flask) -> None:
    """Forget the values of each request when it ends."""
    app.teardown_request(_drop)
