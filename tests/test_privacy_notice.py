"""The privacy notice in plain words, its acknowledgement at sign-up and after a change, the gate
that asks for it (without a query per request), the accessibility statement, and their API."""

from datetime import date

import pytest
from sqlalchemy import event, select

from webapp.extensions import db
from webapp.models import Office, PrivacyAcknowledgement, RetentionPolicy, Role, User
from webapp.services import invites, privacy_notice

import factories
from conftest import page_text

GOOD_SIGNUP = {
    "username": "sol-2006",
    "display_name": "Sol",
    "password": "en rolig morgen med te",
    "birth_year": str(date.today().year - 19),
    "privacy": "yes",
}


def acknowledged(user_id: int) -> list[int]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(PrivacyAcknowledgement.version)
            .where(PrivacyAcknowledgement.user_id == user_id)
            .order_by(PrivacyAcknowledgement.version)
        )
    )


@pytest.fixture
def newcomer(client):
    """A participant who has never acknowledged the notice (added by a counsellor, say)."""
    person = factories.user(username="nyhet", acknowledged=False)
    factories.commit()
    client.login("nyhet")
    client.user_id = person.id
    return client


@pytest.fixture
def version_two(monkeypatch):
    monkeypatch.setattr(privacy_notice, "VERSION", 2)
    monkeypatch.setitem(privacy_notice.CHANGES, 2, ["Reminders now say less on the lock screen."])
    monkeypatch.setitem(privacy_notice.UPDATED, 2, date(2027, 1, 4))


# --- the notice ------------------------------------------------------------------------------


def test_anyone_can_read_the_notice_with_who_is_responsible_and_where_to_complain(client):
    response = client.get("/privacy")
    assert response.status_code == 200
    text = page_text(response)
    assert "the NAV office or municipality that runs your group" in text
    assert "Datatilsynet" in text and 'href="https://www.datatilsynet.no"' in response.text
    assert "Not used Stegvis for 24 months? Then your account is deleted." in text
    assert "We tell you 30 days before." in text
    assert "deleted 90 days after the last session" in text
    assert "deleted after 24 hours" in text
    assert "“Stegvis: you have a new reply”" in text
    assert "data-read-aloud" in response.text  # every section can be read aloud


def test_the_office_that_runs_the_service_can_be_named_in_config(app, client):
    app.config["PRIVACY_CONTROLLER"] = "NAV Testby"
    text = page_text(client.get("/privacy"))
    assert "Responsible for your data: NAV Testby." in text
    assert "privacy officer (personvernombud) of NAV Testby" in text


def test_a_participant_sees_their_own_sharing_as_counts_and_names_only(client):
    owner = factories.user(username="eier")
    mentor = factories.user(role=Role.MENTOR, display_name="Mentor Mo")
    group = factories.group(factories.user(role=Role.COUNSELLOR), (owner,), name="Solsikkene")
    factories.mentor_link(owner, mentor)
    for text in ("Secret one", "Secret two"):
        factories.share(factories.entry(owner, text=text), group=group)
    factories.share(factories.goal(owner, title="Secret goal"), mentor=mentor)
    taken_back = factories.share(factories.entry(owner, text="Secret three"), group=group)
    from webapp.models.base import utcnow

    taken_back.revoked_at = utcnow()
    factories.commit()
    client.login("eier")

    response = client.get("/privacy")
    text = page_text(response)
    assert "You share 2 things with the group Solsikkene." in text
    assert "You share 1 thing with your mentor Mentor Mo." in text
    assert "Secret" not in response.text  # what the items say is never shown here
    assert 'href="/shares"' in response.text


def test_a_participant_who_shares_nothing_is_told_so(client):
    factories.user(username="stille")
    factories.commit()
    client.login("stille")
    assert "You share nothing right now." in page_text(client.get("/privacy"))


def test_counsellors_and_visitors_see_no_sharing_example(client):
    assert "Right now" not in page_text(client.get("/privacy"))
    factories.user(role=Role.COUNSELLOR, username="vera")
    factories.commit()
    client.login("vera")
    assert "Right now" not in page_text(client.get("/privacy"))


def test_the_times_are_those_of_the_office_that_runs_my_group(client):
    place = factories.office()
    person = factories.user(username="kortere")
    factories.group(factories.user(role=Role.COUNSELLOR), (person,), office=place)
    db.session.add(
        RetentionPolicy(office_id=place.id, inactive_months=12, warn_days=14, board_days=60)
    )
    factories.commit()
    client.login("kortere")
    text = page_text(client.get("/privacy"))
    assert "Not used Stegvis for 12 months?" in text and "We tell you 14 days before." in text
    assert "deleted 60 days after the last session" in text
    assert "can choose other times" not in text


def test_the_rights_link_to_the_pages_that_exist(app, client):
    html = client.get("/privacy").text
    for endpoint, words in [
        ("me.export", "Download my data"),
        ("me.delete_account", "Delete my account"),
        ("me.access_log", "Who opened my things"),
    ]:
        assert (words in html) == (endpoint in app.view_functions), endpoint


def test_the_accessibility_statement_is_public_honest_and_dated(client):
    response = client.get("/accessibility")
    assert response.status_code == 200
    text = page_text(response)
    assert "WCAG 2.1" in text and "level AA" in text
    assert "What does not work well yet" in text
    assert "Voice notes have no written version." in text
    assert "uutilsynet.no" in text
    assert "Checked November 24, 2026" in text


def test_every_page_links_to_the_notice_and_the_statement_in_its_footer(client):
    html = client.get("/login").text
    footer = html[html.index('<footer class="site-footer">') :]
    assert 'href="/privacy"' in footer and 'href="/accessibility"' in footer


# --- sign-up ---------------------------------------------------------------------------------


def test_sign_up_records_that_the_current_notice_was_read(client):
    response = client.post_form("/signup", GOOD_SIGNUP)
    assert response.status_code == 302
    user_id = db.session.scalar(select(User.id).where(User.username == "sol-2006"))
    assert acknowledged(user_id) == [privacy_notice.VERSION]
    assert client.get("/").status_code == 200  # straight in: nothing more to read


def test_sign_up_shows_the_short_version_and_a_link_to_the_notice(client):
    html = client.get("/signup").text
    assert "Your journal is private. Only you can see it." in html
    assert 'href="/privacy"' in html
    assert 'name="privacy" type="checkbox" value="yes"' in html


def test_sign_up_without_the_tick_is_refused_and_keeps_what_was_typed(client):
    response = client.post_form("/signup", {**GOOD_SIGNUP, "privacy": ""})
    assert response.status_code == 400
    assert "Tick the box to show you have read it." in page_text(response)
    assert 'value="sol-2006"' in response.text and 'value="Sol"' in response.text
    assert 'aria-describedby="f-privacy-error"' in response.text
    assert db.session.scalar(select(User.id).where(User.username == "sol-2006")) is None


def test_a_tick_is_kept_when_something_else_was_wrong(client):
    response = client.post_form("/signup", {**GOOD_SIGNUP, "password": "kort"})
    assert response.status_code == 400
    assert 'value="yes" checked' in response.text


def test_a_mentor_signing_up_from_an_invitation_reads_the_notice_too(client):
    counsellor = factories.user(role=Role.COUNSELLOR, office_id=factories.office().id)
    token = invites.new_mentor_invite(counsellor, "Mo")
    factories.commit()
    account = {"username": "mentor-mo", "display_name": "Mo", "password": "en rolig kveld i dag"}
    refused = client.post_form(f"/mentor/{token}", account)
    assert refused.status_code == 400
    assert "You see only what a young person chooses to share with you." in refused.text

    assert client.post_form(f"/mentor/{token}", {**account, "privacy": "yes"}).status_code == 302
    user_id = db.session.scalar(select(User.id).where(User.username == "mentor-mo"))
    assert acknowledged(user_id) == [privacy_notice.VERSION]


# --- the gate --------------------------------------------------------------------------------


def test_someone_who_never_read_it_is_asked_first_and_then_sent_where_they_were_going(newcomer):
    response = newcomer.get("/journal?prompt=Hei")
    assert response.status_code == 302
    assert response.headers["Location"] == "/privacy/changes?next=/journal?prompt%3DHei"

    page = newcomer.get(response.headers["Location"])
    assert page.status_code == 200
    assert "Before you go on" in page_text(page)
    assert "Your journal is private. Only you can see it." in page_text(page)

    done = newcomer.post_form("/privacy/acknowledge", {"next": "/journal?prompt=Hei"})
    assert done.status_code == 302 and done.headers["Location"] == "/journal?prompt=Hei"
    assert acknowledged(newcomer.user_id) == [privacy_notice.VERSION]
    assert newcomer.get("/journal").status_code == 200


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/entries",
        "/sw.js",
        "/manifest.webmanifest",
        "/offline",
        "/livez",
        "/healthz",
        "/privacy",
        "/accessibility",
        "/api/v1/privacy",
        "/static/css/app.css",
        "/login",
    ],
)
def test_the_api_the_service_worker_and_the_privacy_pages_are_never_held_back(newcomer, url):
    response = newcomer.get(url)
    assert response.status_code in (200, 302), url  # logged in, /login goes home
    assert "/privacy/changes" not in response.headers.get("Location", "")


def test_a_form_sent_from_a_page_already_open_still_goes_through(newcomer):
    # Nothing typed is lost to the gate: only the next page asks.
    response = newcomer.post_form("/settings/text-size", {"size": "large", "next": "/me"})
    assert response.status_code == 302 and response.headers["Location"] == "/me"


def test_the_notice_offers_the_button_while_it_is_not_yet_acknowledged(newcomer):
    html = newcomer.get("/privacy?next=/group").text
    assert 'action="/privacy/acknowledge"' in html and 'name="next" value="/group"' in html


def test_acknowledging_never_sends_anyone_to_another_site(newcomer):
    done = newcomer.post_form("/privacy/acknowledge", {"next": "https://evil.example/"})
    assert done.headers["Location"] == "/"


def statements_about_acknowledgements(fn) -> int:
    seen = []

    def record(_conn, _cursor, statement, *_args):
        if "privacy_acknowledgements" in statement:
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return len(seen)


def test_once_acknowledged_the_gate_asks_the_database_no_more(client):
    factories.user(username="kari")
    factories.commit()
    client.login("kari")
    # The first page after logging in may ask once; it is then remembered in the session.
    assert statements_about_acknowledgements(lambda: client.get("/")) <= 1

    def browse():
        for url in ("/", "/journal", "/me", "/group", "/journal/goals"):
            assert client.get(url).status_code == 200, url

    assert statements_about_acknowledgements(browse) == 0


def test_a_new_version_shows_what_changed_before_the_next_page(client, version_two):
    person = factories.user(username="kari", acknowledged=False)
    db.session.add(PrivacyAcknowledgement(user_id=person.id, version=1))
    factories.commit()
    client.login("kari")

    response = client.get("/me")
    assert response.headers["Location"] == "/privacy/changes?next=/me"
    text = page_text(client.get("/privacy/changes?next=/me"))
    assert "We changed how Stegvis takes care of your data." in text
    assert "Reminders now say less on the lock screen." in text
    assert "Version 2, January 4, 2027" in text
    assert "Version 1" not in text  # only what is new to them

    client.post_form("/privacy/acknowledge", {"next": "/me"})
    assert acknowledged(person.id) == [1, 2]
    assert client.get("/me").status_code == 200


def test_a_new_version_reaches_people_who_are_already_logged_in(client, monkeypatch):
    factories.user(username="kari")
    factories.commit()
    client.login("kari")
    assert client.get("/me").status_code == 200  # version 1 is remembered in the session

    monkeypatch.setattr(privacy_notice, "VERSION", 2)
    monkeypatch.setitem(privacy_notice.CHANGES, 2, ["Something new."])
    assert client.get("/me").headers["Location"] == "/privacy/changes?next=/me"


def test_reading_it_on_another_phone_is_noticed_on_the_changes_page(client, make_client):
    person = factories.user(username="kari", acknowledged=False)
    factories.commit()
    client.login("kari")
    assert client.get("/me").status_code == 302

    other_phone = make_client()
    other_phone.login("kari")
    other_phone.post_form("/privacy/acknowledge", {"next": "/"})

    page = client.get("/privacy/changes?next=/me")
    assert "You have read the newest version." in page_text(page)
    assert 'href="/me"' in page.text
    assert client.get("/me").status_code == 200
    assert acknowledged(person.id) == [privacy_notice.VERSION]


def test_acknowledging_twice_keeps_one_record(newcomer):
    newcomer.post_form("/privacy/acknowledge", {"next": "/"})
    newcomer.post_form("/privacy/acknowledge", {"next": "/"})
    assert acknowledged(newcomer.user_id) == [privacy_notice.VERSION]


def test_the_changes_page_needs_a_login(client):
    response = client.get("/privacy/changes")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


# --- the API ---------------------------------------------------------------------------------


def test_the_api_tells_a_visitor_the_current_version_and_every_change(client):
    body = client.get("/api/v1/privacy").get_json()
    assert body["version"] == privacy_notice.VERSION
    assert body["acknowledged_version"] is None and body["needs_acknowledgement"] is False
    assert [c["version"] for c in body["changes"]] == list(range(privacy_notice.VERSION, 0, -1))
    assert body["notice_url"] == "/privacy"


def test_the_api_acknowledges_and_then_has_nothing_more_to_tell(newcomer, version_two):
    before = newcomer.get("/api/v1/privacy").get_json()
    assert before["acknowledged_version"] == 0 and before["needs_acknowledgement"] is True
    assert [c["version"] for c in before["changes"]] == [2, 1]
    assert before["changes"][0] == {
        "version": 2,
        "updated_on": "2027-01-04",
        "changes": ["Reminders now say less on the lock screen."],
    }

    response = newcomer.send_json("POST", "/api/v1/privacy/acknowledge")
    assert response.status_code == 200
    after = response.get_json()
    assert after["acknowledged_version"] == 2
    assert after["needs_acknowledgement"] is False and after["changes"] == []
    assert acknowledged(newcomer.user_id) == [2]


def test_the_api_acknowledgement_needs_the_csrf_token_and_a_login(client, newcomer):
    assert newcomer.post("/api/v1/privacy/acknowledge").status_code == 400
    assert acknowledged(newcomer.user_id) == []
    visitor = client.app.test_client()
    assert visitor.post("/api/v1/privacy/acknowledge").status_code in (400, 401)


def test_the_openapi_document_describes_the_privacy_api(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/privacy"]
    assert "post" in paths["/api/v1/privacy/acknowledge"]
    schema = paths["/api/v1/privacy"]["get"]["responses"]["200"]["content"]["application/json"]
    assert schema["schema"]["$ref"].endswith("/PrivacyOut")


def test_an_office_name_is_not_needed_for_the_defaults(app):
    assert db.session.scalar(select(Office.id)) is None
    rules = privacy_notice.keeping(None)
    assert (rules.inactive_months, rules.warn_days, rules.board_days) == (24, 30, 90)
