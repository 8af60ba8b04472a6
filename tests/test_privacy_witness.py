"""The end-of-suite privacy checks would catch a leak: each is shown failing on a planted text,
and neither passes when it has nothing to compare (tests/privacy_witness.py).

A planted text is taken back out of the registry (and its push out of the peer's record) before
the test ends, so that the real end-of-session checks do not trip over these controls."""

import json
import uuid
from urllib.parse import quote_plus

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Reply
from webapp.services import push

import factories as f
import privacy_witness as witness
import push_peer
from push_peer import PushPeer


def planted(what: str = "secret") -> str:
    return f"Planted {what} {uuid.uuid4().hex[:10]} æøå"


@pytest.fixture
def peer(app, tmp_path):
    with PushPeer() as running:
        app.config["PUSH_TEST_ORIGINS"] = [running.origin]
        app.config["VAPID_KEY_FILE"] = str(tmp_path / "vapid.pem")
        yield running


# --- the checker ---------------------------------------------------------------------------------


def test_a_text_is_found_as_written_url_quoted_and_json_escaped():
    text = planted()
    lines = [
        ("line 1", f"INFO webapp saved {text}"),
        ("line 2", f'"GET /search?q={quote_plus(text)} HTTP/1.1" 200'),  # Planted+secret+%C3%A6…
        ("line 3", json.dumps({"body": text})),  # ensure_ascii: \u00e6\u00f8\u00e5
        ("line 4", "INFO nothing to see here"),
    ]
    found = witness.find_leaks([text], lines)
    assert [leak.where for leak in found] == ["line 1", "line 2", "line 3"]
    assert text in str(found[0])


def test_no_text_no_leak_but_never_a_pass_without_anything_to_compare():
    assert witness.find_leaks([planted()], [("line 1", "INFO all quiet")]) == []
    with pytest.raises(ValueError, match="no private texts"):
        witness.find_leaks([], [("line 1", "anything")])
    with pytest.raises(ValueError, match="no private texts"):
        witness.find_leaks(["short"], [("line 1", "short")])  # too short to mean anything
    with pytest.raises(ValueError, match="nothing to look in"):
        witness.find_leaks([planted()], [])


def test_the_log_check_reads_a_log_file_line_by_line(tmp_path):
    text = planted()
    log = tmp_path / "server.log"
    log.write_text(f"INFO one\nWARNING webapp could not save {text}\nINFO three\n")
    [leak] = witness.check_log(log, [text])
    assert leak.where.endswith("line 2")
    log.write_text("INFO one\nINFO two\n")
    assert witness.check_log(log, [text]) == []


# --- the collector -------------------------------------------------------------------------------


def test_every_private_text_written_to_the_database_is_remembered(app):
    """The control for the collector: what the factories, the test client and the e2e server
    write goes through the same mapper events."""
    owner, peer_ = f.user(), f.user()
    group = f.group(None, (owner, peer_))
    entry = f.entry(owner, text=planted("entry"))
    goal = f.goal(owner, title=planted("goal")[:100], why=planted("why"))
    step = f.step(goal, title=planted("step")[:100])
    share = f.share(entry, group=group)
    reply = Reply(share_id=share.id, author_id=peer_.id, text=planted("reply"))
    db.session.add(reply)
    dilemma = f.dilemma(owner, group, problem=planted("dilemma"))
    db.session.commit()
    written = [entry.text, goal.title, goal.why, step.title, reply.text, dilemma.problem]
    here = witness.database_of(db.session.connection())
    try:
        assert set(written) <= witness.texts(here)
        entry.text = planted("edited")  # an edit is remembered too
        db.session.commit()
        assert entry.text in witness.texts(here)
        assert entry.text not in witness.texts("sqlite:///somewhere-else.sqlite3")
    finally:
        for text in [*written, entry.text]:
            witness.forget(text)


def test_a_text_a_test_remembers_itself_counts_and_short_ones_are_left_out():
    text = planted()
    try:
        witness.remember(text, "e2e")
        witness.remember("ok", "e2e")
        assert text in witness.texts("e2e") and "ok" not in witness.texts()
    finally:
        witness.forget(text)


# --- the push check ------------------------------------------------------------------------------


def test_the_push_check_catches_a_push_that_carries_a_private_text(app, peer):
    """A real push through the real sender to the peer: it is kept in push_peer.WITNESSED,
    decrypted, and the check finds the text in it. Both are taken back out afterwards."""
    person = f.user()
    sub = peer.subscription()
    push.subscribe(person, sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"], "phone")
    entry = f.entry(person, text=planted("entry"))
    db.session.commit()
    before = len(push_peer.WITNESSED)
    try:
        peer.answer(410, times=1)  # an answer other than 201: the payload is still looked at
        push.send([push.Outgoing(user_id=person.id, title="Stegvis", body="A new reply")])
        push.subscribe(person, sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"], "p")
        push.send([push.Outgoing(user_id=person.id, title="Stegvis", body=entry.text)])
        peer.wait_for(1)
        seen = push_peer.WITNESSED[before:]
        assert [w.status for w in seen] == [410, 201]
        assert all(w.body is not None for w in seen)
        # The same text may be known from more than one test database: one finding or more,
        # all of them this text in this push.
        leaks = witness.check_pushes(seen, witness.texts())
        assert leaks and {leak.text for leak in leaks} == {entry.text}
        assert all(sub["endpoint"] in leak.where for leak in leaks)
    finally:
        del push_peer.WITNESSED[before:]
        witness.forget(entry.text)


def test_a_push_about_a_reply_carries_none_of_its_words(app, peer):
    """The real thing, end to end: a reply on a shared entry goes to the inbox and out as a push;
    the push says only that there is a reply. (The session check looks at this push too.)"""
    from webapp.models import Notification, NotificationKind
    from webapp.services import scheduling
    from webapp.worker import run_once

    owner, friend = f.user(locale="en"), f.user(display_name="Friend")
    sub = peer.subscription()
    push.subscribe(owner, sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"], "phone")
    entry = f.entry(owner, text="I was scared before the job interview today")
    share = f.share(entry, mentor=friend)
    reply = Reply(share_id=share.id, author_id=friend.id, text="You were brave to go anyway")
    db.session.add(reply)
    quiet = scheduling.settings_for(owner.id)
    quiet.quiet_end = quiet.quiet_start  # no quiet hours: this test runs at any hour
    db.session.add(
        Notification(
            user_id=owner.id,
            kind=NotificationKind.REPLY,
            actor_id=friend.id,
            share_id=share.id,
            thread=f"share:{share.id}",
            url=f"/shares/{share.id}",
        )
    )
    db.session.commit()
    run_once()
    peer.wait_for(1)
    assert (
        witness.check_pushes(
            [w for w in push_peer.WITNESSED if w.endpoint == sub["endpoint"]],
            [entry.text, reply.text],
        )
        == []
    )
    assert db.session.scalar(select(Reply.text)) == reply.text
