"""forum: drafts of replies; notifications: the reason column widened, for a reply that also
mentions the person ("reply_mention")

Revision ID: f20a00000012
Revises: f13b00000014
Create Date: 2026-12-07 23:05:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f20a00000012'
down_revision = 'f13b00000014'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('post_drafts',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('thread_id', sa.Integer(), nullable=False),
    sa.Column('body_source', sa.Text(), nullable=False),
    sa.Column('quoted_post_id', sa.Integer(), nullable=True),
    sa.Column('question_id', sa.Integer(), nullable=True),
    sa.Column('saved_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['question_id'], ['guiding_questions.id'], name=op.f('fk_post_drafts_question_id_guiding_questions'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['quoted_post_id'], ['posts.id'], name=op.f('fk_post_drafts_quoted_post_id_posts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['thread_id'], ['threads.id'], name=op.f('fk_post_drafts_thread_id_threads')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_post_drafts_user_id_users')),
    sa.PrimaryKeyConstraint('user_id', 'thread_id', name=op.f('pk_post_drafts'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column(
            'reason',
            existing_type=sa.String(length=20),
            type_=sa.String(length=32),
            existing_nullable=False,
        )


def downgrade():
    # A notice of a reply that also mentioned the person becomes a notice of the reply.
    op.execute("UPDATE notifications SET reason = 'reply' WHERE reason = 'reply_mention'")
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.alter_column(
            'reason',
            existing_type=sa.String(length=32),
            type_=sa.String(length=20),
            existing_nullable=False,
        )
    op.drop_table('post_drafts')
