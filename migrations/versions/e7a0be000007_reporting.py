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
    pass


def downgrade():
    pass
