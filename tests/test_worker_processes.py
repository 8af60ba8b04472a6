"""Exactly once with several worker processes on PostgreSQL: 1 000 due deliveries, four workers
claiming at the same time, the local push peer counting; and a worker killed with SIGKILL while
it holds a claim, whose rows are taken again when its lease runs out."""

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from webapp.extensions import db
from webapp.models import Delivery, DeliveryKind, DeliveryStatus, Reminder, Role, User
from webapp.models.base import utcnow
from webapp.services import push
from webapp.worker import run_once

from conftest import PG_URL, base_config
from push_peer import PushPeer

# Worker processes racing for rows: PostgreSQL only (CI sets TEST_DATABASE_URL), so the app
# fixture is given just that database instead of both.
pytestmark = [
    pytest.mark.skipif(not PG_URL, reason="needs TEST_DATABASE_URL (PostgreSQL)"),
    pytest.mark.parametrize("database_url", ["postgresql"], indirect=True),
]

HERE = Path(__file__).parent
N = 1000


@pytest.fixture
def pg(app):
    assert db.engine.dialect.name == "postgresql"
    return app


@pytest.fixture
def world(pg, tmp_path):
    """1 000 participants, one phone each at the peer, one due delivery each."""
    with PushPeer() as peer:
        pg.config["PUSH_TEST_ORIGINS"] = [peer.origin]
        pg.config["VAPID_KEY_FILE"] = str(tmp_path / "vapid.pem")
        push.vapid_key()  # made once here, read by every worker
        password = "x"
        db.session.execute(
            insert(User),
            [
                {
                    "username": f"p{i}",
                    "display_name": f"P {i}",
                    "password_hash": password,
                    "role": Role.PARTICIPANT,
                    "timezone": "UTC",
                }
                for i in range(N)
            ],
        )
        users = list(db.session.scalars(select(User).order_by(User.id)))
        subs = [peer.subscription(shared_keys=True) for _ in users]
        db.session.execute(
            insert(push.PushSubscription),
            [
                {
                    "user_id": u.id,
                    "endpoint": s["endpoint"],
                    "p256dh": s["keys"]["p256dh"],
                    "auth": s["keys"]["auth"],
                    "label": "phone",
                }
                for u, s in zip(users, subs, strict=True)
            ],
        )
        now = utcnow()
        reminder = Reminder(
            text="Bring a dilemma",
            start_date=now.date(),
            start_time=now.time().replace(microsecond=0),
            tzid="UTC",
        )
        db.session.add(reminder)
        db.session.flush()
        db.session.execute(
            insert(Delivery),
            [
                {
                    "dedupe_key": f"r:{reminder.id}:u:{u.id}",
                    "kind": DeliveryKind.REMINDER,
                    "reminder_id": reminder.id,
                    "user_id": u.id,
                    "occurrence_at": now - timedelta(minutes=1),
                    "due_at": now - timedelta(minutes=1),
                    "url": "/",
                }
                for u in users
            ],
        )
        db.session.commit()
        config = {
            **base_config(PG_URL),
            "SERVER_NAME": None,
            "PUSH_TEST_ORIGINS": [peer.origin],
            "VAPID_KEY_FILE": pg.config["VAPID_KEY_FILE"],
            "WORKER_BATCH": 50,
        }
        yield peer, config


def start_worker(config: dict, go: Path | None = None, **extra) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}
    args = [sys.executable, str(HERE / "worker_process.py"), json.dumps({**config, **extra})]
    return subprocess.Popen(
        args + ([str(go)] if go else []),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finish(process: subprocess.Popen) -> dict:
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err
    return json.loads(out.strip().splitlines()[-1])


def statuses() -> Counter:
    db.session.expire_all()
    return Counter(
        dict(
            db.session.execute(
                select(Delivery.status, func.count()).group_by(Delivery.status)
            ).all()
        )
    )


def delivery_ids(peer) -> Counter:
    return Counter(m.json["delivery"] for m in peer.messages)


def test_four_workers_deliver_a_thousand_due_nudges_exactly_once(world, tmp_path):
    peer, config = world
    go = tmp_path / "go"
    workers = [start_worker(config, go) for _ in range(4)]
    for worker in workers:  # all started: then all begin at once
        assert worker.stdout.readline().strip() == "ready"
    go.touch()
    results = [finish(w) for w in workers]
    assert sum(r["sent"] for r in results) == N
    assert sum(1 for r in results if r["sent"]) >= 2  # they really shared the work
    assert max(b for r in results for b in r["batches"]) <= 50  # nobody claims beyond its batch
    peer.wait_for(N, timeout=30)
    time.sleep(0.2)  # anything extra would have arrived by now
    assert peer.count == N
    assert len(delivery_ids(peer)) == N and max(delivery_ids(peer).values()) == 1
    assert statuses() == {DeliveryStatus.SENT: N}


def test_a_worker_killed_mid_batch_loses_nothing_and_sends_nothing_twice(world):
    peer, config = world
    lease = 3
    doomed = start_worker(config, WORKER_LEASE_SECONDS=lease, WORKER_PAUSE_AFTER_CLAIM=60)
    deadline = time.monotonic() + 30
    while True:  # until it holds a claimed batch
        db.session.expire_all()
        held = db.session.scalar(
            select(func.count()).select_from(Delivery).where(Delivery.lease_token.is_not(None))
        )
        if held or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert held == 50
    doomed.send_signal(signal.SIGKILL)
    doomed.wait(10)
    claimed_at = time.monotonic()
    others = [start_worker(config, WORKER_LEASE_SECONDS=lease) for _ in range(3)]
    results = [finish(w) for w in others]
    # The dead worker's rows wait for its lease to run out; then a worker takes them again.
    time.sleep(max(0.0, lease + 0.5 - (time.monotonic() - claimed_at)))
    last = run_once()  # one more pass (here, in the test's process)
    assert sum(r["sent"] for r in results) + last.sent == N
    peer.wait_for(N, timeout=30)
    time.sleep(0.2)
    assert peer.count == N
    assert max(delivery_ids(peer).values()) == 1
    assert statuses() == {DeliveryStatus.SENT: N}
