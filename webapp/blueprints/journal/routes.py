"""Journal pages (server-rendered; work without JavaScript).

Every form posts and redirects. Create forms carry a `client_id` made at render time, so a double
submit stores one object; the phone's outbox (JS) reads the same forms through their `data-outbox`
and `data-api` attributes. Who may see what is decided in services/journal and visibility.
"""

import uuid
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from webapp.blueprints.journal import bp
from webapp.blueprints.journal.schemas import (
    EntrySchema,
    EntryUpdateSchema,
    GoalSchema,
    GoalUpdateSchema,
    StepSchema,
    StepUpdateSchema,
)
from webapp.extensions import db
from webapp.forms import validate
from webapp.models import GoalStatus, Role, Theme
from webapp.services import access, journal, voice

PARTICIPANT = Role.PARTICIPANT
WELCOME_BACK_AFTER = timedelta(days=4)

MOODS = {
    1: ("mood-sad-2", _l("Very bad")),
    2: ("mood-sad", _l("Bad")),
    3: ("mood-empty", _l("Okay")),
    4: ("mood-smile", _l("Good")),
    5: ("mood-happy", _l("Very good")),
}

THEMES = {
    Theme.WORK: ("briefcase", _l("Work")),
    Theme.SCHOOL: ("school", _l("School")),
    Theme.HEALTH: ("heartbeat", _l("Health")),
    Theme.HOUSING: ("home", _l("Housing")),
    Theme.SOCIAL: ("users", _l("Friends and family")),
    Theme.DAILY: ("clock", _l("Daily rhythm")),
    Theme.MONEY: ("coin", _l("Money")),
    Theme.OTHER: ("star", _l("Other")),
}

STATUSES = {
    GoalStatus.ACTIVE: ("target-arrow", _l("Going on")),
    GoalStatus.PAUSED: ("player-pause", _l("Paused")),
    GoalStatus.DONE: ("trophy", _l("Reached")),
    GoalStatus.ARCHIVED: ("archive", _l("Archived")),
}

PROMPTS = [
    _l("Something that went well"),
    _l("Something I'm proud of"),
    _l("What I want tomorrow"),
]

SUGGESTIONS = [
    (_l("Get up before 10 on weekdays"), Theme.DAILY),
    (_l("Find out about a course"), Theme.SCHOOL),
    (_l("Apply for a summer job"), Theme.WORK),
    (_l("Go for a walk three times a week"), Theme.HEALTH),
    (_l("Meet or call a friend this week"), Theme.SOCIAL),
    (_l("Make a plan for my money this month"), Theme.MONEY),
]

CHEERS = [
    _l("Well done! One more step behind you."),
    _l("Nice work. Small steps add up."),
    _l("You did it! Take a moment to feel good about that."),
    _l("Step done. You are moving forward."),
]


@bp.record_once
def _template_globals(state) -> None:
    """Faces, themes and statuses for every journal template (imported macros too)."""
    state.app.jinja_env.globals.update(MOODS=MOODS, THEMES=THEMES, STATUSES=STATUSES)


def _new_id() -> str:
    return str(uuid.uuid4())


def _zone() -> ZoneInfo:
    return ZoneInfo(current_user.timezone or "Europe/Oslo")


def _today() -> date:
    return datetime.now(_zone()).date()


def _form(*names: str) -> dict:
    """The named form fields; empty optional values become None so the schemas accept them."""
    out = {}
    for name in names:
        if name not in request.form:
            continue
        value = request.form.get(name, "")
        out[name] = value if value.strip() or name in ("text", "why", "title") else None
    return out


def _goal_or_404(goal_id: int):
    goal = journal.find_goal(current_user, goal_id)
    if goal is None:
        abort(404)
    return goal


def _entry_or_404(entry_id: int):
    entry = journal.find_entry(current_user, entry_id)
    if entry is None:
        abort(404)
    return entry


def _step_or_404(step_id: int):
    step = journal.find_step(current_user, step_id)
    if step is None:
        abort(404)
    return step


def _goal_choice(ref):
    """(goal or None, error message or None) for a goal picked in a form."""
    if not ref:
        return None, None
    goal = journal.find_goal(current_user, ref)
    if goal is None:
        return None, _("We cannot find that goal.")
    return goal, None


# --- the journal -------------------------------------------------------------------------------


def _index_page(form: dict | None = None, errors: dict | None = None, status: int = 200):
    cursor = None
    if raw := request.args.get("before"):
        cursor = journal.decode_cursor(raw)
    entries, next_cursor = journal.entries_page(current_user, cursor)
    today = _today()
    month = journal.look_back(current_user, today.replace(day=1), today)
    last = journal.last_activity(current_user)
    welcome_back = last is not None and datetime.now(last.tzinfo) - last >= WELCOME_BACK_AFTER
    prompt = request.args.get("prompt", "")
    form = form or {}
    if not form.get("text") and prompt in [str(p) for p in PROMPTS]:
        form["text"] = prompt + ": "
    return render_template(
        "journal/index.html",
        entries=entries,
        next_cursor=next_cursor,
        older=cursor is not None,
        days_this_month=month["days_showed_up"],
        showed_up_today=today in month["active_days"],
        welcome_back=welcome_back,
        goals=[g for g in journal.goals_of(current_user) if g.status != GoalStatus.ARCHIVED],
        prompts=PROMPTS,
        form=form,
        errors=errors or {},
        mood_id=_new_id(),
        write_id=form.get("client_id") or _new_id(),
    ), status


@bp.get("/journal")
@access.role(PARTICIPANT)
def index():
    return _index_page()


@bp.post("/journal/entries")
@access.role(PARTICIPANT)
def create_entry():
    form = _form("client_id", "mood", "text", "goal_ref")
    data, errors = validate(EntrySchema(), form)
    goal, goal_error = _goal_choice(data.get("goal_ref")) if not errors else (None, None)
    if goal_error:
        errors["goal_ref"] = goal_error
    if errors:
        errors.setdefault("form", _("Something needs fixing. What you wrote is still here."))
        return _index_page(form, errors, 400)
    data["client_id"] = str(data["client_id"])
    _entry, _created = journal.create_entry(current_user, data, goal)
    db.session.commit()
    if data.get("text"):
        flash(_("Saved. Only you can see it."))
    else:
        flash(_("Thanks for checking in. Only you can see it."))
    return redirect(url_for("journal.index"))


def _entry_page(entry, form=None, errors=None, status=200):
    return render_template(
        "journal/entry.html",
        entry=entry,
        goals=journal.goals_of(current_user),
        form=form or {},
        errors=errors or {},
    ), status


@bp.get("/journal/entries/<int:entry_id>")
@access.role(PARTICIPANT)
def entry(entry_id: int):
    return _entry_page(_entry_or_404(entry_id))


@bp.post("/journal/entries/<int:entry_id>")
@access.role(PARTICIPANT)
def update_entry(entry_id: int):
    entry = _entry_or_404(entry_id)
    form = _form("mood", "text", "goal_ref", "based_on")
    form.setdefault("mood", None)
    form.setdefault("goal_ref", None)
    data, errors = validate(EntryUpdateSchema(), form)
    goal, goal_error = _goal_choice(data.get("goal_ref")) if not errors else (None, None)
    if goal_error:
        errors["goal_ref"] = goal_error
    if not errors and not data.get("mood") and not data.get("text", "").strip() and not entry.voice:
        errors["form"] = _("Choose a face, write something or record a voice note.")
    if errors:
        errors.setdefault("form", _("Something needs fixing. What you wrote is still here."))
        return _entry_page(entry, form, errors, 400)
    journal.update_entry(entry, data, goal)
    db.session.commit()
    flash(_("Your changes are saved."))
    return redirect(url_for("journal.index") + f"#entry-{entry.id}")


@bp.post("/journal/entries/<int:entry_id>/delete")
@access.role(PARTICIPANT)
def delete_entry(entry_id: int):
    entry = _entry_or_404(entry_id)
    voice.remove_files_of(entry)
    db.session.delete(entry)
    db.session.commit()
    flash(_("The entry is deleted."))
    return redirect(url_for("journal.index"))


@bp.post("/journal/entries/<int:entry_id>/revisions/<int:revision_id>/restore")
@access.role(PARTICIPANT)
def restore_revision(entry_id: int, revision_id: int):
    entry = _entry_or_404(entry_id)
    revision = journal.find_revision(entry, revision_id)
    if revision is None:
        abort(404)
    journal.restore_revision(entry, revision)
    db.session.commit()
    flash(_("The earlier version is back. The one you had is kept under Earlier versions."))
    return redirect(url_for("journal.entry", entry_id=entry.id))


@bp.post("/journal/entries/<int:entry_id>/revisions/forget")
@access.role(PARTICIPANT)
def forget_revisions(entry_id: int):
    entry = _entry_or_404(entry_id)
    journal.forget_revisions(entry)
    db.session.commit()
    flash(_("The earlier versions are deleted."))
    return redirect(url_for("journal.entry", entry_id=entry.id))


@bp.post("/journal/entries/<int:entry_id>/voice/delete")
@access.role(PARTICIPANT)
def delete_voice(entry_id: int):
    entry = _entry_or_404(entry_id)
    if entry.voice is not None:
        voice.remove(entry)
        db.session.commit()
        flash(_("The voice note is removed."))
    return redirect(url_for("journal.entry", entry_id=entry.id))


# --- goals -------------------------------------------------------------------------------------


@bp.get("/journal/goals")
@access.role(PARTICIPANT)
def goals():
    show_archived = request.args.get("archived") == "1"
    mine = journal.goals_of(current_user, include_archived=show_archived)
    if show_archived:
        mine = [g for g in mine if g.status == GoalStatus.ARCHIVED]
    return render_template(
        "journal/goals.html",
        goals=mine,
        show_archived=show_archived,
        progress={g.id: journal.progress(g) for g in mine},
    )


def _new_goal_page(form=None, errors=None, status=200):
    form = form or {}
    try:
        picked = SUGGESTIONS[int(request.args.get("suggestion", ""))]
    except (ValueError, IndexError):
        picked = None
    if picked and not form:
        form = {"title": str(picked[0]), "theme": picked[1].value}
    return render_template(
        "journal/goal_new.html",
        suggestions=SUGGESTIONS,
        form=form,
        errors=errors or {},
        client_id=form.get("client_id") or _new_id(),
    ), status


@bp.get("/journal/goals/new")
@access.role(PARTICIPANT)
def new_goal():
    return _new_goal_page()


@bp.post("/journal/goals")
@access.role(PARTICIPANT)
def create_goal():
    form = _form("client_id", "title", "why", "theme", "target_date")
    data, errors = validate(GoalSchema(), form)
    if not (form.get("title") or "").strip():
        errors["title"] = _("Give your goal a short name.")
    if errors:
        errors.setdefault("form", _("Something needs fixing. What you wrote is still here."))
        return _new_goal_page(form, errors, 400)
    data["client_id"] = str(data["client_id"])
    goal, _created = journal.create_goal(current_user, data)
    db.session.commit()
    flash(_("Your goal is saved. Now add a first small step."))
    return redirect(url_for("journal.goal", goal_id=goal.id))


def _goal_page(goal, form=None, errors=None, step_form=None, step_errors=None, status=200):
    ticked = request.args.get("ticked", type=int)
    return render_template(
        "journal/goal.html",
        goal=goal,
        progress=journal.progress(goal),
        form=form
        or {
            "title": goal.title,
            "why": goal.why,
            "theme": goal.theme,
            "target_date": goal.target_date.isoformat() if goal.target_date else "",
        },
        errors=errors or {},
        step_form=step_form or {},
        step_errors=step_errors or {},
        step_id=(step_form or {}).get("client_id") or _new_id(),
        ticked=ticked,
        cheer=_cheer(goal, ticked),
    ), status


def _cheer(goal, ticked: int | None) -> str | None:
    """A warm sentence after a step is ticked, shown whether the tick came by form or by sync."""
    for step in goal.steps:
        if step.id == ticked and step.done_at is not None:
            return str(CHEERS[step.id % len(CHEERS)])  # varied, but the same for the same step
    return None


@bp.get("/journal/goals/<int:goal_id>")
@access.role(PARTICIPANT)
def goal(goal_id: int):
    return _goal_page(_goal_or_404(goal_id))


@bp.post("/journal/goals/<int:goal_id>")
@access.role(PARTICIPANT)
def update_goal(goal_id: int):
    goal = _goal_or_404(goal_id)
    form = _form("title", "why", "theme", "target_date")
    data, errors = validate(GoalUpdateSchema(), form)
    if not (form.get("title") or "").strip():
        errors["title"] = _("Give your goal a short name.")
    if errors:
        errors.setdefault("form", _("Something needs fixing. What you wrote is still here."))
        return _goal_page(goal, form=form, errors=errors, status=400)
    journal.update_goal(goal, data)
    db.session.commit()
    flash(_("Your changes are saved."))
    return redirect(url_for("journal.goal", goal_id=goal.id))


STATUS_MESSAGES = {
    GoalStatus.ACTIVE: _l("Welcome back to this goal."),
    GoalStatus.PAUSED: _l("The goal is paused. Pick it up again whenever you like."),
    GoalStatus.DONE: _l("You reached your goal! That is worth celebrating."),
    GoalStatus.ARCHIVED: _l("The goal is archived. You find it under Archived goals."),
}


@bp.post("/journal/goals/<int:goal_id>/status")
@access.role(PARTICIPANT)
def goal_status(goal_id: int):
    goal = _goal_or_404(goal_id)
    data, errors = validate(GoalUpdateSchema(only=("status",)), _form("status"))
    if errors or "status" not in data:
        abort(400)
    journal.update_goal(goal, data)
    db.session.commit()
    flash(str(STATUS_MESSAGES[GoalStatus(data["status"])]))
    return redirect(url_for("journal.goal", goal_id=goal.id))


@bp.post("/journal/goals/<int:goal_id>/delete")
@access.role(PARTICIPANT)
def delete_goal(goal_id: int):
    goal = _goal_or_404(goal_id)
    db.session.delete(goal)
    db.session.commit()
    flash(_("The goal is deleted. Your journal entries are still there."))
    return redirect(url_for("journal.goals"))


# --- steps -------------------------------------------------------------------------------------


@bp.post("/journal/goals/<int:goal_id>/steps")
@access.role(PARTICIPANT)
def create_step(goal_id: int):
    goal = _goal_or_404(goal_id)
    form = _form("client_id", "title", "day")
    data, errors = validate(StepSchema(), form)
    if not (form.get("title") or "").strip():
        errors["title"] = _("Write a few words about the step.")
    if errors:
        return _goal_page(goal, step_form=form, step_errors=errors, status=400)
    data["client_id"] = str(data["client_id"])
    journal.create_step(current_user, goal, data)
    db.session.commit()
    flash(_("Step added."))
    return redirect(url_for("journal.goal", goal_id=goal.id) + "#steps")


@bp.post("/journal/steps/<int:step_id>/toggle")
@access.role(PARTICIPANT)
def toggle_step(step_id: int):
    step = _step_or_404(step_id)
    data, errors = validate(StepUpdateSchema(only=("done",)), _form("done"))
    if errors or "done" not in data:
        data = {"done": step.done_at is None}
    journal.update_step(step, data)
    db.session.commit()
    if data["done"]:
        target = url_for("journal.goal", goal_id=step.goal_id, ticked=step.id)
    else:
        flash(_("The step is open again."))
        target = url_for("journal.goal", goal_id=step.goal_id)
    return redirect(target + f"#step-{step.id}")


@bp.post("/journal/steps/<int:step_id>/move")
@access.role(PARTICIPANT)
def move_step(step_id: int):
    step = _step_or_404(step_id)
    goal = step.goal
    order = list(goal.steps)
    at = order.index(step)
    to = at - 1 if request.form.get("direction") == "up" else at + 1
    if 0 <= to < len(order):
        order[at], order[to] = order[to], order[at]
        journal.reorder_steps(goal, [s.id for s in order])
        db.session.commit()
    return redirect(url_for("journal.goal", goal_id=goal.id) + f"#step-{step.id}")


@bp.route("/journal/steps/<int:step_id>", methods=["GET", "POST"])
@access.role(PARTICIPANT)
def edit_step(step_id: int):
    """Change what a step says or which day it is for; what was typed stays on a mistake."""
    step = _step_or_404(step_id)
    form = {"title": step.title, "day": step.day.isoformat() if step.day else ""}
    errors = {}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("title", "day")}
        data, errors = validate(StepUpdateSchema(only=("title", "day")), _form("title", "day"))
        if not errors and not (data.get("title") or "").strip():
            errors["title"] = _("Please fill in this field.")
        if not errors:
            journal.update_step(step, data)
            db.session.commit()
            flash(_("The step is saved."))
            return redirect(url_for("journal.goal", goal_id=step.goal_id) + f"#step-{step.id}")
    return render_template(
        "journal/step.html", step=step, form=form, errors=errors
    ), 400 if errors else 200


@bp.post("/journal/steps/<int:step_id>/delete")
@access.role(PARTICIPANT)
def delete_step(step_id: int):
    step = _step_or_404(step_id)
    goal_id = step.goal_id
    db.session.delete(step)
    db.session.commit()
    flash(_("The step is deleted."))
    return redirect(url_for("journal.goal", goal_id=goal_id) + "#steps")


# --- looking back ------------------------------------------------------------------------------


def _period(view: str, day: date) -> tuple[date, date, date, date]:
    """(first, last, previous anchor, next anchor) of the week or month around `day`."""
    if view == "month":
        first = day.replace(day=1)
        last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
        prev = (first - timedelta(days=1)).replace(day=1)
        return first, last, prev, last + timedelta(days=1)
    first = day - timedelta(days=day.weekday())
    return first, first + timedelta(days=6), first - timedelta(days=7), first + timedelta(days=7)


@bp.get("/journal/look-back")
@access.role(PARTICIPANT)
def look_back():
    view = request.args.get("view", "week")
    if view not in ("week", "month"):
        view = "week"
    today = _today()
    try:
        anchor = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        anchor = today
    first, last, prev, nxt = _period(view, anchor)
    summary = journal.look_back(current_user, first, last)
    # Whole weeks, Monday first, so the days line up under their names.
    start = first - timedelta(days=first.weekday())
    days = []
    current = start
    while current <= last or current.weekday() != 0:
        days.append(current)
        current += timedelta(days=1)
    return render_template(
        "journal/look_back.html",
        view=view,
        first=first,
        last=last,
        days=days,
        weekdays=days[:7],
        today=today,
        prev=prev,
        next=nxt if nxt <= today else None,
        summary=summary,
    )
