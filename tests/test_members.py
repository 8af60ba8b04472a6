"""A counsellor adds a participant (with a guardian's consent under the sign-up age; nobody under
13), the group's counsellors are told when someone joins, and the push about it names nobody."""

import html
from datetime import date, timedelta

import pytest
from flask import current_app
from sqlalchemy import func, inspect, select

from webapp.extensions import db
from webapp.models import (
    GuardianConsent,
    Membership,
    Notification,
    NotificationKind,
    ResetCode,
    Role,
    User,
)
from webapp.services import live, members, notifications, push, scheduling
from webapp.worker import run_once

import factories
from conftest import page_text as raw_text


def page_text(response) -> str:
    return html.unescape(raw_text(response))


THIS_YEAR = date.today().year
TODAY = date.today()


@pytest.fixture
def world(app):
    vera = factories.user(Role.COUNSELLOR, username="vera", display_name="Vera")
    kari = factories.user(username="kari", display_name="Kari")
    group = factories.group(vera, (kari,), name="Vårgruppa")
    factories.commit()
    return {"vera": vera, "kari": kari, "group": group}


def counsellor(make_client, username="vera"):
    client = make_client()
    client.login(username)
    return client


def add(client, group, **form):
    values = {"display_name": "Nora", "username": "nora", "birth_year": str(THIS_YEAR - 17)}
    return client.post_form(f"/groups/{group.id}/members/new", {**values, **form})


def consent_form(**extra) -> dict:
    return {
        "guardian_name": "Hanne Berg",
        "guardian_agreed_on": (TODAY - timedelta(days=2)).isoformat(),
        "guardian_agreed": "1",
        **extra,
    }


def user_named(username: str) -> User | None:
    return db.session.scalar(select(User).where(User.username == username))


# --- adding a participant ------------------------------------------------------------------------


def test_the_group_page_offers_to_add_a_participant_and_the_form_opens(world, make_client):
    vera = counsellor(make_client)
    group = world["group"]
    assert f'href="/groups/{group.id}/members/new"' in vera.get(f"/groups/{group.id}").get_data(
        as_text=True
    )
    text = page_text(vera.get(f"/groups/{group.id}/members/new"))
    assert "Add a participant" in text and "Only checked, never kept" in text
    assert "A guardian has agreed" in text


def test_a_counsellor_adds_a_participant_who_sets_their_own_password_with_the_code(
    world, make_client
):
    vera = counsellor(make_client)
    response = add(vera, world["group"], display_name="Nora", username="Nora.B")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    text = page_text(response)
    assert "Nora is in Vårgruppa" in text and "Username: nora.b" in text
    code = response.get_data(as_text=True).split('<p class="code">')[1].split("<")[0]
    nora = user_named("nora.b")
    assert nora.role == Role.PARTICIPANT and nora.display_name == "Nora"
    assert db.session.scalar(
        select(Membership.role).where(
            Membership.user_id == nora.id, Membership.group_id == world["group"].id
        )
    ) == (Role.PARTICIPANT)
    assert (
        db.session.scalar(select(GuardianConsent).where(GuardianConsent.user_id == nora.id)) is None
    )
    # Nobody knows a password for the account; the code lets Nora choose one.
    reset = make_client().post_form(
        "/reset", {"username": "nora.b", "code": code, "password": "a long and lovely password"}
    )
    assert reset.status_code == 302
    make_client().login("nora.b", "a long and lovely password")
    # The code was made by Vera and is in Nora's access log, not as an inbox notice.
    (row,) = db.session.scalars(select(ResetCode).where(ResetCode.user_id == nora.id))
    assert row.issued_by_id == world["vera"].id
    assert not db.session.scalars(select(Notification).where(Notification.user_id == nora.id)).all()


def test_the_birth_year_is_checked_and_never_kept(world, make_client):
    assert "birth_year" not in {c.key for c in inspect(User).columns}
    add(counsellor(make_client), world["group"], birth_year=str(THIS_YEAR - 16))
    nora = user_named("nora")
    assert str(THIS_YEAR - 16) not in " ".join(
        str(getattr(nora, c.key)) for c in inspect(User).columns
    )


def test_someone_under_the_sign_up_age_needs_a_guardians_consent(world, make_client):
    vera = counsellor(make_client)
    response = add(vera, world["group"], birth_year=str(THIS_YEAR - 14))
    assert response.status_code == 400
    text = page_text(response)
    assert "Write the guardian's name." in text
    assert "Choose the day the guardian agreed." in text
    assert "Tick this when a guardian has agreed." in text
    assert 'value="Nora"' in response.get_data(as_text=True)  # what was typed stays
    assert user_named("nora") is None


def test_the_guardians_consent_is_recorded_with_who_wrote_it_down(world, make_client):
    vera = counsellor(make_client)
    response = add(vera, world["group"], birth_year=str(THIS_YEAR - 13), **consent_form())
    assert response.status_code == 200
    assert "consent is written down" in page_text(response)
    nora = user_named("nora")
    consent = db.session.scalar(select(GuardianConsent).where(GuardianConsent.user_id == nora.id))
    assert consent.guardian_name == "Hanne Berg"
    assert consent.given_on == TODAY - timedelta(days=2)
    assert consent.recorded_by_id == world["vera"].id


def test_every_part_of_the_consent_is_needed(world, make_client):
    vera = counsellor(make_client)
    without_tick = consent_form()
    del without_tick["guardian_agreed"]
    for form, message in (
        (without_tick, "Tick this when a guardian has agreed."),
        (consent_form(guardian_name=" "), "Write the guardian's name."),
        (
            consent_form(guardian_agreed_on=(TODAY + timedelta(days=1)).isoformat()),
            "That day has not come yet.",
        ),
        (
            consent_form(guardian_agreed_on=(TODAY - timedelta(days=400)).isoformat()),
            "more than a year ago",
        ),
        (consent_form(guardian_agreed_on="last week"), "Choose a date"),
    ):
        response = add(vera, world["group"], birth_year=str(THIS_YEAR - 14), **form)
        assert response.status_code == 400, form
        assert message in page_text(response), form
    assert user_named("nora") is None


def test_nobody_younger_than_13_is_added_even_with_a_guardians_consent(world, make_client):
    vera = counsellor(make_client)
    response = add(vera, world["group"], birth_year=str(THIS_YEAR - 12), **consent_form())
    assert response.status_code == 400
    assert "Stegvis is for people aged 13 and older" in page_text(response)
    assert user_named("nora") is None
    assert db.session.scalar(select(func.count(GuardianConsent.id))) == 0


def test_from_the_sign_up_age_no_consent_is_asked_or_kept(world, make_client):
    vera = counsellor(make_client)
    response = add(vera, world["group"], birth_year=str(THIS_YEAR - 15), **consent_form())
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(GuardianConsent.id))) == 0


def test_a_taken_username_is_refused_kindly_and_nothing_is_made(world, make_client):
    vera = counsellor(make_client)
    response = add(vera, world["group"], username="Kari")
    assert response.status_code == 400
    assert "That username is taken" in page_text(response)
    assert db.session.scalar(select(func.count(User.id)).where(User.display_name == "Nora")) == 0


def test_the_rules_of_the_service_itself(app):
    app.config["SIGNUP_MIN_AGE"] = 15
    assert members.too_young(2014, date(2026, 6, 1))  # turns 12
    assert not members.too_young(2013, date(2026, 6, 1))  # turns 13
    assert members.needs_guardian(2012, date(2026, 6, 1))  # turns 14
    assert not members.needs_guardian(2011, date(2026, 6, 1))  # turns 15


def test_only_a_counsellor_who_leads_the_group_can_add_to_it(world, make_client):
    factories.user(Role.COUNSELLOR, username="other")
    factories.user(Role.ADMIN, username="boss")
    factories.user(Role.MENTOR, username="mo")
    factories.commit()
    group = world["group"]
    for username in ("other", "boss", "mo", "kari"):
        client = counsellor(make_client, username)
        assert client.get(f"/groups/{group.id}/members/new").status_code == 404, username
        assert add(client, group).status_code == 404, username
        api = client.send_json("POST", f"/api/v1/groups/{group.id}/members", {})
        assert api.status_code == 404, username
    assert user_named("nora") is None


# --- the API -------------------------------------------------------------------------------------


def test_the_api_adds_a_participant_with_consent_and_answers_the_code_once(world, make_client):
    vera = counsellor(make_client)
    body = {
        "display_name": "Nora",
        "username": "nora",
        "birth_year": THIS_YEAR - 14,
        "guardian_name": "Hanne Berg",
        "guardian_agreed_on": TODAY.isoformat(),
        "guardian_agreed": True,
    }
    response = vera.send_json("POST", f"/api/v1/groups/{world['group'].id}/members", body)
    assert response.status_code == 201, response.get_json()
    assert response.headers["Cache-Control"] == "no-store"
    data = response.get_json()
    assert data["user"]["username"] == "nora" and len(data["code"]) == 11
    assert data["reset_url"].endswith("/reset")
    assert data["guardian_consent"] == {
        "guardian_name": "Hanne Berg",
        "given_on": TODAY.isoformat(),
    }
    again = vera.send_json("POST", f"/api/v1/groups/{world['group'].id}/members", body)
    assert again.status_code == 400
    assert again.get_json()["error"]["fields"] == {
        "username": "That username is taken. Try another one."
    }


def test_the_api_says_which_fields_are_wrong(world, make_client):
    vera = counsellor(make_client)
    response = vera.send_json(
        "POST",
        f"/api/v1/groups/{world['group'].id}/members",
        {"display_name": "", "username": "no spaces please", "birth_year": THIS_YEAR - 14},
    )
    assert response.status_code == 400
    fields = response.get_json()["error"]["fields"]
    assert set(fields) == {
        "display_name",
        "username",
        "guardian_name",
        "guardian_agreed_on",
        "guardian_agreed",
    }


def test_the_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/groups/{group_id}/members"]


# --- telling the counsellors ---------------------------------------------------------------------


def notices_of(user: User) -> list[Notification]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(Notification).where(Notification.user_id == user.id).order_by(Notification.id)
        )
    )


def sentence_for(user: User, notice: Notification) -> str:
    with current_app.test_request_context(headers={"Accept-Language": "en"}):
        return notifications.sentence(notice, user, notifications.context_of([notice]))


def test_joining_with_the_code_tells_every_counsellor_of_the_group(world, make_client):
    vera, group = world["vera"], world["group"]
    tor = factories.user(Role.COUNSELLOR, username="tor", display_name="Tor")
    db.session.add(Membership(group_id=group.id, user_id=tor.id, role=Role.COUNSELLOR))
    factories.user(username="ola", display_name="Ola")
    factories.commit()
    ola = make_client()
    ola.login("ola")
    assert ola.post_form("/join", {"code": group.invite_code}).status_code == 302
    for person in (vera, tor):
        (notice,) = notices_of(person)
        assert notice.kind == NotificationKind.NEW_MEMBER
        assert notice.url == f"/groups/{group.id}"
        assert sentence_for(person, notice) == "Ola joined Vårgruppa"
    assert notices_of(world["kari"]) == []  # the other participants are not told
    # The counsellor's inbox says it, and the notice opens the group's page.
    inbox = counsellor(make_client)
    assert "Ola joined Vårgruppa" in page_text(inbox.get("/inbox"))
    # Joining again changes nothing and tells nobody again.
    ola.post_form("/join", {"code": group.invite_code})
    assert len(notices_of(vera)) == 1


def test_joining_a_live_session_with_its_code_tells_the_counsellors(world):
    session = factories.session(world["group"], live=True)
    ola = factories.user(username="ola", display_name="Ola")
    live.join_by_code(ola, session)
    factories.commit()
    (notice,) = notices_of(world["vera"])
    assert sentence_for(world["vera"], notice) == "Ola joined Vårgruppa"


def test_the_counsellor_who_adds_someone_is_not_told_of_their_own_act(world, make_client):
    group = world["group"]
    tor = factories.user(Role.COUNSELLOR, username="tor", display_name="Tor")
    db.session.add(Membership(group_id=group.id, user_id=tor.id, role=Role.COUNSELLOR))
    factories.commit()
    add(counsellor(make_client), group)
    assert notices_of(world["vera"]) == []
    (notice,) = notices_of(tor)
    assert sentence_for(tor, notice) == "Nora joined Vårgruppa"


def test_a_counsellor_joining_their_own_group_tells_nobody(world):
    tor = factories.user(Role.COUNSELLOR, username="tor")
    from webapp.services import groups

    groups.join(tor, world["group"], Role.COUNSELLOR)
    factories.commit()
    assert notices_of(world["vera"]) == []


def test_the_push_about_a_new_member_names_neither_the_person_nor_the_group(app, world, peer):
    vera, group = world["vera"], world["group"]
    vera.locale = "en"
    subscribe(peer, vera)
    quiet = scheduling.settings_for(vera.id)
    quiet.quiet_end = quiet.quiet_start  # no quiet hours: this test runs at any hour
    ola = factories.user(username="ola-zephyr", display_name="Ola Zephyr")
    from webapp.services import groups

    groups.join(ola, group)
    db.session.commit()
    run_once()
    (message,) = peer.wait_for(1)
    assert message.json["title"] == "Someone joined your group"
    raw = message.body.decode()
    assert "Zephyr" not in raw and "zephyr" not in raw and "Vårgruppa" not in raw
    assert message.json["url"] == f"/groups/{group.id}"


def subscribe(peer, user):
    sub = peer.subscription()
    push.subscribe(user, sub["endpoint"], sub["keys"]["p256dh"], sub["keys"]["auth"], "phone")


@pytest.fixture
def peer(app, tmp_path):
    from push_peer import PushPeer

    with PushPeer() as running:
        app.config["PUSH_TEST_ORIGINS"] = [running.origin]
        app.config["VAPID_KEY_FILE"] = str(tmp_path / "vapid.pem")
        yield running
