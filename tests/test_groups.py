"""Joining groups with a code or a link; counsellors creating and leading groups."""

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Group, Membership, Role

import factories
from conftest import page_text


def setup_group():
    counsellor = factories.user(Role.COUNSELLOR, username="vera")
    kari = factories.user(username="kari", display_name="Kari")
    group = factories.group(counsellor, (kari,), name="Vårgruppa")
    factories.commit()
    return group


def test_a_participant_joins_with_a_code_typed_loosely(client):
    group = setup_group()
    factories.user(username="ola")
    factories.commit()
    client.login("ola")
    code = group.invite_code
    loose = f" {code[:3].lower()} {code[3:].lower()} "
    response = client.post_form("/join", {"code": loose})
    assert response.status_code == 302
    text = page_text(client.get("/group"))
    assert "Vårgruppa" in text and "Kari" in text


def test_a_wrong_code_keeps_what_was_typed_and_says_what_to_do(client):
    factories.user(username="ola")
    factories.commit()
    client.login("ola")
    response = client.post_form("/join", {"code": "ZZZ999"})
    assert response.status_code == 400
    assert 'value="ZZZ999"' in response.get_data(as_text=True)
    assert "did not find a group" in page_text(response)


def test_a_closed_group_cannot_be_joined(client):
    group = setup_group()
    factories.user(username="ola")
    factories.commit()
    client.login("vera")
    client.post_form(f"/groups/{group.id}/close")
    client.post_form("/logout")
    client.login("ola")
    assert client.post_form("/join", {"code": group.invite_code}).status_code == 400


def test_a_join_link_leads_a_visitor_through_sign_up_into_the_group(client):
    group = setup_group()
    response = client.get(f"/join/{group.invite_code}")
    assert "/signup?next=" in response.headers["Location"]
    signup = client.post_form(
        response.headers["Location"],
        {
            "username": "nyperson",
            "display_name": "Ny",
            "password": "min katt heter pus",
            "birth_year": "2006",
            "privacy": "yes",
        },
    )
    assert f"/join?code={group.invite_code}" in signup.headers["Location"]
    page = client.get(signup.headers["Location"])
    assert f'value="{group.invite_code}"' in page.get_data(as_text=True)


def test_group_members_see_each_other_but_not_other_groups(make_client):
    group = setup_group()
    factories.group(None, (factories.user(username="ukjent", display_name="Ukjent"),))
    factories.commit()
    kari = make_client()
    kari.login("kari")
    text = page_text(kari.get("/group"))
    assert "Vårgruppa" in text and "Ukjent" not in text
    assert group.name in page_text(kari.get("/"))


def test_a_counsellor_creates_a_group_and_gets_a_code_link_and_qr(client):
    office_id = factories.office("NAV Øygarden").id
    factories.user(Role.COUNSELLOR, username="vera", office_id=office_id)
    factories.commit()
    client.login("vera")
    response = client.post_form(
        "/groups", {"name": "Høstgruppa", "office_id": str(office_id), "start_date": "2027-01-11"}
    )
    assert response.status_code == 302
    group = db.session.scalar(select(Group).where(Group.name == "Høstgruppa"))
    page = client.get(response.headers["Location"])
    html = page.get_data(as_text=True)
    assert group.invite_code in html
    assert f"/join/{group.invite_code}" in html
    assert 'src="data:image/svg+xml' in html
    membership = db.session.scalar(select(Membership).where(Membership.group_id == group.id))
    assert membership.role == Role.COUNSELLOR


def test_creating_a_group_with_mistakes_keeps_the_input(client):
    factories.user(Role.COUNSELLOR, username="vera")
    factories.commit()
    client.login("vera")
    response = client.post_form(
        "/groups", {"name": "Høstgruppa", "office_id": "", "start_date": "neste uke"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'value="Høstgruppa"' in html and 'value="neste uke"' in html
    assert "Choose an office" in html and "Choose a date" in html


def test_a_counsellor_removes_a_member_who_then_no_longer_sees_the_group(make_client):
    group = setup_group()
    membership = db.session.scalar(select(Membership).where(Membership.role == Role.PARTICIPANT))
    vera, kari = make_client(), make_client()
    vera.login("vera")
    kari.login("kari")
    assert "Kari" in page_text(vera.get(f"/groups/{group.id}"))
    vera.post_form(f"/groups/{group.id}/members/{membership.id}/remove")
    assert "Vårgruppa" not in page_text(kari.get("/group"))
    after = page_text(vera.get(f"/groups/{group.id}"))
    assert "Kari is no longer in the group" in after and "Members (1)" in after


def test_a_counsellor_cannot_touch_another_counsellors_group(make_client):
    group = setup_group()
    factories.user(Role.COUNSELLOR, username="otto")
    factories.commit()
    membership = db.session.scalar(select(Membership).where(Membership.role == Role.PARTICIPANT))
    otto = make_client()
    otto.login("otto")
    assert otto.get(f"/groups/{group.id}").status_code == 404
    remove = f"/groups/{group.id}/members/{membership.id}/remove"
    assert otto.post_form(remove).status_code == 404
    assert otto.post_form(f"/groups/{group.id}/close").status_code == 404
    kari_id = membership.user_id
    assert otto.post_form(f"/groups/{group.id}/reset-code/{kari_id}").status_code == 404
    assert db.session.get(Group, group.id).closed_at is None


def test_participants_cannot_see_the_counsellor_pages(client):
    group = setup_group()
    client.login("kari")
    assert client.get("/groups").status_code == 404
    assert client.get(f"/groups/{group.id}").status_code == 404


def test_closing_a_group_stops_the_code_but_keeps_the_members(client):
    group = setup_group()
    client.login("vera")
    client.post_form(f"/groups/{group.id}/close")
    db.session.expire_all()
    assert db.session.get(Group, group.id).closed_at is not None
    page = page_text(client.get(f"/groups/{group.id}"))
    assert "Closed" in page and "Kari" in page
