"""Builders of test data: people, groups, journal items and shares, with sensible defaults."""

import itertools
import uuid
from datetime import date

from webapp.extensions import db
from webapp.models import (
    Dilemma,
    DilemmaResponse,
    Entry,
    Goal,
    Group,
    GroupSession,
    LinkStatus,
    MentorLink,
    Office,
    PrivacyAcknowledgement,
    Role,
    SessionStatus,
    Share,
    Step,
    User,
)
from webapp.models.base import utcnow
from webapp.services import groups, passwords, privacy_notice

PASSWORD = "a good long password"
_seq = itertools.count(1)


def user(role: str = Role.PARTICIPANT, username: str | None = None, **extra) -> User:
    """Someone who has read the current privacy notice, unless `acknowledged=False` (then their
    pages lead to the notice's changes page first)."""
    acknowledged = extra.pop("acknowledged", True)
    n = next(_seq)
    person = User(
        username=username or f"{role}{n}",
        display_name=extra.pop("display_name", f"{role.title()} {n}"),
        role=role,
        password_hash=passwords.hash_password(extra.pop("password", PASSWORD)),
        **extra,
    )
    db.session.add(person)
    db.session.flush()
    if acknowledged:
        db.session.add(PrivacyAcknowledgement(user_id=person.id, version=privacy_notice.VERSION))
        db.session.flush()
    return person


def office(name: str | None = None) -> Office:
    place = Office(name=name or f"NAV Test {next(_seq)}", municipality="Testkommune")
    db.session.add(place)
    db.session.flush()
    return place


def group(counsellor: User | None = None, members: tuple[User, ...] = (), **extra) -> Group:
    place = extra.pop("office", None) or office()
    team = Group(
        name=extra.pop("name", f"Group {next(_seq)}"),
        office=place,
        start_date=extra.pop("start_date", date(2026, 1, 5)),
        invite_code=groups.unused_code(),
        **extra,
    )
    db.session.add(team)
    db.session.flush()
    if counsellor is not None:
        groups.join(counsellor, team, Role.COUNSELLOR)
    for member in members:
        groups.join(member, team, tell=False)
    return team


def goal(owner: User, title: str = "Get up before 10", **extra) -> Goal:
    item = Goal(owner_id=owner.id, client_id=str(uuid.uuid4()), title=title, **extra)
    db.session.add(item)
    db.session.flush()
    return item


def step(of: Goal, title: str = "Set an alarm", **extra) -> Step:
    item = Step(
        goal_id=of.id, owner_id=of.owner_id, client_id=str(uuid.uuid4()), title=title, **extra
    )
    db.session.add(item)
    db.session.flush()
    return item


def entry(owner: User, text: str = "A good day", mood: int | None = 4, **extra) -> Entry:
    item = Entry(owner_id=owner.id, client_id=str(uuid.uuid4()), text=text, mood=mood, **extra)
    db.session.add(item)
    db.session.flush()
    return item


def share(
    item: Goal | Step | Entry, group: Group | None = None, mentor: User | None = None, **extra
) -> Share:
    """Shares an item directly (bypassing the service), for setting up a world to test."""
    kind = {Goal: "goal", Step: "step", Entry: "entry"}[type(item)]
    row = Share(
        owner_id=item.owner_id,
        kind=kind,
        **{f"{kind}_id": item.id},
        group_id=group.id if group is not None else None,
        mentor_id=mentor.id if mentor is not None else None,
        item_key=f"{kind}:{item.id}",
        audience_key=f"group:{group.id}" if group is not None else f"mentor:{mentor.id}",
        **extra,
    )
    db.session.add(row)
    db.session.flush()
    return row


def mentor_link(
    participant: User, mentor: User, status: str = LinkStatus.ACCEPTED, **extra
) -> MentorLink:
    if status != LinkStatus.PENDING:
        extra.setdefault("answered_at", utcnow())
    link = MentorLink(participant_id=participant.id, mentor_id=mentor.id, status=status, **extra)
    db.session.add(link)
    db.session.flush()
    return link


def commit() -> None:
    db.session.commit()


def session(of: Group, live: bool = False, **extra) -> GroupSession:
    """A meeting of a group, planned (or live, with a join code) from now."""
    now = utcnow()
    row = GroupSession(
        group_id=of.id,
        starts_at=extra.pop("starts_at", now),
        theme=extra.pop("theme", "Why we are here"),
        status=SessionStatus.LIVE if live else SessionStatus.PLANNED,
        started_at=now if live else None,
        join_code=extra.pop("join_code", f"S{next(_seq):05d}") if live else None,
        **extra,
    )
    db.session.add(row)
    db.session.flush()
    return row


def dilemma(author: User, of: Group, on: GroupSession | None = None, **extra) -> Dilemma:
    """A dilemma with three solutions; given a session, it is on that session's screen."""
    row = Dilemma(
        group_id=of.id,
        author_id=author.id,
        client_id=str(uuid.uuid4()),
        anonymous=extra.pop("anonymous", True),
        problem=extra.pop("problem", "I get nervous before job interviews"),
        solution_1=extra.pop("solution_1", "Practise with a friend"),
        solution_2=extra.pop("solution_2", "Ask what the interview will be like"),
        solution_3=extra.pop("solution_3", "Go for a walk before"),
        **extra,
    )
    if on is not None:
        row.session_id = on.id
        row.shown_at = utcnow()
    db.session.add(row)
    db.session.flush()
    if on is not None:
        on.current_dilemma_id = row.id
    return row


def response(
    author: User, to: Dilemma, text: str = "Practise out loud", **extra
) -> DilemmaResponse:
    row = DilemmaResponse(
        dilemma_id=to.id,
        author_id=author.id,
        client_id=str(uuid.uuid4()),
        anonymous=extra.pop("anonymous", True),
        text=text,
        **extra,
    )
    db.session.add(row)
    db.session.flush()
    return row
