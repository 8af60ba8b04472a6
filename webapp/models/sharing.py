"""Sharing by choice: one item, one audience, revocable; and what others send back on it.

Nothing here exists until the owner shares. A share names exactly one item (a goal, a step or a
journal entry) and exactly one audience (a group or a mentor). Replies, reactions and strength
words hang off a share, so revoking it takes them out of sight at once.
"""

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, utcnow


class ItemKind(enum.StrEnum):
    GOAL = "goal"
    STEP = "step"
    ENTRY = "entry"


class Reaction(enum.StrEnum):
    """A small fixed set: warm, never a score."""

    HEART = "heart"
    STRONG = "strong"
    CLAP = "clap"
    SMILE = "smile"
    HUG = "hug"


class Share(Base):
    __tablename__ = "shares"
    __table_args__ = (
        # One row per (item, audience): sharing again after a revoke brings the same row back,
        # and sharing twice is idempotent.
        UniqueConstraint("item_key", "audience_key"),
        CheckConstraint(
            "(CASE WHEN goal_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN step_id IS NULL THEN 0 ELSE 1 END"
            " + CASE WHEN entry_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_item",
        ),
        CheckConstraint(
            "(group_id IS NULL) <> (mentor_id IS NULL)",
            name="one_audience",
        ),
        Index("ix_shares_group_newest", "group_id", "shared_at"),
        Index("ix_shares_mentor_newest", "mentor_id", "shared_at"),
        Index("ix_shares_owner", "owner_id", "shared_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(10))
    goal_id: Mapped[int | None] = mapped_column(
        ForeignKey("goals.id", ondelete="CASCADE"), index=True
    )
    step_id: Mapped[int | None] = mapped_column(
        ForeignKey("steps.id", ondelete="CASCADE"), index=True
    )
    entry_id: Mapped[int | None] = mapped_column(
        ForeignKey("entries.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    mentor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    item_key: Mapped[str] = mapped_column(String(30))  # "entry:12"
    audience_key: Mapped[str] = mapped_column(String(30))  # "group:3" | "mentor:7"
    include_voice: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    shared_at: Mapped[datetime] = mapped_column(default=utcnow)  # last (re)share
    revoked_at: Mapped[datetime | None]
    # A counsellor of the group may hide an item that breaks the group's rules; the owner sees why.
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str] = mapped_column(String(200), default="")

    owner = relationship("User", foreign_keys=[owner_id])
    goal = relationship("Goal")
    step = relationship("Step")
    entry = relationship("Entry")
    group = relationship("Group")
    mentor = relationship("User", foreign_keys=[mentor_id])


class ShareReaction(Base):
    __tablename__ = "share_reactions"
    __table_args__ = (UniqueConstraint("share_id", "user_id", "reaction"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reaction: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user = relationship("User")


class Reply(Base):
    """A short reply on a shared item: in the group feed, or in the thread with a mentor."""

    __tablename__ = "replies"
    __table_args__ = (Index("ix_replies_share", "share_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"))
    # A deleted account leaves its replies on others' items as "deleted user".
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str] = mapped_column(String(200), default="")

    author = relationship("User", foreign_keys=[author_id])


class StrengthWord(Base):
    """A word given to a person: from the preset list (stored as a key, shown translated) or
    written by the giver. Collected for the person as a CV-ready list."""

    __tablename__ = "strength_words"
    __table_args__ = (
        CheckConstraint("preset IS NOT NULL OR text <> ''", name="has_word"),
        Index("ix_strength_words_recipient", "recipient_id", "created_at"),
        # One word per giver in a session's strength-word round (giving again replaces it).
        UniqueConstraint("round_id", "giver_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    recipient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    giver_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    share_id: Mapped[int | None] = mapped_column(
        ForeignKey("shares.id", ondelete="SET NULL"), index=True
    )
    round_id: Mapped[int | None] = mapped_column(
        ForeignKey("strength_rounds.id", ondelete="SET NULL")
    )
    preset: Mapped[str | None] = mapped_column(String(30))
    text: Mapped[str] = mapped_column(String(60), default="")
    show_name: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    hidden_at: Mapped[datetime | None]
    hidden_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    hidden_reason: Mapped[str] = mapped_column(String(200), default="")

    giver = relationship("User", foreign_keys=[giver_id])


class Report(Base):
    """A member's note to the group's counsellors that something breaks the group's rules."""

    __tablename__ = "reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"), index=True)
    reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id", ondelete="CASCADE"))
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]


class ShareView(Base):
    """Who opened someone else's shared item, and when: never what it said.

    Recorded for every opening by a mentor or counsellor (the access log the owner can read);
    also what makes a mentor's inbox show unread items first.
    """

    __tablename__ = "share_views"
    __table_args__ = (Index("ix_share_views_share", "share_id", "viewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    share_id: Mapped[int] = mapped_column(ForeignKey("shares.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    viewer_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    viewer_role: Mapped[str] = mapped_column(String(20))
    at: Mapped[datetime] = mapped_column(default=utcnow)

    viewer = relationship("User", foreign_keys=[viewer_id])


class LinkStatus(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    ENDED = "ended"


class MentorLink(Base):
    """A counsellor proposes a mentor for a participant; it counts only once they accept."""

    __tablename__ = "mentor_links"
    __table_args__ = (
        Index("ix_mentor_links_pair", "participant_id", "mentor_id"),
        # At most one open (pending or accepted) link per pair, even when two counsellors
        # propose at the same moment.
        Index(
            "uq_mentor_links_open_pair",
            "participant_id",
            "mentor_id",
            unique=True,
            sqlite_where=text("status IN ('pending', 'accepted')"),
            postgresql_where=text("status IN ('pending', 'accepted')"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    participant_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    mentor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    proposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    status: Mapped[str] = mapped_column(String(10), default=LinkStatus.PENDING)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    answered_at: Mapped[datetime | None]
    ended_at: Mapped[datetime | None]

    participant = relationship("User", foreign_keys=[participant_id])
    mentor = relationship("User", foreign_keys=[mentor_id])
    proposed_by = relationship("User", foreign_keys=[proposed_by_id])


class NotificationKind(enum.StrEnum):
    REPLY = "reply"
    REACTION = "reaction"
    STRENGTH_WORD = "strength_word"
    SHARED = "shared"  # a new item shared with a mentor
    LINK_REQUEST = "link_request"
    LINK_ANSWER = "link_answer"  # yes or no: read the link's status
    LINK_ENDED = "link_ended"
    HIDDEN = "hidden"  # a counsellor hid something of yours, with the reason
    REPORT = "report"  # to the group's counsellors
    RESET_CODE = "reset_code"  # someone made a code to set a new password for you
    EXPORT_READY = "export_ready"  # "download my data" is ready
    RETENTION_WARNING = "retention"  # your account goes in N days unless you use it
    NEW_MEMBER = "new_member"  # to the group's counsellors: someone joined


class Notification(Base):
    """One line in a person's in-app inbox, shaped so that push can deliver it unchanged.

    It holds who did what on which thread, never the words themselves: a push payload is built
    from `kind` and the actor's display name, and the app opens `url` when tapped. `thread` lets
    delivery coalesce several notices on the same item into one.
    """

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_inbox", "user_id", "read_at", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(20))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    share_id: Mapped[int | None] = mapped_column(
        ForeignKey("shares.id", ondelete="CASCADE"), index=True
    )
    link_id: Mapped[int | None] = mapped_column(
        ForeignKey("mentor_links.id", ondelete="CASCADE"), index=True
    )
    thread: Mapped[str] = mapped_column(String(40))  # "share:12" | "link:3"
    url: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]
    pushed_at: Mapped[datetime | None]  # for the push issue: delivered (or coalesced) at

    actor = relationship("User", foreign_keys=[actor_id])
