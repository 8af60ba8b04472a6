"""Live group sessions (the Øygarden method): a programme of meetings, dilemmas with exactly
three solutions, written responses, strength-word rounds, and who came.

A dilemma belongs to its author and their group; it waits until a counsellor puts it on the
screen in a live session. An anonymous dilemma or response keeps `author_id` only so that its
author can see, edit and delete it: nothing built from these rows may show it to anyone else.

`GroupSession.version` grows by one with every change anyone can see in the live view; it is
the live view's ETag, so a phone polling an unchanged session gets a 304 after one small query.
`current_dilemma_id` and `current_round_id` are plain integers, not foreign keys: the two tables
point at each other, and the services clear them when what they name goes away.
"""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, utcnow


class SessionStatus(enum.StrEnum):
    PLANNED = "planned"
    LIVE = "live"
    ENDED = "ended"


class ResponseKind(enum.StrEnum):
    THOUGHT = "thought"
    QUESTION = "question"
    CHOICE = "choice"  # which of the three solutions I would choose, and why


class GroupSession(Base):
    """One meeting of a group. Texts left empty fall back to the programme template's text
    (`template_key`), shown in the reader's language."""

    __tablename__ = "group_sessions"
    __table_args__ = (Index("ix_group_sessions_group_starts", "group_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(default=1)  # 1-based place in the programme
    template_key: Mapped[str] = mapped_column(String(40), default="")  # "oygarden:3" | ""
    starts_at: Mapped[datetime]
    duration_minutes: Mapped[int] = mapped_column(default=150)
    theme: Mapped[str] = mapped_column(String(120), default="")
    agenda: Mapped[str] = mapped_column(Text, default="")
    bring: Mapped[str] = mapped_column(String(300), default="")  # "what to bring"
    guide: Mapped[str] = mapped_column(Text, default="")  # for the counsellors only
    status: Mapped[str] = mapped_column(String(10), default=SessionStatus.PLANNED)
    started_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]
    join_code: Mapped[str | None] = mapped_column(String(12), unique=True)  # only while live
    current_dilemma_id: Mapped[int | None]
    responses_revealed: Mapped[bool] = mapped_column(default=False)  # on the big screen
    current_round_id: Mapped[int | None]
    timer_ends_at: Mapped[datetime | None]  # the silence timer
    timer_seconds: Mapped[int] = mapped_column(default=0)
    version: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    group = relationship("Group")


class Attendance(Base):
    __tablename__ = "attendances"
    __table_args__ = (UniqueConstraint("session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("group_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)


class Dilemma(Base):
    """A problem from the author's own life plus exactly three possible solutions."""

    __tablename__ = "dilemmas"
    __table_args__ = (
        UniqueConstraint("author_id", "client_id"),
        CheckConstraint(
            "solution_1 <> '' AND solution_2 <> '' AND solution_3 <> ''",
            name="three_solutions",
        ),
        CheckConstraint(
            "chosen_solution IS NULL OR chosen_solution BETWEEN 1 AND 3", name="chosen_range"
        ),
        Index("ix_dilemmas_group_waiting", "group_id", "shown_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    # Set when a counsellor puts it on the screen; until then it waits for a session.
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("group_sessions.id", ondelete="SET NULL"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(36))
    anonymous: Mapped[bool] = mapped_column(default=True)
    problem: Mapped[str] = mapped_column(Text)
    solution_1: Mapped[str] = mapped_column(String(300))
    solution_2: Mapped[str] = mapped_column(String(300))
    solution_3: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    shown_at: Mapped[datetime | None]
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str] = mapped_column(String(200), default="")
    # The author's active choice after the session, and the goal it became.
    chosen_solution: Mapped[int | None]
    chosen_at: Mapped[datetime | None]
    goal_id: Mapped[int | None] = mapped_column(ForeignKey("goals.id", ondelete="SET NULL"))

    responses: Mapped[list["DilemmaResponse"]] = relationship(
        back_populates="dilemma",
        order_by="DilemmaResponse.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    def solutions(self) -> list[str]:
        return [self.solution_1, self.solution_2, self.solution_3]


class DilemmaResponse(Base):
    """A written thought, question or choice on a dilemma, from a phone in the room."""

    __tablename__ = "dilemma_responses"
    __table_args__ = (
        UniqueConstraint("author_id", "client_id"),
        CheckConstraint("choice IS NULL OR choice BETWEEN 1 AND 3", name="choice_range"),
        CheckConstraint("choice IS NOT NULL OR text <> ''", name="has_content"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dilemma_id: Mapped[int] = mapped_column(
        ForeignKey("dilemmas.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(36))
    anonymous: Mapped[bool] = mapped_column(default=True)
    kind: Mapped[str] = mapped_column(String(10), default=ResponseKind.THOUGHT)
    choice: Mapped[int | None]
    text: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str] = mapped_column(String(200), default="")

    dilemma: Mapped[Dilemma] = relationship(back_populates="responses")


class StrengthRound(Base):
    """One person tells a success story; the others each give them a strength word."""

    __tablename__ = "strength_rounds"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        ForeignKey("group_sessions.id", ondelete="CASCADE"), index=True
    )
    subject_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    subject = relationship("User")
