"""The in-app inbox: every notice in plain words, newest first, grouped by day, unread marked in
words; a badge in the navigation counts the same notices with one COUNT; the JSON is what a push
would carry, never what anyone wrote; a strength word given without a name stays nameless."""

import json
import re
from datetime import timedelta

import pytest
from sqlalchemy import event, select

from webapp.extensions import db
from webapp.models import Notification, NotificationKind, Role, StrengthWord
from webapp.models.base import utcnow
from webapp.services import notifications

import factories
from conftest import page_text


@pytest.fixture
def world(app):
    vera = factories.user(Role.COUNSELLOR, username="vera", display_name="Vera")
    kari = factories.user(username="kari", display_name="Kari")
    amir = factories.user(username="amir", display_name="Amir")
    team = factories.group(vera, (kari, amir))
    entry = factories.entry(kari, "Hemmelig tekst om dagen min")
    row = factories.share(entry, group=team)
    factories.commit()
    return {"vera": vera, "kari": kari, "amir": amir, "team": team, "share": row, "entry": entry}


def as_user(make_client, username):
    client = make_client()
    client.login(username)
    return client


def notice(recipient, kind, actor, minutes_ago=0, **where):
    row = notifications.notify(recipient.id, kind, actor, **where)
    row.created_at = utcnow() - timedelta(minutes=minutes_ago)
    factories.commit()
    return row


def badge(response) -> str | None:
    found = re.search(r'class="nav-badge"[^>]*>([^<]+)<', response.get_data(as_text=True))
    return found.group(1) if found else None


def test_the_inbox_lists_notices_in_plain_words_newest_first_with_unread_marked(world, make_client):
    notice(world["kari"], NotificationKind.REPLY, world["amir"], 5, share=world["share"])
    notice(world["kari"], NotificationKind.REACTION, world["vera"], 1, share=world["share"])
    kari = as_user(make_client, "kari")
    response = kari.get("/inbox")
    text = page_text(response)
    assert response.headers["Cache-Control"] == "no-store"
    assert text.index("Vera reacted to your journal entry") < text.index(
        "Amir replied to your journal entry"
    )
    assert "Today" in text
    assert text.count("New") >= 2  # unread said in words, not by colour alone
    assert "Hemmelig tekst" not in text


def test_notices_are_grouped_by_day(world, make_client):
    notice(world["kari"], NotificationKind.REPLY, world["amir"], 60 * 24 * 3, share=world["share"])
    notice(world["kari"], NotificationKind.REPLY, world["amir"], 0, share=world["share"])
    text = page_text(as_user(make_client, "kari").get("/inbox"))
    headings = re.findall(
        r'<h2 id="day-\d+"[^>]*>([^<]+)</h2>',
        as_user(make_client, "kari").get("/inbox").get_data(as_text=True),
    )
    assert len(headings) == 2 and headings[0] == "Today"
    assert "Today" in text


def test_opening_a_notice_marks_it_read_and_goes_to_its_item(world, make_client):
    row = notice(world["kari"], NotificationKind.REPLY, world["amir"], share=world["share"])
    kari = as_user(make_client, "kari")
    assert badge(kari.get("/inbox")) == "1"
    response = kari.get(f"/inbox/{row.id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/shares/{world['share'].id}")
    db.session.expire_all()
    assert db.session.get(Notification, row.id).read_at is not None
    assert badge(kari.get("/inbox")) is None


def test_opening_the_shared_item_itself_reads_its_notices(world, make_client):
    notice(world["kari"], NotificationKind.REPLY, world["amir"], share=world["share"])
    kari = as_user(make_client, "kari")
    assert badge(kari.get("/inbox")) == "1"
    assert kari.get(f"/shares/{world['share'].id}").status_code == 200
    assert badge(kari.get("/inbox")) is None


def test_someone_elses_notice_is_not_there(world, make_client):
    row = notice(world["kari"], NotificationKind.REPLY, world["amir"], share=world["share"])
    amir = as_user(make_client, "amir")
    assert amir.get(f"/inbox/{row.id}").status_code == 404
    db.session.expire_all()
    assert db.session.get(Notification, row.id).read_at is None


def test_mark_all_as_read(world, make_client):
    for minutes in (1, 2, 3):
        notice(world["kari"], NotificationKind.REPLY, world["amir"], minutes, share=world["share"])
    kari = as_user(make_client, "kari")
    assert badge(kari.get("/")) == "3"
    assert '<span class="visually-hidden">, 3 unread</span>' in kari.get("/").get_data(as_text=True)
    assert kari.post_form("/inbox/read").status_code == 302
    assert badge(kari.get("/")) is None
    assert "New" not in page_text(kari.get("/inbox")).replace("Newest", "")


def test_inbox_badge_counts_only_visible_notifications(world, make_client):
    notice(world["kari"], NotificationKind.REPLY, world["amir"], share=world["share"])
    amirs_entry = factories.entry(world["amir"], "Amir sitt")
    amirs_share = factories.share(amirs_entry, group=world["team"])
    notice(world["kari"], NotificationKind.REPLY, world["amir"], share=amirs_share)
    notice(world["amir"], NotificationKind.REACTION, world["kari"], share=amirs_share)
    kari = as_user(make_client, "kari")
    assert badge(kari.get("/")) == "2"
    amirs_share.revoked_at = utcnow()  # gone for Kari: so is its notice, in the badge too
    factories.commit()
    assert badge(kari.get("/")) == "1"
    assert notifications.unread_count(world["kari"]) == 1


def test_revoked_share_notifications_disappear(world, make_client):
    notice(world["amir"], NotificationKind.REACTION, world["kari"], share=world["share"])
    amir = as_user(make_client, "amir")
    assert "Kari reacted" in page_text(amir.get("/inbox"))
    world["share"].revoked_at = utcnow()
    factories.commit()
    assert "Kari reacted" not in page_text(amir.get("/inbox"))
    assert amir.get("/api/v1/notifications").get_json()["items"] == []


def test_a_notice_about_a_group_item_goes_when_its_owner_leaves_the_group(world, make_client):
    from webapp.models import Membership

    notice(world["amir"], NotificationKind.REPLY, world["vera"], share=world["share"])
    amir = as_user(make_client, "amir")
    assert badge(amir.get("/")) == "1"
    db.session.execute(Membership.__table__.delete().where(Membership.user_id == world["kari"].id))
    factories.commit()
    assert badge(amir.get("/")) is None


def test_the_badge_costs_one_count_query_per_page(world, make_client):
    for minutes in range(5):
        notice(world["kari"], NotificationKind.REPLY, world["amir"], minutes, share=world["share"])
    kari = as_user(make_client, "kari")
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = kari.get("/me")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert badge(response) == "5"
    about_notices = [s for s in statements if "notifications" in s]
    assert len(about_notices) == 1 and "count(" in about_notices[0].lower()


def test_every_role_has_the_inbox_in_its_navigation(world, make_client):
    mo = factories.user(Role.MENTOR, username="mo")
    admin = factories.user(Role.ADMIN, username="root")
    notice(mo, NotificationKind.LINK_ENDED, world["kari"])
    notice(admin, NotificationKind.REPORT, None)
    notice(world["vera"], NotificationKind.REPORT, world["amir"], share=world["share"])
    for username in ("mo", "root", "vera"):
        html = as_user(make_client, username).get("/me").get_data(as_text=True)
        assert 'href="/inbox"' in html, username
        assert '<span class="visually-hidden">, 1 unread</span>' in html, username
    mentor_nav = as_user(make_client, "mo").get("/").get_data(as_text=True)
    assert 'href="/mentor"' in mentor_nav


def test_notification_json_never_contains_text(world, make_client):
    factories.mentor_link(world["kari"], factories.user(Role.MENTOR, username="mo"))
    notice(world["kari"], NotificationKind.REPLY, world["amir"], share=world["share"])
    word = StrengthWord(
        recipient_id=world["kari"].id, giver_id=world["amir"].id, text="Hemmelig ord"
    )
    db.session.add(word)
    db.session.flush()
    notifications.notify_strength_word(word)
    factories.commit()
    kari = as_user(make_client, "kari")
    response = kari.get("/api/v1/notifications")
    assert response.status_code == 200
    body = response.get_json()
    raw = json.dumps(body)
    assert "Hemmelig" not in raw
    assert body["unread"] == 2
    first = body["items"][0]
    assert set(first) == {"id", "kind", "actor", "sentence", "url", "thread", "created_at", "read"}
    assert first["kind"] == "strength_word" and first["actor"] == "Amir"
    assert first["url"] == "/me/strengths" and first["read"] is False
    reply = body["items"][1]
    assert reply["thread"] == f"share:{world['share'].id}"
    assert reply["url"] == f"/shares/{world['share'].id}"


def test_the_api_pages_with_a_cursor_and_filters_unread(world, make_client):
    rows = [
        notice(world["kari"], NotificationKind.REPLY, world["amir"], 10 - n, share=world["share"])
        for n in range(5)
    ]
    kari = as_user(make_client, "kari")
    first = kari.get("/api/v1/notifications?limit=3").get_json()
    assert [i["id"] for i in first["items"]] == [r.id for r in reversed(rows)][:3]
    rest = kari.get(f"/api/v1/notifications?limit=3&cursor={first['next_cursor']}").get_json()
    assert [i["id"] for i in rest["items"]] == [rows[1].id, rows[0].id]
    assert rest["next_cursor"] is None

    marked = kari.send_json("POST", "/api/v1/notifications/read", {"ids": [rows[0].id]})
    assert marked.get_json() == {"marked": 1, "unread": 4}
    unread = kari.get("/api/v1/notifications?unread_only=1").get_json()["items"]
    assert rows[0].id not in [i["id"] for i in unread] and len(unread) == 4
    assert kari.send_json("POST", "/api/v1/notifications/read", {}).status_code == 400
    everything = kari.send_json("POST", "/api/v1/notifications/read", {"all": True})
    assert everything.get_json() == {"marked": 4, "unread": 0}


def test_marking_someone_elses_notice_read_does_nothing(world, make_client):
    row = notice(world["kari"], NotificationKind.REPLY, world["amir"], share=world["share"])
    amir = as_user(make_client, "amir")
    response = amir.send_json("POST", "/api/v1/notifications/read", {"ids": [row.id]})
    assert response.get_json()["marked"] == 0
    db.session.expire_all()
    assert db.session.get(Notification, row.id).read_at is None


def test_anonymous_strength_word_never_names_giver(world, make_client):
    word = StrengthWord(
        recipient_id=world["kari"].id,
        giver_id=world["amir"].id,
        share_id=world["share"].id,
        preset="brave",
        show_name=False,
    )
    db.session.add(word)
    db.session.flush()
    notifications.notify_strength_word(word)
    factories.commit()
    stored = db.session.scalar(select(Notification).where(Notification.user_id == world["kari"].id))
    assert stored.actor_id is None
    kari = as_user(make_client, "kari")
    inbox = page_text(kari.get("/inbox"))
    assert "Someone gave you a strength word" in inbox and "Amir" not in inbox
    assert "Amir" not in json.dumps(kari.get("/api/v1/notifications").get_json())
    strengths = page_text(kari.get("/me/strengths"))
    assert "Brave" in strengths and "Amir" not in strengths
    assert "Amir" not in json.dumps(kari.get("/api/v1/strength-words").get_json())
    assert "Amir" not in kari.get("/me/strengths.txt").get_data(as_text=True)


def test_the_openapi_document_lists_the_inbox_api(app, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path in (
        "/api/v1/notifications",
        "/api/v1/notifications/read",
        "/api/v1/mentor-links",
        "/api/v1/mentor-links/{link_id}/accept",
        "/api/v1/mentor-links/{link_id}/decline",
        "/api/v1/mentor-links/{link_id}/end",
        "/api/v1/strength-words",
    ):
        assert path in paths, path


def test_an_empty_inbox_says_what_will_come(world, make_client):
    text = page_text(as_user(make_client, "amir").get("/inbox"))
    assert "Nothing here yet" in text


def test_a_name_with_markup_in_a_notice_renders_as_text(world, make_client):
    world["amir"].display_name = '<img src=x onerror="alert(1)">'
    factories.commit()
    notice(world["kari"], NotificationKind.REPLY, world["amir"], share=world["share"])
    html = as_user(make_client, "kari").get("/inbox").get_data(as_text=True)
    assert "<img src=x" not in html and "&lt;img src=x" in html
