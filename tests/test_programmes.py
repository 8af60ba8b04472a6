"""The programme service: the Øygarden template, dating sessions on chosen weekdays, template
texts that stay translated until a counsellor writes their own, the countdown, and the nudge the
day before a group session."""

from datetime import UTC, date, datetime, time, timedelta

from flask_babel import force_locale
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    GroupSession,
    NotificationSettings,
    Role,
    SessionStatus,
)
from webapp.services import programmes, scheduling
from webapp.worker import words as worker_words

import factories as f

OSLO = scheduling.zone("Europe/Oslo")


def world():
    vera = f.user(Role.COUNSELLOR, username="vera")
    kari = f.user(username="kari", display_name="Kari")
    group = f.group(vera, (kari,), name="Tirsdagsgruppa")
    f.commit()
    return vera, kari, group


def ended_session(group, **extra) -> GroupSession:
    row = f.session(group, **extra)
    row.status = SessionStatus.ENDED
    return row


def sessions_of(group):
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(GroupSession)
            .where(GroupSession.group_id == group.id)
            .order_by(GroupSession.number)
        )
    )


# --- the templates -----------------------------------------------------------------------------


def test_oygarden_has_ten_sessions_over_five_weeks_each_with_every_text(app):
    template = programmes.TEMPLATES["oygarden"]
    assert [s.number for s in template.sessions] == list(range(1, 11))
    assert [s.week for s in template.sessions] == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    with force_locale("en"):
        for s in template.sessions:
            for field in programmes.FIELDS:
                assert str(getattr(s, field)).strip(), (s.number, field)


def test_the_first_session_is_about_why_we_are_here(app):
    first = programmes.TEMPLATES["oygarden"].sessions[0]
    with force_locale("en"):
        assert str(first.theme) == "Why we are here"
        assert "matters" in str(first.agenda) and "eye contact" in str(first.agenda)
        assert "silence" in str(first.guide)


# --- dating ------------------------------------------------------------------------------------


def test_dates_fall_on_the_chosen_weekdays_from_the_first_day():
    # 2027-01-04 is a Monday.
    days = programmes.plan_dates(date(2027, 1, 4), ["TU", "TH"], 4)
    assert days == [date(2027, 1, 5), date(2027, 1, 7), date(2027, 1, 12), date(2027, 1, 14)]


def test_the_first_day_counts_when_it_is_a_chosen_weekday():
    assert programmes.plan_dates(date(2027, 1, 5), ["TU"], 2) == [
        date(2027, 1, 5),
        date(2027, 1, 12),
    ]


def test_no_weekday_gives_no_dates():
    assert programmes.plan_dates(date(2027, 1, 4), [], 3) == []


def test_applying_oygarden_makes_ten_numbered_sessions_at_the_local_time(app):
    _vera, _kari, group = world()
    made = programmes.apply(
        group, "oygarden", date(2027, 1, 4), ["MO", "TH"], time(10, 0), "Europe/Oslo"
    )
    f.commit()
    rows = sessions_of(group)
    assert len(made) == len(rows) == 10
    assert [r.number for r in rows] == list(range(1, 11))
    assert [r.template_key for r in rows][:2] == ["oygarden:1", "oygarden:2"]
    assert rows[0].starts_at == datetime(2027, 1, 4, 9, 0, tzinfo=UTC)  # 10:00 in Oslo, winter
    assert rows[1].starts_at.astimezone(OSLO).date() == date(2027, 1, 7)
    assert rows[-1].starts_at.astimezone(OSLO).date() == date(2027, 2, 4)
    assert all(r.duration_minutes == 150 and r.status == SessionStatus.PLANNED for r in rows)
    assert all(r.theme == r.agenda == r.bring == r.guide == "" for r in rows)  # translated on show


def test_summer_time_keeps_the_wall_clock(app):
    _vera, _kari, group = world()
    programmes.apply(group, "blank", date(2027, 6, 7), ["MO"], time(10, 0), "Europe/Oslo", 1)
    assert sessions_of(group)[0].starts_at == datetime(2027, 6, 7, 8, 0, tzinfo=UTC)


def test_a_blank_programme_makes_as_many_empty_sessions_as_asked(app):
    _vera, _kari, group = world()
    programmes.apply(group, "blank", date(2027, 1, 4), ["WE"], time(12, 30), "Europe/Oslo", 3)
    rows = sessions_of(group)
    assert len(rows) == 3
    assert all(r.template_key == "" for r in rows)
    with force_locale("en"):
        assert programmes.title_of(rows[2]) == "Session 3"
        assert programmes.text_of(rows[2], "agenda") == ""


def test_a_second_programme_numbers_on_after_the_first(app):
    _vera, _kari, group = world()
    programmes.add_one(group, date(2027, 1, 4), time(10, 0), "Europe/Oslo")
    programmes.apply(group, "oygarden", date(2027, 1, 5), ["TU"], time(10, 0), "Europe/Oslo")
    assert [r.number for r in sessions_of(group)] == list(range(1, 12))


# --- texts -------------------------------------------------------------------------------------


def test_an_empty_text_shows_the_templates_text_in_the_readers_language(app):
    _vera, _kari, group = world()
    session = f.session(group, theme="", template_key="oygarden:1")
    with force_locale("en"):
        assert programmes.text_of(session, "theme") == "Why we are here"
        assert programmes.title_of(session) == "Why we are here"


def test_own_words_are_shown_as_written(app):
    _vera, _kari, group = world()
    session = f.session(group, theme="Our own theme", template_key="oygarden:1")
    assert programmes.text_of(session, "theme") == "Our own theme"


def test_saving_the_templates_text_stores_nothing_so_it_stays_translated(app):
    _vera, _kari, group = world()
    session = f.session(group, theme="", template_key="oygarden:2")
    with force_locale("en"):
        agenda = programmes.text_of(session, "agenda").replace("\n", "\r\n") + "\r\n"
        programmes.store_text(session, "agenda", agenda)
        programmes.store_text(session, "bring", "  Sandwiches  ")
    assert session.agenda == ""
    assert session.bring == "Sandwiches"


def test_a_template_key_that_is_gone_falls_back_to_nothing(app):
    _vera, _kari, group = world()
    session = f.session(group, theme="", template_key="nosuch:4", number=4)
    with force_locale("en"):
        assert programmes.text_of(session, "guide") == ""
        assert programmes.title_of(session) == "Session 4"


# --- reading -----------------------------------------------------------------------------------


def test_upcoming_sessions_are_the_live_and_coming_ones_of_my_groups(app):
    vera, kari, group = world()
    now = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
    old = ended_session(group, starts_at=now - timedelta(days=3))
    live = f.session(group, live=True, starts_at=now - timedelta(hours=5))
    soon = f.session(group, starts_at=now + timedelta(days=1))
    later = f.session(group, starts_at=now + timedelta(days=4))
    other = f.group(f.user(Role.COUNSELLOR), (f.user(),))
    f.session(other, starts_at=now + timedelta(hours=2))
    f.commit()
    assert [s.id for s in programmes.upcoming_for(kari, now)] == [live.id, soon.id, later.id]
    assert programmes.next_for(kari, now).id == live.id
    assert old.id not in [s.id for s in programmes.upcoming_for(vera, now)]
    outsider = f.user()
    assert programmes.upcoming_for(outsider, now) == []


def test_countdown_speaks_plainly(app):
    _vera, _kari, group = world()
    now = datetime(2027, 3, 1, 8, 0, tzinfo=UTC)  # 09:00 in Oslo
    at = lambda **kw: f.session(group, starts_at=now + timedelta(**kw))  # noqa: E731
    with force_locale("en"):
        assert programmes.countdown(at(minutes=20), now, OSLO) == "In 20 minutes"
        assert programmes.countdown(at(hours=2), now, OSLO) == "Today at 11:00"
        assert programmes.countdown(at(days=1, hours=2), now, OSLO) == "Tomorrow at 11:00"
        assert programmes.countdown(at(days=2), now, OSLO) == "In 2 days"
        assert programmes.countdown(at(minutes=-10), now, OSLO) == "Now"
        assert programmes.countdown(f.session(group, live=True), now, OSLO) == "Now"
        ended = ended_session(group)
        assert programmes.countdown(ended, now, OSLO) == "Ended"


def test_only_a_planned_session_can_be_deleted(app):
    _vera, _kari, group = world()
    assert programmes.can_delete(f.session(group))
    assert not programmes.can_delete(f.session(group, live=True))
    assert not programmes.can_delete(ended_session(group))


# --- the nudge the day before a group session (issue #5) ---------------------------------------


def nudges():
    db.session.expire_all()
    return list(db.session.scalars(select(Delivery).where(Delivery.kind == DeliveryKind.SESSION)))


def planned_tomorrow_at_eleven(group, today: date) -> GroupSession:
    start = scheduling.local_to_utc(datetime.combine(today + timedelta(days=1), time(11)), OSLO)
    return f.session(group, starts_at=start)


def evening_before(today: date) -> datetime:
    return scheduling.local_to_utc(datetime.combine(today, time(17, 5)), OSLO)


def test_participants_get_a_nudge_at_17_the_day_before_a_session(app):
    _vera, kari, group = world()
    today = date(2027, 3, 1)
    session = planned_tomorrow_at_eleven(group, today)
    f.commit()
    assert scheduling.schedule_session_nudges(evening_before(today)) == 1
    (row,) = nudges()
    assert row.user_id == kari.id  # not the counsellor
    assert row.url == f"/sessions/{session.id}"
    assert row.occurrence_at == scheduling.local_to_utc(datetime.combine(today, time(17)), OSLO)
    assert row.status == DeliveryStatus.PENDING


def test_the_session_nudge_is_made_once(app):
    _vera, _kari, group = world()
    today = date(2027, 3, 1)
    planned_tomorrow_at_eleven(group, today)
    f.commit()
    scheduling.schedule_session_nudges(evening_before(today))
    assert scheduling.schedule_session_nudges(evening_before(today) + timedelta(minutes=1)) == 0
    assert len(nudges()) == 1


def test_no_session_nudge_before_17_or_for_a_session_two_days_away(app):
    _vera, _kari, group = world()
    today = date(2027, 3, 1)
    planned_tomorrow_at_eleven(group, today + timedelta(days=1))
    planned_tomorrow_at_eleven(group, today)
    f.commit()
    morning = scheduling.local_to_utc(datetime.combine(today, time(9)), OSLO)
    assert scheduling.schedule_session_nudges(morning) == 0


def test_no_session_nudge_when_switched_off_or_for_a_live_or_ended_session(app):
    _vera, kari, group = world()
    today = date(2027, 3, 1)
    planned_tomorrow_at_eleven(group, today).status = SessionStatus.ENDED
    db.session.add(NotificationSettings(user_id=kari.id, session_nudges=False))
    f.commit()
    assert scheduling.schedule_session_nudges(evening_before(today)) == 0
    db.session.execute(NotificationSettings.__table__.update().values(session_nudges=True))
    f.commit()
    assert scheduling.schedule_session_nudges(evening_before(today)) == 0


def test_no_session_nudge_for_a_closed_group(app):
    _vera, _kari, group = world()
    today = date(2027, 3, 1)
    planned_tomorrow_at_eleven(group, today)
    group.closed_at = evening_before(today) - timedelta(days=1)
    f.commit()
    assert scheduling.schedule_session_nudges(evening_before(today)) == 0


def test_a_session_moved_to_another_day_gets_its_own_nudge(app):
    _vera, _kari, group = world()
    today = date(2027, 3, 1)
    session = planned_tomorrow_at_eleven(group, today)
    f.commit()
    scheduling.schedule_session_nudges(evening_before(today))
    session.starts_at += timedelta(days=1)
    f.commit()
    tomorrow = today + timedelta(days=1)
    assert scheduling.schedule_session_nudges(evening_before(tomorrow)) == 1
    assert len(nudges()) == 2


def test_the_session_nudge_says_when_and_nothing_private(app):
    _vera, _kari, group = world()
    today = date(2027, 3, 1)
    planned_tomorrow_at_eleven(group, today).theme = "Kari's secret dilemma"
    f.commit()
    scheduling.schedule(evening_before(today))
    (row,) = nudges()
    with force_locale("en"):
        title, body = worker_words(row)
    assert body == "Group session tomorrow at 11:00"
    assert "secret" not in title + body and "Kari" not in title + body


def test_seed_demo_gives_the_demo_group_the_oygarden_programme_from_tomorrow(app):
    from webapp.models import Group

    runner = app.test_cli_runner()
    assert runner.invoke(args=["seed-demo"]).exit_code == 0
    assert runner.invoke(args=["seed-demo"]).exit_code == 0  # not twice
    group = db.session.scalar(select(Group).where(Group.name == "Stegvis demo"))
    rows = sessions_of(group)
    assert len(rows) == 10 and rows[0].template_key == "oygarden:1"
    today = datetime.now(UTC).astimezone(OSLO).date()
    assert rows[0].starts_at.astimezone(OSLO).date() == today + timedelta(days=1)


def test_the_session_nudge_lands_in_the_inbox_too(app, client):
    from webapp.worker import run_once

    _vera, kari, group = world()
    kari.locale = "en"
    today = date(2027, 3, 1)
    session = planned_tomorrow_at_eleven(group, today)
    f.commit()
    run_once(now=evening_before(today))  # no device: the inbox is where it lands
    f.commit()
    client.login("kari")
    items = client.get("/api/v1/notifications").get_json()["items"]
    assert [(n["kind"], n["sentence"]) for n in items] == [
        ("reminder", "Group session tomorrow at 11:00")
    ]
    assert items[0]["url"] == f"/sessions/{session.id}"
