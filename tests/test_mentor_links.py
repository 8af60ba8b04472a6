"""Mentor links: a counsellor proposes, the participant says yes or no, either can end it; the
mentor sees a participant's shares only while the link stands, and never learns of a "no"."""

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from webapp.extensions import db
from webapp.models import LinkStatus, MentorLink, Notification, NotificationKind, Role

import factories
from conftest import page_text


@pytest.fixture
def world(app):
    """A group led by Vera with Kari and Ola; mentor Mo of the group's office; a share of
    Kari's entry to Mo (visible only once a link stands)."""
    vera = factories.user(Role.COUNSELLOR, username="vera", display_name="Vera")
    kari = factories.user(username="kari", display_name="Kari")
    ola = factories.user(username="ola", display_name="Ola")
    team = factories.group(vera, (kari, ola))
    mo = factories.user(
        Role.MENTOR, username="mo", display_name="Mentor Mo", office_id=team.office_id
    )
    elsewhere = factories.user(Role.MENTOR, username="far", display_name="Far Away")
    other_mentor = factories.user(
        Role.MENTOR, username="mia", display_name="Mia", office_id=team.office_id
    )
    other_counsellor = factories.user(Role.COUNSELLOR, username="otto", display_name="Otto")
    factories.group(other_counsellor, ())
    entry = factories.entry(kari, "Jeg var på intervju i dag")
    shared = factories.share(entry, mentor=mo)
    factories.commit()
    return {
        "vera": vera,
        "kari": kari,
        "ola": ola,
        "team": team,
        "mo": mo,
        "far": elsewhere,
        "mia": other_mentor,
        "otto": other_counsellor,
        "share": shared,
    }


def as_user(make_client, username):
    client = make_client()
    client.login(username)
    return client


def propose(client, world, mentor="mo", participant="kari"):
    return client.post_form(
        "/mentor-links",
        {
            "participant_id": world[participant].id,
            "mentor_id": world[mentor].id,
            "group_id": world["team"].id,
        },
    )


def the_link(world) -> MentorLink:
    db.session.expire_all()
    return db.session.scalar(
        select(MentorLink).where(MentorLink.participant_id == world["kari"].id)
    )


def kinds_for(user) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.kind)
            .where(Notification.user_id == user.id)
            .order_by(Notification.id)
        )
    )


def in_mentor_inbox(mentor, world) -> bool:
    """The shared entry is in the mentor's list (which names who and what kind, never the
    words: DPIA F5)."""
    html = mentor.get("/mentor").get_data(as_text=True)
    return f'href="/shares/{world["share"].id}"' in html


def test_the_group_page_offers_link_a_mentor_for_each_participant(world, make_client):
    vera = as_user(make_client, "vera")
    text = page_text(vera.get(f"/groups/{world['team'].id}"))
    assert text.count("Link a mentor") == 2
    page = vera.get(f"/mentor-links/new?participant={world['kari'].id}&group={world['team'].id}")
    text = page_text(page)
    assert "Mentor Mo" in text and "Mia" in text
    assert "Far Away" not in text  # a mentor of another office is not offered


def test_a_proposal_asks_the_participant_and_shows_as_waiting_on_the_group_page(world, make_client):
    vera = as_user(make_client, "vera")
    response = propose(vera, world)
    assert response.status_code == 302
    link = the_link(world)
    assert link.status == LinkStatus.PENDING and link.proposed_by_id == world["vera"].id
    assert kinds_for(world["kari"]) == [NotificationKind.LINK_REQUEST]
    assert kinds_for(world["mo"]) == []  # the mentor hears nothing before the participant agrees
    text = page_text(vera.get(f"/groups/{world['team'].id}"))
    assert "Mentor: Mentor Mo" in text and "Waiting for an answer" in text


def test_proposing_the_same_mentor_twice_makes_one_link(world, make_client):
    vera = as_user(make_client, "vera")
    propose(vera, world)
    propose(vera, world)
    assert db.session.scalar(select(func.count()).select_from(MentorLink)) == 1
    assert kinds_for(world["kari"]) == [NotificationKind.LINK_REQUEST]


def test_a_counsellor_cannot_propose_a_mentor_from_elsewhere_or_for_someone_outside_their_groups(
    world, make_client
):
    vera = as_user(make_client, "vera")
    assert propose(vera, world, mentor="far").status_code == 400
    otto = as_user(make_client, "otto")
    assert propose(otto, world).status_code == 404
    assert db.session.scalar(select(func.count()).select_from(MentorLink)) == 0


def test_the_link_page_says_who_the_mentor_is_and_what_they_can_see(world, make_client):
    propose(as_user(make_client, "vera"), world)
    kari = as_user(make_client, "kari")
    text = page_text(kari.get(f"/mentor-links/{the_link(world).id}"))
    assert "A mentor for you?" in text
    assert "Mentor Mo" in text and "Suggested by Vera" in text
    assert "Your mentor sees only what you choose to share with them." in text
    assert "Yes, link us" in text and "No, thanks" in text


def test_mentor_sees_nothing_before_participant_accepts(world, make_client):
    propose(as_user(make_client, "vera"), world)
    mo = as_user(make_client, "mo")
    assert not in_mentor_inbox(mo, world)
    assert mo.get(f"/mentor-links/{the_link(world).id}").status_code == 404

    kari = as_user(make_client, "kari")
    assert kari.post_form(f"/mentor-links/{the_link(world).id}/accept").status_code == 302
    assert the_link(world).status == LinkStatus.ACCEPTED
    assert in_mentor_inbox(mo, world)
    assert kinds_for(world["vera"]) == [NotificationKind.LINK_ANSWER]
    assert kinds_for(world["mo"]) == [NotificationKind.LINK_ANSWER]
    assert "Kari said yes to you as their mentor" in page_text(mo.get("/inbox"))
    assert "Kari said yes to Mentor Mo as mentor" in page_text(
        as_user(make_client, "vera").get("/inbox")
    )


def test_declined_link_shows_nothing(world, make_client):
    propose(as_user(make_client, "vera"), world)
    kari = as_user(make_client, "kari")
    kari.post_form(f"/mentor-links/{the_link(world).id}/decline")
    assert the_link(world).status == LinkStatus.DECLINED
    mo = as_user(make_client, "mo")
    assert not in_mentor_inbox(mo, world)
    assert mo.get(f"/mentor-links/{the_link(world).id}").status_code == 404
    assert kinds_for(world["mo"]) == []  # a "no" is not the mentor's to know
    assert "Kari said no to Mentor Mo as mentor" in page_text(
        as_user(make_client, "vera").get("/inbox")
    )


def test_answering_twice_changes_nothing(world, make_client):
    propose(as_user(make_client, "vera"), world)
    kari = as_user(make_client, "kari")
    link_id = the_link(world).id
    kari.post_form(f"/mentor-links/{link_id}/accept")
    kari.post_form(f"/mentor-links/{link_id}/decline")
    assert the_link(world).status == LinkStatus.ACCEPTED
    assert kari.send_json("POST", f"/api/v1/mentor-links/{link_id}/decline").status_code == 409


def test_ended_link_hides_inbox_at_once(world, make_client):
    factories.mentor_link(world["kari"], world["mo"], answered_at=world["share"].shared_at)
    factories.commit()
    mo = as_user(make_client, "mo")
    assert in_mentor_inbox(mo, world)
    kari = as_user(make_client, "kari")
    assert kari.post_form(f"/mentor-links/{the_link(world).id}/end").status_code == 302
    assert the_link(world).status == LinkStatus.ENDED
    assert not in_mentor_inbox(mo, world)
    assert mo.get(f"/shares/{world['share'].id}").status_code == 404
    assert NotificationKind.LINK_ENDED in kinds_for(world["mo"])
    db.session.expire_all()
    assert world["share"].revoked_at is not None  # taken back: "What I share" says so


def test_a_new_link_with_the_same_mentor_does_not_bring_old_items_back(world, make_client):
    factories.mentor_link(world["kari"], world["mo"], answered_at=world["share"].shared_at)
    factories.commit()
    kari = as_user(make_client, "kari")
    kari.post_form(f"/mentor-links/{the_link(world).id}/end")
    vera = as_user(make_client, "vera")
    assert propose(vera, world).status_code == 302
    new_link = db.session.scalar(select(MentorLink).where(MentorLink.status == LinkStatus.PENDING))
    kari.post_form(f"/mentor-links/{new_link.id}/accept")
    assert not in_mentor_inbox(as_user(make_client, "mo"), world)


def test_the_counsellor_can_end_a_link_and_withdraw_a_proposal(world, make_client):
    vera = as_user(make_client, "vera")
    propose(vera, world)
    link_id = the_link(world).id
    assert vera.post_form(f"/mentor-links/{link_id}/end").status_code == 302
    assert the_link(world).status == LinkStatus.ENDED
    kari = as_user(make_client, "kari")
    assert kari.post_form(f"/mentor-links/{link_id}/accept").status_code == 302
    assert the_link(world).status == LinkStatus.ENDED  # a withdrawn proposal cannot be accepted
    assert "withdrawn" not in page_text(kari.get("/inbox"))  # and no unread request is left
    assert 'class="nav-badge"' not in kari.get("/inbox").get_data(as_text=True)


def test_other_mentor_gets_404_on_link(world, make_client):
    link = factories.mentor_link(world["kari"], world["mo"], answered_at=world["share"].shared_at)
    factories.commit()
    for username in ("mia", "ola", "otto"):
        other = as_user(make_client, username)
        assert other.get(f"/mentor-links/{link.id}").status_code == 404, username
        assert other.post_form(f"/mentor-links/{link.id}/end").status_code == 404, username
        response = other.send_json("POST", f"/api/v1/mentor-links/{link.id}/end")
        assert response.status_code == 404, username
    assert the_link(world).status == LinkStatus.ACCEPTED


def test_the_mentor_cannot_answer_or_end_for_the_participant(world, make_client):
    link = factories.mentor_link(world["kari"], world["mo"], answered_at=world["share"].shared_at)
    factories.commit()
    mo = as_user(make_client, "mo")
    assert mo.send_json("POST", f"/api/v1/mentor-links/{link.id}/end").status_code == 409
    text = page_text(mo.get(f"/mentor-links/{link.id}"))
    assert "You see only what Kari chooses to share with you." in text
    assert "End the link" not in text


def test_the_api_proposes_idempotently_and_lists_links_for_each_side(world, make_client):
    vera = as_user(make_client, "vera")
    body = {"participant_id": world["kari"].id, "mentor_id": world["mo"].id}
    first = vera.send_json("POST", "/api/v1/mentor-links", body)
    again = vera.send_json("POST", "/api/v1/mentor-links", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert first.get_json()["status"] == "pending"
    bad = vera.send_json("POST", "/api/v1/mentor-links", {"participant_id": "x"})
    assert bad.status_code == 400 and "mentor_id" in bad.get_json()["error"]["fields"]

    kari = as_user(make_client, "kari")
    mine = kari.get("/api/v1/mentor-links").get_json()
    assert [(link["status"], link["can_answer"]) for link in mine] == [("pending", True)]
    assert as_user(make_client, "mo").get("/api/v1/mentor-links").get_json() == []
    accepted = kari.send_json("POST", f"/api/v1/mentor-links/{mine[0]['id']}/accept")
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "accepted"
    assert [
        link["participant"]["display_name"]
        for link in as_user(make_client, "mo").get("/api/v1/mentor-links").get_json()
    ] == ["Kari"]


def test_a_participant_cannot_propose_links(world, make_client):
    kari = as_user(make_client, "kari")
    body = {"participant_id": world["kari"].id, "mentor_id": world["mo"].id}
    assert kari.send_json("POST", "/api/v1/mentor-links", body).status_code == 404
    assert propose(kari, world).status_code == 404


def test_the_participant_finds_their_mentor_on_the_me_page_and_can_end_the_link_there(
    world, make_client
):
    link = factories.mentor_link(world["kari"], world["mo"], answered_at=world["share"].shared_at)
    factories.commit()
    kari = as_user(make_client, "kari")
    html = kari.get("/me").get_data(as_text=True)
    assert "Your mentor" in html and f'href="/mentor-links/{link.id}"' in html
    assert "End the link" in page_text(kari.get(f"/mentor-links/{link.id}"))
    assert "Your mentor" not in page_text(as_user(make_client, "ola").get("/me"))


def test_the_database_keeps_one_open_link_per_pair_even_in_a_race(app):
    kari = factories.user(username="kari-race")
    mona = factories.user(Role.MENTOR, username="mona-race")
    factories.mentor_link(kari, mona, status=LinkStatus.ENDED)
    factories.mentor_link(kari, mona, status=LinkStatus.PENDING)  # after an ended one: fine
    factories.commit()
    with pytest.raises(IntegrityError):
        factories.mentor_link(kari, mona, status=LinkStatus.ACCEPTED)
    db.session.rollback()
