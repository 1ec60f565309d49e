"""The scan limit's per-process fixed windows: the same counts as Flask-Limiter's memory storage, bounded memory."""

from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from outreach.links.scan_limit import SWEEP_SECONDS, FixedWindows, _items, _windows


class _Clock:
    """Stands in for the time module of limits' memory storage."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def time(self) -> float:
        return self.now


def test_local_windows_count_exactly_like_the_limiters_memory_storage(monkeypatch):
    clock = _Clock()
    monkeypatch.setattr("limits.storage.memory.time", clock)
    reference = FixedWindowRateLimiter(MemoryStorage())
    windows = FixedWindows()
    spec = "3 per minute;5 per hour"
    moments = [0, 1, 2, 3, 30, 59.9, 60, 60, 61, 62, 119, 120, 121, 500, 3599, 3600, 3600.5, 3601, 3700, 3701]
    seen = []
    for moment in moments:
        clock.now = 1_000.0 + moment
        expected = all([reference.hit(item, "outreach", "scan", "k") for item in _items(spec)])
        seen.append(windows.hit("k", _windows(spec), now=clock.now))
        assert seen[-1] == expected, moment
    assert True in seen and False in seen


def test_windows_of_visitors_gone_quiet_are_forgotten():
    windows = FixedWindows()
    windows.hit("early", ((3, 60),), now=0.0)
    windows.hit("later", ((3, 60),), now=SWEEP_SECONDS - 1)
    windows.hit("now", ((3, 60),), now=SWEEP_SECONDS + 1)
    assert [key for key, _amount, _seconds in windows.windows] == ["later", "now"]
