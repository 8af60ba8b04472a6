"""Sharing by choice, as people use it: the share sheet with its preview, the group feed, the item
page with reactions, replies and strength words, "What I share" with one-tap take-back, and the
counsellors' hide. Nobody ever sees what was not shared with them."""

import re

import pytest
from sqlalchemy import event, func, select

from webapp.extensions import db
from webapp.models import (
    Notification,
    NotificationKind,
    Reply,
    Role,
    Share,
    ShareReaction,
    ShareView,
    StrengthWord,
)

import factories
from conftest import page_text


@pytest.fixture
def world(app):
    """A group with two participants and a counsellor, another group, a mentor and an admin."""
    counsellor = factories.user(username="veil", role=Role.COUNSELLOR, display_name="Vera")
    kari = factories.user(username="kari", display_name="Kari")
    ola = factories.user(username="ola", display_name="Ola")
    group = factories.group(counsellor=counsellor, members=(kari, ola), name="Tirsdag")
    other_counsellor = factories.user(username="veil2", role=Role.COUNSELLOR)
    stranger = factories.user(username="stranger", display_name="Sam")
    other = factories.group(counsellor=other_counsellor, members=(stranger,), name="Onsdag")
    mentor = factories.user(username="mentor", role=Role.MENTOR, display_name="Mona")
    other_mentor = factories.user(username="mentor2", role=Role.MENTOR)
    factories.mentor_link(kari, mentor)
    admin = factories.user(username="admin", role=Role.ADMIN)
    entry = factories.entry(kari, text="I went to the interview", mood=4)
    factories.commit()
    return {
        "counsellor": counsellor,
        "kari": kari,
        "ola": ola,
        "group": group,
        "other": other,
        "stranger": stranger,
        "mentor": mentor,
        "other_mentor": other_mentor,
        "admin": admin,
        "entry": entry,
    }


def as_(make_client, username):
    client = make_client()
    client.login(username)
    return client


def share_via_sheet(client, kind, item_id, audience, **extra):
    return client.post_form(f"/share/{kind}/{item_id}", {"audience": audience, **extra})


def the_share(entry_id=None):
    db.session.expire_all()
    return db.session.scalar(select(Share).where(Share.entry_id == entry_id))


def test_share_sheet_shows_a_preview_of_exactly_what_they_will_see(world, make_client):
    kari = as_(make_client, "kari")
    page = kari.get(f"/share/entry/{world['entry'].id}")
    assert page.status_code == 200
    text = page_text(page)
    assert "This is what they will see" in text
    assert "I went to the interview" in text
    assert "Tirsdag" in text and "Mona" in text
    assert "Onsdag" not in text


def test_sharing_an_entry_with_the_group_puts_it_in_the_feed(world, make_client):
    kari = as_(make_client, "kari")
    response = share_via_sheet(kari, "entry", world["entry"].id, f"group:{world['group'].id}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/journal/entries/{world['entry'].id}")
    ola = as_(make_client, "ola")
    feed = ola.get(f"/groups/{world['group'].id}/feed")
    assert feed.status_code == 200
    assert "I went to the interview" in page_text(feed)
    assert "Shared with Tirsdag" in page_text(kari.get(f"/journal/entries/{world['entry'].id}"))


def test_sharing_twice_keeps_one_share(world, make_client):
    kari = as_(make_client, "kari")
    for _ in range(2):
        share_via_sheet(kari, "entry", world["entry"].id, f"group:{world['group'].id}")
    assert db.session.scalar(select(func.count(Share.id))) == 1


def test_sharing_with_a_group_i_am_not_in_is_refused(world, make_client):
    kari = as_(make_client, "kari")
    response = share_via_sheet(kari, "entry", world["entry"].id, f"group:{world['other'].id}")
    assert response.status_code == 400
    assert db.session.scalar(select(func.count(Share.id))) == 0


def test_sharing_someone_elses_entry_is_not_found(world, make_client):
    ola = as_(make_client, "ola")
    assert ola.get(f"/share/entry/{world['entry'].id}").status_code == 404
    response = share_via_sheet(ola, "entry", world["entry"].id, f"group:{world['group'].id}")
    assert response.status_code == 404


def test_unknown_kind_of_item_is_not_found(world, make_client):
    kari = as_(make_client, "kari")
    assert kari.get(f"/share/diary/{world['entry'].id}").status_code == 404


def test_member_of_other_group_gets_404_on_shared_item(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    for who in ("stranger", "veil2", "mentor2", "admin", "mentor"):
        client = as_(make_client, who)
        assert client.get(f"/shares/{row.id}").status_code == 404, who
        assert client.get(f"/groups/{world['group'].id}/feed").status_code == 404, who


def test_counsellor_never_sees_unshared_entry(world, make_client):
    vera = as_(make_client, "veil")
    feed = vera.get(f"/groups/{world['group'].id}/feed")
    assert feed.status_code == 200
    assert "I went to the interview" not in page_text(feed)
    assert vera.get(f"/share/entry/{world['entry'].id}").status_code == 404


def test_revoke_removes_item_from_feed_at_once(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    ola = as_(make_client, "ola")
    url = f"/groups/{world['group'].id}/feed"
    assert "I went to the interview" in page_text(ola.get(url))
    kari = as_(make_client, "kari")
    assert "I went to the interview" in page_text(kari.get("/shares"))
    response = kari.post_form(f"/shares/{row.id}/revoke")
    assert response.status_code == 302
    assert "I went to the interview" not in page_text(ola.get(url))
    assert ola.get(f"/shares/{row.id}").status_code == 404
    assert "I went to the interview" not in page_text(kari.get("/shares"))


def test_only_the_owner_can_revoke(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    ola = as_(make_client, "ola")
    assert ola.post_form(f"/shares/{row.id}/revoke").status_code == 404
    assert the_share(world["entry"].id).revoked_at is None


def test_sharing_again_after_revoke_brings_the_same_share_back(world, make_client):
    kari = as_(make_client, "kari")
    audience = f"group:{world['group'].id}"
    share_via_sheet(kari, "entry", world["entry"].id, audience)
    first = the_share(world["entry"].id)
    kari.post_form(f"/shares/{first.id}/revoke")
    share_via_sheet(kari, "entry", world["entry"].id, audience)
    again = the_share(world["entry"].id)
    assert again.id == first.id and again.revoked_at is None


def test_leaving_group_hides_its_feed(world, make_client):
    from webapp.models import Membership

    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    ola = as_(make_client, "ola")
    assert ola.get(f"/shares/{row.id}").status_code == 200
    db.session.execute(Membership.__table__.delete().where(Membership.user_id == world["ola"].id))
    db.session.commit()
    assert ola.get(f"/groups/{world['group'].id}/feed").status_code == 404
    assert ola.get(f"/shares/{row.id}").status_code == 404


def test_when_the_owner_leaves_their_items_leave_the_feed(world, make_client):
    from webapp.models import Membership

    factories.share(world["entry"], group=world["group"])
    db.session.execute(Membership.__table__.delete().where(Membership.user_id == world["kari"].id))
    factories.commit()
    ola = as_(make_client, "ola")
    assert "I went to the interview" not in page_text(ola.get(f"/groups/{world['group'].id}/feed"))


def test_reactions_show_who_reacted_and_tell_the_owner(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    ola = as_(make_client, "ola")
    response = ola.post_form(f"/shares/{row.id}/reactions", {"reaction": "heart"})
    assert response.status_code == 302
    text = page_text(ola.get(f"/shares/{row.id}"))
    assert "Love it: Ola" in text
    notice = db.session.scalar(select(Notification).where(Notification.user_id == world["kari"].id))
    assert notice.kind == NotificationKind.REACTION
    # a second tap takes it back
    ola.post_form(f"/shares/{row.id}/reactions", {"reaction": "heart"})
    assert db.session.scalar(select(func.count(ShareReaction.id))) == 0


def test_a_made_up_reaction_is_refused(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    ola = as_(make_client, "ola")
    assert ola.post_form(f"/shares/{row.id}/reactions", {"reaction": "poop"}).status_code == 400


def test_reply_with_script_tag_shows_as_text(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    ola = as_(make_client, "ola")
    attack = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    assert ola.post_form(f"/shares/{row.id}/replies", {"text": attack}).status_code == 302
    for url in (f"/shares/{row.id}", f"/groups/{world['group'].id}/feed"):
        html = ola.get(url).get_data(as_text=True)
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_strength_word_with_script_tag_shows_as_text(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    ola = as_(make_client, "ola")
    ola.post_form(f"/shares/{row.id}/words", {"text": "<b>bold</b>", "show_name": "1"})
    html = ola.get(f"/shares/{row.id}").get_data(as_text=True)
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html


def test_an_empty_or_too_long_reply_keeps_what_was_typed(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    ola = as_(make_client, "ola")
    assert ola.post_form(f"/shares/{row.id}/replies", {"text": "   "}).status_code == 400
    long = "a" * 501
    response = ola.post_form(f"/shares/{row.id}/replies", {"text": long})
    assert response.status_code == 400
    assert long in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(Reply.id))) == 0


def test_reply_is_trimmed_and_tells_the_owner(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    ola = as_(make_client, "ola")
    ola.post_form(f"/shares/{row.id}/replies", {"text": "  Good luck!  "})
    assert db.session.scalar(select(Reply.text)) == "Good luck!"
    kinds = db.session.scalars(
        select(Notification.kind).where(Notification.user_id == world["kari"].id)
    ).all()
    assert kinds == [NotificationKind.REPLY]


def test_in_a_mentor_thread_both_sides_are_told_of_replies(world, make_client):
    row = factories.share(world["entry"], mentor=world["mentor"])
    factories.commit()
    mona = as_(make_client, "mentor")
    mona.post_form(f"/shares/{row.id}/replies", {"text": "Proud of you"})
    kari = as_(make_client, "kari")
    kari.post_form(f"/shares/{row.id}/replies", {"text": "Thanks!"})
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == NotificationKind.REPLY)
    ).all()
    assert sorted(told) == sorted([world["kari"].id, world["mentor"].id])


def test_sharing_with_a_mentor_tells_the_mentor(world, make_client):
    kari = as_(make_client, "kari")
    share_via_sheet(kari, "entry", world["entry"].id, f"mentor:{world['mentor'].id}")
    notice = db.session.scalar(
        select(Notification).where(Notification.user_id == world["mentor"].id)
    )
    assert notice.kind == NotificationKind.SHARED


def test_a_mentor_without_an_accepted_link_is_not_offered(world, make_client):
    kari = as_(make_client, "kari")
    response = share_via_sheet(
        kari, "entry", world["entry"].id, f"mentor:{world['other_mentor'].id}"
    )
    assert response.status_code == 400


def test_strength_word_from_the_list_is_shown_translated_with_the_givers_name(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    ola = as_(make_client, "ola")
    ola.post_form(f"/shares/{row.id}/words", {"preset": "brave_to_ask", "show_name": "1"})
    text = page_text(ola.get(f"/shares/{row.id}"))
    assert "Brave to ask from Ola" in text
    word = db.session.scalar(select(StrengthWord))
    assert word.recipient_id == world["kari"].id and word.preset == "brave_to_ask"


def test_an_anonymous_strength_word_never_names_its_giver(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    ola = as_(make_client, "ola")
    ola.post_form(f"/shares/{row.id}/words", {"text": "Steady"})  # show_name unticked
    for who in ("kari", "veil", "ola"):
        client = as_(make_client, who)
        for url in (f"/shares/{row.id}", f"/groups/{world['group'].id}/feed"):
            html = client.get(url).get_data(as_text=True)
            assert "Steady" in html
            assert "from Ola" not in html
        data = client.get(f"/api/v1/shares/{row.id}").get_json()
        word = data["words"][0]
        assert word["from_name"] is None
        assert set(word) == {"id", "word", "preset", "from_name", "created_at", "hidden"} | {
            "hidden_reason"
        }


def test_nobody_gives_a_strength_word_to_themselves(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    kari = as_(make_client, "kari")
    assert kari.post_form(f"/shares/{row.id}/words", {"preset": "brave"}).status_code == 404


def test_report_tells_the_groups_counsellors(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    ola = as_(make_client, "ola")
    assert ola.post_form(f"/shares/{row.id}/report", {"reason": "mean"}).status_code == 302
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == NotificationKind.REPORT)
    ).all()
    assert told == [world["counsellor"].id]


def test_counsellor_hides_a_reply_and_the_author_sees_why(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    ola = as_(make_client, "ola")
    ola.post_form(f"/shares/{row.id}/replies", {"text": "rude words"})
    reply_id = db.session.scalar(select(Reply.id))
    vera = as_(make_client, "veil")
    response = vera.post_form(
        f"/shares/{row.id}/hide",
        {"target": "reply", "target_id": reply_id, "reason": "Not kind"},
    )
    assert response.status_code == 302
    kari = as_(make_client, "kari")
    assert "rude words" not in page_text(kari.get(f"/shares/{row.id}"))
    text = page_text(ola.get(f"/shares/{row.id}"))
    assert "rude words" in text and "Not kind" in text
    told = db.session.scalar(
        select(Notification).where(Notification.kind == NotificationKind.HIDDEN)
    )
    assert told.user_id == world["ola"].id
    vera.post_form(f"/shares/{row.id}/unhide", {"target": "reply", "target_id": reply_id})
    assert "rude words" in page_text(kari.get(f"/shares/{row.id}"))


def test_counsellor_hides_an_item_and_the_owner_sees_why(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    vera = as_(make_client, "veil")
    vera.post_form(f"/shares/{row.id}/hide", {"target": "share", "reason": "Too personal"})
    ola = as_(make_client, "ola")
    assert ola.get(f"/shares/{row.id}").status_code == 404
    kari = as_(make_client, "kari")
    assert "Too personal" in page_text(kari.get(f"/shares/{row.id}"))
    assert "Too personal" in page_text(kari.get("/shares"))


def test_hiding_needs_a_reason_and_only_counsellors_of_the_group_may(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    vera = as_(make_client, "veil")
    assert vera.post_form(f"/shares/{row.id}/hide", {"target": "share"}).status_code == 400
    other = as_(make_client, "veil2")
    response = other.post_form(f"/shares/{row.id}/hide", {"target": "share", "reason": "x"})
    assert response.status_code == 404
    ola = as_(make_client, "ola")
    response = ola.post_form(f"/shares/{row.id}/hide", {"target": "share", "reason": "x"})
    assert response.status_code == 404
    assert the_share(world["entry"].id).hidden_at is None


def test_mentor_opening_item_is_recorded_without_content(world, make_client):
    row = factories.share(world["entry"], mentor=world["mentor"])
    factories.commit()
    mona = as_(make_client, "mentor")
    assert mona.get(f"/shares/{row.id}").status_code == 200
    view = db.session.scalar(select(ShareView))
    assert (view.viewer_id, view.viewer_role, view.owner_id) == (
        world["mentor"].id,
        "mentor",
        world["kari"].id,
    )
    columns = {c.name for c in ShareView.__table__.columns}
    assert columns == {"id", "share_id", "owner_id", "viewer_id", "viewer_role", "at"}
    kari = as_(make_client, "kari")
    text = page_text(kari.get(f"/shares/{row.id}"))
    assert "Mona (mentor)" in text


def test_members_and_the_owner_opening_an_item_are_not_recorded(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    as_(make_client, "ola").get(f"/shares/{row.id}")
    as_(make_client, "kari").get(f"/shares/{row.id}")
    assert db.session.scalar(select(func.count(ShareView.id))) == 0
    as_(make_client, "veil").get(f"/shares/{row.id}")
    assert db.session.scalar(select(ShareView.viewer_role)) == "counsellor"


def test_mentor_sees_nothing_once_the_link_ends(world, make_client):
    from webapp.models import LinkStatus, MentorLink

    row = factories.share(world["entry"], mentor=world["mentor"])
    factories.commit()
    mona = as_(make_client, "mentor")
    assert mona.get(f"/shares/{row.id}").status_code == 200
    link = db.session.scalar(select(MentorLink))
    link.status = LinkStatus.ENDED
    db.session.commit()
    assert mona.get(f"/shares/{row.id}").status_code == 404


def test_share_pages_are_not_cached(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    kari = as_(make_client, "kari")
    for url in (f"/shares/{row.id}", "/shares", f"/groups/{world['group'].id}/feed"):
        assert "no-store" in kari.get(url).headers["Cache-Control"], url


def test_goal_and_step_pages_have_a_share_button(world, make_client):
    goal = factories.goal(world["kari"], title="Learn to drive")
    step = factories.step(goal, title="Book a lesson")
    factories.commit()
    kari = as_(make_client, "kari")
    assert f'href="/share/goal/{goal.id}"' in kari.get(f"/journal/goals/{goal.id}").get_data(
        as_text=True
    )
    assert f'href="/share/step/{step.id}"' in kari.get(f"/journal/steps/{step.id}").get_data(
        as_text=True
    )
    share_via_sheet(kari, "step", step.id, f"group:{world['group'].id}")
    ola = as_(make_client, "ola")
    text = page_text(ola.get(f"/groups/{world['group'].id}/feed"))
    assert "Book a lesson" in text
    assert "Learn to drive" not in text  # the goal was not shared


def count_queries(fn) -> int:
    """Statements sent to the database while `fn` runs (the whole request, login included)."""
    statements = []

    def record(_conn, _cursor, statement, *_args):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    # Not a query for the page: on PostgreSQL, extensions.end_read_only_transaction asks whether
    # the request wrote anything, to keep psycopg's prepared statements.
    return len([s for s in statements if "pg_current_xact_id_if_assigned" not in s])


def test_a_counsellor_reading_the_feed_is_in_each_owners_access_log(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    for url in (f"/groups/{world['group'].id}/feed", f"/api/v1/groups/{world['group'].id}/feed"):
        assert as_(make_client, "veil").get(url).status_code == 200
    assert as_(make_client, "ola").get(f"/groups/{world['group'].id}/feed").status_code == 200
    views = db.session.scalars(select(ShareView).where(ShareView.share_id == row.id)).all()
    assert [(v.viewer_id, v.viewer_role) for v in views] == [
        (world["counsellor"].id, "counsellor"),
        (world["counsellor"].id, "counsellor"),
    ]


def test_feed_of_50_items_costs_at_most_6_queries(world, make_client):
    members = [factories.user(username=f"m{n}", display_name=f"M{n}") for n in range(12)]
    from webapp.services import groups

    for m in members:
        groups.join(m, world["group"])
    goal = factories.goal(world["kari"], title="Goal")
    factories.step(goal, title="s1", done_at=None)
    for n in range(60):
        owner = members[n % len(members)]
        if n % 3 == 0:
            item = factories.entry(owner, text=f"entry {n}")
        elif n % 3 == 1:
            item = factories.goal(owner, title=f"goal {n}")
            factories.step(item, title=f"step of {n}")
        else:
            item = factories.step(factories.goal(owner, title=f"g{n}"), title=f"step {n}")
        row = factories.share(item, group=world["group"])
        for m in members[:5]:
            db.session.add(ShareReaction(share_id=row.id, user_id=m.id, reaction="heart"))
            db.session.add(Reply(share_id=row.id, author_id=m.id, text=f"reply {m.id}"))
        db.session.add(
            StrengthWord(
                recipient_id=owner.id, giver_id=members[0].id, share_id=row.id, preset="kind"
            )
        )
    factories.commit()
    ola = as_(make_client, "ola")
    url = f"/groups/{world['group'].id}/feed"
    ola.get(url)  # warm up (login session refresh)
    queries = count_queries(lambda: ola.get(url))
    assert queries <= 6, queries
    page = ola.get(url)
    assert (
        page_text(page).count("Reply or give a strength word")
        + page_text(page).count("See all 5 replies")
        >= 1
    )
    assert len(re.findall(r'class="card share-card"', page.get_data(as_text=True))) == 50
    older = re.search(r'href="(/groups/\d+/feed\?before=[^"]+)"', page.get_data(as_text=True))
    assert older is not None
    rest = ola.get(older.group(1).replace("&amp;", "&"))
    assert len(re.findall(r'class="card share-card"', rest.get_data(as_text=True))) == 10


@pytest.fixture
def voiced(world, app, tmp_path):
    from webapp.services import voice

    app.config["VOICE_DIR"] = str(tmp_path / "voice")
    voice.save(world["entry"], b"OggS" + b"\0" * 200, "audio/ogg", 1500)
    factories.commit()
    return world


def test_voice_note_is_shared_only_when_ticked(voiced, make_client):
    world = voiced
    kari = as_(make_client, "kari")
    sheet = kari.get(f"/share/entry/{world['entry'].id}").get_data(as_text=True)
    assert (
        'name="include_voice"' in sheet
        and "checked>" not in sheet.split('name="include_voice"')[1][:40]
    )
    share_via_sheet(kari, "entry", world["entry"].id, f"group:{world['group'].id}")
    row = the_share(world["entry"].id)
    assert row.include_voice is False
    ola = as_(make_client, "ola")
    assert ola.get(f"/shares/{row.id}/voice").status_code == 404
    assert "/voice" not in ola.get(f"/shares/{row.id}").get_data(as_text=True)

    share_via_sheet(
        kari, "entry", world["entry"].id, f"group:{world['group'].id}", include_voice="1"
    )
    assert the_share(world["entry"].id).include_voice is True
    audio = ola.get(f"/shares/{row.id}/voice")
    assert audio.status_code == 200 and audio.mimetype == "audio/ogg"
    assert "no-store" in audio.headers["Cache-Control"]
    stranger = as_(make_client, "stranger")
    assert stranger.get(f"/shares/{row.id}/voice").status_code == 404
    kari.post_form(f"/shares/{row.id}/revoke")
    assert ola.get(f"/shares/{row.id}/voice").status_code == 404


def test_the_sheet_offers_no_voice_box_for_an_entry_without_one(world, make_client):
    kari = as_(make_client, "kari")
    assert 'name="include_voice"' not in kari.get(f"/share/entry/{world['entry'].id}").get_data(
        as_text=True
    )


def test_counsellor_sees_a_hidden_item_marked_in_the_feed(world, make_client):
    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    vera = as_(make_client, "veil")
    vera.post_form(f"/shares/{row.id}/hide", {"target": "share", "reason": "Too personal"})
    text = page_text(vera.get(f"/groups/{world['group'].id}/feed"))
    assert "I went to the interview" in text and "Too personal" in text
    ola = as_(make_client, "ola")
    assert "I went to the interview" not in page_text(ola.get(f"/groups/{world['group'].id}/feed"))


def test_hiding_an_item_answers_its_reports(world, make_client):
    from webapp.models import Report

    row = factories.share(world["entry"], group=world["group"])
    factories.commit()
    as_(make_client, "ola").post_form(f"/shares/{row.id}/report", {"reason": "not ok"})
    vera = as_(make_client, "veil")
    assert "not ok" in page_text(vera.get(f"/shares/{row.id}"))
    vera.post_form(f"/shares/{row.id}/hide", {"target": "share", "reason": "Rules"})
    db.session.expire_all()
    assert db.session.scalar(select(Report.resolved_at)) is not None


def test_a_mentor_reads_and_answers_an_item_shared_with_them(world, make_client):
    row = factories.share(world["entry"], mentor=world["mentor"])
    factories.commit()
    mona = as_(make_client, "mentor")
    page = mona.get(f"/shares/{row.id}")
    assert "I went to the interview" in page_text(page)
    assert "Report this" not in page_text(page)  # no group, no counsellors to report to
    ola = as_(make_client, "ola")
    assert ola.get(f"/shares/{row.id}").status_code == 404
