"""The nudges pages: a participant's settings and own nudges, a counsellor's reminders with the
next five times before saving, pause, edit, delete and delivered counts; and snoozing."""

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import (
    Delivery,
    DeliveryKind,
    DeliveryStatus,
    NotificationSettings,
    Reminder,
    ReminderKind,
    Role,
)
from webapp.models.base import utcnow
from webapp.services import scheduling

import factories as f
from conftest import page_text


def tomorrow() -> date:
    return (utcnow() + timedelta(days=1)).date()


def world():
    vera = f.user(Role.COUNSELLOR, username="vera")
    kari, ola = f.user(username="kari", display_name="Kari"), f.user(username="ola")
    group = f.group(vera, (kari, ola), name="Tirsdagsgruppa")
    other_counsellor = f.user(Role.COUNSELLOR, username="otto")
    f.group(other_counsellor, (f.user(),), name="Other group")
    f.commit()
    return vera, kari, ola, group


def reminders():
    db.session.expire_all()
    return list(db.session.scalars(select(Reminder).order_by(Reminder.id)))


# --- participant ---------------------------------------------------------------------------------


def test_participant_sees_default_quiet_hours_and_switches(app, client):
    world()
    client.login("kari")
    response = client.get("/me/notifications")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="21:30"' in html and 'value="08:00"' in html
    assert "Quiet hours" in page_text(response)
    assert "Devices that get notifications" in page_text(response)


def test_participant_changes_quiet_hours_and_turns_a_nudge_off(app, client):
    _, kari, *_ = world()
    client.login("kari")
    response = client.post_form(
        "/me/notifications",
        {"quiet_start": "22:00", "quiet_end": "07:30", "step_nudges": "on", "inactive_days": "6"},
    )
    assert response.status_code == 302
    row = db.session.scalar(
        select(NotificationSettings).where(NotificationSettings.user_id == kari.id)
    )
    db.session.refresh(row)
    assert (row.quiet_start, row.quiet_end) == (time(22, 0), time(7, 30))
    assert (row.step_nudges, row.inbox_pushes, row.inactive_nudges) == (True, False, False)
    assert row.inactive_days == 6


def test_mentors_and_counsellors_keep_quiet_hours_too_without_the_participants_nudges(app, client):
    vera, *_ = world()
    client.login("vera")
    page = client.get("/me/notifications")
    assert page.status_code == 200
    text = page_text(page)
    assert "Quiet hours" in text and "What is new in my inbox" in text
    assert "My reminders" not in text and "The day before a step" not in text
    response = client.post_form(
        "/me/notifications",
        {"quiet_start": "20:00", "quiet_end": "09:00", "step_nudges": "on"},
    )
    assert response.status_code == 302
    row = db.session.scalar(
        select(NotificationSettings).where(NotificationSettings.user_id == vera.id)
    )
    db.session.refresh(row)
    assert (row.quiet_start, row.quiet_end) == (time(20, 0), time(9, 0))
    assert row.inbox_pushes is False
    assert row.step_nudges is True  # the default, untouched by a form that does not show it


def test_a_wrong_time_is_explained_and_nothing_saved(app, client):
    world()
    client.login("kari")
    response = client.post_form("/me/notifications", {"quiet_start": "late", "quiet_end": "07:00"})
    assert response.status_code == 400
    assert "Write a time like 20:00." in page_text(response)


def test_participant_makes_a_weekday_journal_nudge_at_eight(app, client):
    _, kari, *_ = world()
    client.login("kari")
    response = client.post_form(
        "/me/nudges", {"what": "journal", "at": "20:00", "days": ["MO", "TU", "WE", "TH", "FR"]}
    )
    assert response.status_code == 302
    (own,) = reminders()
    assert (own.kind, own.created_by_id, own.template) == (ReminderKind.OWN, kari.id, "journal")
    assert own.rrule == "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    assert own.start_time == time(20, 0)
    local = own.next_run_at.astimezone(scheduling.zone("Europe/Oslo"))
    assert local.strftime("%H:%M") == "20:00" and local.weekday() < 5
    assert "Write in my journal" in page_text(client.get("/me/notifications"))


def test_participant_is_reminded_of_a_step_the_day_before(app, client):
    _, kari, *_ = world()
    step = f.step(f.goal(kari), title="Call the dentist", day=tomorrow() + timedelta(days=2))
    f.commit()
    client.login("kari")
    assert "Call the dentist" in page_text(client.get("/me/notifications"))
    response = client.post_form("/me/nudges", {"what": "step", "at": "17:00", "step_id": step.id})
    assert response.status_code == 302
    (own,) = reminders()
    assert own.step_id == step.id and own.rrule == ""
    assert own.start_date == step.day - timedelta(days=1)


def test_nobody_can_be_reminded_of_someone_elses_step(app, client):
    _, _, ola, _ = world()
    step = f.step(f.goal(ola), day=tomorrow() + timedelta(days=2))
    f.commit()
    client.login("kari")
    response = client.post_form("/me/nudges", {"what": "step", "at": "17:00", "step_id": step.id})
    assert response.status_code == 400
    assert reminders() == []


def test_own_nudges_are_paused_and_deleted_only_by_their_owner(app, client, make_client):
    world()
    client.login("kari")
    client.post_form("/me/nudges", {"what": "journal", "at": "20:00", "days": ["MO"]})
    (own,) = reminders()
    ola = make_client()
    ola.login("ola")
    assert ola.post_form(f"/me/nudges/{own.id}/delete").status_code == 404
    assert client.post_form(f"/me/nudges/{own.id}/pause").status_code == 302
    assert reminders()[0].paused_at is not None
    assert client.post_form(f"/me/nudges/{own.id}/delete").status_code == 302
    assert reminders() == []


# --- counsellor ----------------------------------------------------------------------------------


def reminder_form(group, **extra) -> dict:
    return {
        "group_id": group.id,
        "audience": "group",
        "template": "bring_dilemma",
        "text": "",
        "repeat": "weekly",
        "start_date": tomorrow().isoformat(),
        "at": "09:00",
        "days": ["MO", "TH"],
        "until": "",
        **extra,
    }


def test_counsellor_sees_the_next_five_times_before_saving(app, client):
    _, _, _, group = world()
    client.login("vera")
    response = client.post_form("/reminders/new", reminder_form(group, action="preview"))
    assert response.status_code == 200
    text = page_text(response)
    assert "The next five times" in text
    html = response.get_data(as_text=True)
    listed = html.split('<ol class="occurrences">')[1].split("</ol>")[0]
    assert listed.count("<li>") == 5 and listed.count("09:00") == 5
    assert reminders() == []  # nothing saved yet


def test_counsellor_saves_a_recurring_reminder_for_the_whole_group(app, client):
    _, kari, ola, group = world()
    client.login("vera")
    response = client.post_form(
        "/reminders/new", reminder_form(group, action="save", until="2099-01-01")
    )
    assert response.status_code == 302
    (saved,) = reminders()
    assert saved.rrule == "FREQ=WEEKLY;BYDAY=MO,TH;UNTIL=20990101T235959"
    assert saved.next_run_at is not None
    assert {u.id for u in scheduling.recipients_of(saved)} == {kari.id, ola.id}
    listing = page_text(client.get("/reminders"))
    assert "Bring a dilemma to the next session" in listing
    assert "Delivered to 0 people" in listing and "Tirsdagsgruppa" in listing


def test_counsellor_writes_own_words_for_chosen_participants(app, client):
    _, kari, _, group = world()
    client.login("vera")
    response = client.post_form(
        "/reminders/new",
        reminder_form(
            group,
            action="save",
            template="",
            text="How did the job visit go?",
            audience="chosen",
            recipients=[kari.id],
            repeat="once",
        ),
    )
    assert response.status_code == 302
    (saved,) = reminders()
    assert saved.text == "How did the job visit go?" and saved.rrule == ""
    assert [u.id for u in scheduling.recipients_of(saved)] == [kari.id]


def test_a_counsellor_cannot_choose_people_outside_the_group_or_a_group_not_theirs(app, client):
    _, _, _, group = world()
    stranger = f.user()
    other = f.group(f.user(Role.COUNSELLOR), (stranger,))
    f.commit()
    client.login("vera")
    chosen = reminder_form(group, action="save", audience="chosen", recipients=[stranger.id])
    assert client.post_form("/reminders/new", chosen).status_code == 400
    assert (
        client.post_form("/reminders/new", reminder_form(other, action="save")).status_code == 400
    )
    assert reminders() == []


def test_a_reminder_needs_words_and_days(app, client):
    _, _, _, group = world()
    client.login("vera")
    response = client.post_form(
        "/reminders/new", reminder_form(group, action="save", template="", days=[])
    )
    assert response.status_code == 400
    text = page_text(response)
    assert "Choose a message or write one." in text or "Choose at least one day." in text


def test_counsellor_edits_pauses_and_deletes_and_others_cannot(app, client, make_client):
    _, _, _, group = world()
    client.login("vera")
    client.post_form("/reminders/new", reminder_form(group, action="save"))
    (saved,) = reminders()
    otto = make_client()
    otto.login("otto")
    assert otto.get(f"/reminders/{saved.id}").status_code == 404
    assert otto.post_form(f"/reminders/{saved.id}/delete").status_code == 404
    assert "Bring a dilemma" not in page_text(otto.get("/reminders"))

    assert client.get(f"/reminders/{saved.id}").status_code == 200
    changed = reminder_form(group, action="save", at="10:30", days=["FR"])
    assert client.post_form(f"/reminders/{saved.id}", changed).status_code == 302
    (saved,) = reminders()
    assert saved.start_time == time(10, 30) and saved.rrule == "FREQ=WEEKLY;BYDAY=FR"

    client.post_form(f"/reminders/{saved.id}/pause")
    assert reminders()[0].paused_at is not None
    assert "Paused" in page_text(client.get("/reminders"))
    client.post_form(f"/reminders/{saved.id}/pause")
    assert reminders()[0].paused_at is None
    client.post_form(f"/reminders/{saved.id}/delete")
    assert reminders() == []


def test_the_list_counts_the_people_a_reminder_reached(app, client):
    _, kari, ola, group = world()
    client.login("vera")
    client.post_form("/reminders/new", reminder_form(group, action="save"))
    (saved,) = reminders()
    at = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
    for person, status in ((kari, DeliveryStatus.SENT), (ola, DeliveryStatus.FAILED)):
        db.session.add(
            Delivery(
                dedupe_key=f"t{person.id}",
                kind=DeliveryKind.REMINDER,
                reminder_id=saved.id,
                user_id=person.id,
                occurrence_at=at,
                due_at=at,
                status=status,
            )
        )
    f.commit()
    assert "Delivered to 1 person" in page_text(client.get("/reminders"))


def test_participants_and_mentors_do_not_see_the_counsellor_pages(app, client):
    world()
    client.login("kari")
    assert client.get("/reminders").status_code == 404
    assert client.get("/reminders/new").status_code == 404


# --- snooze --------------------------------------------------------------------------------------


def test_snooze_from_the_notification_brings_it_back_in_an_hour(app, client):
    _, kari, _, _ = world()
    at = utcnow()
    row = Delivery(
        dedupe_key="x",
        kind=DeliveryKind.INACTIVE,
        user_id=kari.id,
        occurrence_at=at,
        due_at=at,
        status=DeliveryStatus.SENT,
    )
    db.session.add(row)
    f.commit()
    client.login("ola")
    assert (
        client.send_json("POST", "/api/v1/nudges/snooze", {"delivery_id": row.id}).status_code
        == 404
    )
    client.login("kari")
    response = client.send_json("POST", "/api/v1/nudges/snooze", {"delivery_id": row.id})
    assert response.status_code == 201
    again = db.session.get(Delivery, response.get_json()["delivery_id"])
    assert again.kind == DeliveryKind.SNOOZE and again.user_id == kari.id
    bad = client.send_json("POST", "/api/v1/nudges/snooze", {"delivery_id": "soon"})
    assert bad.status_code == 400
