"""The live session: what a phone, the counsellor and the big screen see, and the counsellor's
moves (start, show a dilemma, reveal, hide, silence timer, strength-word round, end).

Every change anyone in the room can see goes through `touch`, which grows the session's
version: that number is the live view's ETag, so a phone asking about an unchanged session
gets a 304 after one small query (`probe`).

Anonymity: the state built here never carries an author id. A post's author is named only when
it is not anonymous; the author's own phone is told `"mine": true` instead.
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, func, select, update
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db, pure_read
from webapp.models import (
    Attendance,
    Dilemma,
    DilemmaResponse,
    GroupSession,
    Membership,
    ResponseKind,
    Role,
    SessionStatus,
    StrengthRound,
    StrengthWord,
    User,
)
from webapp.models.base import utcnow
from webapp.services import groups, notifications, sharing, visibility

TIMER_CHOICES = (30, 60, 120)
SCREEN, PHONE = "screen", "phone"


class NotAllowed(Exception):
    """The person may see this, but not do this to it now (the session is not live, say)."""


def touch(session_id: int) -> None:
    """One more version of the session: every live view fetches the new state on its next poll."""
    db.session.execute(
        update(GroupSession)
        .where(GroupSession.id == session_id)
        .values(version=GroupSession.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )


# --- the poll's first question: has anything changed, and may this person ask? -------------------


@dataclass(frozen=True)
class Probe:
    version: int
    status: str
    role: str  # the viewer's role in the session's group
    timer_ends_at: datetime | None
    timer_seconds: int
    current_dilemma_id: int | None
    current_round_id: int | None


@cache
def _probe_query():
    sessions, members = GroupSession.__table__.c, Membership.__table__.c
    return pure_read(
        visibility.session_rows_visible_to(
            bindparam("viewer_id"),
            sessions.version,
            sessions.status,
            members.role,
            sessions.timer_ends_at,
            sessions.timer_seconds,
            sessions.current_dilemma_id,
            sessions.current_round_id,
        ).where(sessions.id == bindparam("session_id"))
    )


def probe(session_id: int, viewer_id: int) -> Probe | None:
    """Version, status and the viewer's role in one small read; None when not theirs to see."""
    row = db.session.execute(
        _probe_query(), {"viewer_id": viewer_id, "session_id": session_id}
    ).first()
    return None if row is None else Probe(*row)


def etag(session_id: int, version: int, view: str) -> str:
    return f'W/"{session_id}.{version}.{view}"'


def head(session_id: int, probe: Probe) -> dict:
    """What a page polling for changes needs, straight from the probe (no more queries): the
    version, the status, the timer and which dilemma and round are on. The page then fetches
    its own regions; the full document is for other clients."""
    timer = None
    if probe.timer_ends_at is not None:
        ends_at = probe.timer_ends_at
        if ends_at.tzinfo is None:  # SQLite hands back naive UTC for raw columns
            ends_at = ends_at.replace(tzinfo=UTC)
        timer = {"ends_at": _iso(ends_at), "seconds": probe.timer_seconds}
    live = probe.status == SessionStatus.LIVE
    dilemma, round_ = probe.current_dilemma_id, probe.current_round_id
    return {
        "session_id": session_id,
        "version": probe.version,
        "status": probe.status,
        "server_time": _iso(utcnow()),
        "timer": timer,
        "dilemma": {"id": dilemma} if live and dilemma is not None else None,
        "round": {"id": round_} if live and round_ is not None else None,
    }


# --- finding things, always through visibility ---------------------------------------------------


def visible_session(user: User, session_id: int) -> GroupSession | None:
    return db.session.scalar(
        visibility.sessions_visible_to(user).where(GroupSession.id == session_id)
    )


def led_session(user: User, session_id: int) -> GroupSession | None:
    return db.session.scalar(visibility.sessions_led_by(user).where(GroupSession.id == session_id))


def live_session_by_code(raw: str) -> GroupSession | None:
    """The live session a join code opens (codes exist only while a session is live)."""
    code = groups.normalise_code(raw)
    if not 4 <= len(code) <= 12:
        return None
    return db.session.scalar(
        select(GroupSession).where(
            GroupSession.join_code == code, GroupSession.status == SessionStatus.LIVE
        )
    )


def open_dilemma(user: User, dilemma_id: int) -> Dilemma | None:
    """A dilemma this person may answer now: shown in a live session of their group, not hidden."""
    live_sessions = select(GroupSession.id).where(
        GroupSession.status == SessionStatus.LIVE, GroupSession.group_id == Dilemma.group_id
    )
    return db.session.scalar(
        visibility.dilemmas_visible_to(user).where(
            Dilemma.id == dilemma_id,
            Dilemma.shown_at.is_not(None),
            Dilemma.hidden_at.is_(None),
            Dilemma.session_id.in_(live_sessions),
        )
    )


def own_response(user: User, response_id: int) -> DilemmaResponse | None:
    return db.session.scalar(
        visibility.responses_visible_to(user).where(
            DilemmaResponse.id == response_id, DilemmaResponse.author_id == user.id
        )
    )


def open_round(user: User, round_id: int) -> StrengthRound | None:
    """The strength-word round on now in a live session of the person's group."""
    current = select(GroupSession.current_round_id).where(
        GroupSession.status == SessionStatus.LIVE,
        GroupSession.current_round_id.is_not(None),
    )
    return db.session.scalar(
        visibility.rounds_visible_to(user).where(
            StrengthRound.id == round_id,
            StrengthRound.ended_at.is_(None),
            StrengthRound.id.in_(current),
        )
    )


def waiting_dilemmas(counsellor: User, session: GroupSession) -> list[Dilemma]:
    """The group's dilemmas not yet shown, oldest first: what the counsellor may pick next."""
    return list(
        db.session.scalars(
            visibility.dilemmas_visible_to(counsellor)
            .where(
                Dilemma.group_id == session.group_id,
                Dilemma.shown_at.is_(None),
                Dilemma.session_id.is_(None),
            )
            .order_by(Dilemma.created_at, Dilemma.id)
        )
    )


def shown_dilemmas(counsellor: User, session: GroupSession) -> list[Dilemma]:
    """The dilemmas already shown in this session, to show one again."""
    return list(
        db.session.scalars(
            visibility.dilemmas_visible_to(counsellor)
            .where(Dilemma.session_id == session.id, Dilemma.shown_at.is_not(None))
            .order_by(Dilemma.shown_at, Dilemma.id)
        )
    )


def participants_of(counsellor: User, session: GroupSession) -> list[User]:
    """Participants of the session's group, for picking whose strength-word round it is."""
    return list(
        db.session.scalars(
            visibility.participants_led_by(counsellor)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.group_id == session.group_id, Membership.role == Role.PARTICIPANT)
            .order_by(User.display_name)
        )
    )


def attendance_count(session_id: int) -> int:
    return (
        db.session.scalar(
            select(func.count(Attendance.id)).where(Attendance.session_id == session_id)
        )
        or 0
    )


def has_joined(user: User, session_id: int) -> bool:
    return (
        db.session.scalar(
            visibility.attendance_of(user)
            .with_only_columns(Attendance.id)
            .where(Attendance.session_id == session_id, Attendance.user_id == user.id)
        )
        is not None
    )


# --- the counsellor's moves ----------------------------------------------------------------------


def _unused_join_code() -> str:
    while True:
        code = groups.new_code()
        if db.session.scalar(select(GroupSession.id).where(GroupSession.join_code == code)) is None:
            return code


def start(session: GroupSession) -> None:
    """Live now, with a fresh join code. Starting a live session again changes nothing."""
    if session.status == SessionStatus.LIVE:
        return
    if session.status == SessionStatus.ENDED:
        raise NotAllowed  # its dilemmas went home to their authors: plan a new session instead
    session.status = SessionStatus.LIVE
    session.started_at = utcnow()
    session.join_code = _unused_join_code()
    db.session.flush()
    touch(session.id)


def end(session: GroupSession) -> None:
    """The session is over: the code goes, the screen empties, the dilemmas go home."""
    if session.status != SessionStatus.LIVE:
        return
    now = utcnow()
    db.session.execute(
        update(StrengthRound)
        .where(StrengthRound.session_id == session.id, StrengthRound.ended_at.is_(None))
        .values(ended_at=now)
        .execution_options(synchronize_session=False)
    )
    session.status = SessionStatus.ENDED
    session.ended_at = now
    session.join_code = None
    session.current_dilemma_id = None
    session.current_round_id = None
    session.responses_revealed = False
    session.timer_ends_at = None
    session.timer_seconds = 0
    db.session.flush()
    touch(session.id)


def _require_live(session: GroupSession) -> None:
    if session.status != SessionStatus.LIVE:
        raise NotAllowed


def show(session: GroupSession, dilemma: Dilemma) -> None:
    """Puts a dilemma of the group on the screen; its responses start hidden from the screen."""
    _require_live(session)
    if dilemma.group_id != session.group_id or dilemma.session_id not in (None, session.id):
        raise NotAllowed
    dilemma.session_id = session.id
    dilemma.shown_at = dilemma.shown_at or utcnow()
    session.current_dilemma_id = dilemma.id
    session.responses_revealed = False
    db.session.flush()
    touch(session.id)


def clear_screen(session: GroupSession) -> None:
    session.current_dilemma_id = None
    session.responses_revealed = False
    db.session.flush()
    touch(session.id)


def reveal(session: GroupSession, revealed: bool) -> None:
    _require_live(session)
    session.responses_revealed = revealed
    db.session.flush()
    touch(session.id)


def hide(post: Dilemma | DilemmaResponse, by: User, reason: str, session_id: int) -> None:
    post.hidden_at = utcnow()
    post.hidden_by_id = by.id
    post.hidden_reason = (reason or "").strip()[:200]
    db.session.flush()
    touch(session_id)


def unhide(post: Dilemma | DilemmaResponse, session_id: int) -> None:
    post.hidden_at = None
    post.hidden_by_id = None
    post.hidden_reason = ""
    db.session.flush()
    touch(session_id)


def set_timer(session: GroupSession, seconds: int | None) -> None:
    """The silence timer: a calm countdown on every screen; None or 0 stops it."""
    _require_live(session)
    if seconds:
        session.timer_seconds = seconds
        session.timer_ends_at = utcnow() + timedelta(seconds=seconds)
    else:
        session.timer_seconds = 0
        session.timer_ends_at = None
    db.session.flush()
    touch(session.id)


def start_round(session: GroupSession, subject: User) -> StrengthRound:
    """A strength-word round for one participant; an earlier round ends."""
    _require_live(session)
    end_round(session, touch_after=False)
    round_ = StrengthRound(session_id=session.id, subject_id=subject.id)
    db.session.add(round_)
    db.session.flush()
    session.current_round_id = round_.id
    db.session.flush()
    touch(session.id)
    return round_


def end_round(session: GroupSession, touch_after: bool = True) -> None:
    if session.current_round_id is not None:
        db.session.execute(
            update(StrengthRound)
            .where(StrengthRound.id == session.current_round_id, StrengthRound.ended_at.is_(None))
            .values(ended_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    session.current_round_id = None
    db.session.flush()
    if touch_after:
        touch(session.id)


# --- the participants' moves ---------------------------------------------------------------------


def join(user: User, session: GroupSession) -> bool:
    """Marks the person as here; True when they were not already. Safe to call twice at once."""
    if has_joined(user, session.id):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(Attendance(session_id=session.id, user_id=user.id))
    except IntegrityError:
        return False
    touch(session.id)
    return True


def _attend(user: User, session_id: int) -> None:
    """Whoever writes in the room is here, also if they never tapped "I am here"."""
    if not has_joined(user, session_id):
        try:
            with db.session.begin_nested():
                db.session.add(Attendance(session_id=session_id, user_id=user.id))
        except IntegrityError:
            pass


def join_by_code(user: User, session: GroupSession) -> None:
    """Someone not yet in the group: they become a participant of it, and are here."""
    groups.join(user, session.group)
    join(user, session)


def respond(user: User, dilemma: Dilemma, data: dict) -> tuple[DilemmaResponse, bool]:
    """A thought, question or choice; the same client_id again gives back the first one."""
    client_id = str(data["client_id"])
    existing = db.session.scalar(
        select(DilemmaResponse).where(
            DilemmaResponse.author_id == user.id, DilemmaResponse.client_id == client_id
        )
    )
    if existing is not None:
        return existing, False
    kind = data.get("kind") or ResponseKind.THOUGHT
    row = DilemmaResponse(
        dilemma_id=dilemma.id,
        author_id=user.id,
        client_id=client_id,
        anonymous=bool(data.get("anonymous", True)),
        kind=kind,
        choice=data.get("choice") if kind == ResponseKind.CHOICE else None,
        text=(data.get("text") or "").strip(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:  # the same phone sent it twice at once: the other one won
        existing = db.session.scalar(
            select(DilemmaResponse).where(
                DilemmaResponse.author_id == user.id, DilemmaResponse.client_id == client_id
            )
        )
        if existing is None:
            raise
        return existing, False
    _attend(user, dilemma.session_id)
    touch(dilemma.session_id)
    return row, True


def update_response(response: DilemmaResponse, data: dict) -> None:
    if "text" in data:
        response.text = (data["text"] or "").strip()
    if "anonymous" in data:
        response.anonymous = bool(data["anonymous"])
    if "kind" in data:
        response.kind = data["kind"]
    if "choice" in data or "kind" in data:
        response.choice = data.get("choice") if response.kind == ResponseKind.CHOICE else None
    response.updated_at = utcnow()
    db.session.flush()
    touch(response.dilemma.session_id)


def delete_response(response: DilemmaResponse) -> None:
    session_id = response.dilemma.session_id
    db.session.delete(response)
    db.session.flush()
    if session_id is not None:
        touch(session_id)


def give_word(
    user: User, round_: StrengthRound, preset: str | None, text: str, show_name: bool
) -> StrengthWord:
    """One word per giver in a round (giving again replaces it); it lands in the subject's
    strength words and their inbox tells them (naming the giver only if they chose so)."""
    if round_.subject_id == user.id:
        raise NotAllowed
    word = db.session.scalar(
        select(StrengthWord).where(
            StrengthWord.round_id == round_.id, StrengthWord.giver_id == user.id
        )
    )
    first = word is None
    if first:
        word = StrengthWord(recipient_id=round_.subject_id, giver_id=user.id, round_id=round_.id)
        db.session.add(word)
    word.preset = preset or None
    word.text = "" if preset else (text or "").strip()
    word.show_name = show_name
    word.created_at = utcnow()
    db.session.flush()
    if first:
        notifications.notify_strength_word(word)
        _attend(user, round_.session_id)
    touch(round_.session_id)
    return word


# --- the state every live view draws -------------------------------------------------------------


def _iso(moment) -> str | None:
    return moment.isoformat() if moment is not None else None


def _name(display_name: str | None, anonymous: bool) -> str | None:
    return None if anonymous else display_name


def state(session: GroupSession, viewer: User, view: str, role: str, version: int) -> dict:
    """The live state document (see the API docs); `version` is the one the probe read."""
    counsellor = role == Role.COUNSELLOR and viewer.role == Role.COUNSELLOR
    screen = view == SCREEN
    timer = None
    if session.timer_ends_at is not None:
        timer = {"ends_at": _iso(session.timer_ends_at), "seconds": session.timer_seconds}
    return {
        "session_id": session.id,
        "version": version,
        "status": session.status,
        "server_time": _iso(utcnow()),
        "attendance": attendance_count(session.id),
        "timer": timer,
        "dilemma": _dilemma_state(session, viewer, counsellor, screen),
        "round": _round_state(session, viewer),
    }


def _dilemma_state(session: GroupSession, viewer: User, counsellor: bool, screen: bool):
    if session.current_dilemma_id is None or session.status != SessionStatus.LIVE:
        return None
    row = db.session.execute(
        visibility.dilemmas_visible_to(viewer)
        .join(User, User.id == Dilemma.author_id)
        .add_columns(User.display_name)
        .where(Dilemma.id == session.current_dilemma_id, Dilemma.session_id == session.id)
    ).first()
    if row is None:
        return None
    dilemma, author_name = row
    if screen and dilemma.hidden_at is not None:
        return None
    mine = dilemma.author_id == viewer.id and not screen
    out = {
        "id": dilemma.id,
        "problem": dilemma.problem,
        "solutions": dilemma.solutions(),
        "author": _name(author_name, dilemma.anonymous),
        "anonymous": dilemma.anonymous,
        "mine": mine,
        "revealed": session.responses_revealed,
    }
    if (counsellor or mine) and not screen:
        out["hidden"] = dilemma.hidden_at is not None
    query = (
        visibility.responses_visible_to(viewer)
        .join(User, User.id == DilemmaResponse.author_id)
        .add_columns(User.display_name)
        .where(DilemmaResponse.dilemma_id == dilemma.id)
        .order_by(DilemmaResponse.id)
    )
    if screen:
        query = query.where(DilemmaResponse.hidden_at.is_(None))
    rows = db.session.execute(query).all()
    out["response_count"] = len(rows)
    if screen and not session.responses_revealed:
        out["responses"] = []
        return out
    out["responses"] = [
        _response_state(response, name, viewer, counsellor, screen) for response, name in rows
    ]
    return out


def _response_state(response, author_name, viewer, counsellor, screen) -> dict:
    mine = response.author_id == viewer.id and not screen
    out = {
        "id": response.id,
        "kind": response.kind,
        "choice": response.choice,
        "text": response.text,
        "author": _name(author_name, response.anonymous),
        "mine": mine,
        "created_at": _iso(response.created_at),
    }
    if mine:
        out["client_id"] = response.client_id
        out["anonymous"] = response.anonymous
    if mine or (counsellor and not screen):
        out["hidden"] = response.hidden_at is not None
        if out["hidden"] and response.hidden_reason:
            out["hidden_reason"] = response.hidden_reason
    return out


def _round_state(session: GroupSession, viewer: User):
    if session.current_round_id is None or session.status != SessionStatus.LIVE:
        return None
    row = db.session.execute(
        visibility.rounds_visible_to(viewer)
        .join(User, User.id == StrengthRound.subject_id)
        .add_columns(User.display_name)
        .where(StrengthRound.id == session.current_round_id)
    ).first()
    if row is None:
        return None
    round_, subject_name = row
    words = db.session.execute(
        visibility.round_words_visible_to(viewer)
        .outerjoin(User, User.id == StrengthWord.giver_id)
        .add_columns(User.display_name)
        .where(StrengthWord.round_id == round_.id)
        .order_by(StrengthWord.created_at, StrengthWord.id)
    ).all()
    out = {
        "id": round_.id,
        "subject": subject_name,
        "me": round_.subject_id == viewer.id,
        "words": [
            {"word": sharing.word_label(word), "giver": name if word.show_name else None}
            for word, name in words
        ],
    }
    mine = next((w for w, _n in words if w.giver_id == viewer.id), None)
    if mine is not None:
        out["my_word"] = {
            "preset": mine.preset,
            "text": mine.text,
            "show_name": mine.show_name,
        }
    return out
