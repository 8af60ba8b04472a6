"""Dilemmas from the author's side: writing one (idempotent by client id), changing it while it
waits, deleting it, reading what the group answered once it was shown, and the active choice
that turns one of the three solutions into a goal with a first small step.

And the counsellor's summary of a session: counts only. After a session its dilemmas and
responses are their authors' alone, so the summary never carries their words or their names.

Routes and the API both come here; who may see what is decided in services/visibility.
"""

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import (
    Attendance,
    Dilemma,
    DilemmaResponse,
    Goal,
    Group,
    GroupSession,
    Membership,
    Role,
    SessionStatus,
    StrengthRound,
    StrengthWord,
    User,
)
from webapp.models.base import utcnow
from webapp.services import journal, live, visibility

# The namespace of the ids made for the goal and step an active choice creates: one dilemma gives
# one goal, however often the button is tapped.
CHOICE_IDS = uuid.UUID("5b0e6a3c-2f43-4a51-9d3e-6f1c2a9d7e10")


class NotWaiting(Exception):
    """The dilemma has been on the screen: it can no longer be changed."""


class NotShownYet(Exception):
    """The group has not talked about it yet: the choice comes after."""


# --- where a person can write ------------------------------------------------------------------


def groups_to_write_in(user: User) -> list[Group]:
    """Open groups this person takes part in (not leads): where their dilemmas can wait."""
    if user.role != Role.PARTICIPANT:
        return []
    query = (
        visibility.groups_visible_to(user)
        .where(Membership.role == Role.PARTICIPANT)
        .where(Group.closed_at.is_(None))
    )
    return list(db.session.scalars(query))


def group_to_write_in(user: User, group_id: int) -> Group | None:
    return next((g for g in groups_to_write_in(user) if g.id == group_id), None)


# --- the author's own --------------------------------------------------------------------------


def mine(user: User) -> list[Dilemma]:
    return list(db.session.scalars(visibility.dilemmas_owned_by(user).order_by(Dilemma.id.desc())))


def find_own(user: User, ref) -> Dilemma | None:
    """One of the person's own dilemmas, by server id or by the client id the phone made."""
    ref = str(ref)
    query = visibility.dilemmas_owned_by(user)
    if ref.isdigit():
        return db.session.scalar(query.where(Dilemma.id == int(ref)))
    return db.session.scalar(query.where(Dilemma.client_id == ref))


def is_waiting(dilemma: Dilemma) -> bool:
    return dilemma.shown_at is None and dilemma.session_id is None


def _clean(data: dict) -> dict:
    out = {}
    for field in ("problem", "solution_1", "solution_2", "solution_3"):
        if field in data:
            out[field] = data[field].strip()
    if "anonymous" in data:
        out["anonymous"] = bool(data["anonymous"])
    return out


def create(author: User, group: Group, data: dict) -> tuple[Dilemma, bool]:
    """(dilemma, created): the same client id again gives the first one back, even in a race."""
    client_id = str(data["client_id"])
    query = select(Dilemma).where(Dilemma.author_id == author.id, Dilemma.client_id == client_id)
    existing = db.session.scalar(query)
    if existing is not None:
        return existing, False
    row = Dilemma(group_id=group.id, author_id=author.id, client_id=client_id, **_clean(data))
    if "anonymous" not in data:
        row.anonymous = True
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        existing = db.session.scalar(query)
        if existing is None:
            raise
        return existing, False
    return row, True


def update(dilemma: Dilemma, data: dict) -> Dilemma:
    if not is_waiting(dilemma):
        raise NotWaiting
    for field, value in _clean(data).items():
        setattr(dilemma, field, value)
    dilemma.updated_at = utcnow()
    return dilemma


def delete(dilemma: Dilemma) -> None:
    """Gone for good, responses too. If it is on a screen now, the screen lets go of it."""
    showing = db.session.scalars(
        select(GroupSession).where(GroupSession.current_dilemma_id == dilemma.id)
    ).all()
    for session in showing:
        session.current_dilemma_id = None
        session.responses_revealed = False
        live.touch(session.id)
    if dilemma.session_id is not None and not showing:
        live.touch(dilemma.session_id)  # its responses may be on a phone still
    db.session.delete(dilemma)
    db.session.flush()


def session_of(dilemma: Dilemma) -> GroupSession | None:
    if dilemma.session_id is None:
        return None
    return db.session.get(GroupSession, dilemma.session_id)


@dataclass
class Answer:
    """A response as the dilemma's author sees it: a name only when it was given."""

    id: int
    kind: str
    choice: int | None
    text: str
    name: str | None
    mine: bool
    created_at: datetime


def answers(user: User, dilemma: Dilemma) -> list[Answer]:
    """What the group answered, once it was shown; hidden responses are spared the author."""
    if dilemma.shown_at is None:
        return []
    rows = db.session.execute(
        visibility.responses_visible_to(user)
        .where(DilemmaResponse.dilemma_id == dilemma.id, DilemmaResponse.hidden_at.is_(None))
        .add_columns(User.display_name)
        .join(User, User.id == DilemmaResponse.author_id)
        .order_by(DilemmaResponse.id)
    ).all()
    out = []
    for response, display_name in rows:
        out.append(
            Answer(
                id=response.id,
                kind=response.kind,
                choice=response.choice,
                text=response.text,
                name=None if response.anonymous else display_name,
                mine=response.author_id == user.id,
                created_at=response.created_at,
            )
        )
    return out


def choice_counts(items: list[Answer]) -> dict[int, int]:
    counts = {1: 0, 2: 0, 3: 0}
    for item in items:
        if item.choice in counts:
            counts[item.choice] += 1
    return counts


# --- the active choice ---------------------------------------------------------------------------


def can_choose(dilemma: Dilemma) -> bool:
    return dilemma.shown_at is not None


def first_step_of(solution: str) -> str:
    """A first small step to start from; the person changes it as they like."""
    return solution


def make_goal(
    owner: User, dilemma: Dilemma, solution: int, title: str, step_title: str
) -> tuple[Goal, bool]:
    """The chosen solution becomes a goal with one small step. Once per dilemma: asking again
    gives the same goal back (created False)."""
    if not can_choose(dilemma):
        raise NotShownYet
    if dilemma.goal_id is not None:
        goal = journal.find_goal(owner, dilemma.goal_id)
        if goal is not None:
            return goal, False
    goal_cid = str(uuid.uuid5(CHOICE_IDS, f"dilemma:{dilemma.id}:{dilemma.client_id}:goal"))
    step_cid = str(uuid.uuid5(CHOICE_IDS, f"dilemma:{dilemma.id}:{dilemma.client_id}:step"))
    goal, created = journal.create_goal(
        owner, {"client_id": goal_cid, "title": title, "why": dilemma.problem[:1000]}
    )
    db.session.flush()
    if step_title.strip():
        journal.create_step(owner, goal, {"client_id": step_cid, "title": step_title})
    dilemma.chosen_solution = solution
    dilemma.chosen_at = utcnow()
    dilemma.goal_id = goal.id
    db.session.flush()
    return goal, created


# --- the counsellor's summary --------------------------------------------------------------------


@dataclass
class Summary:
    session: GroupSession
    came: list[str]  # display names of who came, sorted
    dilemmas_shown: int
    responses: int
    strength_words: int
    rounds: int


def led_session(user: User, session_id: int) -> GroupSession | None:
    return db.session.scalar(visibility.sessions_led_by(user).where(GroupSession.id == session_id))


def summary(user: User, session: GroupSession) -> Summary:
    """Counts only: who came (attendance is not anonymous), how many dilemmas were talked
    about, how many answers and strength words were given. No words, no authors."""
    attended = (
        visibility.attendance_of(user)
        .where(Attendance.session_id == session.id)
        .with_only_columns(Attendance.user_id)
    )
    came = db.session.scalars(
        select(User.display_name)
        .where(User.id.in_(attended))
        .order_by(func.lower(User.display_name), User.id)
    ).all()
    shown = visibility.dilemmas_counted_for(user).where(
        Dilemma.session_id == session.id, Dilemma.shown_at.is_not(None)
    )
    dilemmas_shown = db.session.scalar(
        select(func.count()).select_from(shown.with_only_columns(Dilemma.id).subquery())
    )
    responses = db.session.scalar(
        select(func.count(DilemmaResponse.id)).where(
            DilemmaResponse.dilemma_id.in_(shown.with_only_columns(Dilemma.id))
        )
    )
    rounds = visibility.rounds_visible_to(user).where(StrengthRound.session_id == session.id)
    round_ids = rounds.with_only_columns(StrengthRound.id)
    words = db.session.scalar(
        select(func.count(StrengthWord.id)).where(StrengthWord.round_id.in_(round_ids))
    )
    round_count = db.session.scalar(select(func.count()).select_from(round_ids.subquery()))
    return Summary(
        session=session,
        came=list(came),
        dilemmas_shown=dilemmas_shown or 0,
        responses=responses or 0,
        strength_words=words or 0,
        rounds=round_count or 0,
    )


def is_over(session: GroupSession) -> bool:
    return session.status == SessionStatus.ENDED
