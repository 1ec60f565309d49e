"""A drive's own tracked links: one per participating promoter and channel, made with the links services."""

import logging
from collections.abc import Sequence
from datetime import date

from sqlalchemy import select

from outreach.areas.models import Area, Opd, lies_within
from outreach.audit.services import record_event
from outreach.campaign import CHANNELS
from outreach.clock import to_wib
from outreach.drives.models import CANCELLED, Drive
from outreach.extensions import db
from outreach.links.models import Link, SurveyTarget
from outreach.links.services import BulkResult, LinkError, create_link
from outreach.promoters.models import Promoter

log = logging.getLogger(__name__)

# What each kind of drive usually carries: the bus has its own QR board, banners and flyers at the stop;
# door-to-door rounds leave flyers and follow up on WhatsApp; a broadcast is WhatsApp only.
DEFAULT_CHANNELS = {
    "roadshow_bus": ("bus", "banner", "flyer"),
    "door_to_door": ("flyer", "whatsapp"),
    "opd_session": ("flyer", "whatsapp"),
    "public_event": ("banner", "flyer"),
    "whatsapp_broadcast": ("whatsapp",),
}


def default_channels(drive: Drive) -> list[str]:
    """The channels suggested for a drive's kind."""
    return list(DEFAULT_CHANNELS.get(drive.kind, ("flyer",)))


def default_target(drive: Drive) -> SurveyTarget | None:
    """The first active survey target for the drive's audience."""
    return db.session.scalar(
        select(SurveyTarget)
        .where(SurveyTarget.active.is_(True), SurveyTarget.audience == drive.audience)
        .order_by(SurveyTarget.name, SurveyTarget.id)
    )


def drive_links(drive: Drive, promoter_id: int | None = None, active_only: bool = False) -> list[Link]:
    """The links made for a drive (only one promoter's when given), by promoter and channel."""
    query = select(Link).where(Link.drive_id == drive.id)
    if promoter_id is not None:
        query = query.where(Link.promoter_id == promoter_id)
    if active_only:
        query = query.where(Link.active.is_(True))
    query = query.outerjoin(Promoter, Promoter.id == Link.promoter_id).order_by(Promoter.name, Link.channel, Link.id)
    return list(db.session.scalars(query))


def _city_area() -> Area | None:
    return db.session.scalar(select(Area).where(Area.level == "kota").order_by(Area.code))


def link_attribution(drive: Drive, promoter: Promoter, on: date) -> tuple[Area | None, Opd | None]:
    """Area and OPD a promoter's drive link counts for.

    Area: the promoter's own current area when it lies in a target area, else the drive's first target
    area; for an OPD-only drive the OPD's area (or the promoter's own, or the city). OPD: the promoter's
    OPD when the drive targets it, else the drive's first OPD when it targets OPDs only.
    """
    if promoter.opd is not None and promoter.opd in drive.opds:
        opd: Opd | None = promoter.opd
    else:
        opd = drive.opds[0] if drive.opds and not drive.areas else None
    own = [a.area for a in promoter.current_assignments(on)]
    for area in own:
        if lies_within(area, drive.areas):
            return area, opd
    if drive.areas:
        return drive.areas[0], opd
    return (opd.area if opd else None) or (own[0] if own else None) or _city_area(), opd


def generate_drive_links(drive: Drive, target: SurveyTarget, channels: Sequence[str], actor=None) -> BulkResult:
    """One link per active participating promoter and channel; pairs that already have a drive link are
    skipped (deactivated ones too), so running it again adds only what is new."""
    channels = list(dict.fromkeys(channels))
    if not channels:
        raise LinkError("channels: choose at least one channel")
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown:
        raise LinkError(f"channels: {', '.join(unknown)} is not one of {', '.join(CHANNELS)}")
    if drive.status == CANCELLED:
        raise LinkError("drive: a cancelled drive gets no links")
    if target.audience != drive.audience:
        raise LinkError(f"target: {target.name} is for the {target.audience} audience, the drive for {drive.audience}")
    existing = set(db.session.execute(select(Link.promoter_id, Link.channel).where(Link.drive_id == drive.id)).all())
    on = to_wib(drive.starts_at).date()
    created: list[Link] = []
    skipped = 0
    for promoter in drive.promoters:
        if not promoter.active:
            continue
        area, opd = link_attribution(drive, promoter, on)
        if area is None:
            raise LinkError(f"promoter {promoter.name}: no area to attribute the link to")
        for channel in channels:
            if (promoter.id, channel) in existing:
                skipped += 1
                continue
            created.append(create_link(target, area, channel, promoter, opd, drive.title, actor=actor, drive=drive))
    record_event(
        actor,
        "drive.generate_links",
        drive,
        {"created": len(created), "skipped": skipped, "channels": ",".join(channels), "target": target.id},
    )
    log.info("drive %s: %d links created, %d skipped", drive.id, len(created), skipped)
    return BulkResult(created, skipped)
