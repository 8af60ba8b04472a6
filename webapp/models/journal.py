"""The private goals journal: goals, small steps, entries with mood, text and voice.

Every row carries its owner and the `client_id` the phone made for it, so that an outbox sent
twice stores one object (unique per owner), and so that the phone can refer to things it made
offline before it knows their server ids.
"""

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, utcnow


class Theme(enum.StrEnum):
    WORK = "work"
    SCHOOL = "school"
    HEALTH = "health"
    HOUSING = "housing"
    SOCIAL = "social"
    DAILY = "daily"
    MONEY = "money"
    OTHER = "other"


class GoalStatus(enum.StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    DONE = "done"
    ARCHIVED = "archived"


class Goal(Base):
    __tablename__ = "goals"
    __table_args__ = (UniqueConstraint("owner_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    client_id: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(120))
    why: Mapped[str] = mapped_column(Text, default="")
    theme: Mapped[str] = mapped_column(String(20), default=Theme.OTHER)
    target_date: Mapped[date | None]
    status: Mapped[str] = mapped_column(String(20), default=GoalStatus.ACTIVE)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    completed_at: Mapped[datetime | None]

    steps: Mapped[list["Step"]] = relationship(
        back_populates="goal",
        order_by="Step.position",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class Step(Base):
    __tablename__ = "steps"
    __table_args__ = (UniqueConstraint("owner_id", "client_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    goal_id: Mapped[int] = mapped_column(ForeignKey("goals.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(36))
    title: Mapped[str] = mapped_column(String(120))
    day: Mapped[date | None]
    done_at: Mapped[datetime | None]
    position: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    goal: Mapped[Goal] = relationship(back_populates="steps")


class Entry(Base):
    __tablename__ = "entries"
    __table_args__ = (
        UniqueConstraint("owner_id", "client_id"),
        CheckConstraint("mood IS NULL OR (mood BETWEEN 1 AND 5)", name="mood_range"),
        # The journal is read newest first, per owner: one index serves the whole page.
        Index("ix_entries_owner_newest", "owner_id", "created_at", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    client_id: Mapped[str] = mapped_column(String(36))
    mood: Mapped[int | None]
    text: Mapped[str] = mapped_column(Text, default="")
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("goals.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    goal: Mapped[Goal | None] = relationship()
    voice: Mapped["VoiceNote | None"] = relationship(
        back_populates="entry", cascade="all, delete-orphan", passive_deletes=True
    )
    revisions: Mapped[list["EntryRevision"]] = relationship(
        back_populates="entry",
        order_by="EntryRevision.id.desc()",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )


class EntryRevision(Base):
    """A version that lost a conflict (or was replaced); the owner can bring it back."""

    __tablename__ = "entry_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), index=True)
    mood: Mapped[int | None]
    text: Mapped[str] = mapped_column(Text, default="")
    written_at: Mapped[datetime]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entry: Mapped[Entry] = relationship(back_populates="revisions")


class VoiceNote(Base):
    """An audio file kept outside the web root under a random name; only its owner hears it."""

    __tablename__ = "voice_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("entries.id", ondelete="CASCADE"), unique=True)
    file_name: Mapped[str] = mapped_column(String(64), unique=True)
    mime: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    duration_ms: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    entry: Mapped[Entry] = relationship(back_populates="voice")
