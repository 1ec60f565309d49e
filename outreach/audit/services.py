"""Writing audit events; called by every service that changes data."""

import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Select, select

from outreach.audit.models import AuditEvent
from outreach.extensions import db

log = logging.getLogger(__name__)


def _plain(value: Any) -> Any:
    """Make a value JSON-safe for the changes column."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose values differ, as {field: [before, after]}."""
    return {
        key: [_plain(before.get(key)), _plain(after.get(key))]
        for key in sorted(set(before) | set(after))
        if before.get(key) != after.get(key)
    }


def record_event(actor, action: str, obj, changes: dict[str, Any] | None = None) -> AuditEvent:
    """Add an audit event for `action` on `obj` by `actor` (a User or None for the system)."""
    event = AuditEvent(
        user_id=getattr(actor, "id", None),
        action=action,
        object_type=type(obj).__tablename__ if hasattr(obj, "__tablename__") else str(obj),
        object_id=getattr(obj, "id", None),
        changes={k: _plain(v) if not isinstance(v, list) else v for k, v in (changes or {}).items()},
    )
    db.session.add(event)
    log.info("audit %s %s:%s by %s", action, event.object_type, event.object_id, event.user_id)
    return event


def events_query(
    action: str | None = None,
    object_type: str | None = None,
    user_id: int | None = None,
    object_id: int | None = None,
    since: date | None = None,
    until: date | None = None,
) -> Select:
    """SELECT of audit events matching the filters, newest first (dates are inclusive, UTC)."""
    stmt = select(AuditEvent).order_by(AuditEvent.created_at.desc(), AuditEvent.id.desc())
    if action:
        stmt = stmt.where(AuditEvent.action.startswith(action, autoescape=True))
    if object_type:
        stmt = stmt.where(AuditEvent.object_type == object_type)
    if user_id:
        stmt = stmt.where(AuditEvent.user_id == user_id)
    if object_id:
        stmt = stmt.where(AuditEvent.object_id == object_id)
    if since:
        stmt = stmt.where(AuditEvent.created_at >= datetime.combine(since, time.min, tzinfo=UTC))
    if until:
        stmt = stmt.where(AuditEvent.created_at < datetime.combine(until + timedelta(days=1), time.min,
                                                                    tzinfo=UTC))
    return stmt


def event_choices() -> tuple[list[str], list[str]]:
    """Distinct actions and object types present, for the filter menus."""
    actions = list(db.session.scalars(select(AuditEvent.action).distinct().order_by(AuditEvent.action)))
    types = list(db.session.scalars(select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)))
    return actions, types
