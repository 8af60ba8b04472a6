"""Rules of the private journal: idempotent creation by client id, last-write-wins edits that keep
the losing version, step order, and the mastery log. Routes and the API both come here."""

import base64
import binascii
from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

from sqlalchemy import Row, Select, and_, bindparam, delete, func, or_, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from webapp.extensions import db, pure_read, read_alone
from webapp.models import Entry, EntryRevision, Goal, GoalStatus, Step, User, VoiceNote
from webapp.models.base import utcnow
from webapp.services import logins, visibility

PAGE_SIZE = 20


def _by_ref(query: Select, model, ref: str | int):
    """An object by server id (digits) or by the client id the phone gave it."""
    ref = str(ref)
    if ref.isdigit():
        return db.session.scalar(query.where(model.id == int(ref)))
    return db.session.scalar(query.where(model.client_id == ref))


def find_goal(user: User, ref) -> Goal | None:
    return _by_ref(visibility.goals_visible_to(user), Goal, ref)


def find_step(user: User, ref) -> Step | None:
    return _by_ref(visibility.steps_visible_to(user), Step, ref)


def find_entry(user: User, ref) -> Entry | None:
    query = visibility.entries_visible_to(user).options(selectinload(Entry.voice))
    return _by_ref(query, Entry, ref)


def _create_once(model, owner: User, client_id: str, build):
    """Insert unless this owner already has this client id; a race ends in the same row."""
    existing = db.session.scalar(
        select(model).where(model.owner_id == owner.id, model.client_id == client_id)
    )
    if existing is not None:
        return existing, False
    obj = build()
    try:
        with db.session.begin_nested():
            db.session.add(obj)
    except IntegrityError:
        existing = db.session.scalar(
            select(model).where(model.owner_id == owner.id, model.client_id == client_id)
        )
        if existing is None:
            raise
        return existing, False
    return obj, True


# --- goals and steps ---------------------------------------------------------------------------


def goals_of(user: User, include_archived: bool = False) -> list[Goal]:
    query = visibility.goals_visible_to(user).options(selectinload(Goal.steps))
    if not include_archived:
        query = query.where(Goal.status != GoalStatus.ARCHIVED)
    return list(db.session.scalars(query.order_by(Goal.created_at.desc(), Goal.id.desc())))


def create_goal(owner: User, data: dict) -> tuple[Goal, bool]:
    return _create_once(
        Goal,
        owner,
        data["client_id"],
        lambda: Goal(
            owner_id=owner.id,
            client_id=data["client_id"],
            title=data["title"].strip(),
            why=(data.get("why") or "").strip(),
            theme=data.get("theme") or "other",
            target_date=data.get("target_date"),
        ),
    )


def update_goal(goal: Goal, data: dict) -> Goal:
    for field in ("title", "why", "theme", "target_date"):
        if field in data:
            value = data[field]
            setattr(goal, field, value.strip() if isinstance(value, str) else value)
    if "status" in data and data["status"] != goal.status:
        goal.status = data["status"]
        goal.completed_at = utcnow() if goal.status == GoalStatus.DONE else None
    goal.updated_at = utcnow()
    return goal


def create_step(owner: User, goal: Goal, data: dict) -> tuple[Step, bool]:
    position = db.session.scalar(
        select(func.coalesce(func.max(Step.position), -1) + 1).where(Step.goal_id == goal.id)
    )
    return _create_once(
        Step,
        owner,
        data["client_id"],
        lambda: Step(
            owner_id=owner.id,
            goal_id=goal.id,
            client_id=data["client_id"],
            title=data["title"].strip(),
            day=data.get("day"),
            position=position,
        ),
    )


def update_step(step: Step, data: dict) -> Step:
    for field in ("title", "day"):
        if field in data:
            value = data[field]
            setattr(step, field, value.strip() if isinstance(value, str) else value)
    if "done" in data:
        if data["done"] and step.done_at is None:
            step.done_at = data.get("done_at") or utcnow()
        elif not data["done"]:
            step.done_at = None
    step.updated_at = utcnow()
    return step


def reorder_steps(goal: Goal, refs: list) -> None:
    """Steps in the given order; steps not named keep their relative order after them."""
    by_ref = {}
    for step in goal.steps:
        by_ref[str(step.id)] = step
        by_ref[step.client_id] = step
    ordered = [by_ref[str(r)] for r in refs if str(r) in by_ref]
    rest = [s for s in goal.steps if s not in ordered]
    for position, step in enumerate(dict.fromkeys(ordered + rest)):
        step.position = position
        step.updated_at = utcnow()


def progress(goal: Goal) -> tuple[int, int]:
    done = sum(1 for s in goal.steps if s.done_at is not None)
    return done, len(goal.steps)


# --- entries -----------------------------------------------------------------------------------


def create_entry(owner: User, data: dict, goal: Goal | None) -> tuple[Entry, bool]:
    return _create_once(
        Entry,
        owner,
        data["client_id"],
        lambda: Entry(
            owner_id=owner.id,
            client_id=data["client_id"],
            mood=data.get("mood"),
            text=(data.get("text") or "").strip(),
            goal_id=goal.id if goal else None,
            created_at=data.get("written_at") or utcnow(),
            updated_at=data.get("written_at") or utcnow(),
        ),
    )


def update_entry(entry: Entry, data: dict, goal: Goal | None = None) -> bool:
    """Apply an edit made at `edited_at` (the phone's clock, default now).

    The newer write wins. Whatever text it replaces, or the older write that lost, is kept as a
    revision, so a conflict between two offline phones never silently loses words.
    Returns True when this edit won.
    """
    edited_at = data.get("edited_at") or utcnow()
    new_text = (data["text"] or "").strip() if "text" in data else entry.text
    new_mood = data.get("mood", entry.mood)
    if edited_at < entry.updated_at:
        if new_text != entry.text or new_mood != entry.mood:
            db.session.add(
                EntryRevision(entry=entry, text=new_text, mood=new_mood, written_at=edited_at)
            )
        return False
    based_on = data.get("based_on")
    conflict = based_on is not None and based_on < entry.updated_at
    if conflict and new_text != entry.text and entry.text:
        db.session.add(
            EntryRevision(
                entry=entry, text=entry.text, mood=entry.mood, written_at=entry.updated_at
            )
        )
    entry.text, entry.mood = new_text, new_mood
    if "goal_id" in data or "goal_ref" in data:
        entry.goal_id = goal.id if goal else None
    entry.updated_at = edited_at
    return True


def find_revision(entry: Entry, revision_id: int) -> EntryRevision | None:
    """An earlier version of this entry (never of someone else's)."""
    revision = db.session.get(EntryRevision, revision_id)
    return revision if revision is not None and revision.entry_id == entry.id else None


def restore_revision(entry: Entry, revision: EntryRevision) -> None:
    """Bring an old version back; the current one becomes a revision in its place."""
    db.session.add(
        EntryRevision(entry=entry, text=entry.text, mood=entry.mood, written_at=entry.updated_at)
    )
    entry.text, entry.mood = revision.text, revision.mood
    entry.updated_at = utcnow()
    db.session.delete(revision)


def forget_revisions(entry: Entry) -> int:
    """The owner's choice: earlier versions are kept to lose nothing, not forever against
    their will. Returns how many went."""
    gone = db.session.execute(delete(EntryRevision).where(EntryRevision.entry_id == entry.id))
    db.session.expire(entry, ["revisions"])
    return gone.rowcount


def encode_cursor(entry: Entry | Row) -> str:
    raw = f"{entry.created_at.isoformat()}|{entry.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, int] | None:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, ident = raw.split("|")
        parsed = datetime.fromisoformat(when)
        if parsed.tzinfo is None:
            return None
        return parsed, int(ident)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None


def entries_page(
    user: User, cursor: tuple[datetime, int] | None = None, limit: int = PAGE_SIZE
) -> tuple[list[Entry], str | None]:
    """Newest first, keyset-paginated: page 500 costs what page 1 costs."""
    # Voice note and goal are both to-one: joined into the same query (LIMIT is unaffected), so a
    # page is one round trip instead of three.
    query = visibility.entries_visible_to(user).options(
        joinedload(Entry.voice), joinedload(Entry.goal)
    )
    if cursor is not None:
        when, ident = cursor
        query = query.where(
            or_(Entry.created_at < when, and_(Entry.created_at == when, Entry.id < ident))
        )
    rows = list(
        db.session.scalars(
            query.order_by(Entry.created_at.desc(), Entry.id.desc()).limit(limit + 1)
        )
    )
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (encode_cursor(rows[-1]) if more and rows else None)


@cache
def _login_and_entry_rows_query(after_cursor: bool) -> Select:
    """The statement behind entry_rows_page_for_token, built once per shape and bound per request
    (a reused statement spares SQLAlchemy rebuilding it and recomputing its cache key).

    One statement, so one round trip: the live device session of the cookie's token (a CTE,
    logins.live_logins), outer-joined to the newest entries visible to that session's person
    (visibility.entry_rows_visible_to, with the person's id taken from the CTE). It gives one
    row per entry, each carrying the login's columns, or a single row with the entry columns
    NULL when there are no entries, or no row when the token has no live session.
    """
    login = logins.live_logins(bindparam("token_hash")).cte("login")
    entries, voice = Entry.__table__.c, VoiceNote.__table__.c
    page = visibility.entry_rows_visible_to(
        select(login.c.user_id).scalar_subquery(),
        entries.id,
        entries.client_id,
        entries.mood,
        entries.text,
        entries.goal_id,
        entries.created_at,
        entries.updated_at,
        voice.mime.label("voice_mime"),
        voice.size.label("voice_size"),
        voice.duration_ms.label("voice_duration_ms"),
    )
    if after_cursor:
        when, ident = bindparam("after_when"), bindparam("after_id")
        page = page.where(
            or_(entries.created_at < when, and_(entries.created_at == when, entries.id < ident))
        )
    page = (
        page.order_by(entries.created_at.desc(), entries.id.desc())
        .limit(bindparam("n"))
        .subquery("page")
    )
    query = (
        select(login.c.login_id, login.c.last_seen_at, login.c.user_id, login.c.role, page)
        .select_from(login.outerjoin(page, true()))
        .order_by(page.c.created_at.desc(), page.c.id.desc())
    )
    return pure_read(query)


def entry_rows_page_for_token(
    token: str, cursor: tuple[datetime, int] | None = None, limit: int = PAGE_SIZE
) -> tuple[Row | None, list[Row], str | None]:
    """(login, rows, next cursor) for the API list, in one round trip, without current_user.

    `login` has login_id, last_seen_at, user_id and role of the token's live device session, or
    is None; the caller must pass it to access.admit (which applies logins.still_live, so idle
    sessions are refused and last_seen_at is kept) before it uses the rows. The rows are the
    entries of entries_page, in the same order, as plain rows with the voice note's mime, size
    and duration as voice_mime, voice_size, voice_duration_ms (None when there is none).
    """
    if not token:
        return None, [], None
    params = {"token_hash": logins.token_hash(token), "n": limit + 1}
    if cursor is not None:
        params["after_when"], params["after_id"] = cursor
    rows = read_alone(_login_and_entry_rows_query(cursor is not None), params)
    if not rows:
        return None, [], None
    login = rows[0]
    if login.id is None:  # a live login without entries (on this page)
        return login, [], None
    more = len(rows) > limit
    rows = rows[:limit]
    return login, rows, (encode_cursor(rows[-1]) if more else None)


# --- looking back ------------------------------------------------------------------------------


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def look_back(user: User, first: date, last: date) -> dict:
    """Moods per day, and the mastery log, for the days first..last in the person's own zone."""
    zone = ZoneInfo(user.timezone or "Europe/Oslo")
    start = datetime.combine(first, datetime.min.time(), zone)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), zone)
    entries = db.session.execute(
        visibility.entries_visible_to(user)
        .with_only_columns(Entry.created_at, Entry.mood)
        .where(Entry.created_at >= start, Entry.created_at < end)
    ).all()
    steps_done = db.session.scalars(
        visibility.steps_visible_to(user)
        .with_only_columns(Step.done_at)
        .where(Step.done_at >= start, Step.done_at < end)
    ).all()
    goals_done = db.session.scalar(
        visibility.goals_visible_to(user)
        .with_only_columns(func.count())
        .where(Goal.completed_at >= start, Goal.completed_at < end)
    )
    moods: dict[date, list[int]] = {}
    days = set()
    for created_at, mood in entries:
        day = _local_day(created_at, zone)
        days.add(day)
        if mood:
            moods.setdefault(day, []).append(mood)
    for done_at in steps_done:
        days.add(_local_day(done_at, zone))
    return {
        "moods": {day: round(sum(v) / len(v)) for day, v in moods.items()},
        "days_showed_up": len(days),
        "active_days": days,
        "steps_done": len(steps_done),
        "goals_reached": goals_done or 0,
    }


def last_activity(user: User) -> datetime | None:
    entry = db.session.scalar(
        visibility.entries_visible_to(user).with_only_columns(func.max(Entry.created_at))
    )
    step = db.session.scalar(
        visibility.steps_visible_to(user).with_only_columns(func.max(Step.done_at))
    )
    return max((t for t in (entry, step) if t is not None), default=None)
