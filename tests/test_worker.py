"""The worker: claims due deliveries with a lease, pushes them through the real sender to the
local push peer, and records what happened (sent, gone, retry with backoff, failed)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Notification,
    NotificationKind,
    Reminder,
    ReminderKind,
    Role,
)
from webapp.models.base import utcnow
from webapp.services import push, scheduling
from webapp.worker import backoff, claim, run_once

import factories as f
from push_peer import PushPeer


@pytest.fixture
def peer(app, tmp_path):
    with PushPeer() as running:
        app.config["PUSH_TEST_ORIGINS"] = [running.origin]
        app.config["VAPID_KEY_FILE"] = str(tmp_path / "vapid.pem")
        yield running


def subscribe(peer, user):
    sub = peer.subscription()
    push.subscribe(user, sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"], "phone")
    return sub


def due_reminder(participant, text="Bring a dilemma", **extra) -> Reminder:
    """A one-off reminder for this participant that came due a minute ago."""
    counsellor = f.user(Role.COUNSELLOR)
    group = f.group(counsellor, (participant,))
    at = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(minutes=1)
    reminder = Reminder(
        kind=ReminderKind.COUNSELLOR,
        created_by_id=counsellor.id,
        group_id=group.id,
        text=text,
        start_date=at.date(),
        start_time=at.time(),
        tzid="UTC",
        **extra,
    )
    db.session.add(reminder)
    db.session.flush()
    scheduling.set_next_run(reminder, at - timedelta(minutes=1))
    # Quiet hours are tested elsewhere; these tests run at any hour.
    scheduling.settings_for(participant.id).quiet_end = scheduling.settings_for(
        participant.id
    ).quiet_start
    db.session.commit()
    return reminder


def deliveries():
    db.session.expire_all()
    return list(db.session.scalars(select(Delivery).order_by(Delivery.id)))


def test_a_due_reminder_reaches_the_phone_once_and_is_recorded(app, peer):
    participant = f.user(locale="en")
    subscribe(peer, participant)
    due_reminder(participant)
    stats = run_once()
    (message,) = peer.wait_for(1)
    assert message.json["title"] == "Reminder"
    assert message.json["body"] == "Bring a dilemma"
    (row,) = deliveries()
    assert message.json["delivery"] == row.id
    assert (row.status, row.attempts, row.lease_token) == (DeliveryStatus.SENT, 1, None)
    assert message.ttl == 4 * 3600 and message.topic
    assert stats.sent == 1
    assert run_once().claimed == 0
    assert peer.count == 1


def test_a_push_never_carries_journal_text_or_mood(app, peer):
    participant, friend = f.user(locale="en"), f.user(display_name="Friend")
    subscribe(peer, participant)
    entry = f.entry(participant, text="I felt awful about the interview", mood=1)
    share = f.share(entry, mentor=friend)
    quiet = scheduling.settings_for(participant.id)
    quiet.quiet_end = quiet.quiet_start  # no quiet hours: this test runs at any hour
    db.session.add(
        Notification(
            user_id=participant.id,
            kind=NotificationKind.REPLY,
            actor_id=friend.id,
            share_id=share.id,
            thread=f"share:{share.id}",
            url=f"/shares/{share.id}",
        )
    )
    db.session.commit()
    run_once()
    (message,) = peer.wait_for(1)
    assert message.json["title"] == "You have a new reply"
    raw = message.body.decode()
    assert "awful" not in raw and "interview" not in raw and "mood" not in raw
    assert message.json["url"] == f"/shares/{share.id}"


def test_nobody_to_push_to_leaves_the_nudge_in_the_inbox_only(app, peer):
    participant = f.user()
    due_reminder(participant)
    run_once()
    assert [r.status for r in deliveries()] == [DeliveryStatus.NO_DEVICE]
    assert peer.attempts == 0


def test_a_gone_subscription_is_removed_and_the_delivery_closed(app, peer):
    participant = f.user()
    subscribe(peer, participant)
    due_reminder(participant)
    peer.answer(410)
    run_once()
    assert [r.status for r in deliveries()] == [DeliveryStatus.NO_DEVICE]
    assert push.devices(participant) == []


def test_too_many_requests_is_retried_after_what_the_push_service_asked(app, peer):
    participant = f.user()
    subscribe(peer, participant)
    due_reminder(participant)
    peer.answer(429, retry_after=120, times=1)
    before = utcnow()
    run_once()
    (row,) = deliveries()
    assert row.status == DeliveryStatus.PENDING and row.lease_token is None
    assert row.due_at >= before + timedelta(seconds=120)
    # When the time has come, it goes (once).
    run_once(now=row.due_at + timedelta(seconds=1))
    peer.wait_for(1)
    assert [r.status for r in deliveries()] == [DeliveryStatus.SENT]
    assert peer.count == 1


def test_server_errors_back_off_exponentially_and_give_up_with_a_record(app, peer):
    participant = f.user()
    subscribe(peer, participant)
    due_reminder(participant)
    peer.answer(500)
    before = utcnow()
    run_once()
    waits = []
    for _attempt in range(6):
        (row,) = deliveries()
        waits.append(round((row.due_at - before).total_seconds() / 30))
        if row.status != DeliveryStatus.PENDING:
            break
        before = utcnow()
        run_once(now=max(row.due_at, before) + timedelta(seconds=1))
    assert waits[:5] == [1, 2, 4, 8, 16]
    assert row.status == DeliveryStatus.FAILED
    assert row.result.startswith("retries ran out")


def test_backoff_honours_retry_after_but_has_a_ceiling():
    assert backoff(1, None) == 30
    assert backoff(3, None) == 120
    assert backoff(1, 300) == 300
    assert backoff(20, None) == 1800
    assert backoff(1, 86_400) == 1800


def test_other_client_errors_fail_at_once_with_a_record(app, peer):
    participant = f.user()
    subscribe(peer, participant)
    due_reminder(participant)
    peer.answer(413)
    run_once()
    (row,) = deliveries()
    assert row.status == DeliveryStatus.FAILED and row.result


def test_claimed_rows_are_not_claimed_again_until_the_lease_runs_out(app):
    participant = f.user()
    due_reminder(participant)
    now = utcnow()
    scheduling.schedule(now)
    db.session.commit()
    _token, first = claim(now, 10, lease_seconds=60)
    assert len(first) == 1
    assert claim(now + timedelta(seconds=59), 10, lease_seconds=60)[1] == []
    token, again = claim(now + timedelta(seconds=61), 10, lease_seconds=60)
    assert again == first
    (row,) = deliveries()
    assert (row.lease_token, row.attempts) == (token, 2)


def test_a_worker_that_lost_its_lease_writes_nothing(app, peer):
    from webapp.worker import Stats, deliver

    participant = f.user()
    subscribe(peer, participant)
    due_reminder(participant)
    now = utcnow()
    scheduling.schedule(now)
    db.session.commit()
    stale, ids = claim(now, 10, lease_seconds=1)
    fresh, _ = claim(now + timedelta(seconds=2), 10, lease_seconds=60)
    deliver(stale, ids, Stats())  # the slow worker: its rows now belong to another
    (row,) = deliveries()
    assert (row.status, row.lease_token) == (DeliveryStatus.PENDING, fresh)


def test_the_worker_command_does_what_is_due_and_exits(app, peer):
    participant = f.user()
    subscribe(peer, participant)
    due_reminder(participant)
    result = app.test_cli_runner().invoke(args=["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "sent 1" in result.output
    peer.wait_for(1)


def test_snoozed_nudge_comes_again_an_hour_later(app, peer):
    participant = f.user()
    subscribe(peer, participant)
    due_reminder(participant)
    run_once()
    (row,) = deliveries()
    again = scheduling.snooze(participant, row.id)
    db.session.commit()
    assert run_once().claimed == 0
    run_once(now=again.due_at + timedelta(seconds=1))
    assert peer.wait_for(2)[1].json["body"] == "Bring a dilemma"
    assert [r.kind for r in deliveries()] == [DeliveryKind.REMINDER, DeliveryKind.SNOOZE]
    assert len(db.session.scalars(select(Notification)).all()) == 1  # one copy in the inbox


def test_an_own_journal_nudge_says_so_in_the_persons_language(app, peer):
    participant = f.user(locale="en")
    subscribe(peer, participant)
    reminder = due_reminder(participant, text="", template="journal")
    reminder.kind, reminder.created_by_id, reminder.group_id = (
        ReminderKind.OWN,
        participant.id,
        None,
    )
    db.session.commit()
    run_once()
    (message,) = peer.wait_for(1)
    assert message.json["body"] == "Time to write a few words in your journal"
    assert message.json["url"] == "/journal"


def broken_sender(messages):
    raise ConnectionError("the push service is down")


def test_a_sender_that_breaks_loses_nothing_the_batch_is_retried(app):
    participant = f.user()
    due_reminder(participant)
    app.config["NUDGE_SENDER"] = "test_worker:broken_sender"
    before = utcnow()
    stats = run_once()
    (row,) = deliveries()
    assert stats.retried == 1
    assert (row.status, row.attempts, row.lease_token) == (DeliveryStatus.PENDING, 1, None)
    assert row.due_at >= before + timedelta(seconds=30)


def test_without_a_sender_a_nudge_stays_in_the_inbox_only(app):
    participant = f.user()
    due_reminder(participant)
    app.config["NUDGE_SENDER"] = "no_such_module:send"
    run_once()
    assert [r.status for r in deliveries()] == [DeliveryStatus.NO_DEVICE]


def test_a_reminder_is_in_the_inbox_too_once_whatever_push_made_of_it(app, client):
    participant = f.user(locale="en", username="inga")
    due_reminder(participant, text="Bring your CV on Thursday")
    run_once()  # no device: the inbox is where it lands
    f.commit()
    client.login("inga")
    inbox = client.get("/api/v1/notifications").get_json()["items"]
    assert [(n["kind"], n["sentence"]) for n in inbox] == [
        ("reminder", "Bring your CV on Thursday")
    ]
    assert run_once().claimed == 0  # and it is not pushed again as an inbox notice
    assert len(client.get("/api/v1/notifications").get_json()["items"]) == 1
    assert "Bring your CV on Thursday" in client.get("/inbox").get_data(as_text=True)
