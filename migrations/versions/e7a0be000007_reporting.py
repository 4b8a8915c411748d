"""reporting: initial and annual reports

Revision ID: e7a0be000007
Revises: c5d1ef000005
Create Date: 2026-11-25 22:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'e7a0be000007'
down_revision = 'c5d1ef000005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reports',
    sa.Column('delegation_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('annual', 'initial', name='report_kind', native_enum=False), nullable=False),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint("(kind = 'initial' AND year IS NULL) OR (kind = 'annual' AND year IS NOT NULL)", name=op.f('ck_reports_year_for_annual_only')),
    sa.ForeignKeyConstraint(['delegation_id'], ['delegations.id'], name=op.f('fk_reports_delegation_id_delegations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports')),
    sa.UniqueConstraint('delegation_id', 'kind', 'year', name=op.f('uq_reports_delegation_id'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_delegation_id'), ['delegation_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_reports_year'), ['year'], unique=False)
        batch_op.create_index('uq_reports_initial_delegation_id', ['delegation_id'], unique=True, sqlite_where=sa.text("kind = 'initial'"), postgresql_where=sa.text("kind = 'initial'"))

    op.create_table('report_versions',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('draft', 'submitted', name='version_status', native_enum=False), nullable=False),
    sa.Column('content', sa.JSON(), nullable=False),
    sa.Column('source', sa.Enum('online', 'file', name='report_source', native_enum=False), nullable=False),
    sa.Column('source_name', sa.String(length=255), nullable=False),
    sa.Column('is_public', sa.Boolean(), nullable=False),
    sa.Column('acl', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('submitted_at', sa.DateTime(), nullable=True),
    sa.Column('submitted_by_id', sa.Integer(), nullable=True),
    sa.Column('receipt', sa.String(length=40), nullable=True),
    sa.Column('digest', sa.String(length=64), nullable=True),
    sa.Column('acknowledged_at', sa.DateTime(), nullable=True),
    sa.Column('acknowledged_by_id', sa.Integer(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['acknowledged_by_id'], ['users.id'], name=op.f('fk_report_versions_acknowledged_by_id_users')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_report_versions_created_by_id_users')),
    sa.ForeignKeyConstraint(['report_id'], ['reports.id'], name=op.f('fk_report_versions_report_id_reports')),
    sa.ForeignKeyConstraint(['submitted_by_id'], ['users.id'], name=op.f('fk_report_versions_submitted_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_report_versions')),
    sa.UniqueConstraint('receipt', name=op.f('uq_report_versions_receipt')),
    sa.UniqueConstraint('report_id', 'number', name=op.f('uq_report_versions_report_id'))
    )
    with op.batch_alter_table('report_versions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_report_versions_acl'), ['acl'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_versions_report_id'), ['report_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_versions_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_report_versions_submitted_at'), ['submitted_at'], unique=False)
        batch_op.create_index('uq_report_versions_draft_report_id', ['report_id'], unique=True, sqlite_where=sa.text("status = 'draft'"), postgresql_where=sa.text("status = 'draft'"))
        batch_op.create_index('ix_report_versions_submitted_summary', ['status', 'report_id', 'submitted_at', 'number'], unique=False)

    op.create_table('reporting_officers',
    sa.Column('delegation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('designated_by_id', sa.Integer(), nullable=False),
    sa.Column('designated_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['delegation_id'], ['delegations.id'], name=op.f('fk_reporting_officers_delegation_id_delegations')),
    sa.ForeignKeyConstraint(['designated_by_id'], ['users.id'], name=op.f('fk_reporting_officers_designated_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reporting_officers_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reporting_officers')),
    sa.UniqueConstraint('user_id', name=op.f('uq_reporting_officers_user_id'))
    )
    with op.batch_alter_table('reporting_officers', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reporting_officers_delegation_id'), ['delegation_id'], unique=False)


def downgrade():
    with op.batch_alter_table('reporting_officers', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reporting_officers_delegation_id'))

    op.drop_table('reporting_officers')
    with op.batch_alter_table('report_versions', schema=None) as batch_op:
        batch_op.drop_index('ix_report_versions_submitted_summary')
        batch_op.drop_index('uq_report_versions_draft_report_id', sqlite_where=sa.text("status = 'draft'"), postgresql_where=sa.text("status = 'draft'"))
        batch_op.drop_index(batch_op.f('ix_report_versions_submitted_at'))
        batch_op.drop_index(batch_op.f('ix_report_versions_status'))
        batch_op.drop_index(batch_op.f('ix_report_versions_report_id'))
        batch_op.drop_index(batch_op.f('ix_report_versions_acl'))

    op.drop_table('report_versions')
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index('uq_reports_initial_delegation_id', sqlite_where=sa.text("kind = 'initial'"), postgresql_where=sa.text("kind = 'initial'"))
        batch_op.drop_index(batch_op.f('ix_reports_year'))
        batch_op.drop_index(batch_op.f('ix_reports_delegation_id'))

    op.drop_table('reports')
