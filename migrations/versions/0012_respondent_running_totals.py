"""running totals of respondent counts per unit and day

respondent_total holds, per area or OPD, audience and WIB day, the running total of its respondent
counts, so the dashboard sums a window with two lookups per unit instead of reading every count. It
is filled here from the counts already stored and kept on every later write.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "respondent_total",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("opd_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=10), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("daily", sa.Integer(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.CheckConstraint("(area_id IS NULL) <> (opd_id IS NULL)", name=op.f("ck_respondent_total_one_unit")),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_respondent_total_area_id_area")),
        sa.ForeignKeyConstraint(["opd_id"], ["opd.id"], name=op.f("fk_respondent_total_opd_id_opd")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_respondent_total")),
    )
    with op.batch_alter_table("respondent_total", schema=None) as batch_op:
        batch_op.create_index(
            "ix_respondent_total_day", ["day", "area_id", "opd_id", "audience", "total"], unique=False
        )
        batch_op.create_index(
            "uq_respondent_total_area_id",
            ["area_id", "audience", "day"],
            unique=True,
            postgresql_where=sa.text("area_id IS NOT NULL"),
            sqlite_where=sa.text("area_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_respondent_total_opd_id",
            ["opd_id", "audience", "day"],
            unique=True,
            postgresql_where=sa.text("opd_id IS NOT NULL"),
            sqlite_where=sa.text("opd_id IS NOT NULL"),
        )
    from outreach.metrics.respondent_totals import rebuild_totals

    rebuild_totals(op.get_bind())


def downgrade():
    with op.batch_alter_table("respondent_total", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_respondent_total_opd_id",
            postgresql_where=sa.text("opd_id IS NOT NULL"),
            sqlite_where=sa.text("opd_id IS NOT NULL"),
        )
        batch_op.drop_index(
            "uq_respondent_total_area_id",
            postgresql_where=sa.text("area_id IS NOT NULL"),
            sqlite_where=sa.text("area_id IS NOT NULL"),
        )
        batch_op.drop_index("ix_respondent_total_day")
    op.drop_table("respondent_total")
