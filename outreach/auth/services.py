"""Creating users and checking credentials."""

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from outreach.audit.services import record_event
from outreach.auth.models import PROMOTER, ROLES, User
from outreach.auth.passwords import MIN_PASSWORD_LENGTH
from outreach.extensions import db
from outreach.models import utcnow
from outreach.promoters.models import Promoter

log = logging.getLogger(__name__)

# Checked when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("outreach-timing-equaliser")


class UserError(ValueError):
    """A user could not be created as asked; the message says why."""


def find_user_by_email(email: str) -> User | None:
    """Look a user up by email, ignoring case."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def create_user(
    email: str, password: str, role: str, promoter: Promoter | None = None, actor: User | None = None
) -> User:
    """Create a login; a promoter login must be tied to a promoter, staff logins must not."""
    email = email.strip().lower()
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if find_user_by_email(email):
        raise UserError(f"a user with email {email} already exists")
    if (role == PROMOTER) != (promoter is not None):
        raise UserError("a promoter login needs a promoter, and only a promoter login may have one")
    user = User(email=email, role=role, promoter=promoter)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record_event(actor, "user.create", user, {"email": email, "role": role})
    log.info("created user %s with role %s", user.id, role)
    return user


def authenticate(email: str, password: str, now: datetime | None = None) -> User | None:
    """Return the active, unlocked user with these credentials, or None.

    A wrong password counts towards the lockout; a locked account is refused even with the right
    password, and callers show the same message for every refusal so nobody learns whether an
    email has an account or is locked.
    """
    now = now or utcnow()
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if user.is_locked(now):
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password):
        record_failed_login(user, now)
        return None
    if not user.active:
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user


def record_failed_login(user: User, now: datetime | None = None) -> bool:
    """Count a failed sign-in; lock the account when the limit is reached. True when it locked."""
    now = now or utcnow()
    user.failed_logins = User.failed_logins + 1
    db.session.flush()
    db.session.refresh(user, ["failed_logins"])
    limit = current_app.config["LOGIN_MAX_FAILURES"]
    if user.failed_logins < limit:
        return False
    minutes = current_app.config["LOGIN_LOCKOUT_MINUTES"]
    user.locked_until = now + timedelta(minutes=minutes)
    user.failed_logins = 0
    record_event(None, "user.lock", user, {"failed_logins": limit, "locked_until": user.locked_until.isoformat()})
    log.warning("user %s locked for %s minutes after %s failed sign-ins", user.id, minutes, limit)
    return True


def unlock_user(user: User, actor: User | None = None) -> bool:
    """Lift a lockout and clear the failure count; False when the account was not locked."""
    was_locked = user.is_locked(utcnow())
    before = user.locked_until
    user.locked_until = None
    user.failed_logins = 0
    if not was_locked:
        return False
    record_event(actor, "user.unlock", user, {"locked_until": [before.isoformat(), None]})
    log.info("user %s unlocked by %s", user.id, getattr(actor, "id", "cli"))
    return True


def list_users() -> list[User]:
    """Every login, staff first by role then by email."""
    return list(db.session.scalars(select(User).order_by(User.role, User.email)))
