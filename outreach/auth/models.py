"""Staff and promoter logins."""

from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from outreach.extensions import db
from outreach.models import TimestampMixin, UTCDateTime
from outreach.promoters.models import Promoter

ADMIN, COORDINATOR, LEADERSHIP, PROMOTER = "admin", "coordinator", "leadership", "promoter"
ROLES = (ADMIN, COORDINATOR, LEADERSHIP, PROMOTER)
STAFF_ROLES = (ADMIN, COORDINATOR, LEADERSHIP)
EDITOR_ROLES = (ADMIN, COORDINATOR)


class User(UserMixin, TimestampMixin, db.Model):
    """A login; a promoter login is tied to its Promoter record."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(12))
    active: Mapped[bool] = mapped_column(default=True)
    promoter_id: Mapped[int | None] = mapped_column(ForeignKey("promoter.id"), unique=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())

    promoter: Mapped[Promoter | None] = relationship()

    def __repr__(self) -> str:
        return f"<User {self.email} {self.role}>"

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
