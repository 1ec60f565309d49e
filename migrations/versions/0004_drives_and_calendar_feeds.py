"""drives (with target areas, OPDs and promoters) and calendar feeds

Revision ID: 0004
Revises: 0001
Create Date: 2026-11-26 06:06:58.214807

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0004'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('calendar_feed',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_calendar_feed_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_feed')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_calendar_feed_token_hash')),
    sa.UniqueConstraint('user_id', name=op.f('uq_calendar_feed_user_id'))
    )
    op.create_table('drive',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=24), nullable=False),
    sa.Column('title', sa.String(length=160), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('place_name', sa.String(length=160), nullable=False),
    sa.Column('latitude', sa.Float(), nullable=True),
    sa.Column('longitude', sa.Float(), nullable=True),
    sa.Column('audience', sa.String(length=12), nullable=False),
    sa.Column('cost', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=12), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('attendance', sa.Integer(), nullable=True),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('attendance IS NULL OR attendance >= 0', name=op.f('ck_drive_attendance_not_negative')),
    sa.CheckConstraint('cost IS NULL OR cost >= 0', name=op.f('ck_drive_cost_not_negative')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_drive_ends_after_start')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_drive_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_drive'))
    )
    with op.batch_alter_table('drive', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drive_ends_at'), ['ends_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_drive_kind'), ['kind'], unique=False)
        batch_op.create_index(batch_op.f('ix_drive_starts_at'), ['starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_drive_status'), ['status'], unique=False)

    op.create_table('drive_area',
    sa.Column('drive_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_drive_area_area_id_area')),
    sa.ForeignKeyConstraint(['drive_id'], ['drive.id'], name=op.f('fk_drive_area_drive_id_drive'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('drive_id', 'area_id', name=op.f('pk_drive_area'))
    )
    with op.batch_alter_table('drive_area', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drive_area_area_id'), ['area_id'], unique=False)

    op.create_table('drive_opd',
    sa.Column('drive_id', sa.Integer(), nullable=False),
    sa.Column('opd_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['drive_id'], ['drive.id'], name=op.f('fk_drive_opd_drive_id_drive'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['opd_id'], ['opd.id'], name=op.f('fk_drive_opd_opd_id_opd')),
    sa.PrimaryKeyConstraint('drive_id', 'opd_id', name=op.f('pk_drive_opd'))
    )
    with op.batch_alter_table('drive_opd', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drive_opd_opd_id'), ['opd_id'], unique=False)

    op.create_table('drive_promoter',
    sa.Column('drive_id', sa.Integer(), nullable=False),
    sa.Column('promoter_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['drive_id'], ['drive.id'], name=op.f('fk_drive_promoter_drive_id_drive'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['promoter_id'], ['promoter.id'], name=op.f('fk_drive_promoter_promoter_id_promoter')),
    sa.PrimaryKeyConstraint('drive_id', 'promoter_id', name=op.f('pk_drive_promoter'))
    )
    with op.batch_alter_table('drive_promoter', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_drive_promoter_promoter_id'), ['promoter_id'], unique=False)



def downgrade():
    with op.batch_alter_table('drive_promoter', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drive_promoter_promoter_id'))

    op.drop_table('drive_promoter')
    with op.batch_alter_table('drive_opd', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drive_opd_opd_id'))

    op.drop_table('drive_opd')
    with op.batch_alter_table('drive_area', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drive_area_area_id'))

    op.drop_table('drive_area')
    with op.batch_alter_table('drive', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_drive_status'))
        batch_op.drop_index(batch_op.f('ix_drive_starts_at'))
        batch_op.drop_index(batch_op.f('ix_drive_kind'))
        batch_op.drop_index(batch_op.f('ix_drive_ends_at'))

    op.drop_table('drive')
    op.drop_table('calendar_feed')
