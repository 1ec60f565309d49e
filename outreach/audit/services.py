"""Writing audit events; called by every service that changes data."""

import logging
from typing import Any

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
