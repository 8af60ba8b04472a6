"""Deleting an account: at once and completely, by its owner ("Delete my account") or by the
retention purge (`reason="retention"`).

What goes is found by walking every foreign key in `Base.metadata`, not by a list kept by hand:
a table added later that points at a person (or at something of theirs) with ON DELETE CASCADE
is emptied of their rows without anyone remembering it here. What stays, and why:

- replies they wrote on other people's items stay, shown as "Deleted user" (`author_id` NULL):
  they belong to someone else's thread;
- notices they caused stay in the other person's inbox without a name (`actor_id` NULL), except
  notices of reactions and strength words, whose subject goes with them;
- reports they filed stay (so a counsellor still looks at the item) without reporter or words;
- share views where they were the viewer stay in the owner's access log as "deleted user".

Strength words they gave are deleted, not anonymised: a word carries its giver's own text.
Rows are deleted by the database session (the caller commits, as everywhere); voice notes and
export zips are removed from disk only once that commit has happened, so a rollback never
leaves rows pointing at files that are gone.
"""

import logging
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Table, delete, event, func, select, update
from sqlalchemy.orm import Session

from webapp.extensions import db
from webapp.models import (
    Base,
    DataExport,
    Group,
    GroupSession,
    LoginFailure,
    Membership,
    MentorInvite,
    Notification,
    NotificationKind,
    Report,
    StrengthWord,
    User,
    VoiceNote,
)
from webapp.services import logins, passwords

log = logging.getLogger(__name__)

CHUNK = 500  # ids per IN (…): well under SQLite's bound-parameter limit
_PENDING = "erasure_files"  # session.info key: files to remove after the commit


def delete_account(user: User, *, reason: str) -> dict[str, int]:
    """Deletes the person and everything of theirs; gives back how many rows went per table
    (plus `voice_files`, `export_files`, and `kept_anonymous`: rows kept without their name).

    No checks here: the route decides who may delete themselves (see `refusal`), the retention
    purge decides whom it deletes. The caller commits; files go after that commit."""
    session = db.session
    session.flush()
    user_id = user.id
    counts: dict[str, int] = defaultdict(int)

    doomed = _doomed_rows(user_id)
    files = _files_of(doomed)

    # Things that would only lose their name (SET NULL) but must go or lose their words too.
    kept = 0
    for chunk in _chunks(doomed["strength_rounds"]):
        session.execute(
            update(GroupSession)
            .where(GroupSession.current_round_id.in_(chunk))
            .values(current_round_id=None, version=GroupSession.version + 1)
        )
    for chunk in _chunks(doomed["dilemmas"]):
        session.execute(
            update(GroupSession)
            .where(GroupSession.current_dilemma_id.in_(chunk))
            .values(
                current_dilemma_id=None,
                responses_revealed=False,
                version=GroupSession.version + 1,
            )
        )
    session.execute(
        update(Report).where(Report.reporter_id == user_id).values(reporter_id=None, reason="")
    )
    # Throttling records are keyed by a hash of the username or by the id: they go too.
    throttle_keys = logins.throttle_keys_of(user)
    counts["login_failures"] = session.execute(
        delete(LoginFailure).where(LoginFailure.key.in_(throttle_keys))
    ).rowcount

    # Children first: each table's rows go before the rows they point at. Just before the
    # person's own row, everything left that points at them without cascading loses the
    # pointer (as ON DELETE SET NULL would do), counted as kept without their name.
    users = Base.metadata.tables["users"]
    for table in reversed(Base.metadata.sorted_tables):
        if table is users:
            for referring, column in _nullable_references_to(users):
                kept += session.execute(
                    update(referring).where(column == user_id).values({column.name: None})
                ).rowcount
        for chunk in _chunks(doomed.get(table.name, ())):
            counts[table.name] += session.execute(
                delete(table).where(table.c.id.in_(chunk))
            ).rowcount

    # The ORM may still hold objects for rows just deleted: forget them all, so that nothing
    # tries to write them back and nothing reads stale values afterwards. The person's object
    # leaves the session as it was (its id and name stay readable for the caller).
    if user in session:
        session.expunge(user)
    session.expire_all()

    pending = session.info.setdefault(_PENDING, [])
    pending.extend(files["voice"] + files["export"])
    counts["voice_files"] = len(files["voice"])
    counts["export_files"] = len(files["export"])
    counts["kept_anonymous"] = kept
    log.info("account %s deleted (%s)", user_id, reason)
    return dict(counts)


def delete_own(user: User, password: str) -> tuple[dict[str, int] | None, str | None]:
    """The owner's own deletion, with their password typed again: (counts, None), or (None,
    why) with why "throttled", "invalid" (a failure is recorded, as for a login) or "refused"
    (see `refusal`). The caller commits either way and logs the device out on success."""
    if logins.is_throttled(user.username):
        return None, "throttled"
    ok, _upgraded = passwords.verify(user.password_hash, password or "")
    if not ok:
        logins.record_failure(user.username)
        return None, "invalid"
    if refusal(user) is not None:
        return None, "refused"
    return delete_account(user, reason="own"), None


def refusal(user: User) -> str | None:
    """Why this person may not delete their own account now (translated), or None.

    A counsellor who is the last counsellor of an open group must hand it over first: the
    group's participants would otherwise be left with nobody to lead it."""
    if user.role == "admin":
        admins = db.session.scalar(
            select(func.count()).select_from(User).where(User.role == "admin")
        )
        if admins <= 1:
            return _(
                "You are the only administrator. Ask whoever runs Stegvis to make someone"
                " else an administrator before you delete your account."
            )
    if user.role not in ("counsellor", "admin"):
        return None
    mine = select(Membership.group_id).where(
        Membership.user_id == user.id, Membership.role == "counsellor"
    )
    others = (
        select(Membership.id)
        .where(
            Membership.group_id == Group.id,
            Membership.role == "counsellor",
            Membership.user_id != user.id,
        )
        .exists()
    )
    alone = db.session.scalar(
        select(Group.name)
        .where(Group.id.in_(mine), Group.closed_at.is_(None), ~others)
        .order_by(Group.name)
        .limit(1)
    )
    if alone is not None:
        return _(
            "You are the only counsellor of %(group)s. Ask a colleague to join the group as"
            " counsellor (or close the group) before you delete your account.",
            group=alone,
        )
    return None


# --- what goes -----------------------------------------------------------------------------------


def _doomed_rows(user_id: int) -> dict[str, set[int]]:
    """Ids per table of every row that goes: the person, what cascades from them, and what
    cascades from that, to the end; plus strength words they gave, invitations that made them
    a mentor, and notices of their reactions and words (see the module's docstring)."""
    session = db.session
    doomed: dict[str, set[int]] = defaultdict(set)
    doomed["users"].add(user_id)
    extra = {
        "strength_words": select(StrengthWord.id).where(StrengthWord.giver_id == user_id),
        "mentor_invites": select(MentorInvite.id).where(MentorInvite.mentor_id == user_id),
        "notifications": select(Notification.id).where(
            Notification.actor_id == user_id,
            Notification.kind.in_([NotificationKind.REACTION, NotificationKind.STRENGTH_WORD]),
        ),
    }
    for name, query in extra.items():
        doomed[name].update(session.scalars(query))

    cascades = [
        (table, fk)
        for table in Base.metadata.sorted_tables
        for fk in table.foreign_keys
        if (fk.ondelete or "").upper() == "CASCADE"
    ]
    changed = True
    while changed:
        changed = False
        for table, fk in cascades:
            parents = doomed.get(fk.column.table.name)
            if not parents:
                continue
            found: set[int] = set()
            for chunk in _chunks(parents):
                found.update(session.scalars(select(table.c.id).where(fk.parent.in_(chunk))))
            new = found - doomed[table.name]
            if new:
                doomed[table.name].update(new)
                changed = True
    return doomed


def _nullable_references_to(users: Table) -> Iterable[tuple[Table, object]]:
    for table in Base.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table is users and (fk.ondelete or "").upper() == "SET NULL":
                yield table, fk.parent


def _files_of(doomed: dict[str, set[int]]) -> dict[str, list[Path]]:
    session = db.session
    config = current_app.config
    voice_dir = Path(config["VOICE_DIR"])
    export_dir = Path(config.get("EXPORT_DIR") or Path(current_app.instance_path) / "exports")
    voice, export = [], []
    for chunk in _chunks(doomed.get("voice_notes", set())):
        voice += [
            voice_dir / name
            for name in session.scalars(select(VoiceNote.file_name).where(VoiceNote.id.in_(chunk)))
        ]
    for chunk in _chunks(doomed.get("data_exports", set())):
        export += [
            export_dir / name
            for name in session.scalars(
                select(DataExport.file_name).where(
                    DataExport.id.in_(chunk), DataExport.file_name.is_not(None)
                )
            )
        ]
    return {"voice": voice, "export": export}


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ordered = sorted(ids)
    for start in range(0, len(ordered), CHUNK):
        yield ordered[start : start + CHUNK]


# --- files after the commit ----------------------------------------------------------------------


@event.listens_for(Session, "after_commit")
def _remove_files(session: Session) -> None:
    for path in session.info.pop(_PENDING, []):
        try:
            Path(path).unlink(missing_ok=True)
        except OSError:  # a file we cannot remove is logged by id-free name, never its owner
            log.warning("could not remove %s", Path(path).name)


@event.listens_for(Session, "after_rollback")
def _keep_files(session: Session) -> None:
    session.info.pop(_PENDING, None)
