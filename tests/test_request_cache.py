"""Values kept for one request: reused within it, forgotten after a write and between requests."""

from outreach.extensions import db
from outreach.request_cache import per_request
from tests.factories import AreaFactory


def test_a_value_is_computed_once_per_request_and_again_after_a_write(app):
    calls = []

    def compute():
        calls.append(1)
        return len(calls)

    with app.test_request_context():
        assert per_request("answer", compute) == 1
        assert per_request("answer", compute) == 1
        AreaFactory()
        db.session.flush()
        assert per_request("answer", compute) == 2
        db.session.rollback()
    with app.test_request_context():
        assert per_request("answer", compute) == 3


def test_outside_a_request_nothing_is_kept(app):
    calls = []
    with app.app_context():
        assert [per_request("answer", lambda: calls.append(1) or len(calls)) for _ in range(2)] == [1, 2]
