"""Recording scans (the hot path): resolve a code, classify the visitor, store one row.

No raw IP address or user agent is stored or logged: the visitor is a keyed hash that changes every
WIB day, the device a coarse class, and crawlers a flag.
"""

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from crawlerdetect import CrawlerDetect
from flask import current_app
from sqlalchemy import Engine, bindparam, create_engine, select
from user_agents import parse as parse_user_agent

from outreach.extensions import db
from outreach.links.codes import normalise_code
from outreach.links.models import SOURCES, Link, Scan, SurveyTarget
from outreach.models import utcnow

log = logging.getLogger(__name__)

WIB = ZoneInfo("Asia/Jakarta")


def host_allowed(host: str, allowlist: tuple[str, ...] | list[str]) -> bool:
    """True when `host` is an allowlisted host or a subdomain of one."""
    host = host.lower().rstrip(".")
    return any(host == allowed or host.endswith("." + allowed) for allowed in allowlist)


@dataclass(frozen=True, slots=True)
class ScanLink:
    """What the scan endpoint needs to know about a code: the link id, whether it counts, where to go."""

    id: int
    active: bool
    url: str


@dataclass(frozen=True, slots=True)
class RequestMeta:
    """Plain values from the request; the raw IP and user agent are used for the hash and then dropped."""

    method: str
    ip: str
    user_agent: str
    purpose: str = ""
    source: str = "direct"  # one of models.SOURCES: "qr" when the URL carries the QR marker


_link, _target = Link.__table__, SurveyTarget.__table__
_RESOLVE = (
    select(_link.c.id, _link.c.active, _target.c.url, _target.c.active)
    .join(_target, _target.c.id == _link.c.target_id)
    .where(_link.c.code == bindparam("code"))
)
_SCAN_COLUMNS = ("link_id", "created_at", "visitor_hash", "device_class", "is_bot", "source")
_INSERT_SCAN = Scan.__table__.insert().values({name: bindparam(name) for name in _SCAN_COLUMNS})


class _ScanStatements:
    """The scan path's two statements, compiled once per dialect and run on the DBAPI connection.

    SQLAlchemy's execution layer costs tens of microseconds per statement, a third of a bare
    Flask request; here the statements and SQLAlchemy's own bind processors (so values are stored
    exactly as the ORM stores them) are prepared once, and each scan is one cursor call per statement.
    """

    def __init__(self, dialect) -> None:
        self.resolve = _RESOLVE.compile(dialect=dialect)
        self.insert = _INSERT_SCAN.compile(dialect=dialect)
        self.resolve_sql, self.insert_sql = str(self.resolve), str(self.insert)
        self.positional = dialect.positional
        table = Scan.__table__
        self.processors = {
            name: table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in _SCAN_COLUMNS
        }

    def _params(self, compiled, values: dict):
        return tuple(values[name] for name in compiled.positiontup) if self.positional else values

    def find(self, cursor, code: str):
        cursor.execute(self.resolve_sql, self._params(self.resolve, {"code": code}))
        row = cursor.fetchone()
        cursor.close()
        return row

    def add(self, cursor, values: dict) -> None:
        converted = {k: (p(v) if (p := self.processors[k]) else v) for k, v in values.items()}
        cursor.execute(self.insert_sql, self._params(self.insert, converted))


@lru_cache(maxsize=4)
def _statements(dialect) -> _ScanStatements:
    return _ScanStatements(dialect)


def scan_engine() -> Engine:
    """The engine the scan path uses.

    On PostgreSQL: a small pool of its own in autocommit with `synchronous_commit=off`, so a scan is
    two round trips (find, insert) and its commit does not wait for the WAL flush to disk. A crash of
    the database server can lose the last fraction of a second of scans, never corrupt anything; every
    other write of the app keeps the main engine's full durability. On SQLite: a pool without the
    per-checkout ping (a local file does not go stale).
    """
    app = current_app._get_current_object()
    engine = app.extensions.get("links_scan_engine")
    if engine is None:
        url = db.engine.url
        if db.engine.dialect.name == "postgresql":
            engine = create_engine(
                url,
                isolation_level="AUTOCOMMIT",
                connect_args={"options": "-c synchronous_commit=off"},
                pool_size=5,
                max_overflow=5,
            )
        else:
            engine = create_engine(url)
        app.extensions["links_scan_engine"] = engine
    return engine


def _checkout_and_find(code: str):
    """A pooled DBAPI connection and the code's row; a stale connection (database restarted) is replaced once.

    The find is a read, so retrying it is safe; this replaces a ping on every checkout.
    """
    engine = scan_engine()
    raw_conn = engine.raw_connection()
    try:
        return raw_conn, _statements(engine.dialect).find(raw_conn.cursor(), code)
    except Exception:  # noqa: BLE001 - the driver's error types differ; retry once on a fresh connection
        raw_conn.invalidate()
        raw_conn.close()
    raw_conn = engine.raw_connection()
    try:
        return raw_conn, _statements(engine.dialect).find(raw_conn.cursor(), code)
    except Exception:
        raw_conn.close()
        raise


def resolve_code(raw: str) -> ScanLink | None:
    """The link behind a code as typed or scanned (normalised first), or None when there is none."""
    code = normalise_code(raw)
    if code is None:
        return None
    raw_conn, row = _checkout_and_find(code)
    raw_conn.close()
    return _scan_link(row)


def _scan_link(row) -> ScanLink | None:
    if row is None:
        return None
    link_id, link_active, url, target_active = row
    allowed = _url_allowed(url, current_app.config["SURVEY_HOST_ALLOWLIST"])
    if not allowed:
        log.error("link %s points to a host that is no longer allowlisted; not redirecting", link_id)
    return ScanLink(link_id, bool(link_active and target_active and allowed), url)


@lru_cache(maxsize=256)
def _url_allowed(url: str, allowlist: tuple[str, ...]) -> bool:
    return host_allowed(urlsplit(url).hostname or "", allowlist)


def is_prefetch(meta: RequestMeta) -> bool:
    """True for browser prefetch/prerender/preview requests, which are not visits."""
    purpose = meta.purpose.lower()
    return "prefetch" in purpose or "prerender" in purpose or "preview" in purpose


_crawler_detect = CrawlerDetect()
_ua_cache: dict[bytes, tuple[str, bool]] = {}
_UA_CACHE_SIZE = 20_000


def classify_user_agent(user_agent: str) -> tuple[str, bool]:
    """(device class, is bot) for a user agent; an empty agent is a bot. Cached by digest, not by text."""
    key = hashlib.blake2b(user_agent.encode("utf-8", "replace"), digest_size=16).digest()
    hit = _ua_cache.get(key)
    if hit is not None:
        return hit
    if not user_agent.strip():
        result = ("other", True)
    else:
        parsed = parse_user_agent(user_agent)
        is_bot = parsed.is_bot or _crawler_detect.isCrawler(user_agent)
        if is_bot:
            device = "other"
        elif parsed.is_tablet:
            device = "tablet"
        elif parsed.is_mobile:
            device = "mobile"
        elif parsed.is_pc:
            device = "desktop"
        else:
            device = "other"
        result = (device, bool(is_bot))
    if len(_ua_cache) >= _UA_CACHE_SIZE:
        _ua_cache.clear()
    _ua_cache[key] = result
    return result


@lru_cache(maxsize=4)
def _daily_salt(secret: str, day: date) -> bytes:
    """The day's salt: derived from SECRET_KEY and the WIB date, so every instance agrees without shared state."""
    return hmac.new(secret.encode(), b"outreach-scan-visitor:" + day.isoformat().encode(), hashlib.sha256).digest()


def visitor_hash(ip: str, user_agent: str, day: date, secret: str) -> str:
    """Keyed HMAC of IP and user agent with the day's salt: one visitor is one value per day, and only that day."""
    message = ip.encode("utf-8", "replace") + b"\x00" + user_agent.encode("utf-8", "replace")
    return hmac.new(_daily_salt(secret, day), message, hashlib.sha256).hexdigest()[:32]


def wib_day(moment: datetime) -> date:
    """The calendar day in Bandar Lampung (WIB, UTC+7) of a UTC moment."""
    return moment.astimezone(WIB).date()


def record_scan(link: ScanLink | Link, request_meta: RequestMeta, now: datetime | None = None, raw_conn=None) -> bool:
    """Store one scan of an active link; HEAD and prefetch requests are not scans. True when stored.

    One insert, committed at once, on the given DBAPI connection (the scan path's) or a pooled one.
    A database failure is logged and swallowed: the visitor still reaches the survey.
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
        "visitor_hash": visitor_hash(
            request_meta.ip, request_meta.user_agent, wib_day(now), current_app.config["SECRET_KEY"]
        ),
        "device_class": device_class,
        "is_bot": is_bot,
        "source": request_meta.source,
    }
    own = raw_conn is None
    engine = scan_engine()
    raw_conn = engine.raw_connection() if own else raw_conn
    try:
        cursor = raw_conn.cursor()
        _statements(engine.dialect).add(cursor, values)
        cursor.close()
        raw_conn.commit()
    except Exception:  # noqa: BLE001 - any driver error: keep the visitor going, log it
        raw_conn.rollback()
        log.exception("could not record a scan of link %s", link.id)
        return False
    finally:
        if own:
            raw_conn.close()
    return True


@dataclass(frozen=True, slots=True)
class ScanResult:
    """What the scan endpoint answers: 'redirect' (to `url`), 'unknown', 'inactive' or 'declined' (prefetch)."""

    outcome: str
    url: str = ""


_link_cache: dict[str, tuple[float, ScanLink]] = {}
_LINK_CACHE_SIZE = 10_000


def _cached(code: str, ttl: float) -> ScanLink | None:
    hit = _link_cache.get(code)
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def _remember(code: str, link: ScanLink, ttl: float) -> None:
    if len(_link_cache) >= _LINK_CACHE_SIZE:
        _link_cache.clear()
    _link_cache[code] = (time.monotonic() + ttl, link)


def scan_code(raw_code: str, request_meta: RequestMeta) -> ScanResult:
    """Resolve a code and record the scan (the whole hot path): usually one insert on one pooled connection.

    Found links are remembered for SCAN_LINK_CACHE_SECONDS (a few seconds: a busy flyer's scans skip
    the lookup; a deactivation takes effect within that time). Unknown codes are never remembered.
    """
    code = normalise_code(raw_code)
    if code is None:
        return ScanResult("unknown")
    ttl = current_app.config.get("SCAN_LINK_CACHE_SECONDS", 0)
    link = _cached(code, ttl) if ttl else None
    raw_conn = None
    try:
        if link is None:
            raw_conn, row = _checkout_and_find(code)
            link = _scan_link(row)
            if link is None:
                return ScanResult("unknown")
            if ttl:
                _remember(code, link, ttl)
        if not link.active:
            return ScanResult("inactive")
        if is_prefetch(request_meta):
            return ScanResult("declined")
        record_scan(link, request_meta, raw_conn=raw_conn)
        return ScanResult("redirect", link.url)
    finally:
        if raw_conn is not None:
            raw_conn.close()
