"""home: when each person last looked at their home page

Revision ID: f14a0000000f
Revises: f14b00000010
Create Date: 2026-12-07 22:55:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f14a0000000f'
down_revision = 'f14b00000010'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('home_visits',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('seen_at', sa.DateTime(), nullable=False),
    sa.Column('previous_seen_at', sa.DateTime(), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_home_visits_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_home_visits'))
    )


def downgrade():
    op.drop_table('home_visits')
