"""Rate limits (Flask-Limiter): login per client, friendly 429, Redis storage, no addresses kept."""

import logging
import socket
import uuid

import pytest
from sqlalchemy import select

from config import TestConfig
from outreach import create_app
from outreach.audit.models import AuditEvent
from outreach.extensions import limiter
from tests.factories import UserFactory

VISITOR = "203.0.113.77"


def _attempt(client, email="bukan-email", addr=VISITOR):
    # An invalid email fails form validation before any password hashing, which keeps tests fast;
    # the limiter counts every POST all the same.
    return client.post(
        "/auth/login", data={"email": email, "password": "wrong password"}, environ_base={"REMOTE_ADDR": addr}
    )


def _limit(app) -> int:
    return int(app.config["RATELIMIT_LOGIN"].split()[0])


def test_login_posts_beyond_the_limit_get_the_friendly_429_page(app, client):
    for _ in range(_limit(app)):
        assert _attempt(client).status_code == 200
    response = _attempt(client)
    assert response.status_code == 429
    assert "Terlalu banyak permintaan" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0


def test_login_limit_is_per_client_address(app, client):
    for _ in range(_limit(app) + 1):
        _attempt(client)
    assert _attempt(client, addr="198.51.100.5").status_code == 200


def test_showing_the_login_form_is_not_limited(app, client):
    for _ in range(_limit(app) + 1):
        _attempt(client)
    assert client.get("/auth/login", environ_base={"REMOTE_ADDR": VISITOR}).status_code == 200


def test_limited_json_clients_get_a_json_429(app, client):
    for _ in range(_limit(app)):
        _attempt(client)
    response = client.post(
        "/auth/login",
        data={"email": "x@y.id", "password": "p"},
        headers={"Accept": "application/json"},
        environ_base={"REMOTE_ADDR": VISITOR},
    )
    assert response.status_code == 429
    assert response.json["error"] == 429 and "Mohon tunggu" in response.json["message"]


def test_attempts_refused_by_the_limiter_do_not_count_towards_lockout(app, client, db):
    user = UserFactory()
    db.session.commit()
    for _ in range(_limit(app)):
        _attempt(client)
    assert [_attempt(client, email=user.email).status_code for _ in range(6)] == [429] * 6
    db.session.refresh(user)
    assert user.failed_logins == 0 and user.locked_until is None
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.lock")) is None


def test_rate_limit_breach_log_names_no_client_address(app, client, caplog):
    caplog.set_level(logging.DEBUG)
    for _ in range(_limit(app) + 1):
        _attempt(client)
    assert "rate limit" in caplog.text
    assert VISITOR not in caplog.text


def _redis_answers(host="127.0.0.1", port=6379) -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def app_with_storage(app):
    """Build apps on another limiter storage; the suite's app gets its own storage back afterwards."""
    built = []

    def build(uri):
        class Shared(TestConfig):
            RATELIMIT_STORAGE_URI = uri

        other = create_app(Shared)
        other.config["WTF_CSRF_ENABLED"] = False
        built.append(other)
        return other

    yield build
    limiter.init_app(app)
    limiter.reset()


def test_redis_storage_shares_limits_between_instances_and_keeps_no_address(app_with_storage):
    if not _redis_answers():
        pytest.skip("no Redis answers on 127.0.0.1:6379")
    import redis

    visitor = f"2001:db8::{uuid.uuid4().hex[:4]}:{uuid.uuid4().hex[:4]}"  # fresh key: Redis outlives runs
    first = app_with_storage("redis://127.0.0.1:6379")
    assert type(limiter.storage).__name__ == "RedisStorage"
    for _ in range(_limit(first)):
        assert _attempt(first.test_client(), addr=visitor).status_code == 200
    second = app_with_storage("redis://127.0.0.1:6379")
    # A second instance (another gunicorn worker or server) sees the same count in Redis.
    assert _attempt(second.test_client(), addr=visitor).status_code == 429
    keys = [k.decode() for k in redis.Redis(host="127.0.0.1", port=6379).keys("*outreach*auth.login*")]
    assert keys, "no rate-limit keys in Redis"
    assert not any(visitor in k or VISITOR in k for k in keys)


def test_unreachable_redis_falls_back_to_memory_instead_of_failing(app_with_storage):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    broken = app_with_storage(f"redis://127.0.0.1:{closed_port}")
    client = broken.test_client()
    assert _attempt(client).status_code == 200
    statuses = [_attempt(client).status_code for _ in range(_limit(broken) + 1)]
    assert statuses[-1] == 429


IMPORT_POSTS = (
    "/areas/import",
    "/promoters/import",
    "/participation/counts/import",
    "/participation/plan/targets/import",
)


def test_csv_imports_share_one_limit_per_client_and_get_the_friendly_429(app, admin_client):
    app.config["RATELIMIT_IMPORT"] = "4 per hour"
    try:
        statuses = [
            admin_client.post(path, data={}, environ_base={"REMOTE_ADDR": VISITOR}).status_code for path in IMPORT_POSTS
        ]
        assert 429 not in statuses
        response = admin_client.post("/areas/import/confirm", data={}, environ_base={"REMOTE_ADDR": VISITOR})
        assert response.status_code == 429
        assert "Terlalu banyak permintaan" in response.get_data(as_text=True)
        other = admin_client.post("/areas/import", data={}, environ_base={"REMOTE_ADDR": "198.51.100.5"})
        assert other.status_code != 429
        assert admin_client.get("/areas/import", environ_base={"REMOTE_ADDR": VISITOR}).status_code == 200
    finally:
        app.config["RATELIMIT_IMPORT"] = TestConfig.RATELIMIT_IMPORT
