"""live group sessions: programme, attendance, dilemmas, responses, strength rounds

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23 22:00:25.664738
"""

from alembic import op
import sqlalchemy as sa


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "group_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("template_key", sa.String(length=40), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("duration_minutes", sa.Integer(), nullable=False),
        sa.Column("theme", sa.String(length=120), nullable=False),
        sa.Column("agenda", sa.Text(), nullable=False),
        sa.Column("bring", sa.String(length=300), nullable=False),
        sa.Column("guide", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("join_code", sa.String(length=12), nullable=True),
        sa.Column("current_dilemma_id", sa.Integer(), nullable=True),
        sa.Column("responses_revealed", sa.Boolean(), nullable=False),
        sa.Column("current_round_id", sa.Integer(), nullable=True),
        sa.Column("timer_ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("timer_seconds", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_group_sessions_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_group_sessions")),
        sa.UniqueConstraint("join_code", name=op.f("uq_group_sessions_join_code")),
    )
    with op.batch_alter_table("group_sessions", schema=None) as batch_op:
        batch_op.create_index(
            "ix_group_sessions_group_starts", ["group_id", "starts_at"], unique=False
        )

    op.create_table(
        "attendances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("joined_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["group_sessions.id"],
            name=op.f("fk_attendances_session_id_group_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_attendances_user_id_users"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendances")),
        sa.UniqueConstraint("session_id", "user_id", name=op.f("uq_attendances_session_id")),
    )
    with op.batch_alter_table("attendances", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attendances_user_id"), ["user_id"], unique=False)

    op.create_table(
        "dilemmas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("problem", sa.Text(), nullable=False),
        sa.Column("solution_1", sa.String(length=300), nullable=False),
        sa.Column("solution_2", sa.String(length=300), nullable=False),
        sa.Column("solution_3", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("shown_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.Column("hidden_reason", sa.String(length=200), nullable=False),
        sa.Column("chosen_solution", sa.Integer(), nullable=True),
        sa.Column("chosen_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("goal_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "solution_1 <> '' AND solution_2 <> '' AND solution_3 <> ''",
            name=op.f("ck_dilemmas_three_solutions"),
        ),
        sa.CheckConstraint(
            "chosen_solution IS NULL OR chosen_solution BETWEEN 1 AND 3",
            name=op.f("ck_dilemmas_chosen_range"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_dilemmas_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["goal_id"], ["goals.id"], name=op.f("fk_dilemmas_goal_id_goals"), ondelete="SET NULL"
        ),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_dilemmas_group_id_groups"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hidden_by_id"],
            ["users.id"],
            name=op.f("fk_dilemmas_hidden_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["group_sessions.id"],
            name=op.f("fk_dilemmas_session_id_group_sessions"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dilemmas")),
        sa.UniqueConstraint("author_id", "client_id", name=op.f("uq_dilemmas_author_id")),
    )
    with op.batch_alter_table("dilemmas", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dilemmas_author_id"), ["author_id"], unique=False)
        batch_op.create_index("ix_dilemmas_group_waiting", ["group_id", "shown_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_dilemmas_session_id"), ["session_id"], unique=False)

    op.create_table(
        "strength_rounds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("subject_id", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["group_sessions.id"],
            name=op.f("fk_strength_rounds_session_id_group_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["subject_id"],
            ["users.id"],
            name=op.f("fk_strength_rounds_subject_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_strength_rounds")),
    )
    with op.batch_alter_table("strength_rounds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_strength_rounds_session_id"), ["session_id"], unique=False
        )

    op.create_table(
        "dilemma_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("dilemma_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("client_id", sa.String(length=36), nullable=False),
        sa.Column("anonymous", sa.Boolean(), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=True),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("hidden_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("hidden_by_id", sa.Integer(), nullable=True),
        sa.Column("hidden_reason", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "choice IS NOT NULL OR text <> ''", name=op.f("ck_dilemma_responses_has_content")
        ),
        sa.CheckConstraint(
            "choice IS NULL OR choice BETWEEN 1 AND 3",
            name=op.f("ck_dilemma_responses_choice_range"),
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["users.id"],
            name=op.f("fk_dilemma_responses_author_id_users"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["dilemma_id"],
            ["dilemmas.id"],
            name=op.f("fk_dilemma_responses_dilemma_id_dilemmas"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hidden_by_id"],
            ["users.id"],
            name=op.f("fk_dilemma_responses_hidden_by_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dilemma_responses")),
        sa.UniqueConstraint("author_id", "client_id", name=op.f("uq_dilemma_responses_author_id")),
    )
    with op.batch_alter_table("dilemma_responses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dilemma_responses_author_id"), ["author_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_dilemma_responses_dilemma_id"), ["dilemma_id"], unique=False
        )

    with op.batch_alter_table("push_subscriptions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("login_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_push_subscriptions_login_id"), ["login_id"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_push_subscriptions_login_id_login_sessions"),
            "login_sessions",
            ["login_id"],
            ["id"],
            ondelete="CASCADE",
        )

    with op.batch_alter_table("strength_words", schema=None) as batch_op:
        batch_op.add_column(sa.Column("round_id", sa.Integer(), nullable=True))
        batch_op.create_unique_constraint(
            batch_op.f("uq_strength_words_round_id"), ["round_id", "giver_id"]
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_strength_words_round_id_strength_rounds"),
            "strength_rounds",
            ["round_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tour_seen_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("tour_seen_at")

    with op.batch_alter_table("strength_words", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_strength_words_round_id_strength_rounds"), type_="foreignkey"
        )
        batch_op.drop_constraint(batch_op.f("uq_strength_words_round_id"), type_="unique")
        batch_op.drop_column("round_id")

    with op.batch_alter_table("push_subscriptions", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_push_subscriptions_login_id_login_sessions"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_push_subscriptions_login_id"))
        batch_op.drop_column("login_id")

    with op.batch_alter_table("dilemma_responses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dilemma_responses_dilemma_id"))
        batch_op.drop_index(batch_op.f("ix_dilemma_responses_author_id"))

    op.drop_table("dilemma_responses")
    with op.batch_alter_table("strength_rounds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_strength_rounds_session_id"))

    op.drop_table("strength_rounds")
    with op.batch_alter_table("dilemmas", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dilemmas_session_id"))
        batch_op.drop_index("ix_dilemmas_group_waiting")
        batch_op.drop_index(batch_op.f("ix_dilemmas_author_id"))

    op.drop_table("dilemmas")
    with op.batch_alter_table("attendances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendances_user_id"))

    op.drop_table("attendances")
    with op.batch_alter_table("group_sessions", schema=None) as batch_op:
        batch_op.drop_index("ix_group_sessions_group_starts")

    op.drop_table("group_sessions")
