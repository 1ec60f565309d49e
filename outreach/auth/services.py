"""Creating users and checking credentials."""

import hashlib
import logging
import secrets
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, func, select, update
from werkzeug.security import check_password_hash, generate_password_hash

from outreach.audit.services import record_event
from outreach.auth.models import SignInLink, User
from outreach.auth.passwords import MIN_PASSWORD_LENGTH, password_problem
from outreach.auth.throttle import clear_client_locks, client_failed, client_record, client_succeeded, current_client
from outreach.campaign import PROMOTER, ROLES
from outreach.extensions import db
from outreach.models import utcnow
from outreach.promoters.models import Promoter
from outreach.promoters.services import PhoneError, normalise_phone

log = logging.getLogger(__name__)

# Checked when the email is unknown, so a wrong email takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("outreach-timing-equaliser")


class UserError(ValueError):
    """A user could not be created or changed as asked; the message says why, `field` says where."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


def find_user_by_email(email: str) -> User | None:
    """Look a user up by email, ignoring case."""
    return db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))


def find_user_by_phone(phone: str) -> User | None:
    """The login of the promoter with this phone number (any Indonesian way of writing it), or None."""
    try:
        e164 = normalise_phone(phone)
    except PhoneError:
        return None
    return db.session.scalar(select(User).join(User.promoter).where(Promoter.phone == e164))


def find_user_by_login(login: str) -> User | None:
    """The user named by what was typed into the sign-in form: an email address or a phone number."""
    login = login.strip()
    return find_user_by_email(login) if "@" in login else find_user_by_phone(login)


def create_user(
    email: str | None,
    password: str | None,
    role: str,
    promoter: Promoter | None = None,
    actor: User | None = None,
) -> User:
    """Create a login; a promoter login must be tied to a promoter, staff logins must not.

    Staff sign in with an email and a password. A promoter may have neither: they sign in with the
    one-time links their coordinator sends, and may later set a password to use with their phone.
    """
    email = email.strip().lower() if email and email.strip() else None
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}")
    if role != PROMOTER and (email is None or password is None):
        raise UserError("a staff login needs an email and a password")
    if password is not None and len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if email and find_user_by_email(email):
        raise UserError(f"a user with email {email} already exists")
    if (role == PROMOTER) != (promoter is not None):
        raise UserError("a promoter login needs a promoter, and only a promoter login may have one")
    user = User(email=email, role=role, promoter=promoter)
    # Without a password of their own, no password matches: a random one nobody is told.
    user.set_password(password if password is not None else secrets.token_urlsafe(32))
    db.session.add(user)
    db.session.flush()
    record_event(actor, "user.create", user, {"email": email, "role": role})
    log.info("created user %s with role %s", user.id, role)
    return user


def authenticate(login: str, password: str, now: datetime | None = None, client: str | None = None) -> User | None:
    """Return the active, unlocked user with these credentials, or None.

    `client` is the keyed hash of the client's address (by default the current request's; "" outside a
    request). A wrong password counts towards the lockout of this account for this client and towards
    the account-wide limit (see `outreach.auth.throttle`); a locked pair, or an account-wide lock seen from
    a client the account never signed in from, is refused even with the right password. Callers show the
    same message for every refusal so nobody learns whether an email has an account or is locked.
    """
    now = now or utcnow()
    client = current_client() if client is None else client
    user = find_user_by_login(login)
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


def _token_hash(token: str) -> str:
    # The token carries 256 random bits, so a plain SHA-256 cannot be reversed by guessing.
    return hashlib.sha256(token.encode()).hexdigest()


def create_sign_in_link(user: User, actor: User, now: datetime | None = None) -> str:
    """A new one-time sign-in link's secret token for `user` (shown once; only its hash is stored).

    Earlier unused links of the user stop working, so the newest message is the only one that signs in.
    """
    now = now or utcnow()
    if not user.active:
        raise UserError("this login is deactivated")
    revoke_sign_in_links(user, actor, now, audit=False)
    token = secrets.token_urlsafe(32)
    hours = current_app.config["SIGN_IN_LINK_HOURS"]
    link = SignInLink(
        user=user, token_hash=_token_hash(token), expires_at=now + timedelta(hours=hours), created_by_id=actor.id
    )
    db.session.add(link)
    db.session.flush()
    record_event(actor, "user.sign_in_link", user, {"link": link.id, "expires_at": link.expires_at.isoformat()})
    log.info("sign-in link %s made for user %s by %s", link.id, user.id, actor.id)
    return token


def sign_in_url(token: str) -> str:
    """The address a sign-in link carries: PUBLIC_BASE_URL and the sign-in route (`auth.sign_in_link`).

    Written out rather than built with url_for, so the CLI can print one without a request.
    """
    return f"{current_app.config['PUBLIC_BASE_URL'].rstrip('/')}/auth/masuk/{token}"


def sign_in_link_state(token: str, now: datetime | None = None) -> tuple[SignInLink | None, str]:
    """The link a token belongs to and its state ('usable', 'used', 'revoked', 'expired' or 'unknown')."""
    link = db.session.scalar(select(SignInLink).where(SignInLink.token_hash == _token_hash(token)))
    if link is None:
        return None, "unknown"
    state = link.state(now or utcnow())
    if state == "usable" and not link.user.active:
        state = "revoked"
    return link, state


def use_sign_in_link(token: str, now: datetime | None = None) -> tuple[User | None, str]:
    """Spend a one-time link: its user (with every earlier session ended) and 'usable', or None and why not.

    The link is marked used in the same UPDATE that checks it is still unused, so two taps at once
    (or a replay) sign in once.
    """
    now = now or utcnow()
    link, state = sign_in_link_state(token, now)
    if link is None or state != "usable":
        return None, state
    spent: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]  # an UPDATE answers a cursor result
        update(SignInLink)
        .where(SignInLink.id == link.id, SignInLink.used_at.is_(None), SignInLink.revoked_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    if spent.rowcount != 1:
        return None, "used"
    user = link.user
    user.new_session_token()
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    record_event(user, "user.sign_in_link_used", user, {"link": link.id})
    log.info("user %s signed in with link %s", user.id, link.id)
    return user, state


def revoke_sign_in_links(user: User, actor: User | None, now: datetime | None = None, audit: bool = True) -> int:
    """Stop every unused sign-in link of `user`; how many were stopped."""
    now = now or utcnow()
    result: CursorResult[Any] = db.session.execute(  # type: ignore[assignment]  # an UPDATE answers a cursor result
        update(SignInLink)
        .where(SignInLink.user_id == user.id, SignInLink.used_at.is_(None), SignInLink.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    revoked: int = result.rowcount
    if audit and revoked:
        record_event(actor, "user.sign_in_link_revoke", user, {"links": revoked})
    return revoked


def sign_out(user: User) -> None:
    """End the user's sessions as they sign out: a copied cookie of this session stops working too."""
    user.new_session_token()
    log.info("user %s signed out", user.id)


def end_sessions(user: User, actor: User | None) -> None:
    """Sign `user` out everywhere: every session and remember-me cookie stops working."""
    user.new_session_token()
    record_event(actor, "user.end_sessions", user)
    log.info("sessions of user %s ended by %s", user.id, getattr(actor, "id", "cli"))


def change_password(user: User, new: str, current: str | None) -> None:
    """Set a new password; every session of the user ends (the caller starts a fresh one).

    `current` is checked unless it is None, which only the account page passes right after a
    one-time link sign-in (a reset: the user does not know the old password).
    """
    if current is not None and not user.check_password(current):
        raise UserError(str(_l("The current password is not right.")), field="current")
    problem = password_problem(new, user.email)
    if problem:
        raise UserError(problem, field="new")
    user.set_password(new)
    user.new_session_token()
    record_event(user, "user.password_change", user)
    log.info("user %s changed their password", user.id)


def promoter_login(promoter: Promoter, actor: User) -> User:
    """The promoter's login, made now (no email, no password) when they have none yet."""
    user = db.session.scalar(select(User).where(User.promoter_id == promoter.id))
    if user is not None:
        return user
    if not promoter.active:
        raise UserError(str(_l("%(name)s is not active.", name=promoter.name)))
    return create_user(None, None, PROMOTER, promoter=promoter, actor=actor)


def sign_in_message(name: str, url: str, hours: int) -> str:
    """The WhatsApp text that carries a promoter's one-time sign-in link, in Bahasa Indonesia."""
    return (
        f"Halo {name},\n\n"
        "ini tautan masuk Outreach untuk membagikan tautan Survei Penilaian Integritas (SPI) KPK "
        "milik Anda. Ketuk tautan ini, lalu tombol Masuk:\n\n"
        f"{url}\n\n"
        f"Tautan hanya bisa dipakai sekali dan berlaku {hours} jam. "
        "Jangan teruskan ke orang lain: siapa pun yang membukanya masuk sebagai Anda."
    )
