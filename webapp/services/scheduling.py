"""When nudges happen: recurrence in people's own time, quiet hours, lateness, and the rows that
make each nudge go exactly once.

Recurrence is RFC 5545: an RRULE expanded from a DTSTART that is a wall-clock date and time in a
TZID (python-dateutil over naive local times, then zoneinfo). Expanding in wall-clock time keeps
a weekly 09:00 at 09:00 on both sides of a daylight-saving change.

Daylight saving, the two odd nights (documented choice, RFC 5545 §3.3.5):
- a wall time that does not exist (02:30 on the last Sunday of March in Europe/Oslo) fires once,
  at the instant the clock would have shown without the jump: 01:30 UTC, which reads 03:30 CEST;
- a wall time that happens twice (02:30 on the last Sunday of October) fires once, at the first
  of the two: 02:30 CEST = 00:30 UTC.
Both follow from zoneinfo's `fold=0`; the recurrence yields one wall time per day, so one instant.

Services flush; the worker (or the route) commits.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dateutil.rrule import rrulestr
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import and_, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from webapp.extensions import db
from webapp.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Entry,
    Group,
    GroupSession,
    LoginSession,
    Membership,
    Notification,
    NotificationSettings,
    Reminder,
    ReminderKind,
    ReminderRecipient,
    Role,
    SessionStatus,
    Step,
    User,
)
from webapp.models.base import utcnow

WEEKDAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DEFAULT_ZONE = "Europe/Oslo"
# How far back a worker that was down looks for missed occurrences. Anything older is not
# recreated at all; anything within it but later than LATE_DROP_AFTER is recorded as dropped.
CATCH_UP = timedelta(days=2)
STEP_NUDGE_AT = time(17, 0)  # local time, the day before the step
SESSION_NUDGE_AT = time(17, 0)  # local time, the day before a group session
COALESCE = timedelta(minutes=30)  # at most one push per inbox thread per this long
SCHEDULER_LOCK = 5_542_001  # PostgreSQL advisory lock: one scheduler pass at a time


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or DEFAULT_ZONE)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo(DEFAULT_ZONE)


def local_to_utc(naive: datetime, tz: ZoneInfo) -> datetime:
    """A wall-clock time in `tz` as an aware UTC instant; fold=0 picks the instant documented
    in the module docstring for the gap and the overlap."""
    return naive.replace(tzinfo=tz, fold=0).astimezone(UTC)


# --- recurrence ----------------------------------------------------------------------------------


def weekly_rule(days: Iterable[str], until: date | None = None) -> str:
    """FREQ=WEEKLY on the given weekdays (MO…SU), until the end of `until` in local time."""
    chosen = [d for d in WEEKDAYS if d in set(days)]
    rule = "FREQ=WEEKLY;BYDAY=" + ",".join(chosen)
    if until is not None:
        rule += ";UNTIL=" + until.strftime("%Y%m%d") + "T235959"
    return rule


def rule_days(rule: str) -> list[str]:
    for part in rule.split(";"):
        if part.startswith("BYDAY="):
            return part.removeprefix("BYDAY=").split(",")
    return []


def rule_until(rule: str) -> date | None:
    for part in rule.split(";"):
        if part.startswith("UNTIL="):
            return datetime.strptime(part.removeprefix("UNTIL=")[:8], "%Y%m%d").date()
    return None


def occurrences_after(
    start_date: date, start_time: time, tzid: str, rule: str, after: datetime, limit: int
) -> list[datetime]:
    """Up to `limit` UTC instants strictly after `after`, in order."""
    tz = zone(tzid)
    dtstart = datetime.combine(start_date, start_time)
    if not rule:
        instant = local_to_utc(dtstart, tz)
        return [instant] if instant > after and limit > 0 else []
    recurrence = rrulestr(rule, dtstart=dtstart)
    # Start a day early in wall-clock time: the UTC filter below is exact.
    wall_after = after.astimezone(tz).replace(tzinfo=None) - timedelta(days=1)
    found: list[datetime] = []
    for wall in recurrence.xafter(wall_after, inc=True):
        instant = local_to_utc(wall, tz)
        if instant > after:
            found.append(instant)
            if len(found) >= limit:
                break
    return found


def reminder_occurrences(reminder: Reminder, after: datetime, limit: int) -> list[datetime]:
    return occurrences_after(
        reminder.start_date, reminder.start_time, reminder.tzid, reminder.rrule, after, limit
    )


def preview(
    start_date: date, start_time: time, tzid: str, rule: str, now: datetime, count: int = 5
) -> list[datetime]:
    """The next `count` occurrences as aware datetimes in the reminder's own zone."""
    tz = zone(tzid)
    return [
        i.astimezone(tz) for i in occurrences_after(start_date, start_time, tzid, rule, now, count)
    ]


# --- quiet hours and lateness --------------------------------------------------------------------


@dataclass(frozen=True)
class Preferences:
    quiet_start: time = time(21, 30)
    quiet_end: time = time(8, 0)
    session_nudges: bool = True
    step_nudges: bool = True
    inactive_nudges: bool = True
    inactive_days: int = 4
    inbox_pushes: bool = True


def settings_for(user_id: int) -> NotificationSettings:
    """The person's settings row, made (with the defaults) when first needed."""
    row = db.session.scalar(
        select(NotificationSettings).where(NotificationSettings.user_id == user_id)
    )
    if row is None:
        row = NotificationSettings(user_id=user_id)
        for field, value in Preferences().__dict__.items():
            setattr(row, field, value)
        db.session.add(row)
        db.session.flush()
    return row


def preferences_of(user_ids: Iterable[int]) -> dict[int, Preferences]:
    ids = set(user_ids)
    found = {}
    if ids:
        for row in db.session.scalars(
            select(NotificationSettings).where(NotificationSettings.user_id.in_(ids))
        ):
            found[row.user_id] = Preferences(
                **{field: getattr(row, field) for field in Preferences.__dataclass_fields__}
            )
    return {i: found.get(i, Preferences()) for i in ids}


def after_quiet_hours(instant: datetime, prefs: Preferences, tzid: str | None) -> datetime:
    """The instant itself, or the end of the quiet hours it falls in (in the person's zone)."""
    start, end = prefs.quiet_start, prefs.quiet_end
    if start == end:
        return instant
    tz = zone(tzid)
    local = instant.astimezone(tz)
    clock = local.time().replace(tzinfo=None)
    day = local.date()
    if start < end:  # e.g. 13:00–15:00, within one day
        quiet, end_day = start <= clock < end, day
    elif clock >= start:  # across midnight, evening part: ends tomorrow
        quiet, end_day = True, day + timedelta(days=1)
    else:  # across midnight, morning part
        quiet, end_day = clock < end, day
    if not quiet:
        return instant
    return max(instant, local_to_utc(datetime.combine(end_day, end), tz))


def late_drop_after() -> timedelta:
    return timedelta(minutes=current_app.config["NUDGE_LATE_DROP_MINUTES"])


# --- delivery rows -------------------------------------------------------------------------------


def _insert_ignoring_duplicates(rows: list[dict]) -> int:
    """Inserts delivery rows; a row that exists already (same reminder/occurrence/recipient or
    same dedupe key) is left as it is, whoever got there first."""
    if not rows:
        return 0
    insert = pg_insert if db.engine.dialect.name == "postgresql" else sqlite_insert
    statement = insert(Delivery).values(rows).on_conflict_do_nothing().returning(Delivery.id)
    return len(db.session.execute(statement).all())


def _row(
    *,
    key: str,
    kind: str,
    user: User,
    prefs: Preferences,
    occurrence: datetime,
    now: datetime,
    url: str,
    **extra,
) -> dict:
    due = after_quiet_hours(occurrence, prefs, user.timezone)
    late = now - due > late_drop_after()
    return {
        "dedupe_key": key,
        "kind": kind,
        "user_id": user.id,
        "occurrence_at": occurrence,
        "due_at": due,
        "status": DeliveryStatus.DROPPED if late else DeliveryStatus.PENDING,
        "result": "late: the worker was not running at the time" if late else "",
        "finished_at": now if late else None,
        "attempts": 0,
        "url": url,
        "thread": extra.pop("thread", ""),
        "created_at": now,
        **extra,
    }


def recipients_of(reminder: Reminder) -> list[User]:
    """Who gets it now: the owner of an own nudge; the chosen people; or the group's
    participants as they are at the moment of the occurrence."""
    if reminder.kind == ReminderKind.OWN:
        user = db.session.get(User, reminder.created_by_id) if reminder.created_by_id else None
        return [user] if user is not None else []
    chosen = list(
        db.session.scalars(
            select(User)
            .join(ReminderRecipient, ReminderRecipient.user_id == User.id)
            .where(ReminderRecipient.reminder_id == reminder.id)
        )
    )
    if chosen or reminder.group_id is None:
        return chosen
    return list(
        db.session.scalars(
            select(User)
            .join(Membership, Membership.user_id == User.id)
            .where(
                Membership.group_id == reminder.group_id,
                Membership.role == "participant",
                User.role == Role.PARTICIPANT,
            )
        )
    )


def reminder_url(reminder: Reminder) -> str:
    if reminder.step_id is not None:
        step = db.session.get(Step, reminder.step_id)
        if step is not None:
            return f"/journal/goals/{step.goal_id}"
    if reminder.kind == ReminderKind.OWN and reminder.template == "journal":
        return "/journal"
    return "/"


def set_next_run(reminder: Reminder, now: datetime) -> None:
    """After a change: occurrences from now on count; earlier ones are never made up."""
    reminder.scheduled_until = now
    upcoming = reminder_occurrences(reminder, now, 1)
    reminder.next_run_at = upcoming[0] if upcoming else None


def schedule_reminders(now: datetime) -> int:
    """Makes the delivery rows of every occurrence that has come, for every recipient."""
    made = 0
    due = db.session.scalars(
        select(Reminder).where(
            Reminder.paused_at.is_(None),
            Reminder.next_run_at.is_not(None),
            Reminder.next_run_at <= now,
        )
    )
    for reminder in list(due):
        since = max(reminder.scheduled_until, now - CATCH_UP)
        instants = [
            i for i in reminder_occurrences(reminder, since, 10_000) if i <= now
        ]  # a worker down for two days catches up at most this many
        people = recipients_of(reminder) if instants else []
        prefs = preferences_of(p.id for p in people)
        url = reminder_url(reminder)
        rows = [
            _row(
                key=f"r:{reminder.id}:{instant:%Y%m%dT%H%M%SZ}:u:{person.id}",
                kind=DeliveryKind.REMINDER,
                user=person,
                prefs=prefs[person.id],
                occurrence=instant,
                now=now,
                url=url,
                reminder_id=reminder.id,
                step_id=reminder.step_id,
            )
            for instant in instants
            for person in people
        ]
        for start in range(0, len(rows), 500):
            made += _insert_ignoring_duplicates(rows[start : start + 500])
        set_next_run(reminder, now)
    db.session.flush()
    return made


def _day_before(day: date, tz, clock: time, now: datetime) -> datetime | None:
    """The instant of a day-before nudge (at `clock` on the eve of `day`, in the person's zone)
    if it is due now: `day` is their tomorrow, the moment has come, and it is not too late."""
    if day != now.astimezone(tz).date() + timedelta(days=1):
        return None
    at = local_to_utc(datetime.combine(day - timedelta(days=1), clock), tz)
    if at > now or now - at > late_drop_after():
        return None  # not yet; or made too late in the day for a nudge
    return at


def schedule_step_nudges(now: datetime) -> int:
    """A step due tomorrow (in the owner's zone) gets a nudge at 17:00 the day before."""
    today = now.date()
    candidates = db.session.execute(
        select(Step, User)
        .join(User, User.id == Step.owner_id)
        .where(
            Step.done_at.is_(None),
            Step.day.is_not(None),
            Step.day >= today,
            Step.day <= today + timedelta(days=2),
            User.role == Role.PARTICIPANT,
        )
    ).all()
    prefs = preferences_of(user.id for _step, user in candidates)
    rows = []
    for step, user in candidates:
        if not prefs[user.id].step_nudges:
            continue
        at = _day_before(step.day, zone(user.timezone), STEP_NUDGE_AT, now)
        if at is None:
            continue
        rows.append(
            _row(
                key=f"step:{step.id}:{step.day.isoformat()}",
                kind=DeliveryKind.STEP_DUE,
                user=user,
                prefs=prefs[user.id],
                occurrence=at,
                now=now,
                url=f"/journal/goals/{step.goal_id}",
                step_id=step.id,
            )
        )
    return _insert_ignoring_duplicates(rows)


def schedule_session_nudges(now: datetime) -> int:
    """A planned group session tomorrow (in the participant's zone) gets a nudge at 17:00 the
    day before, for each participant of the group who has not switched it off. Moving the
    session to another day earns a new nudge; the words say only when (never its texts)."""
    candidates = db.session.execute(
        select(GroupSession, User)
        .join(Group, Group.id == GroupSession.group_id)
        .join(Membership, Membership.group_id == GroupSession.group_id)
        .join(User, User.id == Membership.user_id)
        .where(
            Group.closed_at.is_(None),
            GroupSession.status == SessionStatus.PLANNED,
            GroupSession.starts_at > now,
            GroupSession.starts_at <= now + timedelta(days=2, hours=12),
            Membership.role == "participant",
            User.role == Role.PARTICIPANT,
        )
    ).all()
    prefs = preferences_of(user.id for _session, user in candidates)
    rows = []
    for session, user in candidates:
        if not prefs[user.id].session_nudges:
            continue
        tz = zone(user.timezone)
        day = session.starts_at.astimezone(tz).date()
        at = _day_before(day, tz, SESSION_NUDGE_AT, now)
        if at is None:
            continue
        rows.append(
            _row(
                key=f"session:{session.id}:{day.isoformat()}:u:{user.id}",
                kind=DeliveryKind.SESSION,
                user=user,
                prefs=prefs[user.id],
                occurrence=at,
                now=now,
                url=f"/sessions/{session.id}",
                thread=f"session:{session.id}",
            )
        )
    return _insert_ignoring_duplicates(rows)


def schedule_inactive_nudges(now: datetime) -> int:
    """One gentle word after N days without activity, once per quiet spell: the dedupe key
    holds the day of the last activity, so coming back and going quiet again earns a new one."""
    seen = (
        select(LoginSession.user_id, func.max(LoginSession.last_seen_at).label("last"))
        .group_by(LoginSession.user_id)
        .subquery()
    )
    wrote = (
        select(Entry.owner_id, func.max(Entry.created_at).label("last"))
        .group_by(Entry.owner_id)
        .subquery()
    )
    rows_in = db.session.execute(
        select(User, seen.c.last, wrote.c.last)
        .join(seen, seen.c.user_id == User.id)
        .outerjoin(wrote, wrote.c.owner_id == User.id)
        .where(User.role == Role.PARTICIPANT, seen.c.last < now - timedelta(days=1))
    ).all()
    prefs = preferences_of(user.id for user, *_ in rows_in)
    rows = []
    for user, last_seen, last_wrote in rows_in:
        pref = prefs[user.id]
        last = max(t for t in (last_seen, last_wrote) if t is not None)
        if not pref.inactive_nudges or now - last < timedelta(days=pref.inactive_days):
            continue
        at = max(last + timedelta(days=pref.inactive_days), now - late_drop_after() / 2)
        rows.append(
            _row(
                key=f"inactive:{user.id}:{last:%Y%m%dT%H%M%S}",
                kind=DeliveryKind.INACTIVE,
                user=user,
                prefs=pref,
                occurrence=at,
                now=now,
                url="/",
            )
        )
    return _insert_ignoring_duplicates(rows)


def schedule_inbox_pushes(now: datetime) -> int:
    """Each new inbox notice becomes a push, unless its thread already has one waiting or sent
    in the last 30 minutes: then it is folded in (the inbox still shows every notice)."""
    notices = db.session.execute(
        select(Notification, User)
        .join(User, User.id == Notification.user_id)
        .where(Notification.pushed_at.is_(None))
        .order_by(Notification.id)
        .limit(2000)
    ).all()
    prefs = preferences_of(user.id for _n, user in notices)
    made = 0
    for notice, user in notices:
        notice.pushed_at = now
        pref = prefs[user.id]
        too_old = now - notice.created_at > late_drop_after()
        if not pref.inbox_pushes or too_old:
            continue
        recent = db.session.scalar(
            select(Delivery.id)
            .where(
                Delivery.user_id == user.id,
                Delivery.kind == DeliveryKind.INBOX,
                Delivery.thread == notice.thread,
                or_(
                    Delivery.status == DeliveryStatus.PENDING,
                    and_(
                        Delivery.status == DeliveryStatus.SENT,
                        Delivery.finished_at > now - COALESCE,
                    ),
                ),
            )
            .limit(1)
        )
        row = _row(
            key=f"inbox:{notice.id}",
            kind=DeliveryKind.INBOX,
            user=user,
            prefs=pref,
            occurrence=notice.created_at,
            now=now,
            url=notice.url,
            thread=notice.thread,
            notification_id=notice.id,
        )
        if recent is not None:
            row.update(status=DeliveryStatus.COALESCED, finished_at=now, result=f"into {recent}")
        made += _insert_ignoring_duplicates([row])
    db.session.flush()
    return made


def _scheduler_lock() -> bool:
    """On PostgreSQL, only one worker schedules at a time (the others just deliver)."""
    if db.engine.dialect.name != "postgresql":
        return True
    return bool(
        db.session.scalar(text("SELECT pg_try_advisory_xact_lock(:key)"), {"key": SCHEDULER_LOCK})
    )


def schedule(now: datetime | None = None) -> int:
    """One scheduler pass: makes every delivery row that is due (the caller commits)."""
    now = now or utcnow()
    if not _scheduler_lock():
        return 0
    return (
        schedule_reminders(now)
        + schedule_step_nudges(now)
        + schedule_session_nudges(now)
        + schedule_inactive_nudges(now)
        + schedule_inbox_pushes(now)
    )


def drop_late(now: datetime) -> int:
    """Pending rows whose time is hours gone (the worker was down) are dropped, with a record,
    rather than sent in a burst."""
    return db.session.execute(
        update(Delivery)
        .where(
            Delivery.status == DeliveryStatus.PENDING,
            Delivery.due_at < now - late_drop_after(),
            or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
        )
        .values(
            status=DeliveryStatus.DROPPED,
            result="late: the worker was not running at the time",
            finished_at=now,
            lease_token=None,
            lease_until=None,
        )
        .execution_options(synchronize_session=False)
    ).rowcount


# --- the words of a nudge, and its copy in the inbox ------------------------------------------

# Nudges with words of their own (a reminder, and its snooze) also land in the inbox: nothing
# is lost where push is not.
INBOX_TOO = (
    DeliveryKind.REMINDER,
    DeliveryKind.SNOOZE,
    DeliveryKind.STEP_DUE,
    DeliveryKind.SESSION,
)
NUDGE_NOTICE = "reminder"  # Notification.kind of that copy

TEMPLATES = {
    "session_tomorrow": lambda: _("Session tomorrow at 11"),
    "bring_dilemma": lambda: _("Bring a dilemma to the next session"),
    "job_visit": lambda: _("How did the job visit go?"),
    "journal": lambda: _("Time to write a few words in your journal"),
    "step": lambda: _("Your step is tomorrow"),
}


def template_text(key: str | None) -> str | None:
    words_of = TEMPLATES.get(key or "")
    return words_of() if words_of else None


def session_nudge_text(thread: str, tzid: str | None) -> str:
    """The words of the nudge, in the person's zone ("Group session tomorrow at 11:00"): when,
    and nothing about what the session holds."""
    _prefix, _sep, number = (thread or "").partition(":")
    session = db.session.get(GroupSession, int(number)) if number.isdigit() else None
    if session is None:
        return _("Group session tomorrow")
    return _(
        "Group session tomorrow at %(time)s",
        time=session.starts_at.astimezone(zone(tzid)).strftime("%H:%M"),
    )


def nudge_text(
    kind: str, template: str | None, text: str, thread: str = "", tzid: str | None = None
) -> str:
    """What a reminder says, in the current language: a template's words, or the counsellor's
    own (never anything a participant wrote in their journal)."""
    if kind == DeliveryKind.STEP_DUE:
        return _("Your step is tomorrow")
    if kind == DeliveryKind.SESSION:
        return session_nudge_text(thread, tzid)
    return template_text(template) or text or _("A reminder for you")


def into_inbox(rows: list[Delivery], now: datetime) -> None:
    """The first time a reminder is handled (whatever push made of it), its words go to the
    person's inbox as well, already counted as pushed."""
    for row in rows:
        if row.kind == DeliveryKind.SNOOZE or row.notification_id is not None:
            continue  # a snooze is the same reminder again: it is in the inbox already
        if row.kind not in INBOX_TOO:
            continue
        notice = Notification(
            user_id=row.user_id,
            kind=NUDGE_NOTICE,
            thread=f"nudge:{row.reminder_id or row.step_id or row.id}",
            url=row.url or "/",
            created_at=now,
            pushed_at=now,
        )
        db.session.add(notice)
        db.session.flush()
        db.session.execute(
            update(Delivery)
            .where(Delivery.id == row.id)
            .values(notification_id=notice.id)
            .execution_options(synchronize_session=False)
        )


def inbox_sentences(notice_ids: Iterable[int]) -> dict[int, str]:
    """The words of the reminder notices among these (for the inbox's `sentence()`)."""
    ids = list(notice_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(
            Delivery.notification_id,
            Delivery.kind,
            Reminder.template,
            Reminder.text,
            Delivery.thread,
            User.timezone,
        )
        .outerjoin(Reminder, Reminder.id == Delivery.reminder_id)
        .join(User, User.id == Delivery.user_id)
        .where(Delivery.notification_id.in_(ids))
    )
    return {
        n: nudge_text(kind, template, text or "", thread, tzid)
        for n, kind, template, text, thread, tzid in rows
    }


# --- counts for the pages ------------------------------------------------------------------------


def delivered_counts(reminder_ids: Iterable[int]) -> dict[int, int]:
    """How many people each reminder reached (a push sent, or the nudge waiting in the inbox)."""
    ids = list(reminder_ids)
    if not ids:
        return {}
    rows = db.session.execute(
        select(Delivery.reminder_id, func.count(func.distinct(Delivery.user_id)))
        .where(
            Delivery.reminder_id.in_(ids),
            Delivery.kind == DeliveryKind.REMINDER,
            Delivery.status.in_([DeliveryStatus.SENT, DeliveryStatus.NO_DEVICE]),
        )
        .group_by(Delivery.reminder_id)
    )
    return {rid: count for rid, count in rows}


def snooze(user: User, delivery_id: int, now: datetime | None = None) -> Delivery | None:
    """The same nudge again in an hour (quiet hours still hold). Only one's own; once each."""
    now = now or utcnow()
    original = db.session.scalar(
        select(Delivery).where(Delivery.id == delivery_id, Delivery.user_id == user.id)
    )
    if original is None:
        return None
    key = f"snooze:{original.id}"
    existing = db.session.scalar(select(Delivery).where(Delivery.dedupe_key == key))
    if existing is not None:
        return existing
    prefs = preferences_of([user.id])[user.id]
    at = now + timedelta(hours=1)
    row = Delivery(
        dedupe_key=key,
        kind=DeliveryKind.SNOOZE,
        reminder_id=original.reminder_id,  # for its words
        user_id=user.id,
        occurrence_at=at,
        due_at=after_quiet_hours(at, prefs, user.timezone),
        url=original.url,
        thread=original.thread,
        step_id=original.step_id,
        result=f"snooze of {original.id}",
        created_at=now,
    )
    db.session.add(row)
    db.session.flush()
    return row
