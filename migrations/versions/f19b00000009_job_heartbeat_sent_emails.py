"""job heartbeat, sent emails

Revision ID: f19b00000009
Revises: f19a00000008
Create Date: 2026-12-07 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f19b00000009'
down_revision = 'f19a00000008'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('heartbeat_at', sa.DateTime(), nullable=True))
    # Jobs running during the upgrade count from their start, as they did before.
    op.execute("UPDATE jobs SET heartbeat_at = started_at WHERE status = 'running'")

    op.create_table('sent_emails',
    sa.Column('message_id', sa.String(length=255), nullable=False),
    sa.Column('sent_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('message_id', name=op.f('pk_sent_emails'))
    )


def downgrade():
    op.drop_table('sent_emails')
    with op.batch_alter_table('jobs', schema=None) as batch_op:
        batch_op.drop_column('heartbeat_at')
