"""privacy: notice acknowledgements, guardian consent, exports, retention rules, purge records; users.last_active_at (and birth_year, checked at sign-up, no longer kept)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-24 00:33:48.073059
"""

from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('purge_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('day_key', sa.String(length=10), nullable=True),
    sa.Column('trigger', sa.String(length=10), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('counts', sa.Text(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_purge_runs')),
    sa.UniqueConstraint('day_key', name=op.f('uq_purge_runs_day_key'))
    )
    op.create_table('data_exports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.String(length=10), nullable=False),
    sa.Column('progress', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=64), nullable=True),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_data_exports_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_exports')),
    sa.UniqueConstraint('file_name', name=op.f('uq_data_exports_file_name'))
    )
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_data_exports_user_id'), ['user_id'], unique=False)

    op.create_table('guardian_consents',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('guardian_name', sa.String(length=120), nullable=False),
    sa.Column('given_on', sa.Date(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_guardian_consents_recorded_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_guardian_consents_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guardian_consents')),
    sa.UniqueConstraint('user_id', name=op.f('uq_guardian_consents_user_id'))
    )
    op.create_table('privacy_acknowledgements',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_privacy_acknowledgements_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_privacy_acknowledgements')),
    sa.UniqueConstraint('user_id', 'version', name=op.f('uq_privacy_acknowledgements_user_id'))
    )
    op.create_table('retention_policies',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office_id', sa.Integer(), nullable=False),
    sa.Column('inactive_months', sa.Integer(), nullable=False),
    sa.Column('warn_days', sa.Integer(), nullable=False),
    sa.Column('board_days', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['office_id'], ['offices.id'], name=op.f('fk_retention_policies_office_id_offices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['updated_by_id'], ['users.id'], name=op.f('fk_retention_policies_updated_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_retention_policies')),
    sa.UniqueConstraint('office_id', name=op.f('uq_retention_policies_office_id'))
    )
    # Plain ALTER TABLE, not a batch: on SQLite a batch copies `users` and drops the old table,
    # and with foreign keys on, dropping it would cascade into every table that refers to it.
    op.add_column('users', sa.Column('last_active_at', sa.DateTime(timezone=True), nullable=True))
    op.add_column('users', sa.Column('inactivity_warned_at', sa.DateTime(timezone=True), nullable=True))
    op.drop_column('users', 'birth_year')
    # Until now activity lived only on the devices: start from their newest use.
    op.execute(
        "UPDATE users SET last_active_at = (SELECT max(last_seen_at) FROM login_sessions"
        " WHERE login_sessions.user_id = users.id)"
    )



def downgrade():
    op.add_column('users', sa.Column('birth_year', sa.INTEGER(), nullable=True))
    op.drop_column('users', 'inactivity_warned_at')
    op.drop_column('users', 'last_active_at')

    op.drop_table('retention_policies')
    op.drop_table('privacy_acknowledgements')
    op.drop_table('guardian_consents')
    with op.batch_alter_table('data_exports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_data_exports_user_id'))

    op.drop_table('data_exports')
    op.drop_table('purge_runs')
