"""Creating users and checking credentials."""

import logging

from sqlalchemy import func, select

from outreach.audit.services import record_event
from outreach.auth.models import PROMOTER, ROLES, User
from outreach.extensions import db
from outreach.models import utcnow
from outreach.promoters.models import Promoter

log = logging.getLogger(__name__)

MIN_PASSWORD_LENGTH = 10


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


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None."""
    user = find_user_by_email(email)
    if user is None or not user.active or not user.check_password(password):
        return None
    user.last_login_at = utcnow()
    return user


def list_users() -> list[User]:
    """Every login, staff first by role then by email."""
    return list(db.session.scalars(select(User).order_by(User.role, User.email)))
