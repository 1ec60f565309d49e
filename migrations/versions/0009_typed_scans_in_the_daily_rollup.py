"""typed scans in the daily rollup

Revision ID: 0009
Revises: 0010
Create Date: 2026-11-26 07:12:00

"""
import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade():
    # Existing rollup rows had no typed entries; the server default fills them, then goes.
    with op.batch_alter_table('scan_daily', schema=None) as batch_op:
        batch_op.add_column(sa.Column('typed_scans', sa.Integer(), nullable=False, server_default='0'))
    with op.batch_alter_table('scan_daily', schema=None) as batch_op:
        batch_op.alter_column('typed_scans', server_default=None)


def downgrade():
    with op.batch_alter_table('scan_daily', schema=None) as batch_op:
        batch_op.drop_column('typed_scans')
