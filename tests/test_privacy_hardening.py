"""Small privacy guarantees found by the DPIA: logs never get the values of a failed statement,
a logged-out device gets no more notifications, and a push Topic tells nobody who it is for."""

import hashlib

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import LoginSession, PushSubscription
from webapp.services import logins, push

import factories


def test_a_failed_statement_leaves_the_words_that_were_written_out_of_the_log(app, caplog):
    owner = factories.user()
    entry = factories.entry(owner, text="Hemmelig dagbok")
    factories.commit()
    with pytest.raises(IntegrityError) as failure:
        db.session.execute(
            text("INSERT INTO entries (id, owner_id, client_id, text) VALUES (:id, :o, :c, :t)"),
            {"id": entry.id, "o": owner.id, "c": "x", "t": "Hemmelig dagbok"},
        )
    db.session.rollback()
    assert "parameters hidden" in str(failure.value)  # not "[parameters: (…, 'Hemmelig …')]"
    try:
        raise failure.value
    except IntegrityError:
        app.logger.exception("unhandled error on POST /api/v1/entries")
    logged = caplog.text
    assert "unhandled error on POST /api/v1/entries" in logged and "details withheld" in logged
    assert "Hemmelig" not in logged  # PostgreSQL's "Failing row contains (…)" included


def _device(user, endpoint: str) -> tuple[LoginSession, PushSubscription]:
    login = LoginSession(
        user_id=user.id,
        token_hash=hashlib.sha256(endpoint.encode()).hexdigest(),
        device_label="Phone",
    )
    db.session.add(login)
    db.session.flush()
    sub = PushSubscription(
        user_id=user.id, login_id=login.id, endpoint=endpoint, p256dh="k", auth="a"
    )
    db.session.add(sub)
    db.session.flush()
    return login, sub


def test_logging_a_device_out_ends_its_notifications_and_only_its_own(app):
    person = factories.user()
    phone, _ = _device(person, "https://fcm.googleapis.com/fcm/send/phone")
    _device(person, "https://fcm.googleapis.com/fcm/send/laptop")
    factories.commit()
    logins.end_where(LoginSession.id == phone.id)
    db.session.commit()
    left = db.session.scalars(db.select(PushSubscription.endpoint)).all()
    assert left == ["https://fcm.googleapis.com/fcm/send/laptop"]


def test_logging_out_everywhere_ends_every_notification(app):
    person = factories.user()
    _device(person, "https://fcm.googleapis.com/fcm/send/one")
    _device(person, "https://fcm.googleapis.com/fcm/send/two")
    factories.commit()
    logins.end_where(LoginSession.user_id == person.id)
    db.session.commit()
    assert db.session.scalar(db.select(db.func.count()).select_from(PushSubscription)) == 0


def test_a_push_topic_cannot_be_traced_back_by_trying_ids(app):
    keyed = push.topic_header("inactive-7")
    plain = push.b64u(hashlib.sha256(b"inactive-7").digest()[:24])
    assert keyed != plain and len(keyed) == 32
    assert push.topic_header("inactive-7", b"another key") != keyed


def test_a_phone_that_logs_out_is_no_longer_sent_notifications(app, make_client):
    person = factories.user(username="phone-owner")
    factories.commit()
    phone = make_client()
    phone.login("phone-owner")
    subscription = {
        "endpoint": "https://fcm.googleapis.com/fcm/send/this-phone",
        "keys": {
            "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1Xbjh"
            "azAkj7I99e8QcYP7DkM",
            "auth": "tBHItJI5svbpez7KI4CCXg",
        },
    }
    assert phone.send_json("POST", "/api/v1/push/subscriptions", subscription).status_code in (
        200,
        201,
    )
    assert db.session.scalar(db.select(PushSubscription.login_id)) is not None
    phone.post_form("/logout")
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count()).select_from(PushSubscription)) == 0
    assert person.id


def test_guessing_join_codes_is_slowed_down_after_ten_wrong_tries(app, client):
    group = factories.group(factories.user(role="counsellor"))
    factories.user(username="guesser")
    factories.commit()
    client.login("guesser")
    for n in range(5):  # group and session codes share one budget of ten
        assert client.post_form("/join", {"code": f"WRONG{n}"}).status_code == 400
        assert client.post_form("/sessions/join", {"code": f"NOPE{n}"}).status_code == 400
    assert client.post_form("/join", {"code": group.invite_code}).status_code == 429
    assert client.post_form("/sessions/join", {"code": "ANYTHING"}).status_code == 429
    assert client.get("/sessions/join/SOMECODE").status_code == 429


def test_a_person_is_told_in_their_inbox_who_made_a_code_for_their_password(app, make_client):
    vera = factories.user(role="counsellor", username="vera", display_name="Vera")
    kari = factories.user(username="kari")
    group = factories.group(vera, (kari,))
    factories.commit()
    counsellor, participant = make_client(), make_client()
    counsellor.login("vera")
    assert counsellor.post_form(f"/groups/{group.id}/reset-code/{kari.id}").status_code == 200
    participant.login("kari")
    inbox = participant.get("/inbox").get_data(as_text=True)
    assert "Vera made a code to set a new password for you" in inbox
