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
    "Base",
    "Delivery",
    "DeliveryKind",
    "DeliveryStatus",
    "Entry",
    "EntryRevision",
    "Goal",
    "GoalStatus",
    "Group",
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
    "Role",
    "Share",
    "ShareReaction",
    "ShareView",
    "Step",
    "StrengthWord",
    "Theme",
    "User",
    "VoiceNote",
]
