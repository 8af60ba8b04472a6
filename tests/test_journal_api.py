"""The journal API: private to its owner, idempotent by client id, and never losing a word."""

import uuid
from datetime import timedelta
from io import BytesIO

import pytest
from sqlalchemy import event, func, select

from webapp.extensions import db
from webapp.models import Entry, EntryRevision, Role, VoiceNote
from webapp.models.base import utcnow

import factories

WEBM = b"\x1a\x45\xdf\xa3" + b"\x00" * 200


def new_id() -> str:
    return str(uuid.uuid4())


@pytest.fixture
def kari(client):
    factories.user(username="kari")
    factories.commit()
    client.login("kari")
    return client


@pytest.fixture
def voice_dir(app, tmp_path):
    app.config["VOICE_DIR"] = str(tmp_path / "voice")
    return tmp_path / "voice"


def post_entry(client, **fields):
    return client.send_json("POST", "/api/v1/entries", {"client_id": new_id(), **fields})


def test_an_entry_needs_a_mood_text_or_voice(kari):
    response = post_entry(kari)
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"]["form"].startswith("Choose a face")


def test_a_mood_alone_is_an_entry(kari):
    response = post_entry(kari, mood=4)
    assert response.status_code == 201
    assert response.get_json()["mood"] == 4


def test_mood_must_be_one_of_five_faces(kari):
    response = post_entry(kari, mood=6)
    assert response.status_code == 400
    assert "five faces" in response.get_json()["error"]["fields"]["mood"]


def test_posting_the_same_client_id_twice_stores_one_entry(kari):
    client_id = new_id()
    first = kari.send_json("POST", "/api/v1/entries", {"client_id": client_id, "text": "Hei"})
    again = kari.send_json("POST", "/api/v1/entries", {"client_id": client_id, "text": "Hei"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert db.session.scalar(select(func.count()).select_from(Entry)) == 1


def test_two_people_may_use_the_same_client_id(kari, make_client):
    factories.user(username="ola")
    factories.commit()
    ola = make_client()
    ola.login("ola")
    client_id = new_id()
    assert (
        kari.send_json("POST", "/api/v1/entries", {"client_id": client_id, "mood": 3}).status_code
        == 201
    )
    assert (
        ola.send_json("POST", "/api/v1/entries", {"client_id": client_id, "mood": 3}).status_code
        == 201
    )


def test_entries_list_newest_first_with_a_cursor(kari):
    start = utcnow() - timedelta(days=3)
    for n in range(5):
        post_entry(kari, text=f"entry {n}", written_at=(start + timedelta(hours=n)).isoformat())
    first = kari.get("/api/v1/entries?limit=2").get_json()
    assert [e["text"] for e in first["items"]] == ["entry 4", "entry 3"]
    second = kari.get(f"/api/v1/entries?limit=2&cursor={first['next_cursor']}").get_json()
    assert [e["text"] for e in second["items"]] == ["entry 2", "entry 1"]
    last = kari.get(f"/api/v1/entries?limit=2&cursor={second['next_cursor']}").get_json()
    assert [e["text"] for e in last["items"]] == ["entry 0"] and last["next_cursor"] is None


def test_a_broken_cursor_is_a_clear_400(kari):
    response = kari.get("/api/v1/entries?cursor=nonsense")
    assert response.status_code == 400 and "cursor" in response.get_json()["error"]["fields"]


def test_an_entry_written_offline_can_point_at_a_goal_made_offline(kari):
    goal_client_id = new_id()
    kari.send_json("POST", "/api/v1/goals", {"client_id": goal_client_id, "title": "Sove"})
    entry = post_entry(kari, text="Sovnet tidlig", goal_ref=goal_client_id).get_json()
    goal = kari.get(f"/api/v1/goals/{goal_client_id}").get_json()
    assert entry["goal_id"] == goal["id"]


def test_the_newer_edit_wins_and_the_older_text_is_kept_as_a_revision(kari):
    entry = post_entry(kari, text="original").get_json()
    created = entry["updated_at"]
    phone = (utcnow() - timedelta(seconds=1)).isoformat()
    later = utcnow().isoformat()
    kari.send_json(
        "PATCH",
        f"/api/v1/entries/{entry['id']}",
        {"text": "from the laptop", "edited_at": later, "based_on": created},
    )
    kari.send_json(
        "PATCH",
        f"/api/v1/entries/{entry['id']}",
        {"text": "from the phone, offline", "edited_at": phone, "based_on": created},
    )
    current = kari.get(f"/api/v1/entries/{entry['id']}").get_json()
    assert current["text"] == "from the laptop"
    revisions = kari.get(f"/api/v1/entries/{entry['id']}/revisions").get_json()
    assert [r["text"] for r in revisions] == ["from the phone, offline"]


def test_a_conflicting_newer_edit_keeps_the_replaced_text(kari):
    entry = post_entry(kari, text="original").get_json()
    created = entry["updated_at"]
    kari.send_json("PATCH", f"/api/v1/entries/{entry['id']}", {"text": "first edit"})
    kari.send_json(
        "PATCH", f"/api/v1/entries/{entry['id']}", {"text": "offline edit", "based_on": created}
    )
    assert kari.get(f"/api/v1/entries/{entry['id']}").get_json()["text"] == "offline edit"
    revisions = kari.get(f"/api/v1/entries/{entry['id']}/revisions").get_json()
    assert "first edit" in [r["text"] for r in revisions]


def test_a_revision_can_be_brought_back(kari):
    entry = post_entry(kari, text="keep me").get_json()
    created = entry["updated_at"]
    kari.send_json("PATCH", f"/api/v1/entries/{entry['id']}", {"text": "newer"})
    kari.send_json(
        "PATCH", f"/api/v1/entries/{entry['id']}", {"text": "newest", "based_on": created}
    )
    revision = kari.get(f"/api/v1/entries/{entry['id']}/revisions").get_json()[0]
    restored = kari.send_json(
        "POST", f"/api/v1/entries/{entry['id']}/revisions/{revision['id']}/restore"
    ).get_json()
    assert restored["text"] == revision["text"]
    texts = [r["text"] for r in kari.get(f"/api/v1/entries/{entry['id']}/revisions").get_json()]
    assert "newest" in texts


def test_the_owner_can_delete_the_earlier_versions_and_keep_the_entry(kari):
    entry = post_entry(kari, text="first").get_json()
    kari.send_json("PATCH", f"/api/v1/entries/{entry['id']}", {"text": "second"})
    kari.send_json(
        "PATCH",
        f"/api/v1/entries/{entry['id']}",
        {"text": "third", "based_on": entry["updated_at"]},
    )
    assert kari.get(f"/api/v1/entries/{entry['id']}/revisions").get_json() != []
    response = kari.send_json("DELETE", f"/api/v1/entries/{entry['id']}/revisions")
    assert response.status_code == 204
    assert kari.get(f"/api/v1/entries/{entry['id']}/revisions").get_json() == []
    assert kari.get(f"/api/v1/entries/{entry['id']}").get_json()["text"] == "third"


def test_goals_and_steps_are_idempotent_and_steps_can_be_ticked_and_reordered(kari):
    goal_id = new_id()
    goal = kari.send_json(
        "POST", "/api/v1/goals", {"client_id": goal_id, "title": "Finne kurs", "theme": "school"}
    )
    assert goal.status_code == 201
    assert (
        kari.send_json(
            "POST", "/api/v1/goals", {"client_id": goal_id, "title": "Finne kurs"}
        ).status_code
        == 200
    )
    steps = []
    for title in ("Google", "Ringe", "Søke"):
        step = kari.send_json(
            "POST", f"/api/v1/goals/{goal_id}/steps", {"client_id": new_id(), "title": title}
        )
        steps.append(step.get_json())
    ticked = kari.send_json("PATCH", f"/api/v1/steps/{steps[1]['client_id']}", {"done": True})
    assert ticked.get_json()["done"] is True
    order = [steps[2]["id"], steps[0]["id"], steps[1]["id"]]
    reordered = kari.send_json(
        "POST", f"/api/v1/goals/{goal_id}/steps/order", {"order": [str(i) for i in order]}
    ).get_json()
    assert [s["id"] for s in reordered] == order
    done = kari.send_json("PATCH", f"/api/v1/goals/{goal_id}", {"status": "done"}).get_json()
    assert done["status"] == "done" and done["completed_at"]


def test_a_goal_needs_a_title_and_a_known_theme(kari):
    response = kari.send_json(
        "POST", "/api/v1/goals", {"client_id": new_id(), "title": "", "theme": "space"}
    )
    fields = response.get_json()["error"]["fields"]
    assert response.status_code == 400 and "title" in fields and "theme" in fields


def test_a_voice_note_is_stored_outside_the_web_root_and_served_only_to_its_owner(
    kari, make_client, voice_dir
):
    response = kari.post(
        "/api/v1/entries",
        data={
            "client_id": new_id(),
            "duration_ms": "5000",
            "audio": (BytesIO(WEBM), "note.webm", "audio/webm"),
        },
        headers={"X-CSRF-Token": kari.csrf_token()},
    )
    assert response.status_code == 201, response.get_json()
    entry = response.get_json()
    assert entry["voice"]["mime"] == "audio/webm"
    files = list(voice_dir.iterdir())
    assert len(files) == 1 and "note" not in files[0].name
    audio = kari.get(entry["voice"]["url"])
    assert audio.status_code == 200 and audio.data == WEBM
    assert audio.headers["X-Content-Type-Options"] == "nosniff"
    assert audio.headers["Content-Disposition"].startswith("inline;")
    factories.user(username="ola")
    factories.commit()
    ola = make_client()
    ola.login("ola")
    assert ola.get(entry["voice"]["url"]).status_code == 404
    kari.send_json("DELETE", f"/api/v1/entries/{entry['id']}")
    assert list(voice_dir.iterdir()) == []
    assert db.session.scalar(select(func.count()).select_from(VoiceNote)) == 0


def test_a_file_that_is_not_audio_is_refused(kari, voice_dir):
    response = kari.post(
        "/api/v1/entries",
        data={"client_id": new_id(), "audio": (BytesIO(b"<html>not audio"), "x.webm")},
        headers={"X-CSRF-Token": kari.csrf_token()},
    )
    assert response.status_code == 400
    assert "audio" in response.get_json()["error"]["fields"]
    assert not voice_dir.exists() or list(voice_dir.iterdir()) == []


def test_a_too_long_voice_note_is_refused_with_413(app, kari, voice_dir):
    app.config["VOICE_MAX_BYTES"] = 100
    entry = post_entry(kari, mood=3).get_json()
    response = kari.put(
        f"/api/v1/entries/{entry['id']}/voice",
        data={"audio": (BytesIO(WEBM), "note.webm")},
        headers={"X-CSRF-Token": kari.csrf_token()},
    )
    assert response.status_code == 413
    assert "3 minutes" in response.get_json()["error"]["message"]


def test_nobody_else_can_read_or_change_a_journal(kari, make_client):
    goal_client_id = new_id()
    goal = kari.send_json(
        "POST", "/api/v1/goals", {"client_id": goal_client_id, "title": "Mitt mål"}
    ).get_json()
    step = kari.send_json(
        "POST", f"/api/v1/goals/{goal['id']}/steps", {"client_id": new_id(), "title": "Steg"}
    ).get_json()
    entry = post_entry(kari, text="privat").get_json()
    for role in (Role.PARTICIPANT, Role.MENTOR, Role.COUNSELLOR, Role.ADMIN):
        factories.user(role=role, username=f"other-{role}")
        factories.commit()
        other = make_client()
        other.login(f"other-{role}")
        for method, url in [
            ("GET", f"/api/v1/goals/{goal['id']}"),
            ("GET", f"/api/v1/goals/{goal_client_id}"),
            ("PATCH", f"/api/v1/goals/{goal['id']}"),
            ("DELETE", f"/api/v1/goals/{goal['id']}"),
            ("GET", f"/api/v1/goals/{goal['id']}/steps"),
            ("POST", f"/api/v1/goals/{goal['id']}/steps"),
            ("PATCH", f"/api/v1/steps/{step['id']}"),
            ("DELETE", f"/api/v1/steps/{step['id']}"),
            ("GET", f"/api/v1/entries/{entry['id']}"),
            ("GET", f"/api/v1/entries/{entry['client_id']}"),
            ("PATCH", f"/api/v1/entries/{entry['id']}"),
            ("DELETE", f"/api/v1/entries/{entry['id']}"),
            ("GET", f"/api/v1/entries/{entry['id']}/revisions"),
        ]:
            response = other.send_json(method, url, {"title": "x", "client_id": new_id()})
            assert response.status_code == 404, (role, method, url, response.status_code)
        listed = other.get("/api/v1/entries")
        assert listed.status_code == 404 or listed.get_json()["items"] == []
    assert kari.get(f"/api/v1/entries/{entry['id']}").get_json()["text"] == "privat"


def count_queries(fn) -> int:
    statements = []

    def record(*_args):
        statements.append(1)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(statements)


def test_listing_twenty_entries_costs_the_same_queries_as_listing_two(kari):
    goal = kari.send_json("POST", "/api/v1/goals", {"client_id": new_id(), "title": "G"})
    for n in range(20):
        post_entry(kari, text=f"e{n}", goal_ref=str(goal.get_json()["id"]))
    two = count_queries(lambda: kari.get("/api/v1/entries?limit=2"))
    twenty = count_queries(lambda: kari.get("/api/v1/entries?limit=20"))
    assert twenty == two


def test_revisions_are_removed_with_their_entry(kari):
    entry = post_entry(kari, text="a").get_json()
    kari.send_json(
        "PATCH",
        f"/api/v1/entries/{entry['id']}",
        {"text": "b", "edited_at": (utcnow() - timedelta(days=1)).isoformat()},
    )
    assert db.session.scalar(select(func.count()).select_from(EntryRevision)) == 1
    kari.send_json("DELETE", f"/api/v1/entries/{entry['id']}")
    assert db.session.scalar(select(func.count()).select_from(EntryRevision)) == 0


def test_a_title_of_only_spaces_is_refused(kari):
    goal = kari.send_json("POST", "/api/v1/goals", {"client_id": new_id(), "title": "   "})
    assert goal.status_code == 400 and "title" in goal.get_json()["error"]["fields"]
    made = kari.send_json("POST", "/api/v1/goals", {"client_id": new_id(), "title": "Mål"})
    step = kari.send_json(
        "POST",
        f"/api/v1/goals/{made.get_json()['id']}/steps",
        {"client_id": new_id(), "title": " "},
    )
    assert step.status_code == 400


def test_the_list_says_of_each_entry_what_the_entry_itself_says(kari, voice_dir):
    goal = kari.send_json("POST", "/api/v1/goals", {"client_id": new_id(), "title": "G"})
    post_entry(kari, text="with a goal", mood=2, goal_ref=str(goal.get_json()["id"]))
    post_entry(kari, text="æøå \u2728 with text only")
    voiced = kari.post(
        "/api/v1/entries",
        data={
            "client_id": new_id(),
            "duration_ms": "5000",
            "audio": (BytesIO(WEBM), "note.webm", "audio/webm"),
        },
        headers={"X-CSRF-Token": kari.csrf_token()},
    )
    assert voiced.status_code == 201
    items = kari.get("/api/v1/entries").get_json()["items"]
    assert len(items) == 3 and any(item["voice"] for item in items)
    for item in items:
        assert item == kari.get(f"/api/v1/entries/{item['id']}").get_json()
