"""reporting: reminder dates, reminders sent, delegations that turned reminders off

Revision ID: f18a00000011
Revises: f14a0000000f
Create Date: 2026-12-07 23:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f18a00000011'
down_revision = 'f14a0000000f'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('reminder_dates',
    sa.Column('month', sa.Integer(), nullable=False),
    sa.Column('day', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_reminder_dates_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_dates')),
    sa.UniqueConstraint('month', 'day', name=op.f('uq_reminder_dates_month'))
    )
    op.create_table('reminders_sent',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('delegation_id', sa.Integer(), nullable=False),
    sa.Column('sent_on', sa.Date(), nullable=False),
    sa.Column('reports', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['delegation_id'], ['delegations.id'], name=op.f('fk_reminders_sent_delegation_id_delegations')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_reminders_sent_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminders_sent')),
    sa.UniqueConstraint('user_id', 'sent_on', name=op.f('uq_reminders_sent_user_id'))
    )
    with op.batch_alter_table('reminders_sent', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reminders_sent_user_id'), ['user_id'], unique=False)

    op.create_table('reminder_opt_outs',
    sa.Column('delegation_id', sa.Integer(), nullable=False),
    sa.Column('by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.Column('id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['by_id'], ['users.id'], name=op.f('fk_reminder_opt_outs_by_id_users')),
    sa.ForeignKeyConstraint(['delegation_id'], ['delegations.id'], name=op.f('fk_reminder_opt_outs_delegation_id_delegations')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reminder_opt_outs')),
    sa.UniqueConstraint('delegation_id', name=op.f('uq_reminder_opt_outs_delegation_id'))
    )


def downgrade():
    op.drop_table('reminder_opt_outs')
    with op.batch_alter_table('reminders_sent', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reminders_sent_user_id'))

    op.drop_table('reminders_sent')
    op.drop_table('reminder_dates')
