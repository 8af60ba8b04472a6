"""Browser fixtures: the real app on a real port, and Debian's Chromium driven by Playwright.

One live server per session (SQLite in a temporary directory, built through the migrations and
filled with the `seed-demo` data); one fresh Chromium profile per test, so that cookies, caches
and service workers never leak from one test into the next.

Without /usr/bin/chromium (or without axe-core for the accessibility checks) the tests skip with
the reason, or fail when REQUIRE_BROWSER=1 (as in CI).
"""

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

from .helpers import AXE, CHROMIUM, DEMO_PASSWORD, FLAGS, HERE, VIEWPORT


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.e2e)


def _missing(what: str) -> None:
    if os.environ.get("REQUIRE_BROWSER") == "1":
        pytest.fail(f"{what} (REQUIRE_BROWSER=1, so this is a failure)")
    pytest.skip(what)


# --- the server -------------------------------------------------------------------------------


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):  # one line per request drowns the test output
        pass


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

    def reset_preferences(self) -> None:
        """Text size and language live on the account; put every demo account back to default."""
        with self.app.app_context():
            db.session.execute(update(User).values(large_text=False, locale=None))
            db.session.commit()


@pytest.fixture(scope="session")
def live_server(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e-db")
    config = {
        "SECRET_KEY": "e2e-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp / 'e2e.sqlite3'}",
        "TESTING": False,
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 1024,
        "DEMO_PASSWORD": DEMO_PASSWORD,
    }
    app = create_app(config)
    with app.app_context():
        upgrade()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        group = db.session.scalar(select(Group).where(Group.name == "Stegvis demo"))
        code, group_id = group.invite_code, group.id
    assert code in result.output

    port = _free_port()
    server = make_server("localhost", port, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-server", daemon=True)
    thread.start()
    live = LiveServer(f"http://localhost:{port}", app, code, group_id, server)
    yield live
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


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
