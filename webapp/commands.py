"""Command-line tasks: demo data and user administration."""

import click
from flask import Flask, current_app
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Group, Office, Role, User
from webapp.services import groups, logins, passwords


def _user(username: str, display: str, role: str, password: str, **extra) -> User:
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        user = User(
            username=username,
            display_name=display,
            role=role,
            password_hash=passwords.hash_password(password),
            **extra,
        )
        db.session.add(user)
        db.session.flush()
    return user


def init_app(app: Flask) -> None:
    @app.cli.command("seed-demo")
    def seed_demo():
        """Create the demo office, people and group (safe to run again)."""
        pw = current_app.config["DEMO_PASSWORD"]
        office = db.session.scalar(select(Office).where(Office.name == "NAV Demo"))
        if office is None:
            office = Office(name="NAV Demo", municipality="Demo kommune")
            db.session.add(office)
            db.session.flush()
        _user("admin", "Admin", Role.ADMIN, pw)
        counsellor = _user("veileder1", "Veileder Vera", Role.COUNSELLOR, pw, office_id=office.id)
        _user("mentor1", "Mentor Mo", Role.MENTOR, pw)
        group = db.session.scalar(select(Group).where(Group.name == "Stegvis demo"))
        if group is None:
            from datetime import date

            group = Group(
                name="Stegvis demo",
                office=office,
                start_date=date.today(),
                invite_code=groups.new_code(),
            )
            db.session.add(group)
            db.session.flush()
        groups.join(counsellor, group, Role.COUNSELLOR)
        for n in range(1, 9):
            user = _user(f"deltaker{n}", f"Deltaker {n}", Role.PARTICIPANT, pw, birth_year=2004)
            groups.join(user, group)
        db.session.commit()
        click.echo(f"Demo group code: {group.invite_code}")

    @app.cli.group("users")
    def users():
        """Manage accounts."""

    @users.command("create")
    @click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
    @click.option("--username", required=True)
    @click.option("--name", "display_name", required=True)
    @click.option("--office", "office_name", default=None)
    @click.password_option()
    def create(role, username, display_name, office_name, password):
        """Create an account (admins create counsellors this way)."""
        if len(password) < passwords.MIN_LENGTH or passwords.is_common(password):
            raise click.UsageError("password: at least 10 characters and not a common password")
        username = logins.normalise_username(username)
        if not logins.USERNAME.match(username):
            raise click.UsageError("username: 3–40 of a–z, 0–9, dot, dash, underscore")
        office_id = None
        if office_name:
            office = db.session.scalar(select(Office).where(Office.name == office_name))
            if office is None:
                raise click.UsageError(f"no office named {office_name!r}")
            office_id = office.id
        if db.session.scalar(select(User.id).where(User.username == username)):
            raise click.UsageError("username taken")
        db.session.add(
            User(
                username=username,
                display_name=display_name,
                role=role,
                password_hash=passwords.hash_password(password),
                office_id=office_id,
            )
        )
        db.session.commit()
        click.echo(f"created {role} {username}")
