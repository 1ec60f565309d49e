"""links: survey targets, tracked links, scans and the daily scan rollup

Revision ID: 0003
Revises: 0005
Create Date: 2026-11-26 06:09:13.288161

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0003'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('scan_rollup_mark',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('refreshed_until', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan_rollup_mark'))
    )
    op.create_table('survey_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('audience', sa.String(length=12), nullable=False),
    sa.Column('url', sa.String(length=500), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_target'))
    )
    op.create_table('link',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('promoter_id', sa.Integer(), nullable=True),
    sa.Column('area_id', sa.Integer(), nullable=False),
    sa.Column('opd_id', sa.Integer(), nullable=True),
    sa.Column('channel', sa.String(length=12), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_link_area_id_area')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_link_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['opd_id'], ['opd.id'], name=op.f('fk_link_opd_id_opd')),
    sa.ForeignKeyConstraint(['promoter_id'], ['promoter.id'], name=op.f('fk_link_promoter_id_promoter')),
    sa.ForeignKeyConstraint(['target_id'], ['survey_target.id'], name=op.f('fk_link_target_id_survey_target')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_link')),
    sa.UniqueConstraint('code', name=op.f('uq_link_code'))
    )
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_link_area_id'), ['area_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_opd_id'), ['opd_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_promoter_id'), ['promoter_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_link_target_id'), ['target_id'], unique=False)

    op.create_table('scan',
    sa.Column('id', sa.BigInteger().with_variant(sa.Integer(), 'sqlite'), nullable=False),
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('visitor_hash', sa.String(length=32), nullable=False),
    sa.Column('device_class', sa.String(length=8), nullable=False),
    sa.Column('is_bot', sa.Boolean(), nullable=False),
    sa.Column('source', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['link.id'], name=op.f('fk_scan_link_id_link')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scan'))
    )
    with op.batch_alter_table('scan', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scan_created_at'), ['created_at'], unique=False)
        batch_op.create_index('ix_scan_link_id_created_at', ['link_id', 'created_at'], unique=False)

    op.create_table('scan_daily',
    sa.Column('link_id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('scans', sa.Integer(), nullable=False),
    sa.Column('unique_visitors', sa.Integer(), nullable=False),
    sa.Column('bot_scans', sa.Integer(), nullable=False),
    sa.Column('qr_scans', sa.Integer(), nullable=False),
    sa.Column('direct_scans', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['link_id'], ['link.id'], name=op.f('fk_scan_daily_link_id_link')),
    sa.PrimaryKeyConstraint('link_id', 'day', name=op.f('pk_scan_daily'))
    )
    with op.batch_alter_table('scan_daily', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scan_daily_day'), ['day'], unique=False)



def downgrade():
    with op.batch_alter_table('scan_daily', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scan_daily_day'))

    op.drop_table('scan_daily')
    with op.batch_alter_table('scan', schema=None) as batch_op:
        batch_op.drop_index('ix_scan_link_id_created_at')
        batch_op.drop_index(batch_op.f('ix_scan_created_at'))

    op.drop_table('scan')
    with op.batch_alter_table('link', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_link_target_id'))
        batch_op.drop_index(batch_op.f('ix_link_promoter_id'))
        batch_op.drop_index(batch_op.f('ix_link_opd_id'))
        batch_op.drop_index(batch_op.f('ix_link_area_id'))

    op.drop_table('link')
    op.drop_table('survey_target')
    op.drop_table('scan_rollup_mark')
