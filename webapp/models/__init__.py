"""All models, re-exported so Alembic and the app see one metadata."""

from webapp.models.base import Base
from webapp.models.invites import MentorInvite, ResetCode
from webapp.models.journal import Entry, EntryRevision, Goal, GoalStatus, Step, Theme, VoiceNote
from webapp.models.org import Group, Membership, Office
from webapp.models.push import PushSubscription
from webapp.models.reminders import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    NotificationSettings,
    Reminder,
    ReminderKind,
    ReminderRecipient,
)
from webapp.models.sessions import (
    Attendance,
    Dilemma,
    DilemmaResponse,
    GroupSession,
    ResponseKind,
    SessionStatus,
    StrengthRound,
)
from webapp.models.sharing import (
    ItemKind,
    LinkStatus,
    MentorLink,
    Notification,
    NotificationKind,
    Reaction,
    Reply,
    Report,
    Share,
    ShareReaction,
    ShareView,
    StrengthWord,
)
from webapp.models.user import LoginFailure, LoginSession, Role, User

__all__ = [
    "Attendance",
    "Base",
    "Delivery",
    "DeliveryKind",
    "DeliveryStatus",
    "Dilemma",
    "DilemmaResponse",
    "Entry",
    "EntryRevision",
    "Goal",
    "GoalStatus",
    "Group",
    "GroupSession",
    "ItemKind",
    "LinkStatus",
    "LoginFailure",
    "LoginSession",
    "Membership",
    "MentorInvite",
    "MentorLink",
    "Notification",
    "NotificationKind",
    "NotificationSettings",
    "Office",
    "PushSubscription",
    "Reaction",
    "Reminder",
    "ReminderKind",
    "ReminderRecipient",
    "Reply",
    "Report",
    "ResetCode",
    "ResponseKind",
    "Role",
    "SessionStatus",
    "Share",
    "ShareReaction",
    "ShareView",
    "Step",
    "StrengthRound",
    "StrengthWord",
    "Theme",
    "User",
    "VoiceNote",
]
