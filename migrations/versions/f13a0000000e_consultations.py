"""consultations: informal consultations, the advisory group, national reports to parliament

Revision ID: f13a0000000e
Revises: f12e0000000c
Create Date: 2026-12-07 22:32:26.631228

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f13a0000000e'
down_revision = 'f12e0000000c'
branch_labels = None
depends_on = None

def upgrade():

    op.create_table('advisory_members',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('expertise', sa.Text(), nullable=False),
    sa.Column('status', sa.Enum('applied', 'registered', 'refused', name='advisory_member_status', native_enum=False), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_advisory_members_decided_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_advisory_members_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advisory_members')),
    sa.UniqueConstraint('user_id', name=op.f('uq_advisory_members_user_id'))
    )
    with op.batch_alter_table('advisory_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advisory_members_status'), ['status'], unique=False)

    op.create_table('national_reports',
    sa.Column('delegation_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('period_start', sa.Date(), nullable=False),
    sa.Column('period_end', sa.Date(), nullable=False),
    sa.Column('contents', sa.JSON(), nullable=False),
    sa.Column('audience', sa.Enum('state_parties', 'stakeholders', 'public', name='national_report_audience', native_enum=False), nullable=False),
    sa.Column('acl', sa.String(length=64), nullable=False),
    sa.Column('shared_by_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('period_end >= period_start', name=op.f('ck_national_reports_period_in_order')),
    sa.ForeignKeyConstraint(['delegation_id'], ['delegations.id'], name=op.f('fk_national_reports_delegation_id_delegations')),
    sa.ForeignKeyConstraint(['shared_by_id'], ['users.id'], name=op.f('fk_national_reports_shared_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_national_reports'))
    )
    with op.batch_alter_table('national_reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_national_reports_acl'), ['acl'], unique=False)
        batch_op.create_index('ix_national_reports_delegation_year', ['delegation_id', 'year'], unique=False)
        batch_op.create_index(batch_op.f('ix_national_reports_year'), ['year'], unique=False)

    op.create_table('national_report_files',
    sa.Column('report_id', sa.Integer(), nullable=False),
    sa.Column('language', sa.String(length=8), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('mime_type', sa.String(length=128), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['report_id'], ['national_reports.id'], name=op.f('fk_national_report_files_report_id_national_reports'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_national_report_files')),
    sa.UniqueConstraint('report_id', 'language', name=op.f('uq_national_report_files_report_id'))
    )
    op.create_table('advisory_input_requests',
    sa.Column('cycle', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('deadline_at', sa.DateTime(), nullable=False),
    sa.Column('is_restricted', sa.Boolean(), nullable=False),
    sa.Column('acl', sa.String(length=64), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_advisory_input_requests_created_by_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_advisory_input_requests_document_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advisory_input_requests'))
    )
    with op.batch_alter_table('advisory_input_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advisory_input_requests_cycle'), ['cycle'], unique=False)

    op.create_table('consultations',
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('purpose', sa.Text(), nullable=False),
    sa.Column('origin', sa.Enum('convened', 'requested', name='consultation_origin', native_enum=False), nullable=False),
    sa.Column('status', sa.Enum('requested', 'agreed', 'declined', name='consultation_status', native_enum=False), nullable=False),
    sa.Column('organiser_id', sa.Integer(), nullable=False),
    sa.Column('working_group_id', sa.Integer(), nullable=True),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('is_open_to_others', sa.Boolean(), nullable=False),
    sa.Column('opens_at', sa.DateTime(), nullable=False),
    sa.Column('closes_at', sa.DateTime(), nullable=False),
    sa.Column('format', sa.Enum('online', 'in_person', name='consultation_format', native_enum=False), nullable=False),
    sa.Column('support', sa.Enum('none', 'logistics', 'substantive', name='consultation_support', native_enum=False), nullable=False),
    sa.Column('languages', sa.JSON(), nullable=False),
    sa.Column('acl', sa.String(length=64), nullable=False),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.Column('decided_at', sa.DateTime(), nullable=True),
    sa.Column('closed_early_at', sa.DateTime(), nullable=True),
    sa.Column('opening_announced_at', sa.DateTime(), nullable=True),
    sa.Column('closing_announced_at', sa.DateTime(), nullable=True),
    sa.Column('outcome_note', sa.Text(), nullable=False),
    sa.Column('outcome_published_at', sa.DateTime(), nullable=True),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.CheckConstraint('closes_at > opens_at', name=op.f('ck_consultations_closes_after_opening')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['users.id'], name=op.f('fk_consultations_decided_by_id_users')),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_consultations_document_id_documents')),
    sa.ForeignKeyConstraint(['organiser_id'], ['users.id'], name=op.f('fk_consultations_organiser_id_users')),
    sa.ForeignKeyConstraint(['working_group_id'], ['working_groups.id'], name=op.f('fk_consultations_working_group_id_working_groups')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultations'))
    )
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultations_acl'), ['acl'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultations_closes_at'), ['closes_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultations_status'), ['status'], unique=False)
        batch_op.create_index(batch_op.f('ix_consultations_working_group_id'), ['working_group_id'], unique=False)

    op.create_table('advisory_inputs',
    sa.Column('request_id', sa.Integer(), nullable=False),
    sa.Column('member_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('updated_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['member_id'], ['advisory_members.id'], name=op.f('fk_advisory_inputs_member_id_advisory_members')),
    sa.ForeignKeyConstraint(['request_id'], ['advisory_input_requests.id'], name=op.f('fk_advisory_inputs_request_id_advisory_input_requests'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advisory_inputs')),
    sa.UniqueConstraint('request_id', 'member_id', name=op.f('uq_advisory_inputs_request_id'))
    )
    op.create_table('consultation_delegations',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('delegation_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.Enum('requester', 'invited', 'joined', name='consultation_role', native_enum=False), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_consultation_delegations_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['delegation_id'], ['delegations.id'], name=op.f('fk_consultation_delegations_delegation_id_delegations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_delegations')),
    sa.UniqueConstraint('consultation_id', 'delegation_id', name=op.f('uq_consultation_delegations_consultation_id'))
    )
    with op.batch_alter_table('consultation_delegations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_delegations_delegation_id'), ['delegation_id'], unique=False)

    op.create_table('consultation_documents',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_consultation_documents_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_consultation_documents_document_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_documents')),
    sa.UniqueConstraint('consultation_id', 'document_id', name=op.f('uq_consultation_documents_consultation_id'))
    )
    op.create_table('consultation_participants',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('named_by_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_consultation_participants_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['named_by_id'], ['users.id'], name=op.f('fk_consultation_participants_named_by_id_users')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_consultation_participants_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_participants')),
    sa.UniqueConstraint('consultation_id', 'user_id', name=op.f('uq_consultation_participants_consultation_id'))
    )
    with op.batch_alter_table('consultation_participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_participants_user_id'), ['user_id'], unique=False)

    op.create_table('consultation_threads',
    sa.Column('consultation_id', sa.Integer(), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('document_id', sa.Integer(), nullable=True),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_consultation_threads_author_id_users')),
    sa.ForeignKeyConstraint(['consultation_id'], ['consultations.id'], name=op.f('fk_consultation_threads_consultation_id_consultations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['document_id'], ['documents.id'], name=op.f('fk_consultation_threads_document_id_documents')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_threads'))
    )
    with op.batch_alter_table('consultation_threads', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_threads_consultation_id'), ['consultation_id'], unique=False)

    op.create_table('consultation_posts',
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=False),
    sa.Column('delegation_id', sa.Integer(), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_consultation_posts_author_id_users')),
    sa.ForeignKeyConstraint(['delegation_id'], ['delegations.id'], name=op.f('fk_consultation_posts_delegation_id_delegations')),
    sa.ForeignKeyConstraint(['thread_id'], ['consultation_threads.id'], name=op.f('fk_consultation_posts_thread_id_consultation_threads'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_consultation_posts'))
    )
    with op.batch_alter_table('consultation_posts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_consultation_posts_thread_id'), ['thread_id'], unique=False)

    # The reasons of notifications grow longer than the column was made for ("saved_search").
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('reason', existing_type=sa.String(length=12),
                              type_=sa.String(length=20), existing_nullable=False)

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.add_column(sa.Column('consultation_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_meetings_consultation_id'), ['consultation_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_meetings_consultation_id_consultations'), 'consultations', ['consultation_id'], ['id'], ondelete='CASCADE')

def downgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column('reason', existing_type=sa.String(length=20),
                              type_=sa.String(length=12), existing_nullable=False)

    with op.batch_alter_table('meetings', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_meetings_consultation_id_consultations'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_meetings_consultation_id'))
        batch_op.drop_column('consultation_id')

    with op.batch_alter_table('consultation_posts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_posts_thread_id'))

    op.drop_table('consultation_posts')
    with op.batch_alter_table('consultation_threads', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_threads_consultation_id'))

    op.drop_table('consultation_threads')
    with op.batch_alter_table('consultation_participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_participants_user_id'))

    op.drop_table('consultation_participants')
    op.drop_table('consultation_documents')
    with op.batch_alter_table('consultation_delegations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultation_delegations_delegation_id'))

    op.drop_table('consultation_delegations')
    op.drop_table('advisory_inputs')
    with op.batch_alter_table('consultations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_consultations_working_group_id'))
        batch_op.drop_index(batch_op.f('ix_consultations_status'))
        batch_op.drop_index(batch_op.f('ix_consultations_closes_at'))
        batch_op.drop_index(batch_op.f('ix_consultations_acl'))

    op.drop_table('consultations')
    with op.batch_alter_table('advisory_input_requests', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_advisory_input_requests_cycle'))

    op.drop_table('advisory_input_requests')
    op.drop_table('national_report_files')
    with op.batch_alter_table('national_reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_national_reports_year'))
        batch_op.drop_index('ix_national_reports_delegation_year')
        batch_op.drop_index(batch_op.f('ix_national_reports_acl'))

    op.drop_table('national_reports')
    with op.batch_alter_table('advisory_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_advisory_members_status'))

    op.drop_table('advisory_members')

