"""The journal's pages: a mood in one tap, writing that keeps its words, goals from a suggestion,
ticking, ordering and pausing steps, looking back; and nobody else ever sees any of it."""

import re
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Entry, EntryRevision, Goal, Role, Step

import factories
from conftest import page_text


@pytest.fixture
def me(app, client):
    person = factories.user(username="ung1")
    factories.commit()
    client.login("ung1")
    return person


def client_id_in(response, action: str) -> str:
    """The client id the server put in the form that posts to `action`."""
    html = response.get_data(as_text=True)
    form = re.search(rf'<form[^>]*action="{re.escape(action)}".*?</form>', html, re.S).group(0)
    return re.search(r'name="client_id" value="([^"]+)"', form).group(1)


def make_goal(owner, title="Find out about a course", steps=()):
    goal = Goal(owner_id=owner.id, client_id=str(uuid.uuid4()), title=title, theme="school")
    db.session.add(goal)
    db.session.flush()
    for position, step_title in enumerate(steps):
        db.session.add(
            Step(
                owner_id=owner.id,
                goal_id=goal.id,
                client_id=str(uuid.uuid4()),
                title=step_title,
                position=position,
            )
        )
    db.session.commit()
    return goal


def step_titles(goal_id):
    db.session.expire_all()
    return [
        s.title
        for s in db.session.scalars(
            select(Step).where(Step.goal_id == goal_id).order_by(Step.position)
        )
    ]


def test_the_journal_page_has_one_tap_faces_a_private_badge_and_the_outbox_contract(client, me):
    response = client.get("/journal")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    text = page_text(response)
    for label in ("Very bad", "Bad", "Okay", "Good", "Very good"):
        assert label in text
    assert 'data-outbox="entry-create"' in html
    assert 'data-api="POST /api/v1/entries"' in html
    assert 'data-outbox-list="entries"' in html
    assert "data-outbox-status" in html
    assert '<button class="face-button mood-3" type="submit" name="mood" value="3">' in html
    assert "Only you" in text
    assert "Something I'm proud of" in text or "Something I&#39;m proud of" in html


def test_one_tap_on_a_face_writes_an_entry(client, me):
    page = client.get("/journal")
    cid = client_id_in(page, "/journal/entries")
    response = client.post_form("/journal/entries", {"client_id": cid, "mood": "4"})
    assert response.status_code == 302
    entry = db.session.scalar(select(Entry).where(Entry.owner_id == me.id))
    assert (entry.mood, entry.text, entry.client_id) == (4, "", cid)
    shown = page_text(client.get("/journal"))
    assert "Thanks for checking in" in shown
    assert "Good" in shown


def test_writing_keeps_the_words_when_something_is_wrong(client, me):
    long = "I went to the course meeting. " * 200  # over 5000 characters
    response = client.post_form(
        "/journal/entries", {"client_id": str(uuid.uuid4()), "text": long, "mood": ""}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert long.strip() in html
    assert "Write up to 5000 characters." in page_text(response)
    assert db.session.scalar(select(Entry).where(Entry.owner_id == me.id)) is None


def test_an_empty_entry_asks_for_a_face_or_words(client, me):
    response = client.post_form("/journal/entries", {"client_id": str(uuid.uuid4()), "text": " "})
    assert response.status_code == 400
    assert "Choose a face, write something or record a voice note." in page_text(response)


def test_the_same_client_id_twice_stores_one_entry(client, me):
    cid = str(uuid.uuid4())
    for _ in range(2):
        response = client.post_form("/journal/entries", {"client_id": cid, "text": "A good day"})
        assert response.status_code == 302
    rows = db.session.scalars(select(Entry).where(Entry.owner_id == me.id)).all()
    assert len(rows) == 1


def test_a_prompt_chip_fills_the_text_without_javascript(client, me):
    response = client.get("/journal?prompt=Something that went well")
    assert "Something that went well: </textarea>" in response.get_data(as_text=True)


def test_writing_with_a_goal_shows_the_goal_badge_and_older_entries_page(client, me):
    goal = make_goal(me)
    client.post_form(
        "/journal/entries",
        {"client_id": str(uuid.uuid4()), "text": "Looked it up", "goal_ref": str(goal.id)},
    )
    for n in range(21):
        client.post_form("/journal/entries", {"client_id": str(uuid.uuid4()), "text": f"n{n}"})
    page = client.get("/journal")
    html = page.get_data(as_text=True)
    assert "Show older" in page_text(page)
    older = re.search(r'href="(/journal\?before=[^"#]+)', html).group(1)
    text = page_text(client.get(older.replace("&amp;", "&")))
    assert "Looked it up" in text
    assert "Find out about a course" in text


def test_editing_an_entry_keeps_earlier_versions_and_can_bring_one_back(client, me):
    client.post_form("/journal/entries", {"client_id": str(uuid.uuid4()), "text": "First words"})
    entry = db.session.scalar(select(Entry).where(Entry.owner_id == me.id))
    page = client.get(f"/journal/entries/{entry.id}")
    assert page.status_code == 200
    assert f'data-api="PATCH /api/v1/entries/{entry.id}"' in page.get_data(as_text=True)
    stale = (entry.updated_at - timedelta(seconds=5)).isoformat()
    response = client.post_form(
        f"/journal/entries/{entry.id}",
        {"text": "Second words", "mood": "5", "goal_ref": "", "based_on": stale},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (entry.text, entry.mood) == ("Second words", 5)
    page = client.get(f"/journal/entries/{entry.id}")
    assert "Earlier versions" in page_text(page)
    revision = db.session.scalar(select(EntryRevision).where(EntryRevision.entry_id == entry.id))
    response = client.post_form(f"/journal/entries/{entry.id}/revisions/{revision.id}/restore")
    assert response.status_code == 302
    db.session.expire_all()
    assert entry.text == "First words"
    response = client.post_form(f"/journal/entries/{entry.id}/revisions/forget")
    assert response.status_code == 302
    assert (
        db.session.scalar(select(EntryRevision).where(EntryRevision.entry_id == entry.id)) is None
    )
    assert 'id="h-revisions"' not in client.get(f"/journal/entries/{entry.id}").get_data(
        as_text=True
    )


def test_deleting_an_entry(client, me):
    client.post_form("/journal/entries", {"client_id": str(uuid.uuid4()), "mood": "2"})
    entry = db.session.scalar(select(Entry).where(Entry.owner_id == me.id))
    assert "Yes, delete it" in page_text(client.get(f"/journal/entries/{entry.id}"))
    assert client.post_form(f"/journal/entries/{entry.id}/delete").status_code == 302
    assert db.session.scalar(select(Entry).where(Entry.owner_id == me.id)) is None


def test_creating_a_goal_from_a_suggestion(client, me):
    page = client.get("/journal/goals/new")
    assert "Apply for a summer job" in page_text(page)
    page = client.get("/journal/goals/new?suggestion=2")
    html = page.get_data(as_text=True)
    assert 'value="Apply for a summer job"' in html
    assert 'value="work" checked' in html
    cid = client_id_in(page, "/journal/goals")
    data = {"client_id": cid, "title": "Apply for a summer job", "why": "", "theme": "work"}
    data["target_date"] = ""
    for _ in range(2):  # a double tap stores one goal
        response = client.post_form("/journal/goals", data)
        assert response.status_code == 302
    goals = db.session.scalars(select(Goal).where(Goal.owner_id == me.id)).all()
    assert [(g.title, g.theme, g.client_id) for g in goals] == [
        ("Apply for a summer job", "work", cid)
    ]
    listing = page_text(client.get("/journal/goals"))
    assert "Apply for a summer job" in listing
    assert "No steps yet" in listing


def test_a_goal_without_a_title_keeps_what_was_written(client, me):
    response = client.post_form(
        "/journal/goals",
        {"client_id": str(uuid.uuid4()), "title": "", "why": "For my future", "theme": "school"},
    )
    assert response.status_code == 400
    assert "For my future" in response.get_data(as_text=True)
    assert "Give your goal a short name." in page_text(response)


def test_adding_and_ticking_a_step_celebrates(client, me):
    goal = make_goal(me)
    page = client.get(f"/journal/goals/{goal.id}")
    html = page.get_data(as_text=True)
    assert f'data-outbox-list="steps-{goal.id}"' in html
    assert f'data-api="POST /api/v1/goals/{goal.id}/steps"' in html
    cid = client_id_in(page, f"/journal/goals/{goal.id}/steps")
    response = client.post_form(
        f"/journal/goals/{goal.id}/steps", {"client_id": cid, "title": "Read the website"}
    )
    assert response.status_code == 302
    step = db.session.scalar(select(Step).where(Step.goal_id == goal.id))
    page = client.get(f"/journal/goals/{goal.id}")
    html = page.get_data(as_text=True)
    assert f'data-api="PATCH /api/v1/steps/{step.id}"' in html
    assert 'name="done" value="true"' in html
    assert "0 of 1 step done" in page_text(page)

    response = client.post_form(f"/journal/steps/{step.id}/toggle", {"done": "true"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    text = page_text(page)
    cheers = ("Well done", "Nice work", "You did it", "Step done")
    assert any(c in text for c in cheers), text
    assert "1 of 1 step done" in text
    assert "celebrate" in page.get_data(as_text=True)
    db.session.expire_all()
    assert step.done_at is not None

    client.post_form(f"/journal/steps/{step.id}/toggle", {"done": "false"})
    db.session.expire_all()
    assert step.done_at is None


def test_a_step_without_a_title_keeps_the_day(client, me):
    goal = make_goal(me)
    response = client.post_form(
        f"/journal/goals/{goal.id}/steps",
        {"client_id": str(uuid.uuid4()), "title": "", "day": "2026-12-01"},
    )
    assert response.status_code == 400
    assert 'value="2026-12-01"' in response.get_data(as_text=True)
    assert "Write a few words about the step." in page_text(response)


def test_moving_steps_up_and_down(client, me):
    goal = make_goal(me, steps=("One", "Two", "Three"))
    steps = db.session.scalars(
        select(Step).where(Step.goal_id == goal.id).order_by(Step.position)
    ).all()
    client.post_form(f"/journal/steps/{steps[2].id}/move", {"direction": "up"})
    assert step_titles(goal.id) == ["One", "Three", "Two"]
    client.post_form(f"/journal/steps/{steps[0].id}/move", {"direction": "down"})
    assert step_titles(goal.id) == ["Three", "One", "Two"]
    client.post_form(f"/journal/steps/{steps[2].id}/move", {"direction": "up"})  # already first
    assert step_titles(goal.id) == ["Three", "One", "Two"]
    page = page_text(client.get(f"/journal/goals/{goal.id}"))
    assert "Move up: One" in page
    assert "Move down: Three" in page
    client.post_form(f"/journal/steps/{steps[0].id}/delete")
    assert step_titles(goal.id) == ["Three", "Two"]


def test_pausing_resuming_reaching_and_archiving_a_goal(client, me):
    goal = make_goal(me)
    url = f"/journal/goals/{goal.id}"
    assert "Pause" in page_text(client.get(url))
    client.post_form(url + "/status", {"status": "paused"})
    db.session.expire_all()
    assert goal.status == "paused"
    text = page_text(client.get(url))
    assert "Resume" in text and "Paused" in text
    client.post_form(url + "/status", {"status": "active"})
    client.post_form(url + "/status", {"status": "done"})
    db.session.expire_all()
    assert goal.status == "done" and goal.completed_at is not None
    assert "You reached your goal" in page_text(client.get(url))
    client.post_form(url + "/status", {"status": "archived"})
    assert "Find out about a course" not in page_text(client.get("/journal/goals"))
    assert "Find out about a course" in page_text(client.get("/journal/goals?archived=1"))


def test_editing_and_deleting_a_goal(client, me):
    goal = make_goal(me)
    url = f"/journal/goals/{goal.id}"
    response = client.post_form(
        url, {"title": "Start a course", "why": "I like learning", "theme": "school"}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert (goal.title, goal.why) == ("Start a course", "I like learning")
    assert client.post_form(url + "/delete").status_code == 302
    assert db.session.scalar(select(Goal).where(Goal.owner_id == me.id)) is None


def test_look_back_shows_faces_and_counts(client, me):
    goal = make_goal(me, steps=("Call the school",))
    client.post_form("/journal/entries", {"client_id": str(uuid.uuid4()), "mood": "5"})
    step = db.session.scalar(select(Step).where(Step.goal_id == goal.id))
    client.post_form(f"/journal/steps/{step.id}/toggle", {"done": "true"})
    client.post_form(f"/journal/goals/{goal.id}/status", {"status": "done"})
    for view in ("week", "month"):
        response = client.get(f"/journal/look-back?view={view}")
        assert response.status_code == 200
        text = page_text(response)
        assert "Very good" in text
        assert "Mastery log" in text
        assert "1 day you showed up" in text
        assert "1 step done" in text
        assert "1 goal reached" in text
        assert "<table" not in response.get_data(as_text=True)
    last_year = (datetime.now(UTC) - timedelta(days=400)).date().isoformat()
    text = page_text(client.get(f"/journal/look-back?view=month&date={last_year}"))
    assert "0 days you showed up" in text
    assert "You can start again any day" in text
    assert client.get("/journal/look-back?view=year&date=nonsense").status_code == 200


def test_welcome_back_after_a_pause_and_days_this_month(client, me):
    old = datetime.now(UTC) - timedelta(days=6)
    db.session.add(
        Entry(owner_id=me.id, client_id=str(uuid.uuid4()), mood=3, created_at=old, updated_at=old)
    )
    db.session.commit()
    text = page_text(client.get("/journal"))
    assert "Welcome back" in text
    assert "streak" not in text.lower()
    client.post_form("/journal/entries", {"client_id": str(uuid.uuid4()), "mood": "4"})
    text = page_text(client.get("/journal"))
    assert "Welcome back" not in text
    assert re.search(r"You showed up on \d+ days? this month", text)


def test_another_participant_gets_404_on_every_page_of_someone_else(app, client, me, make_client):
    goal = make_goal(me, steps=("Mine",))
    step = db.session.scalar(select(Step).where(Step.goal_id == goal.id))
    client.post_form("/journal/entries", {"client_id": str(uuid.uuid4()), "text": "Secret"})
    client.post_form(
        f"/journal/entries/{db.session.scalar(select(Entry.id))}",
        {"text": "Secret 2", "based_on": "2000-01-01T00:00:00+00:00"},
    )
    entry = db.session.scalar(select(Entry).where(Entry.owner_id == me.id))
    revision = db.session.scalar(select(EntryRevision).where(EntryRevision.entry_id == entry.id))
    assert revision is not None
    factories.user(username="other1")
    factories.commit()
    other = make_client()
    other.login("other1")
    gets = [f"/journal/entries/{entry.id}", f"/journal/goals/{goal.id}"]
    posts = [
        (f"/journal/entries/{entry.id}", {"text": "hacked"}),
        (f"/journal/entries/{entry.id}/delete", {}),
        (f"/journal/entries/{entry.id}/revisions/{revision.id}/restore", {}),
        (f"/journal/entries/{entry.id}/voice/delete", {}),
        (f"/journal/goals/{goal.id}", {"title": "hacked"}),
        (f"/journal/goals/{goal.id}/status", {"status": "archived"}),
        (f"/journal/goals/{goal.id}/steps", {"client_id": str(uuid.uuid4()), "title": "x"}),
        (f"/journal/goals/{goal.id}/delete", {}),
        (f"/journal/steps/{step.id}/toggle", {"done": "true"}),
        (f"/journal/steps/{step.id}/move", {"direction": "down"}),
        (f"/journal/steps/{step.id}/delete", {}),
    ]
    for url in gets:
        assert other.get(url).status_code == 404, url
    for url, data in posts:
        assert other.post_form(url, data).status_code == 404, url
    for url in ("/journal", "/journal/goals", "/journal/look-back"):
        assert "Secret" not in page_text(other.get(url))
        assert "Find out about a course" not in page_text(other.get(url))
    # The other person's entry form cannot hang an entry on my goal either.
    response = other.post_form(
        "/journal/entries",
        {"client_id": str(uuid.uuid4()), "text": "x", "goal_ref": str(goal.id)},
    )
    assert response.status_code == 400
    db.session.expire_all()
    assert entry.text == "Secret 2" and goal.title == "Find out about a course"
    assert step.done_at is None


@pytest.mark.parametrize("role", [Role.COUNSELLOR, Role.MENTOR, Role.ADMIN])
def test_counsellors_mentors_and_admins_get_404_on_the_journal_pages(
    app, client, me, make_client, role
):
    goal = make_goal(me)
    client.post_form("/journal/entries", {"client_id": str(uuid.uuid4()), "mood": "1"})
    entry = db.session.scalar(select(Entry).where(Entry.owner_id == me.id))
    factories.user(role=role, username=f"staff-{role}")
    factories.commit()
    staff = make_client()
    staff.login(f"staff-{role}")
    for url in (
        "/journal",
        "/journal/goals",
        "/journal/goals/new",
        "/journal/look-back",
        f"/journal/entries/{entry.id}",
        f"/journal/goals/{goal.id}",
    ):
        assert staff.get(url).status_code == 404, url
    response = staff.post_form("/journal/entries", {"client_id": str(uuid.uuid4()), "mood": "3"})
    assert response.status_code == 404


def test_the_bottom_nav_leads_to_the_journal(client, me):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/journal"' in html
    html = client.get("/journal/goals").get_data(as_text=True)
    assert re.search(r'<a href="/journal" aria-current="page">', html)


def test_the_new_entry_shortcut_puts_the_cursor_in_the_write_box(client):
    factories.user(username="snarvei")
    factories.commit()
    client.login("snarvei")
    html = client.get("/journal?new=1").get_data(as_text=True)
    assert 'name="text" rows="5"' in html and " autofocus" in html
    assert " autofocus" not in client.get("/journal").get_data(as_text=True)


def test_a_step_can_be_renamed_and_given_a_day_and_mistakes_keep_the_input(client):
    owner = factories.user(username="stegeier")
    goal = Goal(owner_id=owner.id, client_id=str(uuid.uuid4()), title="Mål")
    db.session.add(goal)
    db.session.flush()
    step = Step(owner_id=owner.id, goal_id=goal.id, client_id=str(uuid.uuid4()), title="Gammel")
    db.session.add(step)
    factories.commit()
    client.login("stegeier")
    assert client.get(f"/journal/steps/{step.id}").status_code == 200
    bad = client.post_form(f"/journal/steps/{step.id}", {"title": "Ny tittel", "day": "i morgen"})
    assert bad.status_code == 400 and 'value="i morgen"' in bad.get_data(as_text=True)
    good = client.post_form(
        f"/journal/steps/{step.id}", {"title": "Ny tittel", "day": "2027-02-01"}
    )
    assert good.status_code == 302
    db.session.expire_all()
    changed = db.session.get(Step, step.id)
    assert changed.title == "Ny tittel" and changed.day.isoformat() == "2027-02-01"


def test_nobody_else_can_change_a_step(client):
    owner = factories.user(username="eier2")
    goal = Goal(owner_id=owner.id, client_id=str(uuid.uuid4()), title="Mål")
    db.session.add(goal)
    db.session.flush()
    step = Step(owner_id=owner.id, goal_id=goal.id, client_id=str(uuid.uuid4()), title="Mitt")
    db.session.add(step)
    factories.user(username="nysgjerrig")
    factories.commit()
    client.login("nysgjerrig")
    assert client.get(f"/journal/steps/{step.id}").status_code == 404
    assert client.post_form(f"/journal/steps/{step.id}", {"title": "Hacket"}).status_code == 404
