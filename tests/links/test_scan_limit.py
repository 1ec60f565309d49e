"""Per-visitor scan rate limit: over the limit the visitor still reaches the survey, the scan is flagged."""

import pytest
from sqlalchemy import func, select

from outreach.extensions import limiter
from outreach.links.models import Scan
from outreach.links.rollups import refresh_scan_rollups, totals_for
from tests.factories import LinkFactory, SurveyTargetFactory

PHONE = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Mobile Safari/537.36"
)
TARGET = "https://spi.kpk.go.id/survei/eksternal"
CARRIER = "203.0.113.9"


@pytest.fixture(autouse=True, params=["fast path", "flask view"])
def scan_path(request, app):
    original = app.config["RATELIMIT_SCAN"]
    app.config["SCAN_FAST_PATH"] = request.param == "fast path"
    app.config["RATELIMIT_SCAN"] = "3 per minute"
    yield request.param
    app.config["SCAN_FAST_PATH"] = True
    app.config["RATELIMIT_SCAN"] = original


@pytest.fixture
def link(db):
    link = LinkFactory(code="ABC234", target=SurveyTargetFactory(url=TARGET))
    db.session.commit()
    return link


def _scan(client, addr=CARRIER, method="GET"):
    return client.open("/s/ABC234", method=method, headers={"User-Agent": PHONE}, environ_base={"REMOTE_ADDR": addr})


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


def test_scan_limit_is_per_client_address(client, db, link):
    for _ in range(4):
        _scan(client)
    _scan(client, addr="198.51.100.20")
    assert _counts(db) == (5, 4)


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


def test_scan_limit_keys_hold_no_client_address(client, db, link):
    for _ in range(4):
        _scan(client)
    keys = " ".join(map(str, getattr(limiter.storage, "storage", {}).keys()))
    assert "scan" in keys
    assert CARRIER not in keys


def test_a_failing_limit_storage_counts_the_scan_normally(monkeypatch, client, db, link):
    class Broken:
        def hit(self, *args, **kwargs):
            raise ConnectionError("redis down")

    monkeypatch.setattr(type(limiter), "limiter", property(lambda self: Broken()))
    for _ in range(5):
        assert _scan(client).status_code == 302
    assert _counts(db) == (5, 5)
