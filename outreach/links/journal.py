"""The scan journal: visits appended to a per-process file under `instance/`, drained into the database.

Each process appends its visits to a file of its own (`<SCAN_JOURNAL_DIR>/<host>-<pid>-<random>.journal`),
one line per visit, with one `write()` on a file opened O_APPEND: a microsecond, where an insert costs
50–100 µs. The kernel holds what was written through a SIGKILL or any crash of the process; only a
crash of the machine itself can lose the last seconds not yet drained (no fsync per visit, see the README).

A drainer (a thread of each process, every SCAN_JOURNAL_DRAIN_SECONDS, and `flask links drain-journal`)
copies complete lines into `scan` and moves the file's mark (`scan_journal_mark`: bytes already
copied) in the same transaction, so a line is stored once whatever crashes when: replaying after a
restart starts from the mark. Each file is locked (flock) by the process writing it, so only its owner
drains it while it lives; once the owner is gone any drainer may take the lock, drain the file and
delete it. Names are never reused, so a mark left behind is harmless.

Visits replayed after the rollups' cut move the cut back (`scan_rollup_mark`), so the next refresh
counts them on their own day.
"""

import atexit
import errno
import fcntl
import logging
import os
import secrets
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

from sqlalchemy import URL, Connection, Engine, Table, create_engine, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DataError, IntegrityError

from outreach import clock
from outreach.links.models import Scan, ScanJournalMark, ScanRollupMark

log = logging.getLogger(__name__)

SUFFIX = ".journal"
# A drain copies at most this much of a file per transaction (about 10,000 visits).
BATCH_BYTES = 1 << 20
# The owner starts a new file once its file is drained and longer than this.
ROTATE_BYTES = 4 << 20
NULL = "\\N"
COPY_COLUMNS = ("link_id", "created_at", "visitor_hash", "device_class", "is_bot", "source", "rule_id")
_COPY = f"COPY scan ({', '.join(COPY_COLUMNS)}) FROM STDIN"
_scan, _mark, _rollup = (cast(Table, model.__table__) for model in (Scan, ScanJournalMark, ScanRollupMark))


class JournalError(OSError):
    """The journal cannot take a visit (switched off, full, or its disk failed)."""


def encode(values: dict[str, Any]) -> bytes:
    """One visit as one journal line: the columns of COPY_COLUMNS in PostgreSQL's COPY text format
    (tab-separated, \\N for NULL, the time in ISO 8601 UTC), so PostgreSQL takes a batch as it is."""
    rule = values["rule_id"]
    return (
        f"{values['link_id']}\t{values['created_at'].isoformat(timespec='microseconds')}\t"
        f"{values['visitor_hash']}\t{values['device_class']}\t{1 if values['is_bot'] else 0}\t"
        f"{values['source']}\t{NULL if rule is None else rule}\n"
    ).encode()


def decode(line: bytes) -> dict[str, Any]:
    """The visit of one journal line (ValueError when it is not one)."""
    link_id, created_at, visitor, device, bot, source, rule = line.decode().split("\t")
    moment = datetime.fromisoformat(created_at)
    if moment.utcoffset() != timedelta(0):
        raise ValueError(f"not a UTC time: {created_at}")
    return {
        "link_id": int(link_id),
        "created_at": moment,
        "visitor_hash": visitor,
        "device_class": device,
        "is_bot": bot == "1",
        "source": source,
        "rule_id": None if rule == NULL else int(rule),
    }


@dataclass
class _Own:
    """This process's journal file: its descriptor (holding the flock), name and bytes written and drained."""

    pid: int
    fd: int
    path: Path
    written: int = 0
    drained: int = 0


@dataclass
class JournalHealth:
    """What a process saw of its own recording, for /healthz (monotonic seconds; 0 = never)."""

    journal_failed_at: float = 0.0
    database_failed_at: float = 0.0
    lost_at: float = 0.0
    lost: int = 0
    drain_failed_at: float = 0.0
    drain_failures: int = field(default=0)


class ScanJournal:
    """The journal of one app: appending (any thread), draining, and what is left to drain."""

    def __init__(self, config: Mapping[str, Any]) -> None:
        self.config = config
        self._own: _Own | None = None
        self._lock = threading.Lock()
        self._drain_lock = threading.Lock()
        self._engine: Engine | None = None
        self._engine_url: tuple[str | URL, int] | None = None
        self._thread_pid = 0
        self.health = JournalHealth()
        self._logged_drain_failure = 0.0

    @property
    def directory(self) -> Path | None:
        """Where journal files live (None: the journal is off)."""
        configured = self.config.get("SCAN_JOURNAL_DIR")
        return Path(configured) if configured else None

    # --- writing ------------------------------------------------------------------------------

    def _open(self) -> _Own:
        directory = self.directory
        if directory is None:
            raise JournalError(errno.ENOENT, "the scan journal is off (SCAN_JOURNAL_DIR is empty)")
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(4)}"
        # Made under a name no drainer looks at, locked, then renamed: a drainer never sees it unlocked.
        temporary = directory / f".{name}.new"
        fd = os.open(temporary, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        fcntl.flock(fd, fcntl.LOCK_EX)
        path = directory / f"{name}{SUFFIX}"
        os.rename(temporary, path)
        return _Own(os.getpid(), fd, path)

    def append(self, values: dict[str, Any]) -> None:
        """Append one visit; raises JournalError (OSError) when it cannot be kept, having written nothing."""
        line = encode(values)
        with self._lock:
            own = self._own
            if own is None or own.pid != os.getpid():  # none yet, or the parent's (after a fork)
                own = self._own = self._open()
            if own.written - own.drained + len(line) > self.config["SCAN_JOURNAL_MAX_BYTES"]:
                raise JournalError(errno.ENOSPC, "the scan journal is full (SCAN_JOURNAL_MAX_BYTES)")
            try:
                done = os.write(own.fd, line)
            except OSError as exc:
                raise JournalError(exc.errno, f"cannot write the scan journal: {exc.strerror}") from exc
            if done != len(line):  # a short write (disk full): take the partial line back
                os.ftruncate(own.fd, own.written)
                raise JournalError(errno.ENOSPC, "cannot write the scan journal: short write")
            own.written += done

    # --- draining -----------------------------------------------------------------------------

    def engine(self, url: str | URL) -> Engine:
        """The drainer's engine (one kept connection), made at first use in this process."""
        if self._engine is None or self._engine_url != (url, os.getpid()):
            self._engine = create_engine(url, pool_size=1, max_overflow=1, pool_pre_ping=True)
            self._engine_url = (url, os.getpid())
        return self._engine

    def drain(self, url: str | URL) -> int:
        """Copy every complete line of this process's file and of files whose owner is gone; the number copied.

        Raises the database's error when it refuses (the lines stay, and are copied by a later drain).
        """
        directory = self.directory
        if directory is None or not directory.is_dir():
            return 0
        engine = self.engine(url)
        copied = 0
        with self._drain_lock:
            own = self._own if self._own is not None and self._own.pid == os.getpid() else None
            if own is not None:
                copied += self._drain_own(engine, own)
            for path in sorted(directory.glob(f"*{SUFFIX}")):
                if own is not None and path == own.path:
                    continue
                copied += self._drain_orphan(engine, path)
        return copied

    def _drain_own(self, engine: Engine, own: _Own) -> int:
        # Up to what was written when the drain began: under load the workers keep appending, and
        # chasing those lines would turn the drainer into a loop of tiny transactions that costs the
        # worker and the database more than the scans themselves. They wait for the next drain.
        copied, until = 0, own.written
        while True:
            offset, count = _drain_file(engine, own.path, until)
            own.drained, copied = offset, copied + count
            if count == 0 or offset >= until:
                break
        if own.drained >= own.written >= ROTATE_BYTES:
            with self._lock:
                if self._own is own and own.drained >= own.written:
                    self._own = self._open()
                    os.unlink(own.path)
                    os.close(own.fd)
                    _forget(engine, own.path.name)
        return copied

    def _drain_orphan(self, engine: Engine, path: Path) -> int:
        try:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:  # another drainer finished it
            return 0
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:  # its owner lives (or another drainer has it)
                return 0
            if not path.exists():  # drained and deleted between our open and our lock
                return 0
            size = os.fstat(fd).st_size
            copied = 0
            while True:
                offset, count = _drain_file(engine, path, size)
                copied += count
                if count == 0 or offset >= size:
                    break
            if offset >= size:
                # The file first, then its mark: a mark without a file is harmless, a file without its
                # mark would be copied again.
                os.unlink(path)
                _forget(engine, path.name)
                log.info("scan journal %s of a finished process drained and removed", path.name)
            return copied
        finally:
            os.close(fd)

    def close(self) -> None:
        """Close this process's file (tests, shutdown); the file stays for a drainer."""
        with self._lock:
            if self._own is not None and self._own.pid == os.getpid():
                os.close(self._own.fd)
            self._own = None
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None

    # --- the background drainer -------------------------------------------------------------------

    def start(self, url: str | URL) -> None:
        """Start this process's drainer thread once (after a fork too); no thread when the interval is 0."""
        if self._thread_pid == os.getpid():  # the common case, first: this runs on every scan
            return
        interval = self.config.get("SCAN_JOURNAL_DRAIN_SECONDS", 0)
        if not interval or self.directory is None:
            return
        with self._lock:
            if self._thread_pid == os.getpid():
                return
            self._thread_pid = os.getpid()
        threading.Thread(target=self._run, args=(url, interval), name="scan-journal-drainer", daemon=True).start()
        atexit.register(self.finish, url)

    def _run(self, url: str | URL, interval: float) -> None:
        while True:
            time.sleep(interval)
            self.drain_logged(url)

    def finish(self, url: str | URL) -> None:
        """At a process's orderly end: drain its file and, once it is all copied, remove it and its mark."""
        self.drain_logged(url)
        with self._lock:
            own = self._own
            if own is None or own.pid != os.getpid() or own.drained < own.written:
                return
            self._own = None
            try:
                os.unlink(own.path)
                os.close(own.fd)
                _forget(self.engine(url), own.path.name)
            except Exception:  # noqa: BLE001 - a drainer of another process removes it later
                log.warning("could not remove the drained scan journal %s", own.path.name, exc_info=True)

    def drain_logged(self, url: str | URL) -> int:
        """`drain`, with a failure logged (at most once a minute while it lasts) and kept for /healthz."""
        try:
            copied = self.drain(url)
        except Exception:  # noqa: BLE001 - any database or disk failure: the lines stay for the next drain
            now = time.monotonic()
            self.health.drain_failed_at = now
            self.health.drain_failures += 1
            if now - self._logged_drain_failure > 60:
                self._logged_drain_failure = now
                log.exception("could not copy the scan journal into the database; the visits stay in the journal")
            return 0
        if self.health.drain_failures:
            log.warning("scan journal drained again after %d failed attempts", self.health.drain_failures)
            self.health.drain_failures = 0
            self._logged_drain_failure = 0.0
        return copied

    # --- what is left ---------------------------------------------------------------------------

    def backlog(self, url: str | URL) -> tuple[int, datetime | None]:
        """Bytes written to journal files and not yet copied into the database, and the oldest such visit."""
        directory = self.directory
        if directory is None or not directory.is_dir():
            return 0, None
        files = {path.name: path for path in directory.glob(f"*{SUFFIX}")}
        if not files:
            return 0, None
        with self.engine(url).connect() as conn:
            query = select(_mark.c.name, _mark.c.offset).where(_mark.c.name.in_(list(files)))
            marks: dict[str, int] = {name: offset for name, offset in conn.execute(query)}
        left, oldest = 0, None
        for name, path in files.items():
            try:
                with path.open("rb") as fh:
                    size = os.fstat(fh.fileno()).st_size
                    offset = marks.get(name, 0)
                    if size <= offset:
                        continue
                    left += size - offset
                    fh.seek(offset)
                    first = fh.readline()
            except FileNotFoundError:
                continue
            try:
                moment = decode(first.rstrip(b"\n"))["created_at"]
            except ValueError:
                continue
            oldest = moment if oldest is None or moment < oldest else oldest
        return left, oldest


def _insert_marks(conn: Connection, name: str) -> None:
    values = {"name": name, "offset": 0, "updated_at": clock.now()}
    dialect = {"postgresql": postgresql, "sqlite": sqlite}[conn.dialect.name]
    conn.execute(dialect.insert(_mark).values(values).on_conflict_do_nothing(index_elements=["name"]))


def _drain_file(engine: Engine, path: Path, until: int) -> tuple[int, int]:
    """Copy the complete lines of one file after its mark (up to `until` bytes, one batch) in one transaction.

    Returns the new mark and the number of visits copied.
    """
    name = path.name
    with engine.begin() as conn:
        _insert_marks(conn, name)  # also takes SQLite's write lock before the read
        offset = conn.execute(select(_mark.c.offset).where(_mark.c.name == name).with_for_update()).scalar_one()
        if offset >= until:
            return offset, 0
        with path.open("rb") as fh:
            fh.seek(offset)
            data = fh.read(min(until - offset, BATCH_BYTES))
        end = data.rfind(b"\n") + 1
        if end == 0:
            return offset, 0
        stored, oldest = _copy(conn, data[:end])
        if stored is None:  # not PostgreSQL, or it refused the batch: row by row
            rows = []
            for line in data[:end].split(b"\n")[:-1]:
                try:
                    rows.append(decode(line))
                except ValueError:
                    log.error("scan journal %s: an unreadable line at byte %d was skipped", name, offset)
            rows = _insert(conn, name, rows)
            stored, oldest = len(rows), min((row["created_at"] for row in rows), default=None)
        if oldest is not None:
            # Visits older than the rollups' cut would be missed by the next refresh: move the cut back.
            conn.execute(
                update(_rollup)
                .where(_rollup.c.id == 1, _rollup.c.refreshed_until > oldest)
                .values(refreshed_until=oldest)
            )
        conn.execute(update(_mark).where(_mark.c.name == name).values(offset=offset + end, updated_at=clock.now()))
    return offset + end, stored


def _copy(conn: Connection, lines: bytes) -> tuple[int | None, datetime | None]:
    """On PostgreSQL with psycopg: the lines as they are, in one COPY (no Python work per visit).

    Returns the visits stored and the oldest one's time; (None, None) when this is another database or
    PostgreSQL refused the batch for its data (then they go row by row, skipping what it refuses).
    """
    if conn.dialect.name != "postgresql" or conn.dialect.driver != "psycopg":
        return None, None
    from psycopg import Connection as PgConnection
    from psycopg import DataError as PgDataError
    from psycopg import IntegrityError as PgIntegrityError

    split = lines.split(b"\n")[:-1]
    try:
        oldest = min(datetime.fromisoformat(line.split(b"\t", 2)[1].decode()) for line in split)
    except (ValueError, IndexError):  # an unreadable line: the row-by-row path names and skips it
        return None, None
    try:
        with conn.begin_nested():
            raw = cast(PgConnection[Any], conn.connection.dbapi_connection)
            with raw.cursor() as cursor, cursor.copy(_COPY) as copy:
                copy.write(lines)
    except (PgIntegrityError, PgDataError):
        return None, None
    return len(split), oldest


def _insert(conn: Connection, name: str, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Insert the rows (one statement); when the database refuses the batch for its data (a link that is
    gone), one by one, skipping with an ERROR line those it refuses, so one bad line never blocks a file."""
    if not rows:
        return rows
    try:
        with conn.begin_nested():
            conn.execute(_scan.insert(), rows)
        return rows
    except (IntegrityError, DataError):
        pass
    kept = []
    for row in rows:
        try:
            with conn.begin_nested():
                conn.execute(_scan.insert(), row)
            kept.append(row)
        except (IntegrityError, DataError):
            log.error("scan journal %s: the database refused a visit of link %s; it was skipped", name, row["link_id"])
    return kept


def _forget(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(_mark).where(_mark.c.name == name))
