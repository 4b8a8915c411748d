"""notifications: the reason column widened, for a reply that also mentions the person
("reply_mention")

Revision ID: f20a00000012
Revises: f12e0000000c
Create Date: 2026-12-07 23:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f20a00000012'
down_revision = 'f12e0000000c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column(
            'reason',
            existing_type=sa.String(length=12),
            type_=sa.String(length=32),
            existing_nullable=False,
        )


def downgrade():
    # A combined notice becomes a reply, the shorter of its two causes' names.
    op.execute("UPDATE notifications SET reason = 'reply' WHERE reason = 'reply_mention'")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column(
            'reason',
            existing_type=sa.String(length=32),
            type_=sa.String(length=12),
            existing_nullable=False,
        )
