"""The programme pages: a counsellor plans a group's sessions from a template (preview, then
create), adds, edits and deletes one; everyone in the group sees what is coming, when, and what
to bring (the sessions page, a session's page, home and the group page); and the API."""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import GroupSession, NotificationSettings, Role, SessionStatus
from webapp.models.base import utcnow
from webapp.services import scheduling

import factories as f
from conftest import page_text

OSLO = scheduling.zone("Europe/Oslo")


def world():
    vera = f.user(Role.COUNSELLOR, username="vera")
    kari = f.user(username="kari", display_name="Kari")
    group = f.group(vera, (kari,), name="Tirsdagsgruppa")
    otto = f.user(Role.COUNSELLOR, username="otto")
    f.group(otto, (f.user(username="outsider"),), name="Other group")
    f.user(Role.MENTOR, username="mona")
    f.commit()
    return vera, kari, group


def sessions_of(group):
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(GroupSession)
            .where(GroupSession.group_id == group.id)
            .order_by(GroupSession.number)
        )
    )


def tomorrow_at(hour: int) -> datetime:
    day = utcnow().astimezone(OSLO).date() + timedelta(days=1)
    return scheduling.local_to_utc(datetime.combine(day, time(hour)), OSLO)


def a_monday_ahead() -> date:
    """A Monday one to two weeks from now: the tests hold whatever day they run."""
    today = utcnow().astimezone(OSLO).date()
    return today + timedelta(days=7 + (7 - today.weekday()) % 7)


def english_day(day: date) -> str:
    return f"{day:%a}, {day:%b} {day.day}"  # as "Tue, Jan 5" in the short English form


FIRST = a_monday_ahead()
PLAN = {
    "template": "oygarden",
    "first_date": FIRST.isoformat(),
    "days": ["TU", "TH"],
    "at": "10:00",
}


# --- planning a programme ----------------------------------------------------------------------


def test_counsellor_sees_the_templates_and_a_calm_empty_programme(app, client):
    _vera, _kari, group = world()
    client.login("vera")
    response = client.get(f"/groups/{group.id}/programme")
    assert response.status_code == 200
    text = page_text(response)
    assert "Øygarden: 5 weeks, 2 sessions a week" in text
    assert "Blank: empty sessions you fill in" in text
    assert "No sessions yet" in text


def test_the_preview_shows_every_date_with_its_theme_and_creates_nothing(app, client):
    _vera, _kari, group = world()
    client.login("vera")
    response = client.post_form(f"/groups/{group.id}/programme", {**PLAN, "action": "preview"})
    assert response.status_code == 200
    text = page_text(response)
    assert "Why we are here" in text and "Celebrate" in text
    first, last = FIRST + timedelta(days=1), FIRST + timedelta(days=31)  # Tue, week 1; Thu, week 5
    assert f"{english_day(first)} at 10:00" in text and f"{english_day(last)} at 10:00" in text
    assert "Create 10 sessions" in text
    assert sessions_of(group) == []


def test_creating_the_programme_makes_ten_sessions_everyone_in_the_group_sees(app, client):
    _vera, _kari, group = world()
    client.login("vera")
    response = client.post_form(f"/groups/{group.id}/programme", {**PLAN, "action": "create"})
    assert response.status_code == 302
    assert sessions_of(group)[0].template_key == "oygarden:1"
    assert len(sessions_of(group)) == 10
    page = client.get(response.headers["Location"])
    assert "10 sessions are in the programme" in page_text(page)
    assert "2. Strengths and success stories" in page_text(page)


def test_a_programme_without_days_is_refused_kindly_and_keeps_what_was_typed(app, client):
    _vera, _kari, group = world()
    client.login("vera")
    response = client.post_form(
        f"/groups/{group.id}/programme", {**PLAN, "days": [], "at": "09:15", "action": "create"}
    )
    assert response.status_code == 400
    assert "Choose at least one day." in page_text(response)
    assert 'value="09:15"' in response.get_data(as_text=True)
    assert sessions_of(group) == []


def test_a_programme_cannot_start_in_the_past(app, client):
    _vera, _kari, group = world()
    client.login("vera")
    yesterday = utcnow().astimezone(OSLO).date() - timedelta(days=1)
    data = {**PLAN, "first_date": yesterday.isoformat(), "action": "create"}
    response = client.post_form(f"/groups/{group.id}/programme", data)
    assert response.status_code == 400
    assert "Choose today or a later day." in page_text(response)
    added = client.post_form(
        f"/groups/{group.id}/sessions", {"day": yesterday.isoformat(), "at": "10:00"}
    )
    assert added.status_code == 400
    assert sessions_of(group) == []


def test_a_blank_programme_asks_how_many(app, client):
    _vera, _kari, group = world()
    client.login("vera")
    data = {**PLAN, "template": "blank", "count": "3", "action": "create"}
    assert client.post_form(f"/groups/{group.id}/programme", data).status_code == 302
    assert [s.number for s in sessions_of(group)] == [1, 2, 3]
    bad = client.post_form(f"/groups/{group.id}/programme", {**data, "count": "99"})
    assert bad.status_code == 400 and "between 1 and 30" in page_text(bad)


def test_only_the_groups_counsellors_plan_its_programme(app, make_client):
    _vera, _kari, group = world()
    for who in ("kari", "otto", "mona"):
        client = make_client()
        client.login(who)
        assert client.get(f"/groups/{group.id}/programme").status_code == 404
        posted = client.post_form(f"/groups/{group.id}/programme", {**PLAN, "action": "create"})
        assert posted.status_code == 404
    assert sessions_of(group) == []


def test_the_group_page_links_to_the_programme(app, client):
    _vera, _kari, group = world()
    client.login("vera")
    html = client.get(f"/groups/{group.id}").get_data(as_text=True)
    assert f"/groups/{group.id}/programme" in html and "Plan the programme" in html


# --- one session -------------------------------------------------------------------------------


def test_adding_one_session_opens_it_for_editing(app, client):
    _vera, _kari, group = world()
    client.login("vera")
    response = client.post_form(
        f"/groups/{group.id}/sessions", {"day": FIRST.isoformat(), "at": "13:00"}
    )
    assert response.status_code == 302
    (row,) = sessions_of(group)
    assert response.headers["Location"].endswith(f"/sessions/{row.id}/edit")
    assert row.starts_at.astimezone(OSLO).replace(tzinfo=None) == datetime.combine(FIRST, time(13))
    bad = client.post_form(f"/groups/{group.id}/sessions", {"day": "", "at": "13:00"})
    assert bad.status_code == 400 and "Choose a date." in page_text(bad)


def test_the_edit_form_shows_the_templates_words_and_saving_them_keeps_them_translated(app, client):
    _vera, _kari, group = world()
    session = f.session(group, theme="", template_key="oygarden:1", starts_at=tomorrow_at(10))
    f.commit()
    client.login("vera")
    html = client.get(f"/sessions/{session.id}/edit").get_data(as_text=True)
    assert 'value="Why we are here"' in html
    agenda = "Welcome, and everyone says their name."
    assert agenda in html
    form = {
        "day": FIRST.isoformat(),
        "at": "11:30",
        "theme": "Why we are here",
        "agenda": html.split('name="agenda"')[1].split(">", 1)[1].split("</textarea>")[0],
        "bring": "Something to drink",
        "guide": "",
    }
    form["agenda"] = form["agenda"].replace("&#39;", "'").replace("&amp;", "&")
    response = client.post_form(f"/sessions/{session.id}/edit", form)
    assert response.status_code == 302
    db.session.expire_all()
    row = db.session.get(GroupSession, session.id)
    assert (row.theme, row.agenda, row.bring) == ("", "", "Something to drink")
    assert row.starts_at.astimezone(OSLO).replace(tzinfo=None) == datetime.combine(
        FIRST, time(11, 30)
    )


def test_a_too_long_theme_is_refused_and_nothing_typed_is_lost(app, client):
    _vera, _kari, group = world()
    session = f.session(group, starts_at=tomorrow_at(10))
    f.commit()
    client.login("vera")
    long = "x" * 121
    form = {"day": FIRST.isoformat(), "at": "11:30", "theme": long, "agenda": "Draft plan"}
    response = client.post_form(f"/sessions/{session.id}/edit", form)
    assert response.status_code == 400
    assert "At most 120 characters." in page_text(response)
    assert "Draft plan" in response.get_data(as_text=True)


def test_only_the_groups_counsellors_edit_or_delete_a_session(app, make_client):
    _vera, _kari, group = world()
    session = f.session(group, starts_at=tomorrow_at(10))
    f.commit()
    for who in ("kari", "otto"):
        client = make_client()
        client.login(who)
        assert client.get(f"/sessions/{session.id}/edit").status_code == 404
        assert client.post_form(f"/sessions/{session.id}/delete").status_code == 404
    assert len(sessions_of(group)) == 1


def test_a_planned_session_can_be_deleted_a_live_one_stays(app, client):
    _vera, _kari, group = world()
    planned = f.session(group, starts_at=tomorrow_at(10))
    live = f.session(group, live=True)
    f.commit()
    client.login("vera")
    assert client.post_form(f"/sessions/{planned.id}/delete").status_code == 302
    response = client.post_form(f"/sessions/{live.id}/delete", follow_redirects=True)
    assert "A session that has started stays in the programme." in page_text(response)
    assert [s.id for s in sessions_of(group)] == [live.id]


# --- what people see ---------------------------------------------------------------------------


def test_participant_sees_coming_sessions_with_countdown_and_what_to_bring(app, client):
    _vera, _kari, group = world()
    f.session(group, theme="", template_key="oygarden:2", starts_at=tomorrow_at(11))
    f.commit()
    client.login("kari")
    text = page_text(client.get("/sessions"))
    assert "Strengths and success stories" in text
    assert "Tomorrow at 11:00" in text
    assert "A short story about something that went well" in text


def test_later_sessions_are_a_short_list_to_keep_the_page_calm(app, client):
    _vera, _kari, group = world()
    f.session(group, theme="", template_key="oygarden:1", starts_at=tomorrow_at(11))
    f.session(group, theme="", template_key="oygarden:2", starts_at=tomorrow_at(11) + timedelta(3))
    f.commit()
    client.login("kari")
    text = page_text(client.get("/sessions"))
    assert "Next session" in text and "Your phone, charged." in text
    assert "Later" in text and "Strengths and success stories" in text and "In 4 days" in text
    assert "A short story about something that went well" not in text


def test_nobody_sees_another_groups_sessions(app, make_client):
    _vera, _kari, group = world()
    session = f.session(group, theme="Tirsdag only", starts_at=tomorrow_at(11))
    f.commit()
    for who in ("outsider", "otto", "mona"):
        client = make_client()
        client.login(who)
        assert "Tirsdag only" not in page_text(client.get("/sessions"))
        assert client.get(f"/sessions/{session.id}").status_code == 404
        assert client.get(f"/api/v1/sessions/{session.id}").status_code == 404


def test_session_page_shows_the_plan_and_the_guide_only_to_counsellors(app, make_client):
    _vera, _kari, group = world()
    session = f.session(group, theme="", template_key="oygarden:3", starts_at=tomorrow_at(11))
    f.commit()
    kari, vera = make_client(), make_client()
    kari.login("kari")
    vera.login("vera")
    as_kari = page_text(kari.get(f"/sessions/{session.id}"))
    as_vera = page_text(vera.get(f"/sessions/{session.id}"))
    assert "The first dilemmas" in as_kari and "What to bring" in as_kari
    assert "Guide for counsellors" not in as_kari and "silence timer" not in as_kari
    assert "Guide for counsellors" in as_vera and "silence timer" in as_vera
    assert "Edit" in as_vera and "Edit" not in as_kari.replace("Edited", "")


def test_counsellor_gets_a_start_button_when_the_live_room_is_there(app, client):
    _vera, _kari, group = world()
    session = f.session(group, starts_at=tomorrow_at(11))
    f.commit()
    client.login("vera")
    html = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    has_start = "sessions.start" in app.view_functions
    assert (f"/sessions/{session.id}/start" in html) == has_start


def test_a_live_session_offers_the_participant_a_join_button(app, client):
    _vera, _kari, group = world()
    session = f.session(group, live=True)
    f.commit()
    client.login("kari")
    text = page_text(client.get(f"/sessions/{session.id}"))
    assert "The session is on" in text and "Now" in text
    if "sessions.join" in app.view_functions:
        assert "Join the session" in text
    home = page_text(client.get("/"))
    assert "Now" in home and "Why we are here" in home
    assert home.index("Why we are here") < home.index("Your journal")  # on top while it is on


def test_a_live_session_leads_the_counsellor_to_the_control_view_and_the_screen(app, client):
    _vera, _kari, group = world()
    session = f.session(group, live=True)
    f.commit()
    client.login("vera")
    html = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    for endpoint, path in (("sessions.control", "control"), ("sessions.screen", "screen")):
        if endpoint in app.view_functions:
            assert f"/sessions/{session.id}/{path}" in html


def test_an_ended_session_links_the_counsellor_to_its_summary(app, client):
    _vera, _kari, group = world()
    session = f.session(group)
    session.status = SessionStatus.ENDED
    f.commit()
    client.login("vera")
    text = page_text(client.get(f"/sessions/{session.id}"))
    assert "This session is over." in text
    if "sessions.summary" in app.view_functions:
        assert f"/sessions/{session.id}/summary" in client.get(f"/sessions/{session.id}").get_data(
            as_text=True
        )
    assert "Delete the session" not in text


def test_home_and_the_group_page_show_the_next_session_calmly(app, client):
    _vera, _kari, group = world()
    f.session(group, theme="", template_key="oygarden:1", starts_at=tomorrow_at(11))
    f.session(group, theme="Later one", starts_at=tomorrow_at(11) + timedelta(days=3))
    f.commit()
    client.login("kari")
    home = page_text(client.get("/"))
    assert "Next session" in home and "Why we are here" in home
    assert "Tomorrow at 11:00" in home and "Your phone, charged." in home
    assert "Later one" not in home
    group_page = page_text(client.get("/group"))
    assert "Next session" in group_page and "Why we are here" in group_page


def test_home_has_no_session_card_without_sessions(app, client):
    world()
    client.login("kari")
    assert "Next session" not in page_text(client.get("/"))


def test_a_participant_turns_the_session_nudge_off(app, client):
    _vera, kari, _group = world()
    client.login("kari")
    assert "The day before a group session" in page_text(client.get("/me/notifications"))
    form = {"quiet_start": "21:30", "quiet_end": "08:00", "step_nudges": "on"}
    assert client.post_form("/me/notifications", form).status_code == 302
    row = db.session.scalar(
        select(NotificationSettings).where(NotificationSettings.user_id == kari.id)
    )
    assert row.session_nudges is False and row.step_nudges is True


# --- the API -----------------------------------------------------------------------------------


def test_api_lists_my_coming_sessions_with_the_guide_only_for_counsellors(app, make_client):
    _vera, _kari, group = world()
    session = f.session(group, theme="", template_key="oygarden:1", starts_at=tomorrow_at(11))
    done = f.session(group, starts_at=tomorrow_at(11) - timedelta(days=7))
    done.status = SessionStatus.ENDED
    f.commit()
    kari, vera = make_client(), make_client()
    kari.login("kari")
    vera.login("vera")
    listed = kari.get("/api/v1/sessions").get_json()["sessions"]
    assert [s["id"] for s in listed] == [session.id]
    item = listed[0]
    assert item["theme"] == "Why we are here" and item["countdown"] == "Tomorrow at 11:00"
    assert item["status"] == "planned" and item["bring"].startswith("Your phone")
    assert "guide" not in item
    one = kari.get(f"/api/v1/sessions/{session.id}").get_json()
    assert "guide" not in one and one["url"] == f"/sessions/{session.id}"
    assert "silence" in vera.get(f"/api/v1/sessions/{session.id}").get_json()["guide"]
    assert "silence" in vera.get("/api/v1/sessions").get_json()["sessions"][0]["guide"]


def test_api_asks_visitors_to_log_in(app, client):
    assert client.get("/api/v1/sessions").status_code == 401
