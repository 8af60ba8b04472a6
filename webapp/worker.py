"""The worker: claim due deliveries → push them → record what happened. A process of its own
(`flask --app wsgi worker`, or `--once` to do what is due and exit); never inside gunicorn.

Exactly once, with any number of workers:
- one delivery row per (reminder, occurrence, recipient), under unique constraints, so a second
  scheduler pass (or worker) cannot make a second row;
- a worker takes rows by writing its own lease token and a lease end, in a committed claim:
  `FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite (one writer at a time) a guarded
  `UPDATE … WHERE id IN (…) AND status='pending' AND lease expired`, after which the worker
  reads back only the rows carrying its token;
- results are written only while the worker still holds the lease (same token), so a worker that
  outlived its lease cannot overwrite what another did;
- a worker killed mid-batch leaves leased, unsent rows behind; when the lease runs out another
  worker takes them. The one window no protocol can close is a crash after the push service
  said 201 and before the row was written; every payload carries its delivery id and the service
  worker shows it with the hashed topic as its `tag`, so even then the phone shows it once.

The sender is `NUDGE_SENDER` ("module:function", default `webapp.services.push:send`): it takes a
list of `Outgoing` and gives back results that name the delivery id and say sent / gone / retry
(with `retry_after` seconds) / failed (with a short `reason`).
"""

import importlib
import logging
import os
import secrets
import signal
import time as clock
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import click
from flask import Flask, current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload

from webapp.extensions import db
from webapp.models import Delivery, DeliveryKind, DeliveryStatus, NotificationKind
from webapp.models.base import utcnow
from webapp.services import exports, retention, scheduling

log = logging.getLogger("stegvis.worker")

MAX_ATTEMPTS = 6
BACKOFF_BASE = 30  # seconds: 30, 60, 120, 240, 480 …
BACKOFF_MAX = 1800
REMINDER_TTL = 4 * 3600  # a reminder is worth a few hours, not a day
INBOX_TTL = 24 * 3600


@dataclass
class Outgoing:
    """What the worker asks the sender to push (the push module may define its own, with the
    same fields: that one is used when it exists)."""

    user_id: int
    title: str
    body: str
    url: str
    topic: str
    ttl: int
    urgency: str
    delivery_id: int


@dataclass
class Stats:
    scheduled: int = 0
    dropped: int = 0
    claimed: int = 0
    sent: int = 0
    no_device: int = 0
    retried: int = 0
    failed: int = 0
    batches: list[int] = field(default_factory=list)


def _no_sender(messages):
    """Until a push sender exists: every nudge stays in the inbox only."""
    return []


def sender():
    path = current_app.config["NUDGE_SENDER"]
    module, _sep, name = path.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        log.warning("push sender %s is not available; nudges reach the inbox only", path)
        return _no_sender


def _outgoing_class(send):
    module = importlib.import_module(send.__module__)
    return getattr(module, "Outgoing", Outgoing)


# --- claiming ------------------------------------------------------------------------------------


def claim(now: datetime, limit: int, lease_seconds: int) -> tuple[str, list[int]]:
    """Takes up to `limit` due rows for this worker; commits the claim and gives back its ids."""
    token = secrets.token_hex(16)
    until = now + timedelta(seconds=lease_seconds)
    claimable = (
        Delivery.status == DeliveryStatus.PENDING,
        Delivery.due_at <= now,
        or_(Delivery.lease_until.is_(None), Delivery.lease_until < now),
    )
    candidates = select(Delivery.id).where(*claimable).order_by(Delivery.due_at).limit(limit)
    if db.engine.dialect.name == "postgresql":
        # A materialized CTE runs the locking SELECT exactly once. (As `id IN (subquery)` the
        # planner may run it again per row, and each run skips what the last one took: one
        # worker would then claim far more than its batch.)
        picked = (
            candidates.with_for_update(skip_locked=True)
            .cte("picked")
            .prefix_with("MATERIALIZED", dialect="postgresql")
        )
        ids = list(
            db.session.scalars(
                update(Delivery)
                .where(Delivery.id == picked.c.id)
                .values(lease_token=token, lease_until=until, attempts=Delivery.attempts + 1)
                .returning(Delivery.id)
                .execution_options(synchronize_session=False)
            )
        )
    else:
        wanted = list(db.session.scalars(candidates))
        if not wanted:
            db.session.commit()
            return token, []
        # SQLite runs one writer at a time: the guard is checked again inside this UPDATE, so
        # a row another worker took in between is not taken twice.
        db.session.execute(
            update(Delivery)
            .where(Delivery.id.in_(wanted), *claimable)
            .values(lease_token=token, lease_until=until, attempts=Delivery.attempts + 1)
            .execution_options(synchronize_session=False)
        )
        ids = list(db.session.scalars(select(Delivery.id).where(Delivery.lease_token == token)))
    db.session.commit()
    return token, ids


# --- the words of a push (generic: never what anyone wrote or felt) ---------------------------


INBOX_TITLES = {
    NotificationKind.REPLY: lambda: _("You have a new reply"),
    NotificationKind.REACTION: lambda: _("Someone reacted to what you shared"),
    NotificationKind.STRENGTH_WORD: lambda: _("You got a strength word"),
    NotificationKind.SHARED: lambda: _("Something new was shared with you"),
    NotificationKind.LINK_REQUEST: lambda: _("A suggestion for a mentor"),
    NotificationKind.EXPORT_READY: lambda: _("Your download is ready"),
    NotificationKind.NEW_MEMBER: lambda: _("Someone joined your group"),
    NotificationKind.RETENTION_WARNING: lambda: _("Your account will be deleted soon"),
}


def words(delivery: Delivery) -> tuple[str, str]:
    """Title and body for a delivery, in the recipient's language."""
    app_name = "Stegvis"
    if delivery.kind in scheduling.INBOX_TOO:
        reminder = delivery.reminder
        template, text = (reminder.template, reminder.text) if reminder else (None, "")
        return _("Reminder"), scheduling.nudge_text(
            delivery.kind, template, text, delivery.thread, delivery.user.timezone
        )
    if delivery.kind == DeliveryKind.INACTIVE:
        return app_name, _("We are here when you want to. Welcome back any time.")
    if delivery.kind == DeliveryKind.INBOX:
        kind = delivery.notification.kind if delivery.notification else None
        title = INBOX_TITLES.get(kind, lambda: _("Something new for you"))()
        return title, _("Open Stegvis to see it")
    return app_name, _("A reminder for you")


def outgoing_for(delivery: Delivery, cls, said: dict | None = None) -> object:
    """The message for one delivery. `said` caches the words per language and kind within a
    batch (a group reminder to a thousand people is translated once per language)."""
    locale = delivery.user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]
    notice_kind = delivery.notification.kind if delivery.notification else None
    key = (locale, delivery.kind, delivery.reminder_id, notice_kind)
    if delivery.kind == DeliveryKind.SESSION:  # its words say the session's time, in their zone
        key += (delivery.thread, delivery.user.timezone)
    said = {} if said is None else said
    if key not in said:
        with force_locale(locale):
            said[key] = words(delivery)
    title, body = said[key]
    if delivery.kind == DeliveryKind.INBOX:
        topic, ttl, urgency = f"t-{delivery.thread}", INBOX_TTL, "normal"
    elif delivery.reminder_id is not None:
        topic, ttl, urgency = f"r-{delivery.reminder_id}", REMINDER_TTL, "normal"
    else:
        topic, ttl, urgency = f"{delivery.kind}-{delivery.user_id}", REMINDER_TTL, "low"
    return cls(
        user_id=delivery.user_id,
        title=title,
        body=body,
        url=delivery.url or "/",
        topic=topic,
        ttl=ttl,
        urgency=urgency,
        delivery_id=delivery.id,
    )


# --- delivering ----------------------------------------------------------------------------------


def _status(result) -> str:
    value = getattr(result, "status", "")
    return str(getattr(value, "value", value)).lower()


def backoff(attempts: int, retry_after: float | None) -> float:
    wait = min(BACKOFF_BASE * 2 ** max(attempts - 1, 0), BACKOFF_MAX)
    return min(max(wait, retry_after or 0), BACKOFF_MAX)


def deliver(token: str, ids: list[int], stats: Stats) -> None:
    rows = list(
        db.session.scalars(
            select(Delivery)
            .options(
                joinedload(Delivery.user),
                joinedload(Delivery.reminder),
                joinedload(Delivery.notification),
            )
            .where(Delivery.id.in_(ids), Delivery.lease_token == token)
        )
    )
    if not rows:
        return
    send = sender()
    cls = _outgoing_class(send)
    said: dict = {}
    messages = [outgoing_for(row, cls, said) for row in rows]
    try:
        results = list(send(messages) or [])
    except Exception as error:  # a broken sender must not lose the batch
        log.exception("push sender failed")
        db.session.rollback()  # its half-done health updates; the claim is committed already
        results = [_Retry(row.id, str(error)[:150]) for row in rows]
    by_delivery: dict[int, list] = {}
    for result in results:
        by_delivery.setdefault(getattr(result, "delivery_id", None), []).append(result)
    now = utcnow()
    outcomes: dict[tuple, list[int]] = {}
    for row in rows:
        values = _outcome(row, by_delivery.get(row.id, []), now, stats)
        outcomes.setdefault(tuple(sorted(values.items())), []).append(row.id)
    held: list[int] = []
    for values, same in outcomes.items():
        # Only while the lease is still ours: a worker that outlived its lease writes nothing.
        held += db.session.scalars(
            update(Delivery)
            .where(Delivery.id.in_(same), Delivery.lease_token == token)
            .values(lease_token=None, lease_until=None, **dict(values))
            .returning(Delivery.id)
            .execution_options(synchronize_session=False)
        ).all()
    scheduling.into_inbox([row for row in rows if row.id in set(held)], now)
    db.session.commit()


@dataclass
class _Retry:
    delivery_id: int
    reason: str
    status: str = "retry"
    retry_after: float | None = None


def _outcome(row: Delivery, results: list, now: datetime, stats: Stats) -> dict:
    """What to write for one delivery, from the sender's results for it (one per message)."""
    statuses = [_status(r) for r in results]
    if "sent" in statuses:
        stats.sent += 1
        return {"status": DeliveryStatus.SENT, "finished_at": now, "result": ""}
    if all(s in ("gone", "no_device") for s in statuses):
        stats.no_device += 1
        return {"status": DeliveryStatus.NO_DEVICE, "finished_at": now, "result": ""}
    if "retry" in statuses and row.attempts < MAX_ATTEMPTS:
        after = max((getattr(r, "retry_after", None) or 0) for r in results)
        stats.retried += 1
        return {"due_at": now + timedelta(seconds=backoff(row.attempts, after))}
    reasons = "; ".join(
        str(getattr(r, "reason", "") or s) for r, s in zip(results, statuses, strict=True)
    )
    if "retry" in statuses:
        reasons = "retries ran out: " + reasons
    stats.failed += 1
    return {"status": DeliveryStatus.FAILED, "finished_at": now, "result": reasons[:200]}


# --- passes --------------------------------------------------------------------------------------


def run_once(now: datetime | None = None) -> Stats:
    """Schedules what has come, drops what is hours late, then delivers batches until none is
    due. Call inside an app context."""
    stats = Stats()
    config = current_app.config
    fixed = now  # tests pass a moment; a real pass reads the clock for each claim
    now = now or utcnow()
    stats.scheduled = scheduling.schedule(now)
    stats.dropped = scheduling.drop_late(now)
    exports.claim_and_build(now)  # "download my data": builds what was asked for
    db.session.commit()
    pause = float(config.get("WORKER_PAUSE_AFTER_CLAIM") or 0)
    while True:
        moment = fixed or utcnow()
        token, ids = claim(moment, config["WORKER_BATCH"], config["WORKER_LEASE_SECONDS"])
        if not ids:
            break
        stats.claimed += len(ids)
        stats.batches.append(len(ids))
        if pause:
            clock.sleep(pause)  # test hook: lets a test kill the worker holding a claim
        deliver(token, ids, stats)
    retention.run_daily(now)  # once a day, by whichever worker claims the day first
    return stats


def run_forever(app: Flask) -> None:
    stopping = False

    def stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("worker %s started", os.getpid())
    while not stopping:
        with app.app_context():
            try:
                stats = run_once()
            except Exception:  # a bad pass (database restart) must not end the loop
                log.exception("worker pass failed")
                db.session.rollback()
                stats = Stats()
            finally:
                db.session.remove()
        if not stats.claimed:
            waited = 0.0
            while not stopping and waited < app.config["WORKER_POLL_SECONDS"]:
                clock.sleep(0.5)
                waited += 0.5
                if exports.waiting(app):  # "download my data" starts within a second
                    break


def init_app(app: Flask) -> None:
    @app.cli.command("worker")
    @click.option("--once", is_flag=True, help="Do what is due now, then exit.")
    def worker(once: bool) -> None:
        """Send due reminders and notifications (a process of its own, next to gunicorn)."""
        logging.basicConfig(level=logging.INFO, format="%(asctime)s worker %(message)s")
        if once:
            stats = run_once()
            click.echo(
                f"scheduled {stats.scheduled}, dropped {stats.dropped}, sent {stats.sent}, "
                f"no device {stats.no_device}, retry {stats.retried}, failed {stats.failed}"
            )
            return
        run_forever(current_app._get_current_object())
