"""Values kept for one request: reused within it, forgotten when it ends, after a refresh and on `forget()`."""

from datetime import UTC, datetime

from outreach.metrics import refresh
from outreach.metrics.cache import forget, per_request
from outreach.metrics.scans import SAFETY_MARGIN, rollup_cut


def counter():
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    return compute


def test_a_value_is_computed_once_per_request_and_again_in_the_next_one(app):
    compute = counter()
    # The app context (and so `g`) outlives both requests, as in a test or a CLI command.
    with app.app_context():
        with app.test_request_context():
            assert per_request("answer", compute) == 1
            assert per_request("answer", compute) == 1
            assert per_request("other", counter()) == 1
        with app.test_request_context():
            assert per_request("answer", compute) == 2


def test_forget_drops_the_values_of_the_request(app):
    compute = counter()
    with app.test_request_context():
        assert per_request("answer", compute) == 1
        forget()
        assert per_request("answer", compute) == 2


def test_a_refresh_in_a_request_makes_the_request_read_the_new_cut(app, db):
    now = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    with app.test_request_context():
        assert rollup_cut() is None
        refresh.scans(now=now)
        assert rollup_cut().replace(tzinfo=UTC) == now - SAFETY_MARGIN
        db.session.rollback()


def test_outside_a_request_nothing_is_kept(app):
    compute = counter()
    with app.app_context():
        assert [per_request("answer", compute) for _ in range(2)] == [1, 2]
