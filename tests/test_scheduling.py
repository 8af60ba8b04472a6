"""When nudges happen: recurrence in local time across daylight saving, quiet hours, lateness,
and the automatic nudges."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    LoginSession,
    Notification,
    NotificationKind,
    NotificationSettings,
    Reminder,
    ReminderKind,
    Role,
)
from webapp.services import scheduling
from webapp.services.scheduling import Preferences, after_quiet_hours, occurrences_after

import factories as f

OSLO = ZoneInfo("Europe/Oslo")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(*args) -> datetime:
    return datetime(*args, tzinfo=OSLO)


# --- recurrence and daylight saving (no database needed) --------------------------------------


def test_weekly_nine_oclock_stays_at_nine_local_across_the_spring_change():
    found = occurrences_after(
        date(2026, 3, 15), time(9, 0), "Europe/Oslo", "FREQ=WEEKLY", utc(2026, 3, 1), 4
    )
    assert [i.astimezone(OSLO).strftime("%d.%m %H:%M") for i in found] == [
        "15.03 09:00",
        "22.03 09:00",
        "29.03 09:00",
        "05.04 09:00",
    ]
    # …which is 08:00 UTC before the change and 07:00 UTC from 29 March.
    assert [i.hour for i in found] == [8, 8, 7, 7]


def test_weekly_nine_oclock_stays_at_nine_local_across_the_autumn_change():
    found = occurrences_after(
        date(2026, 10, 11), time(9, 0), "Europe/Oslo", "FREQ=WEEKLY", utc(2026, 10, 1), 4
    )
    assert [i.astimezone(OSLO).strftime("%d.%m %H:%M") for i in found] == [
        "11.10 09:00",
        "18.10 09:00",
        "25.10 09:00",
        "01.11 09:00",
    ]
    assert [i.hour for i in found] == [7, 7, 8, 8]


def test_half_past_two_on_the_night_it_does_not_exist_fires_once_at_half_past_one_utc():
    found = occurrences_after(
        date(2026, 3, 28), time(2, 30), "Europe/Oslo", "FREQ=DAILY", utc(2026, 3, 27), 3
    )
    assert found == [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)]
    # 01:30 UTC on 29 March is 03:30 summer time: the clock skipped 02:30.
    assert found[1].astimezone(OSLO).strftime("%H:%M") == "03:30"


def test_half_past_two_on_the_night_it_happens_twice_fires_once_at_the_first():
    found = occurrences_after(
        date(2026, 10, 24), time(2, 30), "Europe/Oslo", "FREQ=DAILY", utc(2026, 10, 23), 3
    )
    assert found == [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)]
    assert found[1].astimezone(OSLO).utcoffset() == timedelta(hours=2)  # summer time, first


def test_one_off_reminder_occurs_once_and_not_after_it_passed():
    args = (date(2026, 5, 1), time(12, 0), "Europe/Oslo", "")
    assert occurrences_after(*args, utc(2026, 4, 1), 5) == [utc(2026, 5, 1, 10, 0)]
    assert occurrences_after(*args, utc(2026, 5, 2), 5) == []


def test_weekdays_rule_stops_after_the_until_date():
    rule = scheduling.weekly_rule(["MO", "WE"], until=date(2026, 6, 10))
    assert rule == "FREQ=WEEKLY;BYDAY=MO,WE;UNTIL=20260610T235959"
    found = occurrences_after(
        date(2026, 6, 1), time(20, 0), "Europe/Oslo", rule, utc(2026, 1, 1), 9
    )
    assert [i.astimezone(OSLO).date().day for i in found] == [1, 3, 8, 10]
    assert scheduling.rule_days(rule) == ["MO", "WE"]
    assert scheduling.rule_until(rule) == date(2026, 6, 10)


def test_preview_shows_the_next_five_in_local_time():
    shown = scheduling.preview(
        date(2026, 3, 26), time(9, 0), "Europe/Oslo", "FREQ=DAILY", utc(2026, 3, 26)
    )
    assert [s.strftime("%d.%m %H:%M %Z") for s in shown] == [
        "26.03 09:00 CET",
        "27.03 09:00 CET",
        "28.03 09:00 CET",
        "29.03 09:00 CEST",
        "30.03 09:00 CEST",
    ]


# --- quiet hours ---------------------------------------------------------------------------------


def test_a_nudge_at_night_waits_until_quiet_hours_end_in_the_persons_zone():
    prefs = Preferences()  # 21:30–08:00
    late_evening = local(2026, 6, 1, 22, 15).astimezone(UTC)
    early_morning = local(2026, 6, 2, 6, 0).astimezone(UTC)
    assert after_quiet_hours(late_evening, prefs, "Europe/Oslo") == local(2026, 6, 2, 8, 0)
    assert after_quiet_hours(early_morning, prefs, "Europe/Oslo") == local(2026, 6, 2, 8, 0)


def test_a_nudge_outside_quiet_hours_is_not_moved():
    prefs = Preferences()
    noon = local(2026, 6, 1, 12, 0).astimezone(UTC)
    assert after_quiet_hours(noon, prefs, "Europe/Oslo") == noon
    just_before = local(2026, 6, 1, 21, 29)
    assert after_quiet_hours(just_before, prefs, "Europe/Oslo") == just_before


def test_quiet_hours_within_one_day_and_switched_off():
    lunch = Preferences(quiet_start=time(12, 0), quiet_end=time(13, 0))
    assert after_quiet_hours(local(2026, 6, 1, 12, 30), lunch, "Europe/Oslo") == local(
        2026, 6, 1, 13, 0
    )
    off = Preferences(quiet_start=time(0, 0), quiet_end=time(0, 0))
    at_three = local(2026, 6, 1, 3, 0)
    assert after_quiet_hours(at_three, off, "Europe/Oslo") == at_three


# --- delivery rows -------------------------------------------------------------------------------


def _reminder(creator, group=None, **extra) -> Reminder:
    reminder = Reminder(
        kind=extra.pop("kind", ReminderKind.COUNSELLOR),
        created_by_id=creator.id,
        group_id=group.id if group else None,
        text=extra.pop("text", "Bring a dilemma"),
        start_date=extra.pop("start_date", date(2026, 6, 1)),
        start_time=extra.pop("start_time", time(12, 0)),
        tzid="Europe/Oslo",
        rrule=extra.pop("rrule", "FREQ=DAILY"),
        **extra,
    )
    db.session.add(reminder)
    db.session.flush()
    scheduling.set_next_run(reminder, extra.get("created", utc(2026, 5, 31)))
    return reminder


def _rows(**where):
    return list(db.session.scalars(select(Delivery).filter_by(**where).order_by(Delivery.id)))


def test_a_group_reminder_makes_one_row_per_participant_and_occurrence(app):
    counsellor = f.user(Role.COUNSELLOR)
    members = (f.user(), f.user())
    group = f.group(counsellor, members)
    reminder = _reminder(counsellor, group)
    made = scheduling.schedule(utc(2026, 6, 2, 10, 5))  # 12:05 in Oslo on day two
    assert made == 4  # two days × two participants; never the counsellor
    again = scheduling.schedule(utc(2026, 6, 2, 10, 5))
    assert again == 0
    assert {r.user_id for r in _rows(reminder_id=reminder.id)} == {m.id for m in members}
    assert reminder.next_run_at == utc(2026, 6, 3, 10, 0)


def test_the_same_occurrence_cannot_be_made_twice_even_by_two_schedulers(app):
    counsellor = f.user(Role.COUNSELLOR)
    group = f.group(counsellor, (f.user(),))
    reminder = _reminder(counsellor, group)
    scheduling.schedule(utc(2026, 6, 1, 10, 1))
    reminder.scheduled_until = utc(2026, 5, 31)  # as if a second worker had read it earlier
    reminder.next_run_at = utc(2026, 6, 1, 10, 0)
    assert scheduling.schedule(utc(2026, 6, 1, 10, 1)) == 0
    assert len(_rows(reminder_id=reminder.id)) == 1


def test_a_paused_reminder_makes_nothing(app):
    counsellor = f.user(Role.COUNSELLOR)
    group = f.group(counsellor, (f.user(),))
    reminder = _reminder(counsellor, group)
    reminder.paused_at = utc(2026, 5, 31)
    assert scheduling.schedule(utc(2026, 6, 3)) == 0


def test_a_reminder_in_quiet_hours_is_due_when_they_end(app):
    counsellor = f.user(Role.COUNSELLOR)
    participant = f.user()
    group = f.group(counsellor, (participant,))
    _reminder(counsellor, group, start_time=time(23, 0), rrule="")
    scheduling.schedule(utc(2026, 6, 1, 21, 1))
    (row,) = _rows(user_id=participant.id)
    assert row.occurrence_at == local(2026, 6, 1, 23, 0)
    assert row.due_at == local(2026, 6, 2, 8, 0)
    assert row.status == DeliveryStatus.PENDING


def test_own_quiet_hours_are_honoured(app):
    counsellor = f.user(Role.COUNSELLOR)
    participant = f.user()
    db.session.add(
        NotificationSettings(user_id=participant.id, quiet_start=time(11, 0), quiet_end=time(13, 0))
    )
    group = f.group(counsellor, (participant,))
    _reminder(counsellor, group, rrule="")
    scheduling.schedule(utc(2026, 6, 1, 10, 1))
    (row,) = _rows(user_id=participant.id)
    assert row.due_at == local(2026, 6, 1, 13, 0)


def test_hours_late_reminders_after_an_outage_are_dropped_with_a_record(app):
    counsellor = f.user(Role.COUNSELLOR)
    participant = f.user()
    group = f.group(counsellor, (participant,))
    _reminder(counsellor, group, start_time=time(10, 0))
    # The worker was down from before 10:00 on 1 June until 17:00 on 2 June.
    scheduling.schedule(utc(2026, 6, 2, 15, 0))
    rows = _rows(user_id=participant.id)
    assert [(r.status, r.occurrence_at.day) for r in rows] == [
        (DeliveryStatus.DROPPED, 1),
        (DeliveryStatus.DROPPED, 2),
    ]
    assert all(r.result.startswith("late") for r in rows)


def test_a_little_late_is_still_sent_and_a_pending_row_later_than_the_limit_is_dropped(app):
    counsellor = f.user(Role.COUNSELLOR)
    participant = f.user()
    group = f.group(counsellor, (participant,))
    _reminder(counsellor, group, start_time=time(10, 0), rrule="")
    scheduling.schedule(utc(2026, 6, 1, 9, 0))  # an hour late
    (row,) = _rows(user_id=participant.id)
    assert row.status == DeliveryStatus.PENDING
    # Due at 10:00 in Oslo (08:00 UTC); the limit is three hours.
    assert scheduling.drop_late(utc(2026, 6, 1, 11, 0)) == 0
    assert scheduling.drop_late(utc(2026, 6, 1, 11, 1)) == 1
    db.session.refresh(row)
    assert row.status == DeliveryStatus.DROPPED


def test_own_nudge_goes_to_its_owner_only(app):
    participant = f.user()
    f.group(f.user(Role.COUNSELLOR), (participant, f.user()))
    _reminder(participant, kind=ReminderKind.OWN, template="journal", rrule="")
    scheduling.schedule(utc(2026, 6, 1, 10, 1))
    assert [r.user_id for r in _rows(kind=DeliveryKind.REMINDER)] == [participant.id]


def test_a_step_due_tomorrow_gets_a_nudge_at_five_the_day_before(app):
    participant = f.user()
    goal = f.goal(participant)
    step = f.step(goal, day=date(2026, 6, 2))
    f.step(goal, day=date(2026, 6, 2), done_at=utc(2026, 6, 1))  # done: no nudge
    assert scheduling.schedule(utc(2026, 6, 1, 14, 0)) == 0  # 16:00 in Oslo: not yet
    assert scheduling.schedule(utc(2026, 6, 1, 15, 1)) == 1
    assert scheduling.schedule(utc(2026, 6, 1, 15, 2)) == 0
    (row,) = _rows(kind=DeliveryKind.STEP_DUE)
    assert (row.step_id, row.due_at) == (step.id, local(2026, 6, 1, 17, 0))


def test_step_nudges_can_be_turned_off(app):
    participant = f.user()
    db.session.add(NotificationSettings(user_id=participant.id, step_nudges=False))
    f.step(f.goal(participant), day=date(2026, 6, 2))
    assert scheduling.schedule(utc(2026, 6, 1, 15, 1)) == 0


def _seen(user, at):
    db.session.add(
        LoginSession(
            user_id=user.id,
            token_hash=f"h{user.id}",
            device_label="x",
            last_seen_at=at,
            created_at=at,
        )
    )


def test_one_gentle_nudge_after_four_quiet_days_and_none_before(app):
    participant = f.user()
    _seen(participant, utc(2026, 6, 1, 10, 0))
    assert scheduling.schedule(utc(2026, 6, 5, 9, 0)) == 0
    assert scheduling.schedule(utc(2026, 6, 5, 10, 1)) == 1
    assert scheduling.schedule(utc(2026, 6, 6, 10, 1)) == 0  # once per quiet spell
    (row,) = _rows(kind=DeliveryKind.INACTIVE)
    assert row.status == DeliveryStatus.PENDING


def test_the_number_of_quiet_days_is_the_persons_choice_and_can_be_off(app):
    patient, off = f.user(), f.user()
    db.session.add(NotificationSettings(user_id=patient.id, inactive_days=7))
    db.session.add(NotificationSettings(user_id=off.id, inactive_nudges=False))
    _seen(patient, utc(2026, 6, 1, 10, 0))
    _seen(off, utc(2026, 6, 1, 10, 0))
    assert scheduling.schedule(utc(2026, 6, 6, 10, 1)) == 0
    assert scheduling.schedule(utc(2026, 6, 8, 10, 1)) == 1


def _notice(user, thread="share:1", created=None):
    notice = Notification(
        user_id=user.id,
        kind=NotificationKind.REACTION,
        thread=thread,
        url="/shares/1",
        created_at=created or utc(2026, 6, 1, 10, 0),
    )
    db.session.add(notice)
    db.session.flush()
    return notice


def test_inbox_notices_on_one_thread_are_coalesced_into_one_push(app):
    participant = f.user()
    for minute in (0, 5, 10):
        _notice(participant, created=utc(2026, 6, 1, 10, minute))
    _notice(participant, thread="share:2", created=utc(2026, 6, 1, 10, 10))
    scheduling.schedule(utc(2026, 6, 1, 10, 11))
    rows = _rows(kind=DeliveryKind.INBOX)
    assert sorted((r.thread, r.status) for r in rows) == [
        ("share:1", DeliveryStatus.COALESCED),
        ("share:1", DeliveryStatus.COALESCED),
        ("share:1", DeliveryStatus.PENDING),
        ("share:2", DeliveryStatus.PENDING),
    ]
    assert (
        db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.pushed_at.is_(None))
        )
        == 0
    )


def test_a_thread_pushed_more_than_half_an_hour_ago_gets_a_new_push(app):
    participant = f.user()
    _notice(participant, created=utc(2026, 6, 1, 10, 0))
    scheduling.schedule(utc(2026, 6, 1, 10, 1))
    (first,) = _rows(kind=DeliveryKind.INBOX)
    first.status, first.finished_at = DeliveryStatus.SENT, utc(2026, 6, 1, 10, 1)
    _notice(participant, created=utc(2026, 6, 1, 10, 20))
    scheduling.schedule(utc(2026, 6, 1, 10, 21))
    _notice(participant, created=utc(2026, 6, 1, 10, 40))
    scheduling.schedule(utc(2026, 6, 1, 10, 41))
    assert [r.status for r in _rows(kind=DeliveryKind.INBOX)] == [
        DeliveryStatus.SENT,
        DeliveryStatus.COALESCED,
        DeliveryStatus.PENDING,
    ]


def test_snooze_makes_the_same_nudge_again_in_an_hour_once(app):
    participant, other = f.user(), f.user()
    counsellor = f.user(Role.COUNSELLOR)
    _reminder(counsellor, f.group(counsellor, (participant,)), rrule="")
    scheduling.schedule(utc(2026, 6, 1, 10, 1))
    (row,) = _rows(user_id=participant.id)
    assert scheduling.snooze(other, row.id) is None
    again = scheduling.snooze(participant, row.id, now=utc(2026, 6, 1, 10, 2))
    assert again.due_at == utc(2026, 6, 1, 11, 2)
    assert again.reminder_id == row.reminder_id
    assert scheduling.snooze(participant, row.id, now=utc(2026, 6, 1, 10, 3)).id == again.id


def test_pausing_also_stops_what_waits_for_quiet_hours_to_end(app):
    from webapp.services import reminders

    counsellor = f.user(Role.COUNSELLOR)
    participant = f.user()
    reminder = _reminder(counsellor, f.group(counsellor, (participant,)), start_time=time(23, 0))
    scheduling.schedule(utc(2026, 6, 1, 21, 1))  # due at 08:00 tomorrow, after quiet hours
    reminders.set_paused(reminder, True, now=utc(2026, 6, 1, 21, 2))
    (row,) = _rows(user_id=participant.id)
    db.session.refresh(row)
    assert (row.status, row.result) == (DeliveryStatus.DROPPED, "paused")
