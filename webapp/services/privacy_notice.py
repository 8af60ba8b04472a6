"""The privacy notice: its version, what changed in each version, and who has read which.

A person acknowledges the notice at sign-up, and again after VERSION goes up. Until then their
HTML pages lead to the changes page (the gate in the privacy blueprint). So that the gate costs
no query per request, the version a person acknowledged is kept in the signed session cookie
(`session[SESSION_KEY] = [user_id, version]`). Logging in clears the session, so the first page
after a login asks the database once.

To change the notice: edit the template, add VERSION + 1 with its lines to CHANGES (and its day
to UPDATED), and set VERSION to it. Everyone is asked to read the changes on their next page.
"""

from dataclasses import dataclass
from datetime import date

from flask import current_app, has_request_context, session
from flask_babel import LazyString
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import Group, Membership, PrivacyAcknowledgement, Share, User
from webapp.services import visibility

VERSION: int = 1

# What changed in each version, in the words a person reads on the changes page.
CHANGES: dict[int, list[LazyString]] = {
    1: [
        _l("Now you can read how Stegvis handles your data, in plain words."),
        _l("We no longer keep your birth year. We only check it when you sign up."),
        _l("Accounts not used for a long time are deleted. You get a warning first."),
    ],
}
UPDATED: dict[int, date] = {1: date(2026, 11, 24)}

SESSION_KEY = "privacy_ack"

DEFAULT_CONTROLLER = _l("the NAV office or municipality that runs your group")


def controller() -> str:
    """Who is responsible for the data (behandlingsansvarlig), as this installation names it."""
    return current_app.config.get("PRIVACY_CONTROLLER") or str(DEFAULT_CONTROLLER)


def acknowledged_version(user: User) -> int:
    """The newest version this person acknowledged; 0 if none."""
    found = db.session.scalar(
        select(func.max(PrivacyAcknowledgement.version)).where(
            PrivacyAcknowledgement.user_id == user.id
        )
    )
    return found or 0


def _remember(user: User, version: int) -> None:
    if has_request_context():
        session[SESSION_KEY] = [user.id, version]


def known_version(user: User) -> int:
    """The acknowledged version, from the session cookie when it is about this person; else
    from the database (and then remembered in the cookie)."""
    if has_request_context():
        cached = session.get(SESSION_KEY)
        if isinstance(cached, list) and len(cached) == 2 and cached[0] == user.id:
            return int(cached[1])
    version = acknowledged_version(user)
    _remember(user, version)
    return version


def needs_acknowledgement(user: User) -> bool:
    return known_version(user) < VERSION


def refresh(user: User) -> int:
    """Ask the database again (another device may have acknowledged) and remember the answer."""
    version = acknowledged_version(user)
    _remember(user, version)
    return version


def acknowledge(user: User) -> None:
    """Records that this person read the current version (once; again is harmless)."""
    if not db.session.scalar(
        select(PrivacyAcknowledgement.id).where(
            PrivacyAcknowledgement.user_id == user.id, PrivacyAcknowledgement.version == VERSION
        )
    ):
        try:
            with db.session.begin_nested():
                db.session.add(PrivacyAcknowledgement(user_id=user.id, version=VERSION))
        except IntegrityError:  # the same person, at the same moment, on another device
            pass
    _remember(user, VERSION)


def changes_since(version: int) -> list[tuple[int, date | None, list[str]]]:
    """Every version after `version`, newest first: (version, day, lines)."""
    return [
        (v, UPDATED.get(v), [str(line) for line in CHANGES.get(v, [])])
        for v in sorted(CHANGES, reverse=True)
        if version < v <= VERSION
    ]


@dataclass(frozen=True)
class Audience:
    kind: str  # "group" | "mentor"
    name: str
    count: int


def sharing_summary(user: User) -> list[Audience]:
    """What this person shares right now, counted per audience (groups first): names of the
    audiences and numbers only, never what the items say."""
    rows = db.session.execute(
        visibility.shares_owned_by(user)
        .with_only_columns(
            Share.group_id, Share.mentor_id, func.count().label("n"), Group.name, User.display_name
        )
        .outerjoin(Group, Group.id == Share.group_id)
        .outerjoin(User, User.id == Share.mentor_id)
        .where(Share.revoked_at.is_(None))
        .group_by(Share.group_id, Share.mentor_id, Group.name, User.display_name)
    ).all()
    found = [
        Audience("group" if group_id else "mentor", group_name or mentor_name or "", n)
        for group_id, _mentor_id, n, group_name, mentor_name in rows
    ]
    return sorted(found, key=lambda a: (a.kind != "group", a.name.lower()))


@dataclass(frozen=True)
class Keeping:
    """How long things are kept for this person (their office's rules, else the defaults)."""

    inactive_months: int
    warn_days: int
    board_days: int
    export_hours: int = 24
    own_office: bool = False


def _office_of(user: User) -> int | None:
    """The office of the person's most recent group, else their own office."""
    office_id = db.session.scalar(
        select(Group.office_id)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.user_id == user.id)
        .order_by(Membership.joined_at.desc(), Membership.id.desc())
        .limit(1)
    )
    return office_id or user.office_id


def keeping(user: User | None) -> Keeping:
    from webapp.services import retention

    policy = retention.policy_for_office(_office_of(user) if user is not None else None)
    return Keeping(
        inactive_months=policy.inactive_months,
        warn_days=policy.warn_days,
        board_days=policy.board_days,
        own_office=policy.office_id is not None,
    )
