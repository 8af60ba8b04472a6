"""Reminders and their deliveries: what should reach whom, when, and what became of it.

A `Reminder` is a wish ("every weekday at 20:00, Europe/Oslo"); a `Delivery` is one concrete
occurrence for one person. The unique constraint on (reminder, occurrence, recipient) and the
unique `dedupe_key` are the guarantee against sending twice, whatever the number of workers.
Automatic nudges (a step due tomorrow, a group session tomorrow, days without activity, inbox
notices) have no reminder row:
their `dedupe_key` says what they are about.
"""

import enum
from datetime import date, datetime, time

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, utcnow


class ReminderKind(enum.StrEnum):
    COUNSELLOR = "counsellor"  # made by a counsellor for a group or chosen participants
    OWN = "own"  # a participant's own nudge


class DeliveryKind(enum.StrEnum):
    REMINDER = "reminder"  # from a Reminder row (counsellor or own)
    STEP_DUE = "step_due"  # automatic: a step due tomorrow
    SESSION = "session"  # automatic: a group session tomorrow
    INACTIVE = "inactive"  # automatic: N days without activity
    INBOX = "inbox"  # a notice from the inbox (reply, reaction, strength word, link request)
    SNOOZE = "snooze"  # the same nudge again, an hour later


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"  # waiting for its time, or leased by a worker right now
    SENT = "sent"  # at least one device took it (201)
    NO_DEVICE = "no_device"  # nobody to push to: it is in the inbox, nothing more to do
    FAILED = "failed"  # the push service refused it, or retries ran out
    DROPPED = "dropped"  # hours late (after an outage): recorded, never sent in a burst
    COALESCED = "coalesced"  # an inbox notice folded into a push sent on its thread just before


class Reminder(Base):
    """A schedule in the owner's wall-clock time: DTSTART (date + time) in TZID, plus an optional
    RFC 5545 RRULE (without DTSTART; e.g. "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR")."""

    __tablename__ = "reminders"
    __table_args__ = (Index("ix_reminders_due", "paused_at", "next_run_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20), default=ReminderKind.COUNSELLOR)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # The whole group (its participants at the time of each occurrence), or the chosen recipients.
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    step_id: Mapped[int | None] = mapped_column(
        ForeignKey("steps.id", ondelete="CASCADE"), index=True
    )
    template: Mapped[str | None] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(String(140), default="")
    start_date: Mapped[date]
    start_time: Mapped[time]
    tzid: Mapped[str] = mapped_column(String(64), default="Europe/Oslo")
    rrule: Mapped[str] = mapped_column(String(200), default="")  # "" = one-off
    paused_at: Mapped[datetime | None]
    # Occurrences before this instant have their delivery rows; the next one is next_run_at.
    scheduled_until: Mapped[datetime] = mapped_column(default=utcnow)
    next_run_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by = relationship("User")
    group = relationship("Group")
    step = relationship("Step")
    recipients: Mapped[list["ReminderRecipient"]] = relationship(
        back_populates="reminder", cascade="all, delete-orphan", passive_deletes=True
    )


class ReminderRecipient(Base):
    __tablename__ = "reminder_recipients"
    __table_args__ = (UniqueConstraint("reminder_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reminder_id: Mapped[int] = mapped_column(ForeignKey("reminders.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)

    reminder: Mapped[Reminder] = relationship(back_populates="recipients")
    user = relationship("User")


class Delivery(Base):
    """One nudge for one person at one instant. A worker takes it by writing its lease token and
    lease end; a lease that runs out (the worker died) lets another worker take it again."""

    __tablename__ = "deliveries"
    __table_args__ = (
        UniqueConstraint("reminder_id", "occurrence_at", "user_id"),
        UniqueConstraint("dedupe_key"),
        Index("ix_deliveries_due", "status", "due_at"),
        Index("ix_deliveries_user_thread", "user_id", "thread", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(20))
    reminder_id: Mapped[int | None] = mapped_column(
        ForeignKey("reminders.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    occurrence_at: Mapped[datetime]  # when it was meant for
    due_at: Mapped[datetime]  # when it may go: after quiet hours, or the next retry
    status: Mapped[str] = mapped_column(String(12), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    lease_token: Mapped[str | None] = mapped_column(String(32))
    lease_until: Mapped[datetime | None]
    # For inbox notices: the thread (coalescing) and the notice; for steps: the step.
    thread: Mapped[str] = mapped_column(String(40), default="")
    notification_id: Mapped[int | None] = mapped_column(
        ForeignKey("notifications.id", ondelete="SET NULL")
    )
    step_id: Mapped[int | None] = mapped_column(ForeignKey("steps.id", ondelete="CASCADE"))
    url: Mapped[str] = mapped_column(String(200), default="/")
    result: Mapped[str] = mapped_column(String(200), default="")  # why failed/dropped, briefly
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]

    reminder = relationship("Reminder")
    user = relationship("User")
    notification = relationship("Notification")


class NotificationSettings(Base):
    """A person's say over nudges. No row means the defaults below."""

    __tablename__ = "notification_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    quiet_start: Mapped[time] = mapped_column(default=time(21, 30))
    quiet_end: Mapped[time] = mapped_column(default=time(8, 0))
    session_nudges: Mapped[bool] = mapped_column(default=True)  # the day before a group session
    step_nudges: Mapped[bool] = mapped_column(default=True)  # a step due tomorrow
    inactive_nudges: Mapped[bool] = mapped_column(default=True)
    inactive_days: Mapped[int] = mapped_column(default=4)
    inbox_pushes: Mapped[bool] = mapped_column(default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


__all__ = [
    "Delivery",
    "DeliveryKind",
    "DeliveryStatus",
    "NotificationSettings",
    "Reminder",
    "ReminderKind",
    "ReminderRecipient",
]
