"""Groups: invite codes and joining."""

import secrets

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Group, Membership, Role, User
from webapp.services import members

# No 0/O, 1/I/L: codes are read aloud and typed from a whiteboard.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(6))


def normalise_code(raw: str) -> str:
    return "".join(ch for ch in (raw or "").upper() if ch.isalnum())


def find_open_by_code(raw: str) -> Group | None:
    code = normalise_code(raw)
    if len(code) != 6:
        return None
    return db.session.scalar(
        select(Group).where(Group.invite_code == code, Group.closed_at.is_(None))
    )


def join(
    user: User,
    group: Group,
    role: str = Role.PARTICIPANT,
    *,
    tell: bool = True,
    by: User | None = None,
) -> Membership:
    """The one way into a group (a code, a QR link, a session code, or a counsellor adding
    someone). A new participant is announced to the group's counsellors (not to `by`, who added
    them); `tell=False` is for test worlds and the demo, built as if they had always been."""
    existing = db.session.scalar(
        select(Membership).where(Membership.group_id == group.id, Membership.user_id == user.id)
    )
    if existing:
        return existing
    membership = Membership(group=group, user_id=user.id, role=role)
    db.session.add(membership)
    db.session.flush()
    if tell:
        members.tell_counsellors(membership, by=by)
    return membership


def unused_code() -> str:
    """A code no other group has (6 of 31 symbols: a clash is rare, but we still check)."""
    while True:
        code = new_code()
        if db.session.scalar(select(Group.id).where(Group.invite_code == code)) is None:
            return code


def qr_data_uri(link: str) -> str:
    """The join link as a QR code, inline (no request to anyone else; CSP allows data: images)."""
    import segno

    return segno.make(link, error="m").svg_data_uri(scale=6, dark="#000", light="#fff", border=2)
