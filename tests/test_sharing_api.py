"""The sharing API: idempotent shares, take-back, the feed with a cursor, replies, reactions and
strength words; the same visibility rules as the pages, and JSON that names nobody it should not."""

import pytest
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Role, Share, ShareReaction, ShareView

import factories


@pytest.fixture
def world(app):
    counsellor = factories.user(username="veil", role=Role.COUNSELLOR, display_name="Vera")
    kari = factories.user(username="kari", display_name="Kari")
    ola = factories.user(username="ola", display_name="Ola")
    group = factories.group(counsellor=counsellor, members=(kari, ola), name="Tirsdag")
    stranger = factories.user(username="stranger")
    factories.group(members=(stranger,), name="Onsdag")
    mentor = factories.user(username="mentor", role=Role.MENTOR, display_name="Mona")
    factories.mentor_link(kari, mentor)
    entry = factories.entry(kari, text="Private words, shared on purpose", mood=3)
    factories.commit()
    return {"kari": kari, "ola": ola, "group": group, "mentor": mentor, "entry": entry}


def as_(make_client, username):
    client = make_client()
    client.login(username)
    return client


def create(client, world, audience=None, **extra):
    body = {
        "kind": "entry",
        "item_id": world["entry"].id,
        "audience": audience or f"group:{world['group'].id}",
        **extra,
    }
    return client.send_json("POST", "/api/v1/shares", body)


def test_creating_a_share_is_idempotent(world, make_client):
    kari = as_(make_client, "kari")
    first = create(kari, world)
    assert first.status_code == 201
    again = create(kari, world)
    assert again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert db.session.scalar(select(func.count(Share.id))) == 1


def test_a_share_after_a_revoke_is_the_same_object_again(world, make_client):
    kari = as_(make_client, "kari")
    first = create(kari, world).get_json()
    assert kari.send_json("DELETE", f"/api/v1/shares/{first['id']}").status_code == 204
    assert kari.get("/api/v1/shares").get_json() == []
    again = create(kari, world)
    assert again.status_code == 201 and again.get_json()["id"] == first["id"]


def test_creating_a_share_for_an_audience_i_do_not_have_is_invalid(world, make_client):
    kari = as_(make_client, "kari")
    for audience in ("group:999999", "mentor:999999", "everyone", f"mentor:{world['ola'].id}"):
        response = create(kari, world, audience=audience)
        assert response.status_code == 400, audience
        assert "audience" in response.get_json()["error"]["fields"]


def test_someone_elses_item_cannot_be_shared(world, make_client):
    ola = as_(make_client, "ola")
    assert create(ola, world).status_code == 404


def test_share_json_shows_the_item_as_the_audience_sees_it(world, make_client):
    kari = as_(make_client, "kari")
    made = create(kari, world).get_json()
    ola = as_(make_client, "ola")
    data = ola.get(f"/api/v1/shares/{made['id']}").get_json()
    assert data["item"] == {
        "kind": "entry",
        "mood": 3,
        "text": "Private words, shared on purpose",
        "written_at": data["item"]["written_at"],
        "voice": None,
    }
    assert data["owner"] == {"id": world["kari"].id, "display_name": "Kari"}
    assert data["audience"] == {
        "key": f"group:{world['group'].id}",
        "kind": "group",
        "name": "Tirsdag",
    }
    assert data["revoked_at"] is None and data["hidden_reason"] is None
    assert "username" not in str(data) and "kari" not in str(data)


def test_only_the_owner_can_delete_a_share(world, make_client):
    kari = as_(make_client, "kari")
    made = create(kari, world).get_json()
    ola = as_(make_client, "ola")
    assert ola.send_json("DELETE", f"/api/v1/shares/{made['id']}").status_code == 404
    assert ola.get(f"/api/v1/shares/{made['id']}").status_code == 200


def test_feed_pages_with_a_cursor(world, make_client):
    for n in range(7):
        factories.share(factories.entry(world["ola"], text=f"n{n}"), group=world["group"])
    factories.commit()
    kari = as_(make_client, "kari")
    url = f"/api/v1/groups/{world['group'].id}/feed"
    first = kari.get(url + "?limit=5").get_json()
    assert [i["item"]["text"] for i in first["items"]] == ["n6", "n5", "n4", "n3", "n2"]
    rest = kari.get(url + f"?limit=5&before={first['next_cursor']}").get_json()
    assert [i["item"]["text"] for i in rest["items"]] == ["n1", "n0"]
    assert rest["next_cursor"] is None


def test_feed_of_a_group_i_am_not_in_is_not_found(world, make_client):
    stranger = as_(make_client, "stranger")
    assert stranger.get(f"/api/v1/groups/{world['group'].id}/feed").status_code == 404
    mentor = as_(make_client, "mentor")
    assert mentor.get(f"/api/v1/groups/{world['group'].id}/feed").status_code == 404


def test_replies_reactions_and_words_through_the_api(world, make_client):
    kari = as_(make_client, "kari")
    made = create(kari, world).get_json()
    ola = as_(make_client, "ola")
    base = f"/api/v1/shares/{made['id']}"
    reply = ola.send_json("POST", base + "/replies", {"text": "  Well said  "})
    assert reply.status_code == 201 and reply.get_json()["text"] == "Well said"
    assert ola.send_json("POST", base + "/replies", {"text": " "}).status_code == 400
    assert ola.send_json("POST", base + "/replies", {"text": "x" * 501}).status_code == 400
    assert [r["text"] for r in ola.get(base + "/replies").get_json()] == ["Well said"]

    for _ in range(2):
        reacted = ola.send_json("POST", base + "/reactions", {"reaction": "clap"})
        assert reacted.status_code == 200
    assert reacted.get_json()["reactions"] == [{"reaction": "clap", "names": ["Ola"], "mine": True}]
    assert db.session.scalar(select(func.count(ShareReaction.id))) == 1
    assert ola.send_json("POST", base + "/reactions", {"reaction": "boo"}).status_code == 400
    gone = ola.send_json("DELETE", base + "/reactions", {"reaction": "clap"})
    assert gone.get_json()["reactions"] == []

    word = ola.send_json("POST", base + "/strength-words", {"preset": "patient", "show_name": True})
    assert word.status_code == 201
    assert word.get_json()["word"] == "Patient" and word.get_json()["from_name"] == "Ola"
    own = ola.send_json("POST", base + "/strength-words", {"text": "Steady", "show_name": False})
    assert own.get_json()["from_name"] is None
    assert ola.send_json("POST", base + "/strength-words", {}).status_code == 400
    too_long = ola.send_json("POST", base + "/strength-words", {"text": "x" * 41})
    assert too_long.status_code == 400
    assert kari.send_json("POST", base + "/strength-words", {"preset": "kind"}).status_code == 404


def test_nobody_outside_the_audience_can_reply_or_react(world, make_client):
    kari = as_(make_client, "kari")
    made = create(kari, world).get_json()
    stranger = as_(make_client, "stranger")
    base = f"/api/v1/shares/{made['id']}"
    assert stranger.send_json("POST", base + "/replies", {"text": "hi"}).status_code == 404
    assert stranger.send_json("POST", base + "/reactions", {"reaction": "heart"}).status_code == 404
    assert stranger.get(base + "/replies").status_code == 404


def test_mentor_opening_through_the_api_is_recorded(world, make_client):
    kari = as_(make_client, "kari")
    made = create(kari, world, audience=f"mentor:{world['mentor'].id}").get_json()
    mona = as_(make_client, "mentor")
    assert mona.get(f"/api/v1/shares/{made['id']}").status_code == 200
    assert db.session.scalar(select(ShareView.viewer_role)) == "mentor"


def test_sharing_endpoints_are_in_the_openapi_document(world, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, method in [
        ("/api/v1/shares", "post"),
        ("/api/v1/shares", "get"),
        ("/api/v1/shares/{share_id}", "delete"),
        ("/api/v1/groups/{group_id}/feed", "get"),
        ("/api/v1/shares/{share_id}/replies", "post"),
        ("/api/v1/shares/{share_id}/reactions", "delete"),
        ("/api/v1/shares/{share_id}/strength-words", "post"),
    ]:
        assert method in paths[path], (path, method)


def test_concurrent_double_share_does_not_fail(world, app):
    """Two requests racing: the second insert hits the unique key and finds the first row."""
    from webapp.services import sharing

    kari, entry = world["kari"], world["entry"]
    audience = sharing.audience_by_key(kari, f"group:{world['group'].id}")
    item = sharing.find_item(kari, "entry", entry.id)
    # Another request got there first, behind our back (the lookup sees nothing yet).
    real = sharing._existing
    calls = []

    def blind(key, audience_key):
        calls.append(1)
        return None if len(calls) == 1 else real(key, audience_key)

    factories.share(entry, group=world["group"])
    sharing._existing = blind
    try:
        _row, created = sharing.share(kari, item, audience)
    finally:
        sharing._existing = real
    db.session.commit()
    assert created is False
    assert db.session.scalar(select(func.count(Share.id))) == 1
