"""Recording scans (the hot path): resolve a code, classify the visitor, store one row.

No raw IP address or user agent is stored or logged: the visitor is a hash keyed with the WIB day's
random salt (destroyed when the day is over, `outreach.links.salts`), the device a coarse class, and
crawlers a flag.
"""

import fcntl
import logging
import os
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import urlsplit

from flask import Flask, current_app
from psycopg.errors import error_from_result
from psycopg.pq import ExecStatus
from sqlalchemy import Dialect, Engine, NullPool, Table, bindparam, create_engine, select
from sqlalchemy.dialects.postgresql.psycopg import PGDialect_psycopg
from sqlalchemy.types import TypeEngine

from outreach.campaign import SOURCES
from outreach.clock import wib_day
from outreach.extensions import db
from outreach.links.codes import normalise_code
from outreach.links.journal import ScanJournal
from outreach.links.models import DestinationRule, Link, Scan, SurveyTarget
from outreach.links.salts import DailySalts
from outreach.links.scan_limit import ScanLimit
from outreach.links.schedule import Phase, make_phase, phase_on
from outreach.links.visitors import classify_user_agent, visitor_hash
from outreach.models import utcnow

if TYPE_CHECKING:
    from psycopg.pq.abc import PGconn, PGresult

log = logging.getLogger(__name__)
# A SQLAlchemy bind or result processor: a stored value from a Python one, or back.
Processor = Callable[[Any], Any]


def host_allowed(host: str, allowlist: tuple[str, ...] | list[str]) -> bool:
    """True when `host` is an allowlisted host or a subdomain of one."""
    host = host.lower().rstrip(".")
    return any(host == allowed or host.endswith("." + allowed) for allowed in allowlist)


@dataclass(frozen=True, slots=True)
class ScanLink:
    """What the scan endpoint needs to know about a code: the link id, whether it counts, where to go.

    `phases` are its target's destination rules (`outreach.links.destinations`), held in the cached
    entry so that choosing today's destination is a comparison of dates, not a query.
    """

    id: int
    active: bool
    url: str
    phases: tuple[Phase, ...] = ()

    def destination(self, day: date) -> tuple[int | None, str | None]:
        """The rule id (None: the target's own address) and address of a visit on a WIB day."""
        if not self.phases:
            return None, self.url
        phase = phase_on(self.phases, day)
        return (None, self.url) if phase is None else (phase.rule_id, phase.url)


@dataclass(frozen=True, slots=True)
class RequestMeta:
    """Plain values from the request; the raw IP and user agent are used for the hash and then dropped."""

    method: str
    ip: str
    user_agent: str
    purpose: str = ""
    source: str = "direct"  # one of campaign.SOURCES: "qr" when the URL carries the QR marker


_link, _target, _rule = Link.__table__, SurveyTarget.__table__, DestinationRule.__table__
_next = _target.alias("next_target")
# One round trip per code: the link, its target and one row per destination rule of the target.
_RESOLVE = (
    select(
        _link.c.id,
        _link.c.active,
        _target.c.url,
        _target.c.active,
        _rule.c.id,
        _rule.c.kind,
        _rule.c.starts_on,
        _rule.c.ends_on,
        _rule.c.url,
        _next.c.url,
        _next.c.active,
    )
    .select_from(_link)
    .join(_target, _target.c.id == _link.c.target_id)
    .outerjoin(_rule, _rule.c.target_id == _target.c.id)
    .outerjoin(_next, _next.c.id == _rule.c.next_target_id)
    .where(_link.c.code == bindparam("code"))
)
_SCAN_COLUMNS = ("link_id", "created_at", "visitor_hash", "device_class", "is_bot", "source", "rule_id")
# inline(): no RETURNING of the new id, which nothing reads.
_SCAN_TABLE = cast(Table, Scan.__table__)
_INSERT_SCAN = _SCAN_TABLE.insert().inline().values({name: bindparam(name) for name in _SCAN_COLUMNS})
_PG_INSERT_NAME = b"outreach_scan_insert"


class _ScanStatements:
    """The scan path's two statements, compiled once per dialect and run on the DBAPI connection.

    SQLAlchemy's execution layer costs tens of microseconds per statement, a third of a bare
    Flask request; here the statements and SQLAlchemy's own bind processors (so values are stored
    exactly as the ORM stores them) are prepared once, and each scan is one cursor call per statement.
    On PostgreSQL with psycopg the insert goes one level lower: a server-side prepared statement run
    with libpq's PQexecPrepared (psycopg's documented `pgconn`), one C call for the round trip.
    """

    def __init__(self, dialect: Dialect) -> None:
        resolve = _RESOLVE.compile(dialect=dialect)
        insert = _INSERT_SCAN.compile(dialect=dialect)
        self.resolve_sql, self.insert_sql = str(resolve), str(insert)
        self.positional = dialect.positional
        table = _SCAN_TABLE
        processors: dict[str, Processor | None] = {
            name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in _SCAN_COLUMNS
        }
        # Parameters in the order the driver wants them (positional) or by name, with their processors.
        names = (insert.positiontup or []) if self.positional else _SCAN_COLUMNS
        self.insert_params: tuple[tuple[str, Processor | None], ...] = tuple((name, processors[name]) for name in names)
        # The drivers' raw rows hold dates as SQLite stores them (text): SQLAlchemy's processors read them.
        self.date_result = _rule.c.starts_on.type.dialect_impl(dialect).result_processor(dialect, None)
        self.libpq = dialect.name == "postgresql" and dialect.driver == "psycopg"
        if self.libpq:
            numbered = _INSERT_SCAN.compile(dialect=PGDialect_psycopg(paramstyle="numeric_dollar"))  # type: ignore[no-untyped-call]
            self.libpq_insert_sql = str(numbered).encode()
            self.libpq_params = tuple(
                (name, processors[name], _PG_TEXT[_python_type(table.c[name].type)])
                for name in numbered.positiontup or []
            )

    def find(self, cursor: Any, code: str) -> list[Any]:
        cursor.execute(self.resolve_sql, (code,) if self.positional else {"code": code})
        rows: list[Any] = cursor.fetchall()
        if self.date_result is None or not rows or rows[0][4] is None:
            return rows
        convert = self.date_result
        return [(*row[:6], convert(row[6]), convert(row[7]), *row[8:]) for row in rows]

    def add(self, cursor: Any, values: dict[str, Any]) -> None:
        converted = [(name, p(values[name]) if p else values[name]) for name, p in self.insert_params]
        cursor.execute(self.insert_sql, tuple(v for _n, v in converted) if self.positional else dict(converted))

    def prepare(self, pgconn: "PGconn") -> None:
        """Prepare the insert on a libpq connection (once per connection)."""
        _check(pgconn.prepare(_PG_INSERT_NAME, self.libpq_insert_sql))

    def add_prepared(self, pgconn: "PGconn", values: dict[str, Any]) -> None:
        params: list[Any] = [  # bytes, or None for NULL (which libpq takes, though psycopg's types say bytes)
            None if (value := p(values[name]) if p else values[name]) is None else text(value)
            for name, p, text in self.libpq_params
        ]
        _check(pgconn.exec_prepared(_PG_INSERT_NAME, params))


def _python_type(column_type: TypeEngine[Any]) -> type:
    python_type: type = getattr(column_type, "impl_instance", column_type).python_type
    return python_type


# Parameters in PostgreSQL's text format, by the column's Python type.
_PG_TEXT: dict[type, Callable[[Any], bytes]] = {
    int: lambda value: str(value).encode(),
    str: str.encode,
    bool: lambda value: b"t" if value else b"f",
    datetime: lambda value: value.isoformat().encode(),
}


def _check(result: "PGresult") -> None:
    if result.status != ExecStatus.COMMAND_OK:
        raise error_from_result(result)


@lru_cache(maxsize=4)
def _statements(dialect: Dialect) -> _ScanStatements:
    return _ScanStatements(dialect)


def _scan_engine(main: Engine) -> Engine:
    """A connection factory for the scan path, on the app's database.

    On PostgreSQL: autocommit with `synchronous_commit=off`, so a scan is one round trip (the insert;
    the link is usually remembered) and its commit does not wait for the WAL flush to disk. A crash
    of the database server can lose the last fraction of a second of scans, never corrupt anything;
    every other write of the app keeps the main engine's full durability. On SQLite: autocommit, so
    the insert is its own transaction and holds the write lock for that one statement only; WAL with
    synchronous=NORMAL (set on every connection) keeps a committed scan through a crash of the app.
    The scan path holds its connections itself (`ScanStore`), so this engine pools nothing.
    """
    options = {"isolation_level": "AUTOCOMMIT", "poolclass": NullPool}
    if main.dialect.name == "postgresql":
        options["connect_args"] = {"options": "-c synchronous_commit=off"}
    return create_engine(main.url, **options)


class _Connection:
    """A scan connection of one process and thread: the pooled DBAPI connection, a cursor, the statements.

    On a SQLite file it also holds the scan writers' lock file (`<database>-scanlock`). SQLite lets
    one writer in at a time and makes the others poll, sleeping a millisecond or more per try, so two
    gunicorn workers scanning at once lose whole milliseconds to each other. The scan inserts take
    this blocking lock instead, which hands over the moment the insert before is done.
    """

    __slots__ = ("pid", "pooled", "cursor", "statements", "pgconn", "write_lock", "__weakref__")

    def __init__(self, engine: Engine) -> None:
        self.pid = os.getpid()
        self.pooled = engine.raw_connection()
        # The driver's own connection: psycopg's has `pgconn`, which DBAPI's protocol does not declare.
        driver_connection: Any = self.pooled.dbapi_connection
        self.cursor = driver_connection.cursor()
        self.statements = _statements(engine.dialect)
        self.pgconn: PGconn | None = None
        if self.statements.libpq:
            self.pgconn = driver_connection.pgconn
            self.statements.prepare(self.pgconn)
        self.write_lock = None
        path = engine.url.database if engine.dialect.name == "sqlite" else None
        if path and path != ":memory:" and not path.startswith("file:"):
            try:  # flock needs no write permission: a lock file made by another user still serves
                self.write_lock = os.open(f"{path}-scanlock", os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC, 0o644)
            except OSError:
                log.warning("cannot open %s-scanlock; scan inserts wait on SQLite's own busy handler", path)

    def find(self, code: str) -> list[Any]:
        return self.statements.find(self.cursor, code)

    def add(self, values: dict[str, Any]) -> None:
        if self.pgconn is not None:
            self.statements.add_prepared(self.pgconn, values)
            return
        if self.write_lock is None:
            self.statements.add(self.cursor, values)
            return
        fcntl.flock(self.write_lock, fcntl.LOCK_EX)
        try:
            self.statements.add(self.cursor, values)
        finally:
            fcntl.flock(self.write_lock, fcntl.LOCK_UN)

    def close(self, invalidate: bool = False) -> None:
        if self.write_lock is not None:
            os.close(self.write_lock)
            self.write_lock = None
        if invalidate:
            self.pooled.invalidate()
        else:
            self.pooled.close()


# Connections a worker inherited from the process that forked it: they belong to the parent (closing
# one would end the parent's database session), so the child keeps them, unused, and never closes them.
_inherited: list[_Connection] = []


class ScanStore:
    """The scan path's database access: one DBAPI connection per worker process and thread, kept open.

    A pooled checkout, reset and checkin cost more than the insert itself, so each gunicorn worker
    (and each thread of a threaded server) opens its own connection at its first scan, after the fork,
    and keeps it. A connection that fails is closed and replaced: the lookup (a read) is retried once
    on a new connection, and so is an insert whose connection was found dead (the database restarted
    while it sat idle), as SQLAlchemy's own reconnect logic judges it.
    """

    def __init__(self, app: Flask) -> None:
        self._app = app
        self._engine: Engine | None = None
        self._local = threading.local()
        self._lock = threading.Lock()

    @property
    def engine(self) -> Engine:
        """The scan engine, made at first use (reading the app's database URL in an app context, once)."""
        if self._engine is None:
            with self._lock:
                if self._engine is None:
                    with self._app.app_context():
                        self._engine = _scan_engine(db.engine)
        return self._engine

    def connection(self) -> _Connection:
        """This process's and thread's connection, opened when there is none yet (or it was the parent's)."""
        held: _Connection | None = getattr(self._local, "held", None)
        if held is not None and held.pid == os.getpid():
            return held
        if held is not None:
            _inherited.append(held)
        held = self._local.held = _Connection(self.engine)
        return held

    def _drop(self, invalidate: bool) -> None:
        held = getattr(self._local, "held", None)
        self._local.held = None
        if held is None or held.pid != os.getpid():
            return
        try:
            held.close(invalidate)
        except Exception:  # noqa: BLE001 - the connection is being thrown away anyway
            log.debug("closing a scan connection failed", exc_info=True)

    def discard(self) -> None:
        """Throw this thread's connection away (after an error); the next scan opens a new one."""
        self._drop(invalidate=True)

    def close(self) -> None:
        """Close this thread's connection and the engine (tests, shutdown)."""
        self._drop(invalidate=False)
        if self._engine is not None:
            self._engine.dispose()

    def find(self, code: str) -> list[Any]:
        """The rows of `code` (link id, link active, target URL, target active, then a rule's columns), or []."""
        try:
            return self.connection().find(code)
        except Exception:  # noqa: BLE001 - the drivers' error types differ; a read is safe to retry
            self.discard()
        return self.connection().find(code)

    def add(self, values: dict[str, Any]) -> None:
        """Insert one scan, committed when this returns."""
        held = self.connection()
        try:
            held.add(values)
            return
        except Exception as exc:
            dead = self.engine.dialect.is_disconnect(cast(Any, exc), held.pooled.dbapi_connection, held.cursor)
            self.discard()
            if not dead:
                raise
        self.connection().add(values)


@lru_cache(maxsize=256)
def _url_allowed(url: str, allowlist: tuple[str, ...]) -> bool:
    # Only a URL that is a valid Location header: otherwise the redirect fails after the scan is stored.
    if not url.isascii() or _URL_UNSAFE.search(url):
        return False
    return host_allowed(urlsplit(url).hostname or "", allowlist)


_URL_UNSAFE = re.compile(r"[\x00-\x20\x7f]")


def url_allowed(url: str, allowlist: tuple[str, ...]) -> bool:
    """True when a scan may be sent on to `url`: a valid Location header on an allowlisted host."""
    return _url_allowed(url, allowlist)


def is_prefetch(meta: RequestMeta) -> bool:
    """True for browser prefetch/prerender/preview requests, which are not visits."""
    purpose = meta.purpose.lower()
    return "prefetch" in purpose or "prerender" in purpose or "preview" in purpose


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What the scan endpoint answers: 'redirect' (to `url`), 'unknown', 'inactive' or 'declined' (prefetch)."""

    outcome: str
    url: str = ""


_UNKNOWN, _INACTIVE, _DECLINED = ScanResult("unknown"), ScanResult("inactive"), ScanResult("declined")
_link_cache: dict[str, tuple[float, ScanLink]] = {}
_LINK_CACHE_SIZE = 10_000


def _cached(code: str) -> ScanLink | None:
    hit = _link_cache.get(code)
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def _remember(code: str, link: ScanLink, ttl: float) -> None:
    if len(_link_cache) >= _LINK_CACHE_SIZE:
        _link_cache.clear()
    _link_cache[code] = (time.monotonic() + ttl, link)


class Scanner:
    """The scan path of one app. It needs no app context, so the WSGI fast path can run it before Flask.

    Settings are read from the app's config on every scan (a dict lookup), so changing one takes
    effect at once, as it does for the rest of the app.
    """

    def __init__(self, app: Flask) -> None:
        self.config = app.config
        self.store = ScanStore(app)
        self.limit = ScanLimit(app)
        self.salts = DailySalts(app)
        self.journal = ScanJournal(app.config)

    def link(self, code: str) -> ScanLink | None:
        """The link behind a normalised code with its target's destination rules, or None when there is none."""
        rows = self.store.find(code)
        if not rows:
            return None
        link_id, link_active, url, target_active = rows[0][:4]
        allowlist = self.config["SURVEY_HOST_ALLOWLIST"]
        allowed = _url_allowed(url, allowlist)
        if not allowed:
            log.error("link %s points to a URL that is not (or no longer) allowed; not redirecting", link_id)
        phases = tuple(
            make_phase(
                rule_id,
                kind,
                starts_on,
                ends_on,
                code,
                rule_url if kind == "url" else next_url if next_active else None,
                lambda address: _url_allowed(address, allowlist),
            )
            for _i, _a, _u, _t, rule_id, kind, starts_on, ends_on, rule_url, next_url, next_active in rows
            if rule_id is not None
        )
        return ScanLink(link_id, bool(link_active and target_active and allowed), url, phases)

    def visitor(self, request_meta: RequestMeta, now: datetime) -> str:
        """The visitor hash of a request at `now`: its address and user agent under that WIB day's salt."""
        return visitor_hash(request_meta.ip, request_meta.user_agent, self.salts.key(wib_day(now)))

    def record(
        self,
        link: ScanLink | Link,
        request_meta: RequestMeta,
        now: datetime | None = None,
        over_limit: bool = False,
        visitor: str | None = None,
        rule_id: int | None = None,
    ) -> bool:
        """Store one scan of an active link (see `record_scan`); True when stored.

        `visitor` is the request's visitor hash when the caller has it already (`scan` does);
        `rule_id` the destination rule the visitor was sent by (None: the target's own address).
        """
        if request_meta.method == "HEAD" or is_prefetch(request_meta):
            return False
        if request_meta.source not in SOURCES:
            raise ValueError(f"source must be one of {', '.join(SOURCES)}, not {request_meta.source!r}")
        now = now or utcnow()
        device_class, is_bot = classify_user_agent(request_meta.user_agent)
        values = {
            "link_id": link.id,
            "created_at": now,
            "visitor_hash": visitor or self.visitor(request_meta, now),
            "device_class": device_class,
            "is_bot": is_bot or over_limit,
            "source": request_meta.source,
            "rule_id": rule_id,
        }
        return self.keep(values)

    def keep(self, values: dict[str, Any]) -> bool:
        """Keep one visit: in the journal or the database (SCAN_RECORDING says which first, the other
        is the fallback). False, with an ERROR line, when neither could: the visit is lost."""
        url = self.store.engine.url
        self.journal.start(url)
        if self.config.get("SCAN_RECORDING") == "journal":
            if self._to_journal(values) or self._to_database(values):
                return True
        elif self._to_database(values) or self._to_journal(values):
            return True
        self.journal.health.lost += 1
        self.journal.health.lost_at = time.monotonic()
        log.error("a visit of link %s was lost: neither the database nor the scan journal kept it", values["link_id"])
        return False

    def _to_database(self, values: dict[str, Any]) -> bool:
        try:
            self.store.add(values)
        except Exception:  # noqa: BLE001 - any driver error: keep the visitor going, log it
            self.journal.health.database_failed_at = time.monotonic()
            log.exception("could not record a scan of link %s in the database", values["link_id"])
            return False
        return True

    def _to_journal(self, values: dict[str, Any]) -> bool:
        try:
            self.journal.append(values)
        except OSError as exc:  # JournalError, or the directory cannot be made
            self.journal.health.journal_failed_at = time.monotonic()
            log.error("could not keep a scan of link %s in the scan journal: %s", values["link_id"], exc)
            return False
        return True

    def drain(self) -> int:
        """Copy the journal (this process's file and those of finished processes) into the database now."""
        return self.journal.drain(self.store.engine.url)

    def health(self) -> dict[str, Any]:
        """How recording goes, for /healthz: 'ok', 'degraded' (visits kept but waiting, or the journal cannot
        take more) or 'failing' (this process lost a visit in the last 5 minutes), and why."""
        recent, now, health = 300.0, time.monotonic(), self.journal.health
        problems = []
        if health.journal_failed_at and now - health.journal_failed_at < recent:
            problems.append("journal_write_failed")
        if health.database_failed_at and now - health.database_failed_at < recent:
            problems.append("database_write_failed")
        if health.drain_failures:
            problems.append("journal_drain_failing")
        free = _free_bytes(self.journal.directory)
        if free is not None and free < self.config["SCAN_JOURNAL_MIN_FREE_BYTES"]:
            problems.append("journal_disk_full")
        backlog = None
        try:
            backlog, oldest = self.journal.backlog(self.store.engine.url)
        except Exception:  # noqa: BLE001 - the database cannot say what is copied
            problems.append("journal_backlog_unknown")
        else:
            if oldest is not None and (utcnow() - oldest).total_seconds() > self.config["SCAN_JOURNAL_STALE_SECONDS"]:
                problems.append("journal_backlog")
        lost = health.lost_at and now - health.lost_at < recent
        return {
            "recording": "failing" if lost else "degraded" if problems else "ok",
            "problems": problems,
            "journal_backlog_bytes": backlog,
            "journal_free_bytes": free,
            "visits_lost": health.lost,
        }

    def scan(self, raw_code: str, request_meta: RequestMeta) -> ScanResult:
        """Resolve a code and record the scan (see `scan_code`)."""
        code = normalise_code(raw_code)
        if code is None:
            return _UNKNOWN
        ttl = self.config.get("SCAN_LINK_CACHE_SECONDS", 0)
        link = _cached(code) if ttl else None
        if link is None:
            link = self.link(code)
            if link is None:
                return _UNKNOWN
            if ttl:
                _remember(code, link, ttl)
        if not link.active:
            return _INACTIVE
        now = utcnow()
        day = wib_day(now)
        rule_id, url = link.destination(day)
        if url is None:  # today's rule leads nowhere allowed: answered as a switched-off link
            return _INACTIVE
        if is_prefetch(request_meta):
            return _DECLINED
        if request_meta.method != "HEAD":  # a HEAD request is not a scan: nothing to count or store
            visitor = visitor_hash(request_meta.ip, request_meta.user_agent, self.salts.key(day))
            over_limit = not self.limit.within(f"{link.id}:{visitor}")
            self.record(link, request_meta, now, over_limit, visitor, rule_id)
        return ScanResult("redirect", url)


def _free_bytes(directory: Path | None) -> int | None:
    """Free bytes for an unprivileged writer on the journal's file system (None: the journal is off)."""
    if directory is None:
        return None
    for path in (directory, *directory.parents):
        try:
            stat = os.statvfs(path)
        except FileNotFoundError:
            continue
        except OSError:
            return 0
        return stat.f_bavail * stat.f_frsize
    return 0


def _current_app() -> Flask:
    """The app behind Flask's `current_app` proxy: the scanner keeps the app itself, not the proxy."""
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]  # Flask's types omit it
    return app


def scanner(app: Flask) -> Scanner:
    """The app's scan path (made at first use)."""
    found: Scanner | None = app.extensions.get("links_scanner")
    if found is None:
        found = cast(Scanner, app.extensions.setdefault("links_scanner", Scanner(app)))
    return found


def resolve_code(raw: str) -> ScanLink | None:
    """The link behind a code as typed or scanned (normalised first), or None when there is none."""
    code = normalise_code(raw)
    return None if code is None else scanner(_current_app()).link(code)


def record_scan(
    link: ScanLink | Link, request_meta: RequestMeta, now: datetime | None = None, over_limit: bool = False
) -> bool:
    """Store one scan of an active link; HEAD and prefetch requests are not scans. True when stored.

    A scan `over_limit` (its visitor exceeded RATELIMIT_SCAN on this link) is stored flagged as automated.
    One insert, committed at once, on the scan path's own connection (`ScanStore`).
    A database failure is logged and swallowed: the visitor still reaches the survey.
    """
    return scanner(_current_app()).record(link, request_meta, now, over_limit)


def scan_code(raw_code: str, request_meta: RequestMeta) -> ScanResult:
    """Resolve a code and record the scan (the whole hot path): usually one insert on the worker's connection.

    Found links are remembered for SCAN_LINK_CACHE_SECONDS (a few seconds: a busy flyer's scans skip
    the lookup; a deactivation takes effect within that time). Unknown codes are never remembered.
    """
    return scanner(_current_app()).scan(raw_code, request_meta)
