"""Retention: unused accounts are warned once and then deleted, session boards go some time
after a group's last session, old housekeeping rows are tidied away; `flask purge` (and its dry
run), the worker's one daily run, and the admins' settings page."""

import json
import threading
from datetime import timedelta

import pytest
from dateutil.relativedelta import relativedelta
from flask_babel import force_locale
from sqlalchemy import func, select

from webapp import create_app
from webapp.extensions import db
from webapp.models import (
    Attendance,
    DataExport,
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    Dilemma,
    DilemmaResponse,
    GroupSession,
    LoginFailure,
    LoginSession,
    Membership,
    Notification,
    NotificationKind,
    PurgeRun,
    ResetCode,
    RetentionPolicy,
    Role,
    SessionStatus,
    StrengthRound,
    StrengthWord,
    User,
)
from webapp.models.base import utcnow
from webapp.services import notifications, retention, scheduling
from webapp.worker import run_once, words

import factories as f
from conftest import base_config, page_text

NOW = utcnow().replace(microsecond=0)
TWO_YEARS = relativedelta(months=24)


def inactive_since(when, role=Role.PARTICIPANT, **extra) -> User:
    return f.user(role, last_active_at=when, created_at=when - timedelta(days=1), **extra)


def warnings_of(user_id: int) -> int:
    return db.session.scalar(
        select(func.count()).where(
            Notification.user_id == user_id,
            Notification.kind == NotificationKind.RETENTION_WARNING,
        )
    )


def exists(user_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(User, user_id) is not None


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


# --- inactive accounts ----------------------------------------------------------------------------


def test_a_participant_unused_for_23_months_is_warned_exactly_once(app):
    quiet = inactive_since(NOW - TWO_YEARS + timedelta(days=29)).id
    recent = inactive_since(NOW - TWO_YEARS + timedelta(days=31)).id
    f.commit()

    run = retention.purge(NOW, "command")

    assert retention.counts_of(run)["warned"] == 1
    assert warnings_of(quiet) == 1 and warnings_of(recent) == 0
    assert db.session.get(User, quiet).inactivity_warned_at == NOW
    later = retention.purge(NOW + timedelta(days=1), "command")
    assert retention.counts_of(later)["warned"] == 0
    assert warnings_of(quiet) == 1
    assert exists(quiet)


def test_the_warning_is_pushed_through_the_inbox_in_generic_words(app):
    quiet = inactive_since(NOW - TWO_YEARS).id
    f.commit()
    retention.purge(NOW, "command")

    scheduling.schedule(NOW)
    delivery = db.session.scalar(select(Delivery).where(Delivery.user_id == quiet))
    assert delivery.kind == DeliveryKind.INBOX and delivery.thread == "retention"
    notice = db.session.scalar(select(Notification).where(Notification.user_id == quiet))
    me = db.session.get(User, quiet)
    with force_locale("en"):
        assert words(delivery) == ("Your account will be deleted soon", "Open Stegvis to see it")
        said = notifications.sentence(notice, me, notifications.context_of([notice]))
    assert "deleted" in said and notice.actor_id is None


def test_an_account_is_deleted_only_after_the_warning_has_had_its_days(app, monkeypatch):
    deleted = []
    from webapp.services import erasure

    real = erasure.delete_account

    def spy(user, *, reason):
        deleted.append((user.id, reason))
        return real(user, reason=reason)

    monkeypatch.setattr(erasure, "delete_account", spy)
    gone = inactive_since(NOW - TWO_YEARS - timedelta(days=60)).id
    f.commit()

    first = retention.purge(NOW, "command")  # long past the limit, but never told
    assert retention.counts_of(first)["warned"] == 1
    assert retention.counts_of(first)["accounts_deleted"] == 0 and exists(gone)
    retention.purge(NOW + timedelta(days=29), "command")
    assert exists(gone)

    last = retention.purge(NOW + timedelta(days=30), "command")

    assert retention.counts_of(last)["accounts_deleted"] == 1
    assert deleted == [(gone, "retention")]
    assert not exists(gone)


def test_one_account_that_cannot_be_deleted_does_not_stop_the_others(app, monkeypatch):
    from webapp.services import erasure

    real = erasure.delete_account
    stuck, gone = (inactive_since(NOW - TWO_YEARS - timedelta(days=60)).id for _ in range(2))
    db.session.execute(
        User.__table__.update().values(inactivity_warned_at=NOW - timedelta(days=31))
    )
    f.commit()

    def sometimes(user, *, reason):
        if user.id == stuck:
            raise RuntimeError("disk full")
        return real(user, reason=reason)

    monkeypatch.setattr(erasure, "delete_account", sometimes)
    run = retention.purge(NOW, "command")

    assert retention.counts_of(run)["accounts_deleted"] == 1
    assert exists(stuck) and not exists(gone)
    assert db.session.get(PurgeRun, run.id).finished_at is not None


def test_using_the_app_again_resets_the_clock(app, client):
    back = inactive_since(NOW - TWO_YEARS + timedelta(days=10), username="back-again").id
    f.commit()
    retention.purge(NOW, "command")
    assert db.session.get(User, back).inactivity_warned_at is not None

    client.login("back-again")
    db.session.expire_all()
    user = db.session.get(User, back)
    assert user.inactivity_warned_at is None and user.last_active_at > NOW - timedelta(minutes=5)

    later = retention.purge(NOW + timedelta(days=40), "command")
    assert retention.counts_of(later)["accounts_deleted"] == 0
    assert retention.counts_of(later)["warned"] == 0
    assert exists(back)


def test_a_warning_no_longer_counts_once_the_office_gives_more_time(app):
    office = f.office()
    person = inactive_since(NOW - TWO_YEARS - timedelta(days=5), office_id=office.id).id
    f.commit()
    retention.purge(NOW, "command")
    assert warnings_of(person) == 1
    db.session.add(
        RetentionPolicy(office_id=office.id, inactive_months=36, warn_days=30, board_days=90)
    )
    f.commit()

    retention.purge(NOW + timedelta(days=40), "command")
    assert exists(person) and db.session.get(User, person).inactivity_warned_at is None

    near_the_new_limit = NOW + relativedelta(months=12) - timedelta(days=20)
    retention.purge(near_the_new_limit, "command")  # warned afresh, not deleted at once
    assert exists(person) and warnings_of(person) == 2


def test_counsellors_and_admins_are_never_warned_or_deleted(app):
    ids = [
        inactive_since(NOW - relativedelta(years=5), role=role).id
        for role in (Role.COUNSELLOR, Role.ADMIN)
    ]
    mentor = inactive_since(NOW - relativedelta(years=5), role=Role.MENTOR).id
    f.commit()
    retention.purge(NOW, "command")
    retention.purge(NOW + timedelta(days=31), "command")
    assert all(exists(i) and warnings_of(i) == 0 for i in ids)
    assert not exists(mentor)


def test_without_activity_the_clock_starts_at_sign_up(app):
    never_used = f.user(created_at=NOW - TWO_YEARS).id
    f.commit()
    assert retention.counts_of(retention.purge(NOW, "command"))["warned"] == 1
    assert warnings_of(never_used) == 1


def test_the_office_of_the_latest_membership_decides_and_0_means_never(app):
    strict, lenient = f.office(), f.office()
    db.session.add_all(
        [
            RetentionPolicy(office_id=strict.id, inactive_months=6, warn_days=7, board_days=30),
            RetentionPolicy(office_id=lenient.id, inactive_months=0, warn_days=30, board_days=0),
        ]
    )
    eight_months = NOW - relativedelta(months=8)
    moved = inactive_since(eight_months)  # first in the lenient office, now in the strict one
    stayed = inactive_since(eight_months)  # the other way round
    own = inactive_since(eight_months, office_id=strict.id)  # no group: their own office
    nobody = inactive_since(eight_months)  # no office at all: the defaults (24 months)
    old, new = f.group(office=lenient), f.group(office=strict)
    for person, first, latest in ((moved, old, new), (stayed, new, old)):
        for days_ago, team_ in ((300, first), (200, latest)):
            db.session.add(
                Membership(
                    group_id=team_.id,
                    user_id=person.id,
                    role=Role.PARTICIPANT,
                    joined_at=NOW - timedelta(days=days_ago),
                )
            )
    f.commit()

    retention.purge(NOW, "command")

    assert warnings_of(moved.id) == 1 and warnings_of(own.id) == 1
    assert warnings_of(stayed.id) == 0 and warnings_of(nobody.id) == 0
    assert retention.policy_for_office(strict.id).inactive_months == 6
    assert retention.policy_for_office(None) == retention.defaults()


# --- session boards ---------------------------------------------------------------------------


def board(of, ended_days_ago: int, secret: str):
    """A group's ended session with everything said in it."""
    ended = NOW - timedelta(days=ended_days_ago)
    session = f.session(of, starts_at=ended - timedelta(hours=3))
    session.status, session.started_at, session.ended_at = SessionStatus.ENDED, ended, ended
    author, other = (m.user for m in of.memberships if m.role == Role.PARTICIPANT)
    dilemma = f.dilemma(author, of, on=session, problem=f"Problem {secret}")
    f.response(other, dilemma, text=f"Answer {secret}")
    db.session.add(Attendance(session_id=session.id, user_id=author.id))
    round_ = StrengthRound(session_id=session.id, subject_id=author.id, ended_at=ended)
    db.session.add(round_)
    db.session.flush()
    session.current_round_id = round_.id
    word = StrengthWord(
        recipient_id=author.id, giver_id=other.id, round_id=round_.id, preset="brave"
    )
    db.session.add(word)
    db.session.flush()
    return session, word


def team():
    return f.group(f.user(Role.COUNSELLOR), (f.user(), f.user()))


def test_session_boards_go_90_days_after_the_last_session_but_words_and_plans_stay(app):
    old_group, young_group, ongoing = team(), team(), team()
    old_session, word = board(old_group, 91, "Gammel")
    board(young_group, 89, "Fersk")
    board(ongoing, 200, "Videre")
    f.session(ongoing, starts_at=NOW + timedelta(days=3))  # the group meets again
    waiting_new = f.dilemma(old_group.memberships[1].user, old_group)  # written last week
    waiting_new.created_at = NOW - timedelta(days=7)
    f.commit()

    run = retention.purge(NOW, "command")

    counts = retention.counts_of(run)
    assert counts["boards_archived"] == 1
    assert (counts["dilemmas"], counts["dilemma_responses"]) == (1, 1)
    assert (counts["attendances"], counts["strength_rounds"]) == (1, 1)
    left = db.session.scalars(select(Dilemma.problem)).all()
    assert not any("Gammel" in p for p in left) and len(left) == 3
    assert not any("Gammel" in t for t in db.session.scalars(select(DilemmaResponse.text)))
    db.session.expire_all()
    assert db.session.get(GroupSession, old_session.id).current_round_id is None  # plan stays
    kept = db.session.get(StrengthWord, word.id)
    assert kept is not None and kept.round_id is None
    assert count(Attendance) == 2 and count(StrengthRound) == 2
    again = retention.purge(NOW, "command")  # nothing left to archive
    assert retention.counts_of(again)["boards_archived"] == 0


# --- housekeeping -------------------------------------------------------------------------------


def test_old_housekeeping_rows_are_tidied_and_recent_ones_kept(app):
    person = f.user()
    old, recent = NOW - timedelta(days=400), NOW - timedelta(hours=2)
    db.session.add_all(
        [
            LoginFailure(key="old", at=NOW - timedelta(days=2)),
            LoginFailure(key="new", at=recent),
            LoginSession(
                user_id=person.id,
                token_hash="a" * 64,
                device_label="x",
                ended_at=old,
                last_seen_at=old,
            ),
            LoginSession(
                user_id=person.id, token_hash="b" * 64, device_label="x", last_seen_at=old
            ),
            LoginSession(user_id=person.id, token_hash="c" * 64, device_label="x"),
            ResetCode(user_id=person.id, code_hash="d" * 64, expires_at=old, created_at=old),
            ResetCode(user_id=person.id, code_hash="e" * 64, expires_at=NOW + timedelta(days=1)),
            Notification(
                user_id=person.id, kind="reply", thread="t", url="/", created_at=old, read_at=old
            ),
            Notification(user_id=person.id, kind="reply", thread="t", url="/", created_at=old),
            Notification(user_id=person.id, kind="reply", thread="t", url="/", read_at=recent),
        ]
    )
    for n, (status, finished) in enumerate(
        [
            (DeliveryStatus.SENT, old),
            (DeliveryStatus.DROPPED, old),
            (DeliveryStatus.SENT, recent),
            (DeliveryStatus.PENDING, None),
        ]
    ):
        db.session.add(
            Delivery(
                dedupe_key=f"k{n}",
                kind=DeliveryKind.INACTIVE,
                user_id=person.id,
                occurrence_at=old,
                due_at=old,
                status=status,
                finished_at=finished,
                created_at=old,
            )
        )
    f.commit()

    counts = retention.counts_of(retention.purge(NOW, "command"))

    assert counts["login_failures"] == 1 and count(LoginFailure) == 1
    assert counts["login_sessions"] == 2 and count(LoginSession) == 1
    assert counts["reset_codes"] == 1 and count(ResetCode) == 1
    assert counts["deliveries"] == 2 and count(Delivery) == 2
    assert counts["notifications"] == 1 and count(Notification) == 2


def test_expired_exports_are_removed_through_the_export_service(app):
    person = f.user()
    db.session.add_all(
        [
            DataExport(user_id=person.id, status="ready", expires_at=NOW - timedelta(hours=1)),
            DataExport(user_id=person.id, status="ready", expires_at=NOW + timedelta(hours=1)),
        ]
    )
    f.commit()
    assert retention.counts_of(retention.purge(NOW, "command", dry_run=True))["exports"] == 1
    assert retention.counts_of(retention.purge(NOW, "command"))["exports"] == 1
    assert count(DataExport) == 1


# --- records, the command and its dry run -------------------------------------------------------


def test_each_run_records_its_counts_and_nothing_else(app):
    inactive_since(NOW - TWO_YEARS)
    f.commit()
    run = retention.purge(NOW, "command")
    saved = db.session.get(PurgeRun, run.id)
    assert saved.trigger == "command" and saved.day_key is None and saved.finished_at
    counts = json.loads(saved.counts)
    assert set(counts) == set(retention.COUNT_NAMES)
    assert all(isinstance(n, int) for n in counts.values()) and counts["warned"] == 1


def snapshot():
    db.session.expire_all()
    return {
        table.name: sorted(map(tuple, db.session.execute(table.select()).all()), key=str)
        for table in db.Model.metadata.sorted_tables
    }


def test_a_dry_run_says_what_would_go_and_writes_nothing(app):
    inactive_since(NOW - TWO_YEARS)
    warned = inactive_since(NOW - TWO_YEARS - timedelta(days=60))
    warned.inactivity_warned_at = NOW - timedelta(days=40)
    board(team(), 100, "Tørr")
    db.session.add(LoginFailure(key="old", at=NOW - timedelta(days=3)))
    f.commit()
    before = snapshot()

    run = retention.purge(NOW, "command", dry_run=True)

    counts = retention.counts_of(run)
    assert counts["warned"] == 1 and counts["accounts_deleted"] == 1
    assert counts["dilemmas"] == 1 and counts["login_failures"] == 1
    assert snapshot() == before


def test_the_purge_command_prints_counts_and_its_dry_run_changes_nothing(app):
    quiet = f.user(created_at=utcnow() - TWO_YEARS).id
    f.commit()
    runner = app.test_cli_runner()

    dry = runner.invoke(args=["purge", "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "dry run" in dry.output and "warned: 1" in dry.output
    assert count(PurgeRun) == 0 and warnings_of(quiet) == 0

    real = runner.invoke(args=["purge"])
    assert real.exit_code == 0, real.output
    assert "warned: 1" in real.output and "accounts deleted: 0" in real.output
    assert count(PurgeRun) == 1 and warnings_of(quiet) == 1


# --- the worker's daily run ---------------------------------------------------------------------


def test_the_worker_purges_once_a_day(app):
    inactive_since(NOW - TWO_YEARS)
    f.commit()
    run_once(NOW)
    run_once(NOW + timedelta(minutes=1))
    runs = db.session.scalars(select(PurgeRun)).all()
    assert [(r.day_key, r.trigger) for r in runs] == [(retention.day_key(NOW), "worker")]
    assert json.loads(runs[0].counts)["warned"] == 1
    tomorrow = NOW + timedelta(days=1)
    run_once(tomorrow)
    assert count(PurgeRun) == 2


def test_two_workers_racing_for_the_same_day_purge_once(app, database_url):
    inactive_since(NOW - TWO_YEARS)
    f.commit()
    db.session.remove()
    workers = [create_app(base_config(database_url)) for _ in range(2)]
    start = threading.Barrier(2)
    results, errors = [], []

    def work(one):
        try:
            with one.app_context():
                start.wait()
                done = retention.run_daily(NOW)
                results.append(done.id if done is not None else None)
                db.session.remove()
        except Exception as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(one,)) for one in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    for one in workers:
        with one.app_context():
            db.engine.dispose()

    assert errors == []
    assert sum(1 for r in results if r is not None) == 1
    assert count(PurgeRun) == 1
    assert (
        db.session.scalar(
            select(func.count()).where(Notification.kind == NotificationKind.RETENTION_WARNING)
        )
        == 1
    )


# --- the settings page --------------------------------------------------------------------------


def people():
    office = f.office("NAV Vest")
    other = f.office("NAV Øst")
    f.user(Role.ADMIN, username="admin-all")
    f.user(Role.ADMIN, username="admin-vest", office_id=office.id)
    counsellor = f.user(Role.COUNSELLOR, username="veileder-vest")
    f.group(counsellor, (), office=office)
    f.user(username="deltaker-vest")
    f.commit()
    return office, other


def test_an_admin_sees_every_office_and_changes_its_rules(app, client):
    office, _other = people()
    client.login("admin-all")
    page = client.get("/admin/retention")
    assert page.status_code == 200
    text = page_text(page)
    assert "NAV Vest" in text and "NAV Øst" in text and "after 24 months" in text

    saved = client.post_form(
        f"/admin/retention/{office.id}",
        {"inactive_months": "12", "warn_days": "14", "board_days": "0"},
    )
    assert saved.status_code == 302
    rule = retention.policy_for_office(office.id)
    assert (rule.inactive_months, rule.warn_days, rule.board_days) == (12, 14, 0)
    text = page_text(client.get("/admin/retention"))
    assert "after 12 months" in text and "are kept" in text


@pytest.mark.parametrize(
    "values, field",
    [
        ({"inactive_months": "3", "warn_days": "30", "board_days": "90"}, "inactive_months"),
        ({"inactive_months": "24", "warn_days": "2", "board_days": "90"}, "warn_days"),
        ({"inactive_months": "24", "warn_days": "30", "board_days": "800"}, "board_days"),
        ({"inactive_months": "two", "warn_days": "30", "board_days": "90"}, "inactive_months"),
    ],
)
def test_rules_out_of_range_are_refused_with_a_clear_message(app, client, values, field):
    office, _other = people()
    client.login("admin-all")
    answer = client.post_form(f"/admin/retention/{office.id}", values)
    assert answer.status_code == 400
    html = answer.get_data(as_text=True)
    assert f'id="f-{office.id}-{field}-error"' in html
    assert f'value="{values[field]}"' in html  # what they typed stays
    assert count(RetentionPolicy) == 0


def test_an_office_admin_changes_only_their_own_office(app, client):
    office, other = people()
    client.login("admin-vest")
    text = page_text(client.get("/admin/retention"))
    assert "NAV Vest" in text and "NAV Øst" not in text
    values = {"inactive_months": "12", "warn_days": "14", "board_days": "60"}
    assert client.post_form(f"/admin/retention/{other.id}", values).status_code == 404
    assert client.post_form(f"/admin/retention/{office.id}", values).status_code == 302


def test_counsellors_read_the_rules_of_their_offices_and_participants_do_not(app, make_client):
    office, _other = people()
    counsellor = make_client()
    counsellor.login("veileder-vest")
    page = counsellor.get("/admin/retention")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "NAV Vest" in html and "NAV Øst" not in html and '<form method="post"' not in html
    values = {"inactive_months": "12", "warn_days": "14", "board_days": "60"}
    assert counsellor.post_form(f"/admin/retention/{office.id}", values).status_code == 404
    participant = make_client()
    participant.login("deltaker-vest")
    assert participant.get("/admin/retention").status_code == 404


def test_the_page_lists_recent_purges_as_counts_only(app, client):
    people()
    inactive_since(NOW - TWO_YEARS, display_name="Hemmelig Navn")
    f.commit()
    retention.purge(NOW, "command")
    client.login("admin-all")
    text = page_text(client.get("/admin/retention"))
    assert "1 person warned" in text and "by hand" in text
    assert "Hemmelig" not in text


def test_the_warning_reads_kindly_in_the_inbox_of_someone_who_came_back(app, client):
    inactive_since(NOW - TWO_YEARS, username="came-back")
    f.commit()
    retention.purge(NOW, "command")
    client.login("came-back")
    page = client.get("/inbox")
    assert page.status_code == 200
    assert "Now that you are back, it stays." in page_text(page)
