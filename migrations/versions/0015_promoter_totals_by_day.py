"""covering index of the promoter running totals by day

The promoter ranking reads every promoter's running totals on two days. The index on the day alone
made SQLite look each of those rows up in the table; one that also holds the promoter and the totals
answers from the index, and replaces it (its first column is the day).

Revision ID: 0015
Revises: 0014
"""

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("scan_promoter_daily", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scan_promoter_daily_day_totals",
            ["day", "promoter_id", "total_human_scans", "total_unique_visitors"],
            unique=False,
        )
        batch_op.drop_index("ix_scan_promoter_daily_day")


def downgrade():
    with op.batch_alter_table("scan_promoter_daily", schema=None) as batch_op:
        batch_op.create_index("ix_scan_promoter_daily_day", ["day"], unique=False)
        batch_op.drop_index("ix_scan_promoter_daily_day_totals")
