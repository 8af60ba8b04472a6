"""Builders of test data: people, offices and groups, with sensible defaults."""

import itertools
from datetime import date

from webapp.extensions import db
from webapp.models import Group, Office, Role, User
from webapp.services import groups, passwords

PASSWORD = "a good long password"
_seq = itertools.count(1)


def user(role: str = Role.PARTICIPANT, username: str | None = None, **extra) -> User:
    n = next(_seq)
    person = User(
        username=username or f"{role}{n}",
        display_name=extra.pop("display_name", f"{role.title()} {n}"),
        role=role,
        password_hash=passwords.hash_password(extra.pop("password", PASSWORD)),
        birth_year=extra.pop("birth_year", 2005 if role == Role.PARTICIPANT else None),
        **extra,
    )
    db.session.add(person)
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
        groups.join(member, team)
    return team


def commit() -> None:
    db.session.commit()
