"""Nudges pages: everyone's quiet hours; a participant's automatic and own nudges; a counsellor's
reminders.

Who may see which reminder is asked of services/reminders.py; anything else is a 404.
"""

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp.blueprints.nudges import bp
from webapp.blueprints.nudges.forms import OwnNudgeForm, ReminderForm, SettingsForm
from webapp.extensions import db
from webapp.forms import validate
from webapp.models import Role
from webapp.models.base import utcnow
from webapp.services import access, reminders, scheduling

DAY_NAMES = {
    "MO": _l("Monday"),
    "TU": _l("Tuesday"),
    "WE": _l("Wednesday"),
    "TH": _l("Thursday"),
    "FR": _l("Friday"),
    "SA": _l("Saturday"),
    "SU": _l("Sunday"),
}
SHORT_DAY_NAMES = {
    "MO": _l("Mon"),
    "TU": _l("Tue"),
    "WE": _l("Wed"),
    "TH": _l("Thu"),
    "FR": _l("Fri"),
    "SA": _l("Sat"),
    "SU": _l("Sun"),
}


def template_labels() -> dict[str, str]:
    return {
        "session_tomorrow": _("Session tomorrow at 11"),
        "bring_dilemma": _("Bring a dilemma to the next session"),
        "job_visit": _("How did the job visit go?"),
    }


def days_label(rule: str) -> str:
    return ", ".join(str(SHORT_DAY_NAMES[d]) for d in scheduling.rule_days(rule))


def _form_data() -> dict:
    data = request.form.to_dict()
    data.pop("csrf_token", None)
    for name in ("days", "recipients"):
        data[name] = request.form.getlist(name)
    for name in ("until", "step_id"):
        if not data.get(name):
            data.pop(name, None)
    return data


def _today():
    return utcnow().astimezone(scheduling.zone(current_user.timezone)).date()


# --- settings (everyone) and own nudges (participants) -------------------------------------------


def _settings_page(errors: dict | None = None, form: dict | None = None, status: int = 200):
    settings = scheduling.settings_for(current_user.id)
    own = reminders.own_reminders(current_user)
    page = render_template(
        "nudges/settings.html",
        settings=settings,
        own=own,
        next_of={r.id: reminders.next_local(r) for r in own},
        steps=reminders.steps_to_remind(current_user, _today()),
        errors=errors or {},
        form=form or {},
        day_names=DAY_NAMES,
        short_day_names=SHORT_DAY_NAMES,
        weekdays=scheduling.WEEKDAYS,
    )
    db.session.commit()  # the settings row, made with the defaults on first visit
    return page, status


@bp.get("/me/notifications")
@access.logged_in
def settings():
    return _settings_page()


@bp.post("/me/notifications")
@access.logged_in
def save_settings():
    data, problems = validate(SettingsForm(), _form_data())
    if problems:
        return _settings_page(errors=problems, form=request.form.to_dict(), status=400)
    if current_user.role != Role.PARTICIPANT:  # only quiet hours and inbox notices are theirs
        data = {k: v for k, v in data.items() if k in ("quiet_start", "quiet_end", "inbox_pushes")}
    row = scheduling.settings_for(current_user.id)
    for field, value in data.items():
        setattr(row, field, value)
    row.updated_at = utcnow()
    db.session.commit()
    flash(_("Saved."))
    return redirect(url_for("nudges.settings"))


@bp.post("/me/nudges")
@access.role(Role.PARTICIPANT)
def add_own():
    data, problems = validate(OwnNudgeForm(), _form_data())
    if not problems and data["what"] == "step":
        steps = {s.id: s for s in reminders.steps_to_remind(current_user, _today())}
        data["step"] = steps.get(data["step_id"])
        if data["step"] is None:
            problems = {"step_id": _("Choose a step.")}
    if problems:
        form = {**request.form.to_dict(), "days": request.form.getlist("days")}
        return _settings_page(errors=problems, form=form, status=400)
    reminders.save_own(current_user, data)
    db.session.commit()
    flash(_("Your reminder is saved."))
    return redirect(url_for("nudges.settings") + "#own")


def _own_or_404(reminder_id: int):
    reminder = reminders.find_own(current_user, reminder_id)
    if reminder is None:
        abort(404)
    return reminder


@bp.post("/me/nudges/<int:reminder_id>/pause")
@access.role(Role.PARTICIPANT)
def pause_own(reminder_id: int):
    reminder = _own_or_404(reminder_id)
    reminders.set_paused(reminder, reminder.paused_at is None)
    db.session.commit()
    return redirect(url_for("nudges.settings") + "#own")


@bp.post("/me/nudges/<int:reminder_id>/delete")
@access.role(Role.PARTICIPANT)
def delete_own(reminder_id: int):
    reminders.delete(_own_or_404(reminder_id))
    db.session.commit()
    flash(_("The reminder is deleted."))
    return redirect(url_for("nudges.settings") + "#own")


# --- counsellor: reminders for a group or chosen participants ----------------------------------


@bp.get("/reminders")
@access.role(Role.COUNSELLOR)
def index():
    mine = reminders.counsellor_reminders(current_user)
    groups = reminders.groups_led_by(current_user)
    people = reminders.participants_by_group([g.id for g in groups])
    return render_template(
        "nudges/reminders.html",
        reminders=mine,
        groups={g.id: g for g in groups},
        sizes={g.id: len(people[g.id]) for g in groups},
        next_of={r.id: reminders.next_local(r) for r in mine},
        delivered=scheduling.delivered_counts(r.id for r in mine),
        template_labels=template_labels(),
        days_label=days_label,
        rule_until=scheduling.rule_until,
    )


def _form_page(reminder=None, form: dict | None = None, errors=None, preview=None, status=200):
    groups = reminders.groups_led_by(current_user)
    return (
        render_template(
            "nudges/reminder_form.html",
            reminder=reminder,
            groups=groups,
            people=reminders.participants_by_group([g.id for g in groups]),
            form=form or {},
            errors=errors or {},
            preview=preview,
            template_labels=template_labels(),
            day_names=DAY_NAMES,
            short_day_names=SHORT_DAY_NAMES,
            weekdays=scheduling.WEEKDAYS,
            zone=current_user.timezone,
        ),
        status,
    )


def _form_of(reminder) -> dict:
    days = scheduling.rule_days(reminder.rrule)
    until = scheduling.rule_until(reminder.rrule)
    chosen = reminders.chosen_ids(reminder)
    return {
        "group_id": str(reminder.group_id),
        "audience": "chosen" if chosen else "group",
        "recipients": [str(i) for i in chosen],
        "template": reminder.template or "",
        "text": reminder.text,
        "repeat": "weekly" if reminder.rrule else "once",
        "start_date": reminder.start_date.isoformat(),
        "at": reminder.start_time.strftime("%H:%M"),
        "days": days,
        "until": until.isoformat() if until else "",
    }


def _submitted(reminder=None):
    """Validates the form; on "preview" (or a problem) shows it again with the next five."""
    raw = _form_data()
    form = {**request.form.to_dict(), "days": raw["days"], "recipients": raw["recipients"]}
    data, problems = validate(ReminderForm(), raw)
    if not problems:
        groups = {g.id for g in reminders.groups_led_by(current_user)}
        if data["group_id"] not in groups:
            problems = {"group_id": _("Choose one of your groups.")}
        elif data["audience"] == "chosen":
            members = {
                u.id for u in reminders.participants_by_group([data["group_id"]])[data["group_id"]]
            }
            if not set(data["recipients"]) <= members:
                problems = {"recipients": _("Choose participants in this group.")}
    if problems:
        return None, _form_page(reminder, form, problems, status=400)
    rule = (
        scheduling.weekly_rule(data["days"], data.get("until"))
        if data["repeat"] == "weekly"
        else ""
    )
    preview = scheduling.preview(
        data["start_date"], data["at"], current_user.timezone, rule, utcnow()
    )
    if request.form.get("action") != "save":
        return None, _form_page(reminder, form, preview=preview)
    if not preview:
        problems = {"start_date": _("This would never happen: choose a time in the future.")}
        return None, _form_page(reminder, form, problems, preview=preview, status=400)
    return data, None


@bp.get("/reminders/new")
@access.role(Role.COUNSELLOR)
def new():
    today = _today()
    group_id = request.args.get("group", type=int)
    form = {
        "group_id": str(group_id or ""),
        "audience": "group",
        "repeat": "once",
        "start_date": (today + timedelta(days=1)).isoformat(),
        "at": "12:00",
        "days": [],
        "recipients": [],
    }
    return _form_page(form=form)


@bp.post("/reminders/new")
@access.role(Role.COUNSELLOR)
def create():
    data, page = _submitted()
    if page is not None:
        return page
    reminders.save_counsellor_reminder(current_user, data)
    db.session.commit()
    flash(_("The reminder is saved."))
    return redirect(url_for("nudges.index"))


def _counsellor_or_404(reminder_id: int):
    reminder = reminders.find_counsellor_reminder(current_user, reminder_id)
    if reminder is None:
        abort(404)
    return reminder


@bp.get("/reminders/<int:reminder_id>")
@access.role(Role.COUNSELLOR)
def edit(reminder_id: int):
    reminder = _counsellor_or_404(reminder_id)
    return _form_page(reminder, _form_of(reminder))


@bp.post("/reminders/<int:reminder_id>")
@access.role(Role.COUNSELLOR)
def update(reminder_id: int):
    reminder = _counsellor_or_404(reminder_id)
    data, page = _submitted(reminder)
    if page is not None:
        return page
    reminders.save_counsellor_reminder(current_user, data, reminder)
    db.session.commit()
    flash(_("The reminder is saved."))
    return redirect(url_for("nudges.index"))


@bp.post("/reminders/<int:reminder_id>/pause")
@access.role(Role.COUNSELLOR)
def pause(reminder_id: int):
    reminder = _counsellor_or_404(reminder_id)
    reminders.set_paused(reminder, reminder.paused_at is None)
    db.session.commit()
    flash(_("The reminder is paused.") if reminder.paused_at else _("The reminder is on again."))
    return redirect(url_for("nudges.index"))


@bp.post("/reminders/<int:reminder_id>/delete")
@access.role(Role.COUNSELLOR)
def delete(reminder_id: int):
    reminders.delete(_counsellor_or_404(reminder_id))
    db.session.commit()
    flash(_("The reminder is deleted."))
    return redirect(url_for("nudges.index"))
