"""Shared column types and mixins for every domain's models."""

from datetime import UTC, datetime

from sqlalchemy import DateTime, TypeDecorator
from sqlalchemy.orm import Mapped, mapped_column

from outreach.clock import now as utcnow


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware (SQLite forgets the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use a timezone-aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def result_processor(self, dialect, coltype):
        if dialect.name == "postgresql" and dialect.driver == "psycopg":
            # Its sessions are in UTC (outreach.extensions), so psycopg returns moments in UTC already:
            # no Python call per row (the integrity page reads a live tail of a thousand scans).
            return None
        return super().result_processor(dialect, coltype)


class TimestampMixin:
    """Adds a UTC `created_at` column."""

    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, nullable=False)
