"""The live session's pages without JavaScript: start, join by tap, code and QR link, the phone's
live view with its forms, the counsellor's control view and the big screen."""

import uuid

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Attendance, DilemmaResponse, GroupSession, Membership, Role, StrengthWord
from webapp.services import live

import factories
from conftest import page_text


@pytest.fixture
def room(app):
    counsellor = factories.user(Role.COUNSELLOR, username="kari", display_name="Kari Counsellor")
    amira = factories.user(username="amira", display_name="Amira Unique")
    jonas = factories.user(username="jonas", display_name="Jonas Peer")
    newcomer = factories.user(username="newcomer", display_name="Nora New")
    group = factories.group(counsellor, (amira, jonas), name="Tuesday group")
    session = factories.session(group, theme="Why we are here")
    factories.commit()
    return {
        "counsellor": counsellor,
        "amira": amira,
        "jonas": jonas,
        "newcomer": newcomer,
        "group": group,
        "session": session,
    }


def as_(make_client, user):
    client = make_client()
    client.login(user.username)
    return client


def fresh(session_id):
    db.session.expire_all()
    return db.session.get(GroupSession, session_id)


def go_live(room):
    live.start(fresh(room["session"].id))
    factories.commit()
    return fresh(room["session"].id)


def test_the_counsellor_starts_and_the_control_view_shows_the_code(room, make_client):
    kari = as_(make_client, room["counsellor"])
    before = kari.get(f"/sessions/{room['session'].id}/control")
    assert "Start the session" in page_text(before)
    started = kari.post_form(f"/sessions/{room['session'].id}/start")
    assert started.status_code == 302
    assert started.headers["Location"].endswith(f"/sessions/{room['session'].id}/control")
    code = fresh(room["session"].id).join_code
    page = kari.get(f"/sessions/{room['session'].id}/control")
    assert code in page_text(page) and "data:image/svg+xml" in page.get_data(as_text=True)
    assert "0 here" in page_text(page)


def test_a_member_joins_with_one_tap(room, make_client):
    session = go_live(room)
    jonas = as_(make_client, room["jonas"])
    page = jonas.get(f"/sessions/{session.id}/live")
    assert "I am here" in page_text(page)
    joined = jonas.post_form(f"/sessions/{session.id}/join")
    assert joined.headers["Location"].endswith(f"/sessions/{session.id}/live")
    assert "I am here" not in page_text(jonas.get(f"/sessions/{session.id}/live"))
    assert db.session.scalar(select(func.count(Attendance.id))) == 1


def test_someone_new_joins_the_group_and_the_session_with_the_code(room, make_client):
    session = go_live(room)
    nora = as_(make_client, room["newcomer"])
    wrong = nora.post_form("/sessions/join", {"code": "NOPE42"})
    assert wrong.status_code == 400 and "did not find" in page_text(wrong)
    assert 'value="NOPE42"' in wrong.get_data(as_text=True)
    confirm = nora.get(f"/sessions/join/{session.join_code}")
    assert "Tuesday group" in page_text(confirm)
    assert db.session.scalar(select(func.count(Membership.id))) == 3  # nothing yet (GET)
    joined = nora.post_form("/sessions/join", {"code": session.join_code.lower()})
    assert joined.headers["Location"].endswith(f"/sessions/{session.id}/live")
    roles = db.session.scalars(
        select(Membership.role).where(Membership.user_id == room["newcomer"].id)
    ).all()
    assert roles == [Role.PARTICIPANT]
    assert db.session.scalar(select(func.count(Attendance.id))) == 1


def test_the_code_stops_working_when_the_session_ends(room, make_client):
    session = go_live(room)
    code = session.join_code
    live.end(session)
    factories.commit()
    nora = as_(make_client, room["newcomer"])
    assert nora.get(f"/sessions/join/{code}").status_code == 404


def test_a_visitor_is_sent_to_log_in_first(room, make_client):
    session = go_live(room)
    response = make_client().get(f"/sessions/join/{session.join_code}")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_responding_without_javascript_and_bad_input_keeps_the_words(room, make_client):
    session = go_live(room)
    dilemma = factories.dilemma(room["amira"], room["group"], on=session)
    factories.commit()
    jonas = as_(make_client, room["jonas"])
    page = page_text(jonas.get(f"/sessions/{session.id}/live"))
    assert "I get nervous before job interviews" in page and "Go for a walk before" in page
    bad = jonas.post_form(
        f"/dilemmas/{dilemma.id}/respond",
        {"client_id": str(uuid.uuid4()), "kind": "choice", "text": "Because walking helps"},
    )
    assert bad.status_code == 400 and "Pick one of the three solutions" in page_text(bad)
    assert "Because walking helps" in bad.get_data(as_text=True)
    client_id = str(uuid.uuid4())
    form = {"client_id": client_id, "kind": "choice", "choice": "3", "text": "It calms me"}
    ok = jonas.post_form(f"/dilemmas/{dilemma.id}/respond", {**form, "anonymous": "1"})
    assert ok.status_code == 302
    jonas.post_form(f"/dilemmas/{dilemma.id}/respond", {**form, "anonymous": "1"})  # twice
    assert db.session.scalar(select(func.count(DilemmaResponse.id))) == 1
    amira = page_text(as_(make_client, room["amira"]).get(f"/sessions/{session.id}/live"))
    assert "I would choose 3" in amira and "It calms me" in amira
    assert "Jonas Peer" not in amira and "Anonymous" in amira
    assert "Your dilemma" in amira


def test_i_can_delete_my_response(room, make_client):
    session = go_live(room)
    dilemma = factories.dilemma(room["amira"], room["group"], on=session)
    mine = factories.response(room["jonas"], dilemma, "Oops, wrong words")
    factories.commit()
    jonas = as_(make_client, room["jonas"])
    assert (
        as_(make_client, room["amira"]).post_form(f"/responses/{mine.id}/delete").status_code == 404
    )
    assert jonas.post_form(f"/responses/{mine.id}/delete").status_code == 302
    assert db.session.scalar(select(func.count(DilemmaResponse.id))) == 0


def test_the_control_view_shows_waiting_dilemmas_without_anonymous_names(room, make_client):
    session = go_live(room)
    factories.dilemma(room["amira"], room["group"], problem="My secret worry")
    factories.dilemma(room["jonas"], room["group"], problem="Named worry", anonymous=False)
    factories.commit()
    kari = as_(make_client, room["counsellor"])
    page = page_text(kari.get(f"/sessions/{session.id}/control"))
    assert "My secret worry" in page and "Named worry" in page
    assert "From Jonas Peer" in page and "Amira Unique" in page  # Amira only in the round picker
    assert "From Amira Unique" not in page


def test_the_counsellor_runs_the_session_without_javascript(room, make_client):
    session = go_live(room)
    waiting = factories.dilemma(room["amira"], room["group"], problem="Should I move out?")
    factories.commit()
    kari = as_(make_client, room["counsellor"])
    url = f"/sessions/{session.id}/control"
    shown = kari.post_form(url, {"action": "show", "dilemma_id": str(waiting.id)})
    assert shown.status_code == 302 and shown.headers["Location"].endswith("#screen")
    screen = page_text(kari.get(f"/sessions/{session.id}/screen"))
    assert "Should I move out?" in screen and "0 responses" in screen
    factories.response(room["jonas"], waiting, "Talk to your family first")
    live.touch(session.id)
    factories.commit()
    assert "Talk to your family first" not in page_text(kari.get(f"/sessions/{session.id}/screen"))
    kari.post_form(url, {"action": "reveal"})
    assert "Talk to your family first" in page_text(kari.get(f"/sessions/{session.id}/screen"))
    kari.post_form(url, {"action": "timer", "seconds": "60"})
    assert "Give it time" in page_text(kari.get(f"/sessions/{session.id}/live"))
    bad = kari.post_form(url, {"action": "start_round", "subject_id": "987654"})
    assert bad.status_code == 400 and "Pick who tells their story" in page_text(bad)
    kari.post_form(url, {"action": "start_round", "subject_id": str(room["amira"].id)})
    assert "Strength words for Amira Unique" in page_text(
        kari.get(f"/sessions/{session.id}/screen")
    )
    ended = kari.post_form(f"/sessions/{session.id}/end")
    assert ended.status_code == 302
    assert "Thank you for today" in page_text(kari.get(f"/sessions/{session.id}/screen"))


def test_giving_a_strength_word_without_javascript(room, make_client):
    session = go_live(room)
    round_ = live.start_round(session, room["amira"])
    factories.commit()
    jonas = as_(make_client, room["jonas"])
    page = page_text(jonas.get(f"/sessions/{session.id}/live"))
    assert "Strength words for Amira Unique" in page and "Brave" in page
    empty = jonas.post_form(f"/rounds/{round_.id}/words", {})
    assert empty.status_code == 400 and "Pick a word, or write your own" in page_text(empty)
    given = jonas.post_form(f"/rounds/{round_.id}/words", {"preset": "brave"})
    assert given.status_code == 302
    word = db.session.scalar(select(StrengthWord))
    assert word.recipient_id == room["amira"].id and word.show_name is False
    amira = page_text(as_(make_client, room["amira"]).get(f"/sessions/{session.id}/live"))
    assert "Strength words for you" in amira and "Brave" in amira and "Jonas" not in amira


def test_the_screen_has_no_menus_and_is_for_the_counsellor(room, make_client):
    session = go_live(room)
    page = as_(make_client, room["counsellor"]).get(f"/sessions/{session.id}/screen")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "bottom-nav" not in html and "topnav" not in html
    assert session.join_code in page_text(page)
    assert as_(make_client, room["jonas"]).get(f"/sessions/{session.id}/screen").status_code == 404


def test_pages_speak_norwegian(room, make_client):
    session = go_live(room)
    jonas = make_client()
    jonas.http.environ_base["HTTP_ACCEPT_LANGUAGE"] = "nb"
    jonas.login("jonas")
    page = jonas.get(f"/sessions/{session.id}/live")
    assert page.status_code == 200 and 'lang="nb"' in page.get_data(as_text=True)


def test_live_js_gets_the_regions_without_the_layout(room, make_client):
    session = go_live(room)
    jonas = as_(make_client, room["jonas"])
    part = jonas.get(f"/sessions/{session.id}/live?part=1").get_data(as_text=True)
    assert 'data-live-region="dilemma"' in part and "bottom-nav" not in part
    kari = as_(make_client, room["counsellor"])
    for path in ("control", "screen"):
        part = kari.get(f"/sessions/{session.id}/{path}?part=1").get_data(as_text=True)
        assert "data-live-region" in part and "topnav" not in part, path
