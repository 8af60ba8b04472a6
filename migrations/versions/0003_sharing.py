"""sharing by choice: shares, reactions, replies, strength words, reports, views, mentor links, notifications

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 18:24:06.473301
"""

from alembic import op
import sqlalchemy as sa


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('mentor_links',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('mentor_id', sa.Integer(), nullable=False),
    sa.Column('proposed_by_id', sa.Integer(), nullable=True),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('ended_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['mentor_id'], ['users.id'], name=op.f('fk_mentor_links_mentor_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['participant_id'], ['users.id'], name=op.f('fk_mentor_links_participant_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposed_by_id'], ['users.id'], name=op.f('fk_mentor_links_proposed_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mentor_links'))
    )
    with op.batch_alter_table('mentor_links', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mentor_links_mentor_id'), ['mentor_id'], unique=False)
        batch_op.create_index('ix_mentor_links_pair', ['participant_id', 'mentor_id'], unique=False)
        batch_op.create_index('uq_mentor_links_open_pair', ['participant_id', 'mentor_id'], unique=True, postgresql_where=sa.text("status IN ('pending', 'accepted')"), sqlite_where=sa.text("status IN ('pending', 'accepted')"))

    op.create_table('shares',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=10), nullable=False),
    sa.Column('goal_id', sa.Integer(), nullable=True),
    sa.Column('step_id', sa.Integer(), nullable=True),
    sa.Column('entry_id', sa.Integer(), nullable=True),
    sa.Column('group_id', sa.Integer(), nullable=True),
    sa.Column('mentor_id', sa.Integer(), nullable=True),
    sa.Column('item_key', sa.String(length=30), nullable=False),
    sa.Column('audience_key', sa.String(length=30), nullable=False),
    sa.Column('include_voice', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('shared_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_reason', sa.String(length=200), nullable=False),
    sa.CheckConstraint('(CASE WHEN goal_id IS NULL THEN 0 ELSE 1 END + CASE WHEN step_id IS NULL THEN 0 ELSE 1 END + CASE WHEN entry_id IS NULL THEN 0 ELSE 1 END) = 1', name=op.f('ck_shares_one_item')),
    sa.CheckConstraint('(group_id IS NULL) <> (mentor_id IS NULL)', name=op.f('ck_shares_one_audience')),
    sa.ForeignKeyConstraint(['entry_id'], ['entries.id'], name=op.f('fk_shares_entry_id_entries'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['goal_id'], ['goals.id'], name=op.f('fk_shares_goal_id_goals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['group_id'], ['groups.id'], name=op.f('fk_shares_group_id_groups'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_shares_hidden_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['mentor_id'], ['users.id'], name=op.f('fk_shares_mentor_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_shares_owner_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['step_id'], ['steps.id'], name=op.f('fk_shares_step_id_steps'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_shares')),
    sa.UniqueConstraint('item_key', 'audience_key', name=op.f('uq_shares_item_key'))
    )
    with op.batch_alter_table('shares', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_shares_entry_id'), ['entry_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_shares_goal_id'), ['goal_id'], unique=False)
        batch_op.create_index('ix_shares_group_newest', ['group_id', 'shared_at'], unique=False)
        batch_op.create_index('ix_shares_mentor_newest', ['mentor_id', 'shared_at'], unique=False)
        batch_op.create_index('ix_shares_owner', ['owner_id', 'shared_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_shares_step_id'), ['step_id'], unique=False)

    op.create_table('notifications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=20), nullable=False),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('share_id', sa.Integer(), nullable=True),
    sa.Column('link_id', sa.Integer(), nullable=True),
    sa.Column('thread', sa.String(length=40), nullable=False),
    sa.Column('url', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('read_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('pushed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_notifications_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['link_id'], ['mentor_links.id'], name=op.f('fk_notifications_link_id_mentor_links'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['share_id'], ['shares.id'], name=op.f('fk_notifications_share_id_shares'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_notifications_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_notifications'))
    )
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.create_index('ix_notifications_inbox', ['user_id', 'read_at', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_link_id'), ['link_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_notifications_share_id'), ['share_id'], unique=False)

    op.create_table('replies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('share_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_reason', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_replies_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_replies_hidden_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['share_id'], ['shares.id'], name=op.f('fk_replies_share_id_shares'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replies'))
    )
    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.create_index('ix_replies_share', ['share_id', 'created_at'], unique=False)

    op.create_table('share_reactions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('share_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('reaction', sa.String(length=10), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['share_id'], ['shares.id'], name=op.f('fk_share_reactions_share_id_shares'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_share_reactions_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_reactions')),
    sa.UniqueConstraint('share_id', 'user_id', 'reaction', name=op.f('uq_share_reactions_share_id'))
    )
    with op.batch_alter_table('share_reactions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_reactions_share_id'), ['share_id'], unique=False)

    op.create_table('share_views',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('share_id', sa.Integer(), nullable=False),
    sa.Column('owner_id', sa.Integer(), nullable=False),
    sa.Column('viewer_id', sa.Integer(), nullable=True),
    sa.Column('viewer_role', sa.String(length=20), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['owner_id'], ['users.id'], name=op.f('fk_share_views_owner_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['share_id'], ['shares.id'], name=op.f('fk_share_views_share_id_shares'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['viewer_id'], ['users.id'], name=op.f('fk_share_views_viewer_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_share_views'))
    )
    with op.batch_alter_table('share_views', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_share_views_owner_id'), ['owner_id'], unique=False)
        batch_op.create_index('ix_share_views_share', ['share_id', 'viewer_id'], unique=False)

    op.create_table('strength_words',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('recipient_id', sa.Integer(), nullable=False),
    sa.Column('giver_id', sa.Integer(), nullable=True),
    sa.Column('share_id', sa.Integer(), nullable=True),
    sa.Column('preset', sa.String(length=30), nullable=True),
    sa.Column('text', sa.String(length=60), nullable=False),
    sa.Column('show_name', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('hidden_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('hidden_by_id', sa.Integer(), nullable=True),
    sa.Column('hidden_reason', sa.String(length=200), nullable=False),
    sa.CheckConstraint("preset IS NOT NULL OR text <> ''", name=op.f('ck_strength_words_has_word')),
    sa.ForeignKeyConstraint(['giver_id'], ['users.id'], name=op.f('fk_strength_words_giver_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['hidden_by_id'], ['users.id'], name=op.f('fk_strength_words_hidden_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['recipient_id'], ['users.id'], name=op.f('fk_strength_words_recipient_id_users'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['share_id'], ['shares.id'], name=op.f('fk_strength_words_share_id_shares'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_strength_words'))
    )
    with op.batch_alter_table('strength_words', schema=None) as batch_op:
        batch_op.create_index('ix_strength_words_recipient', ['recipient_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_strength_words_share_id'), ['share_id'], unique=False)

    op.create_table('reports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('share_id', sa.Integer(), nullable=False),
    sa.Column('reply_id', sa.Integer(), nullable=True),
    sa.Column('reporter_id', sa.Integer(), nullable=True),
    sa.Column('reason', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['reply_id'], ['replies.id'], name=op.f('fk_reports_reply_id_replies'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['reporter_id'], ['users.id'], name=op.f('fk_reports_reporter_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['share_id'], ['shares.id'], name=op.f('fk_reports_share_id_shares'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_reports'))
    )
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_reports_share_id'), ['share_id'], unique=False)



def downgrade():
    with op.batch_alter_table('reports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_reports_share_id'))

    op.drop_table('reports')
    with op.batch_alter_table('strength_words', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_strength_words_share_id'))
        batch_op.drop_index('ix_strength_words_recipient')

    op.drop_table('strength_words')
    with op.batch_alter_table('share_views', schema=None) as batch_op:
        batch_op.drop_index('ix_share_views_share')
        batch_op.drop_index(batch_op.f('ix_share_views_owner_id'))

    op.drop_table('share_views')
    with op.batch_alter_table('share_reactions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_share_reactions_share_id'))

    op.drop_table('share_reactions')
    with op.batch_alter_table('replies', schema=None) as batch_op:
        batch_op.drop_index('ix_replies_share')

    op.drop_table('replies')
    with op.batch_alter_table('notifications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_notifications_share_id'))
        batch_op.drop_index(batch_op.f('ix_notifications_link_id'))
        batch_op.drop_index('ix_notifications_inbox')

    op.drop_table('notifications')
    with op.batch_alter_table('shares', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_shares_step_id'))
        batch_op.drop_index('ix_shares_owner')
        batch_op.drop_index('ix_shares_mentor_newest')
        batch_op.drop_index('ix_shares_group_newest')
        batch_op.drop_index(batch_op.f('ix_shares_goal_id'))
        batch_op.drop_index(batch_op.f('ix_shares_entry_id'))

    op.drop_table('shares')
    with op.batch_alter_table('mentor_links', schema=None) as batch_op:
        batch_op.drop_index('uq_mentor_links_open_pair', postgresql_where=sa.text("status IN ('pending', 'accepted')"), sqlite_where=sa.text("status IN ('pending', 'accepted')"))
        batch_op.drop_index('ix_mentor_links_pair')
        batch_op.drop_index(batch_op.f('ix_mentor_links_mentor_id'))

    op.drop_table('mentor_links')
