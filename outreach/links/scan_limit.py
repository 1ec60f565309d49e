"""Per-visitor rate limit of the scan endpoint, shared by the fast path and the Flask view.

Flask-Limiter's decorators only run inside Flask, and most scans are answered in front of it
(`outreach.links.fastpath`), so both go through `ScanLimit.within()`. The key is one visitor on one
link: the link id and the scan's visitor hash (address and user agent under the day's salt, the same
value unique visitors are counted by). Many phones share one carrier (CGNAT) address, and keying on
the address alone flagged a crowd scanning one flyer as a script; different phones and browsers behind
one address are different visitors, and only one device reloading one tautan is counted against
RATELIMIT_SCAN (its thresholds are argued in `config.py`). Neither the address nor the user agent is
kept, in memory, in Redis or in the database.

Where the counters live follows the limiter's settings. With Redis (RATELIMIT_STORAGE_URI) they are
counted there through Flask-Limiter's own strategy, so they are shared by every worker and instance.
With the default memory storage Flask-Limiter counts per worker process anyway; there the scan path
keeps its fixed windows in a plain dict of its own (`FixedWindows`), with the same semantics as the
limiter's memory storage, because that storage restarts a cleanup thread every few milliseconds
under load and costs a good part of a scan.

Above the limit the visitor is still sent to the survey: a scan is never refused, because many
visitors share one hash (the same phone model and browser build behind one carrier address) and a
person must never be kept from the survey. The scan is recorded, so every 302 has its row, but
flagged as automated (`is_bot`): it stays in the total `scans` and in `bot_scans`, and is left out of
human scans and unique visitors, so a refresh loop or a script cannot inflate the honest figures.
"""

import logging
import threading
import time
from functools import lru_cache

from flask import Flask
from limits import RateLimitItem, parse_many

from outreach.extensions import limiter

log = logging.getLogger(__name__)

# Expired windows are dropped at most this often, so the dict holds the visitors of the last minutes only.
SWEEP_SECONDS = 60.0


@lru_cache(maxsize=8)
def _items(spec: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(spec))


@lru_cache(maxsize=8)
def _windows(spec: str) -> tuple[tuple[int, int], ...]:
    return tuple((item.amount, item.get_expiry()) for item in _items(spec))


class FixedWindows:
    """Fixed-window counters in this process's memory, as limits' memory storage keeps them.

    A window opens at a key's first hit and lasts the limit's period; every hit counts, also those
    over the limit; a hit is within when the count, this hit included, is at most the limit.
    """

    def __init__(self) -> None:
        self.windows: dict[tuple[str, int, int], list[float]] = {}  # (key, amount, seconds) -> [count, end]
        self._lock = threading.Lock()
        self._next_sweep = 0.0

    def hit(self, key: str, windows: tuple[tuple[int, int], ...], now: float | None = None) -> bool:
        """Count one hit of `key` in each (amount, seconds) window; True when every count is within its amount."""
        now = time.monotonic() if now is None else now
        within = True
        with self._lock:
            if now >= self._next_sweep:
                self.windows = {k: w for k, w in self.windows.items() if w[1] > now}
                self._next_sweep = now + SWEEP_SECONDS
            for amount, seconds in windows:
                window = self.windows.get((key, amount, seconds))
                if window is None or window[1] <= now:
                    self.windows[(key, amount, seconds)] = window = [0, now + seconds]
                window[0] += 1
                within = within and window[0] <= amount
        return within

    def reset(self) -> None:
        """Forget every count (tests, like `limiter.reset()`)."""
        with self._lock:
            self.windows.clear()


local_windows = FixedWindows()


class ScanLimit:
    """RATELIMIT_SCAN of one app, checked without an app context (the fast path runs before Flask)."""

    def __init__(self, app: Flask) -> None:
        self.config = app.config

    def counts_locally(self) -> bool:
        """True when the limiter counts per process in memory with fixed windows (the default)."""
        config = self.config
        return bool(config.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory://")) and (
            config.get("RATELIMIT_STRATEGY", "fixed-window") == "fixed-window"
        )

    def within(self, key: str) -> bool:
        """Count one scan of `key` ("<link id>:<visitor hash>") against RATELIMIT_SCAN; False when over it.

        A failing limiter storage (Redis down) never blocks or flags a scan: it counts as within.
        """
        config = self.config
        spec = config.get("RATELIMIT_SCAN")
        if not spec or not config.get("RATELIMIT_ENABLED", True):
            return True
        if self.counts_locally():
            return local_windows.hit(key, _windows(spec))
        try:
            strategy = limiter.limiter
            prefix = config.get("RATELIMIT_KEY_PREFIX", "")
            return all([strategy.hit(item, prefix, "scan", key) for item in _items(spec)])
        except Exception:  # noqa: BLE001 - any storage error: the scan counts normally
            log.warning("scan rate limit storage unavailable; scan counted without a limit check")
            return True
