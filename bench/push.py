"""Push throughput: 10 000 due notifications to 10 000 subscriptions at a local push service.

The push service (tests/push_peer.py --count-only, a process of its own) only counts and answers
201, so the figures measure our side. Three runs over the same 10 000 subscriptions:

- worker:  10 000 due delivery rows → `flask worker --once` logic (claim with a lease, build the
           payloads, `push.send`, record results) — what production does;
- sender:  `push.send` alone for the same 10 000 (subscription health recorded, no claiming);
- naive:   a sequential `pywebpush.webpush()` loop (a fresh claims dict, ttl and a timeout each
           time, as pywebpush needs), the baseline.

Prints notifications/s for each, and the ratios to the naive loop; never pass/fail. Also prints
the load average, since another process on the machine changes the figures.

    .venv/bin/python bench/push.py              # 10 000 (what `make bench` runs)
    .venv/bin/python bench/push.py --n 2000     # smaller
    BENCH_PUSH_DATABASE_URL=postgresql+psycopg://…  # default: a temporary SQLite file
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives import serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from sqlalchemy import func, insert, select  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import Base, Delivery, PushSubscription, User  # noqa: E402
from webapp.services import push  # noqa: E402


def start_peer() -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "push_peer.py"), "--count-only"],
        stdout=subprocess.PIPE,
        text=True,
    )
    port = int(proc.stdout.readline())
    return proc, f"http://127.0.0.1:{port}"


def peer_count(origin: str) -> int:
    with urllib.request.urlopen(origin + "/_count", timeout=5) as response:
        return int(response.read())


def load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=500, help="WORKER_BATCH for the worker run")
    args = parser.parse_args()
    n = args.n

    tmp = Path(tempfile.mkdtemp(prefix="stegvis-push-bench-"))
    url = os.environ.get("BENCH_PUSH_DATABASE_URL") or f"sqlite:///{tmp / 'bench.sqlite3'}"
    peer, origin = start_peer()
    try:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "SQLALCHEMY_DATABASE_URI": url,
                "PUSH_TEST_ORIGINS": [origin],
                "VAPID_KEY_FILE": str(tmp / "vapid.pem"),
                "WORKER_BATCH": args.batch,
                "WORKER_LEASE_SECONDS": 300,
            }
        )
        with app.app_context():
            run(app, n, origin, tmp)
    finally:
        peer.terminate()
        peer.wait(5)


def seed(n: int, origin: str) -> None:
    Base.metadata.drop_all(db.engine)
    Base.metadata.create_all(db.engine)
    browser = ec.generate_private_key(ec.SECP256R1())
    p256dh = push.b64u(
        browser.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )
    auth = push.b64u(os.urandom(16))
    db.session.execute(
        insert(User),
        [
            {"id": i, "username": f"u{i}", "display_name": f"U {i}", "password_hash": "-"}
            for i in range(1, n + 1)
        ],
    )
    db.session.execute(
        insert(PushSubscription),
        [
            {"user_id": i, "endpoint": f"{origin}/push/s{i}", "p256dh": p256dh, "auth": auth}
            for i in range(1, n + 1)
        ],
    )
    db.session.commit()


def due_deliveries(n: int) -> None:
    now = datetime.now(UTC)
    db.session.execute(
        insert(Delivery),
        [
            {
                "dedupe_key": f"bench:{i}:{now.timestamp()}",
                "kind": "inactive",
                "user_id": i,
                "occurrence_at": now - timedelta(seconds=1),
                "due_at": now - timedelta(seconds=1),
                "url": "/",
            }
            for i in range(1, n + 1)
        ],
    )
    db.session.commit()


def run(app, n: int, origin: str, tmp: Path) -> None:
    from pywebpush import webpush

    from webapp import worker

    seed(n, origin)
    print(f"{n} subscriptions at a counting peer ({origin}); load average before: {load()}")
    push.transport()  # the key and the event loop, made outside the timed part

    # 1. the worker: claim → payloads → push.send → record, in batches of WORKER_BATCH
    due_deliveries(n)
    before = peer_count(origin)
    started, cpu = time.perf_counter(), time.process_time()
    stats = worker.run_once()
    worker_s, worker_cpu = time.perf_counter() - started, time.process_time() - cpu
    got = peer_count(origin) - before
    sent = db.session.scalar(
        select(func.count()).select_from(Delivery).where(Delivery.status == "sent")
    )
    assert got == n == stats.sent == sent, (got, n, stats, sent)

    # 2. the sender alone
    messages = [
        push.Outgoing(
            user_id=i,
            title="Stegvis",
            body="A reminder for you",
            url="/",
            topic=f"bench-{i}",
            ttl=4 * 3600,
            delivery_id=i,
        )
        for i in range(1, n + 1)
    ]
    before = peer_count(origin)
    started, cpu = time.perf_counter(), time.process_time()
    for start in range(0, n, 1000):
        results = push.send(messages[start : start + 1000])
        assert all(r.status == "sent" for r in results)
        db.session.commit()
    sender_s, sender_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert peer_count(origin) - before == n

    # 3. the naive loop: pywebpush.webpush() per subscription, one after the other
    key_file = tmp / "vapid.pem"
    subs = [
        {"endpoint": s.endpoint, "keys": {"p256dh": s.p256dh, "auth": s.auth}}
        for s in db.session.scalars(select(PushSubscription).order_by(PushSubscription.id))
    ]
    data = json.dumps({"title": "Stegvis", "body": "A reminder for you", "url": "/"})
    before = peer_count(origin)
    started, cpu = time.perf_counter(), time.process_time()
    for sub in subs:
        webpush(
            sub,
            data,
            vapid_private_key=str(key_file),
            vapid_claims={"sub": "mailto:push@stegvis.invalid"},
            ttl=4 * 3600,
            timeout=10,
        )
    naive_s, naive_cpu = time.perf_counter() - started, time.process_time() - cpu
    assert peer_count(origin) - before == n

    rows = [
        (
            f"worker (claim + send + record, batch {app.config['WORKER_BATCH']})",
            worker_s,
            worker_cpu,
        ),
        ("push.send alone (batches of 1000)", sender_s, sender_cpu),
        ("naive pywebpush.webpush() loop", naive_s, naive_cpu),
    ]
    for label, wall, cpu_s in rows:
        print(
            f"  {label:46} {n / wall:7.0f} notifications/s  ({wall:5.2f} s; "
            f"{cpu_s / n * 1000:.2f} ms CPU each in this process)"
        )
    print(
        f"  ratio to the naive loop: worker {naive_s / worker_s:.1f}x, "
        f"push.send {naive_s / sender_s:.1f}x   (by CPU per notification: worker "
        f"{naive_cpu / worker_cpu:.1f}x, push.send {naive_cpu / sender_cpu:.1f}x)"
    )
    print(
        f"  cores: {os.cpu_count()}   load average after: {load()}   "
        f"database: {db.engine.dialect.name}"
    )


if __name__ == "__main__":
    main()
