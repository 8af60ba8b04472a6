"""My access log (/me/access-log and GET /api/v1/me/access-log): who opened what I shared, who
made password codes for me and who recorded a guardian's consent — newest first, 50 a page, mine
alone to read, and never the words of what I shared."""

import html
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from webapp.extensions import db
from webapp.models import GuardianConsent, ResetCode, Role, ShareView
from webapp.models.base import utcnow
from webapp.services import invites

import factories
from conftest import page_text as raw_text

SECRET = "Jeg gruer meg til legetimen"


def page_text(response) -> str:
    return html.unescape(raw_text(response))


@pytest.fixture
def world(app):
    vera = factories.user(Role.COUNSELLOR, username="vera", display_name="Vera")
    kari = factories.user(username="kari", display_name="Kari")
    sara = factories.user(username="sara", display_name="Sara")
    mo = factories.user(Role.MENTOR, username="mo", display_name="Mentor Mo")
    group = factories.group(vera, (kari, sara), name="Vårgruppa")
    factories.mentor_link(kari, mo, answered_at=utcnow())
    entry = factories.entry(kari, SECRET)
    to_group = factories.share(entry, group=group)
    goal = factories.goal(kari, title="Slutte med snus")
    to_mentor = factories.share(goal, mentor=mo)
    factories.commit()
    return {
        "vera": vera,
        "kari": kari,
        "sara": sara,
        "mo": mo,
        "group": group,
        "to_group": to_group,
        "to_mentor": to_mentor,
    }


def logged_in(make_client, username):
    client = make_client()
    client.login(username)
    return client


def view(share, viewer, role, minutes_ago=0):
    db.session.add(
        ShareView(
            share_id=share.id,
            owner_id=share.owner_id,
            viewer_id=viewer.id if viewer is not None else None,
            viewer_role=role,
            at=utcnow() - timedelta(minutes=minutes_ago),
        )
    )
    factories.commit()


def test_opening_my_shared_items_puts_who_and_when_in_my_log(world, make_client):
    logged_in(make_client, "vera").get(f"/shares/{world['to_group'].id}")
    logged_in(make_client, "mo").get(f"/shares/{world['to_mentor'].id}")
    response = logged_in(make_client, "kari").get("/me/access-log")
    assert response.status_code == 200
    text = page_text(response)
    assert "Mentor Mo opened your goal" in text and "Vera opened your journal entry" in text
    assert text.index("Mentor Mo opened your goal") < text.index("Vera opened your journal entry")
    assert "Counsellor ·" in text and "Mentor ·" in text
    body = response.get_data(as_text=True)
    assert f'href="/shares/{world["to_group"].id}"' in body
    assert f'href="/shares/{world["to_mentor"].id}"' in body
    # Who and when only: never what was shared.
    assert SECRET not in text and "Slutte med snus" not in text


def test_a_revoked_share_stays_in_the_log_without_a_link(world, make_client):
    view(world["to_group"], world["vera"], "counsellor")
    world["to_group"].revoked_at = utcnow()
    factories.commit()
    response = logged_in(make_client, "kari").get("/me/access-log")
    assert "Vera opened your journal entry" in page_text(response)
    assert "No longer shared" in page_text(response)
    assert f'href="/shares/{world["to_group"].id}"' not in response.get_data(as_text=True)


def test_a_viewer_whose_account_is_gone_shows_as_deleted_user(world, make_client):
    view(world["to_group"], None, "counsellor")
    text = page_text(logged_in(make_client, "kari").get("/me/access-log"))
    assert "Deleted user opened your journal entry" in text


def test_password_codes_made_for_me_say_who_made_them_and_what_became_of_them(world, make_client):
    kari, vera = world["kari"], world["vera"]
    now = utcnow()
    invites.issue_reset_code(kari, vera)  # replaced by the next one
    db.session.flush()
    invites.issue_reset_code(kari, vera)  # still valid
    db.session.add_all(
        [
            ResetCode(
                user_id=kari.id,
                code_hash="expired",
                issued_by_id=vera.id,
                created_at=now - timedelta(days=10),
                expires_at=now - timedelta(days=7),
            ),
            ResetCode(
                user_id=kari.id,
                code_hash="used",
                issued_by_id=None,
                created_at=now - timedelta(days=20),
                expires_at=now - timedelta(days=17),
                used_at=now - timedelta(days=19),
            ),
        ]
    )
    factories.commit()
    client = logged_in(make_client, "kari")
    items = client.get("/api/v1/me/access-log").get_json()["items"]
    codes = [i for i in items if i["kind"] == "reset_code"]
    assert [c["status"] for c in codes] == ["valid", "replaced", "expired", "used"]
    assert [c["by"]["name"] for c in codes] == ["Vera", "Vera", "Vera", None]
    text = page_text(client.get("/me/access-log"))
    assert "Vera made a code to set a new password for you" in text
    assert "Not used: a newer code replaced it." in text
    assert "Not used yet. It works until" in text
    assert "Not used, and it no longer works." in text
    assert "Deleted user made a code to set a new password for you" in text
    assert "Used: a new password was set with it." in text


def test_a_guardians_consent_shows_who_wrote_it_down(world, make_client):
    db.session.add(
        GuardianConsent(
            user_id=world["kari"].id,
            guardian_name="Hanne Berg",
            given_on=date(2026, 11, 20),
            recorded_by_id=world["vera"].id,
        )
    )
    factories.commit()
    text = page_text(logged_in(make_client, "kari").get("/me/access-log"))
    assert "Vera wrote down that your guardian agreed to Stegvis" in text
    assert "Guardian: Hanne Berg. They agreed on November 20, 2026." in text


def test_the_log_is_mine_alone(world, make_client):
    view(world["to_group"], world["vera"], "counsellor")
    sara = logged_in(make_client, "sara")
    assert "opened your" not in page_text(sara.get("/me/access-log"))
    assert sara.get("/api/v1/me/access-log").get_json() == {"items": [], "next_page": None}
    for username in ("vera", "mo"):
        client = logged_in(make_client, username)
        assert client.get("/me/access-log").status_code == 404
        assert client.get("/api/v1/me/access-log").status_code == 404
    visitor = make_client()
    assert "/login" in visitor.get("/me/access-log").headers["Location"]
    assert visitor.get("/api/v1/me/access-log").status_code == 401


def test_an_empty_log_says_so_calmly(world, make_client):
    text = page_text(logged_in(make_client, "sara").get("/me/access-log"))
    assert "Nothing here yet" in text


def test_fifty_a_page_newest_first(world, make_client):
    for minutes in range(60):
        view(world["to_group"], world["vera"], "counsellor", minutes_ago=minutes + 1)
    client = logged_in(make_client, "kari")
    first = client.get("/api/v1/me/access-log").get_json()
    assert len(first["items"]) == 50 and first["next_page"] == 2
    times = [item["at"] for item in first["items"]]
    assert times == sorted(times, reverse=True)
    second = client.get("/api/v1/me/access-log?page=2").get_json()
    assert len(second["items"]) == 10 and second["next_page"] is None
    assert second["items"][0]["at"] < first["items"][-1]["at"]
    page = client.get("/me/access-log")
    assert page_text(page).count("Vera opened your journal entry") == 50
    assert 'href="/me/access-log?page=2"' in page.get_data(as_text=True)
    assert page_text(client.get("/me/access-log?page=2")).count("opened your") == 10
    assert client.get("/me/access-log?page=0").status_code == 404


def test_the_api_line_carries_who_what_kind_and_a_link(world, make_client):
    view(world["to_mentor"], world["mo"], "mentor")
    (item,) = logged_in(make_client, "kari").get("/api/v1/me/access-log").get_json()["items"]
    assert item["kind"] == "view"
    assert item["by"] == {"name": "Mentor Mo", "role": "mentor"}
    assert item["item"] == {"kind": "goal", "url": f"/shares/{world['to_mentor'].id}"}
    assert item["sentence"] == "Mentor Mo opened your goal"
    assert SECRET not in str(item) and "snus" not in str(item)


def test_the_api_is_in_the_openapi_document(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "get" in paths["/api/v1/me/access-log"]


def test_a_page_costs_the_same_queries_for_three_lines_or_fifty(world, make_client):
    client = logged_in(make_client, "kari")

    def cost():
        statements = []
        listen = lambda *_a: statements.append(1)  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listen)
        try:
            assert client.get("/me/access-log").status_code == 200
        finally:
            event.remove(db.engine, "before_cursor_execute", listen)
        return len(statements)

    view(world["to_group"], world["vera"], "counsellor")
    view(world["to_mentor"], world["mo"], "mentor")
    invites.issue_reset_code(world["kari"], world["vera"])
    factories.commit()
    cost()  # the first page after logging in also reads the privacy notice version once
    few = cost()
    for minutes in range(47):
        view(world["to_group"], world["vera"], "counsellor", minutes_ago=minutes)
    assert cost() == few
