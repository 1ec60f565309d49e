"""a drive's place gets a note on how to find it

Coordinators name the place and say how to find it (a landmark, the road in); latitude and
longitude stay optional for those who have them.

Revision ID: 0017_drive_place_note
Revises: 0016c_login_failures_per_client
"""

import sqlalchemy as sa
from alembic import op

revision = "0017_drive_place_note"
down_revision = "0016c_login_failures_per_client"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("drive") as batch_op:
        batch_op.add_column(sa.Column("place_note", sa.String(length=300), server_default="", nullable=False))


def downgrade():
    with op.batch_alter_table("drive") as batch_op:
        batch_op.drop_column("place_note")
