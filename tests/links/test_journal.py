"""The scan journal (#27 item 4, #23 item 8): visits kept in a per-process file and copied into the database
once each, across SIGKILLs, crashes mid-copy, two drainers at once, a database refusing writes and a
journal disk failing; /healthz and the log say so."""

import errno
import logging
import os
import signal
import subprocess
import sys
import textwrap
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from outreach.links import journal as journal_module
from outreach.links import scanning
from outreach.links.journal import ScanJournal, decode, encode
from outreach.links.models import Scan, ScanJournalMark, ScanRollupMark
from outreach.links.scanning import RequestMeta, ScanLink, scanner
from outreach.models import utcnow
from tests.factories import LinkFactory, SurveyTargetFactory
from tests.links.conftest import TARGET

ROOT = Path(__file__).resolve().parents[2]
PHONE = (
    "Mozilla/5.0 (Linux; Android 13; SM-A145F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Mobile Safari/537.36"
)
META = RequestMeta("GET", "198.51.100.1", PHONE)


def rows(db) -> int:
    return db.session.scalar(select(func.count()).select_from(Scan))


@pytest.fixture
def journal_first(app):
    app.config["SCAN_RECORDING"] = "journal"
    yield scanner(app)
    app.config["SCAN_RECORDING"] = "direct"


def values(link_id: int, **changes) -> dict:
    return {
        "link_id": link_id,
        "created_at": utcnow(),
        "visitor_hash": "ab" * 16,
        "device_class": "mobile",
        "is_bot": False,
        "source": "qr",
        "rule_id": None,
    } | changes


def test_a_journal_line_holds_a_visit_exactly():
    visit = values(7, created_at=utcnow().replace(microsecond=999_999), is_bot=True, rule_id=12)
    assert decode(encode(visit).rstrip(b"\n")) == visit
    assert decode(encode(values(7)).rstrip(b"\n"))["rule_id"] is None


def test_with_the_journal_first_a_scan_is_stored_by_the_drain_once(app, client, db, link, journal_first):
    for _ in range(3):
        assert client.get("/s/ABC234", headers={"User-Agent": PHONE}).status_code == 302
    assert rows(db) == 0
    assert journal_first.health()["journal_backlog_bytes"] > 0
    assert journal_first.drain() == 3
    assert journal_first.drain() == 0
    assert rows(db) == 3
    assert journal_first.health()["journal_backlog_bytes"] == 0


def test_a_drain_copies_what_was_written_when_it_began_and_leaves_later_visits_to_the_next(app, db, link, monkeypatch):
    """Under load a worker appends while its drainer copies: chasing those lines would turn the drainer
    into a loop of tiny transactions (bench.scan_bench on PostgreSQL: 0.78 of bare Flask, 1.2 without)."""
    keeper = scanner(app)
    for _ in range(5):
        keeper.journal.append(values(link.id))
    copy, batches = journal_module._drain_file, []

    def copy_while_visits_arrive(engine, path, until):
        if len(batches) < 3:  # a scan served while this batch is copied (three, so a chase ends)
            keeper.journal.append(values(link.id))
        batches.append(until)
        return copy(engine, path, until)

    monkeypatch.setattr(journal_module, "_drain_file", copy_while_visits_arrive)
    assert keeper.drain() == 5
    assert len(batches) == 1 and rows(db) == 5
    assert keeper.drain() == 1  # the visit that came during the first drain
    monkeypatch.undo()
    assert keeper.drain() == 1  # and the one that came during the second
    assert keeper.drain() == 0
    assert rows(db) == 7


def test_a_drain_that_fails_before_its_commit_leaves_the_lines_for_the_next_one(app, db, link, monkeypatch):
    keeper = scanner(app)
    for _ in range(5):
        keeper.journal.append(values(link.id))

    def crash_before_the_mark_moves(*args):  # the rows are in, the commit never comes
        raise OperationalError("UPDATE", {}, Exception("the machine lost power"))

    monkeypatch.setattr(journal_module, "update", crash_before_the_mark_moves)
    with pytest.raises(OperationalError):
        keeper.drain()
    monkeypatch.undo()
    db.session.rollback()
    assert rows(db) == 0
    assert keeper.drain() == 5
    assert rows(db) == 5


def _killed_writer(directory: Path, link_id: int, visits: int) -> None:
    """A process that appends `visits` visits to its journal and is SIGKILLed before it can drain them."""
    script = textwrap.dedent(
        f"""
        import os, signal
        from datetime import UTC, datetime
        from outreach.links.journal import ScanJournal
        journal = ScanJournal({{"SCAN_JOURNAL_DIR": {str(directory)!r}, "SCAN_JOURNAL_MAX_BYTES": 1 << 30}})
        for n in range({visits}):
            journal.append({{"link_id": {link_id}, "created_at": datetime.now(UTC), "visitor_hash": "%032x" % n,
                             "device_class": "mobile", "is_bot": False, "source": "qr", "rule_id": None}})
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, check=False)
    assert done.returncode == -signal.SIGKILL


def test_visits_of_a_sigkilled_process_are_drained_by_another_once_and_its_file_removed(app, db, link):
    directory = Path(app.config["SCAN_JOURNAL_DIR"])
    _killed_writer(directory, link.id, 250)
    assert len(list(directory.glob("*.journal"))) == 1
    assert scanner(app).drain() == 250
    assert rows(db) == 250
    assert list(directory.glob("*.journal")) == []
    assert db.session.scalar(select(func.count()).select_from(ScanJournalMark)) == 0
    assert scanner(app).drain() == 0 and rows(db) == 250


def test_a_restart_between_the_copy_and_the_removal_copies_nothing_twice(app, db, link, monkeypatch):
    directory = Path(app.config["SCAN_JOURNAL_DIR"])
    _killed_writer(directory, link.id, 40)
    real_unlink = os.unlink

    def crash(path, *args, **kwargs):
        raise OSError(errno.EIO, "the process died here")

    monkeypatch.setattr(journal_module.os, "unlink", crash)
    with pytest.raises(OSError):
        scanner(app).drain()
    monkeypatch.setattr(journal_module.os, "unlink", real_unlink)
    assert rows(db) == 40
    restarted = ScanJournal(app.config)  # a new process: knows nothing but the files and the marks
    assert restarted.drain(scanner(app).store.engine.url) == 0
    restarted.close()
    assert rows(db) == 40 and list(directory.glob("*.journal")) == []


def test_two_processes_draining_at_once_store_every_visit_once(app, db):
    links = [LinkFactory(target=SurveyTargetFactory(url=TARGET)) for _ in range(3)]
    db.session.commit()
    directory = Path(app.config["SCAN_JOURNAL_DIR"])
    for n, link in enumerate(links):
        _killed_writer(directory, link.id, 300 + n)
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    script = textwrap.dedent(
        f"""
        from outreach.links.journal import ScanJournal
        journal = ScanJournal({{"SCAN_JOURNAL_DIR": {str(directory)!r}, "SCAN_JOURNAL_MAX_BYTES": 1 << 30}})
        copied = 0
        for _ in range(20):
            copied += journal.drain({url!r})
        print(copied)
        """
    )
    drainers = [
        subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True) for _ in range(2)
    ]
    copied = [int(proc.communicate(timeout=120)[0]) for proc in drainers]
    assert all(proc.returncode == 0 for proc in drainers)
    assert sum(copied) == 903
    assert rows(db) == 903
    per_link = dict(db.session.execute(select(Scan.link_id, func.count()).group_by(Scan.link_id)).all())
    assert per_link == {link.id: 300 + n for n, link in enumerate(links)}
    assert list(directory.glob("*.journal")) == []


def test_visits_replayed_after_the_rollup_cut_move_the_cut_back(app, db, link):
    cut = utcnow()
    db.session.add(ScanRollupMark(id=1, refreshed_until=cut))
    db.session.commit()
    late = cut - timedelta(hours=3)
    scanner(app).journal.append(values(link.id, created_at=late))
    scanner(app).drain()
    db.session.expire_all()
    assert db.session.get(ScanRollupMark, 1).refreshed_until == late


def test_a_drained_file_past_its_size_is_replaced_and_removed(app, db, link, monkeypatch):
    monkeypatch.setattr(journal_module, "ROTATE_BYTES", 200)
    keeper = scanner(app)
    for _ in range(5):
        keeper.journal.append(values(link.id))
    first = keeper.journal._own.path
    assert keeper.drain() == 5
    assert not first.exists() and keeper.journal._own.path != first
    keeper.journal.append(values(link.id))
    assert keeper.drain() == 1 and rows(db) == 6


# --- failures: the database refusing writes, the journal's disk failing (#23 item 8) --------------


def test_a_database_refusing_writes_keeps_visits_in_the_journal_says_so_and_replays_them(
    app, client, db, link, monkeypatch, caplog
):
    caplog.set_level(logging.ERROR)

    def refuse(self, values):
        raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    monkeypatch.setattr(scanning._Connection, "add", refuse)
    for _ in range(3):
        assert client.get("/s/ABC234", headers={"User-Agent": PHONE}).headers["Location"] == TARGET
    assert "could not record a scan of link" in caplog.text
    assert rows(db) == 0
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json["status"] == "degraded"
    assert "database_write_failed" in health.json["scans"]["problems"]
    monkeypatch.undo()
    assert scanner(app).drain() == 3 and rows(db) == 3


def test_while_the_database_refuses_the_drain_the_backlog_is_reported_and_then_copied(
    app, client, db, link, journal_first, monkeypatch, caplog
):
    caplog.set_level(logging.ERROR)
    for _ in range(4):
        client.get("/s/ABC234", headers={"User-Agent": PHONE})

    def refuse(engine, path, until):
        raise OperationalError("INSERT", {}, Exception("could not extend file: No space left on device"))

    monkeypatch.setattr(journal_module, "_drain_file", refuse)
    monkeypatch.setitem(app.config, "SCAN_JOURNAL_STALE_SECONDS", 0)
    assert journal_first.journal.drain_logged(journal_first.store.engine.url) == 0
    assert "could not copy the scan journal into the database" in caplog.text
    body = client.get("/healthz").json
    assert body["status"] == "degraded"
    assert {"journal_drain_failing", "journal_backlog"} <= set(body["scans"]["problems"])
    monkeypatch.undo()
    assert journal_first.journal.drain_logged(journal_first.store.engine.url) == 4
    assert rows(db) == 4
    assert client.get("/healthz").json["status"] == "ok"


def test_a_failing_journal_disk_falls_back_to_the_database_and_says_so(
    app, client, db, link, journal_first, monkeypatch, caplog
):
    caplog.set_level(logging.ERROR)

    def disk_full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(journal_module.os, "write", disk_full)
    assert client.get("/s/ABC234", headers={"User-Agent": PHONE}).headers["Location"] == TARGET
    assert rows(db) == 1  # recorded at once in the database instead
    assert "could not keep a scan of link" in caplog.text and "No space left" in caplog.text
    body = client.get("/healthz").json
    assert body["status"] == "degraded" and "journal_write_failed" in body["scans"]["problems"]


def test_when_neither_can_keep_a_visit_the_visitor_still_goes_and_healthz_fails(
    app, client, db, link, journal_first, monkeypatch, caplog
):
    caplog.set_level(logging.ERROR)

    def disk_full(fd, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    def refuse(self, values):
        raise OperationalError("INSERT", {}, Exception("database or disk is full"))

    monkeypatch.setattr(journal_module.os, "write", disk_full)
    monkeypatch.setattr(scanning._Connection, "add", refuse)
    response = client.get("/s/ABC234", headers={"User-Agent": PHONE})
    assert response.status_code == 302 and response.headers["Location"] == TARGET
    assert "was lost: neither the database nor the scan journal kept it" in caplog.text
    monkeypatch.undo()
    health = client.get("/healthz")
    assert health.status_code == 503
    assert health.json["scans"]["recording"] == "failing" and health.json["scans"]["visits_lost"] == 1
    assert PHONE not in caplog.text and "198.51.100" not in caplog.text


def test_a_short_write_leaves_no_partial_line(app, db, link, monkeypatch):
    keeper = scanner(app)
    keeper.journal.append(values(link.id))
    real_write = os.write
    monkeypatch.setattr(journal_module.os, "write", lambda fd, data: real_write(fd, data[:10]))
    with pytest.raises(OSError):
        keeper.journal.append(values(link.id))
    monkeypatch.undo()
    keeper.journal.append(values(link.id))
    assert keeper.drain() == 2 and rows(db) == 2


def test_a_full_journal_refuses_and_the_visit_goes_to_the_database(app, db, link, journal_first, monkeypatch):
    monkeypatch.setitem(app.config, "SCAN_JOURNAL_MAX_BYTES", 100)
    assert journal_first.record(ScanLink(link.id, True, TARGET), META) is True
    assert journal_first.record(ScanLink(link.id, True, TARGET), META) is True
    assert rows(db) == 1  # the second did not fit and was inserted at once
    assert journal_first.drain() == 1 and rows(db) == 2


def test_a_nearly_full_journal_disk_makes_healthz_degraded(app, client, db, monkeypatch):
    monkeypatch.setitem(app.config, "SCAN_JOURNAL_MIN_FREE_BYTES", 1 << 62)
    body = client.get("/healthz").json
    assert body["status"] == "degraded" and "journal_disk_full" in body["scans"]["problems"]


def test_drain_journal_command_copies_what_finished_processes_left(app, db, link, runner):
    _killed_writer(Path(app.config["SCAN_JOURNAL_DIR"]), link.id, 12)
    result = runner.invoke(args=["links", "drain-journal"])
    assert result.exit_code == 0, result.output
    assert "12 visits copied" in result.output and rows(db) == 12


def test_a_process_that_stops_in_order_leaves_no_journal_behind(app, db, link):
    keeper = scanner(app)
    keeper.journal.append(values(link.id))
    path = keeper.journal._own.path
    keeper.journal.finish(keeper.store.engine.url)
    assert rows(db) == 1 and not path.exists()
    assert db.session.scalar(select(func.count()).select_from(ScanJournalMark)) == 0


def test_the_journal_holds_no_address_and_no_user_agent(app, client, db, link, journal_first):
    client.get("/s/ABC234?q=1", headers={"User-Agent": PHONE}, environ_base={"REMOTE_ADDR": "198.51.100.77"})
    [path] = Path(app.config["SCAN_JOURNAL_DIR"]).glob("*.journal")
    text = path.read_text()
    assert text.count("\n") == 1
    assert "198.51.100.77" not in text and "SM-A145F" not in text and "Android" not in text
