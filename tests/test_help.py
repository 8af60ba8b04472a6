"""Built-in guidance: the first-run tour (once per person, for their role), the help pages and
the counsellor's guide to the method."""

import re
from pathlib import Path

import pytest
from flask import current_app
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Role, User
from webapp.services import programmes, tours

import factories
from conftest import page_text

TOUR_TITLE = "Welcome! A quick tour"  # heading and its small line below


def person(client, role=Role.PARTICIPANT, **extra):
    someone = factories.user(role, **extra)
    factories.commit()
    client.login(someone.username)
    return someone


def seen_at(user_id):
    db.session.expire_all()
    return db.session.scalar(select(User.tour_seen_at).where(User.id == user_id))


def english(*texts) -> list[str]:
    """The English words of lazily translated texts, as an English phone gets them."""
    with current_app.test_request_context(headers={"Accept-Language": "en"}):
        return [str(t) for t in texts]


def finish_tour(client, **extra):
    return client.post_form("/help/tour/done", {"next": "/", **extra})


# --- the tour on the home page ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "first_card", "not_there"),
    [
        (Role.PARTICIPANT, "Your journal", "Your groups"),
        (Role.MENTOR, "Shared with you", "Your journal"),
        (Role.COUNSELLOR, "Your groups", "Your journal"),
    ],
)
def test_a_new_person_sees_the_tour_of_their_own_role_on_the_home_page(
    client, role, first_card, not_there
):
    person(client, role)
    words = page_text(client.get("/"))
    assert TOUR_TITLE in words
    assert first_card in words
    assert not_there not in words


def test_the_tour_has_three_to_five_cards_each_with_an_icon_and_few_words(app):
    icons = (Path(app.static_folder) / "icons.svg").read_text()
    for role, cards in tours.TOURS.items():
        assert 3 <= len(cards) <= 5, role
        for card, text in zip(cards, english(*(c.text for c in cards)), strict=True):
            assert f'id="{card.icon}"' in icons, card.icon
            assert len(text.split()) <= 10, f"{role}: {text!r} is too long to read"


def test_an_administrator_gets_no_tour_on_the_home_page(client):
    person(client, Role.ADMIN)
    assert TOUR_TITLE not in page_text(client.get("/"))


def test_finishing_the_tour_records_it_and_the_home_page_no_longer_shows_it(client):
    me = person(client)
    response = finish_tour(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")
    assert seen_at(me.id) is not None
    assert TOUR_TITLE not in page_text(client.get("/"))


def test_skipping_from_the_script_answers_204_and_is_recorded_the_same_way(client):
    me = person(client, Role.MENTOR)
    response = client.post(
        "/help/tour/done",
        data={"csrf_token": client.csrf_token()},
        headers={"Accept": "application/json"},
    )
    assert response.status_code == 204
    assert seen_at(me.id) is not None


def test_the_first_finish_is_kept_when_the_tour_is_finished_again(client):
    me = person(client)
    finish_tour(client)
    first = seen_at(me.id)
    finish_tour(client)
    assert seen_at(me.id) == first


def test_looking_at_the_tour_records_nothing(client):
    me = person(client)
    client.get("/")
    client.get("/help/tour")
    assert seen_at(me.id) is None
    assert TOUR_TITLE in page_text(client.get("/"))


def test_each_person_has_their_own_tour(client, make_client):
    first = person(client)
    other_client = make_client()
    person(other_client)
    finish_tour(client)
    assert seen_at(first.id) is not None
    assert TOUR_TITLE in page_text(other_client.get("/"))


def test_finishing_needs_the_csrf_token(client):
    me = person(client)
    response = client.post("/help/tour/done", data={"next": "/"})
    assert response.status_code == 400
    assert seen_at(me.id) is None


def test_finishing_goes_back_only_to_a_page_of_our_own(client):
    person(client)
    response = finish_tour(client, next="https://evil.example/")
    assert response.headers["Location"] in ("/", "http://localhost/")


def test_the_tour_works_without_javascript(client):
    person(client)
    html = client.get("/").get_data(as_text=True)
    tour = re.search(r"<dialog[^>]*data-tour.*?</dialog>", html, re.S).group(0)
    # every card is in the page, and "Done" is a real form with its CSRF token
    assert len(re.findall(r"data-tour-card", tour)) == len(tours.TOURS[Role.PARTICIPANT])
    done = re.search(r"<form[^>]*data-tour-done[^>]*>.*?</form>", tour, re.S).group(0)
    assert 'action="/help/tour/done"' in done and 'name="csrf_token"' in done
    # the read-aloud buttons read words that are on the page
    for target in re.findall(r'data-read-target="#([\w-]+)"', tour):
        assert f'id="{target}"' in tour


# --- the tour again, as a page ------------------------------------------------------------------


def test_the_tour_can_be_opened_again_from_help_after_it_was_finished(client):
    person(client)
    finish_tour(client)
    assert 'href="/help/tour"' in client.get("/help").get_data(as_text=True)
    words = page_text(client.get("/help/tour"))
    for title in english(*(card.title for card in tours.TOURS[Role.PARTICIPANT])):
        assert title in words


def test_a_counsellor_can_show_the_participants_tour(client):
    person(client, Role.COUNSELLOR)
    assert "Your journal" in page_text(client.get("/help/tour?for=participant"))
    assert "Your groups" in page_text(client.get("/help/tour"))


def test_a_participant_always_sees_their_own_tour(client):
    person(client)
    words = page_text(client.get("/help/tour?for=counsellor"))
    assert "Your journal" in words and "Your groups" not in words


def test_an_administrator_can_read_the_counsellors_tour(client):
    person(client, Role.ADMIN)
    assert "Your groups" in page_text(client.get("/help/tour"))


# --- help pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "topic"),
    [
        (Role.PARTICIPANT, "What is private?"),
        (Role.MENTOR, "What do I see?"),
        (Role.COUNSELLOR, "The silence timer"),
        (Role.ADMIN, "Offices and counsellors"),
    ],
)
def test_help_answers_for_each_role(client, role, topic):
    person(client, role)
    response = client.get("/help")
    assert response.status_code == 200
    assert topic in page_text(response)


def test_the_me_page_links_to_help(client):
    person(client)
    assert 'href="/help"' in client.get("/me").get_data(as_text=True)


def test_help_links_only_to_pages_that_exist_for_the_role(client):
    person(client, Role.COUNSELLOR)
    html = client.get("/help").get_data(as_text=True)
    assert 'href="/help/guide"' in html
    for href in set(re.findall(r'href="(/[^"#?]*)', html)) - {"/static/icons.svg"}:
        if href.startswith("/static/"):
            continue
        assert client.get(href).status_code == 200, href


def test_only_counsellors_are_offered_the_guide(client):
    person(client)
    assert 'href="/help/guide"' not in client.get("/help").get_data(as_text=True)


def test_visitors_are_asked_to_log_in(client):
    for url in ("/help", "/help/tour", "/help/guide"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the counsellor's guide ----------------------------------------------------------------------


def test_the_guide_explains_the_principles_of_the_method(client):
    person(client, Role.COUNSELLOR)
    words = page_text(client.get("/help/guide"))
    for title in english(*(p.title for p in tours.PRINCIPLES)):
        assert title in words
    assert "silence timer" in words


@pytest.mark.parametrize("role", [Role.PARTICIPANT, Role.MENTOR, Role.ADMIN])
def test_the_guide_is_for_counsellors_only(client, role):
    person(client, role)
    assert client.get("/help/guide").status_code == 404


@pytest.fixture
def two_sessions(monkeypatch):
    """A programme of two sessions in place of whatever the plan room has written."""
    sessions = tuple(
        programmes.SessionTemplate(
            number=n,
            week=(n + 1) // 2,
            theme=f"Theme {n}",
            agenda=f"Agenda {n}",
            bring=f"Bring {n}",
            guide=f"Leader note {n}\nSecond line {n}",
        )
        for n in (1, 2)
    )
    monkeypatch.setitem(
        programmes.TEMPLATES, "oygarden", programmes.Template("oygarden", "Øygarden", sessions)
    )


def test_the_guide_shows_each_session_of_the_programme(client, two_sessions):
    person(client, Role.COUNSELLOR)
    words = page_text(client.get("/help/guide"))
    for n in (1, 2):
        for text in (f"Theme {n}", f"Agenda {n}", f"Bring {n}", f"Leader note {n}"):
            assert text in words
    assert "Week 1" in words
    assert "<li>Second line 1</li>" in client.get("/help/guide").get_data(as_text=True)


def test_the_guide_says_so_calmly_when_the_programme_is_not_there(client, monkeypatch):
    monkeypatch.delitem(programmes.TEMPLATES, "oygarden", raising=False)
    person(client, Role.COUNSELLOR)
    response = client.get("/help/guide")
    assert response.status_code == 200
    assert "The programme is not ready yet." in page_text(response)


def test_someone_to_talk_to_is_one_tap_away(client):
    person(client)
    html = client.get("/help").get_data(as_text=True)
    assert 'href="tel:116123"' in html and 'href="tel:113"' in html


def test_a_link_can_open_one_session_of_the_guide(client, two_sessions):
    person(client, Role.COUNSELLOR)
    html = client.get("/help/guide?session=2").get_data(as_text=True)
    opened = re.findall(r'<details class="card guide-session" id="session-(\d+)" open>', html)
    assert opened == ["2"]


def test_done_on_the_tour_page_also_ends_the_home_page_tour(client):
    me = person(client)
    html = client.get("/help/tour").get_data(as_text=True)
    form = re.search(r'<form[^>]*action="/help/tour/done".*?</form>', html, re.S).group(0)
    back_to = re.search(r'name="next" value="([^"]*)"', form).group(1)
    response = client.post_form("/help/tour/done", {"next": back_to})
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    assert seen_at(me.id) is not None
    assert TOUR_TITLE not in page_text(client.get("/"))
