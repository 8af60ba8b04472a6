"""Dilemma pages (server-rendered; they work without JavaScript).

Writing one is a single form in four parts (the problem; three solutions; with or without my
name, with a preview of the big screen; done). dilemma.js shows it one part at a time and sends
it through the phone's outbox, so a dilemma written offline is kept and sent later.

After the session the dilemma and its responses are the author's alone: My dilemmas, the
responses (names only where they were given), and the active choice: one solution becomes a goal
with a first small step, in two taps. The counsellor's summary has numbers and who came only.
"""

import uuid

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.blueprints.sessions import bp
from webapp.blueprints.sessions.dilemmas_api import (
    TITLE_MAX,
    DilemmaSchema,
    DilemmaUpdateSchema,
    first_step_text,
    status_of,
)
from webapp.extensions import db
from webapp.forms import validate
from webapp.models import Role
from webapp.services import access, programmes
from webapp.services import dilemmas as service

PARTICIPANT, COUNSELLOR = Role.PARTICIPANT, Role.COUNSELLOR
FIELDS = ("problem", "solution_1", "solution_2", "solution_3")


def _own_or_404(dilemma_id: int):
    dilemma = service.find_own(current_user, dilemma_id)
    if dilemma is None:
        abort(404)
    return dilemma


def _form() -> dict:
    """What was typed, kept as typed; anonymous unless 'with my name' was picked."""
    form = {name: request.form.get(name, "") for name in FIELDS}
    form["anonymous"] = request.form.get("anonymous", "1") != "0"
    form["client_id"] = request.form.get("client_id", "")
    return form


def _session_text(session, field: str) -> str:
    """A session's theme in the reader's language (its own text, or its template's)."""
    return str(programmes.text_of(session, field) or "")


@bp.record_once
def _template_globals(state) -> None:
    state.app.jinja_env.globals.update(dilemma_session_text=_session_text)


# --- writing -----------------------------------------------------------------------------------


def _write_page(group, form: dict, errors: dict, status: int = 200, preview: bool = False):
    return render_template(
        "sessions/dilemma_new.html",
        group=group,
        form=form,
        errors=errors,
        preview=preview,
        client_id=form.get("client_id") or str(uuid.uuid4()),
    ), status


@bp.route("/groups/<int:group_id>/dilemmas/new", methods=["GET", "POST"])
@access.role(PARTICIPANT)
def new_dilemma(group_id):
    group = service.group_to_write_in(current_user, group_id)
    if group is None:
        abort(404)
    if request.method == "GET":
        return _write_page(group, {"anonymous": True}, {})
    form = _form()
    try:
        uuid.UUID(form["client_id"])
    except ValueError:
        form["client_id"] = str(uuid.uuid4())  # a form from before: a new id, the words kept
    if request.form.get("action") == "preview":
        return _write_page(group, form, {}, preview=True)
    data, errors = validate(DilemmaSchema(), form)
    if errors:
        errors.setdefault("form", _("Something needs fixing. What you wrote is still here."))
        return _write_page(group, form, errors, 400)
    dilemma, _created = service.create(current_user, group, data)
    db.session.commit()
    return redirect(url_for("sessions.dilemma", dilemma_id=dilemma.id, new=1))


# --- the author's own --------------------------------------------------------------------------


@bp.get("/me/dilemmas")
@access.role(PARTICIPANT)
def my_dilemmas():
    rows = service.mine(current_user)
    return render_template(
        "sessions/dilemma_list.html",
        dilemmas=rows,
        status_of=status_of,
        groups=service.groups_to_write_in(current_user),
    )


def _detail_page(dilemma, **extra):
    answers = service.answers(current_user, dilemma)
    return render_template(
        "sessions/dilemma_detail.html",
        dilemma=dilemma,
        status=status_of(dilemma),
        session=service.session_of(dilemma),
        answers=answers,
        counts=service.choice_counts(answers),
        can_choose=service.can_choose(dilemma),
        just_written=request.args.get("new") == "1",
        **extra,
    )


@bp.get("/dilemmas/<int:dilemma_id>")
@access.role(PARTICIPANT)
def dilemma(dilemma_id):
    return _detail_page(_own_or_404(dilemma_id))


@bp.route("/dilemmas/<int:dilemma_id>/edit", methods=["GET", "POST"])
@access.role(PARTICIPANT)
def edit_dilemma(dilemma_id):
    dilemma = _own_or_404(dilemma_id)
    if not service.is_waiting(dilemma):
        flash(_("It has been talked about in the group, so it stays as it was."))
        return redirect(url_for("sessions.dilemma", dilemma_id=dilemma.id))
    if request.method == "GET":
        form = {name: getattr(dilemma, name) for name in FIELDS}
        form["anonymous"] = dilemma.anonymous
        return render_template("sessions/dilemma_edit.html", dilemma=dilemma, form=form, errors={})
    form = _form()
    data, errors = validate(DilemmaUpdateSchema(), form)
    if errors:
        errors.setdefault("form", _("Something needs fixing. What you wrote is still here."))
        return render_template(
            "sessions/dilemma_edit.html", dilemma=dilemma, form=form, errors=errors
        ), 400
    service.update(dilemma, data)
    db.session.commit()
    flash(_("Saved."))
    return redirect(url_for("sessions.dilemma", dilemma_id=dilemma.id))


@bp.post("/dilemmas/<int:dilemma_id>/delete")
@access.role(PARTICIPANT)
def delete_dilemma(dilemma_id):
    service.delete(_own_or_404(dilemma_id))
    db.session.commit()
    flash(_("Deleted."))
    return redirect(url_for("sessions.my_dilemmas"))


# --- the active choice: two taps ----------------------------------------------------------------


def _solution_number() -> int | None:
    raw = request.form.get("solution", "")
    return int(raw) if raw in ("1", "2", "3") else None


@bp.post("/dilemmas/<int:dilemma_id>/choose")
@access.role(PARTICIPANT)
def choose(dilemma_id):
    dilemma = _own_or_404(dilemma_id)
    number = _solution_number()
    if number is None or not service.can_choose(dilemma):
        return redirect(url_for("sessions.dilemma", dilemma_id=dilemma.id) + "#choose")
    if dilemma.goal_id is not None:
        return redirect(url_for("journal.goal", goal_id=dilemma.goal_id))
    form = {"title": dilemma.solutions()[number - 1][:TITLE_MAX], "step": first_step_text()}
    return render_template(
        "sessions/dilemma_choose.html", dilemma=dilemma, number=number, form=form, errors={}
    )


@bp.post("/dilemmas/<int:dilemma_id>/goal")
@access.role(PARTICIPANT)
def make_goal(dilemma_id):
    dilemma = _own_or_404(dilemma_id)
    number = _solution_number()
    if number is None or not service.can_choose(dilemma):
        return redirect(url_for("sessions.dilemma", dilemma_id=dilemma.id) + "#choose")
    form = {"title": request.form.get("title", ""), "step": request.form.get("step", "")}
    errors = {}
    if not form["title"].strip():
        errors["title"] = _("Write a name for your goal.")
    elif len(form["title"].strip()) > TITLE_MAX:
        errors["title"] = _("Write up to %(n)s characters.", n=TITLE_MAX)
    if len(form["step"].strip()) > TITLE_MAX:
        errors["step"] = _("Write up to %(n)s characters.", n=TITLE_MAX)
    if errors:
        errors["form"] = _("Something needs fixing. What you wrote is still here.")
        return render_template(
            "sessions/dilemma_choose.html", dilemma=dilemma, number=number, form=form, errors=errors
        ), 400
    goal, created = service.make_goal(
        current_user, dilemma, number, form["title"].strip(), form["step"].strip()
    )
    db.session.commit()
    if created:
        flash(_("Your choice is now a goal. One small step at a time."))
    return redirect(url_for("journal.goal", goal_id=goal.id))


# --- the counsellor's summary ------------------------------------------------------------------


@bp.get("/sessions/<int:session_id>/summary")
@access.role(COUNSELLOR)
def summary(session_id):
    session = service.led_session(current_user, session_id)
    if session is None:
        abort(404)
    return render_template(
        "sessions/dilemma_summary.html",
        summary=service.summary(current_user, session),
        session=session,
        back_url=_url_if_there("sessions.detail", session_id=session.id),
    )


def _url_if_there(endpoint: str, **values) -> str | None:
    """A link to another room's page, once that room has built it."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)
