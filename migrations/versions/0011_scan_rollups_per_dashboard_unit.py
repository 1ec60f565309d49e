"""scan rollups per dashboard unit, promoter running totals, covering indexes

scan_level_daily (city, kecamatan, kelurahan, OPD) replaces scan_unit_daily (per link area); the
per-promoter rollup gets running totals; covering indexes for summing respondent counts and for the
live tail's repeat-visitor check (per link and visitor hash).

After upgrading, run `flask --app wsgi links refresh-rollups` (cron does within minutes): until then
every scan is read live, which is exact but slow.

Revision ID: 0011
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade():
    op.drop_table("scan_unit_daily")
    op.create_table(
        "scan_level_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=10), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("parent_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=12), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("human_scans", sa.Integer(), nullable=False),
        sa.Column("unique_visitors", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_level_daily")),
    )
    with op.batch_alter_table("scan_level_daily", schema=None) as batch_op:
        batch_op.create_index(
            "ix_scan_level_daily_level_day",
            ["level", "audience", "day", "unit_id", "parent_id", "human_scans", "unique_visitors"],
            unique=False,
        )
    with op.batch_alter_table("scan", schema=None) as batch_op:
        batch_op.drop_index("ix_scan_link_id_created_at")
        batch_op.create_index(
            "ix_scan_link_id_visitor_hash", ["link_id", "visitor_hash", "created_at", "is_bot"], unique=False
        )
    # Running totals per promoter: rebuilt by the next refresh (the mark is forgotten below).
    op.execute("DELETE FROM scan_promoter_daily")
    with op.batch_alter_table("scan_promoter_daily", schema=None) as batch_op:
        batch_op.add_column(sa.Column("total_human_scans", sa.Integer(), nullable=False))
        batch_op.add_column(sa.Column("total_unique_visitors", sa.Integer(), nullable=False))
        batch_op.create_index(
            "ix_scan_promoter_daily_totals",
            ["promoter_id", "day", "total_human_scans", "total_unique_visitors"],
            unique=False,
        )
    with op.batch_alter_table("respondent_count", schema=None) as batch_op:
        batch_op.create_index(
            "ix_respondent_count_audience_day", ["audience", "day", "area_id", "opd_id", "daily"], unique=False
        )
    # The new table starts empty: forget the mark, so every scan is read live until the next
    # `flask links refresh-rollups`, which then rebuilds all rollups (figures stay exact meanwhile).
    op.execute("DELETE FROM scan_rollup_mark")


def downgrade():
    with op.batch_alter_table("respondent_count", schema=None) as batch_op:
        batch_op.drop_index("ix_respondent_count_audience_day")
    with op.batch_alter_table("scan_promoter_daily", schema=None) as batch_op:
        batch_op.drop_index("ix_scan_promoter_daily_totals")
        batch_op.drop_column("total_unique_visitors")
        batch_op.drop_column("total_human_scans")
    with op.batch_alter_table("scan", schema=None) as batch_op:
        batch_op.drop_index("ix_scan_link_id_visitor_hash")
        batch_op.create_index("ix_scan_link_id_created_at", ["link_id", "created_at"], unique=False)
    with op.batch_alter_table("scan_level_daily", schema=None) as batch_op:
        batch_op.drop_index("ix_scan_level_daily_level_day")
    op.drop_table("scan_level_daily")
    op.create_table(
        "scan_unit_daily",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("opd_id", sa.Integer(), nullable=True),
        sa.Column("audience", sa.String(length=12), nullable=False),
        sa.Column("human_scans", sa.Integer(), nullable=False),
        sa.Column("unique_visitors", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_scan_unit_daily_area_id_area")),
        sa.ForeignKeyConstraint(["opd_id"], ["opd.id"], name=op.f("fk_scan_unit_daily_opd_id_opd")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scan_unit_daily")),
    )
    with op.batch_alter_table("scan_unit_daily", schema=None) as batch_op:
        batch_op.create_index("ix_scan_unit_daily_day_area_id", ["day", "area_id"], unique=False)
    op.execute("DELETE FROM scan_rollup_mark")
