"""One-time codes: password resets handed over in person, and single-use mentor invitations."""

import re

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Role, User

import factories
from conftest import page_text

NEW = "en helt ny frase"


def code_in(response) -> str:
    return re.search(r'class="code">([A-Z0-9]{5}-[A-Z0-9]{5})<', response.get_data(as_text=True))[1]


def test_a_counsellor_hands_a_participant_a_reset_code_that_works_once(make_client):
    vera = factories.user(Role.COUNSELLOR, username="vera")
    kari = factories.user(username="kari")
    group = factories.group(vera, (kari,))
    factories.commit()
    counsellor, phone, old_phone = make_client(), make_client(), make_client()
    old_phone.login("kari")
    counsellor.login("vera")
    code = code_in(counsellor.post_form(f"/groups/{group.id}/reset-code/{kari.id}"))

    done = phone.post_form("/reset", {"username": "kari", "code": code.lower(), "password": NEW})
    assert done.status_code == 302 and "reset=1" in done.headers["Location"]
    assert old_phone.get("/").status_code == 302  # every old session ended
    phone.login("kari", NEW)
    again = phone.post_form("/reset", {"username": "kari", "code": code, "password": NEW + "!"})
    assert again.status_code == 400 and "does not work" in page_text(again)


def test_a_reset_with_a_wrong_code_keeps_the_username_and_counts_as_a_failed_try(app, client):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 2
    factories.user(username="kari")
    factories.commit()
    for _ in range(2):
        response = client.post_form(
            "/reset", {"username": "kari", "code": "AAAAA-BBBBB", "password": NEW}
        )
        assert response.status_code == 400
        assert 'value="kari"' in response.get_data(as_text=True)
    blocked = client.post_form("/reset", {"username": "kari", "code": "x", "password": NEW})
    assert "Too many tries" in page_text(blocked)


def test_a_counsellor_cannot_reset_someone_outside_their_groups(client):
    vera = factories.user(Role.COUNSELLOR, username="vera")
    group = factories.group(vera)
    stranger = factories.user(username="stranger")
    factories.commit()
    client.login("vera")
    assert client.post_form(f"/groups/{group.id}/reset-code/{stranger.id}").status_code == 404


def test_an_admin_creates_an_office_and_a_counsellor_who_sets_their_own_password(make_client):
    factories.user(Role.ADMIN, username="admin")
    factories.commit()
    admin, newcomer = make_client(), make_client()
    admin.login("admin")
    assert (
        admin.post_form(
            "/admin/offices", {"name": "NAV Øygarden", "municipality": "Øygarden"}
        ).status_code
        == 302
    )
    duplicate = admin.post_form("/admin/offices", {"name": "NAV Øygarden", "municipality": "Ø"})
    assert duplicate.status_code == 400 and "exists already" in page_text(duplicate)
    office_id = re.search(r'<option value="(\d+)"', admin.get("/admin").get_data(as_text=True))[1]
    created = admin.post_form(
        "/admin/counsellors", {"username": "Vera.V", "display_name": "Vera", "office_id": office_id}
    )
    assert created.status_code == 200
    code = code_in(created)
    assert db.session.scalar(select(User.role).where(User.username == "vera.v")) == Role.COUNSELLOR
    newcomer.post_form("/reset", {"username": "vera.v", "code": code, "password": NEW})
    newcomer.login("vera.v", NEW)
    first = newcomer.get("/groups")
    assert first.status_code == 302 and "/privacy/changes" in first.location  # read it first
    newcomer.post_form("/privacy/acknowledge")
    assert newcomer.get("/groups").status_code == 200


def test_admin_forms_keep_input_and_explain_mistakes(client):
    factories.user(Role.ADMIN, username="admin")
    factories.commit()
    client.login("admin")
    response = client.post_form(
        "/admin/counsellors", {"username": "has space", "display_name": "Vera", "office_id": ""}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'value="has space"' in html and 'value="Vera"' in html
    assert "no spaces" in html


def test_an_admin_issues_a_reset_code_for_anyone_but_themselves(client):
    admin = factories.user(Role.ADMIN, username="admin")
    kari = factories.user(username="kari")
    factories.commit()
    client.login("admin")
    assert code_in(client.post_form(f"/admin/users/{kari.id}/reset-code"))
    assert client.post_form(f"/admin/users/{admin.id}/reset-code").status_code == 404
    assert "kari" in page_text(client.get("/admin?q=kar"))


def test_an_offices_admin_resets_only_the_people_of_that_office_and_never_another_admin(client):
    here, there = factories.office("Here"), factories.office("There")
    factories.user(Role.ADMIN, username="office-admin", office_id=here.id)
    other_admin = factories.user(Role.ADMIN, username="other-admin", office_id=here.id)
    counsellor = factories.user(Role.COUNSELLOR, username="vera", office_id=here.id)
    ours, theirs = factories.user(username="ours"), factories.user(username="theirs")
    factories.group(counsellor, (ours,), office=here)
    factories.group(factories.user(Role.COUNSELLOR, office_id=there.id), (theirs,), office=there)
    factories.commit()
    client.login("office-admin")
    assert code_in(client.post_form(f"/admin/users/{ours.id}/reset-code"))
    assert code_in(client.post_form(f"/admin/users/{counsellor.id}/reset-code"))
    assert client.post_form(f"/admin/users/{theirs.id}/reset-code").status_code == 404
    assert client.post_form(f"/admin/users/{other_admin.id}/reset-code").status_code == 404
    assert "theirs" not in page_text(client.get("/admin?q=theirs"))


def test_a_mentor_invitation_link_creates_one_mentor_account_once(make_client):
    factories.user(Role.COUNSELLOR, username="vera")
    factories.commit()
    counsellor, mentor, late = make_client(), make_client(), make_client()
    counsellor.login("vera")
    page = counsellor.post_form("/groups/mentor-invites", {"note": "Mentor for Ali"})
    link = re.search(r'<code id="mentor-link">([^<]+)</code>', page.get_data(as_text=True))[1]
    path = link.removeprefix("http://localhost")
    assert mentor.get(path).status_code == 200
    form = {"username": "mentor.mo", "display_name": "Mo", "password": "mentor med lang frase"}
    form["privacy"] = "yes"  # the privacy notice, read and ticked
    assert mentor.post_form(path, form).status_code == 302
    assert db.session.scalar(select(User.role).where(User.username == "mentor.mo")) == Role.MENTOR
    assert late.get(path).status_code == 404
    assert "Used" in page_text(counsellor.get("/groups"))


def test_a_made_up_mentor_link_shows_a_kind_dead_end(client):
    response = client.get("/mentor/made-up-token")
    assert response.status_code == 404
    assert "does not work any more" in page_text(response)
