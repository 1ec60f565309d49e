"""scan_hourly's nights: one row per link and night, so the night signals read only the nights they count

The integrity page sums each link's nights with at least three night scans over the look-back period.
Read from the index of every hour, that was every row of hours 0 to 4 of 14 days (about 220,000 index
entries at 10M scans on PostgreSQL) to keep 32,000. This partial index holds one row per link and night:
its last hour before 05:00 WIB (config.py's default end of the night), whose `day_scans` are the night's
scans when the night starts at midnight.

Revision ID: 0021n_scan_hourly_nights
Revises: 0020h_scan_hourly_by_link
"""

import sqlalchemy as sa
from alembic import op

revision = "0021n_scan_hourly_nights"
down_revision = "0020h_scan_hourly_by_link"
branch_labels = None
depends_on = None

# As outreach.metrics.models.NIGHTS_INDEXED when this was written (a migration does not import the app).
NIGHTS = "hour < 5 AND next_hour >= 5"


def upgrade():
    op.create_index(
        "ix_scan_hourly_nights",
        "scan_hourly",
        ["day", "day_scans", "link_id"],
        unique=False,
        postgresql_where=sa.text(NIGHTS),
        sqlite_where=sa.text(NIGHTS),
    )


def downgrade():
    op.drop_index("ix_scan_hourly_nights", table_name="scan_hourly")
