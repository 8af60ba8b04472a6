"""All models, re-exported so Alembic and the app see one metadata."""

from webapp.models.base import Base
from webapp.models.invites import MentorInvite, ResetCode
from webapp.models.journal import Entry, EntryRevision, Goal, GoalStatus, Step, Theme, VoiceNote
from webapp.models.org import Group, Membership, Office
from webapp.models.user import LoginFailure, LoginSession, Role, User

__all__ = [
    "Base",
    "Entry",
    "EntryRevision",
    "Goal",
    "GoalStatus",
    "Group",
    "LoginFailure",
    "LoginSession",
    "Membership",
    "MentorInvite",
    "Office",
    "ResetCode",
    "Role",
    "Step",
    "Theme",
    "User",
    "VoiceNote",
]
