"""Deleting an account: everything of the person goes at once, what others own stays, and what
stays of them (a reply in someone else's thread) says "Deleted user".

The heart of it is `test_nothing_of_the_deleted_person_is_left_in_any_table`: it builds a world
with a row of the person in every table that points at people, deletes them, and then reads
EVERY table in `Base.metadata`, every column: no column that refers to users.id holds their id,
and no text column holds their username, their name or anything they wrote. Nothing in it names
a table: a table added later is scanned without anyone remembering it, and the world builder
fails until it is given a row of the person there too (`ROWS_OF_THE_PERSON_NOT_NEEDED`).
"""

import uuid
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import String, Text, func, select

from webapp.extensions import db
from webapp.models import (
    Attendance,
    Base,
    DataExport,
    Delivery,
    DeliveryKind,
    EntryRevision,
    GuardianConsent,
    LinkStatus,
    LoginFailure,
    LoginSession,
    Membership,
    MentorInvite,
    MentorLink,
    Notification,
    NotificationKind,
    NotificationSettings,
    PrivacyAcknowledgement,
    PushSubscription,
    Reminder,
    ReminderKind,
    ReminderRecipient,
    Reply,
    Report,
    ResetCode,
    RetentionPolicy,
    Role,
    Share,
    ShareReaction,
    ShareView,
    StrengthRound,
    StrengthWord,
    User,
    VoiceNote,
)
from webapp.models.base import utcnow
from webapp.services import erasure, groups, notifications, sharing

import factories

USERNAME = "quillon-vex"
NAME = "Quillon Vexbright"
# Every text the person wrote carries one of these; none may be found anywhere afterwards.
SECRETS = [f"Zorblat-{n:02d}" for n in range(30)]
KEPT_REPLY = "Well done, you got there!"  # their reply in the peer's thread: stays, unnamed

# Columns that point at people but that this world leaves empty, and why. Everything else that
# refers to users.id must hold the person somewhere before the deletion (see `_every_reference`).
ROWS_OF_THE_PERSON_NOT_NEEDED = {
    # A participant is nobody's counsellor: these are written by staff (tested for a counsellor
    # and a mentor below, where they matter).
    ("mentor_invites", "invited_by_id"),
    ("guardian_consents", "recorded_by_id"),
    ("mentor_links", "proposed_by_id"),
    ("reset_codes", "issued_by_id"),
    ("replies", "hidden_by_id"),
    ("shares", "hidden_by_id"),
    ("strength_words", "hidden_by_id"),
    ("dilemmas", "hidden_by_id"),
    ("dilemma_responses", "hidden_by_id"),
    # ... nor anybody's mentor (see the mentor's test below)
    ("mentor_links", "mentor_id"),
    ("shares", "mentor_id"),
}


@pytest.fixture
def folders(app, tmp_path):
    app.config["VOICE_DIR"] = str(tmp_path / "voice")
    app.config["EXPORT_DIR"] = str(tmp_path / "exports")
    for name in ("voice", "exports"):
        (tmp_path / name).mkdir()
    return tmp_path / "voice", tmp_path / "exports"


def _secret(n: int) -> str:
    return SECRETS[n]


def _voice(entry, folder: Path, what: str) -> Path:
    name = uuid.uuid4().hex + ".webm"
    (folder / name).write_bytes(b"\x1a\x45\xdf\xa3" + what.encode())
    db.session.add(VoiceNote(entry_id=entry.id, file_name=name, mime="audio/webm", size=10))
    return folder / name


def build_world(folders) -> dict:
    """The person (a participant with a mentor, in a group with a peer and a counsellor) with
    something of theirs in every table, and the peer's own things around them."""
    voice_dir, export_dir = folders
    s = iter(range(len(SECRETS)))
    me = factories.user(username=USERNAME, display_name=NAME)
    peer = factories.user(username="peer-pia", display_name="Pia Peer")
    mentor = factories.user(Role.MENTOR, username="mentor-mo", display_name="Mo Mentor")
    counsellor = factories.user(Role.COUNSELLOR, username="coach-cy", display_name="Cy Coach")
    group = factories.group(counsellor, (me, peer), name="Tuesday group")
    me.office_id = group.office_id
    link = factories.mentor_link(me, mentor, proposed_by_id=counsellor.id)

    # my journal: a goal with a step, an entry with a voice note and an earlier version
    goal = factories.goal(me, title=f"Goal {_secret(next(s))}", why=_secret(next(s)))
    step = factories.step(goal, title=f"Step {_secret(next(s))}")
    entry = factories.entry(me, text=f"Entry {_secret(next(s))}", goal_id=goal.id)
    db.session.add(EntryRevision(entry_id=entry.id, text=_secret(next(s)), written_at=utcnow()))
    my_voice = _voice(entry, voice_dir, _secret(next(s)))

    # the peer's own things, with my reply, my reaction and my word on them
    peer_entry = factories.entry(peer, text="Peer's own day")
    peer_voice = _voice(peer_entry, voice_dir, "peer")
    peer_share = factories.share(peer_entry, group=group)
    peer_reply = sharing.add_reply(peer, peer_share, "Thanks, everyone")
    my_reply = sharing.add_reply(me, peer_share, KEPT_REPLY)  # tells the peer: actor = me
    db.session.add(ShareReaction(share_id=peer_share.id, user_id=me.id, reaction="heart"))
    notifications.notify(peer.id, NotificationKind.REACTION, me, share=peer_share)
    db.session.add_all(
        [
            StrengthWord(recipient_id=peer.id, giver_id=me.id, text=_secret(next(s))[:20]),
            Report(share_id=peer_share.id, reporter_id=me.id, reason=_secret(next(s))),
            # (as if I had been a mentor who opened it)
            ShareView(share_id=peer_share.id, owner_id=peer.id, viewer_id=me.id, viewer_role="m"),
        ]
    )

    # what I shared, and what others sent back on it
    my_share = factories.share(entry, group=group)
    mentor_share = factories.share(step, mentor=mentor)
    sharing.add_reply(peer, my_share, f"Reply to me {_secret(next(s))}")
    sharing.add_reply(mentor, mentor_share, f"Mentor says {_secret(next(s))}")
    sharing.add_reply(me, mentor_share, f"My answer {_secret(next(s))}")
    db.session.add_all(
        [
            ShareReaction(share_id=my_share.id, user_id=peer.id, reaction="clap"),
            StrengthWord(
                recipient_id=me.id, giver_id=peer.id, share_id=my_share.id, preset="brave"
            ),
            ShareView(
                share_id=mentor_share.id, owner_id=me.id, viewer_id=mentor.id, viewer_role="mentor"
            ),
            Report(share_id=my_share.id, reporter_id=peer.id, reason="peer's report"),
        ]
    )

    # a live session: my dilemma on screen with the peer's answer, my answer to the peer's
    # dilemma, a strength-word round about me, my attendance
    session = factories.session(group, live=True)
    my_dilemma = factories.dilemma(
        me, group, on=session, problem=_secret(next(s)), solution_1=_secret(next(s))
    )
    factories.response(peer, my_dilemma, text="Peer thinks so")
    peer_dilemma = factories.dilemma(peer, group, problem="Peer's problem")
    factories.response(me, peer_dilemma, text=_secret(next(s)))
    round_ = StrengthRound(session_id=session.id, subject_id=me.id)
    db.session.add_all([round_, Attendance(session_id=session.id, user_id=me.id)])
    db.session.flush()
    session.current_round_id = round_.id
    db.session.add(
        StrengthWord(recipient_id=me.id, giver_id=peer.id, round_id=round_.id, preset="kind")
    )

    # reminders: my own, and the counsellor's with me as a recipient
    own = Reminder(
        kind=ReminderKind.OWN,
        created_by_id=me.id,
        step_id=step.id,
        text=_secret(next(s)),
        start_date=date(2026, 1, 1),
        start_time=utcnow().time().replace(microsecond=0),
    )
    theirs = Reminder(
        created_by_id=counsellor.id,
        group_id=group.id,
        text="Bring your CV",
        start_date=date(2026, 1, 1),
        start_time=utcnow().time().replace(microsecond=0),
    )
    db.session.add_all([own, theirs])
    db.session.flush()
    db.session.add(ReminderRecipient(reminder_id=theirs.id, user_id=me.id))

    # devices, push, throttling, settings, codes, consent, acknowledgement, export
    login = LoginSession(user_id=me.id, token_hash=uuid.uuid4().hex, device_label="Phone")
    db.session.add(login)
    db.session.flush()
    zip_name = uuid.uuid4().hex + ".zip"
    (export_dir / zip_name).write_bytes(b"PK" + _secret(next(s)).encode())
    db.session.add_all(
        [
            PushSubscription(
                user_id=me.id,
                login_id=login.id,
                endpoint=f"https://push.example/{uuid.uuid4()}",
                p256dh="k",
                auth="a",
                label="Phone",
            ),
            LoginFailure(key=f"code:u:{me.id}"),
            NotificationSettings(user_id=me.id),
            ResetCode(
                user_id=me.id,
                code_hash=uuid.uuid4().hex,
                issued_by_id=counsellor.id,
                expires_at=utcnow() + timedelta(days=1),
            ),
            GuardianConsent(
                user_id=me.id,
                guardian_name=_secret(next(s)),
                given_on=date(2026, 1, 2),
                recorded_by_id=counsellor.id,
            ),
            PrivacyAcknowledgement(user_id=me.id, version=0),
            DataExport(user_id=me.id, status="ready", file_name=zip_name, size=10),
            # as if I had once set my office's rules, and been invited as a mentor
            RetentionPolicy(office_id=group.office_id, updated_by_id=me.id),
            MentorInvite(
                token_hash=uuid.uuid4().hex,
                invited_by_id=me.id,
                mentor_id=me.id,
                note=f"For {NAME}",
                expires_at=utcnow(),
            ),
        ]
    )
    db.session.flush()
    notice = db.session.scalar(select(Notification).where(Notification.user_id == me.id).limit(1))
    db.session.add(
        Delivery(
            dedupe_key=f"inbox:{notice.id}",
            kind=DeliveryKind.INBOX,
            user_id=me.id,
            occurrence_at=utcnow(),
            due_at=utcnow(),
            notification_id=notice.id,
        )
    )
    # a link request I was told about, on a pending link of mine
    pending = factories.mentor_link(me, counsellor, status=LinkStatus.PENDING)
    notifications.notify(me.id, NotificationKind.LINK_REQUEST, counsellor, link=pending)
    factories.commit()
    return {
        "me": me.id,
        "peer": peer.id,
        "mentor": mentor.id,
        "counsellor": counsellor.id,
        "peer_share": peer_share.id,
        "peer_reply": peer_reply.id,
        "my_reply": my_reply.id,
        "link": link.id,
        "session": session.id,
        "files": [my_voice, export_dir / zip_name],
        "peer_voice": peer_voice,
    }


def _references_to_users() -> list:
    return [
        (table, fk.parent)
        for table in Base.metadata.sorted_tables
        for fk in table.foreign_keys
        if fk.column.table.name == "users"
    ]


def _every_reference(person_id: int) -> list[str]:
    """Columns that refer to people but hold nobody of this person: the world misses them."""
    missing = []
    for table, column in _references_to_users():
        if (table.name, column.name) in ROWS_OF_THE_PERSON_NOT_NEEDED:
            continue
        found = db.session.scalar(
            select(func.count()).select_from(table).where(column == person_id)
        )
        if not found:
            missing.append(f"{table.name}.{column.name}")
    return missing


def _leftovers(person_id: int, words: list[str]) -> list[str]:
    """Every table, every column: their id in a reference to people, their words in a text."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            refers_to_people = any(fk.column.table.name == "users" for fk in column.foreign_keys)
            if refers_to_people or (table.name == "users" and column.name == "id"):
                hits = db.session.scalar(
                    select(func.count()).select_from(table).where(column == person_id)
                )
                if hits:
                    found.append(f"{table.name}.{column.name} = {person_id} ({hits} rows)")
            if isinstance(column.type, String | Text):
                for word in words:
                    hits = db.session.scalar(
                        select(func.count())
                        .select_from(table)
                        .where(func.lower(column).contains(word.lower()))
                    )
                    if hits:
                        found.append(f"{table.name}.{column.name} holds {word!r}")
    return found


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


# --- the whole of it ------------------------------------------------------------------------------


def test_nothing_of_the_deleted_person_is_left_in_any_table(app, folders):
    world = build_world(folders)
    me = db.session.get(User, world["me"])
    assert _every_reference(me.id) == [], "give the person a row there in build_world"
    words = [USERNAME, NAME, *SECRETS]
    assert _leftovers(me.id, words), "the scan finds the person before the deletion"

    counts = erasure.delete_account(me, reason="own")
    db.session.commit()
    db.session.expire_all()

    assert _leftovers(world["me"], words) == []
    assert counts["users"] == 1 and counts["entries"] == 1 and counts["voice_files"] == 1
    assert counts["export_files"] == 1 and counts["strength_words"] == 3
    assert counts["kept_anonymous"] == 4  # my reply, its notice, my view, the office rules
    for path in world["files"]:
        assert not path.exists()
    assert world["peer_voice"].exists()


def test_what_others_own_stays_and_my_reply_in_their_thread_says_deleted_user(
    app, folders, make_client
):
    world = build_world(folders)
    erasure.delete_account(db.session.get(User, world["me"]), reason="own")
    db.session.commit()

    assert db.session.get(Share, world["peer_share"]) is not None
    assert db.session.get(Reply, world["peer_reply"]).author_id == world["peer"]
    kept = db.session.get(Reply, world["my_reply"])
    assert kept.text == KEPT_REPLY and kept.author_id is None
    assert db.session.get(User, world["peer"]) is not None
    assert _count(Membership, Membership.user_id == world["peer"]) == 1
    assert _count(Report, Report.reporter_id.is_(None), Report.reason == "") == 1  # mine, wordless
    assert _count(ShareView, ShareView.viewer_id.is_(None)) == 1  # in the peer's access log
    assert _count(Reminder, Reminder.created_by_id == world["counsellor"]) == 1

    peer = make_client()
    peer.login("peer-pia")
    page = peer.get(f"/shares/{world['peer_share']}").get_data(as_text=True)
    assert "Deleted user" in page and KEPT_REPLY in page and NAME not in page
    replies = peer.get(f"/api/v1/shares/{world['peer_share']}/replies").get_json()
    mine = [r for r in replies if r["text"] == KEPT_REPLY]
    assert mine and mine[0]["author"] is None
    inbox = peer.get("/inbox").get_data(as_text=True)
    assert "Deleted user replied" in inbox and NAME not in inbox


def test_the_session_screen_forgets_what_went_with_the_person(app, folders):
    from webapp.models import GroupSession

    world = build_world(folders)
    erasure.delete_account(db.session.get(User, world["me"]), reason="own")
    db.session.commit()
    live = db.session.get(GroupSession, world["session"])
    assert live.current_dilemma_id is None and live.current_round_id is None


def test_files_go_only_after_the_commit_and_stay_after_a_rollback(app, folders):
    world = build_world(folders)
    erasure.delete_account(db.session.get(User, world["me"]), reason="retention")
    assert all(path.exists() for path in world["files"])
    db.session.rollback()
    assert all(path.exists() for path in world["files"])
    assert db.session.get(User, world["me"]) is not None

    erasure.delete_account(db.session.get(User, world["me"]), reason="retention")
    db.session.commit()
    assert not any(path.exists() for path in world["files"])


def test_a_mentor_who_goes_takes_the_threads_shared_with_them_and_their_invitation(app, folders):
    participant = factories.user()
    mentor = factories.user(Role.MENTOR, display_name="Nemo Mentorsen")
    counsellor = factories.user(Role.COUNSELLOR)
    db.session.add(
        MentorInvite(
            token_hash="t" * 64,
            invited_by_id=counsellor.id,
            mentor_id=mentor.id,
            note="For Nemo Mentorsen",
            expires_at=utcnow(),
            used_at=utcnow(),
        )
    )
    factories.mentor_link(participant, mentor)
    entry = factories.entry(participant, text="Only for my mentor")
    thread = factories.share(entry, mentor=mentor)
    sharing.add_reply(mentor, thread, "Nemo's advice")
    factories.commit()

    erasure.delete_account(mentor, reason="own")
    db.session.commit()
    assert _leftovers(mentor.id, ["Nemo Mentorsen", "Nemo's advice"]) == []
    assert _count(Share) == 0 and _count(MentorInvite) == 0
    assert _count(User, User.id == participant.id) == 1 and _count(MentorLink) == 0


# --- the page ------------------------------------------------------------------------------------


def test_the_page_says_what_goes_and_what_stays(client):
    factories.user(username="page-reader")
    factories.commit()
    client.login("page-reader")
    page = client.get("/me/delete")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "What is deleted" in text and "What stays" in text and "Deleted user" in text


def test_a_wrong_password_deletes_nothing_and_counts_like_a_failed_login(client):
    factories.user(username="careful")
    factories.commit()
    client.login("careful")
    answer = client.post_form("/me/delete", {"password": "not my password"})
    assert answer.status_code == 400
    assert "That password is not right. Nothing was deleted." in answer.get_data(as_text=True)
    assert _count(User, User.username == "careful") == 1
    assert _count(LoginFailure) == 2  # the account's key and the address's key, as at login


def test_an_empty_password_is_asked_for_and_is_no_wrong_try(client):
    factories.user(username="hasty")
    factories.commit()
    client.login("hasty")
    answer = client.post_form("/me/delete", {"password": ""})
    assert answer.status_code == 400
    assert "Please fill in this field." in answer.get_data(as_text=True)
    assert _count(LoginFailure) == 0 and _count(User, User.username == "hasty") == 1


def test_wrong_passwords_are_throttled_like_logins(client, app):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 2
    factories.user(username="guesser")
    factories.commit()
    client.login("guesser")
    for _ in range(2):
        client.post_form("/me/delete", {"password": "wrong"})
    answer = client.post_form("/me/delete", {"password": factories.PASSWORD})
    assert answer.status_code == 400 and "Too many tries" in answer.get_data(as_text=True)
    assert _count(User, User.username == "guesser") == 1


def test_deleting_logs_out_every_device_and_the_login_fails_after(app, make_client):
    factories.user(username="leaving", display_name="Lea Leaving")
    factories.commit()
    phone, laptop = make_client(), make_client()
    phone.login("leaving")
    laptop.login("leaving")

    answer = phone.post_form("/me/delete", {"password": factories.PASSWORD})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/goodbye")
    assert answer.headers["Clear-Site-Data"] == '"cache", "storage"'
    goodbye = phone.get("/goodbye")
    assert goodbye.status_code == 200 and "Lea Leaving" not in goodbye.get_data(as_text=True)
    for device in (phone, laptop):
        assert "/login" in device.get("/me").headers["Location"]
    again = make_client().post_form("/login", {"username": "leaving", "password": "x" * 12})
    assert again.status_code == 400


def test_the_only_counsellor_of_a_group_is_asked_to_hand_it_over_first(client):
    counsellor = factories.user(Role.COUNSELLOR, username="alone-coach")
    factories.group(counsellor, name="Thursday group")
    factories.commit()
    client.login("alone-coach")
    page = client.get("/me/delete").get_data(as_text=True)
    assert "You are the only counsellor of Thursday group" in page
    answer = client.post_form("/me/delete", {"password": factories.PASSWORD})
    assert answer.status_code == 400 and _count(User, User.id == counsellor.id) == 1


def test_a_counsellor_with_a_colleague_in_every_group_may_go(client):
    counsellor = factories.user(Role.COUNSELLOR, username="moving-coach")
    colleague = factories.user(Role.COUNSELLOR)
    team = factories.group(counsellor)
    groups.join(colleague, team, Role.COUNSELLOR)
    factories.commit()
    leaving, team_id = counsellor.id, team.id
    client.login("moving-coach")
    answer = client.post_form("/me/delete", {"password": factories.PASSWORD})
    assert answer.status_code == 302
    assert _count(User, User.id == leaving) == 0
    assert _count(Membership, Membership.group_id == team_id) == 1


# --- the API -------------------------------------------------------------------------------------


def test_the_api_deletes_with_the_password_and_answers_json_otherwise(client):
    factories.user(username="api-leaver")
    factories.commit()
    client.login("api-leaver")
    missing = client.send_json("DELETE", "/api/v1/me", {})
    assert missing.status_code == 400 and "password" in missing.get_json()["error"]["fields"]
    wrong = client.send_json("DELETE", "/api/v1/me", {"password": "wrong"})
    assert wrong.status_code == 400 and wrong.get_json()["error"]["code"] == "wrong_password"
    assert _count(User, User.username == "api-leaver") == 1

    done = client.send_json("DELETE", "/api/v1/me", {"password": factories.PASSWORD})
    assert done.status_code == 204
    assert _count(User, User.username == "api-leaver") == 0
    assert client.get("/api/v1/session").status_code == 401


def test_the_api_refuses_the_only_counsellor_with_409(client):
    counsellor = factories.user(Role.COUNSELLOR, username="api-coach")
    factories.group(counsellor)
    factories.commit()
    client.login("api-coach")
    answer = client.send_json("DELETE", "/api/v1/me", {"password": factories.PASSWORD})
    assert answer.status_code == 409 and answer.get_json()["error"]["code"] == "refused"


def test_the_openapi_document_describes_deleting_my_account(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    operation = spec["paths"]["/api/v1/me"]["delete"]
    assert "requestBody" in operation and {"204", "400", "409", "429"} <= set(
        operation["responses"]
    )


def test_the_only_admin_is_asked_to_make_another_admin_first(client):
    factories.user(Role.ADMIN, username="last-admin")
    factories.commit()
    client.login("last-admin")
    page = client.get("/me/delete").get_data(as_text=True)
    assert "You are the only administrator." in page
    answer = client.send_json("DELETE", "/api/v1/me", {"password": factories.PASSWORD})
    assert answer.status_code == 409 and _count(User, User.username == "last-admin") == 1
