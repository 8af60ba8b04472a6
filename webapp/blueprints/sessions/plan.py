"""A group's programme of meetings: the counsellor picks a template and dates, adds, edits and
deletes sessions; everyone in the group sees what is coming, when, and what to bring.

Texts left as the template's are stored empty and shown translated (services/programmes)."""

from datetime import timedelta

from flask import abort, current_app, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from webapp.blueprints.api.docs import body, operation
from webapp.blueprints.api.schemas import ErrorSchema
from webapp.blueprints.nudges.forms import CLOCK, DAY, Clock
from webapp.blueprints.nudges.routes import DAY_NAMES, SHORT_DAY_NAMES
from webapp.blueprints.sessions import bp
from webapp.extensions import db
from webapp.forms import REQUIRED
from webapp.forms import validate as check
from webapp.models import Attendance, GroupSession, Role, SessionStatus
from webapp.models.base import utcnow
from webapp.services import access, live, programmes, scheduling, visibility

COUNSELLOR = Role.COUNSELLOR
LIMITS = {"theme": 120, "agenda": 4000, "bring": 300, "guide": 8000}


# --- input ---------------------------------------------------------------------------------------


class ProgrammeForm(Schema):
    template = fields.String(
        required=True,
        validate=validate.OneOf(list(programmes.TEMPLATES), error=_l("Choose a programme.")),
        error_messages={**REQUIRED, "required": _l("Choose a programme.")},
    )
    first_date = fields.Date(required=True, error_messages={**REQUIRED, **DAY})
    at = Clock(required=True, error_messages={**REQUIRED, **CLOCK})
    days = fields.List(
        fields.String(validate=validate.OneOf(scheduling.WEEKDAYS)), load_default=list
    )
    count = fields.Integer(
        load_default=10,
        validate=validate.Range(
            1, programmes.MAX_SESSIONS, error=_l("Choose between 1 and 30 sessions.")
        ),
        error_messages={"invalid": _l("Choose between 1 and 30 sessions.")},
    )

    @validates_schema
    def _days(self, data, **_kw):
        if not data.get("days"):
            raise ValidationError(str(_l("Choose at least one day.")), "days")


def _length(field: str):
    return validate.Length(
        max=LIMITS[field], error=_l("At most %(n)s characters.", n=LIMITS[field])
    )


class SessionForm(Schema):
    day = fields.Date(required=True, error_messages={**REQUIRED, **DAY})
    at = Clock(required=True, error_messages={**REQUIRED, **CLOCK})
    theme = fields.String(load_default="", validate=_length("theme"))
    agenda = fields.String(load_default="", validate=_length("agenda"))
    bring = fields.String(load_default="", validate=_length("bring"))
    guide = fields.String(load_default="", validate=_length("guide"))


class AddForm(Schema):
    day = fields.Date(required=True, error_messages={**REQUIRED, **DAY})
    at = Clock(required=True, error_messages={**REQUIRED, **CLOCK})


class GroupSessionOut(Schema):
    id = fields.Integer()
    group_id = fields.Integer()
    group = fields.String(metadata={"description": "The group's name"})
    number = fields.Integer(metadata={"description": "Place in the programme, from 1"})
    theme = fields.String(metadata={"description": "In the reader's language"})
    agenda = fields.String()
    bring = fields.String(metadata={"description": "What to bring"})
    guide = fields.String(metadata={"description": "Only for the group's counsellors"})
    starts_at = fields.DateTime()
    ends_at = fields.DateTime()
    status = fields.String(metadata={"description": "planned | live | ended"})
    countdown = fields.String(metadata={"description": '"Tomorrow at 11:00", "Now"…'})
    joined = fields.Boolean(metadata={"description": "I am in the room (attendance)"})
    url = fields.String()


class GroupSessionList(Schema):
    sessions = fields.List(fields.Nested(GroupSessionOut))


# --- shared helpers ------------------------------------------------------------------------------


@bp.app_template_global()
def maybe_url(endpoint: str, **values) -> str | None:
    """A link to another room's page, or None while that page is not there."""
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, **values)


def _zone() -> str:
    return current_user.timezone or scheduling.DEFAULT_ZONE


def _managed_group(group_id: int):
    group = db.session.scalar(visibility.group_managed_by(current_user, group_id))
    if group is None:
        abort(404)
    return group


def _led(session_id: int) -> GroupSession:
    found = programmes.led_session(current_user, session_id)
    if found is None:
        abort(404)
    return found


def _visible(session_id: int) -> GroupSession:
    found = programmes.visible_session(current_user, session_id)
    if found is None:
        abort(404)
    return found


def _leads(session: GroupSession) -> bool:
    return programmes.led_session(current_user, session.id) is not None


def _joined(session: GroupSession) -> bool:
    if session.status != SessionStatus.LIVE:
        return False
    return (
        db.session.scalar(
            visibility.attendance_of(current_user)
            .where(Attendance.session_id == session.id, Attendance.user_id == current_user.id)
            .limit(1)
        )
        is not None
    )


def _local(session: GroupSession):
    return session.starts_at.astimezone(scheduling.zone(_zone()))


@bp.app_template_global()
def next_session(group_id: int | None = None):
    """For the home and group pages: my next (or live) session, or None."""
    if not current_user.is_authenticated:
        return None
    return programmes.next_for(current_user, utcnow(), group_id)


@bp.app_template_global()
def session_countdown(session: GroupSession) -> str:
    return programmes.countdown(session, utcnow())


@bp.app_template_global()
def session_when(instant, short: bool = False) -> str:
    return programmes.day_and_time(instant, short)


@bp.app_template_global()
def session_text(session: GroupSession, field: str) -> str:
    return programmes.text_of(session, field)


@bp.app_template_global()
def session_title(session: GroupSession) -> str:
    return programmes.title_of(session)


@bp.app_template_global()
def text_lines(text: str) -> list[str]:
    return programmes.lines(text)


@bp.app_template_global()
def group_sessions(group_id: int) -> list[GroupSession]:
    if not current_user.is_authenticated:
        return []
    return programmes.of_group(current_user, group_id)


@bp.app_template_global()
def session_link(endpoint: str, session: GroupSession) -> str | None:
    return maybe_url(endpoint, session_id=session.id)


# --- the programme -------------------------------------------------------------------------------


def _form_data() -> dict:
    data = request.form.to_dict()
    data.pop("csrf_token", None)
    data["days"] = request.form.getlist("days")
    if not data.get("count"):
        data.pop("count", None)
    return data


def _today():
    return utcnow().astimezone(scheduling.zone(_zone())).date()


def _not_past(data: dict, field: str, errors: dict) -> dict:
    """A programme is planned forwards: a first day in the past is refused, kindly."""
    if not errors and data[field] < _today():
        errors = {field: _("Choose today or a later day.")}
    return errors


def _default_programme_form() -> dict:
    today = _today()
    monday = today + timedelta(days=(7 - today.weekday()) % 7 or 7)
    return {
        "template": "oygarden",
        "first_date": monday.isoformat(),
        "at": "10:00",
        "days": list(programmes.OYGARDEN.days),
        "count": "10",
    }


def _programme_page(group, status=200, **extra):
    return render_template(
        "sessions/plan_programme.html", **_programme_context(group, **extra)
    ), status


def _preview_rows(data: dict) -> list[dict]:
    template = programmes.TEMPLATES[data["template"]]
    count = programmes.session_count(data["template"], data.get("count"))
    days = programmes.plan_dates(data["first_date"], data["days"], count)
    rows = []
    for i, day in enumerate(days):
        theme = str(template.sessions[i].theme) if template.sessions else ""
        rows.append(
            {
                "starts_at": programmes.starts_at(day, data["at"], _zone()),
                "theme": theme,
                "week": template.sessions[i].week if template.sessions else None,
            }
        )
    return rows


@bp.route("/groups/<int:group_id>/programme", methods=["GET", "POST"])
@access.role(COUNSELLOR)
def programme(group_id: int):
    group = _managed_group(group_id)
    if request.method == "GET":
        return _programme_page(group)
    form = _form_data()
    data, errors = check(ProgrammeForm(), form)
    errors = _not_past(data, "first_date", errors)
    if errors:
        return _programme_page(group, 400, form=form, errors=errors)
    if request.form.get("action") != "create":
        return _programme_page(group, form=form, preview=_preview_rows(data))
    made = programmes.apply(
        group,
        data["template"],
        data["first_date"],
        data["days"],
        data["at"],
        _zone(),
        data.get("count"),
    )
    db.session.commit()
    flash(
        _("%(n)s sessions are in the programme. Everyone in the group can see them.", n=len(made))
    )
    return redirect(url_for("sessions.programme", group_id=group.id) + "#sessions")


@bp.post("/groups/<int:group_id>/sessions")
@access.role(COUNSELLOR)
def add(group_id: int):
    group = _managed_group(group_id)
    form = {k: request.form.get(k, "") for k in ("day", "at")}
    data, errors = check(AddForm(), form)
    errors = _not_past(data, "day", errors)
    if errors:
        return _programme_page(group, 400, add_form=form, add_errors=errors)
    row = programmes.add_one(group, data["day"], data["at"], _zone())
    db.session.commit()
    flash(_("The session is added. Give it a theme and a plan."))
    return redirect(url_for("sessions.edit", session_id=row.id))


def _programme_context(group, **extra) -> dict:
    context = {
        "group": group,
        "sessions": programmes.of_group(current_user, group.id),
        "form": _default_programme_form(),
        "errors": {},
        "preview": None,
        "templates": programmes.TEMPLATES,
        "weekdays": scheduling.WEEKDAYS,
        "day_names": DAY_NAMES,
        "short_day_names": SHORT_DAY_NAMES,
        "zone": _zone(),
        "add_form": {"day": "", "at": "10:00"},
        "add_errors": {},
        "now": utcnow(),
    }
    context.update(extra)
    return context


# --- one session ---------------------------------------------------------------------------------


def _edit_form(session: GroupSession) -> dict:
    local = _local(session)
    form = {"day": local.date().isoformat(), "at": local.strftime("%H:%M")}
    for field in programmes.FIELDS:
        form[field] = programmes.text_of(session, field)
    return form


def _edit_page(session, form=None, errors=None, status=200):
    return render_template(
        "sessions/plan_edit.html",
        session=session,
        form=form or _edit_form(session),
        errors=errors or {},
        zone=_zone(),
        limits=LIMITS,
        can_delete=programmes.can_delete(session),
    ), status


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@access.role(COUNSELLOR)
def edit(session_id: int):
    session = _led(session_id)
    if request.method == "GET":
        return _edit_page(session)
    form = {k: request.form.get(k, "") for k in ("day", "at", *programmes.FIELDS)}
    data, errors = check(SessionForm(), form)
    if errors:
        return _edit_page(session, form, errors, 400)
    if session.status == SessionStatus.PLANNED:
        session.starts_at = programmes.starts_at(data["day"], data["at"], _zone())
    for field in programmes.FIELDS:
        programmes.store_text(session, field, data[field])
    session.updated_at = utcnow()
    if session.status == SessionStatus.LIVE:
        live.touch(session.id)
    db.session.commit()
    flash(_("Saved."))
    return redirect(url_for("sessions.detail", session_id=session.id))


@bp.post("/sessions/<int:session_id>/delete")
@access.role(COUNSELLOR)
def delete(session_id: int):
    session = _led(session_id)
    group_id = session.group_id
    if not programmes.can_delete(session):
        flash(_("A session that has started stays in the programme."))
        return redirect(url_for("sessions.detail", session_id=session.id))
    programmes.delete(session)
    db.session.commit()
    flash(_("The session is deleted."))
    return redirect(url_for("sessions.programme", group_id=group_id) + "#sessions")


@bp.get("/sessions")
@access.logged_in
def index():
    now = utcnow()
    sessions = programmes.upcoming_for(current_user, now)
    led = []
    if current_user.role == COUNSELLOR:
        led = db.session.scalars(visibility.groups_managed_by(current_user)).all()
    return render_template("sessions/plan_index.html", sessions=sessions, led=led, now=now)


@bp.get("/sessions/<int:session_id>")
@access.logged_in
def detail(session_id: int):
    session = _visible(session_id)
    leads = _leads(session)
    return render_template(
        "sessions/plan_detail.html",
        session=session,
        leads=leads,
        joined=_joined(session),
        can_delete=leads and programmes.can_delete(session),
        countdown=programmes.countdown(session, utcnow()),
        now=utcnow(),
    )


# --- API -----------------------------------------------------------------------------------------


def _out(session: GroupSession, leads: bool, now) -> dict:
    out = {
        "id": session.id,
        "group_id": session.group_id,
        "group": session.group.name,
        "number": session.number,
        "theme": programmes.title_of(session),
        "agenda": programmes.text_of(session, "agenda"),
        "bring": programmes.text_of(session, "bring"),
        "starts_at": session.starts_at,
        "ends_at": session.starts_at + timedelta(minutes=session.duration_minutes),
        "status": session.status,
        "countdown": programmes.countdown(session, now),
        "joined": _joined(session),
        "url": url_for("sessions.detail", session_id=session.id),
    }
    if leads:
        out["guide"] = programmes.text_of(session, "guide")
    return out


@bp.get("/api/v1/sessions")
@access.logged_in
@operation(
    summary="My live and coming group sessions, soonest first",
    responses={200: body(GroupSessionList)},
)
def api_sessions():
    now = utcnow()
    sessions = programmes.upcoming_for(current_user, now)
    led = {
        s.id
        for s in db.session.scalars(
            visibility.sessions_led_by(current_user).where(
                GroupSession.id.in_([s.id for s in sessions])
            )
        )
    }
    return jsonify(
        GroupSessionList().dump({"sessions": [_out(s, s.id in led, now) for s in sessions]})
    )


@bp.get("/api/v1/sessions/<int:session_id>")
@access.logged_in
@operation(
    summary="One session of my group (the guide only for its counsellors)",
    responses={200: body(GroupSessionOut), 404: body(ErrorSchema, "Not a session of yours")},
)
def api_session(session_id: int):
    session = _visible(session_id)
    return jsonify(GroupSessionOut().dump(_out(session, _leads(session), utcnow())))
