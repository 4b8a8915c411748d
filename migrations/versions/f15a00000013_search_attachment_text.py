"""search: the text of forum and channel attachments, read for the search index

Revision ID: f15a00000013
Revises: f20a00000012
Create Date: 2026-12-07 23:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f15a00000013'
down_revision = 'f20a00000012'
branch_labels = None
depends_on = None

TABLES = ('post_attachments', 'channel_attachments')


def upgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            # Attachments already stored are read by `flask search read-attachments`.
            batch_op.add_column(
                sa.Column('text_status', sa.String(length=16), nullable=False, server_default='pending')
            )
            batch_op.add_column(sa.Column('text', sa.Text(), nullable=False, server_default=''))


def downgrade():
    for table in TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('text')
            batch_op.drop_column('text_status')
