"""rollout plans: units, the weeks drawn for them from a seed, recorded changes; drives link back

Revision ID: 0019p_rollout_plans
Revises: 0018i_pending_import_sheet
"""

import sqlalchemy as sa
from alembic import op

import outreach.models

revision = "0019p_rollout_plans"
down_revision = "0018i_pending_import_sheet"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "rollout_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=160), nullable=False),
        sa.Column("level", sa.String(length=12), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("audience", sa.String(length=12), nullable=False),
        sa.Column("first_week", sa.Date(), nullable=False),
        sa.Column("weeks", sa.Integer(), nullable=False),
        sa.Column("per_week", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("accepted_at", outreach.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", outreach.models.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint("weeks >= 1", name=op.f("ck_rollout_plan_some_weeks")),
        sa.CheckConstraint("per_week >= 1", name=op.f("ck_rollout_plan_some_room")),
        sa.ForeignKeyConstraint(["created_by_id"], ["user_account.id"], name=op.f("fk_rollout_plan_created_by_id_user_account")),
        sa.ForeignKeyConstraint(["accepted_by_id"], ["user_account.id"], name=op.f("fk_rollout_plan_accepted_by_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollout_plan")),
    )
    op.create_table(
        "rollout_slot",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=True),
        sa.Column("opd_id", sa.Integer(), nullable=True),
        sa.Column("drawn_week", sa.Date(), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("blocked", sa.String(length=400), nullable=False),
        sa.CheckConstraint("(area_id IS NULL) <> (opd_id IS NULL)", name=op.f("ck_rollout_slot_one_unit")),
        sa.ForeignKeyConstraint(["plan_id"], ["rollout_plan.id"], name=op.f("fk_rollout_slot_plan_id_rollout_plan"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["area_id"], ["area.id"], name=op.f("fk_rollout_slot_area_id_area")),
        sa.ForeignKeyConstraint(["opd_id"], ["opd.id"], name=op.f("fk_rollout_slot_opd_id_opd")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollout_slot")),
        sa.UniqueConstraint("plan_id", "area_id", name="uq_rollout_slot_area"),
        sa.UniqueConstraint("plan_id", "opd_id", name="uq_rollout_slot_opd"),
    )
    op.create_index(op.f("ix_rollout_slot_plan_id"), "rollout_slot", ["plan_id"])
    op.create_index(op.f("ix_rollout_slot_area_id"), "rollout_slot", ["area_id"])
    op.create_index(op.f("ix_rollout_slot_opd_id"), "rollout_slot", ["opd_id"])
    op.create_table(
        "rollout_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("slot_id", sa.Integer(), nullable=False),
        sa.Column("from_week", sa.Date(), nullable=False),
        sa.Column("to_week", sa.Date(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("created_at", outreach.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["plan_id"], ["rollout_plan.id"], name=op.f("fk_rollout_change_plan_id_rollout_plan"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["slot_id"], ["rollout_slot.id"], name=op.f("fk_rollout_change_slot_id_rollout_slot"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["user_account.id"], name=op.f("fk_rollout_change_user_id_user_account")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rollout_change")),
    )
    op.create_index(op.f("ix_rollout_change_plan_id"), "rollout_change", ["plan_id"])
    op.create_index(op.f("ix_rollout_change_slot_id"), "rollout_change", ["slot_id"])
    with op.batch_alter_table("drive") as batch:
        batch.add_column(sa.Column("rollout_slot_id", sa.Integer(), nullable=True))
        batch.create_index(batch.f("ix_drive_rollout_slot_id"), ["rollout_slot_id"])
        batch.create_foreign_key(
            batch.f("fk_drive_rollout_slot_id_rollout_slot"), "rollout_slot", ["rollout_slot_id"], ["id"], ondelete="SET NULL"
        )


def downgrade():
    with op.batch_alter_table("drive") as batch:
        batch.drop_constraint(batch.f("fk_drive_rollout_slot_id_rollout_slot"), type_="foreignkey")
        batch.drop_index(batch.f("ix_drive_rollout_slot_id"))
        batch.drop_column("rollout_slot_id")
    op.drop_table("rollout_change")
    op.drop_table("rollout_slot")
    op.drop_table("rollout_plan")
