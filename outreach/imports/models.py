"""An uploaded CSV waiting for the user to confirm its import."""

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from outreach.extensions import Model
from outreach.models import TimestampMixin


class PendingImport(TimestampMixin, Model):
    """The decoded text of an upload, stored so any app instance can confirm it (no server-local state)."""

    __tablename__ = "pending_import"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content: Mapped[str] = mapped_column(Text)
    # The workbook sheet the text was read from (Excel caps sheet names at 31 characters); None for a CSV.
    sheet: Mapped[str | None] = mapped_column(String(31))

    def __repr__(self) -> str:
        return f"<PendingImport {self.kind} {self.filename!r} by {self.user_id}>"
