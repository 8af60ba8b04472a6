"""Issuing and redeeming one-time codes: password resets and mentor invitations."""

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from webapp.extensions import db
from webapp.models import LoginSession, MentorInvite, NotificationKind, ResetCode, User
from webapp.models.base import utcnow
from webapp.services import notifications, passwords

RESET_VALID = timedelta(hours=72)
INVITE_VALID = timedelta(days=14)
# Read aloud or copied from a note: no 0/O, 1/I/L.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def issue_reset_code(user: User, issued_by: User, tell: bool = True) -> str:
    """A fresh 10-character code (about 49 bits); earlier unused codes for the user stop working.

    The person is told in their inbox who made it: whoever holds a code can take over the
    account, so it must never happen unseen."""
    now = utcnow()
    db.session.execute(
        update(ResetCode)
        .where(ResetCode.user_id == user.id, ResetCode.used_at.is_(None))
        .values(used_at=now)
    )
    code = "".join(secrets.choice(ALPHABET) for _ in range(10))
    db.session.add(
        ResetCode(
            user_id=user.id,
            code_hash=_digest(code),
            issued_by_id=issued_by.id,
            expires_at=now + RESET_VALID,
        )
    )
    if tell:
        notifications.notify(user.id, NotificationKind.RESET_CODE, issued_by)
    db.session.flush()
    return f"{code[:5]}-{code[5:]}"


def redeem_reset_code(username: str, code: str, new_password: str) -> User | None:
    """Sets the new password and ends every device session, or returns None if the code is wrong."""
    now = utcnow()
    row = db.session.scalar(
        select(ResetCode)
        .join(User, User.id == ResetCode.user_id)
        .where(
            User.username == username,
            ResetCode.code_hash == _digest(normalise_code(code)),
            ResetCode.used_at.is_(None),
            ResetCode.expires_at > now,
        )
    )
    if row is None:
        return None
    row.used_at = now
    row.user.password_hash = passwords.hash_password(new_password)
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == row.user_id, LoginSession.ended_at.is_(None))
        .values(ended_at=now)
    )
    return row.user


def new_mentor_invite(invited_by: User, note: str) -> str:
    token = secrets.token_urlsafe(24)
    db.session.add(
        MentorInvite(
            token_hash=_digest(token),
            invited_by_id=invited_by.id,
            office_id=invited_by.office_id,
            note=note,
            expires_at=utcnow() + INVITE_VALID,
        )
    )
    db.session.flush()
    return token


def open_mentor_invite(token: str) -> MentorInvite | None:
    return db.session.scalar(
        select(MentorInvite).where(
            MentorInvite.token_hash == _digest(token or ""),
            MentorInvite.used_at.is_(None),
            MentorInvite.expires_at > utcnow(),
        )
    )


def mentor_invites_by(user: User) -> list[MentorInvite]:
    return list(
        db.session.scalars(
            select(MentorInvite)
            .where(MentorInvite.invited_by_id == user.id)
            .order_by(MentorInvite.created_at.desc())
            .limit(20)
        )
    )
