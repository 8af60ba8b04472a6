"""What privacy needs to remember: which notice a person acknowledged, a guardian's consent for
a young participant, exports being built, each office's retention rules, and what purges did.

None of these rows holds journal text; a purge record holds counts only.
"""

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from webapp.models.base import Base, utcnow


class PrivacyAcknowledgement(Base):
    """A person read version N of the privacy notice (at sign-up, or after it changed)."""

    __tablename__ = "privacy_acknowledgements"
    __table_args__ = (UniqueConstraint("user_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    version: Mapped[int]
    at: Mapped[datetime] = mapped_column(default=utcnow)


class GuardianConsent(Base):
    """A counsellor added someone younger than the self sign-up age and recorded that a guardian
    agreed: who the guardian is, the day they agreed, and who recorded it."""

    __tablename__ = "guardian_consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), unique=True)
    guardian_name: Mapped[str] = mapped_column(String(120))
    given_on: Mapped[date]
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    recorded_by = relationship("User", foreign_keys=[recorded_by_id])


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"
    BUILDING = "building"
    READY = "ready"
    FAILED = "failed"


class DataExport(Base):
    """ "Download my data": asked for by its owner, built by the worker into a zip outside the
    web root under a random name, downloadable by the owner alone until `expires_at`."""

    __tablename__ = "data_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    status: Mapped[str] = mapped_column(String(10), default=ExportStatus.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)  # 0–100
    file_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    size: Mapped[int] = mapped_column(default=0)
    lease_until: Mapped[datetime | None]  # a worker building it holds it until then
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]  # set when ready: 24 h later


class RetentionPolicy(Base):
    """An office's rules for how long things are kept. No row means the defaults below."""

    __tablename__ = "retention_policies"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(
        ForeignKey("offices.id", ondelete="CASCADE"), unique=True
    )
    # Accounts of participants and mentors with no activity this long are deleted; 0 = never.
    inactive_months: Mapped[int] = mapped_column(default=24)
    warn_days: Mapped[int] = mapped_column(default=30)  # the warning goes this long before
    # A group's session boards (dilemmas, responses, attendance, rounds) this long after its
    # last session ended; 0 = never.
    board_days: Mapped[int] = mapped_column(default=90)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class PurgeRun(Base):
    """One run of `flask purge` (by hand or the worker's daily run): when, and how many of
    each kind of thing it removed. Counts only, never what was removed."""

    __tablename__ = "purge_runs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The worker's daily run claims its day by inserting this row; "" for runs by hand.
    day_key: Mapped[str | None] = mapped_column(String(10), unique=True)
    trigger: Mapped[str] = mapped_column(String(10))  # "worker" | "command"
    started_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]
    counts: Mapped[str] = mapped_column(Text, default="{}")  # JSON {"accounts_deleted": 2, …}


__all__ = [
    "DataExport",
    "ExportStatus",
    "GuardianConsent",
    "PrivacyAcknowledgement",
    "PurgeRun",
    "RetentionPolicy",
]
