"""Per-visitor rate limit of the scan endpoint, shared by the fast path and the Flask view.

Flask-Limiter's decorators only run inside Flask, and most scans are answered in front of it
(`outreach.links.fastpath`), so both call `within_scan_limit()`, which hits the same limiter
storage (memory per worker, or Redis through RATELIMIT_STORAGE_URI) directly. The key is a keyed
hash of the client address (`outreach.security.address_key`); the address is never stored.

Above the limit the visitor is still sent to the survey: a scan is never refused, because many
phones share one carrier (CGNAT) address and a person must never be kept from the survey. The scan
is recorded, so every 302 has its row, but flagged as automated (`is_bot`): it stays in the total
`scans` and in `bot_scans`, and is left out of human scans and unique visitors, so a refresh loop
or a script cannot inflate the honest figures.
"""

import logging
from functools import lru_cache

from flask import current_app
from limits import RateLimitItem, parse_many

from outreach.extensions import limiter
from outreach.security import address_key

log = logging.getLogger(__name__)


@lru_cache(maxsize=8)
def _items(spec: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(spec))


def within_scan_limit(address: str) -> bool:
    """Count one scan from `address` against RATELIMIT_SCAN; False when the visitor is over the limit.

    A failing limiter storage (Redis down) never blocks or flags a scan: it counts as within.
    """
    config = current_app.config
    spec = config.get("RATELIMIT_SCAN")
    if not spec or not config.get("RATELIMIT_ENABLED", True):
        return True
    key = address_key(address)
    try:
        strategy = limiter.limiter
        return all([strategy.hit(item, config.get("RATELIMIT_KEY_PREFIX", ""), "scan", key) for item in _items(spec)])
    except Exception:  # noqa: BLE001 - any storage error: the scan counts normally
        log.warning("scan rate limit storage unavailable; scan counted without a limit check")
        return True
