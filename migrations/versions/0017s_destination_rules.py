"""date-phased destinations of survey targets, and the destination each visit got

A survey target's links lead, between two WIB days, to a page of ours saying when the survey opens,
to our thank-you page after the deadline, or to another survey target or allowlisted address (next
year's survey, without reprinting). Each scan keeps the rule it followed (NULL: the target's own URL).

Revision ID: 0017s_destination_rules
Revises: 0017_drive_place_note
"""

import sqlalchemy as sa
from alembic import op

revision = "0017s_destination_rules"
down_revision = "0017_drive_place_note"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "destination_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("next_target_id", sa.Integer(), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["next_target_id"], ["survey_target.id"], name=op.f("fk_destination_rule_next_target_id_survey_target")
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["survey_target.id"],
            name=op.f("fk_destination_rule_target_id_survey_target"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destination_rule")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_destination_rule_target_id"), "destination_rule", ["target_id"], unique=False)
    with op.batch_alter_table("scan") as batch_op:
        batch_op.add_column(sa.Column("rule_id", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("scan") as batch_op:
        batch_op.drop_column("rule_id")
    op.drop_index(op.f("ix_destination_rule_target_id"), table_name="destination_rule")
    op.drop_table("destination_rule")
