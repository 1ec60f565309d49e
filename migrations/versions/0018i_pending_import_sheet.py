"""the workbook sheet a pending import came from

So a problem found when the upload is confirmed names the sheet, as the preview did.

Revision ID: 0018i_pending_import_sheet
Revises: 0017s_scan_journal_marks
"""

import sqlalchemy as sa
from alembic import op

revision = "0018i_pending_import_sheet"
down_revision = "0017s_scan_journal_marks"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pending_import") as batch:
        batch.add_column(sa.Column("sheet", sa.String(length=31), nullable=True))


def downgrade():
    with op.batch_alter_table("pending_import") as batch:
        batch.drop_column("sheet")
