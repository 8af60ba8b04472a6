"""Test fixtures: the app on SQLite and (when TEST_DATABASE_URL is set) PostgreSQL, built through
the Alembic migrations, a client that speaks CSRF, and people to log in as.

Every test that uses `app` runs once per database. Tables are emptied between tests.
"""

import os
import re

import pytest
from flask.globals import _cv_app
from flask.testing import FlaskClient
from flask_migrate import upgrade
from sqlalchemy import create_engine, text

from webapp import create_app
from webapp.extensions import db
from webapp.models import Base

import privacy_witness
import push_peer

PG_URL = os.environ.get("TEST_DATABASE_URL")
DATABASES = ["sqlite"] + (["postgresql"] if PG_URL else [])

privacy_witness.install()  # every private text any test writes is remembered (see its docstring)


@pytest.fixture(scope="session", autouse=True)
def no_push_carried_a_private_text():
    """After the last test: no payload the push peer received, in any test, holds a private
    text that any test wrote. Fails the run as an error at teardown."""
    yield
    pushes = list(push_peer.WITNESSED)
    unreadable = [w for w in pushes if w.body is None]
    private = privacy_witness.texts()
    if not pushes:
        privacy_witness.summary.append("push check: no push reached the test peer in this run")
        return
    if not private:
        privacy_witness.summary.append(
            f"push check: {len(pushes)} push(es), but no test in this run wrote a private text"
        )
        return
    leaks = privacy_witness.check_pushes(pushes, private)
    privacy_witness.summary.append(
        f"push check: {len(pushes) - len(unreadable)} decrypted push(es) compared with "
        f"{len(private)} private text(s): {len(leaks)} leak(s)"
        + (f"; {len(unreadable)} not decryptable (tests of a bad sender)" if unreadable else "")
    )
    assert not leaks, privacy_witness.report("private text in a push payload", leaks)


def pytest_terminal_summary(terminalreporter):
    if privacy_witness.summary:
        terminalreporter.section("privacy checks")
        for line in privacy_witness.summary:
            terminalreporter.write_line(line)


def base_config(url: str) -> dict:
    return {
        "SECRET_KEY": "test-secret-key-not-for-production",
        "SQLALCHEMY_DATABASE_URI": url,
        "TESTING": True,
        "SERVER_NAME": "localhost",
        "ARGON2_TIME_COST": 1,
        "ARGON2_MEMORY_KIB": 1024,
        "DEMO_PASSWORD": "stegvis-demo",
    }


def _reset_postgresql(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=DATABASES)
def database_url(request, tmp_path_factory):
    """A database migrated to the newest revision, once per test session and kind."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.sqlite3'}"
    else:
        url = PG_URL
        _reset_postgresql(url)
    app = create_app(base_config(url))
    with app.app_context():
        upgrade()
        db.engine.dispose()
    return url


@pytest.fixture
def app(database_url):
    app = create_app(base_config(database_url))
    with app.app_context():
        yield app
        db.session.remove()
        with db.engine.begin() as conn:
            for table in reversed(Base.metadata.sorted_tables):
                conn.execute(table.delete())
        db.engine.dispose()


class IsolatedClient(FlaskClient):
    """Each request gets its own app context, as in production.

    The `app` fixture keeps a context open for factories; without this, requests would share its
    `g` (and with it the logged-in user and the CSRF token) and tests would lie.
    """

    def open(self, *args, **kwargs):
        outer = _cv_app.set(None)
        try:
            return super().open(*args, **kwargs)
        finally:
            _cv_app.reset(outer)


class Client:
    """The Flask test client plus the habits of a browser: it sends the CSRF token it was given."""

    def __init__(self, app, lang: str | None = "en"):
        self.app = app
        app.test_client_class = IsolatedClient
        self.http = app.test_client()
        if lang:  # assertions read English; tests of language choice pass lang=None
            self.http.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang

    def __getattr__(self, name):
        return getattr(self.http, name)

    def csrf_token(self) -> str:
        return self.http.get("/api/v1/session").get_json()["csrf_token"]

    def post_form(self, url: str, data: dict | None = None, **kwargs):
        data = {"csrf_token": self.csrf_token(), **(data or {})}
        return self.http.post(url, data=data, **kwargs)

    def send_json(self, method: str, url: str, json=None, **kwargs):
        headers = {"X-CSRF-Token": self.csrf_token(), **kwargs.pop("headers", {})}
        return self.http.open(url, method=method, json=json, headers=headers, **kwargs)

    def login(self, username: str, password: str = "a good long password"):
        response = self.post_form("/login", {"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return response


@pytest.fixture
def client(app):
    return Client(app)


@pytest.fixture
def make_client(app):
    return lambda: Client(app)


def page_text(response) -> str:
    """The visible words of a page, for asserting on what a person would read."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())
