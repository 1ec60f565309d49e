"""Stored moments come back as the same moments in UTC, whatever the database server's own time zone."""

from datetime import UTC, datetime

from sqlalchemy import create_engine, select

from outreach.promoters.models import Promoter
from tests.factories import PromoterFactory

MOMENT = datetime(2026, 11, 26, 16, 59, 59, 123456, tzinfo=UTC)  # 23:59:59 WIB


def test_a_moment_reads_back_in_utc_from_a_server_in_another_zone(db):
    PromoterFactory(created_at=MOMENT)
    db.session.commit()
    # A PostgreSQL server set to WIB answers in WIB unless the session asks for UTC (psycopg returns the
    # session's zone, and the column type passes PostgreSQL's moments on as they come).
    postgres = db.engine.dialect.name == "postgresql"
    engine = create_engine(db.engine.url, connect_args={"options": "-c TimeZone=Asia/Jakarta"} if postgres else {})
    try:
        with engine.connect() as conn:
            found = conn.execute(select(Promoter.created_at)).scalar_one()
            if postgres:
                assert conn.exec_driver_sql("SHOW TimeZone").scalar() == "UTC"
    finally:
        engine.dispose()
    assert found == MOMENT
    assert found.tzinfo is UTC
    assert found.isoformat() == "2026-11-26T16:59:59.123456+00:00"
