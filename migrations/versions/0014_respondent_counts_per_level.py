"""respondent counts per dashboard level, unit and day

respondent_level_daily holds, per level (kota, kecamatan, kelurahan, opd), unit, audience and WIB day,
the respondent counts the dashboard sums for that unit, so it reads a level's rows without joining
every count to its area. It is filled here from the counts already stored and kept on every later
write.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "respondent_level_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_respondent_level_daily")),
    )
    with op.batch_alter_table("respondent_level_daily", schema=None) as batch_op:
        batch_op.create_index(
            "ix_respondent_level_daily_level_day",
            ["level", "audience", "day", "unit_id", "parent_id", "n"],
            unique=False,
        )
    from outreach.metrics.respondent_totals import rebuild_levels

    rebuild_levels(op.get_bind())


def downgrade():
    with op.batch_alter_table("respondent_level_daily", schema=None) as batch_op:
        batch_op.drop_index("ix_respondent_level_daily_level_day")
    op.drop_table("respondent_level_daily")
