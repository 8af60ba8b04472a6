"""How long things are kept, and the purge that lets go of them.

Each office sets its own rules (`RetentionPolicy`; no row means the config defaults:
`RETENTION_INACTIVE_MONTHS` 24, `RETENTION_WARN_DAYS` 30, `RETENTION_BOARD_DAYS` 90). `purge()`
applies them all and records what it did as counts only (`PurgeRun`):

- participants and mentors with no activity (`users.last_active_at`, else `created_at`) for
  `inactive_months − warn_days` get one RETENTION_WARNING notice (inbox + push through the normal
  inbox delivery) and `inactivity_warned_at` is set: never a second one while they stay away
  (using the app clears it, see services/logins.py, and starts the clock again; so does an
  office giving more time, so that nobody is deleted on a warning given under older rules);
- those inactive for `inactive_months` AND warned at least `warn_days` ago are deleted through
  `erasure.delete_account(user, reason="retention")`, exactly as if they had asked;
- a group's session boards (dilemmas with their responses, attendance, strength-word rounds) go
  `board_days` after its last session ended; the strength words stay with their recipients and
  the session plans stay;
- expired exports (`exports.remove_expired`), login failures older than a day, ended or idle
  login sessions older than 90 days, used or expired reset codes older than 30 days, finished
  deliveries older than 90 days, read notifications older than 12 months.

Whose rules apply to a person: the office of their most recent group membership, else their
own `office_id`, else the defaults. Counsellors and admins are never deleted by retention.
`inactive_months` or `board_days` of 0 mean "never".

`flask --app wsgi purge [--dry-run]` runs it by hand; the worker runs it once a day
(`run_daily`): the first worker to insert today's `PurgeRun.day_key` (unique) does it.
"""

import json
import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import click
from dateutil.relativedelta import relativedelta
from flask import Flask, current_app
from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import (
    Attendance,
    DataExport,
    Delivery,
    DeliveryStatus,
    Dilemma,
    DilemmaResponse,
    ExportStatus,
    Group,
    GroupSession,
    LoginFailure,
    LoginSession,
    Membership,
    Notification,
    NotificationKind,
    PurgeRun,
    ResetCode,
    RetentionPolicy,
    Role,
    SessionStatus,
    StrengthRound,
    StrengthWord,
    User,
)
from webapp.models.base import utcnow

log = logging.getLogger("stegvis.retention")

# The ranges an office may choose (the settings page checks them; 0 = never).
INACTIVE_MONTHS = (6, 120)
WARN_DAYS = (7, 90)
BOARD_DAYS = (30, 730)

# Fixed housekeeping, the same for every office.
LOGIN_FAILURES_KEPT = timedelta(days=1)
LOGIN_SESSIONS_KEPT = timedelta(days=90)
# Kept as long as read notices: the person's access log shows who made a code for them.
RESET_CODES_KEPT = relativedelta(months=12)
DELIVERIES_KEPT = timedelta(days=90)
READ_NOTIFICATIONS_KEPT = relativedelta(months=12)
EXPORTS_FAILED_KEPT = timedelta(days=1)  # (the export helper's rule, for the dry run's count)

# The order the counts are shown in (CLI, settings page).
COUNT_NAMES = (
    "warned",
    "accounts_deleted",
    "boards_archived",
    "dilemmas",
    "dilemma_responses",
    "attendances",
    "strength_rounds",
    "exports",
    "login_failures",
    "login_sessions",
    "reset_codes",
    "deliveries",
    "notifications",
)
DELETABLE_ROLES = (Role.PARTICIPANT, Role.MENTOR)
PURGE_TRIGGERS = ("worker", "command")


@dataclass(frozen=True)
class Policy:
    inactive_months: int
    warn_days: int
    board_days: int
    office_id: int | None = None  # None: the config defaults

    def warn_before(self, now: datetime) -> datetime | None:
        """Activity before this instant earns the warning; None: accounts are kept."""
        if not self.inactive_months:
            return None
        return now - relativedelta(months=self.inactive_months) + timedelta(days=self.warn_days)

    def delete_before(self, now: datetime) -> datetime | None:
        """Activity before this instant (and a warning `warn_days` old) means deletion."""
        if not self.inactive_months:
            return None
        return now - relativedelta(months=self.inactive_months)

    def boards_before(self, now: datetime) -> datetime | None:
        if not self.board_days:
            return None
        return now - timedelta(days=self.board_days)


def defaults() -> Policy:
    config = current_app.config
    return Policy(
        inactive_months=int(config.get("RETENTION_INACTIVE_MONTHS", 24)),
        warn_days=int(config.get("RETENTION_WARN_DAYS", 30)),
        board_days=int(config.get("RETENTION_BOARD_DAYS", 90)),
    )


def _policy(row: RetentionPolicy) -> Policy:
    return Policy(row.inactive_months, row.warn_days, row.board_days, row.office_id)


def policy_for_office(office_id: int | None) -> Policy:
    """The office's rules, or the defaults when it has none (or there is no office)."""
    if office_id is not None:
        row = db.session.scalar(
            select(RetentionPolicy).where(RetentionPolicy.office_id == office_id)
        )
        if row is not None:
            return _policy(row)
    return defaults()


def all_policies() -> dict[int, Policy]:
    return {row.office_id: _policy(row) for row in db.session.scalars(select(RetentionPolicy))}


def save_policy(
    office_id: int, by: User, *, inactive_months: int, warn_days: int, board_days: int
) -> RetentionPolicy:
    """Writes an office's rules (the caller checked the ranges and commits)."""
    row = db.session.scalar(select(RetentionPolicy).where(RetentionPolicy.office_id == office_id))
    if row is None:
        row = RetentionPolicy(office_id=office_id)
        db.session.add(row)
    row.inactive_months = inactive_months
    row.warn_days = warn_days
    row.board_days = board_days
    row.updated_at = utcnow()
    row.updated_by_id = by.id
    db.session.flush()
    return row


def offices_of(user_ids: list[int]) -> dict[int, int | None]:
    """Whose rules apply: the office of each person's most recent membership, else their own."""
    found: dict[int, int | None] = {}
    for chunk in _chunks(user_ids):
        rows = db.session.execute(
            select(Membership.user_id, Group.office_id)
            .join(Group, Group.id == Membership.group_id)
            .where(Membership.user_id.in_(chunk))
            .order_by(Membership.joined_at, Membership.id)
        )
        for user_id, office_id in rows:
            found[user_id] = office_id  # later memberships win
    return found


def _chunks(ids: list[int], size: int = 500):
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


# --- the purge ----------------------------------------------------------------------------------


def purge(
    now: datetime | None = None,
    trigger: str = "command",
    *,
    dry_run: bool = False,
    run: PurgeRun | None = None,
) -> PurgeRun:
    """Applies every rule once and records the counts. With `dry_run`, counts what would go and
    writes nothing (the returned run is not saved). `run` is a row already claimed (the daily
    run); otherwise a new one is made."""
    if trigger not in PURGE_TRIGGERS:
        raise ValueError(f"trigger must be one of {PURGE_TRIGGERS}")
    now = now or utcnow()
    if run is None:
        run = PurgeRun(day_key=None, trigger=trigger, started_at=now)
        if not dry_run:
            db.session.add(run)
            db.session.commit()
    counts = dict.fromkeys(COUNT_NAMES, 0)
    policies = all_policies()
    fallback = defaults()
    try:
        _accounts(now, policies, fallback, counts, dry_run)
        _boards(now, policies, fallback, counts, dry_run)
        _housekeeping(now, counts, dry_run)
    finally:
        if dry_run:
            db.session.rollback()
    run.counts = json.dumps(counts)
    run.finished_at = utcnow()
    if not dry_run:
        db.session.commit()
    log.info("purge (%s%s): %s", trigger, ", dry run" if dry_run else "", run.counts)
    return run


def counts_of(run: PurgeRun) -> dict[str, int]:
    try:
        found = json.loads(run.counts or "{}")
    except ValueError:
        return {}
    return {name: int(found.get(name, 0)) for name in COUNT_NAMES if name in found}


def _accounts(now, policies, fallback, counts, dry_run) -> None:
    thresholds = [p.warn_before(now) for p in (fallback, *policies.values())]
    thresholds = [t for t in thresholds if t is not None]
    activity = func.coalesce(User.last_active_at, User.created_at)
    due = [activity < max(thresholds)] if thresholds else []
    rows = db.session.execute(
        select(User.id, activity, User.inactivity_warned_at, User.office_id).where(
            User.role.in_(DELETABLE_ROLES), or_(User.inactivity_warned_at.is_not(None), *due)
        )
    ).all()
    if not rows:
        return
    office = offices_of([row[0] for row in rows])
    warn, remove, void = [], [], []
    for user_id, active_at, warned_at, own_office in rows:
        office_id = office.get(user_id, own_office)
        policy = policies.get(office_id, fallback) if office_id is not None else fallback
        warn_before, delete_before = policy.warn_before(now), policy.delete_before(now)
        if warn_before is None or active_at >= warn_before:
            # Not (or no longer: the office gave more time) near the limit: a warning given
            # earlier no longer counts, so nobody is deleted without a fresh one.
            if warned_at is not None:
                void.append(user_id)
            continue
        if warned_at is None:
            warn.append(user_id)
        elif active_at < delete_before and warned_at <= now - timedelta(days=policy.warn_days):
            remove.append(user_id)
    counts["warned"] = len(warn)
    counts["accounts_deleted"] = len(remove)
    if dry_run:
        return
    for chunk in _chunks(void):
        db.session.execute(
            update(User)
            .where(User.id.in_(chunk))
            .values(inactivity_warned_at=None)
            .execution_options(synchronize_session=False)
        )
    db.session.commit()
    for chunk in _chunks(warn):
        db.session.execute(
            update(User)
            .where(User.id.in_(chunk), User.inactivity_warned_at.is_(None))
            .values(inactivity_warned_at=now)
            .execution_options(synchronize_session=False)
        )
        for user_id in chunk:
            _warn(user_id, now)
        db.session.commit()
    if remove:
        from webapp.services import erasure  # lazily: erasure imports much of the app

        deleted = 0
        for user_id in remove:
            user = db.session.get(User, user_id)
            if user is None:
                continue
            try:
                erasure.delete_account(user, reason="retention")
                db.session.commit()
                deleted += 1
            except Exception:  # one account that cannot go must not stop the others
                log.exception("retention could not delete account %s", user_id)
                db.session.rollback()
        counts["accounts_deleted"] = deleted


def _warn(user_id: int, now: datetime) -> None:
    """An inbox notice with no actor and no words but its kind; its own thread, so it is never
    folded into another push."""
    from webapp.services import notifications

    notice = notifications.notify(user_id, NotificationKind.RETENTION_WARNING, None)
    notice.thread = "retention"
    notice.created_at = now


def _boards(now, policies, fallback, counts, dry_run) -> None:
    live = func.max(case((GroupSession.status == SessionStatus.LIVE, 1), else_=0))
    last = func.max(func.coalesce(GroupSession.ended_at, GroupSession.starts_at))
    rows = db.session.execute(
        select(GroupSession.group_id, Group.office_id, last, live)
        .join(Group, Group.id == GroupSession.group_id)
        .group_by(GroupSession.group_id, Group.office_id)
    ).all()
    for group_id, office_id, last_end, is_live in rows:
        before = policies.get(office_id, fallback).boards_before(now)
        if before is None or is_live or last_end is None or last_end > before:
            continue
        if _archive(group_id, before, counts, dry_run):
            counts["boards_archived"] += 1


def _archive(group_id: int, before: datetime, counts: dict, dry_run: bool) -> bool:
    """A group's session boards, all of whose sessions are over: what was said in the room goes;
    a dilemma still waiting for a session is kept if it is newer than the limit."""
    sessions = select(GroupSession.id).where(GroupSession.group_id == group_id)
    dilemmas = select(Dilemma.id).where(
        Dilemma.group_id == group_id,
        or_(Dilemma.session_id.is_not(None), Dilemma.created_at <= before),
    )
    rounds = select(StrengthRound.id).where(StrengthRound.session_id.in_(sessions))
    found = {
        "dilemma_responses": _count(DilemmaResponse, DilemmaResponse.dilemma_id.in_(dilemmas)),
        "dilemmas": _count(Dilemma, Dilemma.id.in_(dilemmas)),
        "attendances": _count(Attendance, Attendance.session_id.in_(sessions)),
        "strength_rounds": _count(StrengthRound, StrengthRound.id.in_(rounds)),
    }
    if not any(found.values()):
        return False
    for name, n in found.items():
        counts[name] += n
    if dry_run:
        return True
    # The words given in a round stay with their recipients: only the round goes.
    db.session.execute(
        update(StrengthWord)
        .where(StrengthWord.round_id.in_(rounds))
        .values(round_id=None)
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(GroupSession)
        .where(GroupSession.group_id == group_id)
        .values(
            current_dilemma_id=None,
            current_round_id=None,
            responses_revealed=False,
            version=GroupSession.version + 1,  # the live view's ETag: what it shows changed
        )
        .execution_options(synchronize_session=False)
    )
    ids = list(db.session.scalars(dilemmas))
    for chunk in _chunks(ids):
        _delete(DilemmaResponse, DilemmaResponse.dilemma_id.in_(chunk))
        _delete(Dilemma, Dilemma.id.in_(chunk))
    _delete(Attendance, Attendance.session_id.in_(sessions))
    _delete(StrengthRound, StrengthRound.session_id.in_(sessions))
    db.session.commit()
    return True


def _housekeeping(now: datetime, counts: dict, dry_run: bool) -> None:
    finished = [s for s in DeliveryStatus if s != DeliveryStatus.PENDING]
    rules = {
        "login_failures": (LoginFailure, (LoginFailure.at < now - LOGIN_FAILURES_KEPT,)),
        "login_sessions": (
            LoginSession,
            (
                or_(
                    LoginSession.ended_at < now - LOGIN_SESSIONS_KEPT,
                    LoginSession.last_seen_at < now - LOGIN_SESSIONS_KEPT,
                ),
            ),
        ),
        "reset_codes": (
            ResetCode,
            (
                or_(
                    ResetCode.used_at < now - RESET_CODES_KEPT,
                    ResetCode.expires_at < now - RESET_CODES_KEPT,
                ),
            ),
        ),
        "deliveries": (
            Delivery,
            (
                Delivery.status.in_(finished),
                # Meant for, and finished, that long ago (a worker pass at a given moment never
                # tidies away the nudges it has just handled).
                Delivery.occurrence_at < now - DELIVERIES_KEPT,
                func.coalesce(Delivery.finished_at, Delivery.created_at) < now - DELIVERIES_KEPT,
            ),
        ),
        "notifications": (
            Notification,
            (
                Notification.read_at.is_not(None),
                Notification.created_at < now - READ_NOTIFICATIONS_KEPT,
            ),
        ),
    }
    counts["exports"] = _exports(now, dry_run)
    for name, (model, where) in rules.items():
        counts[name] = _count(model, *where) if dry_run else _delete(model, *where)
    if not dry_run:
        db.session.commit()


def _exports(now: datetime, dry_run: bool) -> int:
    if not dry_run:
        from webapp.services import exports  # lazily: the export room's module

        removed = exports.remove_expired(now)
        db.session.commit()
        return removed
    return _count(
        DataExport,
        or_(
            DataExport.expires_at < now,
            (DataExport.status == ExportStatus.FAILED)
            & (DataExport.created_at < now - EXPORTS_FAILED_KEPT),
        ),
    )


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def _delete(model, *where) -> int:
    return db.session.execute(
        delete(model).where(*where).execution_options(synchronize_session=False)
    ).rowcount


# --- once a day, by the worker --------------------------------------------------------------------


def day_key(now: datetime) -> str:
    """Today's date in UTC, "2026-11-24": the daily run's claim."""
    return now.astimezone(UTC).date().isoformat()


def run_daily(now: datetime | None = None) -> PurgeRun | None:
    """The worker's daily purge: the first worker to insert today's row (unique `day_key`) runs
    it; the others, and later passes, do nothing (one indexed lookup, then nothing at all for
    the rest of the day in this process). A failed purge is logged, never retried the same day.
    """
    now = now or utcnow()
    key = day_key(now)
    state = current_app.extensions.setdefault("stegvis_retention", {})
    if state.get("day") == key:
        return None
    if db.session.scalar(select(PurgeRun.id).where(PurgeRun.day_key == key)) is not None:
        state["day"] = key
        return None
    run = PurgeRun(day_key=key, trigger="worker", started_at=now)
    db.session.add(run)
    try:
        db.session.commit()
    except IntegrityError:  # another worker claimed the day first
        db.session.rollback()
        state["day"] = key
        return None
    state["day"] = key
    try:
        return purge(now, "worker", run=run)
    except Exception:
        log.exception("daily purge failed")
        db.session.rollback()
        return None


# --- the command ----------------------------------------------------------------------------------


def init_app(app: Flask) -> None:
    @app.cli.command("purge")
    @click.option("--dry-run", is_flag=True, help="Show what would go; change nothing.")
    def purge_command(dry_run: bool) -> None:
        """Apply the retention rules now: warn, delete, archive boards, tidy up (counts only)."""
        run = purge(utcnow(), "command", dry_run=dry_run)
        counts = counts_of(run)
        click.echo("Would remove (dry run, nothing changed):" if dry_run else "Removed:")
        for name in COUNT_NAMES:
            click.echo(f"  {name.replace('_', ' ')}: {counts.get(name, 0)}")
