"""channels: diversion information exchange channels (DIEF)

Revision ID: c5d1ef000005
Revises: 7ed07e11a884
Create Date: 2026-11-25 22:45:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c5d1ef000005'
down_revision = '7ed07e11a884'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
