"""A counsellor adds a participant to a group they lead, and a guardian's consent is recorded for
someone younger than the self sign-up age; the group's counsellors hear when someone joins.

Who can be added: Stegvis is for people aged 13 and older (`MIN_AGE`). Younger children are
refused, also with a guardian's consent: the app, its sharing and its notices were not designed
or assessed for them (see docs/privacy/dpia.md, R12). From 13 up to `SIGNUP_MIN_AGE` (15) a
counsellor adds the person with a guardian's consent (name, the day they agreed, and who recorded
it); from `SIGNUP_MIN_AGE` people may also sign up themselves.

Age is counted as at sign-up: the age the person turns this year. The birth year is checked and
then forgotten (data minimisation): nothing keeps it.
"""

import secrets
from dataclasses import dataclass
from datetime import date

from flask import current_app
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import (
    Group,
    GuardianConsent,
    Membership,
    Notification,
    NotificationKind,
    Role,
    User,
)
from webapp.services import invites, logins, notifications, passwords

MIN_AGE = 13  # the app is for 13 and older: a decision, written down in the DPIA (R12)


class UsernameTaken(Exception):
    """Someone has that username already (also when two counsellors pick it at once)."""


@dataclass(frozen=True)
class Guardian:
    name: str
    agreed_on: date


@dataclass(frozen=True)
class Added:
    user: User
    code: str  # the one-time code, shown once to the counsellor to hand over
    consent: GuardianConsent | None


def age_this_year(birth_year: int, today: date | None = None) -> int:
    return (today or date.today()).year - birth_year


def needs_guardian(birth_year: int, today: date | None = None) -> bool:
    return age_this_year(birth_year, today) < current_app.config["SIGNUP_MIN_AGE"]


def too_young(birth_year: int, today: date | None = None) -> bool:
    return age_this_year(birth_year, today) < MIN_AGE


def username_taken(username: str) -> bool:
    return db.session.scalar(select(User.id).where(User.username == username)) is not None


def add_participant(
    group: Group, by: User, *, display_name: str, username: str, guardian: Guardian | None
) -> Added:
    """A new participant in `group`, with no password anyone knows: they set one with the code.

    The caller has checked the age rules (the schema does); this keeps the records. The person
    is not told of the code in their inbox (`tell=False`): the account is new and the code is
    how they get in. Their access log still shows who made it.
    """
    username = logins.normalise_username(username)
    user = User(
        username=username,
        display_name=display_name.strip(),
        role=Role.PARTICIPANT,
        password_hash=passwords.hash_password(secrets.token_urlsafe(32)),
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
            db.session.flush()
    except IntegrityError as exc:
        raise UsernameTaken(username) from exc
    from webapp.services import groups  # groups imports this module to tell counsellors

    groups.join(user, group, by=by)
    consent = None
    if guardian is not None:
        consent = GuardianConsent(
            user_id=user.id,
            guardian_name=guardian.name.strip(),
            given_on=guardian.agreed_on,
            recorded_by_id=by.id,
        )
        db.session.add(consent)
    code = invites.issue_reset_code(user, by, tell=False)
    db.session.flush()
    return Added(user=user, code=code, consent=consent)


# --- telling the counsellors -----------------------------------------------------------------


def thread_of(group: Group | int) -> str:
    return f"group:{group if isinstance(group, int) else group.id}"


def group_id_of(notice: Notification) -> int | None:
    kind, _sep, number = (notice.thread or "").partition(":")
    return int(number) if kind == "group" and number.isdigit() else None


def tell_counsellors(membership: Membership, by: User | None = None) -> list[Notification]:
    """A NEW_MEMBER notice to each counsellor leading the group (not to `by`, who did it).

    The notice names the new member and points at the group's page; a push says only that
    someone joined a group (the worker's words), never who.
    """
    if membership.role != Role.PARTICIPANT:
        return []
    counsellors = db.session.scalars(
        select(Membership.user_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Membership.group_id == membership.group_id,
            Membership.role == Role.COUNSELLOR,
            User.role == Role.COUNSELLOR,
        )
    ).all()
    joiner = db.session.get(User, membership.user_id)
    url = notifications.path("groups.detail", group_id=membership.group_id)
    made = []
    for counsellor_id in counsellors:
        if by is not None and counsellor_id == by.id:
            continue
        notice = notifications.notify(counsellor_id, NotificationKind.NEW_MEMBER, joiner)
        if notice is not None:
            notice.thread, notice.url = thread_of(membership.group_id), url
            made.append(notice)
    return made
