"""The live session's service and JSON API: the poll (ETag, 304, a version that grows), who sees
what (phones, the counsellor, the big screen), anonymity in the JSON, idempotent responses, and
strength-word rounds whose words land in the person's strength words."""

import json
import uuid

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import (
    Attendance,
    DilemmaResponse,
    GroupSession,
    Notification,
    Role,
    SessionStatus,
    StrengthWord,
)
from webapp.services import live

import factories


@pytest.fixture
def room(app):
    """A live session: a counsellor, two participants in the group, and an outsider."""
    counsellor = factories.user(Role.COUNSELLOR, display_name="Kari Counsellor")
    amira = factories.user(username="amira", display_name="Amira Unique")
    jonas = factories.user(username="jonas", display_name="Jonas Peer")
    outsider = factories.user(username="outsider", display_name="Olav Outside")
    group = factories.group(counsellor, (amira, jonas))
    factories.group(factories.user(Role.COUNSELLOR), (outsider,))
    session = factories.session(group, live=True)
    factories.commit()
    return {
        "counsellor": counsellor,
        "amira": amira,
        "jonas": jonas,
        "outsider": outsider,
        "group": group,
        "session": session,
    }


def client_of(make_client, user):
    client = make_client()
    client.login(user.username)
    return client


def state_url(session, screen=False):
    return f"/api/v1/sessions/{session.id}/live" + ("?view=screen" if screen else "")


def show_dilemma(room, author="amira", **extra):
    dilemma = factories.dilemma(room[author], room["group"], on=room["session"], **extra)
    live.touch(room["session"].id)
    factories.commit()
    return dilemma


def post_response(client, dilemma, text="Try it once", **extra):
    body = {"client_id": str(uuid.uuid4()), "kind": "thought", "text": text, **extra}
    return client.send_json("POST", f"/api/v1/dilemmas/{dilemma.id}/responses", body)


def version_of(session_id):
    db.session.expire_all()
    return db.session.get(GroupSession, session_id).version


# --- the poll ------------------------------------------------------------------------------------


def test_the_poll_answers_the_documented_shape_with_an_etag(room, make_client):
    show_dilemma(room)
    phone = client_of(make_client, room["jonas"])
    response = phone.get(state_url(room["session"]))
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {
        "session_id",
        "version",
        "status",
        "server_time",
        "attendance",
        "timer",
        "dilemma",
        "round",
    }
    assert body["status"] == "live" and body["timer"] is None and body["round"] is None
    assert body["dilemma"]["solutions"] == [
        "Practise with a friend",
        "Ask what the interview will be like",
        "Go for a walk before",
    ]
    assert response.headers["ETag"] == f'W/"{room["session"].id}.{body["version"]}.phone"'
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_an_unchanged_session_answers_304_and_a_change_gives_a_new_etag(room, make_client):
    dilemma = show_dilemma(room)
    phone = client_of(make_client, room["jonas"])
    first = phone.get(state_url(room["session"]))
    tag = first.headers["ETag"]
    again = phone.get(state_url(room["session"]), headers={"If-None-Match": tag})
    assert again.status_code == 304 and again.get_data() == b""
    assert again.headers["ETag"] == tag
    post_response(client_of(make_client, room["amira"]), dilemma)
    changed = phone.get(state_url(room["session"]), headers={"If-None-Match": tag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != tag
    assert changed.get_json()["version"] > first.get_json()["version"]
    assert [r["text"] for r in changed.get_json()["dilemma"]["responses"]] == ["Try it once"]


def test_the_304_path_is_one_small_query_after_the_login(room, make_client):
    phone = client_of(make_client, room["jonas"])
    tag = phone.get(state_url(room["session"])).headers["ETag"]
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    from sqlalchemy import event

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        response = phone.get(state_url(room["session"]), headers={"If-None-Match": tag})
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert response.status_code == 304
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2, statements  # the login, then version + membership
    assert "group_sessions" in reads[1] and "memberships" in reads[1]


def test_the_pages_poll_only_the_head_and_it_costs_no_query_beyond_the_probe(room, make_client):
    dilemma = show_dilemma(room)
    phone = client_of(make_client, room["jonas"])
    url = state_url(room["session"]) + "?head=1"
    first = phone.get(url)
    body = first.get_json()
    assert set(body) == {
        "session_id",
        "version",
        "status",
        "server_time",
        "timer",
        "dilemma",
        "round",
    }
    assert body["dilemma"] == {"id": dilemma.id} and body["status"] == "live"
    assert first.headers["ETag"].endswith('.phone-head"')
    statements = []

    def count(_conn, _cursor, statement, *_args):
        statements.append(statement)

    from sqlalchemy import event

    post_response(client_of(make_client, room["amira"]), dilemma)
    event.listen(db.engine, "before_cursor_execute", count)
    try:
        changed = phone.get(url, headers={"If-None-Match": first.headers["ETag"]})
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert changed.status_code == 200 and changed.get_json()["version"] > body["version"]
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) == 2, statements  # the login, then the probe: nothing about the posts
    assert "dilemma_responses" not in " ".join(statements)


def test_every_change_anyone_sees_grows_the_version(room, make_client):
    session = room["session"]
    counsellor = client_of(make_client, room["counsellor"])
    waiting = factories.dilemma(room["amira"], room["group"])
    factories.commit()
    seen = [version_of(session.id)]

    def act(**body):
        response = counsellor.send_json("POST", f"/api/v1/sessions/{session.id}/actions", body)
        assert response.status_code == 200, response.get_json()
        seen.append(version_of(session.id))

    act(action="show", dilemma_id=waiting.id)
    act(action="reveal")
    act(action="timer", seconds=60)
    act(action="timer", seconds=0)
    act(action="start_round", subject_id=room["amira"].id)
    act(action="end_round")
    act(action="hide_dilemma", dilemma_id=waiting.id, reason="Names a person")
    act(action="unhide_dilemma", dilemma_id=waiting.id)
    act(action="clear")
    assert seen == sorted(set(seen)), seen


def test_other_people_get_404_from_the_poll(room, make_client):
    for who in ("outsider",):
        response = client_of(make_client, room[who]).get(state_url(room["session"]))
        assert response.status_code == 404
    mentor = factories.user(Role.MENTOR)
    admin = factories.user(Role.ADMIN)
    factories.commit()
    for person in (mentor, admin):
        assert client_of(make_client, person).get(state_url(room["session"])).status_code == 404
    assert make_client().get(state_url(room["session"])).status_code == 401


def test_the_screen_view_is_for_the_groups_counsellors_only(room, make_client):
    show_dilemma(room)
    for who in ("amira", "jonas", "outsider"):
        response = client_of(make_client, room[who]).get(state_url(room["session"], screen=True))
        assert response.status_code == 404, who
    other = factories.user(Role.COUNSELLOR)
    factories.commit()
    assert client_of(make_client, other).get(state_url(room["session"], True)).status_code == 404
    screen = client_of(make_client, room["counsellor"]).get(state_url(room["session"], True))
    assert screen.status_code == 200
    assert screen.headers["ETag"].endswith('.screen"')


# --- what each one sees --------------------------------------------------------------------------


def test_phones_see_responses_as_they_come_and_the_screen_only_once_revealed(room, make_client):
    dilemma = show_dilemma(room)
    post_response(client_of(make_client, room["jonas"]), dilemma, "Ask a friend first")
    author = client_of(make_client, room["amira"]).get(state_url(room["session"])).get_json()
    assert [r["text"] for r in author["dilemma"]["responses"]] == ["Ask a friend first"]
    counsellor = client_of(make_client, room["counsellor"])
    screen = counsellor.get(state_url(room["session"], True)).get_json()["dilemma"]
    assert screen["responses"] == [] and screen["response_count"] == 1
    assert screen["revealed"] is False
    counsellor.send_json(
        "POST", f"/api/v1/sessions/{room['session'].id}/actions", {"action": "reveal"}
    )
    screen = counsellor.get(state_url(room["session"], True)).get_json()["dilemma"]
    assert [r["text"] for r in screen["responses"]] == ["Ask a friend first"]


def test_hidden_things_never_reach_the_screen_and_only_the_author_and_counsellor_see_them(
    room, make_client
):
    dilemma = show_dilemma(room)
    jonas = client_of(make_client, room["jonas"])
    rude = post_response(jonas, dilemma, "Something rude").get_json()
    counsellor = client_of(make_client, room["counsellor"])
    actions = f"/api/v1/sessions/{room['session'].id}/actions"
    counsellor.send_json("POST", actions, {"action": "reveal"})
    response = counsellor.send_json(
        "POST", actions, {"action": "hide_response", "response_id": rude["id"], "reason": "Rude"}
    )
    assert response.status_code == 200
    screen = counsellor.get(state_url(room["session"], True)).get_json()["dilemma"]
    assert screen["responses"] == [] and screen["response_count"] == 0
    control = counsellor.get(state_url(room["session"])).get_json()["dilemma"]
    assert control["responses"][0]["hidden"] is True
    own = jonas.get(state_url(room["session"])).get_json()["dilemma"]["responses"]
    assert own[0]["hidden"] is True and own[0]["mine"] is True
    author = client_of(make_client, room["amira"]).get(state_url(room["session"])).get_json()
    assert author["dilemma"]["responses"] == []
    counsellor.send_json("POST", actions, {"action": "hide_dilemma", "dilemma_id": dilemma.id})
    assert counsellor.get(state_url(room["session"], True)).get_json()["dilemma"] is None
    assert jonas.get(state_url(room["session"])).get_json()["dilemma"] is None
    assert counsellor.get(state_url(room["session"])).get_json()["dilemma"]["hidden"] is True


def test_anonymous_posts_carry_no_author_in_any_json(room, make_client):
    dilemma = show_dilemma(room)
    post_response(client_of(make_client, room["jonas"]), dilemma, "Anonymous thought")
    post_response(client_of(make_client, room["jonas"]), dilemma, "Named thought", anonymous=False)
    counsellor = client_of(make_client, room["counsellor"])
    counsellor.send_json(
        "POST", f"/api/v1/sessions/{room['session'].id}/actions", {"action": "reveal"}
    )
    bodies = {
        "counsellor": counsellor.get(state_url(room["session"])).get_data(as_text=True),
        "screen": counsellor.get(state_url(room["session"], True)).get_data(as_text=True),
        "jonas": client_of(make_client, room["jonas"])
        .get(state_url(room["session"]))
        .get_data(as_text=True),
    }
    for who, text in bodies.items():
        assert "Amira Unique" not in text and "amira" not in text, who
        assert f'"{room["amira"].id}"' not in text and "author_id" not in text, who
        responses = json.loads(text)["dilemma"]["responses"]
        assert [r["author"] for r in responses] == [None, "Jonas Peer"], who
    author_view = client_of(make_client, room["amira"]).get(state_url(room["session"])).get_json()
    assert author_view["dilemma"]["mine"] is True and author_view["dilemma"]["author"] is None
    assert all(
        r["mine"] is False and "client_id" not in r for r in author_view["dilemma"]["responses"]
    )
    jonas_view = client_of(make_client, room["jonas"]).get(state_url(room["session"])).get_json()
    assert all(r["mine"] and r["client_id"] for r in jonas_view["dilemma"]["responses"])


def test_a_named_dilemma_shows_its_authors_name(room, make_client):
    show_dilemma(room, anonymous=False)
    body = client_of(make_client, room["jonas"]).get(state_url(room["session"])).get_json()
    assert body["dilemma"]["author"] == "Amira Unique" and body["dilemma"]["anonymous"] is False


# --- responses -----------------------------------------------------------------------------------


def test_a_response_is_made_once_per_client_id(room, make_client):
    dilemma = show_dilemma(room)
    jonas = client_of(make_client, room["jonas"])
    body = {"client_id": str(uuid.uuid4()), "kind": "choice", "choice": 2, "text": "Less scary"}
    url = f"/api/v1/dilemmas/{dilemma.id}/responses"
    first = jonas.send_json("POST", url, body)
    again = jonas.send_json("POST", url, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["id"] == again.get_json()["id"]
    assert first.get_json()["choice"] == 2 and first.get_json()["anonymous"] is True
    count = db.session.scalar(select(func.count(DilemmaResponse.id)))
    assert count == 1


def test_bad_responses_get_translated_messages(room, make_client):
    dilemma = show_dilemma(room)
    jonas = client_of(make_client, room["jonas"])
    url = f"/api/v1/dilemmas/{dilemma.id}/responses"
    empty = jonas.send_json("POST", url, {"client_id": str(uuid.uuid4()), "text": "  "})
    assert empty.status_code == 400 and "text" in empty.get_json()["error"]["fields"]
    no_pick = jonas.send_json("POST", url, {"client_id": str(uuid.uuid4()), "kind": "choice"})
    assert no_pick.status_code == 400 and "choice" in no_pick.get_json()["error"]["fields"]
    wrong = jonas.send_json(
        "POST", url, {"client_id": str(uuid.uuid4()), "kind": "choice", "choice": 4}
    )
    assert wrong.status_code == 400


def test_responses_only_while_the_dilemma_is_on_a_live_screen_of_your_group(room, make_client):
    waiting = factories.dilemma(room["amira"], room["group"])
    shown = show_dilemma(room)
    factories.commit()
    jonas = client_of(make_client, room["jonas"])
    assert post_response(jonas, waiting).status_code == 404
    assert post_response(client_of(make_client, room["outsider"]), shown).status_code == 404
    assert post_response(client_of(make_client, room["counsellor"]), shown).status_code == 404
    live.end(db.session.get(GroupSession, room["session"].id))
    factories.commit()
    assert post_response(jonas, shown).status_code == 404


def test_i_can_edit_and_delete_my_own_response_only(room, make_client):
    dilemma = show_dilemma(room)
    jonas = client_of(make_client, room["jonas"])
    mine = post_response(jonas, dilemma, "First words").get_json()
    amira = client_of(make_client, room["amira"])
    url = f"/api/v1/responses/{mine['id']}"
    assert amira.send_json("PATCH", url, {"text": "Taken over"}).status_code == 404
    assert amira.send_json("DELETE", url).status_code == 404
    edited = jonas.send_json("PATCH", url, {"text": "Better words", "anonymous": False})
    assert edited.status_code == 200 and edited.get_json()["text"] == "Better words"
    assert edited.get_json()["author"] == "Jonas Peer"
    assert jonas.send_json("DELETE", url).status_code == 204
    assert db.session.scalar(select(func.count(DilemmaResponse.id))) == 0


# --- start, join, end ----------------------------------------------------------------------------


def test_starting_gives_a_join_code_and_ending_takes_it_away(room, make_client):
    planned = factories.session(room["group"])
    factories.commit()
    counsellor = client_of(make_client, room["counsellor"])
    started = counsellor.send_json("POST", f"/api/v1/sessions/{planned.id}/start")
    assert started.status_code == 200 and started.get_json()["status"] == "live"
    db.session.expire_all()
    row = db.session.get(GroupSession, planned.id)
    assert row.join_code and row.started_at is not None
    ended = counsellor.send_json("POST", f"/api/v1/sessions/{planned.id}/end")
    assert ended.get_json()["status"] == "ended" and ended.get_json()["dilemma"] is None
    db.session.expire_all()
    row = db.session.get(GroupSession, planned.id)
    assert row.join_code is None and row.ended_at is not None
    assert row.status == SessionStatus.ENDED


def test_participants_cannot_start_or_end(room, make_client):
    jonas = client_of(make_client, room["jonas"])
    session = room["session"]
    assert jonas.send_json("POST", f"/api/v1/sessions/{session.id}/end").status_code == 404
    other = factories.user(Role.COUNSELLOR)
    factories.commit()
    other_client = client_of(make_client, other)
    assert other_client.send_json("POST", f"/api/v1/sessions/{session.id}/end").status_code == 404


def test_joining_twice_counts_once(room, make_client):
    jonas = client_of(make_client, room["jonas"])
    url = f"/api/v1/sessions/{room['session'].id}/join"
    assert jonas.send_json("POST", url).get_json()["attendance"] == 1
    assert jonas.send_json("POST", url).get_json()["attendance"] == 1
    assert db.session.scalar(select(func.count(Attendance.id))) == 1


def test_after_the_session_the_dilemma_is_the_authors_alone(room, make_client):
    dilemma = show_dilemma(room)
    post_response(client_of(make_client, room["jonas"]), dilemma)
    live.end(db.session.get(GroupSession, room["session"].id))
    factories.commit()
    body = client_of(make_client, room["jonas"]).get(state_url(room["session"])).get_json()
    assert body["status"] == "ended" and body["dilemma"] is None


# --- strength-word rounds ------------------------------------------------------------------------


def test_round_words_land_in_the_subjects_strength_words_and_inbox(room, make_client):
    counsellor = client_of(make_client, room["counsellor"])
    actions = f"/api/v1/sessions/{room['session'].id}/actions"
    started = counsellor.send_json(
        "POST", actions, {"action": "start_round", "subject_id": room["amira"].id}
    ).get_json()
    round_id = started["round"]["id"]
    assert started["round"]["subject"] == "Amira Unique"
    jonas = client_of(make_client, room["jonas"])
    url = f"/api/v1/rounds/{round_id}/words"
    assert jonas.send_json("POST", url, {"preset": "brave"}).status_code == 200
    again = jonas.send_json("POST", url, {"text": "Warm", "show_name": True})
    assert again.get_json() == {"word": "Warm", "giver": "Jonas Peer"}
    words = db.session.scalars(select(StrengthWord)).all()
    assert [(w.recipient_id, w.text, w.round_id) for w in words] == [
        (room["amira"].id, "Warm", round_id)
    ]
    assert db.session.scalar(select(func.count(Notification.id))) == 1
    mine = client_of(make_client, room["amira"])
    seen = mine.get(state_url(room["session"])).get_json()["round"]
    assert seen["me"] is True and seen["words"] == [{"word": "Warm", "giver": "Jonas Peer"}]
    assert "Warm" in mine.get("/me/strengths").get_data(as_text=True)
    itself = mine.send_json("POST", url, {"preset": "kind"})
    assert itself.status_code == 400


def test_a_word_without_a_name_names_nobody(room, make_client):
    session = db.session.get(GroupSession, room["session"].id)
    round_ = live.start_round(session, room["amira"])
    factories.commit()
    jonas = client_of(make_client, room["jonas"])
    jonas.send_json("POST", f"/api/v1/rounds/{round_.id}/words", {"preset": "kind"})
    body = client_of(make_client, room["counsellor"]).get(state_url(room["session"], True))
    assert body.get_json()["round"]["words"] == [{"word": "Kind", "giver": None}]
    assert "Jonas" not in body.get_data(as_text=True)
    notice = db.session.scalar(select(Notification))
    assert notice.actor_id is None


def test_no_words_after_the_round_ends(room, make_client):
    session = db.session.get(GroupSession, room["session"].id)
    round_ = live.start_round(session, room["amira"])
    live.end_round(session)
    factories.commit()
    jonas = client_of(make_client, room["jonas"])
    response = jonas.send_json("POST", f"/api/v1/rounds/{round_.id}/words", {"preset": "kind"})
    assert response.status_code == 404


def test_the_silence_timer_is_in_the_state(room, make_client):
    counsellor = client_of(make_client, room["counsellor"])
    actions = f"/api/v1/sessions/{room['session'].id}/actions"
    body = counsellor.send_json("POST", actions, {"action": "timer", "seconds": 120}).get_json()
    assert body["timer"]["seconds"] == 120 and body["timer"]["ends_at"] > body["server_time"]
    assert (
        counsellor.send_json("POST", actions, {"action": "timer", "seconds": 45}).status_code == 400
    )
    body = counsellor.send_json("POST", actions, {"action": "timer", "seconds": 0}).get_json()
    assert body["timer"] is None


def test_whoever_writes_in_the_room_counts_as_here(room, make_client):
    dilemma = show_dilemma(room)
    post_response(client_of(make_client, room["jonas"]), dilemma)
    post_response(client_of(make_client, room["jonas"]), dilemma, "Once more")
    body = client_of(make_client, room["counsellor"]).get(state_url(room["session"])).get_json()
    assert body["attendance"] == 1


def test_the_author_is_told_when_their_dilemma_was_hidden(room, make_client):
    dilemma = show_dilemma(room)
    counsellor = client_of(make_client, room["counsellor"])
    counsellor.send_json(
        "POST",
        f"/api/v1/sessions/{room['session'].id}/actions",
        {"action": "hide_dilemma", "dilemma_id": dilemma.id, "reason": "Names a person"},
    )
    own = client_of(make_client, room["amira"]).get(state_url(room["session"])).get_json()
    assert own["dilemma"]["mine"] is True and own["dilemma"]["hidden"] is True
    peer = client_of(make_client, room["jonas"]).get(state_url(room["session"])).get_json()
    assert peer["dilemma"] is None


def test_an_ended_session_cannot_start_again(room, make_client):
    counsellor = client_of(make_client, room["counsellor"])
    session_id = room["session"].id
    counsellor.send_json("POST", f"/api/v1/sessions/{session_id}/end")
    again = counsellor.send_json("POST", f"/api/v1/sessions/{session_id}/start")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "ended"
