"""Command-line tasks: demo data and user administration."""

from datetime import date, time

import click
from flask import Flask, current_app
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Group, Office, Role, User
from webapp.services import groups, logins, passwords, privacy_notice


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
        # Demo people start where the demo starts (home), as if they had read the privacy
        # notice when they signed up; a raised VERSION still shows them what changed.
        privacy_notice.acknowledge(user)
    return user


def _seed_sharing(group: Group) -> None:
    """A few things shared in the demo group, with a reaction, a reply and a strength word, so
    the group feed has something to show (only once: the items have fixed client ids)."""
    from datetime import timedelta

    from webapp.models import Entry, Goal, Reply, ShareReaction, Step, StrengthWord
    from webapp.models.base import utcnow
    from webapp.services import sharing

    people = {
        n: db.session.scalar(select(User).where(User.username == f"deltaker{n}")) for n in (2, 3, 4)
    }
    if db.session.scalar(select(Entry).where(Entry.client_id == "demo-shared-entry")):
        return
    now = utcnow()
    entry = Entry(
        owner_id=people[2].id,
        client_id="demo-shared-entry",
        mood=4,
        text="Jeg var på intervju i dag. Jeg var nervøs, men det gikk bedre enn jeg trodde.",
        created_at=now - timedelta(hours=3),
        updated_at=now - timedelta(hours=3),
    )
    goal = Goal(
        owner_id=people[3].id,
        client_id="demo-shared-goal",
        title="Komme meg opp før klokka 10",
        why="Da rekker jeg mer, og dagen blir bedre.",
        theme="daily",
    )
    db.session.add_all([entry, goal])
    db.session.flush()
    db.session.add_all(
        [
            Step(
                owner_id=people[3].id,
                goal_id=goal.id,
                client_id=f"demo-shared-step-{n}",
                title=title,
                position=n,
                done_at=now - timedelta(days=1) if n == 0 else None,
            )
            for n, title in enumerate(["Sette på vekkerklokka", "Legge meg før midnatt"])
        ]
    )
    audience = sharing.Audience(f"group:{group.id}", group.name, group=group)
    shared_goal, _new = sharing.share(people[3], goal, audience)
    shared_entry, _new = sharing.share(people[2], entry, audience)
    db.session.add_all(
        [
            ShareReaction(share_id=shared_entry.id, user_id=people[3].id, reaction="strong"),
            ShareReaction(share_id=shared_entry.id, user_id=people[4].id, reaction="heart"),
            ShareReaction(share_id=shared_goal.id, user_id=people[2].id, reaction="clap"),
            Reply(
                share_id=shared_entry.id,
                author_id=people[3].id,
                text="Så bra! Jeg håper du får jobben.",
            ),
            StrengthWord(
                recipient_id=people[2].id,
                giver_id=people[4].id,
                share_id=shared_entry.id,
                preset="brave",
                show_name=True,
            ),
        ]
    )


def _seed_mentoring(office: Office, counsellor: User, mentor: User) -> None:
    """Mentor Mo linked to Deltaker 1 (who said yes), two things Deltaker 1 shared with Mo (one
    already answered), strength words Deltaker 1 received, and the notices all this made: the
    mentor's inbox, the inbox and "My strength words" have something to show (only once)."""
    from datetime import timedelta

    from webapp.models import (
        Entry,
        Goal,
        LinkStatus,
        MentorLink,
        NotificationKind,
        Reply,
        ShareView,
        StrengthWord,
    )
    from webapp.models.base import utcnow
    from webapp.services import notifications, sharing

    if mentor.office_id is None:
        mentor.office_id = office.id
    kari = db.session.scalar(select(User).where(User.username == "deltaker1"))
    if db.session.scalar(select(MentorLink.id).where(MentorLink.participant_id == kari.id)):
        return
    now = utcnow()
    link = MentorLink(
        participant_id=kari.id,
        mentor_id=mentor.id,
        proposed_by_id=counsellor.id,
        status=LinkStatus.ACCEPTED,
        created_at=now - timedelta(days=2),
        answered_at=now - timedelta(days=2),
    )
    db.session.add(link)
    db.session.flush()
    request = notifications.notify(kari.id, NotificationKind.LINK_REQUEST, counsellor, link=link)
    request.read_at = now - timedelta(days=2)
    notifications.notify(counsellor.id, NotificationKind.LINK_ANSWER, kari, link=link)
    notifications.notify(mentor.id, NotificationKind.LINK_ANSWER, kari, link=link)

    goal = Goal(
        owner_id=kari.id,
        client_id="demo-mentor-goal",
        title="Søke på sommerjobb",
        why="Jeg vil tjene egne penger og prøve noe nytt.",
        theme="work",
    )
    entry = Entry(
        owner_id=kari.id,
        client_id="demo-mentor-entry",
        mood=3,
        text="Jeg har skrevet en søknad, men tør ikke sende den ennå. Kan du lese den?",
        created_at=now - timedelta(hours=2),
        updated_at=now - timedelta(hours=2),
    )
    db.session.add_all([goal, entry])
    db.session.flush()
    audience = sharing.Audience(f"mentor:{mentor.id}", mentor.display_name, mentor=mentor)
    shared_goal, _new = sharing.share(kari, goal, audience)
    shared_goal.shared_at = now - timedelta(days=1)
    db.session.add_all(
        [
            ShareView(
                share_id=shared_goal.id,
                owner_id=kari.id,
                viewer_id=mentor.id,
                viewer_role="mentor",
                at=now - timedelta(hours=20),
            ),
            Reply(
                share_id=shared_goal.id,
                author_id=mentor.id,
                text="Godt mål! Vil du at vi ser på CV-en sammen på torsdag?",
                created_at=now - timedelta(hours=20),
            ),
        ]
    )
    notifications.notify(kari.id, NotificationKind.REPLY, mentor, share=shared_goal)
    notifications.mark_thread_read(mentor, f"share:{shared_goal.id}")  # Mo opened it
    sharing.share(kari, entry, audience)  # new: unread in the mentor's inbox

    givers = {
        n: db.session.scalar(select(User).where(User.username == f"deltaker{n}"))
        for n in (2, 3, 5, 6)
    }
    for n, preset, text, show_name in (
        (2, "brave", "", True),
        (3, "brave", "", False),
        (5, "good_listener", "", True),
        (6, None, "Flink til å få folk til å le", True),
    ):
        word = StrengthWord(
            recipient_id=kari.id,
            giver_id=givers[n].id,
            preset=preset,
            text=text,
            show_name=show_name,
        )
        db.session.add(word)
        db.session.flush()
        notifications.notify_strength_word(word)


def _seed_reminders(group: Group, counsellor: User) -> None:
    """A weekly counsellor reminder for the demo group and deltaker1's own journal nudge
    (once each: seed-demo may run again)."""
    from webapp.models import Reminder, ReminderKind
    from webapp.services import reminders

    have = db.session.scalar(select(Reminder.id).where(Reminder.group_id == group.id).limit(1))
    if have is None:
        reminders.save_counsellor_reminder(
            counsellor,
            {
                "group_id": group.id,
                "template": "bring_dilemma",
                "repeat": "weekly",
                "start_date": date.today(),
                "at": time(12, 0),
                "days": ["MO"],
            },
        )
    participant = db.session.scalar(select(User).where(User.username == "deltaker1"))
    own = db.session.scalar(
        select(Reminder.id).where(
            Reminder.kind == ReminderKind.OWN, Reminder.created_by_id == participant.id
        )
    )
    if own is None:
        reminders.save_own(
            participant, {"what": "journal", "at": time(20, 0), "days": reminders.WEEKDAYS_ONLY}
        )


def _seed_programme(group: Group, counsellor: User) -> None:
    """The Øygarden programme for the demo group, its first session tomorrow at 11:00 and then
    twice a week, so the home page shows a next session (once: seed-demo may run again)."""
    from datetime import timedelta

    from webapp.models import GroupSession
    from webapp.models.base import utcnow
    from webapp.services import programmes, scheduling

    have = db.session.scalar(
        select(GroupSession.id).where(GroupSession.group_id == group.id).limit(1)
    )
    if have is not None:
        return
    tz = counsellor.timezone or scheduling.DEFAULT_ZONE
    first = utcnow().astimezone(scheduling.zone(tz)).date() + timedelta(days=1)
    days = [scheduling.WEEKDAYS[first.weekday()], scheduling.WEEKDAYS[(first.weekday() + 3) % 7]]
    programmes.apply(group, "oygarden", first, days, time(11, 0), tz)


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
        mentor = _user("mentor1", "Mentor Mo", Role.MENTOR, pw, office_id=office.id)
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
            user = _user(f"deltaker{n}", f"Deltaker {n}", Role.PARTICIPANT, pw)
            groups.join(user, group, tell=False)
        _seed_sharing(group)
        _seed_mentoring(office, counsellor, mentor)
        _seed_reminders(group, counsellor)
        _seed_programme(group, counsellor)
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
