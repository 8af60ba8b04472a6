"""Browser fixtures: the real app on a real port, and Debian's Chromium driven by Playwright.

One live server per session (SQLite in a temporary directory, built through the migrations and
filled with the `seed-demo` data); one fresh Chromium profile per test, so that cookies, caches
and service workers never leak from one test into the next.

Without /usr/bin/chromium (or without axe-core for the accessibility checks) the tests skip with
the reason, or fail when REQUIRE_BROWSER=1 (as in CI).

The server's logs (one line per request, and the app's, the worker's and werkzeug's loggers at
DEBUG while an e2e test runs) go to `server.log` next to its database. When the server stops, at
the end of the session, that file must hold none of the private texts written to its database or
remembered by a test (`private_text`): tests/privacy_witness.py says how, and the "privacy checks"
section of the test summary says what was compared.
"""

import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, update
from werkzeug.serving import WSGIRequestHandler, make_server

from webapp import create_app
from webapp.extensions import db
from webapp.models import Group, User

import privacy_witness
from .helpers import AXE, CHROMIUM, DEMO_PASSWORD, FLAGS, HERE, VIEWPORT

E2E = "e2e"  # where privacy_witness remembers texts an e2e test wrote itself


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


def _missing(what: str) -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} (REQUIRE_BROWSER=1, so this is a failure)")
    pytest.skip(what)


# --- the server -------------------------------------------------------------------------------


class ServerLog:
    """Everything the live server logs, in a file (not in the test output)."""

    LOGGERS = ("webapp", "stegvis", "werkzeug")

    def __init__(self, path: Path):
        self.path = path
        self.requests = 0
        self.recording = False  # True while the server is set up and while an e2e test runs
        self.handler = logging.FileHandler(path, encoding="utf-8", delay=False)
        self.handler.setLevel(logging.DEBUG)
        self.handler.setFormatter(
            logging.Formatter("%(asctime)s %(levelname)s %(name)s [%(threadName)s] %(message)s")
        )
        self.handler.addFilter(lambda record: self.recording)
        self.access = logging.getLogger("e2e.server.access")
        self.access.propagate = False
        self.access.setLevel(logging.INFO)
        self._levels: dict[str, int] = {}

    def start(self) -> None:
        self.attach()
        self.access.addHandler(self.handler)

    def attach(self) -> None:
        """On the root logger. Again before each test: Alembic's fileConfig (a migration run)
        replaces the root logger's handlers."""
        root = logging.getLogger()
        if self.handler not in root.handlers:
            root.addHandler(self.handler)

    def stop(self) -> None:
        self.handler.flush()
        logging.getLogger().removeHandler(self.handler)
        self.access.removeHandler(self.handler)
        self.handler.close()

    def record(self, on: bool) -> None:
        """Log everything (DEBUG) while on; the loggers' own levels again when off."""
        if on:
            self.attach()
        if on and not self.recording:
            for name in self.LOGGERS:
                logger = logging.getLogger(name)
                self._levels[name] = logger.level
                logger.setLevel(logging.DEBUG)
        elif not on and self.recording:
            for name, level in self._levels.items():
                logging.getLogger(name).setLevel(level)
        self.recording = on

    def lines(self) -> int:
        self.handler.flush()
        with open(self.path, encoding="utf-8", errors="replace") as file:
            return sum(1 for _ in file)


class _QuietHandler(WSGIRequestHandler):
    server_log: ServerLog | None = None

    def log_request(self, code="-", size="-"):  # to the server log, not the test output
        log = type(self).server_log
        if log is not None:
            log.requests += 1
            log.access.info('"%s" %s %s', self.requestline, code, size)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("localhost", 0))
        return s.getsockname()[1]


@dataclass
class LiveServer:
    url: str
    app: object
    group_code: str
    group_id: int
    _server: object = field(repr=False, default=None)
    log: ServerLog | None = field(repr=False, default=None)
    database: str = ""  # its URL, as privacy_witness names it

    def reset_preferences(self) -> None:
        """Text size and language live on the account; put every demo account back to default."""
        with self.app.app_context():
            db.session.execute(update(User).values(large_text=False, locale=None))
            db.session.commit()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e-db")
    log = ServerLog(tmp / "server.log")
    config = {
        "SECRET_KEY": "e2e-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'e2e.sqlite3'}",
        "TESTING": False,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 1024,
        "DEMO_PASSWORD": DEMO_PASSWORD,
        "EXPORT_DIR": str(tmp / "exports"),
    }
    app = create_app(config)
    with app.app_context():
        upgrade()
    log.start()  # after the migrations: their logging config resets the root logger
    log.record(True)
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        group = db.session.scalar(select(Group).where(Group.name == "Stegvis demo"))
        code, group_id = group.invite_code, group.id
        database = db.engine.url.render_as_string(hide_password=True)
    assert code in result.output

    port = _free_port()
    _QuietHandler.server_log = log
    server = make_server("localhost", port, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    live = LiveServer(f"http://localhost:{port}", app, code, group_id, server, log, database)
    log.record(False)
    yield live
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()
    log.record(False)
    log.stop()
    _QuietHandler.server_log = None
    no_private_text_in_the_server_log(live)


def no_private_text_in_the_server_log(live: LiveServer) -> None:
    """The end-of-session log check (see the module docstring). Raises, failing the run."""
    private = privacy_witness.texts({live.database, E2E})
    lines = live.log.lines()
    assert private, "no private text was written to the e2e database: the collector is broken"
    assert lines >= live.log.requests, (
        f"{live.log.requests} requests served but only {lines} log lines: the capture is broken"
    )
    if not lines:
        privacy_witness.summary.append("log check: the e2e server served no request")
        return
    leaks = privacy_witness.check_log(live.log.path, private)
    privacy_witness.summary.append(
        f"log check: {lines} line(s) of the e2e server's log ({live.log.requests} requests) "
        f"compared with {len(private)} private text(s): {len(leaks)} leak(s) — {live.log.path}"
    )
    assert not leaks, privacy_witness.report("private text in the e2e server's log", leaks)


@pytest.fixture(autouse=True)
def _server_log_records_this_test(request):
    """While an e2e test runs, the server log takes everything (in any thread)."""
    if "live_server" not in request.fixturenames:
        yield
        return
    live = request.getfixturevalue("live_server")
    live.log.record(True)
    yield
    live.log.record(False)


@pytest.fixture
def private_text(live_server):
    """Remembers a text a test writes (one that may never reach the database, or be deleted
    before the end) for the end-of-session log check; gives it back."""

    def remember(text: str) -> str:
        privacy_witness.remember(text, E2E)
        return text

    return remember


# --- the browser ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def playwright_driver():
    if not CHROMIUM.exists():
        _missing(f"{CHROMIUM} is missing: `apt-get install -y chromium` to run the browser tests")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _missing("the playwright Python package is missing: `make setup`")
    with sync_playwright() as p:
        yield p


@pytest.fixture
def context(playwright_driver, live_server, tmp_path):
    """A fresh Chromium profile (not incognito: installability needs a real profile)."""
    ctx = playwright_driver.chromium.launch_persistent_context(
        str(tmp_path / "profile"),
        executable_path=str(CHROMIUM),
        headless=True,
        args=FLAGS,
        viewport=VIEWPORT,
        locale="nb-NO",  # a Norwegian phone: the app answers in bokmål
        timezone_id="Europe/Oslo",
    )
    ctx.set_default_timeout(10_000)
    yield ctx
    ctx.close()
    live_server.reset_preferences()


@pytest.fixture
def page(context, live_server):
    """The context's first tab; fails the test if the server answered any request with a 5xx."""
    page = context.pages[0] if context.pages else context.new_page()
    server_errors = []
    page.on(
        "response",
        lambda r: (
            server_errors.append(f"{r.status} {r.request.method} {r.url}")
            if r.status >= 500
            else None
        ),
    )
    yield page
    assert not server_errors, f"server errors: {server_errors}"


@pytest.fixture(scope="session")
def axe_source():
    if not AXE.exists():
        _missing(f"{AXE} is missing: `cd tests/e2e && npm install`")
    return AXE.read_text()
