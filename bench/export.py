""" "Download my data" for a heavy user: how long the worker takes to build the zip.

Seeds a fresh database with one participant who has 3 000 journal entries (every tenth with an
earlier version), 200 goals × 5 steps, 50 voice notes of ~300 kB, 400 shares, 600 replies from
peers on them and 200 of their own on peers' items, 100 strength words and 500 notifications;
ten peers have 100 entries each, so every query has others' rows to leave out. Then asks for an
export and builds it exactly as the worker does (`exports.claim_and_build`), and prints the
seconds and the size. Target: under 60 s. A figure, never pass/fail.

    .venv/bin/python bench/export.py                      # SQLite in a temporary directory
    .venv/bin/python bench/export.py --postgres URL       # a PostgreSQL database (wiped first)
    .venv/bin/python bench/export.py --scale 0.1          # a tenth of the rows
"""

import argparse
import os
import sys
import tempfile
import time
import uuid
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, insert, select, text  # noqa: E402

from webapp import create_app  # noqa: E402
from webapp.extensions import db  # noqa: E402
from webapp.models import (  # noqa: E402
    DataExport,
    Entry,
    EntryRevision,
    Goal,
    Group,
    Membership,
    MentorLink,
    Notification,
    Office,
    Reply,
    Share,
    Step,
    StrengthWord,
    User,
    VoiceNote,
)
from webapp.services import exports  # noqa: E402

TALK = (
    "today I went for a walk and thought about the interview tomorrow, it felt a bit easier "
    "than last week and I wrote down three questions to ask them about the job"
)
WORDS = TALK.split(" ")


def sentence(i: int, n: int = 40) -> str:
    return " ".join(WORDS[(i + k) % len(WORDS)] for k in range(n)) + f" ({i})"


def seed(scale: float, voice_dir: Path) -> int:
    now = datetime.now(UTC)
    n = lambda count: max(1, int(count * scale))  # noqa: E731
    office = Office(name="NAV Bench", municipality="Bench")
    db.session.add(office)
    db.session.flush()
    group = Group(
        name="Bench group", office_id=office.id, start_date=now.date(), invite_code="BENCH1"
    )
    db.session.add(group)
    db.session.flush()

    def person(name: str, role: str = "participant") -> User:
        user = User(username=name, display_name=name.title(), password_hash="x", role=role)
        db.session.add(user)
        db.session.flush()
        return user

    owner = person("heavy-user")
    mentor = person("bench-mentor", "mentor")
    peers = [person(f"peer-{i}") for i in range(10)]
    for member in (owner, *peers):
        db.session.add(Membership(group_id=group.id, user_id=member.id, role="participant"))
    db.session.add(
        MentorLink(participant_id=owner.id, mentor_id=mentor.id, status="accepted", answered_at=now)
    )

    goals = [
        {
            "owner_id": owner.id,
            "client_id": str(uuid.uuid4()),
            "title": f"Goal {i}",
            "why": sentence(i, 12),
            "created_at": now,
            "updated_at": now,
        }
        for i in range(n(200))
    ]
    db.session.execute(insert(Goal), goals)
    goal_ids = list(db.session.scalars(select(Goal.id).where(Goal.owner_id == owner.id)))
    db.session.execute(
        insert(Step),
        [
            {
                "goal_id": gid,
                "owner_id": owner.id,
                "client_id": str(uuid.uuid4()),
                "title": f"Step {k} of goal {gid}",
                "position": k,
                "created_at": now,
                "updated_at": now,
            }
            for gid in goal_ids
            for k in range(5)
        ],
    )
    entries = [
        {
            "owner_id": who.id,
            "client_id": str(uuid.uuid4()),
            "text": sentence(i),
            "mood": 1 + i % 5,
            "goal_id": goal_ids[i % len(goal_ids)] if who is owner and i % 3 == 0 else None,
            "created_at": now - timedelta(minutes=i),
            "updated_at": now - timedelta(minutes=i),
        }
        for who, count in [(owner, n(3000))] + [(p, n(100)) for p in peers]
        for i in range(count)
    ]
    db.session.execute(insert(Entry), entries)
    mine = list(
        db.session.scalars(select(Entry.id).where(Entry.owner_id == owner.id).order_by(Entry.id))
    )
    theirs = list(
        db.session.scalars(select(Entry.id).where(Entry.owner_id != owner.id).order_by(Entry.id))
    )
    db.session.execute(
        insert(EntryRevision),
        [
            {"entry_id": eid, "text": sentence(eid, 20), "written_at": now, "created_at": now}
            for eid in mine[::10]
        ],
    )
    voice_dir.mkdir(parents=True, exist_ok=True)
    notes = []
    for i, eid in enumerate(mine[: n(50)]):
        name = uuid.uuid4().hex + ".webm"
        (voice_dir / name).write_bytes(b"\x1a\x45\xdf\xa3" + os.urandom(300_000))
        notes.append(
            {
                "entry_id": eid,
                "file_name": name,
                "mime": "audio/webm",
                "size": 300_004,
                "duration_ms": 60_000 + i,
                "created_at": now,
            }
        )
    db.session.execute(insert(VoiceNote), notes)

    def share_row(owner_id: int, eid: int, to_group: bool) -> dict:
        return {
            "owner_id": owner_id,
            "kind": "entry",
            "entry_id": eid,
            "group_id": group.id if to_group else None,
            "mentor_id": None if to_group else mentor.id,
            "item_key": f"entry:{eid}",
            "audience_key": f"group:{group.id}" if to_group else f"mentor:{mentor.id}",
            "created_at": now,
            "shared_at": now,
        }

    db.session.execute(
        insert(Share),
        [share_row(owner.id, eid, i % 4 != 0) for i, eid in enumerate(mine[: n(400)])]
        + [share_row(peers[i % 10].id, eid, True) for i, eid in enumerate(theirs[: n(200)])],
    )
    my_shares = list(db.session.scalars(select(Share.id).where(Share.owner_id == owner.id)))
    peer_shares = list(db.session.scalars(select(Share.id).where(Share.owner_id != owner.id)))
    db.session.execute(
        insert(Reply),
        [
            {
                "share_id": my_shares[i % len(my_shares)],
                "author_id": peers[i % 10].id,
                "text": sentence(i, 15),
                "created_at": now,
            }
            for i in range(n(600))
        ]
        + [
            {
                "share_id": peer_shares[i % len(peer_shares)],
                "author_id": owner.id,
                "text": sentence(i, 15),
                "created_at": now,
            }
            for i in range(n(200))
        ],
    )
    db.session.execute(
        insert(StrengthWord),
        [
            {
                "recipient_id": owner.id,
                "giver_id": peers[i % 10].id,
                "preset": None,
                "text": f"Brave {i}",
                "show_name": i % 2 == 0,
                "created_at": now,
            }
            for i in range(n(100))
        ],
    )
    db.session.execute(
        insert(Notification),
        [
            {
                "user_id": owner.id,
                "kind": "reply",
                "actor_id": peers[i % 10].id,
                "share_id": my_shares[i % len(my_shares)],
                "thread": f"share:{my_shares[i % len(my_shares)]}",
                "url": "/shares/1",
                "created_at": now,
            }
            for i in range(n(500))
        ],
    )
    db.session.commit()
    return owner.id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", help="a PostgreSQL URL to use (wiped first)")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="stegvis-export-bench-") as tmp:
        tmp = Path(tmp)
        url = args.postgres or f"sqlite:///{tmp / 'bench.sqlite3'}"
        if args.postgres:
            engine = create_engine(url)
            with engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE"))
                conn.execute(text("CREATE SCHEMA public"))
            engine.dispose()
        app = create_app(
            {
                "SECRET_KEY": "bench-" + "k" * 40,
                "SQLALCHEMY_DATABASE_URI": url,
                "VOICE_DIR": str(tmp / "voice"),
                "EXPORT_DIR": str(tmp / "exports"),
            }
        )
        with app.app_context():
            upgrade()
            started = time.perf_counter()
            owner_id = seed(args.scale, tmp / "voice")
            print(f"seeded in {time.perf_counter() - started:.1f} s ({url.split(':')[0]})")
            owner = db.session.get(User, owner_id)
            export = exports.request(owner)
            db.session.commit()
            export_id = export.id
            db.session.remove()  # as in the worker: a fresh session, nothing cached
            started = time.perf_counter()
            built = exports.claim_and_build()
            seconds = time.perf_counter() - started
            export = db.session.get(DataExport, export_id)
            assert built == 1 and export.status == "ready", export.status
            with zipfile.ZipFile(exports.path_of(export)) as zf:
                files = len(zf.namelist())
            print(
                f"export built in {seconds:.2f} s (target < 60 s): {export.size / 1e6:.1f} MB, "
                f"{files} files"
            )


if __name__ == "__main__":
    main()
