"""Survey targets, tracked links, bulk creation and sharing texts; recording scans lives in `scanning`."""

import ipaddress
import logging
import re
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlsplit

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload
from werkzeug.urls import iri_to_uri

from outreach import clock
from outreach.areas.models import Area, Opd, subtree_ids
from outreach.audit.services import diff, record_event
from outreach.campaign import AUDIENCES, CHANNELS, PRINTED_CHANNELS
from outreach.extensions import db
from outreach.links.codes import MAX_LENGTH, MIN_LENGTH, generate_code, normalise_code
from outreach.links.models import Link, SurveyTarget
from outreach.links.scanning import host_allowed, record_scan  # noqa: F401 - record_scan is this API's too
from outreach.promoters.models import Assignment, Promoter

log = logging.getLogger(__name__)

QR_MARKER = ("q", "1")


class LinkError(ValueError):
    """A target or link could not be saved as asked; the message names what is wrong."""


# --- survey targets -------------------------------------------------------------------------


def normalise_survey_url(url: str) -> str:
    """A survey URL as stored and sent in the redirect: trimmed, and ASCII only (an IDNA host, lower case,
    and a percent-encoded path), so it is always a valid Location header."""
    return iri_to_uri(url.strip())


_URL_WHITESPACE = re.compile(r"[\s\x00-\x1f\x7f]")


def survey_url_problem(url: str, allowlist: tuple[str, ...] | list[str]) -> str | None:
    """Why a survey URL cannot be stored (https only, allowlisted host, no credentials, no whitespace), or None."""
    # A line break or a space inside would make every redirect to it fail (an invalid Location header).
    if _URL_WHITESPACE.search(url.strip()):
        return "must not contain spaces, line breaks or control characters"
    try:
        parts = urlsplit(normalise_survey_url(url))
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
    target = SurveyTarget(name=name.strip(), audience=audience, url=normalise_survey_url(url))
    db.session.add(target)
    db.session.flush()
    record_event(actor, "survey_target.create", target, {"name": target.name, "url": target.url})
    log.info("created survey target %s", target.id)
    return target


def update_target(target: SurveyTarget, name: str, audience: str, url: str, active: bool, actor=None) -> SurveyTarget:
    """Change a survey target; the same checks as on creation apply."""
    _check_target(name, audience, url)
    before = {"name": target.name, "audience": target.audience, "url": target.url, "active": target.active}
    target.name, target.audience, target.url, target.active = name.strip(), audience, normalise_survey_url(url), active
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
    drive=None,
) -> Link:
    """Create a tracked link with a fresh code (optionally made for a socialisation drive)."""
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
        drive_id=getattr(drive, "id", None),
        created_by_id=getattr(actor, "id", None),
    )
    db.session.add(link)
    db.session.flush()
    changes = {"code": link.code, "channel": channel, "target": target.id}
    if link.drive_id is not None:
        changes["drive"] = link.drive_id
    record_event(actor, "link.create", link, changes)
    log.info("created link %s (%s)", link.id, link.code)
    return link


def set_link_active(link: Link, active: bool, actor=None) -> Link:
    """Deactivate (or reactivate) a link; scans of an inactive link answer 410 and are not counted."""
    if link.active != active:
        record_event(actor, "link.activate" if active else "link.deactivate", link, {"active": [link.active, active]})
        link.active = active
        log.info("link %s active=%s", link.id, active)
    return link


def _current_promoters_query(on: date | None = None) -> Select:
    """Active promoters joined to their current assignment's area (outer join: unassigned ones too)."""
    on = on or clock.today()
    current = (Assignment.start_date <= on) & (Assignment.end_date.is_(None) | (Assignment.end_date > on))
    return (
        select(Promoter, Area)
        .outerjoin(Assignment, (Assignment.promoter_id == Promoter.id) & current)
        .outerjoin(Area, Area.id == Assignment.area_id)
        .where(Promoter.active.is_(True))
        .order_by(Promoter.name, Promoter.id, Area.code)
        .options(selectinload(Area.parent).selectinload(Area.parent))  # an RT is named with its RW and kelurahan
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
    return _first_area_each(query.where(Area.id.in_(subtree_ids([scope]))))


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
    drive_id: int | None = None,
    target_id: int | None = None,
    channel: str | None = None,
    active: bool | None = None,
    search: str | None = None,
) -> Select:
    """A select of Link rows matching the filters (all optional), newest first."""
    query = select(Link).order_by(Link.created_at.desc(), Link.id.desc())
    if area is not None:
        query = query.where(Link.area_id.in_(subtree_ids([area])))
    if opd is not None:
        query = query.where(Link.opd_id == opd.id)
    if promoter is not None:
        query = query.where(Link.promoter_id == promoter.id)
    if drive_id:
        query = query.where(Link.drive_id == drive_id)
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


def links_in_scope(scope: Area | Opd, active_only: bool = True, printed_only: bool = False) -> list[Link]:
    """Links of a kelurahan/kecamatan (and everything below it) or of an OPD, for batch flyers and exports.

    `printed_only` leaves out links of channels that are not printed (WhatsApp).
    """
    query = links_query(area=scope) if isinstance(scope, Area) else links_query(opd=scope)
    if active_only:
        query = query.where(Link.active.is_(True))
    if printed_only:
        query = query.where(Link.channel.in_(PRINTED_CHANNELS))
    return list(db.session.scalars(query.order_by(None).order_by(Link.area_id, Link.promoter_id, Link.id)))


def promoter_links(promoter: Promoter) -> list[Link]:
    """A promoter's own links, active first, newest first."""
    query = links_query(promoter=promoter).order_by(None).order_by(Link.active.desc(), Link.created_at.desc(), Link.id)
    return list(db.session.scalars(query))


# --- addresses and sharing ------------------------------------------------------------------


def public_base_problem(base: str | None = None) -> str | None:
    """Why PUBLIC_BASE_URL (or `base`) cannot go on paper or into messages, naming the setting; None when it can.

    A loopback, private-network or link-local address, or a `.local` name, works on this machine or
    its network only: a QR code or WhatsApp message carrying it leads a phone nowhere.
    """
    base = base if base is not None else current_app.config["PUBLIC_BASE_URL"]
    try:
        parts = urlsplit(base.strip())
        host = (parts.hostname or "").rstrip(".").lower()
    except ValueError:
        parts, host = None, ""
    if parts is None or parts.scheme not in ("http", "https") or not host:
        reason = _l("it is not a web address")
    else:
        reason = _host_problem(host)
    if reason is None:
        return None
    return str(
        _l(
            "PUBLIC_BASE_URL is %(url)s: %(reason)s, so the phones of people who scan or open it cannot reach it.",
            url=base or '""',
            reason=reason,
        )
    )


def _host_problem(host: str):
    """Why people elsewhere cannot reach `host` (translatable), or None."""
    if host == "localhost" or host.endswith(".localhost"):
        return _l("%(host)s is this machine itself", host=host)
    if host.endswith(".local"):
        return _l("%(host)s is a name on the local network only", host=host)
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    if address.is_loopback or address.is_unspecified:
        return _l("%(host)s is this machine itself", host=host)
    if address.is_link_local:
        return _l("%(host)s is an address of the local network segment only", host=host)
    if address.is_private or not address.is_global:  # private ranges, carrier-grade NAT (100.64/10), …
        return _l("%(host)s is a private network address", host=host)
    return None


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


def whatsapp_share_url(message: str, phone: str | None = None) -> str:
    """A https://wa.me/… link that opens WhatsApp with the message ready to send.

    With an E.164 `phone` (+628…) it opens the chat with that number; without, the person picks a chat.
    """
    number = phone.lstrip("+") if phone else ""
    return f"https://wa.me/{number}?text=" + quote(message, safe="")


def share_of(link: Link) -> dict:
    """What sharing a link needs: its short URL, the ready WhatsApp message and the wa.me address."""
    message = whatsapp_message(link)
    return {"short_url": short_url(link.code), "message": message, "wa_url": whatsapp_share_url(message)}


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
