"""The visitor hash's random daily salt: one per WIB day, shared by every process, destroyed after its day."""

import hashlib
import hmac
import threading
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from outreach.clock import wib_day
from outreach.links import salts
from outreach.links.models import Scan, VisitorSalt
from outreach.links.salts import DailySalts
from outreach.links.scanning import RequestMeta, scanner
from outreach.links.visitors import visitor_hash
from tests.links.conftest import TARGET

DAY = date(2030, 1, 7)
ADDRESS = "203.0.113.44"
PHONE = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 Chrome/131.0.0.0 Mobile Safari/537.36"


def _stored(db) -> dict[date, bytes]:
    db.session.expire_all()
    return {row.day: row.salt for row in db.session.scalars(select(VisitorSalt))}


def test_two_days_get_different_random_salts(app, db):
    first, second = DailySalts(app).salt(DAY - timedelta(days=1)), DailySalts(app).salt(DAY)
    assert len(first) == len(second) == 32
    assert first != second
    assert _stored(db) == {DAY: second}


def test_a_past_days_salt_is_gone_after_rollover(app, db):
    salts = DailySalts(app)
    monday = salts.salt(DAY)
    assert _stored(db) == {DAY: monday}
    tuesday = salts.salt(DAY + timedelta(days=1))
    assert _stored(db) == {DAY + timedelta(days=1): tuesday}
    # Monday's hashes can no longer be recomputed: asking for its salt now gives a throwaway one.
    assert salts.salt(DAY) != monday
    assert DailySalts(app).salt(DAY) != monday
    assert _stored(db) == {DAY + timedelta(days=1): tuesday}


def test_concurrent_creation_yields_one_salt(app, db):
    workers = 8
    start = threading.Barrier(workers)
    found: list[bytes] = []

    def process() -> None:  # one gunicorn worker or instance: its own memory, the shared database
        salts = DailySalts(app)
        start.wait()
        found.append(salts.salt(DAY))

    threads = [threading.Thread(target=process) for _ in range(workers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(found) == workers and len(set(found)) == 1
    assert _stored(db) == {DAY: found[0]}


def test_the_hash_does_not_change_within_a_day(app, db):
    one, other = DailySalts(app), DailySalts(app)  # two processes
    morning = visitor_hash(ADDRESS, PHONE, one.key(DAY))
    assert visitor_hash(ADDRESS, PHONE, other.key(DAY)) == morning
    assert visitor_hash(ADDRESS, PHONE, one.key(DAY)) == morning
    assert visitor_hash(ADDRESS, PHONE, one.key(DAY + timedelta(days=1))) != morning


def test_scans_of_one_visitor_on_one_day_share_the_hash_that_the_secret_key_cannot_recompute(app, db, link):
    moment = datetime.now(UTC)
    meta = RequestMeta("GET", ADDRESS, PHONE)
    assert scanner(app).record(link, meta, now=moment)
    assert scanner(app).record(link, meta, now=moment + timedelta(seconds=1))
    first, second = db.session.scalars(select(Scan.visitor_hash)).all()
    assert first == second
    # The salt used to derive from SECRET_KEY and the date: holding the key must not be enough.
    day = wib_day(moment).isoformat().encode()
    old_salt = hmac.new(b"test-secret-key", b"outreach-scan-visitor:" + day, hashlib.sha256).digest()
    assert visitor_hash(ADDRESS, PHONE, hmac.new(old_salt, digestmod=hashlib.sha256)) != first


def test_purge_salts_command_destroys_past_days_only(app, db, runner):
    today = wib_day(datetime.now(UTC))
    for offset, salt in ((2, b"a"), (1, b"b"), (0, b"c")):
        db.session.add(VisitorSalt(day=today - timedelta(days=offset), salt=salt * 32))
    db.session.commit()
    result = runner.invoke(args=["links", "purge-salts"])
    assert result.exit_code == 0, result.output
    assert "2 day(s)" in result.output
    assert _stored(db) == {today: b"c" * 32}


def test_a_scan_still_reaches_the_survey_when_the_salt_cannot_be_read(app, client, db, link, scan_path, monkeypatch):
    def broken(conn, day):
        raise OperationalError("SELECT salt", {}, Exception("database is gone"))

    monkeypatch.setattr(salts, "salt_of_day", broken)
    monkeypatch.setattr(scanner(app), "salts", DailySalts(app))
    response = client.get("/s/ABC234", headers={"User-Agent": PHONE})
    assert response.status_code == 302 and response.headers["Location"] == TARGET
    assert len(db.session.scalars(select(Scan.visitor_hash)).all()) == 1
    assert _stored(db) == {}
