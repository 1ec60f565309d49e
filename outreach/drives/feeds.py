"""iCalendar feeds of drives, opened by a secret address because calendar apps cannot sign in.

Each user has at most one secret token. Only its SHA-256 is stored, so a copy of the database
opens no feed; resetting the address revokes the old one at once. A feed shows what its owner may
see right now (a promoter only their own drives, and nothing once the login is deactivated) and
never carries promoters' names, phones or the coordinators' notes, because calendar addresses
end up in third-party calendar services.
"""

import hashlib
import logging
import secrets
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from flask_babel import gettext as _
from icalendar import Calendar, Event
from sqlalchemy import select

from outreach.audit.services import record_event
from outreach.auth.models import User
from outreach.campaign import audience_label
from outreach.clock import WIB
from outreach.drives.labels import kind_label
from outreach.drives.models import CANCELLED, CalendarFeed, Drive
from outreach.drives.services import visible_drives
from outreach.extensions import db
from outreach.models import utcnow

log = logging.getLogger(__name__)

# Past drives stay in the feed for a while so calendars keep them; older ones drop out.
FEED_HISTORY = timedelta(days=120)
TOKEN_BYTES = 32
PRODID = "-//Outreach SPI Kota Bandar Lampung//Drives//ID"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_of(user: User) -> CalendarFeed | None:
    """The user's calendar feed, if they turned it on."""
    return db.session.scalar(select(CalendarFeed).where(CalendarFeed.user_id == user.id))


def issue_feed_token(user: User) -> str:
    """Give the user a new secret feed token (replacing any old one) and return it; it is not stored."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    feed = feed_of(user)
    action = "calendar_feed.reset" if feed else "calendar_feed.create"
    if feed is None:
        feed = CalendarFeed(user=user)
        db.session.add(feed)
    feed.token_hash = _digest(token)
    feed.created_at = utcnow()
    feed.last_used_at = None
    db.session.flush()
    record_event(user, action, feed)
    log.info("calendar feed %s for user %s", action.rsplit(".", 1)[1], user.id)
    return token


def revoke_feed(user: User) -> bool:
    """Turn the user's feed off; True when there was one."""
    feed = feed_of(user)
    if feed is None:
        return False
    record_event(user, "calendar_feed.revoke", feed)
    db.session.delete(feed)
    db.session.flush()
    log.info("calendar feed revoked for user %s", user.id)
    return True


def user_for_token(token: str) -> User | None:
    """The active user whose feed token this is, noting when the feed was last fetched."""
    if not token or len(token) > 128:
        return None
    feed = db.session.scalar(select(CalendarFeed).where(CalendarFeed.token_hash == _digest(token)))
    if feed is None or not feed.user.is_active:
        return None
    feed.last_used_at = utcnow()
    return feed.user


def feed_drives(user: User, now: datetime) -> list[Drive]:
    """The drives in a user's feed: those they may see that ended at most FEED_HISTORY ago."""
    stmt = visible_drives(user).where(Drive.ends_at > now - FEED_HISTORY).order_by(Drive.starts_at, Drive.id)
    return list(db.session.scalars(stmt))


def _description(drive: Drive, url: str) -> str:
    targets = [a.label for a in drive.areas] + [o.name for o in drive.opds]
    lines = [
        kind_label(drive.kind),
        _("Audience: %(audience)s", audience=audience_label(drive.audience)),
        _("Targets: %(targets)s", targets=", ".join(targets)),
        _("Promoters taking part: %(count)d", count=len(drive.promoters)),
        url,
    ]
    return "\n".join(lines)


def build_calendar(
    drives: Sequence[Drive], name: str, drive_url: Callable[[Drive], str], uid_domain: str, now: datetime
) -> bytes:
    """An RFC 5545 calendar with one event per drive, times in UTC."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", WIB.key)
    cal.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", "PT1H")  # an X- property is plain text, so the duration is written out
    for drive in drives:
        url = drive_url(drive)
        event = Event()
        event.add("uid", f"drive-{drive.id}@{uid_domain}")
        event.add("dtstamp", now)
        event.add("created", drive.created_at)
        event.add("last-modified", drive.updated_at)
        event.add("sequence", drive.sequence)
        event.add("dtstart", drive.starts_at)
        event.add("dtend", drive.ends_at)
        event.add("summary", f"{kind_label(drive.kind)}: {drive.title}")
        event.add("status", "CANCELLED" if drive.status == CANCELLED else "CONFIRMED")
        event.add("categories", [kind_label(drive.kind)])
        if drive.place_name:
            event.add("location", drive.place_name)
        if drive.latitude is not None and drive.longitude is not None:
            event.add("geo", (drive.latitude, drive.longitude))
        event.add("url", url)
        event.add("description", _description(drive, url))
        cal.add_component(event)
    return cal.to_ical()
