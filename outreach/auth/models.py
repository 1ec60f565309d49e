"""Staff and promoter logins, their session version and one-time sign-in links."""

import hmac
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from outreach.extensions import Model
from outreach.models import TimestampMixin, UTCDateTime
from outreach.promoters.models import Promoter


class User(UserMixin, TimestampMixin, Model):
    """A login; a promoter login is tied to its Promoter record."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Promoters who sign in by phone (one-time links, phone and password) may have no email.
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(default=True)
    promoter_id: Mapped[int | None] = mapped_column(ForeignKey("promoter.id"), unique=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Part of every session and remember-me cookie (`get_id`); a new value ends them all at once.
    session_token: Mapped[str] = mapped_column(String(32), default=lambda: secrets.token_hex(16))

    promoter: Mapped[Promoter | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"

    def get_id(self) -> str:
        """What the session and the remember-me cookie carry: the id and the current session token."""
        if not self.session_token:
            self.new_session_token()
        return f"{self.id}.{self.session_token}"

    def has_session(self, token: str) -> bool:
        """True when a cookie's token is this user's current one (constant-time comparison)."""
        return bool(self.session_token) and hmac.compare_digest(self.session_token, token)

    def new_session_token(self) -> None:
        """End every session of this user, on every device: cookies with the old token stop working."""
        self.session_token = secrets.token_hex(16)

    @property
    def display_name(self) -> str:
        """How the user is named on staff pages: the email, or the promoter's name for phone logins."""
        if self.email:
            return self.email
        return self.promoter.name if self.promoter else f"#{self.id}"

    @property
    def is_active(self) -> bool:
        """Flask-Login refuses inactive accounts."""
        return self.active

    def set_password(self, password: str) -> None:
        """Store a salted hash of the password, never the password."""
        self.password_hash = generate_password_hash(password)

    def check_password(self, password: str) -> bool:
        """True when the password matches the stored hash."""
        return check_password_hash(self.password_hash, password)

    def is_locked(self, now: datetime) -> bool:
        """True while a lockout after repeated failed sign-ins is in force."""
        return self.locked_until is not None and self.locked_until > now

    def has_role(self, *roles: str) -> bool:
        """True when the user holds one of the roles."""
        return self.role in roles


class SignInLink(TimestampMixin, Model):
    """A one-time sign-in link sent to a user (mostly promoters, through WhatsApp); only its hash is kept."""

    __tablename__ = "sign_in_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def __repr__(self) -> str:
        return f"<SignInLink {self.id} user={self.user_id}>"

    def state(self, now: datetime) -> str:
        """'usable', 'used', 'revoked' or 'expired'."""
        if self.used_at is not None:
            return "used"
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "usable"
