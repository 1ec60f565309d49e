"""running totals in the per-level scan rollup

scan_level_daily gets running totals of human scans and unique visitors, with a row for every day of
a unit once it has scans, so the dashboard sums a window with two lookups per unit.

The rows are rebuilt by the next `flask --app wsgi links refresh-rollups` (cron does within
minutes): the mark is forgotten, so until then every scan is read live, which is exact but slow.

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    op.execute("DELETE FROM scan_level_daily")
    op.execute("DELETE FROM scan_rollup_mark")
    with op.batch_alter_table("scan_level_daily", schema=None) as batch_op:
        batch_op.add_column(sa.Column("total_human_scans", sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column("total_unique_visitors", sa.Integer(), nullable=False))
        batch_op.create_index(
            "ix_scan_level_daily_totals",
            ["level", "day", "unit_id", "parent_id", "audience", "total_human_scans", "total_unique_visitors"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("scan_level_daily", schema=None) as batch_op:
        batch_op.drop_index("ix_scan_level_daily_totals")
        batch_op.drop_column("total_unique_visitors")
        batch_op.drop_column("total_human_scans")
