"""how far each scan journal file is copied into the scan table

Scans are appended to a per-process journal file and copied into `scan` by a drainer; the mark moves
in the same transaction as the copied rows, so a replay after a crash neither loses nor doubles a visit.

Revision ID: 0017s_scan_journal_marks
Revises: 0017s_destination_rules
"""

import sqlalchemy as sa
from alembic import op

revision = "0017s_scan_journal_marks"
down_revision = "0017s_destination_rules"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "scan_journal_mark",
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("offset", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scan_journal_mark")),
    )


def downgrade():
    op.drop_table("scan_journal_mark")
