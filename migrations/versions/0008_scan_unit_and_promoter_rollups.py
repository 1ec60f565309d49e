"""per-unit and per-promoter daily scan rollups

Revision ID: 0008
Revises: 0007
"""

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
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

    op.create_table(
        "scan_promoter_daily",
        sa.Column("promoter_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("human_scans", sa.Integer(), nullable=False),
        sa.Column("unique_visitors", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["promoter_id"], ["promoter.id"], name=op.f("fk_scan_promoter_daily_promoter_id_promoter")
        ),
        sa.PrimaryKeyConstraint("promoter_id", "day", name=op.f("pk_scan_promoter_daily")),
    )
    with op.batch_alter_table("scan_promoter_daily", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_scan_promoter_daily_day"), ["day"], unique=False)


def downgrade():
    with op.batch_alter_table("scan_promoter_daily", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scan_promoter_daily_day"))

    op.drop_table("scan_promoter_daily")
    with op.batch_alter_table("scan_unit_daily", schema=None) as batch_op:
        batch_op.drop_index("ix_scan_unit_daily_day_area_id")

    op.drop_table("scan_unit_daily")
