"""Per-visitor scan rate limit: over the limit the visitor still reaches the survey, the scan is flagged."""

import socket
import uuid

import pytest
from flask import current_app
from sqlalchemy import func, select

from config import TestConfig
from outreach import create_app
from outreach.extensions import limiter
from outreach.links.models import Scan
from outreach.links.scan_limit import local_windows
from outreach.links.scanning import scanner
from outreach.metrics.scans import refresh_scan_rollups, totals_for
from tests.factories import LinkFactory
from tests.links.conftest import TARGET

PHONE = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Mobile Safari/537.36"
)
CARRIER = "203.0.113.9"
DEFAULT = "60 per minute;600 per hour"  # config.py's RATELIMIT_SCAN


@pytest.fixture(autouse=True, params=["fast path", "flask view"])
def scan_path(request, app):
    original = app.config["RATELIMIT_SCAN"]
    app.config["SCAN_FAST_PATH"] = request.param == "fast path"
    app.config["RATELIMIT_SCAN"] = "3 per minute"
    yield request.param
    app.config["SCAN_FAST_PATH"] = True
    app.config["RATELIMIT_SCAN"] = original


def _scan(client, addr=CARRIER, method="GET", agent=PHONE, code="ABC234"):
    return client.open(f"/s/{code}", method=method, headers={"User-Agent": agent}, environ_base={"REMOTE_ADDR": addr})


def _counts(db):
    human = db.session.scalar(select(func.count()).select_from(Scan).where(Scan.is_bot.is_(False)))
    return db.session.scalar(select(func.count()).select_from(Scan)), human


def test_scans_over_the_limit_still_redirect_and_are_recorded_flagged(client, db, link):
    responses = [_scan(client) for _ in range(5)]
    assert [r.status_code for r in responses] == [302] * 5
    assert {r.headers["Location"] for r in responses} == {TARGET}
    assert _counts(db) == (5, 3)


def test_flagged_scans_stay_out_of_human_figures_but_in_the_total(client, db, link):
    for _ in range(5):
        _scan(client)
    refresh_scan_rollups()
    db.session.commit()
    totals = totals_for([link.id])
    assert (totals.scans, totals.human_scans, totals.bot_scans) == (5, 3, 2)
    assert totals.unique_visitors == 1


def test_scan_limit_is_per_visitor_and_link(client, db, link):
    for _ in range(4):
        _scan(client)
    _scan(client, addr="198.51.100.20")
    _scan(client, agent=PHONE.replace("SM-A145F", "SM-A055F"))  # another phone behind the same address
    LinkFactory(code="XYZ789", target=link.target)
    db.session.commit()
    _scan(client, code="XYZ789")  # the same phone on another tautan
    assert _counts(db) == (7, 6)


def _crowd(size: int) -> list[str]:
    """`size` distinct phone user agents, as a crowd at a kegiatan sosialisasi brings them."""
    models = ["SM-A145F", "SM-A055F", "23021RAAEG", "CPH2591", "V2207", "RMX3710", "Infinix X6833B", "TECNO KI5k"]
    agents = [
        f"Mozilla/5.0 (Linux; Android {android}; {model}) AppleWebKit/537.36 (KHTML, like Gecko) "
        f"Chrome/{major}.0.{6000 + build}.{build % 200} Mobile Safari/537.36"
        for android in (11, 12, 13, 14)
        for model in models
        for major, build in (
            (120, 99),
            (124, 165),
            (126, 122),
            (128, 135),
            (131, 104),
            (132, 80),
            (133, 88),
            (134, 52),
            (135, 35),
            (136, 10),
        )
    ]
    return agents[:size]


def test_a_crowd_of_phones_behind_one_carrier_address_is_never_flagged(app, client, db, link):
    app.config["RATELIMIT_SCAN"] = DEFAULT
    crowd = _crowd(300)
    assert len(set(crowd)) == 300
    assert all(_scan(client, agent=agent).status_code == 302 for agent in crowd)  # well within 60 s
    assert _counts(db) == (300, 300)


def test_one_device_reloading_is_flagged_after_the_threshold(app, client, db, link):
    app.config["RATELIMIT_SCAN"] = DEFAULT
    assert all(_scan(client).status_code == 302 for _ in range(300))
    flags = list(db.session.scalars(select(Scan.is_bot).order_by(Scan.id)))
    assert flags == [False] * 60 + [True] * 240
    stored = " ".join(" ".join(str(value) for value in row) for row in db.session.execute(select(Scan)).all())
    keys = " ".join(key for key, _amount, _seconds in local_windows.windows)
    assert CARRIER not in stored + keys and PHONE not in stored + keys


def test_head_requests_do_not_use_up_the_limit(client, db, link):
    for _ in range(5):
        assert _scan(client, method="HEAD").status_code == 302
    _scan(client)
    assert _counts(db) == (1, 1)


def test_scan_limit_can_be_switched_off(app, client, db, link):
    app.config["RATELIMIT_SCAN"] = ""
    for _ in range(5):
        _scan(client)
    assert _counts(db) == (5, 5)


def test_scan_limit_keys_are_the_link_and_the_visitor_hash_never_the_address(client, db, link):
    for _ in range(4):
        _scan(client)
    visitor = db.session.scalars(select(Scan.visitor_hash)).first()
    keys = [key for key, _amount, _seconds in local_windows.windows]
    assert keys == [f"{link.id}:{visitor}"]
    assert CARRIER not in " ".join(keys)


def test_a_failing_limit_storage_counts_the_scan_normally(monkeypatch, app, client, db, link):
    class Broken:
        def hit(self, *args, **kwargs):
            raise ConnectionError("redis down")

    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "redis://127.0.0.1:6379")
    monkeypatch.setattr(type(limiter), "limiter", property(lambda self: Broken()))
    for _ in range(5):
        assert _scan(client).status_code == 302
    assert _counts(db) == (5, 5)


def _redis_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 6379), timeout=0.5) as sock:
            sock.sendall(b"PING\r\n")
            return sock.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@pytest.fixture
def redis_app():
    """A second app whose limiter counts in Redis; the suite's app gets its own limiter storage back afterwards."""
    if not _redis_answers():
        pytest.skip("no Redis answers on 127.0.0.1:6379")

    class Shared(TestConfig):
        RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379"
        RATELIMIT_SCAN = "3 per minute"

    other = create_app(Shared)
    yield other
    scanner(other).store.close()
    limiter.init_app(current_app._get_current_object())
    limiter.reset()


def test_with_redis_storage_the_scan_limit_is_counted_in_redis(redis_app, scan_path, db, link):
    import redis

    redis_app.config["SCAN_FAST_PATH"] = scan_path == "fast path"
    visitor = f"2001:db8::{uuid.uuid4().hex[:4]}"  # a fresh key: Redis outlives test runs
    for _ in range(5):
        assert _scan(redis_app.test_client(), addr=visitor).status_code == 302
    assert _counts(db) == (5, 3)
    assert local_windows.windows == {}
    keys = [k.decode() for k in redis.Redis(host="127.0.0.1", port=6379).keys("*scan*")]
    visitor_hash = db.session.scalars(select(Scan.visitor_hash)).first()
    assert any(f"{link.id}:{visitor_hash}" in k for k in keys)
    assert not any(visitor in k for k in keys)
