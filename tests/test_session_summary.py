"""The counsellor's summary of a session: who came and how much happened, in numbers. After the
session the dilemmas and answers are their authors' alone: no words and no authors here."""

from webapp.extensions import db
from webapp.models import Attendance, SessionStatus, StrengthRound, StrengthWord
from webapp.models.base import utcnow

import factories
from conftest import page_text


def a_session_that_happened():
    counsellor = factories.user(role="counsellor", username="kari")
    other = factories.user(role="counsellor", username="kim")
    ada = factories.user(username="ada", display_name="Ada Lovely")
    per = factories.user(username="per", display_name="Per Quiet")
    ola = factories.user(username="ola", display_name="Ola Away")
    group = factories.group(counsellor, (ada, per, ola))
    factories.group(other, ())
    session = factories.session(group, live=True)
    for person in (ada, per):
        db.session.add(Attendance(session_id=session.id, user_id=person.id))
    first = factories.dilemma(ada, group, on=session, problem="Secret problem of Ada")
    factories.response(per, first, "Secret answer of Per")
    factories.response(per, first, "", kind="choice", choice=1)
    second = factories.dilemma(per, group, on=session, problem="Another secret", anonymous=False)
    factories.response(ada, second, "A named answer", anonymous=False)
    factories.dilemma(ola, group, problem="Still waiting")  # not shown: not counted
    round_ = StrengthRound(session_id=session.id, subject_id=per.id)
    db.session.add(round_)
    db.session.flush()
    db.session.add(
        StrengthWord(recipient_id=per.id, giver_id=ada.id, round_id=round_.id, preset="brave")
    )
    session.status, session.join_code, session.ended_at = SessionStatus.ENDED, None, utcnow()
    session.current_dilemma_id = None
    factories.commit()
    return session


def test_the_summary_counts_who_came_dilemmas_answers_and_words(app, client):
    session = a_session_that_happened()
    client.login("kari")
    data = client.get(f"/api/v1/sessions/{session.id}/summary").get_json()
    assert data == {
        "session_id": session.id,
        "status": "ended",
        "attendance": {"count": 2, "people": ["Ada Lovely", "Per Quiet"]},
        "dilemmas_shown": 2,
        "responses": 3,
        "rounds": 1,
        "strength_words": 1,
    }


def test_the_summary_page_has_numbers_and_names_of_who_came_but_no_words(app, client):
    session = a_session_that_happened()
    client.login("kari")
    response = client.get(f"/sessions/{session.id}/summary")
    assert response.status_code == 200
    text = page_text(response)
    assert "Ada Lovely" in text and "Per Quiet" in text and "Ola Away" not in text
    assert "2 dilemmas talked about" in text and "3 answers" in text
    assert "1 strength word" in text
    for secret in ("Secret problem", "Secret answer", "Another secret", "A named answer"):
        assert secret not in text


def test_only_the_groups_counsellors_get_the_summary(app, make_client):
    session = a_session_that_happened()
    for who in ("kim", "ada"):
        other = make_client()
        other.login(who)
        assert other.get(f"/sessions/{session.id}/summary").status_code == 404
        assert other.get(f"/api/v1/sessions/{session.id}/summary").status_code == 404


def test_a_session_nobody_joined_says_so_calmly(app, client):
    counsellor = factories.user(role="counsellor", username="kari")
    session = factories.session(factories.group(counsellor, ()))
    factories.commit()
    client.login("kari")
    text = page_text(client.get(f"/sessions/{session.id}/summary"))
    assert "Nobody joined on their phone." in text and "0 answers" in text
