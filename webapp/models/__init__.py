"""All models, re-exported so Alembic and the app see one metadata."""

from webapp.models.base import Base
from webapp.models.invites import MentorInvite, ResetCode
from webapp.models.org import Group, Membership, Office
from webapp.models.user import LoginFailure, LoginSession, Role, User

__all__ = [
    "Base",
    "Group",
    "LoginFailure",
    "LoginSession",
    "Membership",
    "MentorInvite",
    "Office",
    "ResetCode",
    "Role",
    "User",
]
