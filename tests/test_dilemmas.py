"""Dilemmas from the author's side: writing one (three solutions, anonymous by default, the same
client id twice is one dilemma), changing it only while it waits, deleting it, reading the
group's answers after the session, and the active choice that makes a goal and a step."""

import uuid

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Dilemma, Goal, GroupSession, SessionStatus, Step
from webapp.models.base import utcnow

import factories
from conftest import page_text


@pytest.fixture
def world(app):
    counsellor = factories.user(role="counsellor", username="kari")
    author = factories.user(username="ada", display_name="Ada Writer")
    peer = factories.user(username="per", display_name="Per Peer")
    group = factories.group(counsellor, (author, peer))
    factories.commit()
    return {"counsellor": counsellor, "author": author, "peer": peer, "group": group}


def new_body(**extra):
    return {
        "client_id": str(uuid.uuid4()),
        "problem": "I never get up in time",
        "solution_1": "Alarm across the room",
        "solution_2": "Bed before midnight",
        "solution_3": "Ask a friend to call",
        **extra,
    }


def shown_and_ended(dilemma):
    session = factories.session(dilemma_group(dilemma), live=True)
    dilemma.session_id, dilemma.shown_at = session.id, utcnow()
    session.status, session.join_code = SessionStatus.ENDED, None
    factories.commit()
    return session


def dilemma_group(dilemma):
    from webapp.models import Group

    return db.session.get(Group, dilemma.group_id)


# --- writing -----------------------------------------------------------------------------------


def test_a_dilemma_made_twice_with_one_client_id_is_one_dilemma(world, client):
    client.login("ada")
    body = new_body()
    first = client.send_json("POST", "/api/v1/dilemmas", body)
    again = client.send_json("POST", "/api/v1/dilemmas", body)
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()["id"] == again.get_json()["id"]
    assert db.session.scalar(select(func.count(Dilemma.id))) == 1


def test_a_new_dilemma_waits_and_is_anonymous_unless_the_author_says_otherwise(world, client):
    client.login("ada")
    made = client.send_json("POST", "/api/v1/dilemmas", new_body()).get_json()
    assert made["status"] == "waiting" and made["anonymous"] is True
    assert made["group_id"] == world["group"].id
    assert "author_id" not in made
    named = client.send_json("POST", "/api/v1/dilemmas", new_body(anonymous=False)).get_json()
    assert named["anonymous"] is False


@pytest.mark.parametrize("missing", ["solution_1", "solution_2", "solution_3"])
def test_every_one_of_the_three_solutions_is_needed(world, client, missing):
    client.login("ada")
    body = new_body(**{missing: "   "})
    response = client.send_json("POST", "/api/v1/dilemmas", body)
    assert response.status_code == 400
    assert missing in response.get_json()["error"]["fields"]
    assert db.session.scalar(select(func.count(Dilemma.id))) == 0


def test_the_problem_is_needed_too(world, client):
    client.login("ada")
    response = client.send_json("POST", "/api/v1/dilemmas", new_body(problem=""))
    assert response.get_json()["error"]["fields"]["problem"] == "Write what the problem is."


def test_only_a_participant_of_the_group_can_write_one_there(world, client):
    outsider = factories.user(username="ola")
    factories.group(None, (outsider,))
    factories.commit()
    client.login("ola")
    response = client.send_json("POST", "/api/v1/dilemmas", new_body(group_id=world["group"].id))
    assert response.status_code == 400 and "group_id" in response.get_json()["error"]["fields"]
    assert client.get(f"/groups/{world['group'].id}/dilemmas/new").status_code == 404


def test_the_form_works_without_javascript_and_keeps_what_was_typed(world, client):
    client.login("ada")
    url = f"/groups/{world['group'].id}/dilemmas/new"
    page = client.get(url)
    assert page.status_code == 200
    text = page_text(page)
    assert "The problem" in text and "Three solutions" in text and "Without my name" in text
    bad = client.post_form(
        url,
        {
            "client_id": str(uuid.uuid4()),
            "problem": "Money runs out",
            "solution_1": "A budget",
            "solution_2": "",
            "solution_3": "Ask for help",
            "anonymous": "1",
        },
    )
    assert bad.status_code == 400
    html = bad.get_data(as_text=True)
    assert "Money runs out" in html and "A budget" in html and "Ask for help" in html
    assert "Write a solution here. You need three." in html
    good = client.post_form(
        url,
        {
            "client_id": str(uuid.uuid4()),
            "problem": "Money runs out",
            "solution_1": "A budget",
            "solution_2": "Sell old things",
            "solution_3": "Ask for help",
            "anonymous": "0",
        },
    )
    assert good.status_code == 302
    made = db.session.scalar(select(Dilemma))
    assert made.anonymous is False and made.solution_2 == "Sell old things"
    done = client.get(good.headers["Location"])
    assert "It waits for the next session" in page_text(done)


def test_the_preview_button_shows_the_big_screen_without_saving(world, client):
    client.login("ada")
    response = client.post_form(
        f"/groups/{world['group'].id}/dilemmas/new",
        {"action": "preview", "problem": "Too shy", "solution_1": "Say hi", "anonymous": "1"},
    )
    assert response.status_code == 200
    text = page_text(response)
    assert "Too shy" in text and "From someone in the group" in text
    assert "Ada Writer" not in text.replace("From Ada Writer", "")
    assert db.session.scalar(select(func.count(Dilemma.id))) == 0


# --- changing and deleting ---------------------------------------------------------------------


def test_it_can_be_changed_only_while_it_waits(world, client):
    dilemma = factories.dilemma(world["author"], world["group"])
    factories.commit()
    client.login("ada")
    changed = client.send_json(
        "PATCH", f"/api/v1/dilemmas/{dilemma.id}", {"problem": "A new problem"}
    )
    assert changed.status_code == 200 and changed.get_json()["problem"] == "A new problem"
    emptied = client.send_json("PATCH", f"/api/v1/dilemmas/{dilemma.id}", {"solution_3": ""})
    assert emptied.status_code == 400
    shown_and_ended(dilemma)
    refused = client.send_json("PATCH", f"/api/v1/dilemmas/{dilemma.id}", {"problem": "Later"})
    assert refused.status_code == 409
    page = client.get(f"/dilemmas/{dilemma.id}/edit")
    assert page.status_code == 302
    form = client.post_form(f"/dilemmas/{dilemma.id}/edit", {"problem": "Later"})
    assert form.status_code == 302
    db.session.expire_all()
    assert db.session.get(Dilemma, dilemma.id).problem == "A new problem"


def test_the_edit_form_saves_while_it_waits(world, client):
    dilemma = factories.dilemma(world["author"], world["group"])
    factories.commit()
    client.login("ada")
    response = client.post_form(
        f"/dilemmas/{dilemma.id}/edit",
        {
            "problem": "Changed",
            "solution_1": "One",
            "solution_2": "Two",
            "solution_3": "Three",
            "anonymous": "1",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Dilemma, dilemma.id).solutions() == ["One", "Two", "Three"]


def test_deleting_the_dilemma_on_the_screen_takes_it_off_the_screen(world, client):
    session = factories.session(world["group"], live=True)
    dilemma = factories.dilemma(world["author"], world["group"], on=session)
    factories.response(world["peer"], dilemma)
    factories.commit()
    version = session.version
    client.login("ada")
    assert client.send_json("DELETE", f"/api/v1/dilemmas/{dilemma.id}").status_code == 204
    db.session.expire_all()
    session = db.session.get(GroupSession, session.id)
    assert session.current_dilemma_id is None and session.version > version
    assert db.session.scalar(select(func.count(Dilemma.id))) == 0


def test_the_delete_form_goes_back_to_my_dilemmas(world, client):
    dilemma = factories.dilemma(world["author"], world["group"])
    factories.commit()
    client.login("ada")
    response = client.post_form(f"/dilemmas/{dilemma.id}/delete")
    assert response.status_code == 302 and response.headers["Location"].endswith("/me/dilemmas")


# --- who sees what -----------------------------------------------------------------------------


def test_only_the_author_has_the_dilemma_pages_and_api(world, make_client):
    dilemma = factories.dilemma(world["author"], world["group"])
    factories.commit()
    for who in ("per", "kari"):
        other = make_client()
        other.login(who)
        assert other.get(f"/dilemmas/{dilemma.id}").status_code == 404
        assert other.get(f"/api/v1/dilemmas/{dilemma.id}").status_code == 404
    peer = make_client()
    peer.login("per")
    assert peer.send_json("DELETE", f"/api/v1/dilemmas/{dilemma.id}").status_code == 404
    assert peer.get("/api/v1/dilemmas").get_json() == []


def test_after_the_session_the_author_reads_the_answers_with_names_only_where_given(world, client):
    dilemma = factories.dilemma(world["author"], world["group"])
    factories.response(world["peer"], dilemma, "Try the alarm", anonymous=True)
    factories.response(world["peer"], dilemma, "I did that too", anonymous=False)
    factories.response(world["peer"], dilemma, "", kind="choice", choice=2)
    factories.response(world["peer"], dilemma, "Not kind", anonymous=False, hidden_at=utcnow())
    shown_and_ended(dilemma)
    client.login("ada")
    text = page_text(client.get(f"/dilemmas/{dilemma.id}"))
    assert "Try the alarm" in text and "I did that too" in text
    assert "Not kind" not in text
    assert text.count("Per Peer") == 1
    assert "1 would choose this" in text and "Would choose 2" in text
    answers = client.get(f"/api/v1/dilemmas/{dilemma.id}").get_json()["responses"]
    assert [a["author"] for a in answers] == [None, "Per Peer", None]
    assert all("author_id" not in a for a in answers)


def test_my_dilemmas_lists_mine_only(world, client):
    factories.dilemma(world["author"], world["group"], problem="Mine, waiting")
    factories.dilemma(world["peer"], world["group"], problem="Not mine")
    factories.commit()
    client.login("ada")
    text = page_text(client.get("/me/dilemmas"))
    assert "Mine, waiting" in text and "Not mine" not in text
    assert "Write a dilemma" in text


def test_the_journal_links_to_my_dilemmas(world, client):
    client.login("ada")
    assert 'href="/me/dilemmas"' in client.get("/journal").get_data(as_text=True)


# --- the active choice -------------------------------------------------------------------------


def test_choosing_a_solution_makes_a_goal_and_a_first_step_in_two_taps(world, client):
    dilemma = factories.dilemma(world["author"], world["group"])
    shown_and_ended(dilemma)
    client.login("ada")
    confirm = client.post_form(f"/dilemmas/{dilemma.id}/choose", {"solution": "2"})
    assert confirm.status_code == 200
    html = confirm.get_data(as_text=True)
    assert 'value="Ask what the interview will be like"' in html
    assert 'value="Choose a day to start"' in html
    made = client.post_form(
        f"/dilemmas/{dilemma.id}/goal",
        {"solution": "2", "title": "Ask what the interview will be like", "step": "Email them"},
    )
    assert made.status_code == 302
    goal = db.session.scalar(select(Goal))
    assert made.headers["Location"].endswith(f"/journal/goals/{goal.id}")
    assert goal.owner_id == world["author"].id
    assert goal.title == "Ask what the interview will be like"
    assert [s.title for s in db.session.scalars(select(Step))] == ["Email them"]
    db.session.expire_all()
    dilemma = db.session.get(Dilemma, dilemma.id)
    assert dilemma.chosen_solution == 2 and dilemma.goal_id == goal.id
    assert dilemma.chosen_at is not None
    # A second tap (or the back button) makes no second goal.
    client.post_form(f"/dilemmas/{dilemma.id}/goal", {"solution": "2", "title": "Again"})
    assert db.session.scalar(select(func.count(Goal.id))) == 1


def test_the_choice_through_the_api_is_once_per_dilemma(world, client):
    dilemma = factories.dilemma(world["author"], world["group"])
    shown_and_ended(dilemma)
    client.login("ada")
    first = client.send_json("POST", f"/api/v1/dilemmas/{dilemma.id}/choice", {"solution": 3})
    again = client.send_json("POST", f"/api/v1/dilemmas/{dilemma.id}/choice", {"solution": 3})
    assert first.status_code == 201 and again.status_code == 200
    assert first.get_json()["goal_id"] == again.get_json()["goal_id"]
    goal = db.session.get(Goal, first.get_json()["goal_id"])
    assert goal.title == "Go for a walk before"
    assert [s.title for s in goal.steps] == ["Choose a day to start"]
    assert first.get_json()["dilemma"]["chosen_solution"] == 3


def test_the_choice_comes_after_the_group_has_talked_about_it(world, client):
    dilemma = factories.dilemma(world["author"], world["group"])
    factories.commit()
    client.login("ada")
    response = client.send_json("POST", f"/api/v1/dilemmas/{dilemma.id}/choice", {"solution": 1})
    assert response.status_code == 409
    assert (
        client.send_json(
            "POST", f"/api/v1/dilemmas/{dilemma.id}/choice", {"solution": 4}
        ).status_code
        == 400
    )
    assert db.session.scalar(select(func.count(Goal.id))) == 0


def test_an_empty_goal_name_is_asked_for_kindly(world, client):
    dilemma = factories.dilemma(world["author"], world["group"])
    shown_and_ended(dilemma)
    client.login("ada")
    response = client.post_form(
        f"/dilemmas/{dilemma.id}/goal", {"solution": "1", "title": " ", "step": "Keep this"}
    )
    assert response.status_code == 400
    assert "Write a name for your goal." in page_text(response)
    assert 'value="Keep this"' in response.get_data(as_text=True)
