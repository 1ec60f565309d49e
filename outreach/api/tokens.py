"""Create, list, revoke and check API tokens; the secret is shown once and only its SHA-256 is kept."""

import hashlib
import logging
import secrets
from datetime import timedelta

from sqlalchemy import select

from outreach.api.models import ApiToken
from outreach.audit.services import record_event
from outreach.auth.models import User
from outreach.extensions import db
from outreach.models import utcnow

log = logging.getLogger(__name__)

TOKEN_BYTES = 32
TOKEN_PREFIX = "otr_"
PREFIX_LENGTH = 12
MAX_NAME = 80
# Writing last_used_at on every call would turn each read into a write; a minute is precise enough.
LAST_USED_STEP = timedelta(minutes=1)


class TokenError(ValueError):
    """A token cannot be created as asked; the message says why."""


def digest(token: str) -> str:
    """The SHA-256 hex digest under which a token is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(user: User, name: str = "", actor: User | None = None) -> tuple[ApiToken, str]:
    """Give the user a new token; returns the row and the secret, which is never stored."""
    name = (name or "").strip() or "API"
    if len(name) > MAX_NAME:
        raise TokenError(f"name: at most {MAX_NAME} characters")
    secret = TOKEN_PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken(user=user, name=name, prefix=secret[:PREFIX_LENGTH], token_hash=digest(secret))
    db.session.add(token)
    db.session.flush()
    record_event(actor or user, "api_token.create", token, {"name": name, "user": user.id})
    log.info("api token %s created for user %s", token.id, user.id)
    return token, secret


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked ones too, for the record)."""
    query = select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    return list(db.session.scalars(query))


def revoke_token(token: ApiToken, actor: User | None = None) -> bool:
    """Revoke the token at once; False when it was already revoked."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    record_event(actor or token.user, "api_token.revoke", token, {"name": token.name, "user": token.user_id})
    log.info("api token %s revoked", token.id)
    return True


def user_for_token(secret: str) -> User | None:
    """The active user of a live token (None for unknown, revoked or deactivated), noting its use."""
    if not secret or len(secret) > 128:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_STEP:
        token.last_used_at = now
    return token.user
