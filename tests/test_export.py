""" "Download my data": the zip holds everything of its owner and nothing of anyone else.

The heart of it is `test_the_zip_holds_my_data_and_none_of_anyone_elses`: a world where the
owner's peers, mentor and counsellor have secrets of their own (journal texts, goal titles, voice
notes, shared items, anonymous dilemmas and anonymous answers to the owner's dilemma, a strength
word given without a name). Every file in the owner's zip (the JSON, the HTML, the README, the
voice notes) is searched, as bytes, for each of those secrets and for the names, username and id
of the person who only ever took part anonymously. The owner's own texts must all be there.
"""

import io
import json
import re
import uuid
import zipfile
from datetime import timedelta

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import (
    DataExport,
    EntryRevision,
    ExportStatus,
    Notification,
    NotificationKind,
    Reply,
    ShareReaction,
    ShareView,
    StrengthRound,
    StrengthWord,
    User,
    VoiceNote,
)
from webapp.models.base import utcnow
from webapp.services import exports, invites, notifications

import factories

ANONYMOUS_ONE = {"id": 7340031, "username": "quillon-zephyrbrand", "name": "Quillon Zephyrbrand"}

# The owner's own words: every one must be in the zip.
MINE = [
    "OWN-GOAL-Lighthouse",
    "OWN-WHY-Because",
    "OWN-STEP-Ladder",
    "OWN-ENTRY-Harbour",
    "OWN-REVISION-Anchor",
    "OWN-DILEMMA-Compass",
    "OWN-SOLUTION-Rope",
    "OWN-REPLY-ON-PEER-Kettle",
    "OWN-RESPONSE-TO-ANON-Lantern",
    "PEER-REPLY-TO-ME-Teapot",  # a reply on my item, in my thread: kept, with its author's name
    "ANON-RESPONSE-TO-MY-DILEMMA-Velvet",  # the words of an anonymous answer, never its author
    "UNNAMED-WORD-Brave",  # a strength word given to me without a name
]
# Everyone else's: none may be in it.
THEIRS = [
    "PEER-PRIVATE-ENTRY-Walrus",
    "PEER-PRIVATE-GOAL-Narwhal",
    "PEER-SHARED-ENTRY-Orca",  # shared with the group; I replied on it
    "PEER-HIDDEN-REPLY-Squid",  # a counsellor hid it: the owner of the item is spared it
    "PEER-VOICE-Dolphin",
    "MENTOR-PRIVATE-ENTRY-Falcon",
    "MENTOR-GOAL-Eagle",
    "COUNSELLOR-GOAL-Badger",
    "COUNSELLOR-GUIDE-Otter",
    "ANON-PRIVATE-ENTRY-Comet",
    "ANON-DILEMMA-Nebula",  # the anonymous one's dilemma, which I answered
    "ANON-SOLUTION-Quasar",
    "OUTSIDER-ENTRY-Meteor",
    "OUTSIDER-SHARED-Asteroid",
]


@pytest.fixture(autouse=True)
def folders(app, tmp_path):
    app.config["EXPORT_DIR"] = str(tmp_path / "exports")
    app.config["VOICE_DIR"] = str(tmp_path / "voice")
    return tmp_path


def voice_note(entry, marker: str) -> VoiceNote:
    name = uuid.uuid4().hex + ".ogg"
    from webapp.services import voice

    (voice.folder() / name).write_bytes(b"OggS" + marker.encode() + b"\0" * 64)
    note = VoiceNote(entry_id=entry.id, file_name=name, mime="audio/ogg", size=70, duration_ms=900)
    db.session.add(note)
    db.session.flush()
    return note


def build_world() -> dict:
    owner = factories.user(username="owner-ada", display_name="Ada Owner", locale="en")
    peer = factories.user(username="peer-bjorn", display_name="Bjorn Peer")
    anon = factories.user(
        id=ANONYMOUS_ONE["id"],
        username=ANONYMOUS_ONE["username"],
        display_name=ANONYMOUS_ONE["name"],
    )
    mentor = factories.user(role="mentor", username="mentor-mia", display_name="Mia Mentor")
    counsellor = factories.user(role="counsellor", username="coach-cai", display_name="Cai Coach")
    outsider = factories.user(username="outsider-oda", display_name="Oda Outsider")
    group = factories.group(counsellor, (owner, peer, anon), name="Harbour group")
    factories.group(None, (outsider,), name="Other group")
    factories.mentor_link(owner, mentor, proposed_by_id=counsellor.id)

    # The owner's journal.
    goal = factories.goal(owner, title=MINE[0], why=MINE[1])
    factories.step(goal, title=MINE[2])
    entry = factories.entry(owner, text=MINE[3])
    db.session.add(EntryRevision(entry_id=entry.id, text=MINE[4], written_at=utcnow()))
    mine_voice = voice_note(entry, "OWN-VOICE")
    to_group = factories.share(entry, group=group)
    factories.share(goal, mentor=mentor)

    # The peer: private things, a shared entry I replied on, a reply on mine, a hidden reply.
    factories.goal(peer, title=THEIRS[1])
    factories.entry(peer, text=THEIRS[0])
    peer_shared = factories.entry(peer, text=THEIRS[2])
    voice_note(peer_shared, THEIRS[4])
    on_peer = factories.share(peer_shared, group=group, include_voice=True)
    db.session.add_all(
        [
            Reply(share_id=on_peer.id, author_id=owner.id, text=MINE[7]),
            Reply(share_id=to_group.id, author_id=peer.id, text=MINE[9]),
            Reply(
                share_id=to_group.id,
                author_id=peer.id,
                text=THEIRS[3],
                hidden_at=utcnow(),
                hidden_by_id=counsellor.id,
                hidden_reason="unkind",
            ),
            ShareReaction(share_id=to_group.id, user_id=peer.id, reaction="heart"),
            ShareReaction(share_id=on_peer.id, user_id=owner.id, reaction="clap"),
            ShareView(
                share_id=to_group.id,
                owner_id=owner.id,
                viewer_id=counsellor.id,
                viewer_role="counsellor",
            ),
        ]
    )

    # The mentor and the counsellor have their own secrets.
    factories.entry(mentor, text=THEIRS[5])
    factories.goal(mentor, title=THEIRS[6])
    factories.goal(counsellor, title=THEIRS[7])

    # A session: my anonymous dilemma answered anonymously by the anonymous one; their
    # anonymous dilemma answered by me; a strength word to me without their name.
    session = factories.session(group, live=True, guide=THEIRS[8])
    mine_dilemma = factories.dilemma(owner, group, on=session, problem=MINE[5], solution_1=MINE[6])
    factories.response(anon, mine_dilemma, text=MINE[10])
    theirs = factories.dilemma(anon, group, problem=THEIRS[10], solution_2=THEIRS[11])
    theirs.session_id = session.id
    factories.response(owner, theirs, text=MINE[8])
    round_ = StrengthRound(session_id=session.id, subject_id=owner.id)
    db.session.add(round_)
    db.session.flush()
    word = StrengthWord(
        recipient_id=owner.id, giver_id=anon.id, round_id=round_.id, text=MINE[11], show_name=False
    )
    db.session.add(word)
    db.session.flush()
    notifications.notify_strength_word(word)
    db.session.add(StrengthWord(recipient_id=owner.id, giver_id=peer.id, preset="brave"))
    factories.entry(anon, text=THEIRS[9])
    factories.share(factories.entry(anon, text="ANON-SHARED-Galaxy"), group=group)

    # Someone in another group.
    factories.entry(outsider, text=THEIRS[12])
    factories.share(factories.entry(outsider, text=THEIRS[13]), group=group)  # not a member

    invites.issue_reset_code(owner, counsellor)
    factories.commit()
    return {
        "owner": owner,
        "peer": peer,
        "anon": anon,
        "mentor": mentor,
        "counsellor": counsellor,
        "outsider": outsider,
        "voice": mine_voice.file_name,
    }


def build_for(user: User) -> DataExport:
    export = exports.request(user)
    db.session.commit()
    assert exports.claim_and_build(utcnow()) == 1
    db.session.expire_all()
    return db.session.get(DataExport, export.id)


def files_of(export: DataExport) -> dict[str, bytes]:
    with zipfile.ZipFile(exports.path_of(export)) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def keys_of(value) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys_of(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys_of(v)}
    return set()


# --- what is in it -----------------------------------------------------------------------------


def test_the_zip_holds_my_data_and_none_of_anyone_elses(app):
    world = build_world()
    export = build_for(world["owner"])
    assert export.status == ExportStatus.READY and export.progress == 100
    files = files_of(export)
    assert {"stegvis-data.json", "index.html", "README.txt", f"voice/{world['voice']}"} == set(
        files
    )

    leaks = [
        (secret, name) for secret in THEIRS for name, raw in files.items() if secret.encode() in raw
    ]
    assert leaks == [], f"someone else's words in my zip: {leaks}"
    anonymous = [
        re.compile(re.escape(ANONYMOUS_ONE["username"]).encode(), re.I),
        re.compile(re.escape(ANONYMOUS_ONE["name"]).encode(), re.I),
        re.compile(rb"(?<!\d)" + str(ANONYMOUS_ONE["id"]).encode() + rb"(?!\d)"),
    ]
    named = [(p.pattern, n) for p in anonymous for n, raw in files.items() if p.search(raw)]
    assert named == [], f"the author of an anonymous post is named: {named}"
    # Nobody else's username, ever; and no author, giver or hider ids in the JSON.
    for other in ("peer-bjorn", "mentor-mia", "coach-cai", "outsider-oda"):
        assert all(other.encode() not in raw for raw in files.values()), other
    data = json.loads(files["stegvis-data.json"])
    assert not keys_of(data) & {"author_id", "giver_id", "hidden_by_id", "viewer_id", "author"}

    for secret in MINE:
        assert secret in files["stegvis-data.json"].decode(), secret
        assert secret in files["index.html"].decode(), secret
    assert b"OWN-VOICE" in files[f"voice/{world['voice']}"]


def test_the_json_says_its_format_and_names_people_only_where_the_app_does(app):
    world = build_world()
    data = json.loads(files_of(build_for(world["owner"]))["stegvis-data.json"])
    assert data["format"] == exports.FORMAT and data["exported_at"]
    assert data["account"]["username"] == "owner-ada"
    assert data["replies_received"] == [
        {
            "share_id": data["shares"][0]["id"],
            "from": "Bjorn Peer",
            "text": "PEER-REPLY-TO-ME-Teapot",
            "created_at": data["replies_received"][0]["created_at"],
        }
    ]
    assert data["replies_written"][0]["on"] == {"kind": "entry", "my_own_item": False}
    assert data["replies_written"][0]["share_id"] is None
    unnamed, named = data["strength_words"]["received"]
    assert unnamed["from"] is None and unnamed["word"] == "UNNAMED-WORD-Brave"
    assert named == {**named, "word": "Brave", "preset": "brave", "from": "Bjorn Peer"}
    assert [r["text"] for r in data["dilemmas"][0]["responses"]] == [MINE[10]]
    assert set(data["dilemmas"][0]["responses"][0]) == {"kind", "choice", "text", "created_at"}
    assert data["dilemma_responses"][0]["on"]["group"] == "Harbour group"
    assert data["mentor_links"][0]["with"] == "Mia Mentor"
    assert data["share_views"][0]["viewer"] == "Cai Coach"
    assert data["reset_codes"][0]["made_by"] == "Cai Coach"
    assert {s["audience"]["type"] for s in data["shares"]} == {"group", "mentor"}
    assert data["voice_notes"][0]["file"] == f"voice/{world['voice']}"
    strength_notice = [n for n in data["notifications"] if n["kind"] == "strength_word"]
    assert strength_notice and strength_notice[0]["from"] is None


def test_the_readable_copy_has_no_scripts_and_speaks_the_owners_language(app):
    owner = factories.user(locale="nn")
    factories.entry(owner, text="Ein god dag")
    factories.commit()
    files = files_of(build_for(owner))
    html = files["index.html"].decode()
    assert '<html lang="nn">' in html
    assert "<script" not in html.lower() and "http" not in html.replace("http-equiv", "")
    assert "Ein god dag" in html
    assert files["README.txt"].decode().strip()


def test_the_peers_zip_does_not_hold_my_words_either(app):
    world = build_world()
    files = files_of(build_for(world["anon"]))
    everything = b"".join(files.values())
    for secret in ("OWN-ENTRY-Harbour", "OWN-DILEMMA-Compass", "OWN-GOAL-Lighthouse"):
        assert secret.encode() not in everything
    # Their own anonymous posts are theirs.
    assert b"ANON-DILEMMA-Nebula" in everything and b"ANON-RESPONSE-TO-MY-DILEMMA" in everything


# --- asking, building, expiring ----------------------------------------------------------------


def test_asking_again_while_it_is_being_made_gives_back_the_same_export(app):
    owner = factories.user()
    first = exports.request(owner)
    db.session.commit()
    assert exports.request(owner).id == first.id
    assert exports.request(owner, fresh=True).id == first.id  # still one at a time
    assert db.session.scalar(select(func.count(DataExport.id))) == 1


def test_a_ready_export_is_given_back_unless_a_fresh_one_is_asked_for(app):
    owner = factories.user()
    factories.commit()
    ready = build_for(owner)
    old_file = exports.path_of(ready)
    assert exports.request(owner).id == ready.id
    fresh = exports.request(owner, fresh=True)
    db.session.commit()
    assert fresh.id != ready.id and fresh.status == ExportStatus.QUEUED
    assert not old_file.exists()
    assert db.session.scalar(select(func.count(DataExport.id))) == 1


def test_two_workers_never_build_the_same_export(app):
    owner = factories.user()
    exports.request(owner)
    db.session.commit()
    assert exports.claim(utcnow()) is not None
    assert exports.claim(utcnow()) is None
    # A worker that died: after its lease another takes it over.
    assert exports.claim(utcnow() + exports.LEASE + timedelta(seconds=1)) is not None


def test_a_worker_that_lost_its_lease_writes_nothing(app):
    owner = factories.user()
    exports.request(owner)
    db.session.commit()
    export_id, lease = exports.claim(utcnow())
    later = utcnow() + exports.LEASE + timedelta(seconds=1)
    export_id, new_lease = exports.claim(later)
    assert exports.build(export_id, lease) is False
    assert db.session.get(DataExport, export_id).status == ExportStatus.BUILDING
    assert exports.build(export_id, new_lease) is True
    assert list((exports.folder()).iterdir()) == [
        exports.path_of(db.session.get(DataExport, export_id))
    ]


def test_the_worker_pass_builds_it_and_tells_the_owner_in_generic_words(app):
    from webapp.worker import run_once, words

    owner = factories.user(locale="en")
    factories.entry(owner, text="A private day")
    export = exports.request(owner)
    db.session.commit()
    run_once()
    db.session.expire_all()
    assert db.session.get(DataExport, export.id).status == ExportStatus.READY
    notice = db.session.scalar(select(Notification).where(Notification.user_id == owner.id))
    assert notice.kind == NotificationKind.EXPORT_READY and notice.url == "/me/export"
    with force_locale("en"):
        said = notifications.sentence(notice, owner, notifications.context_of([notice]))
    assert "download" in said.lower() and "private" not in said
    from webapp.models import Delivery, DeliveryKind

    delivery = Delivery(
        dedupe_key="x",
        kind=DeliveryKind.INBOX,
        user_id=owner.id,
        occurrence_at=utcnow(),
        due_at=utcnow(),
        notification_id=notice.id,
    )
    db.session.add(delivery)
    db.session.flush()
    with force_locale("en"):
        title, body = words(delivery)
    assert title == "Your download is ready" and "private" not in body


def test_expired_exports_and_old_failures_go_with_their_files(app, client):
    owner = factories.user()
    factories.commit()
    ready = build_for(owner)
    path = exports.path_of(ready)
    failed = DataExport(
        user_id=owner.id, status=ExportStatus.FAILED, created_at=utcnow() - timedelta(days=2)
    )
    db.session.add(failed)
    db.session.commit()
    client.login(owner.username)
    ready.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get(f"/me/export/{ready.id}/download").status_code == 410
    assert client.get(f"/api/v1/me/exports/{ready.id}/download").status_code == 410
    assert exports.remove_expired(utcnow()) == 2
    db.session.commit()
    assert not path.exists()
    assert db.session.scalar(select(func.count(DataExport.id))) == 0
    assert client.get(f"/me/export/{ready.id}/download").status_code == 404


# --- the pages and the API ---------------------------------------------------------------------


def test_only_the_owner_can_download(app, make_client):
    owner, other = factories.user(), factories.user()
    factories.commit()
    ready = build_for(owner)
    for path in (
        f"/me/export/{ready.id}/download",
        f"/api/v1/me/exports/{ready.id}/download",
        f"/api/v1/me/exports/{ready.id}",
    ):
        someone = make_client()
        someone.login(other.username)
        assert someone.get(path).status_code == 404, path
        visitor = make_client()
        assert visitor.get(path).status_code in (302, 401), path
    mine = make_client()
    mine.login(owner.username)
    response = mine.get(f"/me/export/{ready.id}/download")
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/zip"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert "stegvis-data-" in response.headers["Content-Disposition"]
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert zipfile.ZipFile(io.BytesIO(response.data)).namelist()


def test_the_page_asks_shows_progress_and_then_the_download(app, client):
    owner = factories.user()
    factories.commit()
    client.login(owner.username)
    page = client.get("/me/export")
    assert page.status_code == 200 and b"Make my file" in page.data
    asked = client.post_form("/me/export")
    assert asked.status_code == 303 and asked.headers["Location"].endswith("/me/export")
    waiting = client.get("/me/export").get_data(as_text=True)
    assert "<progress" in waiting and 'http-equiv="refresh"' in waiting
    assert "data-export-status-url" in waiting
    exports.claim_and_build(utcnow())
    ready = client.get("/me/export").get_data(as_text=True)
    export = exports.latest(owner)
    assert f"/me/export/{export.id}/download" in ready and "<progress" not in ready
    again = client.post_form("/me/export", {"fresh": "1"})
    assert again.status_code == 303
    assert exports.latest(owner).id != export.id


def test_the_api_asks_follows_and_downloads(app, client):
    owner = factories.user()
    factories.entry(owner, text="Entry through the API")
    factories.commit()
    client.login(owner.username)
    asked = client.send_json("POST", "/api/v1/me/export", {})
    assert asked.status_code == 202
    body = asked.get_json()
    assert body["status"] == "queued" and body["download_url"] is None
    assert asked.headers["Location"].endswith(f"/api/v1/me/exports/{body['id']}")
    assert client.send_json("POST", "/api/v1/me/export", {}).get_json()["id"] == body["id"]
    assert client.send_json("POST", "/api/v1/me/export", {"fresh": "x"}).status_code == 400
    exports.claim_and_build(utcnow())
    status = client.get(f"/api/v1/me/exports/{body['id']}").get_json()
    assert status["status"] == "ready" and status["progress"] == 100 and status["expires_at"]
    got = client.get(status["download_url"])
    assert got.status_code == 200
    data = json.loads(zipfile.ZipFile(io.BytesIO(got.data)).read("stegvis-data.json"))
    assert data["entries"][0]["text"] == "Entry through the API"


def test_the_openapi_document_describes_the_export_routes(app, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "post" in paths["/api/v1/me/export"]
    assert "get" in paths["/api/v1/me/exports/{export_id}"]
    assert "get" in paths["/api/v1/me/exports/{export_id}/download"]


def test_the_idle_worker_notices_a_queued_export(app):
    assert exports.waiting(app) is False
    exports.request(factories.user())
    db.session.commit()
    assert exports.waiting(app) is True


def test_a_build_that_breaks_is_marked_failed_and_the_page_offers_to_try_again(
    app, client, monkeypatch
):
    owner = factories.user()
    export = exports.request(owner)
    db.session.commit()

    def broken(*_args, **_kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(exports, "_write_zip", broken)
    assert exports.claim_and_build(utcnow()) == 0
    db.session.expire_all()
    assert db.session.get(DataExport, export.id).status == ExportStatus.FAILED
    assert list(exports.folder().iterdir()) == []  # no half-written file left behind
    client.login(owner.username)
    page = client.get("/me/export").get_data(as_text=True)
    assert "Something went wrong while we made your file" in page and "Make my file" in page
    assert exports.request(owner).id != export.id  # asking again starts afresh
