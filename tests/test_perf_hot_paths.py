"""The shortcuts taken on the hottest requests keep their meaning: a device session is still
looked up (and its last use recorded) on every request, a transaction ends with COMMIT
instead of ROLLBACK only when it wrote nothing, the journal list is one statement with no
transaction around it, and a remembered session cookie is still checked like a new one."""

import tempfile
import time
import uuid
from datetime import timedelta

import pytest
from psycopg.pq import Trace
from sqlalchemy import event, func, select, update

from webapp import extensions
from webapp.extensions import db, end_read_only_transaction
from webapp.models import LoginSession, User
from webapp.models.base import utcnow
from webapp.services import access

import factories


@pytest.fixture
def kari(client):
    factories.user(username="kari")
    factories.commit()
    client.login("kari")
    return client


def last_seen() -> object:
    db.session.expire_all()
    return db.session.scalar(select(LoginSession.last_seen_at))


def test_last_use_of_a_device_is_recorded_at_most_every_five_minutes(kari):
    ten_minutes_ago = utcnow() - timedelta(minutes=10)
    db.session.execute(update(LoginSession).values(last_seen_at=ten_minutes_ago))
    db.session.commit()
    assert kari.get("/api/v1/entries").status_code == 200
    assert last_seen() > utcnow() - timedelta(minutes=1)

    two_minutes_ago = utcnow() - timedelta(minutes=2)
    db.session.execute(update(LoginSession).values(last_seen_at=two_minutes_ago))
    db.session.commit()
    assert kari.get("/api/v1/entries").status_code == 200
    assert last_seen() == two_minutes_ago


def test_an_ended_device_session_is_refused_at_once_on_the_api(kari):
    db.session.execute(update(LoginSession).values(ended_at=utcnow()))
    db.session.commit()
    response = kari.get("/api/v1/entries")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def ends_of_transactions(fn) -> list[str]:
    ends = []
    listeners = [("commit", lambda _conn: ends.append("commit"))]
    listeners.append(("rollback", lambda _conn: ends.append("rollback")))
    for name, listener in listeners:
        event.listen(db.engine, name, listener)
    try:
        fn()
    finally:
        for name, listener in listeners:
            event.remove(db.engine, name, listener)
    return ends


@pytest.mark.parametrize("url", ["/api/v1/session", "/api/v1/goals", "/me"])
def test_a_read_only_request_ends_with_commit_on_postgresql(kari, url):
    ends = ends_of_transactions(lambda: kari.get(url))
    expected = "commit" if db.engine.dialect.name == "postgresql" else "rollback"
    assert ends == [expected]


def test_a_request_of_pure_reads_commits_without_asking_the_database_whether_it_wrote(
    kari, monkeypatch
):
    # Only pure reads ran (the user lookup), so the check must not be needed.
    monkeypatch.setattr(extensions, "WROTE_NOTHING", "SELECT broken(")
    ends = ends_of_transactions(lambda: kari.get("/api/v1/session"))
    expected = "commit" if db.engine.dialect.name == "postgresql" else "rollback"
    assert ends == [expected]
    # Any other statement needs the check (which, broken here, leaves it to the rollback).
    assert "commit" not in ends_of_transactions(lambda: kari.get("/api/v1/goals"))


def test_a_transaction_that_wrote_is_not_committed(app):
    factories.user(username="written")  # flushed, not committed
    end_read_only_transaction(None)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_unflushed_changes_are_not_committed(app):
    db.session.scalar(select(func.count()).select_from(User))
    db.session.add(User(username="pending", display_name="P", password_hash="x"))
    end_read_only_transaction(None)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(User)) == 0


def test_a_failed_request_is_not_committed(app):
    db.session.scalar(select(func.count()).select_from(User))
    end_read_only_transaction(RuntimeError("the view failed"))
    assert db.session().in_transaction()


def test_a_transaction_that_only_read_is_committed_on_postgresql(app):
    db.session.scalar(select(func.count()).select_from(User))
    end_read_only_transaction(None)
    assert db.session().in_transaction() is (db.engine.dialect.name != "postgresql")


# --- the journal list: one statement, one round trip -------------------------------------------


def statements_sent(fn) -> list[str]:
    """What the requests in `fn` sent to the database: SQLAlchemy's statements, or on PostgreSQL
    everything psycopg sent (also the list's own statement; BEGIN, COMMIT, ROLLBACK), read from
    libpq's trace of every connection taken from the pool."""
    if db.engine.dialect.name != "postgresql":
        statements = []

        def record(_conn, _cursor, statement, *_args):
            statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", record)
        try:
            fn()
        finally:
            event.remove(db.engine, "before_cursor_execute", record)
        return statements

    traced = []

    def start_trace(dbapi_connection, _record, _proxy):
        dbapi_connection.pgconn.trace(trace.fileno())
        dbapi_connection.pgconn.set_trace_flags(Trace.SUPPRESS_TIMESTAMPS)
        traced.append(dbapi_connection)

    with tempfile.TemporaryFile() as trace:
        event.listen(db.engine, "checkout", start_trace)
        try:
            fn()
        finally:
            event.remove(db.engine, "checkout", start_trace)
            for dbapi_connection in traced:
                dbapi_connection.pgconn.untrace()
        trace.seek(0)
        lines = [line.split("\t") for line in trace.read().decode().splitlines()]
    # A statement is one simple Query (psycopg sends BEGIN, COMMIT and ROLLBACK so), or one
    # Execute of the extended protocol (its text went in a Parse, once if it was prepared).
    return [
        line[3].strip() if line[2] == "Query" else "(statement)"
        for line in lines
        if line[0] == "F" and line[2] in ("Query", "Execute")
    ]


def test_the_list_is_one_statement_without_a_transaction(kari):
    kari.get("/api/v1/entries")  # the connection has prepared the statement
    for url in ("/api/v1/entries", "/api/v1/entries?limit=2&cursor=" + cursor_of_first(kari)):
        sent = statements_sent(lambda url=url: kari.get(url))
        assert len(sent) == 1, sent
        assert not any(word in sent[0] for word in ("BEGIN", "COMMIT", "ROLLBACK")), sent


def cursor_of_first(client) -> str:
    for _n in range(3):
        client.send_json("POST", "/api/v1/entries", {"client_id": str(uuid.uuid4()), "mood": 3})
    return client.get("/api/v1/entries?limit=1").get_json()["next_cursor"]


def test_noting_the_last_use_of_a_device_is_all_a_list_writes(kari):
    db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(minutes=10)))
    db.session.commit()
    sent = statements_sent(lambda: kari.get("/api/v1/entries"))
    # The list, then last_seen_at and the person's last_active_at (and their COMMIT).
    assert len([s for s in sent if not any(w in s for w in ("BEGIN", "COMMIT", "ROLLBACK"))]) == 3
    assert last_seen() > utcnow() - timedelta(minutes=1)
    assert db.session.scalar(select(User.last_active_at)) > utcnow() - timedelta(minutes=1)


def test_an_idle_device_session_is_refused_on_the_list(kari):
    db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(days=31)))
    db.session.commit()
    response = kari.get("/api/v1/entries")
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "unauthorized"


def test_a_bad_cursor_answers_401_to_a_visitor_and_400_to_the_owner(client, kari):
    assert client.application.test_client().get("/api/v1/entries?cursor=x").status_code == 401
    assert kari.get("/api/v1/entries?cursor=x").status_code == 400
    assert kari.get("/api/v1/entries?limit=many").status_code == 400


def test_a_view_that_forgets_to_admit_fails_instead_of_answering(app):
    @access.role_admitted_in_view("participant")
    def forgetful():
        return "the rows"

    with app.test_request_context("/"), pytest.raises(RuntimeError, match=r"access\.admit"):
        forgetful()


# --- the session cookie, verified once per value -----------------------------------------------


def test_a_remembered_cookie_gives_each_request_its_own_session(app):
    interface = app.session_interface
    with app.test_request_context("/"):
        cookie = interface.get_signing_serializer(app).dumps({"_user_id": "t", "seen": [1]})
    environ = {"HTTP_COOKIE": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"}
    for _n in range(2):  # verified, then remembered
        with app.test_request_context("/", environ_base=environ) as ctx:
            session = interface.open_session(app, ctx.request)
            assert dict(session) == {"_user_id": "t", "seen": [1]}
            session["_user_id"] = "changed"
            session["seen"].append(2)  # in place


def test_a_remembered_cookie_expires_like_any_other(app, monkeypatch):
    interface = app.session_interface
    with app.test_request_context("/"):
        cookie = interface.get_signing_serializer(app).dumps({"_user_id": "t"})
    environ = {"HTTP_COOKIE": f"{app.config['SESSION_COOKIE_NAME']}={cookie}"}
    with app.test_request_context("/", environ_base=environ) as ctx:
        assert interface.open_session(app, ctx.request)["_user_id"] == "t"  # now remembered
    later = time.time() + app.permanent_session_lifetime.total_seconds() + 60
    monkeypatch.setattr(time, "time", lambda: later)
    with app.test_request_context("/", environ_base=environ) as ctx:
        assert dict(interface.open_session(app, ctx.request)) == {}


def test_a_tampered_cookie_is_refused(app):
    interface = app.session_interface
    with app.test_request_context("/"):
        cookie = interface.get_signing_serializer(app).dumps({"_user_id": "t"})
    payload, signature = cookie.rsplit(".", 1)
    forged = payload + "." + ("A" if signature[0] != "A" else "B") + signature[1:]
    environ = {"HTTP_COOKIE": f"{app.config['SESSION_COOKIE_NAME']}={forged}"}
    with app.test_request_context("/", environ_base=environ) as ctx:
        assert dict(interface.open_session(app, ctx.request)) == {}
