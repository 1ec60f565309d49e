"""The scan path's own database connections: kept per worker, replaced after a fork or a failure, no scan lost."""

import faulthandler
import gc
import logging
import os
import signal
import time
import weakref
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select, text

from outreach.links import scanning
from outreach.links.models import Scan
from outreach.links.scanning import RequestMeta, ScanLink, scanner
from outreach.links.visitors import visitor_hash
from tests.links.conftest import TARGET

PHONE = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Mobile Safari/537.36"
)
AGENTS = [
    PHONE,
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 Version/17.1 Mobile/15E148",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36",
    "WhatsApp/2.23.24.82 A",
    "",
]
META = RequestMeta("GET", "198.51.100.1", PHONE)


@pytest.fixture
def remembered_links(app):
    """Scanned links are remembered for a few seconds, as in production (the tests' config turns that off)."""
    scanning._link_cache.clear()
    app.config["SCAN_LINK_CACHE_SECONDS"] = 5
    yield
    app.config["SCAN_LINK_CACHE_SECONDS"] = 0
    scanning._link_cache.clear()


def _rows(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Scan))


def _drop_connection(app, db) -> None:
    """End the scan path's open connection from the database's side, as a database restart would."""
    held = scanner(app).store.connection()
    if db.engine.dialect.name == "postgresql":
        pid = held.pooled.dbapi_connection.pgconn.backend_pid
        assert db.session.scalar(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": pid})
        db.session.commit()
    else:
        held.pooled.dbapi_connection.close()


CHILD_SECONDS = 60  # a child that has not finished by then is stuck: it prints where, and ends


def _fork(work) -> int:
    """Run `work` in a forked child process, as gunicorn runs a worker; its exit code is 0 when it returned True.

    A child stuck (on a lock, a socket) prints every thread's stack to stderr and ends with an error
    after CHILD_SECONDS, so the test fails and says where instead of waiting for ever."""
    pid = os.fork()
    if pid == 0:
        code = 1
        try:
            faulthandler.dump_traceback_later(CHILD_SECONDS, exit=True)
            code = 0 if work() else 1
        finally:
            os._exit(code)
    return pid


def _exit_code(pid: int) -> int:
    """The child's exit code; a child still running CHILD_SECONDS + 10 s after this call is killed (-9)."""
    deadline = time.monotonic() + CHILD_SECONDS + 10
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.01)
    os.kill(pid, signal.SIGKILL)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


def test_every_302_served_has_its_scan_row(app, client, db, link, scan_path):
    app.config["RATELIMIT_SCAN"] = "4 per minute"  # some visitors go over it: still recorded, as bots
    try:
        redirects = 0
        for n in range(40):
            headers = {"User-Agent": AGENTS[n % len(AGENTS)]}
            environ = {"REMOTE_ADDR": f"198.51.100.{n % 3}"}
            response = client.get("/s/ABC234?q=1" if n % 2 else "/s/abc-234", headers=headers, environ_base=environ)
            redirects += response.status_code == 302
            assert client.head("/s/ABC234", headers=headers, environ_base=environ).status_code == 302
            client.get("/s/ABC234", headers={**headers, "Sec-Purpose": "prefetch"}, environ_base=environ)
            client.get("/s/NOPE22", headers=headers, environ_base=environ)
    finally:
        app.config["RATELIMIT_SCAN"] = "120 per minute"
    assert redirects == 40
    assert _rows(db) == 40


def test_a_scan_is_stored_exactly_as_recorded(app, db, link):
    moment = datetime(2026, 11, 26, 16, 59, 59, 123456, tzinfo=UTC)  # 23:59:59 WIB
    meta = RequestMeta("GET", "198.51.100.7", "WhatsApp/2.23.24.82 A", source="qr")
    assert scanner(app).record(ScanLink(link.id, True, TARGET), meta, now=moment, over_limit=False)
    [scan] = db.session.scalars(select(Scan)).all()
    assert (scan.link_id, scan.created_at, scan.device_class, scan.is_bot, scan.source) == (
        link.id,
        moment,
        "other",
        True,
        "qr",
    )
    day_key = scanner(app).salts.key(date(2026, 11, 26))
    assert scan.visitor_hash == visitor_hash("198.51.100.7", "WhatsApp/2.23.24.82 A", day_key)


def test_a_scan_after_the_database_dropped_the_connection_is_recorded(app, client, db, link, scan_path):
    assert client.get("/s/ABC234", headers={"User-Agent": PHONE}).status_code == 302
    _drop_connection(app, db)
    response = client.get("/s/ABC234", headers={"User-Agent": PHONE})
    assert response.status_code == 302 and response.headers["Location"] == TARGET
    assert _rows(db) == 2


def test_a_remembered_link_is_recorded_after_the_connection_dropped(app, client, db, link, remembered_links):
    assert client.get("/s/ABC234", headers={"User-Agent": PHONE}).status_code == 302
    _drop_connection(app, db)
    # No lookup this time (the link is remembered): the insert itself meets the dead connection.
    assert client.get("/s/ABC234", headers={"User-Agent": PHONE}).status_code == 302
    assert _rows(db) == 2


def test_an_insert_refused_by_the_database_is_logged_kept_in_the_journal_and_skipped_by_its_drain(
    app, db, link, caplog
):
    caplog.set_level(logging.ERROR)
    store = scanner(app).store
    before = store.connection()
    assert scanner(app).record(ScanLink(10**9, True, TARGET), META) is True  # no such link: foreign key
    assert "could not record a scan of link 1000000000" in caplog.text
    assert _rows(db) == 0
    assert store.connection() is not before  # a failed connection is not used again
    assert scanner(app).record(ScanLink(link.id, True, TARGET), META) is True
    assert _rows(db) == 1
    assert scanner(app).drain() == 0  # the refused visit does not block the journal
    assert "refused a visit of link 1000000000; it was skipped" in caplog.text
    assert scanner(app).health()["journal_backlog_bytes"] == 0


def test_scans_are_recorded_when_the_sqlite_writers_lock_file_cannot_be_opened(app, db, link, monkeypatch, caplog):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the writers' lock file is for SQLite only")
    real_open = os.open

    def refuse_lock(path, *args, **kwargs):
        if str(path).endswith("-scanlock"):
            raise PermissionError(path)
        return real_open(path, *args, **kwargs)

    store = scanner(app).store
    store.discard()
    monkeypatch.setattr(os, "open", refuse_lock)
    try:
        assert scanner(app).record(ScanLink(link.id, True, TARGET), META)
        assert store.connection().write_lock is None
    finally:
        store.discard()  # later tests get a connection with the lock again
    assert "scanlock" in caplog.text
    assert _rows(db) == 1


def test_a_forked_worker_opens_its_own_connection_and_leaves_the_parents_alone(app, db, link):
    scans, link = scanner(app), ScanLink(link.id, True, TARGET)  # a child must not touch the ORM session
    assert scans.record(link, META)
    parent = weakref.ref(scans.store.connection())  # no strong reference: the child may drop the object

    def child() -> bool:
        recorded = scans.record(link, META)
        gc.collect()  # whatever the child no longer uses is collected, and must not end the parent's session
        return recorded and scans.store.connection() is not parent()

    assert _exit_code(_fork(child)) == 0
    assert scans.record(link, META)
    assert scans.store.connection() is parent()  # not replaced: its session is alive
    assert _rows(db) == 3


def test_workers_scanning_at_the_same_time_lose_no_scan(app, db, link):
    scans, link = scanner(app), ScanLink(link.id, True, TARGET)

    def worker() -> bool:
        return all(scans.record(link, META) for _ in range(100))

    children = [_fork(worker) for _ in range(3)]
    assert [_exit_code(pid) for pid in children] == [0, 0, 0]
    assert _rows(db) == 300


def test_a_forked_worker_never_talks_on_its_parents_pooled_connection(app, db):
    """A worker forked after the app connected (gunicorn --preload, the salts of the day) must open its
    own connection: two processes on one socket hang each other."""
    engine = db.engine
    with engine.connect() as conn:  # the pool keeps this connection for the next checkout
        parent = conn.connection.dbapi_connection
        parent_backend = conn.scalar(text("SELECT pg_backend_pid()")) if engine.dialect.name == "postgresql" else None

    def child() -> bool:
        pinged = []
        ping = engine.dialect.do_ping
        engine.dialect.do_ping = lambda dbapi_connection: pinged.append(dbapi_connection) or ping(dbapi_connection)
        with engine.connect() as conn:
            own = conn.connection.dbapi_connection
            if any(c is parent for c in pinged):  # even a pre-ping: children pinging at once hang each other
                return False
            if parent_backend is not None:
                return own is not parent and conn.scalar(text("SELECT pg_backend_pid()")) != parent_backend
            return own is not parent and conn.scalar(text("SELECT 1")) == 1

    assert _exit_code(_fork(child)) == 0
    assert parent.execute("SELECT 1").fetchone()[0] == 1  # the parent's connection still works after the child
    parent.rollback()  # end the transaction the driver opened, before the pool takes the connection back
