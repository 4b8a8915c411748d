"""case records: the date of the incident

Revision ID: f19c0000000a
Revises: f19b00000009
Create Date: 2026-12-07 22:00:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f19c0000000a'
down_revision = 'f19b00000009'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('case_records', schema=None) as batch_op:
        batch_op.add_column(sa.Column('incident_on', sa.Date(), nullable=True))


def downgrade():
    with op.batch_alter_table('case_records', schema=None) as batch_op:
        batch_op.drop_column('incident_on')
