"""The shortcuts taken on the hottest requests keep their meaning: a device session is still
looked up (and its last use recorded) on every request, and a transaction ends with COMMIT
instead of ROLLBACK only when it wrote nothing."""

from datetime import timedelta

import pytest
from sqlalchemy import event, func, select, update

from webapp import extensions
from webapp.extensions import db, end_read_only_transaction
from webapp.models import LoginSession, User
from webapp.models.base import utcnow

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


@pytest.mark.parametrize("url", ["/api/v1/entries", "/api/v1/goals", "/me"])
def test_a_read_only_request_ends_with_commit_on_postgresql(kari, url):
    ends = ends_of_transactions(lambda: kari.get(url))
    expected = "commit" if db.engine.dialect.name == "postgresql" else "rollback"
    assert ends == [expected]


def test_the_list_commits_without_asking_the_database_whether_it_wrote(kari, monkeypatch):
    # Only pure reads ran (the user lookup and the list), so the check must not be needed.
    monkeypatch.setattr(extensions, "WROTE_NOTHING", "SELECT broken(")
    ends = ends_of_transactions(lambda: kari.get("/api/v1/entries"))
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
