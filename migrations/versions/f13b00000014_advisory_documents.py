"""advisory group: documents shared with its participants or its States Parties'
representatives

Revision ID: f13b00000014
Revises: f18a00000011
Create Date: 2026-12-07 23:30:00.000000

"""
from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision = 'f13b00000014'
down_revision = 'f18a00000011'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('advisory_documents',
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('acl', sa.String(length=64), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('mime_type', sa.String(length=128), nullable=False),
    sa.Column('file_name', sa.String(length=255), nullable=False),
    sa.Column('shared_by_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['shared_by_id'], ['users.id'], name=op.f('fk_advisory_documents_shared_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_advisory_documents'))
    )
    with op.batch_alter_table('advisory_documents', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_advisory_documents_acl'), ['acl'], unique=False)


def downgrade():
    with op.batch_alter_table('advisory_documents', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_advisory_documents_acl'))

    op.drop_table('advisory_documents')
