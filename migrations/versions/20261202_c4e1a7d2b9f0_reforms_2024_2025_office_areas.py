"""the reforms of 2024-12 and 2025-07: office areas as the middle level, chained crosswalk links,
dated office-area changes, agents' communes carried across a reform

Revision ID: c4e1a7d2b9f0
Revises: 93a704b05a48
Create Date: 2026-12-02 07:30:00
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel.sql.sqltypes


revision = 'c4e1a7d2b9f0'
down_revision = '93a704b05a48'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('hierarchy_version', schema=None) as batch_op:
        batch_op.add_column(sa.Column('middle_level', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False,
                                      server_default='district'))
    with op.batch_alter_table('crosswalk_link', schema=None) as batch_op:
        batch_op.add_column(sa.Column('hops', sa.Integer(), nullable=False, server_default='1'))
    op.create_table('office_area_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('effective_on', sa.Date(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('other_district_id', sa.Integer(), nullable=True),
    sa.Column('commune_id', sa.Integer(), nullable=True),
    sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('username', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['commune_id'], ['commune.id'], name=op.f('fk_office_area_change_commune_id_commune'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['district_id'], ['district.id'], name=op.f('fk_office_area_change_district_id_district'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['other_district_id'], ['district.id'], name=op.f('fk_office_area_change_other_district_id_district'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['version_id'], ['hierarchy_version.id'], name=op.f('fk_office_area_change_version_id_hierarchy_version'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_office_area_change'))
    )
    with op.batch_alter_table('office_area_change', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_office_area_change_version_id'), ['version_id'], unique=False)
    op.create_table('scope_carry_over',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('from_commune_id', sa.Integer(), nullable=False),
    sa.Column('to_commune_id', sa.Integer(), nullable=False),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
    sa.Column('decided_by', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('decided_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['from_commune_id'], ['commune.id'], name=op.f('fk_scope_carry_over_from_commune_id_commune'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['to_commune_id'], ['commune.id'], name=op.f('fk_scope_carry_over_to_commune_id_commune'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['app_user.id'], name=op.f('fk_scope_carry_over_user_id_app_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_scope_carry_over')),
    sa.UniqueConstraint('user_id', 'from_commune_id', 'to_commune_id', name=op.f('uq_scope_carry_over_user_id'))
    )
    with op.batch_alter_table('scope_carry_over', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_scope_carry_over_user_id'), ['user_id'], unique=False)


def downgrade():
    with op.batch_alter_table('scope_carry_over', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_scope_carry_over_user_id'))
    op.drop_table('scope_carry_over')
    with op.batch_alter_table('office_area_change', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_office_area_change_version_id'))
    op.drop_table('office_area_change')
    with op.batch_alter_table('crosswalk_link', schema=None) as batch_op:
        batch_op.drop_column('hops')
    with op.batch_alter_table('hierarchy_version', schema=None) as batch_op:
        batch_op.drop_column('middle_level')
