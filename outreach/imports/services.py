"""Keeping an upload between its preview and the user's confirmation."""

import logging
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import selectinload

from outreach.areas.models import Area
from outreach.extensions import db
from outreach.imports.models import PendingImport
from outreach.models import utcnow

log = logging.getLogger(__name__)

# An upload not confirmed within a day is dropped; the user uploads it again.
PENDING_LIFETIME = timedelta(days=1)


def stash_upload(kind: str, user, filename: str, content: str, sheet: str | None = None) -> PendingImport:
    """Store an upload's text and the workbook sheet it came from for a later confirm; its `token` goes in the form."""
    db.session.execute(delete(PendingImport).where(PendingImport.created_at < utcnow() - PENDING_LIFETIME))
    pending = PendingImport(
        token=secrets.token_urlsafe(32),
        kind=kind,
        user_id=user.id,
        filename=filename[:255],
        content=content,
        sheet=sheet,
    )
    db.session.add(pending)
    db.session.flush()
    log.info("stashed %s import %s (%d chars) for user %s", kind, pending.id, len(content), user.id)
    return pending


def find_pending(token: str, kind: str, user) -> PendingImport | None:
    """The user's own pending upload of this kind with this token, if it has not expired."""
    return db.session.scalar(
        select(PendingImport).where(
            PendingImport.token == token,
            PendingImport.kind == kind,
            PendingImport.user_id == user.id,
            PendingImport.created_at >= utcnow() - PENDING_LIFETIME,
        )
    )


def discard(pending: PendingImport) -> None:
    """Forget an upload once it is imported or abandoned."""
    db.session.delete(pending)


def area_places(codes: list[str]) -> dict[str, str]:
    """Where each area code is, as people say it ('RT 002 / RW 001, Sidodadi'), for the import preview."""
    if not codes:
        return {}
    areas = db.session.scalars(
        select(Area).where(Area.code.in_(codes)).options(selectinload(Area.parent).selectinload(Area.parent))
    )
    return {area.code: area.place for area in areas}
