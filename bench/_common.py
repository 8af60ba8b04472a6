"""What the HTTP benchmarks share: a PostgreSQL database to seed, gunicorn on a free port, and
the cookies a real login would have set (so the load skips the login form and its argon2)."""

import hashlib
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from flask_login.utils import _create_identifier
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-" + "k" * 40
USER_AGENT = "stegvis-bench/1"


def ensure_pg_database(url: str) -> None:
    parsed = make_url(url)
    admin = create_engine(parsed.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.scalar(
            text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": parsed.database}
        )
        if not exists:
            conn.exec_driver_sql(f'CREATE DATABASE "{parsed.database}"')
    admin.dispose()


def postgres_reachable(url: str) -> bool:
    try:
        create_engine(make_url(url).set(database="postgres")).connect().close()
        return True
    except Exception:
        return False


def device_tokens(user_ids: list[int]) -> list[dict]:
    """One logged-in device per user: the token its cookie carries and the hash we store."""
    now = datetime.now(UTC)
    rows = []
    for uid in user_ids:
        token = secrets.token_urlsafe(32)
        digest = hashlib.sha256(token.encode()).hexdigest()
        rows.append({"uid": uid, "token": token, "hash": digest, "now": now})
    return rows


def signed_cookies(app, tokens: list[str]) -> list[tuple[str, str]]:
    """(Cookie header, X-CSRF-Token) per device token, signed as Flask and Flask-WTF expect.

    The session cookie holds the device token (Flask-Login's user id), the session identifier
    for the loopback address and our User-Agent, and a CSRF secret; the header carries that
    secret signed."""
    signer = app.session_interface.get_signing_serializer(app)
    csrf_signer = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="wtf-csrf-token")
    name = app.config["SESSION_COOKIE_NAME"]
    with app.test_request_context(
        "/", environ_base={"REMOTE_ADDR": "127.0.0.1"}, headers={"User-Agent": USER_AGENT}
    ):
        ident = _create_identifier()
    out = []
    for token in tokens:
        raw_csrf = hashlib.sha1(os.urandom(64)).hexdigest()
        data = {
            "_permanent": True,
            "_user_id": token,
            "_fresh": True,
            "_id": ident,
            "csrf_token": raw_csrf,
        }
        out.append((f"{name}={signer.dumps(data)}", csrf_signer.dumps(raw_csrf)))
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(url: str, port: int, workers: int = 2, worker_class: str = "gthread", threads: int = 4):
    """gunicorn as `make run` starts it, on our database and port; waits until it answers."""
    env = {**os.environ, "SECRET_KEY": SECRET_KEY, "DATABASE_URL": url, "HTTPS": "0"}
    cmd = [
        str(Path(sys.executable).with_name("gunicorn")),
        "--workers",
        str(workers),
        "--worker-class",
        worker_class,
        "--bind",
        f"127.0.0.1:{port}",
        "--log-level",
        "warning",
        "--backlog",
        "2048",
    ]
    if worker_class == "gthread":
        cmd += ["--threads", str(threads)]
    cmd.append("wsgi:app")
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/livez", timeout=1).read()
            return proc
        except OSError:
            time.sleep(0.2)
    stop(proc)
    raise RuntimeError("gunicorn did not start")


def stop(proc) -> None:
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(proc.pid, signal.SIGKILL)
