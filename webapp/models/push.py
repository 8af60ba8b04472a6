"""Web Push subscriptions: one row per device that said yes to notifications, with its health.

The endpoint is a capability URL at a push service (FCM, Mozilla autopush, Apple, Windows); with
`p256dh` and `auth` it lets us encrypt a message only that browser can read (RFC 8291). A
subscription the push service calls gone (404/410) is deleted; one that keeps failing is kept but
its health says so; the person can turn any device off (`enabled`), or remove it.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, utcnow


class PushSubscription(Base):
    __tablename__ = "push_subscriptions"
    __table_args__ = (Index("ix_push_subscriptions_user", "user_id", "enabled"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The logged-in device that subscribed: logging that device out ends its notifications.
    login_id: Mapped[int | None] = mapped_column(
        ForeignKey("login_sessions.id", ondelete="CASCADE"), index=True
    )
    # Push service URLs are long (FCM ~ 180 chars, Apple/Windows longer); 1 000 is plenty.
    endpoint: Mapped[str] = mapped_column(String(1000), unique=True)
    p256dh: Mapped[str] = mapped_column(String(120))  # base64url, 65-byte P-256 point
    auth: Mapped[str] = mapped_column(String(40))  # base64url, 16 bytes
    label: Mapped[str] = mapped_column(String(80), default="")  # "Firefox on Android"
    enabled: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_success_at: Mapped[datetime | None]
    last_failure_at: Mapped[datetime | None]
    last_failure: Mapped[str] = mapped_column(String(200), default="")
    failure_count: Mapped[int] = mapped_column(default=0)  # in a row; reset by a success

    user = relationship("User")


__all__ = ["PushSubscription"]
