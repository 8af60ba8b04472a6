"""People and their logged-in devices."""

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, utcnow


class Role(enum.StrEnum):
    PARTICIPANT = "participant"
    MENTOR = "mentor"
    COUNSELLOR = "counsellor"
    ADMIN = "admin"


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(60))
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(20), default=Role.PARTICIPANT)
    locale: Mapped[str | None] = mapped_column(String(8))
    large_text: Mapped[bool] = mapped_column(default=False)
    timezone: Mapped[str] = mapped_column(String(64), default="Europe/Oslo")
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    tour_seen_at: Mapped[datetime | None]  # the first-run tour for this person's role
    # The day this person last used the app (written with their device's last_seen_at); what
    # an office's retention rule for inactive accounts measures.
    last_active_at: Mapped[datetime | None]
    inactivity_warned_at: Mapped[datetime | None]  # told their account will go; cleared on use

    office = relationship("Office")

    # Set at login and by the user loader: the device token this request runs under.
    current_login_token: str = ""

    def get_id(self) -> str:
        # Flask-Login keeps this in the cookie: the device token, never the user id, so that
        # ending a device session server-side really ends it.
        return self.current_login_token

    @property
    def is_counsellor(self) -> bool:
        return self.role == Role.COUNSELLOR

    @property
    def is_admin(self) -> bool:
        return self.role == Role.ADMIN

    @property
    def is_participant(self) -> bool:
        return self.role == Role.PARTICIPANT


class LoginSession(Base):
    """One logged-in device. The cookie carries a random token; only its hash is stored."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    device_label: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()


class LoginFailure(Base):
    """A failed login, keyed by a hash of the account name or the client address.

    Kept in the database so the limit holds across every gunicorn worker.
    """

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(80), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
