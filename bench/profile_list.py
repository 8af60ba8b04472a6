"""CPU cost per request of the journal API, in-process: GET /livez (the floor), GET
/api/v1/entries (newest 20 of 50) and POST /api/v1/entries, called straight through the WSGI app
with a real session cookie, so no HTTP server or load generator adds noise.

Prints process CPU per request (plus, on PostgreSQL, the CPU of the database backends serving
it) and the livez/list ratio: a steadier guide than wall-clock figures on a shared machine, though
lower than bench/journal_api.py's "× floor", where gunicorn's own cost per request (about 0.2 ms
on 2 cores) adds to both sides. With --profile it prints where a request spends its time
(cProfile, CPU time).

    .venv/bin/python bench/profile_list.py                 # figures
    .venv/bin/python bench/profile_list.py --profile list  # and a profile of the list route
    PROFILE_DATABASE_URL=sqlite:////tmp/p.sqlite3 .venv/bin/python bench/profile_list.py

Wipes the database at PROFILE_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/stegvis_profile (created if missing; a temporary
SQLite file when no PostgreSQL server answers).
"""

import argparse
import cProfile
import hashlib
import io
import json
import os
import pstats
import secrets
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from flask_login.utils import _create_identifier  # noqa: E402
from flask_migrate import upgrade  # noqa: E402
from itsdangerous import URLSafeTimedSerializer  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from werkzeug.test import EnvironBuilder  # noqa: E402

from webapp import create_app  # noqa: E402

SECRET_KEY = "profile-" + "k" * 40
USER_AGENT = "stegvis-profile/1"
DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/stegvis_profile"
TICK = os.sysconf("SC_CLK_TCK")


def fresh_database(url: str) -> str:
    """Empties the database (creating it if needed); falls back to SQLite without a server."""
    if url.startswith("postgresql"):
        parsed = make_url(url)
        try:
            admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                exists = conn.scalar(
                    text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
                )
                if not exists:
                    conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
            admin.dispose()
        except Exception as err:  # no server here: say so, and measure on SQLite
            print(f"PostgreSQL unavailable ({type(err).__name__}); profiling on SQLite")
            url = f"sqlite:///{tempfile.gettempdir()}/stegvis-profile.sqlite3"
            Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
            return url
        engine = create_engine(url)
        with engine.begin() as conn:
            conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
        engine.dispose()
    elif url.startswith("sqlite:///"):
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    return url


def seed(app) -> str:
    """One participant with a goal and 50 entries (every fifth linked to the goal, one with a
    voice note); returns the device token of a live login session."""
    from webapp.extensions import db
    from webapp.models import Entry, Goal, LoginSession, User, VoiceNote

    with app.app_context():
        upgrade()
        user = User(
            username="profiled",
            display_name="Profiled",
            password_hash="x",
            role="participant",
            locale="nb",
        )
        db.session.add(user)
        db.session.flush()
        goal = Goal(owner_id=user.id, client_id=str(uuid.uuid4()), title="Stå opp før ti")
        db.session.add(goal)
        db.session.flush()
        start = datetime.now(UTC) - timedelta(days=365)
        for k in range(50):
            at = start + timedelta(days=7 * k)
            db.session.add(
                Entry(
                    owner_id=user.id,
                    client_id=str(uuid.uuid4()),
                    mood=1 + k % 5,
                    text="Gikk en tur i dag." if k % 2 else "",
                    goal_id=goal.id if k % 5 == 0 else None,
                    created_at=at,
                    updated_at=at,
                )
            )
        db.session.flush()
        newest = db.session.query(Entry).order_by(Entry.created_at.desc()).first()
        db.session.add(
            VoiceNote(entry_id=newest.id, file_name="x" * 32, mime="audio/webm", size=1234)
        )
        token = secrets.token_urlsafe(32)
        db.session.add(
            LoginSession(
                user_id=user.id,
                token_hash=hashlib.sha256(token.encode()).hexdigest(),
                device_label="profile",
            )
        )
        db.session.commit()
    return token


def cookie_for(app, token: str) -> tuple[str, str]:
    """(Cookie header, X-CSRF-Token) as a real login would have left them (see journal_api.py)."""
    signer = app.session_interface.get_signing_serializer(app)
    with app.test_request_context(
        "/", environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"User-Agent": USER_AGENT}
    ):
        ident = _create_identifier()
    raw_csrf = hashlib.sha1(os.urandom(64)).hexdigest()
    data = {
        "_permanent": True,
        "_user_id": token,
        "_fresh": True,
        "_id": ident,
        "csrf_token": raw_csrf,
    }
    csrf = URLSafeTimedSerializer(SECRET_KEY, salt="wtf-csrf-token").dumps(raw_csrf)
    return f"{app.config['SESSION_COOKIE_NAME']}={signer.dumps(data)}", csrf


def environ(kind: str, cookie: str, csrf: str) -> dict:
    headers = {"User-Agent": USER_AGENT, "Accept": "*/*", "Host": "127.0.0.1:8000"}
    base = {"REMOTE_ADDR": "127.0.0.1"}
    if kind == "livez":
        builder = EnvironBuilder("/livez", headers=headers, environ_base=base)
    elif kind == "list":
        builder = EnvironBuilder(
            "/api/v1/entries", headers={**headers, "Cookie": cookie}, environ_base=base
        )
    else:
        body = json.dumps({"client_id": str(uuid.uuid4()), "mood": 4, "text": "Gikk en tur."})
        builder = EnvironBuilder(
            "/api/v1/entries",
            method="POST",
            headers={**headers, "Cookie": cookie, "X-CSRF-Token": csrf},
            environ_base=base,
            data=body,
            content_type="application/json",
        )
    try:
        return builder.get_environ()
    finally:
        builder.close()


def call(app, env: dict) -> tuple[str, bytes]:
    status = []

    def start_response(s, _headers, _exc=None):
        status.append(s)

    result = app(env, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return status[0], body


def backend_pids(url: str) -> list[int]:
    if not url.startswith("postgresql"):
        return []
    engine = create_engine(url)
    with engine.connect() as conn:
        pids = conn.scalars(
            text(
                "SELECT pid FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ).all()
    engine.dispose()
    return list(pids)


def ticks(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / TICK


EXPECT = {"livez": "200", "list": "200", "post": "201"}


def measure(app, url: str, kind: str, n: int, cookie: str, csrf: str) -> tuple[float, float]:
    """(process CPU ms, database backend CPU ms) per request, over n requests."""
    envs = [environ(kind, cookie, csrf) for _ in range(n)]
    pids = backend_pids(url)
    db_before = ticks(pids)
    cpu = 0.0
    for env in envs:
        t0 = time.process_time()
        status, body = call(app, env)
        cpu += time.process_time() - t0
        if not status.startswith(EXPECT[kind]):
            raise SystemExit(f"{kind}: {status} {body[:300]!r}")
    return 1000 * cpu / n, 1000 * (ticks(pids) - db_before) / n


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=2000, help="requests per kind and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", choices=["list", "post", "livez"], default=None)
    parser.add_argument("--top", type=int, default=35)
    parser.add_argument(
        "--only",
        choices=["list", "post", "livez"],
        default=None,
        help="after the warm-up, just make n requests of this kind and stop: for counting "
        "instructions, e.g. under valgrind --tool=callgrind (run with -n 0 for the fixed cost)",
    )
    args = parser.parse_args()
    url = os.environ.get("PROFILE_DATABASE_URL", DEFAULT_URL)
    os.environ["HTTPS"] = "0"
    url = fresh_database(url)
    config = {"SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": url}
    app = create_app(config)
    token = seed(app)
    cookie, csrf = cookie_for(app, token)
    status, body = call(app, environ("list", cookie, csrf))
    items = json.loads(body)["items"]
    assert status.startswith("200") and len(items) == 20, (status, body[:300])

    # Warm up: connection pool, compiled-statement cache, imports made on first use.
    for kind in ("livez", "list", "post"):
        measure(app, url, kind, 200, cookie, csrf)
    if args.only:
        envs = [environ(args.only, cookie, csrf) for _ in range(args.n)]
        for env in envs:
            call(app, env)
        return
    print(f"{url.split('@')[-1]}: {args.rounds} rounds of {args.n} requests per route")
    figures: dict[str, list[tuple[float, float]]] = {"livez": [], "list": [], "post": []}
    for _ in range(args.rounds):
        for kind in ("livez", "list", "post"):
            figures[kind].append(measure(app, url, kind, args.n, cookie, csrf))
    best = {k: min(v, key=lambda f: f[0]) for k, v in figures.items()}
    print(f"  {'route':<8}{'app ms':>9}{'db ms':>8}{'all ms':>8}   (best round of CPU per request)")
    for kind, (app_ms, db_ms) in best.items():
        print(f"  {kind:<8}{app_ms:9.3f}{db_ms:8.3f}{app_ms + db_ms:8.3f}")
    floor = sum(best["livez"])
    print(
        f"  CPU ratio livez/list {floor / sum(best['list']):.2f}, "
        f"livez/post {floor / sum(best['post']):.2f}  (in-process: without gunicorn's share)"
    )
    if args.profile:
        envs = [environ(args.profile, cookie, csrf) for _ in range(args.n)]
        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for env in envs:
            call(app, env)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("tottime").print_stats(args.top)
        stats.sort_stats("cumulative").print_stats(args.top)
        print(out.getvalue())


if __name__ == "__main__":
    main()
