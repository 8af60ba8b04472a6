""" "Download my data": a zip of everything Stegvis keeps about one person, and nothing of anyone
else's. The format is documented in docs/privacy/export-format.md; change both together.

The owner asks (`request`); the worker builds it (`claim_and_build`, one export at a time per
worker, under a lease as deliveries are); the owner downloads it until `expires_at`; then
`remove_expired` deletes the file and the row.

Isolation is the rule of this module: every query starts from the owner's id, or goes through
`visibility` where it reads what others wrote. Others appear only by display name and only where
the owner already sees that name in the app (the mentor, a reply on the owner's own item, a
strength word given with the giver's name). Anonymous authors never appear, not even as an id:
responses to the owner's dilemmas carry no author at all, and the owner's own responses carry
nothing of the dilemma they answered but its group and session.
"""

import json
import logging
import secrets
import zipfile
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from babel.dates import format_datetime as babel_datetime
from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm import aliased, joinedload, selectinload

from webapp.extensions import db
from webapp.models import (
    Attendance,
    DataExport,
    Delivery,
    Dilemma,
    DilemmaResponse,
    Entry,
    ExportStatus,
    Goal,
    Group,
    GroupSession,
    GuardianConsent,
    LoginSession,
    Membership,
    MentorInvite,
    MentorLink,
    Notification,
    NotificationKind,
    NotificationSettings,
    PrivacyAcknowledgement,
    PushSubscription,
    Reminder,
    Reply,
    Report,
    ResetCode,
    Share,
    ShareReaction,
    ShareView,
    Step,
    StrengthRound,
    StrengthWord,
    User,
    VoiceNote,
)
from webapp.models.base import utcnow
from webapp.services import notifications, visibility, voice
from webapp.services.sharing import word_label

log = logging.getLogger("stegvis.exports")

FORMAT = 1  # the version of stegvis-data.json; docs/privacy/export-format.md
KEEP = timedelta(hours=24)  # a ready zip can be downloaded this long
LEASE = timedelta(minutes=10)  # a worker building an export holds it this long (renewed)
FAILED_KEEP = timedelta(days=1)
ACTIVE = (ExportStatus.QUEUED, ExportStatus.BUILDING)
DELETED_USER = "deleted user"  # in the JSON; index.html says it in the owner's language


# --- asking and finding ---------------------------------------------------------------------------


def folder() -> Path:
    path = Path(current_app.config["EXPORT_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(export: DataExport) -> Path | None:
    if not export.file_name:
        return None
    return Path(current_app.config["EXPORT_DIR"]) / export.file_name


def latest(user: User) -> DataExport | None:
    """The owner's newest export (what the page shows)."""
    return db.session.scalar(
        select(DataExport)
        .where(DataExport.user_id == user.id)
        .order_by(DataExport.id.desc())
        .limit(1)
    )


def find(user: User, export_id: int) -> DataExport | None:
    """One of the owner's exports; someone else's is simply not there."""
    return db.session.scalar(
        select(DataExport).where(DataExport.id == export_id, DataExport.user_id == user.id)
    )


def is_valid(export: DataExport, now: datetime | None = None) -> bool:
    """Ready and not expired: the file may be downloaded."""
    now = now or utcnow()
    return (
        export.status == ExportStatus.READY
        and export.expires_at is not None
        and export.expires_at > now
    )


def request(user: User, *, fresh: bool = False, now: datetime | None = None) -> DataExport:
    """One active export at a time: asking again while it is queued or being built gives it
    back; a ready one still valid is given back too, unless `fresh` asks for a new one (the old
    one then goes at once, so at most one zip per person sits on disk). The caller commits."""
    now = now or utcnow()
    current = latest(user)
    if current is not None and (current.status in ACTIVE or (is_valid(current, now) and not fresh)):
        return current
    for old in db.session.scalars(select(DataExport).where(DataExport.user_id == user.id)):
        _remove(old)
    export = DataExport(user_id=user.id, status=ExportStatus.QUEUED, progress=0, created_at=now)
    db.session.add(export)
    db.session.flush()
    return export


def _remove(export: DataExport) -> None:
    path = path_of(export)
    if path is not None:
        path.unlink(missing_ok=True)
    db.session.delete(export)


def remove_expired(now: datetime | None = None) -> int:
    """Deletes zips past `expires_at` (file and row) and failed attempts older than a day.
    Called by the worker on every pass and by the daily purge; gives back how many went."""
    now = now or utcnow()
    gone = list(
        db.session.scalars(
            select(DataExport).where(
                or_(
                    DataExport.expires_at < now,
                    (DataExport.status == ExportStatus.FAILED)
                    & (DataExport.created_at < now - FAILED_KEEP),
                )
            )
        )
    )
    for export in gone:
        _remove(export)
    db.session.flush()
    return len(gone)


def waiting(app) -> bool:
    """Is an export queued? For the worker's idle loop, so that a build starts within a second
    of the request rather than at the next pass."""
    with app.app_context():
        try:
            return (
                db.session.scalar(
                    select(DataExport.id).where(DataExport.status == ExportStatus.QUEUED).limit(1)
                )
                is not None
            )
        except Exception:  # the database is away: the next pass will say so
            return False
        finally:
            db.session.remove()


# --- the worker's side ----------------------------------------------------------------------------


def _claimable(now: datetime):
    return or_(
        DataExport.status == ExportStatus.QUEUED,
        (DataExport.status == ExportStatus.BUILDING) & (DataExport.lease_until < now),
    )


def claim(now: datetime) -> tuple[int, datetime] | None:
    """Takes one export for this worker and commits the claim; its lease end is the token that
    every later write of this build checks (a worker that outlived its lease writes nothing)."""
    lease = now + LEASE + timedelta(microseconds=secrets.randbelow(1_000_000))
    candidates = (
        select(DataExport.id).where(_claimable(now)).order_by(DataExport.created_at).limit(1)
    )
    values = {
        "status": ExportStatus.BUILDING,
        "lease_until": lease,
        "started_at": now,
        "progress": 1,
    }
    if db.engine.dialect.name == "postgresql":
        picked = candidates.with_for_update(skip_locked=True).scalar_subquery()
        export_id = db.session.scalar(
            update(DataExport)
            .where(DataExport.id == picked)
            .values(**values)
            .returning(DataExport.id)
            .execution_options(synchronize_session=False)
        )
    else:
        wanted = db.session.scalar(candidates)
        export_id = None
        if wanted is not None:
            # SQLite runs one writer at a time; the guard is checked again inside the UPDATE.
            done = db.session.execute(
                update(DataExport)
                .where(DataExport.id == wanted, _claimable(now))
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            export_id = wanted if done.rowcount == 1 else None
    db.session.commit()
    return (export_id, lease) if export_id is not None else None


def claim_and_build(now: datetime | None = None, limit: int = 3) -> int:
    """Removes what has expired, then builds up to `limit` queued exports; how many it built.
    Called from the worker's pass (`webapp/worker.py run_once`)."""
    now = now or utcnow()
    removed = remove_expired(now)
    db.session.commit()
    if removed:
        log.info("removed %d expired exports", removed)
    built = 0
    for _turn in range(limit):
        claimed = claim(now)
        if claimed is None:
            break
        if build(*claimed):
            built += 1
    return built


def build(export_id: int, lease: datetime | None = None) -> bool:
    """Writes the zip of one export and marks it ready (or failed); commits. Without `lease`
    (tests, a command) it builds whatever state the export is in."""
    export = db.session.get(DataExport, export_id)
    if export is None:
        return False
    user = db.session.get(User, export.user_id)
    if lease is None:
        lease = utcnow() + LEASE
        export.status, export.lease_until = ExportStatus.BUILDING, lease
        export.started_at = export.started_at or utcnow()
        db.session.commit()
    state = {"lease": lease}

    def progress(percent: int) -> None:
        _progress(export_id, state, percent)

    name = secrets.token_hex(16) + ".zip"
    target = folder() / name
    partial = folder() / (name + ".part")
    locale = user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    try:
        with force_locale(locale):  # preset words and the readable copy in the owner's language
            data = collect(user, progress)
            progress(60)
            _write_zip(partial, user, data, progress, locale)
        partial.replace(target)
    except _LeaseLost:
        partial.unlink(missing_ok=True)
        db.session.rollback()
        return False
    except Exception:
        log.exception("export %s failed", export_id)
        partial.unlink(missing_ok=True)
        db.session.rollback()
        db.session.execute(
            update(DataExport)
            .where(DataExport.id == export_id, DataExport.lease_until == state["lease"])
            .values(status=ExportStatus.FAILED, lease_until=None, finished_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        db.session.commit()
        return False
    finished = utcnow()
    done = db.session.execute(
        update(DataExport)
        .where(DataExport.id == export_id, DataExport.lease_until == state["lease"])
        .values(
            status=ExportStatus.READY,
            progress=100,
            file_name=name,
            size=target.stat().st_size,
            lease_until=None,
            finished_at=finished,
            expires_at=finished + KEEP,
        )
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:  # another worker took it over: theirs counts, this file goes
        db.session.rollback()
        target.unlink(missing_ok=True)
        return False
    ready = notifications.notify(user.id, NotificationKind.EXPORT_READY, None)
    if ready is not None:
        ready.thread = "export"
        ready.url = notifications.path("me.export")
    db.session.commit()
    return True


class _LeaseLost(Exception):
    pass


def _progress(export_id: int, state: dict, percent: int) -> None:
    """Writes progress (and renews the lease) in its own commit, so the page can show it."""
    renewed = utcnow() + LEASE + timedelta(microseconds=secrets.randbelow(1_000_000))
    done = db.session.execute(
        update(DataExport)
        .where(DataExport.id == export_id, DataExport.lease_until == state["lease"])
        .values(progress=percent, lease_until=renewed)
        .execution_options(synchronize_session=False)
    )
    if done.rowcount != 1:
        db.session.rollback()
        raise _LeaseLost
    state["lease"] = renewed
    db.session.commit()


# --- what goes in ---------------------------------------------------------------------------------


def _iso(value) -> str | None:
    return value.isoformat() if value is not None else None


def _name(person: User | None) -> str:
    return person.display_name if person is not None else DELETED_USER


def collect(user: User, progress: Callable[[int], None] | None = None) -> dict:
    """Everything Stegvis keeps about `user`, as plain JSON values (the `stegvis-data.json`)."""
    progress = progress or (lambda _percent: None)
    me = user.id
    data: dict = {"format": FORMAT, "exported_at": _iso(utcnow())}
    data["account"] = {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "locale": user.locale,
        "large_text": user.large_text,
        "timezone": user.timezone,
        "office": user.office.name if user.office is not None else None,
        "created_at": _iso(user.created_at),
        "last_active_at": _iso(user.last_active_at),
        "inactivity_warned_at": _iso(user.inactivity_warned_at),
        "tour_seen_at": _iso(user.tour_seen_at),
    }
    data["groups"] = [
        {
            "group": m.group.name,
            "office": m.group.office.name,
            "role": m.role,
            "joined_at": _iso(m.joined_at),
        }
        for m in db.session.scalars(
            select(Membership)
            .options(joinedload(Membership.group).joinedload(Group.office))
            .where(Membership.user_id == me)
            .order_by(Membership.joined_at)
        )
    ]
    data["devices"] = [
        {
            "device": d.device_label,
            "created_at": _iso(d.created_at),
            "last_seen_at": _iso(d.last_seen_at),
            "ended_at": _iso(d.ended_at),
        }
        for d in db.session.scalars(
            select(LoginSession).where(LoginSession.user_id == me).order_by(LoginSession.id)
        )
    ]
    progress(5)
    data["goals"] = [
        {
            "id": g.id,
            "title": g.title,
            "why": g.why,
            "theme": g.theme,
            "target_date": _iso(g.target_date),
            "status": g.status,
            "created_at": _iso(g.created_at),
            "updated_at": _iso(g.updated_at),
            "completed_at": _iso(g.completed_at),
        }
        for g in db.session.scalars(visibility.goals_visible_to(user).order_by(Goal.id))
    ]
    data["steps"] = [
        {
            "id": s.id,
            "goal_id": s.goal_id,
            "title": s.title,
            "day": _iso(s.day),
            "done_at": _iso(s.done_at),
            "position": s.position,
            "created_at": _iso(s.created_at),
            "updated_at": _iso(s.updated_at),
        }
        for s in db.session.scalars(
            visibility.steps_visible_to(user).order_by(Step.goal_id, Step.position, Step.id)
        )
    ]
    progress(15)
    entries = list(
        db.session.scalars(
            visibility.entries_visible_to(user)
            .options(selectinload(Entry.revisions), selectinload(Entry.voice))
            .order_by(Entry.created_at, Entry.id)
        )
    )
    data["entries"] = [
        {
            "id": e.id,
            "created_at": _iso(e.created_at),
            "updated_at": _iso(e.updated_at),
            "mood": e.mood,
            "text": e.text,
            "goal_id": e.goal_id,
            "voice_note": _voice_file(e.voice) if e.voice is not None else None,
            "revisions": [
                {
                    "mood": r.mood,
                    "text": r.text,
                    "written_at": _iso(r.written_at),
                    "replaced_at": _iso(r.created_at),
                }
                for r in e.revisions
            ],
        }
        for e in entries
    ]
    data["voice_notes"] = [
        {
            "entry_id": e.id,
            "file": _voice_file(e.voice),
            "mime": e.voice.mime,
            "size": e.voice.size,
            "duration_ms": e.voice.duration_ms,
            "created_at": _iso(e.voice.created_at),
        }
        for e in entries
        if e.voice is not None
    ]
    progress(30)
    data.update(_sharing(user))
    progress(45)
    data.update(_sessions(user))
    data.update(_the_rest(user))
    return data


def _voice_file(note: VoiceNote) -> str:
    return f"voice/{note.file_name}"


def _item_of(share: Share) -> dict:
    item_id = share.goal_id or share.step_id or share.entry_id
    return {"kind": share.kind, "id": item_id}


def _audience(share: Share) -> dict:
    if share.group_id is not None:
        return {"type": "group", "name": share.group.name}
    return {"type": "mentor", "name": _name(share.mentor)}


def _sharing(user: User) -> dict:
    me = user.id
    shares = list(
        db.session.scalars(
            visibility.shares_owned_by(user)
            .options(joinedload(Share.group), joinedload(Share.mentor))
            .order_by(Share.id)
        )
    )
    out: dict = {
        "shares": [
            {
                "id": s.id,
                "item": _item_of(s),
                "audience": _audience(s),
                "include_voice": s.include_voice,
                "created_at": _iso(s.created_at),
                "shared_at": _iso(s.shared_at),
                "revoked_at": _iso(s.revoked_at),
                "hidden_at": _iso(s.hidden_at),
                "hidden_reason": s.hidden_reason,
            }
            for s in shares
        ]
    }
    # What others wrote on my items: as I see it in the app (visibility), with their names.
    author = aliased(User)
    received = db.session.execute(
        visibility.replies_visible_to(user)
        .add_columns(author)
        .outerjoin(author, author.id == Reply.author_id)
        .where(Share.owner_id == me, or_(Reply.author_id.is_(None), Reply.author_id != me))
        .order_by(Reply.created_at, Reply.id)
    ).all()
    out["replies_received"] = [
        {
            "share_id": r.share_id,
            "from": _name(person),
            "text": r.text,
            "created_at": _iso(r.created_at),
        }
        for r, person in received
    ]
    # What I wrote: my words, and only the kind of item they were on (never its text).
    mine = db.session.execute(
        select(Reply, Share.kind, Share.owner_id)
        .join(Share, Share.id == Reply.share_id)
        .where(Reply.author_id == me)
        .order_by(Reply.created_at, Reply.id)
    ).all()
    out["replies_written"] = [
        {
            "on": {"kind": kind, "my_own_item": owner == me},
            "share_id": r.share_id if owner == me else None,
            "text": r.text,
            "created_at": _iso(r.created_at),
            "hidden_at": _iso(r.hidden_at),
            "hidden_reason": r.hidden_reason,
        }
        for r, kind, owner in mine
    ]
    reactor = aliased(User)
    got = db.session.execute(
        visibility.reactions_visible_to(user)
        .add_columns(reactor)
        .join(reactor, reactor.id == ShareReaction.user_id)
        .where(Share.owner_id == me, ShareReaction.user_id != me)
        .order_by(ShareReaction.created_at, ShareReaction.id)
    ).all()
    given = db.session.execute(
        select(ShareReaction, Share.kind, Share.owner_id)
        .join(Share, Share.id == ShareReaction.share_id)
        .where(ShareReaction.user_id == me)
        .order_by(ShareReaction.created_at, ShareReaction.id)
    ).all()
    out["reactions"] = {
        "received": [
            {
                "share_id": r.share_id,
                "from": _name(person),
                "reaction": r.reaction,
                "created_at": _iso(r.created_at),
            }
            for r, person in got
        ],
        "given": [
            {
                "on": {"kind": kind, "my_own_item": owner == me},
                "reaction": r.reaction,
                "created_at": _iso(r.created_at),
            }
            for r, kind, owner in given
        ],
    }
    words = list(
        db.session.scalars(
            visibility.strength_words_received_by(user)
            .options(joinedload(StrengthWord.giver))
            .order_by(StrengthWord.created_at, StrengthWord.id)
        )
    )
    gave = db.session.execute(
        select(StrengthWord, User)
        .join(User, User.id == StrengthWord.recipient_id)
        .where(StrengthWord.giver_id == me)
        .order_by(StrengthWord.created_at, StrengthWord.id)
    ).all()
    out["strength_words"] = {
        "received": [
            {
                "word": word_label(w),
                "preset": w.preset,
                # The giver's name only if they chose to show it; never who, otherwise.
                "from": w.giver.display_name if w.show_name and w.giver is not None else None,
                "in_a_session": w.round_id is not None,
                "created_at": _iso(w.created_at),
            }
            for w in words
        ],
        "given": [
            {
                "word": word_label(w),
                "preset": w.preset,
                "to": person.display_name,
                "with_my_name": w.show_name,
                "created_at": _iso(w.created_at),
                "hidden_at": _iso(w.hidden_at),
                "hidden_reason": w.hidden_reason,
            }
            for w, person in gave
        ],
    }
    viewer = aliased(User)
    views = db.session.execute(
        visibility.share_views_of(user)
        .add_columns(viewer, Share.kind)
        .join(Share, Share.id == ShareView.share_id)
        .outerjoin(viewer, viewer.id == ShareView.viewer_id)
        .order_by(ShareView.at, ShareView.id)
    ).all()
    out["share_views"] = [
        {
            "share_id": v.share_id,
            "item_kind": kind,
            "viewer": _name(person),
            "viewer_role": v.viewer_role,
            "at": _iso(v.at),
        }
        for v, person, kind in views
    ]
    links = list(
        db.session.scalars(
            select(MentorLink)
            .options(
                joinedload(MentorLink.mentor),
                joinedload(MentorLink.participant),
                joinedload(MentorLink.proposed_by),
            )
            .where(
                or_(
                    MentorLink.participant_id == me,
                    # A mentor sees a link once the participant said yes (as in the app).
                    MentorLink.id.in_(
                        visibility.mentor_links_of(user)
                        .where(MentorLink.mentor_id == me)
                        .with_only_columns(MentorLink.id)
                    ),
                )
            )
            .order_by(MentorLink.id)
        )
    )
    out["mentor_links"] = [
        {
            "role": "participant" if link.participant_id == me else "mentor",
            "with": _name(link.mentor if link.participant_id == me else link.participant),
            "proposed_by": _name(link.proposed_by) if link.proposed_by_id else None,
            "status": link.status,
            "created_at": _iso(link.created_at),
            "answered_at": _iso(link.answered_at),
            "ended_at": _iso(link.ended_at),
        }
        for link in links
    ]
    out["reports_made"] = [
        {
            "reason": r.reason,
            "created_at": _iso(r.created_at),
            "resolved_at": _iso(r.resolved_at),
        }
        for r in db.session.scalars(
            select(Report).where(Report.reporter_id == me).order_by(Report.id)
        )
    ]
    return out


def _session_ref(session: GroupSession | None, group: Group) -> dict:
    return {
        "group": group.name,
        "session": session.number if session is not None else None,
        "starts_at": _iso(session.starts_at) if session is not None else None,
    }


def _sessions(user: User) -> dict:
    me = user.id
    dilemmas = list(
        db.session.scalars(
            select(Dilemma)
            .options(selectinload(Dilemma.responses))
            .where(Dilemma.author_id == me)
            .order_by(Dilemma.id)
        )
    )
    groups = _Groups()
    sessions = {
        s.id: s
        for s in db.session.scalars(
            select(GroupSession).where(
                or_(
                    GroupSession.id.in_(select(Dilemma.session_id).where(Dilemma.author_id == me)),
                    GroupSession.id.in_(
                        select(Dilemma.session_id)
                        .join(DilemmaResponse, DilemmaResponse.dilemma_id == Dilemma.id)
                        .where(DilemmaResponse.author_id == me)
                    ),
                    GroupSession.id.in_(
                        select(Attendance.session_id).where(Attendance.user_id == me)
                    ),
                    GroupSession.id.in_(
                        select(StrengthRound.session_id).where(StrengthRound.subject_id == me)
                    ),
                )
            )
        )
    }
    out: dict = {
        "dilemmas": [
            {
                "id": d.id,
                "where": _session_ref(sessions.get(d.session_id), groups[d.group_id]),
                "anonymous": d.anonymous,
                "problem": d.problem,
                "solutions": d.solutions(),
                "created_at": _iso(d.created_at),
                "updated_at": _iso(d.updated_at),
                "shown_at": _iso(d.shown_at),
                "hidden_at": _iso(d.hidden_at),
                "hidden_reason": d.hidden_reason,
                "chosen_solution": d.chosen_solution,
                "chosen_at": _iso(d.chosen_at),
                "goal_id": d.goal_id,
                # Responses are anonymous to the author of the dilemma: no author, no id, and
                # no sign of who; hidden ones stay with their authors and the counsellors.
                "responses": [
                    {
                        "kind": r.kind,
                        "choice": r.choice,
                        "text": r.text,
                        "created_at": _iso(r.created_at),
                    }
                    for r in d.responses
                    if r.hidden_at is None or r.author_id == me
                ],
            }
            for d in dilemmas
        ]
    }
    answered = db.session.execute(
        select(DilemmaResponse, Dilemma.group_id, Dilemma.session_id, Dilemma.author_id)
        .join(Dilemma, Dilemma.id == DilemmaResponse.dilemma_id)
        .where(DilemmaResponse.author_id == me)
        .order_by(DilemmaResponse.id)
    ).all()
    out["dilemma_responses"] = [
        {
            # Of the dilemma: only where it was, never its text or its author.
            "on": {
                **_session_ref(sessions.get(session_id), groups[group_id]),
                "my_own_dilemma": author_id == me,
            },
            "anonymous": r.anonymous,
            "kind": r.kind,
            "choice": r.choice,
            "text": r.text,
            "created_at": _iso(r.created_at),
            "updated_at": _iso(r.updated_at),
            "hidden_at": _iso(r.hidden_at),
            "hidden_reason": r.hidden_reason,
        }
        for r, group_id, session_id, author_id in answered
    ]
    out["attendance"] = [
        {
            **_session_ref(sessions.get(a.session_id), _group_of(sessions, groups, a.session_id)),
            "joined_at": _iso(a.joined_at),
        }
        for a in db.session.scalars(
            select(Attendance).where(Attendance.user_id == me).order_by(Attendance.joined_at)
        )
    ]
    out["strength_rounds_about_me"] = [
        {
            **_session_ref(sessions.get(r.session_id), _group_of(sessions, groups, r.session_id)),
            "started_at": _iso(r.started_at),
            "ended_at": _iso(r.ended_at),
        }
        for r in db.session.scalars(
            select(StrengthRound).where(StrengthRound.subject_id == me).order_by(StrengthRound.id)
        )
    ]
    return out


class _Groups(dict):
    """Groups by id, read when first needed (the session's identity map keeps them)."""

    def __missing__(self, group_id: int) -> Group:
        self[group_id] = db.session.get(Group, group_id)
        return self[group_id]


def _group_of(sessions: dict, groups: dict, session_id: int) -> Group:
    return groups[sessions[session_id].group_id]


def _the_rest(user: User) -> dict:
    me = user.id
    notices = list(
        db.session.scalars(
            visibility.notifications_visible_to(user)
            .options(joinedload(Notification.actor))
            .order_by(Notification.id)
        )
    )
    settings = db.session.scalar(
        select(NotificationSettings).where(NotificationSettings.user_id == me)
    )
    out: dict = {
        "notifications": [
            {
                "kind": n.kind,
                # The actor is stored only when they may be named (never for an unnamed word).
                "from": n.actor.display_name if n.actor is not None else None,
                "url": n.url,
                "created_at": _iso(n.created_at),
                "read_at": _iso(n.read_at),
            }
            for n in notices
        ],
        "notification_settings": {
            "quiet_start": _iso(settings.quiet_start) if settings else "21:30:00",
            "quiet_end": _iso(settings.quiet_end) if settings else "08:00:00",
            "session_nudges": settings.session_nudges if settings else True,
            "step_nudges": settings.step_nudges if settings else True,
            "inactive_nudges": settings.inactive_nudges if settings else True,
            "inactive_days": settings.inactive_days if settings else 4,
            "inbox_pushes": settings.inbox_pushes if settings else True,
            "saved": settings is not None,
        },
    }
    reminders = list(
        db.session.scalars(
            select(Reminder)
            .options(joinedload(Reminder.group), selectinload(Reminder.recipients))
            .where(Reminder.created_by_id == me)
            .order_by(Reminder.id)
        )
    )
    out["reminders"] = [
        {
            "kind": r.kind,
            "template": r.template,
            "text": r.text,
            "group": r.group.name if r.group is not None else None,
            "recipients": len(r.recipients),  # how many, never who
            "step_id": r.step_id,
            "start_date": _iso(r.start_date),
            "start_time": _iso(r.start_time),
            "timezone": r.tzid,
            "rrule": r.rrule,
            "paused_at": _iso(r.paused_at),
            "created_at": _iso(r.created_at),
        }
        for r in reminders
    ]
    out["deliveries"] = [
        {
            "kind": d.kind,
            "occurrence_at": _iso(d.occurrence_at),
            "status": d.status,
            "finished_at": _iso(d.finished_at),
        }
        for d in db.session.scalars(
            select(Delivery).where(Delivery.user_id == me).order_by(Delivery.id)
        )
    ]
    # The device's name and health; never its endpoint or keys (they let anyone push to it).
    out["push_subscriptions"] = [
        {
            "device": p.label,
            "enabled": p.enabled,
            "created_at": _iso(p.created_at),
            "last_success_at": _iso(p.last_success_at),
            "last_failure_at": _iso(p.last_failure_at),
            "failure_count": p.failure_count,
        }
        for p in db.session.scalars(
            select(PushSubscription)
            .where(PushSubscription.user_id == me)
            .order_by(PushSubscription.id)
        )
    ]
    out["privacy_acknowledgements"] = [
        {"version": a.version, "at": _iso(a.at)}
        for a in db.session.scalars(
            select(PrivacyAcknowledgement)
            .where(PrivacyAcknowledgement.user_id == me)
            .order_by(PrivacyAcknowledgement.version)
        )
    ]
    consent = db.session.scalar(
        select(GuardianConsent)
        .options(joinedload(GuardianConsent.recorded_by))
        .where(GuardianConsent.user_id == me)
    )
    out["guardian_consent"] = (
        {
            "guardian": consent.guardian_name,
            "given_on": _iso(consent.given_on),
            "recorded_by": _name(consent.recorded_by),
            "recorded_at": _iso(consent.created_at),
        }
        if consent is not None
        else None
    )
    issuer = aliased(User)
    out["reset_codes"] = [
        {
            "made_by": _name(person) if code.issued_by_id is not None else None,
            "created_at": _iso(code.created_at),
            "expires_at": _iso(code.expires_at),
            "used_at": _iso(code.used_at),
        }
        for code, person in db.session.execute(
            select(ResetCode, issuer)
            .outerjoin(issuer, issuer.id == ResetCode.issued_by_id)
            .where(ResetCode.user_id == me)
            .order_by(ResetCode.id)
        ).all()
    ]
    inviter = aliased(User)
    out["mentor_invite"] = [
        {
            "invited_by": _name(person) if invite.invited_by_id is not None else None,
            "note": invite.note,
            "created_at": _iso(invite.created_at),
            "used_at": _iso(invite.used_at),
        }
        for invite, person in db.session.execute(
            select(MentorInvite, inviter)
            .outerjoin(inviter, inviter.id == MentorInvite.invited_by_id)
            .where(MentorInvite.mentor_id == me)
            .order_by(MentorInvite.id)
        ).all()
    ]
    return out


# --- the zip --------------------------------------------------------------------------------------


def _write_zip(
    path: Path, user: User, data: dict, progress: Callable[[int], None], locale: str
) -> None:
    notes = {
        n.file_name: n
        for n in db.session.scalars(
            select(VoiceNote)
            .join(Entry, Entry.id == VoiceNote.entry_id)
            .where(Entry.owner_id == user.id)
        )
    }
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        zf.writestr("stegvis-data.json", json.dumps(data, ensure_ascii=False, indent=1))
        progress(70)
        zf.writestr("index.html", render_html(user, data, locale))
        zf.writestr("README.txt", _readme())
        progress(80)
        for i, (name, note) in enumerate(sorted(notes.items())):
            source = voice.path_of(note)
            if source.exists():  # audio is compressed already: stored as it is
                zf.write(source, f"voice/{name}", compress_type=zipfile.ZIP_STORED)
            if notes and i % 10 == 9:
                progress(80 + 19 * (i + 1) // len(notes))


def _readme() -> str:
    return (
        "\n\n".join(
            [
                _("Your data from Stegvis"),
                _(
                    "index.html: everything we keep about you, to read in a browser"
                    " (it works without a connection)."
                ),
                _(
                    "stegvis-data.json: the same, for a computer. The format is described in the"
                    " Stegvis documentation (docs/privacy/export-format.md)."
                ),
                _("voice/: your voice notes."),
                _(
                    "Keep this file safe: it holds your journal. Delete it when you no longer need"
                    " it."
                ),
            ]
        )
        + "\n"
    )


def render_html(user: User, data: dict, locale: str) -> str:
    """The readable copy: one self-contained page, inline CSS, no scripts, in the owner's
    language and time zone."""
    try:
        tz = ZoneInfo(user.timezone or "Europe/Oslo")
    except (KeyError, ValueError):
        tz = ZoneInfo("Europe/Oslo")

    def when(value: str | None) -> str:
        if not value:
            return ""
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            return value
        return babel_datetime(moment, "short", tzinfo=tz, locale=locale)

    template = current_app.jinja_env.get_template("me/export_archive.html")
    return template.render(data=data, when=when, lang=locale, deleted_user=_("Deleted user"))
