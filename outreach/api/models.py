"""API tokens: a user's bearer credentials for the JSON API, stored only as a SHA-256 digest."""

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.auth.models import User
from outreach.extensions import Model
from outreach.models import TimestampMixin, UTCDateTime


class ApiToken(TimestampMixin, Model):
    """One named token of a user; `prefix` (the first characters) identifies it in lists."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    prefix: Mapped[str] = mapped_column(String(12))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<ApiToken {self.prefix} user={self.user_id}>"

    @property
    def active(self) -> bool:
        """True until the token is revoked."""
        return self.revoked_at is None
