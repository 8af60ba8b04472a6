"""The mentor's inbox: only what was shared with me while the link stands, unread first; an item
is unread until I open it, and again when the participant replies. The list says who shared what
kind of item and when, never its words or mood: reading means opening, and opening is logged in
the owner's access log (DPIA F5)."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import event

from webapp.extensions import db
from webapp.models import Reply, Role, ShareView
from webapp.models.base import utcnow
from webapp.services import mentoring

import factories
from conftest import page_text


@pytest.fixture
def world(app):
    kari = factories.user(username="kari", display_name="Kari")
    sara = factories.user(username="sara", display_name="Sara")
    mo = factories.user(Role.MENTOR, username="mo", display_name="Mentor Mo")
    mia = factories.user(Role.MENTOR, username="mia", display_name="Mia")
    factories.mentor_link(kari, mo, answered_at=utcnow())
    factories.mentor_link(sara, mo, answered_at=utcnow())
    factories.commit()
    return {"kari": kari, "sara": sara, "mo": mo, "mia": mia}


def shared(owner, mentor, text, minutes_ago):
    entry = factories.entry(owner, text)
    row = factories.share(entry, mentor=mentor, shared_at=utcnow() - timedelta(minutes=minutes_ago))
    factories.commit()
    return row


def viewed(share, viewer, minutes_ago=0):
    db.session.add(
        ShareView(
            share_id=share.id,
            owner_id=share.owner_id,
            viewer_id=viewer.id,
            viewer_role="mentor",
            at=utcnow() - timedelta(minutes=minutes_ago),
        )
    )
    factories.commit()


def mentor_client(make_client, username="mo"):
    client = make_client()
    client.login(username)
    return client


def order_on_page(response, *shares):
    html = response.get_data(as_text=True)
    return sorted(shares, key=lambda row: html.index(f'href="/shares/{row.id}"'))


def test_unread_items_come_first_then_the_newest(world, make_client):
    old_unread = shared(world["kari"], world["mo"], "Old but unread", 60)
    new_read = shared(world["sara"], world["mo"], "New and read", 5)
    viewed(new_read, world["mo"])
    newest_unread = shared(world["kari"], world["mo"], "Newest unread", 1)
    response = mentor_client(make_client).get("/mentor")
    assert response.status_code == 200
    assert order_on_page(response, old_unread, new_read, newest_unread) == [
        newest_unread,
        old_unread,
        new_read,
    ]
    html = response.get_data(as_text=True)
    assert len(re.findall(r'class="notice-item mentor-item is-unread"', html)) == 2
    assert "2 new" in page_text(response)
    assert (
        f'href="/shares/{old_unread.id}"' in html and f'href="/shares/{newest_unread.id}"' in html
    )


def test_a_reply_from_the_participant_makes_an_opened_item_unread_again(world, make_client):
    row = shared(world["kari"], world["mo"], "Read it", 30)
    viewed(row, world["mo"], minutes_ago=20)
    assert [item.unread for item in mentoring.inbox(world["mo"])] == [False]
    db.session.add(Reply(share_id=row.id, author_id=world["mo"].id, text="Fint!"))
    factories.commit()
    assert [item.unread for item in mentoring.inbox(world["mo"])] == [False]  # my own reply
    db.session.add(
        Reply(
            share_id=row.id,
            author_id=world["kari"].id,
            text="Takk",
            created_at=utcnow() - timedelta(minutes=10),
        )
    )
    factories.commit()
    assert [item.unread for item in mentoring.inbox(world["mo"])] == [True]
    assert mentoring.unread_in_inbox(world["mo"]) == 1
    viewed(row, world["mo"])
    assert [item.unread for item in mentoring.inbox(world["mo"])] == [False]


def test_another_mentor_sees_none_of_it(world, make_client):
    shared(world["kari"], world["mo"], "Only for Mo", 1)
    mia = mentor_client(make_client, "mia")
    text = page_text(mia.get("/mentor"))
    assert "Only for Mo" not in text and "Nothing shared with you yet" in text


def test_revoked_and_unlinked_items_leave_the_inbox_at_once(world, make_client):
    row = shared(world["kari"], world["mo"], "Soon revoked", 1)
    kept = shared(world["sara"], world["mo"], "Sara still shares", 2)
    mo = mentor_client(make_client)
    assert f'href="/shares/{row.id}"' in mo.get("/mentor").get_data(as_text=True)
    row.revoked_at = utcnow()
    factories.commit()
    html = mo.get("/mentor").get_data(as_text=True)
    assert f'href="/shares/{row.id}"' not in html and f'href="/shares/{kept.id}"' in html


def test_participants_and_counsellors_do_not_have_a_mentor_inbox(world, make_client):
    kari = make_client()
    kari.login("kari")
    assert kari.get("/mentor").status_code == 404


def test_the_inbox_costs_the_same_queries_for_two_items_or_twenty(world, make_client):
    mo = mentor_client(make_client)

    def cost():
        statements = []
        listen = lambda *_a: statements.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            assert mo.get("/mentor").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        return len(statements)

    for n in range(2):
        shared(world["kari"], world["mo"], f"item {n}", n)
    cost()  # the first page after logging in may also read the privacy notice version
    two = cost()
    for n in range(18):
        shared(world["sara"] if n % 2 else world["kari"], world["mo"], f"more {n}", n)
    assert cost() == two


def test_seen_by_tells_the_owner_when_their_mentor_opened_it(world):
    row = shared(world["kari"], world["mo"], "Seen?", 5)
    assert mentoring.seen_by(world["kari"], row) is None
    viewed(row, world["mia"])  # not their mentor (cannot happen through the pages; still ignored)
    assert mentoring.seen_by(world["kari"], row) is None
    viewed(row, world["mo"], minutes_ago=1)
    seen = mentoring.seen_by(world["kari"], row)
    assert seen is not None and utcnow() - seen < timedelta(minutes=2)
    assert mentoring.seen_by(world["mo"], row) is None  # only the owner reads their access log


def test_the_list_shows_who_and_what_kind_but_never_the_words_or_the_mood(world, make_client):
    entry = factories.entry(world["kari"], "Jeg gruer meg til legetimen", mood=1)
    row = factories.share(entry, mentor=world["mo"])
    goal = factories.goal(world["sara"], title="Slutte med snus")
    factories.share(goal, mentor=world["mo"])
    factories.commit()
    response = mentor_client(make_client).get("/mentor")
    text = page_text(response)
    assert "Kari" in text and "Journal entry" in text and "Sara" in text and "Goal" in text
    assert "legetimen" not in text and "Slutte med snus" not in text
    listed = response.get_data(as_text=True).split('<ul class="notices">')[1].split("</ul>")[0]
    assert "mood-" not in listed and "Very bad" not in listed  # no mood face or word either
    # ... so the list is not an unlogged way to read: opening it is, and the owner sees that.
    assert db.session.scalar(db.select(db.func.count(ShareView.id))) == 0
    assert mentor_client(make_client).get(f"/shares/{row.id}").status_code == 200
    views = db.session.scalars(db.select(ShareView)).all()
    assert [(v.share_id, v.viewer_id, v.viewer_role) for v in views] == [
        (row.id, world["mo"].id, "mentor")
    ]
