"""Load test of the journal API over HTTP: GET /api/v1/entries (newest 20 of a random user) and
POST /api/v1/entries, against GET /livez (no database) as the floor, measured in the same run.

Seeds PostgreSQL with 100 000 users x 50 entries (5 M) and SQLite with 20 000 x 50 (1 M), serves
each with gunicorn and loads it with wrk on loopback at 32 connections, alternating the routes.
Prints requests/s, p50 and p99 per route and the ratio to the floor; never pass/fail.

    .venv/bin/python bench/journal_api.py                 # full scale (what `make bench` runs)
    .venv/bin/python bench/journal_api.py --quick         # a tenth of the rows, 5 s phases
    BENCH_SCALE=0.2 .venv/bin/python bench/journal_api.py # any fraction of the issue's scale

Needs `wrk` (apt-get install wrk) and a PostgreSQL server: BENCH_DATABASE_URL, default
postgresql+psycopg://postgres@127.0.0.1:5432/stegvis_bench (created if missing, then wiped).
Set BENCH_SKIP_POSTGRES=1 or BENCH_SKIP_SQLITE=1 to leave one out.
"""

import argparse
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from _common import (  # noqa: E402
    SECRET_KEY,
    USER_AGENT,
    device_tokens,
    ensure_pg_database,
    free_port,
    serve,
    signed_cookies,
    stop,
)
from flask_migrate import upgrade  # noqa: E402
from sqlalchemy import create_engine, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from webapp import create_app  # noqa: E402

PASSWORD = "bench-password-1"
ENTRIES_PER_USER = 50
SAMPLED_USERS = 1000
CONNECTIONS = 32
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/stegvis_bench"
TEXTS = [
    "",
    "Gikk en tur i dag.",
    "Sto opp før ti.",
    "Ringte NAV om kurset.",
    "Litt tung dag, men jeg kom meg ut.",
    "Lagde middag til meg selv.",
    "Søkte på en sommerjobb!",
    "Something that went well: trening.",
]


# --- seeding ------------------------------------------------------------------------------------


def low_cost_hash() -> str:
    """One real argon2id hash of PASSWORD, cheap to make, shared by every seeded user."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)


def migrate(url: str) -> None:
    app = create_app({"SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        from webapp.extensions import db

        db.session.remove()
        db.engine.dispose()


def seed_postgres(url: str, users: int) -> list[dict]:
    ensure_pg_database(url)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    migrate(url)
    pw = low_cost_hash()
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
        conn.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
        conn.execute(
            text(
                """
                INSERT INTO users (username, display_name, password_hash, role, locale,
                                   large_text, timezone, created_at)
                SELECT 'bench' || u, 'Bench ' || u, :pw, 'participant', 'nb', false,
                       'Europe/Oslo', now() - interval '400 days'
                FROM generate_series(1, :n) AS u
                """
            ),
            {"pw": pw, "n": users},
        )
        # One goal each; every fifth entry is linked to it.
        conn.execute(
            text(
                """
                INSERT INTO goals (owner_id, client_id, title, why, theme, status,
                                   created_at, updated_at)
                SELECT id, gen_random_uuid()::text, 'Stå opp før ti på hverdager', '',
                       'daily', 'active', now() - interval '380 days',
                       now() - interval '380 days'
                FROM users
                """
            )
        )
        # 50 entries a user spread over the last year (about a week apart, with jitter).
        conn.execute(
            text(
                """
                INSERT INTO entries (owner_id, client_id, mood, text, goal_id,
                                     created_at, updated_at)
                SELECT g.owner_id, gen_random_uuid()::text,
                       CASE WHEN random() < 0.1 THEN NULL ELSE 1 + floor(random() * 5)::int END,
                       (CAST(:texts AS text[]))[1 + floor(random() * :ntexts)::int],
                       CASE WHEN k % 5 = 0 THEN g.id END,
                       t, t
                FROM goals g,
                     generate_series(1, :per) AS k,
                     LATERAL (SELECT now() - interval '365 days'
                                     + (k * interval '7 days')
                                     + (random() * interval '6 days') AS t) AS w
                ORDER BY g.owner_id, k
                """
            ),
            {"texts": TEXTS, "ntexts": len(TEXTS), "per": ENTRIES_PER_USER},
        )
        step = max(users // SAMPLED_USERS, 1)
        sampled = list(range(1, users + 1, step))[:SAMPLED_USERS]
        rows = device_tokens(sampled)
        conn.execute(
            text(
                """
                INSERT INTO login_sessions (user_id, token_hash, device_label, created_at,
                                            last_seen_at)
                VALUES (:uid, :hash, 'wrk · Linux', :now, :now)
                """
            ),
            rows,
        )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE")
    engine.dispose()
    return rows


def seed_sqlite(path: Path, users: int) -> list[dict]:
    import sqlite3

    url = f"sqlite:///{path}"
    migrate(url)
    fmt = "%Y-%m-%d %H:%M:%S.%f"  # how SQLAlchemy stores DateTime on SQLite
    now = datetime.now(UTC)
    pw = low_cost_hash()
    rnd = random.Random(1)
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")  # several gunicorn workers write to one file
    con.execute("PRAGMA synchronous=OFF")
    made = (now - timedelta(days=400)).strftime(fmt)
    con.executemany(
        "INSERT INTO users (id, username, display_name, password_hash, role, locale, large_text,"
        " timezone, created_at) VALUES (?, ?, ?, ?, 'participant', 'nb', 0, 'Europe/Oslo', ?)",
        ((u, f"bench{u}", f"Bench {u}", pw, made) for u in range(1, users + 1)),
    )
    goal_at = (now - timedelta(days=380)).strftime(fmt)
    con.executemany(
        "INSERT INTO goals (id, owner_id, client_id, title, why, theme, status, created_at,"
        " updated_at) VALUES (?, ?, ?, 'Stå opp før ti på hverdager', '', 'daily', 'active', ?, ?)",
        ((u, u, _uuid(rnd), goal_at, goal_at) for u in range(1, users + 1)),
    )
    start = now - timedelta(days=365)

    def entries():
        for u in range(1, users + 1):
            for k in range(1, ENTRIES_PER_USER + 1):
                t = (start + timedelta(days=7 * k + rnd.random() * 6)).strftime(fmt)
                mood = None if rnd.random() < 0.1 else rnd.randint(1, 5)
                yield (u, _uuid(rnd), mood, rnd.choice(TEXTS), u if k % 5 == 0 else None, t, t)

    con.executemany(
        "INSERT INTO entries (owner_id, client_id, mood, text, goal_id, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        entries(),
    )
    step = max(users // SAMPLED_USERS, 1)
    rows = device_tokens(list(range(1, users + 1, step))[:SAMPLED_USERS])
    con.executemany(
        "INSERT INTO login_sessions (user_id, token_hash, device_label, created_at, last_seen_at)"
        " VALUES (?, ?, 'wrk · Linux', ?, ?)",
        [(r["uid"], r["hash"], r["now"].strftime(fmt), r["now"].strftime(fmt)) for r in rows],
    )
    con.commit()
    con.execute("ANALYZE")
    con.close()
    return rows


def _now():
    return datetime.now(UTC)


def _uuid(rnd: random.Random) -> str:
    import uuid

    return str(uuid.UUID(int=rnd.getrandbits(128), version=4))


# --- cookies ------------------------------------------------------------------------------------


def cookies_for(rows: list[dict], url: str) -> list[tuple[str, str]]:
    """(Cookie header, X-CSRF-Token) per sampled user: what a real login would have set.

    The Flask session cookie holds the device token (Flask-Login's user id), the session
    identifier for the loopback address and our User-Agent (so "basic" session protection does
    not fire), and a CSRF secret; the header carries that secret signed as Flask-WTF expects.
    """
    app = create_app({"SECRET_KEY": SECRET_KEY, "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        from webapp.extensions import db

        # Seen just now, so the load measures the steady state (the app writes last_seen_at
        # at most once per five minutes per device), also when --reuse picks up an old seed.
        from webapp.models import LoginSession

        db.session.execute(update(LoginSession).values(last_seen_at=_now()))
        db.session.commit()
    out = signed_cookies(app, [row["token"] for row in rows])
    # Check the first one the way the server will: list, then write, in-process.
    client = app.test_client()
    cookie, csrf = out[0]
    client.set_cookie(*cookie.split("=", 1))
    headers = {"User-Agent": USER_AGENT}
    env = {"REMOTE_ADDR": "127.0.0.1"}
    got = client.get("/api/v1/entries", headers=headers, environ_base=env)
    assert got.status_code == 200 and len(got.get_json()["items"]) == 20, got.data[:300]
    made = client.post(
        "/api/v1/entries",
        headers={**headers, "X-CSRF-Token": csrf},
        environ_base=env,
        json={"client_id": secrets.token_hex(16), "mood": 4, "text": "bench check"},
    )
    assert made.status_code == 201, made.data[:300]
    with app.app_context():
        from webapp.extensions import db

        db.session.remove()
        db.engine.dispose()
    return out


# --- serving and loading ------------------------------------------------------------------------

LUA = r"""
local users = dofile(os.getenv("BENCH_USERS_LUA"))
local mode = "livez"
local counter = 0
local thread_id = 0

function setup(thread)
  thread:set("thread_id", counter)
  counter = counter + 1
end

function init(args)
  mode = args[1] or "livez"
  math.randomseed(os.time() * 1000 + thread_id * 7919)
end

local function uuid4()
  local t = {}
  for i = 1, 16 do t[i] = math.random(0, 255) end
  t[7] = 0x40 + (t[7] % 16)
  t[9] = 0x80 + (t[9] % 64)
  return string.format("%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
    t[1],t[2],t[3],t[4],t[5],t[6],t[7],t[8],t[9],t[10],t[11],t[12],t[13],t[14],t[15],t[16])
end

local agent = os.getenv("BENCH_USER_AGENT")

function request()
  if mode == "livez" then
    return wrk.format("GET", "/livez", {["User-Agent"] = agent})
  end
  local u = users[math.random(#users)]
  if mode == "list" then
    return wrk.format("GET", "/api/v1/entries", {["Cookie"] = u[1], ["User-Agent"] = agent})
  end
  local body = '{"client_id":"' .. uuid4() .. '","mood":' .. math.random(1, 5)
    .. ',"text":"Gikk en tur i dag."}'
  return wrk.format("POST", "/api/v1/entries", {
    ["Cookie"] = u[1], ["User-Agent"] = agent, ["X-CSRF-Token"] = u[2],
    ["Content-Type"] = "application/json"}, body)
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"non2xx":%d,'
    .. '"socket_errors":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


def wrk(port: int, mode: str, seconds: int, lua: Path, users_lua: Path) -> dict:
    env = {**os.environ, "BENCH_USERS_LUA": str(users_lua), "BENCH_USER_AGENT": USER_AGENT}
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(lua),
            f"http://127.0.0.1:{port}",
            "--",
            mode,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    line = next(ln for ln in out.splitlines() if ln.startswith("BENCH_RESULT "))
    result = json.loads(line.removeprefix("BENCH_RESULT "))
    result["rps"] = result["requests"] / (result["duration_us"] / 1e6)
    return result


TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """User + system CPU time each of these processes has used so far (Linux /proc)."""
    used = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        used[pid] = (int(fields[11]) + int(fields[12])) / TICK  # utime, stime
    return used


def cpu_used(before: dict[int, float], pids: list[int]) -> float:
    """CPU seconds used since `before` by the processes still there (a database backend may end
    when its pooled connection is closed; its last share is then not counted)."""
    after = cpu_seconds(pids)
    return sum(after[pid] - before[pid] for pid in after.keys() & before.keys())


def server_pids(master: int, url: str) -> tuple[list[int], list[int]]:
    """The gunicorn workers and, on PostgreSQL, the database backends serving them."""
    workers = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == master:
                workers.append(int(stat.parent.name))
        except (OSError, ValueError):
            continue
    backends = []
    if url.startswith("postgresql"):
        engine = create_engine(url)
        with engine.connect() as conn:
            backends = conn.scalars(
                text(
                    "SELECT pid FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
            ).all()
        engine.dispose()
    return workers, list(backends)


def lua_users(cookies: list[tuple[str, str]], folder: Path) -> Path:
    path = folder / "users.lua"
    items = ",\n".join(f"{{{json.dumps(c)}, {json.dumps(t)}}}" for c, t in cookies)
    path.write_text("return {\n" + items + "\n}\n")
    return path


def load(url: str, cookies, args, folder: Path) -> dict:
    users_lua = lua_users(cookies, folder)
    script = folder / "journal.lua"
    script.write_text(LUA)
    port = free_port()
    before = os.getloadavg()[0]
    proc = serve(url, port, args.workers, args.worker_class, args.threads)
    try:
        wrk(port, "livez", 3, script, users_lua)  # warm up every worker and connection
        wrk(port, "list", 3, script, users_lua)
        runs: dict[str, list[dict]] = {"livez": [], "list": [], "post": []}
        for mode in ("livez", "list", "post", "livez", "list", "post"):
            workers, backends = server_pids(proc.pid, url)
            before_app, before_db = cpu_seconds(workers), cpu_seconds(backends)
            result = wrk(port, mode, args.seconds, script, users_lua)
            result["app_cpu_s"] = cpu_used(before_app, workers)
            result["db_cpu_s"] = cpu_used(before_db, backends)
            runs[mode].append(result)
    finally:
        stop(proc)
    figures = {mode: combine(results) for mode, results in runs.items()}
    figures["loadavg"] = (before, os.getloadavg()[0])
    return figures


def combine(results: list[dict]) -> dict:
    """Sum of requests over the phases; latency percentiles: the worse phase (conservative)."""
    return {
        "rps": sum(r["requests"] for r in results) / sum(r["duration_us"] / 1e6 for r in results),
        "p50": max(r["p50_us"] for r in results) / 1000,
        "p99": max(r["p99_us"] for r in results) / 1000,
        "app_ms": 1000 * sum(r["app_cpu_s"] for r in results) / sum(r["requests"] for r in results),
        "db_ms": 1000 * sum(r["db_cpu_s"] for r in results) / sum(r["requests"] for r in results),
        "non2xx": sum(r["non2xx"] for r in results),
        "socket_errors": sum(r["socket_errors"] for r in results),
    }


def report(label: str, rows: int, figures: dict) -> None:
    floor = figures["livez"]["rps"]
    load1 = figures["loadavg"]
    print(
        f"\n{label}: {rows:,} entries, {CONNECTIONS} connections; load average "
        f"{load1[0]:.1f} before, {load1[1]:.1f} after (anything above ~2 is other work competing)"
    )
    print(
        f"  {'route':<22}{'req/s':>8}{'p50 ms':>8}{'p99 ms':>8}{'x floor':>8}"
        f"{'CPU ms/req':>11}{'(app':>6}{'+ db)':>7}{'x CPU':>7}{'errors':>7}"
    )
    names = {
        "livez": "GET /livez (floor)",
        "list": "GET /api/v1/entries",
        "post": "POST /api/v1/entries",
    }
    floor_cpu = figures["livez"]["app_ms"] + figures["livez"]["db_ms"]
    for mode in ("livez", "list", "post"):
        f = figures[mode]
        cpu = f["app_ms"] + f["db_ms"]
        print(
            f"  {names[mode]:<22}{f['rps']:8.0f}{f['p50']:8.1f}{f['p99']:8.1f}"
            f"{f['rps'] / floor:8.2f}{cpu:11.2f}{f['app_ms']:6.2f}{f['db_ms']:7.2f}"
            f"{floor_cpu / cpu:7.2f}{f['non2xx'] + f['socket_errors']:7d}"
        )
    print(
        "  (CPU ms/req: gunicorn workers (app) plus their database backends (db), per request;\n"
        "   x CPU: the floor's CPU per request over this route's: the ratio req/s tends to when\n"
        "   the server's CPU is the only limit; both depend less than req/s on other work)"
    )
    sys.stdout.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the rows, 5 s phases")
    parser.add_argument("--seconds", type=int, default=None, help="length of each load phase")
    # gthread keeps connections alive; on 2 cores it beat sync -w 3/4 and gthread -w 4 (README).
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--worker-class", default="gthread", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument(
        "--reuse", action="store_true", help="keep the seeded databases of the last run"
    )
    args = parser.parse_args()
    scale = float(os.environ.get("BENCH_SCALE", "0.1" if args.quick else "1"))
    args.seconds = args.seconds or (5 if args.quick else 12)
    if shutil.which("wrk") is None:
        print("skipped: needs wrk (apt-get install wrk)")
        return
    print(
        f"cores {os.cpu_count()}, scale {scale:g}, gunicorn {args.worker_class} -w {args.workers}"
        + (f" --threads {args.threads}" if args.worker_class == "gthread" else "")
        + f", wrk -t2 -c{CONNECTIONS}, {args.seconds} s phases: livez list post livez list post"
    )
    state = Path(tempfile.gettempdir()) / "stegvis-bench"
    state.mkdir(exist_ok=True)

    if os.environ.get("BENCH_SKIP_POSTGRES") != "1":
        run_postgres(args, scale, state)
    if os.environ.get("BENCH_SKIP_SQLITE") != "1":
        run_sqlite(args, scale, state)


def run_postgres(args, scale: float, state: Path) -> None:
    url = os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG)
    try:
        create_engine(make_url(url).set(database="postgres")).connect().close()
    except Exception as err:  # no server here: say so, and measure SQLite anyway
        print(f"PostgreSQL skipped: cannot connect to {url} ({type(err).__name__})")
        return
    users = int(100_000 * scale)
    saved = state / f"pg-{users}.json"
    if args.reuse and saved.exists():
        rows = json.loads(saved.read_text())
    else:
        start = time.perf_counter()
        rows = seed_postgres(url, users)
        saved.write_text(json.dumps([{"uid": r["uid"], "token": r["token"]} for r in rows]))
        print(
            f"PostgreSQL: seeded {users:,} users x {ENTRIES_PER_USER} entries "
            f"in {time.perf_counter() - start:.0f} s (migrations, load, VACUUM ANALYZE)"
        )
    figures = load(url, cookies_for(rows, url), args, state)
    report("PostgreSQL", users * ENTRIES_PER_USER, figures)


def run_sqlite(args, scale: float, state: Path) -> None:
    users = int(20_000 * scale)
    path = state / f"sqlite-{users}.sqlite3"
    url = f"sqlite:///{path}"
    saved = state / f"sqlite-{users}.json"
    if args.reuse and saved.exists() and path.exists():
        rows = json.loads(saved.read_text())
    else:
        start = time.perf_counter()
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        rows = seed_sqlite(path, users)
        saved.write_text(json.dumps([{"uid": r["uid"], "token": r["token"]} for r in rows]))
        print(
            f"SQLite: seeded {users:,} users x {ENTRIES_PER_USER} entries "
            f"in {time.perf_counter() - start:.0f} s"
        )
    figures = load(url, cookies_for(rows, url), args, state)
    report("SQLite", users * ENTRIES_PER_USER, figures)


if __name__ == "__main__":
    main()
