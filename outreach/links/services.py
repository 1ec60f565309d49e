"""Survey targets, tracked links, bulk creation, sharing texts and recording scans."""

import hashlib
import hmac
import logging
import time
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from urllib.parse import quote, urlsplit
from zoneinfo import ZoneInfo

from crawlerdetect import CrawlerDetect
from flask import current_app
from sqlalchemy import Engine, Select, bindparam, create_engine, or_, select
from user_agents import parse as parse_user_agent

from outreach.areas.models import Area, Opd
from outreach.audit.services import diff, record_event
from outreach.extensions import db
from outreach.links.codes import MAX_LENGTH, MIN_LENGTH, generate_code, normalise_code
from outreach.links.models import AUDIENCES, CHANNELS, Link, Scan, SurveyTarget
from outreach.models import utcnow
from outreach.promoters.models import Assignment, Promoter

log = logging.getLogger(__name__)

WIB = ZoneInfo("Asia/Jakarta")
QR_MARKER = ("q", "1")


class LinkError(ValueError):
    """A target or link could not be saved as asked; the message names what is wrong."""


# --- survey targets -------------------------------------------------------------------------


def host_allowed(host: str, allowlist: tuple[str, ...] | list[str]) -> bool:
    """True when `host` is an allowlisted host or a subdomain of one."""
    host = host.lower().rstrip(".")
    return any(host == allowed or host.endswith("." + allowed) for allowed in allowlist)


def survey_url_problem(url: str, allowlist: tuple[str, ...] | list[str]) -> str | None:
    """Why a survey URL cannot be stored (https only, allowlisted host, no credentials), or None."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return "is not a valid URL"
    if parts.scheme != "https":
        return "must start with https://"
    if not parts.hostname or parts.username or parts.password or port not in (None, 443):
        return "must be a plain https address without user name or port"
    if not host_allowed(parts.hostname, allowlist):
        return f"host {parts.hostname} is not in the survey host allowlist ({', '.join(allowlist)})"
    return None


def _check_target(name: str, audience: str, url: str) -> None:
    if not name.strip():
        raise LinkError("name: must not be empty")
    if audience not in AUDIENCES:
        raise LinkError(f"audience: must be one of {', '.join(AUDIENCES)}, not {audience!r}")
    problem = survey_url_problem(url, current_app.config["SURVEY_HOST_ALLOWLIST"])
    if problem:
        raise LinkError(f"url: {problem}")


def create_target(name: str, audience: str, url: str, actor=None) -> SurveyTarget:
    """Add a survey target after checking its audience and that its URL is on an allowlisted host."""
    _check_target(name, audience, url)
    target = SurveyTarget(name=name.strip(), audience=audience, url=url.strip())
    db.session.add(target)
    db.session.flush()
    record_event(actor, "survey_target.create", target, {"name": target.name, "url": target.url})
    log.info("created survey target %s", target.id)
    return target


def update_target(target: SurveyTarget, name: str, audience: str, url: str, active: bool, actor=None) -> SurveyTarget:
    """Change a survey target; the same checks as on creation apply."""
    _check_target(name, audience, url)
    before = {"name": target.name, "audience": target.audience, "url": target.url, "active": target.active}
    target.name, target.audience, target.url, target.active = name.strip(), audience, url.strip(), active
    after = {"name": target.name, "audience": target.audience, "url": target.url, "active": target.active}
    record_event(actor, "survey_target.update", target, diff(before, after))
    log.info("updated survey target %s", target.id)
    return target


def list_targets(active_only: bool = False) -> list[SurveyTarget]:
    """Survey targets by audience and name."""
    query = select(SurveyTarget).order_by(SurveyTarget.audience, SurveyTarget.name)
    if active_only:
        query = query.where(SurveyTarget.active.is_(True))
    return list(db.session.scalars(query))


# --- links ----------------------------------------------------------------------------------


def new_unique_code() -> str:
    """A code no link uses yet; grows longer only if the short ones keep colliding."""
    for length in range(MIN_LENGTH, MAX_LENGTH + 1):
        for _attempt in range(5):
            code = generate_code(length)
            if db.session.scalar(select(Link.id).where(Link.code == code)) is None:
                return code
    raise LinkError("could not find a free link code")


def create_link(
    target: SurveyTarget,
    area: Area,
    channel: str,
    promoter: Promoter | None = None,
    opd: Opd | None = None,
    label: str = "",
    actor=None,
) -> Link:
    """Create a tracked link with a fresh code."""
    if channel not in CHANNELS:
        raise LinkError(f"channel: must be one of {', '.join(CHANNELS)}, not {channel!r}")
    if not target.active:
        raise LinkError(f"target: {target.name} is not active")
    link = Link(
        code=new_unique_code(),
        target=target,
        area=area,
        channel=channel,
        promoter=promoter,
        opd=opd,
        label=label.strip()[:120],
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(link)
    db.session.flush()
    record_event(actor, "link.create", link, {"code": link.code, "channel": channel, "target": target.id})
    log.info("created link %s (%s)", link.id, link.code)
    return link


def set_link_active(link: Link, active: bool, actor=None) -> Link:
    """Deactivate (or reactivate) a link; scans of an inactive link answer 410 and are not counted."""
    if link.active != active:
        record_event(actor, "link.activate" if active else "link.deactivate", link, {"active": [link.active, active]})
        link.active = active
        log.info("link %s active=%s", link.id, active)
    return link


def area_scope_condition(column, area: Area):
    """SQL condition: `column` (an Area row) is `area` or lies below it (codes extend the parent's code)."""
    return or_(column.code == area.code, column.code.startswith(area.code + "."))


def _current_promoters_query(on: date | None = None) -> Select:
    """Active promoters joined to their current assignment's area (outer join: unassigned ones too)."""
    on = on or date.today()
    current = (Assignment.start_date <= on) & (Assignment.end_date.is_(None) | (Assignment.end_date > on))
    return (
        select(Promoter, Area)
        .outerjoin(Assignment, (Assignment.promoter_id == Promoter.id) & current)
        .outerjoin(Area, Area.id == Assignment.area_id)
        .where(Promoter.active.is_(True))
        .order_by(Promoter.name, Promoter.id, Area.code)
    )


def _first_area_each(query: Select) -> list[tuple[Promoter, Area | None]]:
    seen: dict[int, tuple[Promoter, Area | None]] = {}
    for promoter, area in db.session.execute(query):
        seen.setdefault(promoter.id, (promoter, area))
    return list(seen.values())


def current_promoters_in(scope: Area | Opd, on: date | None = None) -> list[tuple[Promoter, Area | None]]:
    """Active promoters of a kelurahan/kecamatan (assigned there or below) or of an OPD, with their area.

    For an area the area is the promoter's current assignment inside it; for an OPD it is the
    promoter's current assignment anywhere (None when unassigned).
    """
    query = _current_promoters_query(on)
    if isinstance(scope, Opd):
        return _first_area_each(query.where(Promoter.opd_id == scope.id))
    return _first_area_each(query.where(area_scope_condition(Area, scope)))


@dataclass
class BulkResult:
    """What a bulk creation did."""

    created: list[Link]
    skipped: int


def _city_area() -> Area | None:
    return db.session.scalar(select(Area).where(Area.level == "kota").order_by(Area.code))


def bulk_create_links(
    target: SurveyTarget, scope: Area | Opd, channels: list[str], label: str = "", actor=None
) -> BulkResult:
    """One link per active promoter of the scope per channel; promoters who already have one are skipped."""
    if not channels:
        raise LinkError("channels: choose at least one channel")
    opd = scope if isinstance(scope, Opd) else None
    existing = set(
        db.session.execute(
            select(Link.promoter_id, Link.channel).where(
                Link.target_id == target.id,
                Link.active.is_(True),
                Link.promoter_id.is_not(None),
                Link.opd_id.is_(None) if opd is None else Link.opd_id == opd.id,
            )
        ).all()
    )
    fallback = (opd.area if opd else None) or _city_area()
    created: list[Link] = []
    skipped = 0
    for promoter, area in current_promoters_in(scope):
        for channel in channels:
            if (promoter.id, channel) in existing:
                skipped += 1
                continue
            link_area = area or fallback
            if link_area is None:
                raise LinkError(f"promoter {promoter.name} has no area and the OPD has none either")
            created.append(create_link(target, link_area, channel, promoter, opd, label, actor))
    log.info("bulk created %d links for %r (%d skipped)", len(created), scope, skipped)
    return BulkResult(created, skipped)


def links_query(
    *,
    area: Area | None = None,
    opd: Opd | None = None,
    promoter: Promoter | None = None,
    target_id: int | None = None,
    channel: str | None = None,
    active: bool | None = None,
    search: str | None = None,
) -> Select:
    """A select of Link rows matching the filters (all optional), newest first."""
    query = select(Link).order_by(Link.created_at.desc(), Link.id.desc())
    if area is not None:
        query = query.join(Area, Area.id == Link.area_id).where(area_scope_condition(Area, area))
    if opd is not None:
        query = query.where(Link.opd_id == opd.id)
    if promoter is not None:
        query = query.where(Link.promoter_id == promoter.id)
    if target_id:
        query = query.where(Link.target_id == target_id)
    if channel:
        query = query.where(Link.channel == channel)
    if active is not None:
        query = query.where(Link.active.is_(active))
    if search:
        code = normalise_code(search)
        pattern = f"%{search.strip()}%"
        query = query.outerjoin(Promoter, Promoter.id == Link.promoter_id).where(
            or_(Link.code == (code or ""), Link.label.ilike(pattern), Promoter.name.ilike(pattern))
        )
    return query


def links_in_scope(scope: Area | Opd, active_only: bool = True) -> list[Link]:
    """Links of a kelurahan/kecamatan (and everything below it) or of an OPD, for batch flyers and exports."""
    query = links_query(area=scope) if isinstance(scope, Area) else links_query(opd=scope)
    if active_only:
        query = query.where(Link.active.is_(True))
    return list(db.session.scalars(query.order_by(None).order_by(Link.area_id, Link.promoter_id, Link.id)))


def promoter_links(promoter: Promoter) -> list[Link]:
    """A promoter's own links, active first, newest first."""
    query = links_query(promoter=promoter).order_by(None).order_by(Link.active.desc(), Link.created_at.desc(), Link.id)
    return list(db.session.scalars(query))


# --- addresses and sharing ------------------------------------------------------------------


def short_url(code: str, base: str | None = None) -> str:
    """The public short URL people type: PUBLIC_BASE_URL + /s/<code>."""
    base = (base or current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    return f"{base}/s/{code}"


def qr_url(code: str, base: str | None = None) -> str:
    """What printed QR codes encode: the short URL plus the marker that counts the visit as a QR scan."""
    return f"{short_url(code, base)}?{QR_MARKER[0]}={QR_MARKER[1]}"


def whatsapp_message(link: Link) -> str:
    """A ready WhatsApp text in Bahasa Indonesia inviting people to the SPI with the link's short URL."""
    audience = (
        "pegawai Pemerintah Kota Bandar Lampung"
        if link.target.audience == "internal"
        else "warga dan pengguna layanan Pemerintah Kota Bandar Lampung"
    )
    return (
        "Assalamualaikum, salam sejahtera.\n\n"
        f"Yuk ikut *Survei Penilaian Integritas (SPI) KPK* untuk {audience}. "
        'Skor SPI Kota Bandar Lampung tahun 2021 adalah 65,58 ("sangat rentan"). '
        "Pendapat jujur Anda membantu memperbaiki layanan publik kita.\n\n"
        "Survei ini dijalankan oleh KPK, sukarela dan rahasia, sekitar 5–15 menit.\n\n"
        f"Isi di sini: {short_url(link.code)}"
    )


def whatsapp_share_url(message: str) -> str:
    """A https://wa.me/?text=… link that opens WhatsApp with the message ready to send."""
    return "https://wa.me/?text=" + quote(message, safe="")


# --- scanning (the hot path) ------------------------------------------------------------------


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
    qr: bool = False


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
        "source": "qr" if request_meta.qr else "direct",
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


def area_text(area: Area | None) -> str:
    """An area as people say it: 'RT 002, RW 001, Kelurahan Surabaya' or 'Kecamatan Kedaton'."""
    parts = []
    while area is not None and area.level in ("rt", "rw"):
        parts.append(area.name)
        area = area.parent
    if area is not None and area.level != "kota":
        parts.append(area.label)
    return ", ".join(parts) or "Kota Bandar Lampung"


def promoter_area(promoter: Promoter, on: date | None = None) -> Area | None:
    """The promoter's current area (the first current assignment), if any."""
    current = promoter.current_assignments(on)
    return current[0].area if current else None


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
