"""Creating users and checking credentials."""

import logging
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from outreach.audit.services import record_event
from outreach.auth.models import PROMOTER, ROLES, User
from outreach.auth.passwords import MIN_PASSWORD_LENGTH
from outreach.auth.throttle import clear_client_locks, client_failed, client_record, client_succeeded, current_client
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


def authenticate(email: str, password: str, now: datetime | None = None, client: str | None = None) -> User | None:
    """Return the active, unlocked user with these credentials, or None.

    `client` is the keyed hash of the client's address (by default the current request's; "" outside a
    request). A wrong password counts towards the lockout of this account for this client and towards
    the account-wide limit (see `outreach.auth.throttle`); a locked pair, or an account-wide lock seen from
    a client the account never signed in from, is refused even with the right password. Callers show the
    same message for every refusal so nobody learns whether an email has an account or is locked.
    """
    now = now or utcnow()
    client = current_client() if client is None else client
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    record = client_record(user.id, client)
    trusted = record is not None and record.trusted
    if (record is not None and record.is_locked(now)) or (user.is_locked(now) and not trusted):
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not user.check_password(password):
        record_failed_login(user, now, client)
        return None
    if not user.active:
        return None
    client_succeeded(user.id, client, now)
    if not user.is_locked(now):
        user.failed_logins = 0
        user.locked_until = None
    user.last_login_at = now
    return user


def record_failed_login(user: User, now: datetime | None = None, client: str | None = None) -> bool:
    """Count a failed sign-in for this account and client; lock the pair (and, past the account-wide limit,
    the account for unknown clients) when a limit is reached. True when the pair locked."""
    now = now or utcnow()
    client = current_client() if client is None else client
    user.failed_logins = User.failed_logins + 1
    db.session.flush()
    db.session.refresh(user, ["failed_logins"])
    until = client_failed(user.id, client, now)
    if until is not None:
        limit = current_app.config["LOGIN_MAX_FAILURES"]
        record_event(
            None,
            "user.lock",
            user,
            {"failed_logins": limit, "locked_until": until.isoformat(), "scope": "client"},
        )
        log.warning("user %s locked for one client until %s after %s failed sign-ins", user.id, until, limit)
    if user.failed_logins >= current_app.config["LOGIN_ACCOUNT_MAX_FAILURES"] and not user.is_locked(now):
        lock_account(user, now)
    return until is not None


def lock_account(user: User, now: datetime | None = None) -> None:
    """Lock the account for every client it never signed in from, for the lockout period."""
    now = now or utcnow()
    minutes = current_app.config["LOGIN_LOCKOUT_MINUTES"]
    failures = user.failed_logins
    user.locked_until = now + timedelta(minutes=minutes)
    user.failed_logins = 0
    record_event(
        None,
        "user.lock",
        user,
        {"failed_logins": failures, "locked_until": user.locked_until.isoformat(), "scope": "account"},
    )
    log.warning(
        "user %s locked for unknown clients for %s minutes after %s failed sign-ins", user.id, minutes, failures
    )


def unlock_user(user: User, actor: User | None = None) -> bool:
    """Lift every lockout (account-wide and per client) and clear the failure count; False when none was in force."""
    was_locked = user.is_locked(utcnow())
    before = user.locked_until
    user.locked_until = None
    user.failed_logins = 0
    clients = clear_client_locks(user.id)
    if not was_locked and not clients:
        return False
    record_event(
        actor,
        "user.unlock",
        user,
        {"locked_until": [before.isoformat() if before else None, None], "clients": clients},
    )
    log.info("user %s unlocked by %s", user.id, getattr(actor, "id", "cli"))
    return True


def list_users() -> list[User]:
    """Every login, staff first by role then by email."""
    return list(db.session.scalars(select(User).order_by(User.role, User.email)))
