"""participation: survey rounds, targets, baselines and respondent counts per area or OPD

Revision ID: 0005
Revises: 0002
Create Date: 2026-11-26 06:09:30.944751

"""
from alembic import op
import sqlalchemy as sa

revision = '0005'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('survey_round',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=False),
    sa.Column('deadline', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('starts_on <= deadline', name=op.f('ck_survey_round_period')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_survey_round')),
    sa.UniqueConstraint('year', name=op.f('uq_survey_round_year'))
    )
    op.create_table('participation_baseline',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('opd_id', sa.Integer(), nullable=True),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.Column('respondents', sa.Integer(), nullable=False),
    sa.Column('population', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(area_id IS NULL) <> (opd_id IS NULL)', name=op.f('ck_participation_baseline_one_unit')),
    sa.CheckConstraint('population IS NULL OR population > 0', name=op.f('ck_participation_baseline_population')),
    sa.CheckConstraint('respondents >= 0', name=op.f('ck_participation_baseline_respondents')),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_participation_baseline_area_id_area')),
    sa.ForeignKeyConstraint(['opd_id'], ['opd.id'], name=op.f('fk_participation_baseline_opd_id_opd')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_participation_baseline_round_id_survey_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participation_baseline'))
    )
    with op.batch_alter_table('participation_baseline', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participation_baseline_round_id'), ['round_id'], unique=False)
        batch_op.create_index('uq_participation_baseline_area_id', ['area_id', 'round_id', 'audience'], unique=True, postgresql_where=sa.text('area_id IS NOT NULL'), sqlite_where=sa.text('area_id IS NOT NULL'))
        batch_op.create_index('uq_participation_baseline_opd_id', ['opd_id', 'round_id', 'audience'], unique=True, postgresql_where=sa.text('opd_id IS NOT NULL'), sqlite_where=sa.text('opd_id IS NOT NULL'))

    op.create_table('participation_target',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('round_id', sa.Integer(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('opd_id', sa.Integer(), nullable=True),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.Column('target', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(area_id IS NULL) <> (opd_id IS NULL)', name=op.f('ck_participation_target_one_unit')),
    sa.CheckConstraint('target > 0', name=op.f('ck_participation_target_positive')),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_participation_target_area_id_area')),
    sa.ForeignKeyConstraint(['opd_id'], ['opd.id'], name=op.f('fk_participation_target_opd_id_opd')),
    sa.ForeignKeyConstraint(['round_id'], ['survey_round.id'], name=op.f('fk_participation_target_round_id_survey_round')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participation_target'))
    )
    with op.batch_alter_table('participation_target', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participation_target_round_id'), ['round_id'], unique=False)
        batch_op.create_index('uq_participation_target_area_id', ['area_id', 'round_id', 'audience'], unique=True, postgresql_where=sa.text('area_id IS NOT NULL'), sqlite_where=sa.text('area_id IS NOT NULL'))
        batch_op.create_index('uq_participation_target_opd_id', ['opd_id', 'round_id', 'audience'], unique=True, postgresql_where=sa.text('opd_id IS NOT NULL'), sqlite_where=sa.text('opd_id IS NOT NULL'))

    op.create_table('respondent_count',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day', sa.Date(), nullable=False),
    sa.Column('area_id', sa.Integer(), nullable=True),
    sa.Column('opd_id', sa.Integer(), nullable=True),
    sa.Column('audience', sa.String(length=10), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('reported', sa.Integer(), nullable=False),
    sa.Column('daily', sa.Integer(), nullable=False),
    sa.Column('source', sa.String(length=60), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(area_id IS NULL) <> (opd_id IS NULL)', name=op.f('ck_respondent_count_one_unit')),
    sa.CheckConstraint('reported >= 0', name=op.f('ck_respondent_count_reported')),
    sa.ForeignKeyConstraint(['area_id'], ['area.id'], name=op.f('fk_respondent_count_area_id_area')),
    sa.ForeignKeyConstraint(['opd_id'], ['opd.id'], name=op.f('fk_respondent_count_opd_id_opd')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_respondent_count'))
    )
    with op.batch_alter_table('respondent_count', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_respondent_count_day'), ['day'], unique=False)
        batch_op.create_index('uq_respondent_count_area_id', ['area_id', 'day', 'audience', 'source'], unique=True, postgresql_where=sa.text('area_id IS NOT NULL'), sqlite_where=sa.text('area_id IS NOT NULL'))
        batch_op.create_index('uq_respondent_count_opd_id', ['opd_id', 'day', 'audience', 'source'], unique=True, postgresql_where=sa.text('opd_id IS NOT NULL'), sqlite_where=sa.text('opd_id IS NOT NULL'))



def downgrade():
    op.drop_table('respondent_count')
    op.drop_table('participation_target')
    op.drop_table('participation_baseline')
    op.drop_table('survey_round')
