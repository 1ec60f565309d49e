"""Rendered public pages kept for a few seconds per worker."""

import time


class PageCache:
    """Rendered pages kept for a few seconds per worker, so a busy board costs one render per TTL."""

    def __init__(self, size: int = 256) -> None:
        self.size = size
        self.pages: dict[tuple, tuple[float, str]] = {}

    def get(self, key: tuple) -> str | None:
        """The page kept for `key`, or None when missing or stale."""
        hit = self.pages.get(key)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def put(self, key: tuple, page: str, ttl: float) -> None:
        """Keep `page` for `ttl` seconds (the whole cache is dropped when full)."""
        if len(self.pages) >= self.size:
            self.pages.clear()
        self.pages[key] = (time.monotonic() + ttl, page)

    def clear(self) -> None:
        """Forget every page."""
        self.pages.clear()
