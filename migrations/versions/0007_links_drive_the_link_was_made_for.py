"""links: drive the link was made for

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-26 07:11:30.946332

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0007'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('drive_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_link_drive_id'), ['drive_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_link_drive_id_drive'), 'drive', ['drive_id'], ['id'], ondelete='SET NULL')


def downgrade():
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_link_drive_id_drive'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_link_drive_id'))
        batch_op.drop_column('drive_id')
