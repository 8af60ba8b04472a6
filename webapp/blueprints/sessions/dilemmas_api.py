"""The dilemmas' JSON API under /api/v1: the author's own dilemmas (what the phone's outbox sends
a dilemma written offline through), the active choice, and the counsellor's session summary.

A dilemma is named by server id or by the client id the phone made. Nothing here carries an
author id: these are the author's own, and the summary has counts and who came, nothing more.
"""

from flask import abort, jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate, validates

from webapp.blueprints.api.docs import body, operation
from webapp.blueprints.api.errors import error, invalid, json_body
from webapp.blueprints.api.schemas import ErrorSchema
from webapp.blueprints.sessions import bp
from webapp.extensions import db
from webapp.forms import REQUIRED
from webapp.forms import validate as check
from webapp.models import Role
from webapp.services import access
from webapp.services import dilemmas as service

V1 = "/api/v1"
PARTICIPANT, COUNSELLOR = Role.PARTICIPANT, Role.COUNSELLOR
NOT_FOUND = {404: body(ErrorSchema, "Not yours, or not there")}

PROBLEM_MAX, SOLUTION_MAX, TITLE_MAX = 1000, 300, 120


# --- shapes ------------------------------------------------------------------------------------


def _not_blank(value: str) -> None:
    if not value.strip():
        raise ValidationError(str(_l("Please fill in this field.")))


def _text(most: int, required: bool, message) -> fields.String:
    return fields.String(
        required=required,
        error_messages={"required": message, "null": message},
        validate=[
            validate.Length(min=1, error=message),
            validate.Length(max=most, error=_l("Write up to %(n)s characters.", n=most)),
        ],
    )


PROBLEM_MISSING = _l("Write what the problem is.")
SOLUTION_MISSING = _l("Write a solution here. You need three.")


class DilemmaSchema(Schema):
    client_id = fields.UUID(
        required=True, error_messages={**REQUIRED, "invalid_uuid": _l("This is not a valid id.")}
    )
    group_id = fields.Integer(load_default=None, allow_none=True)
    problem = _text(PROBLEM_MAX, True, PROBLEM_MISSING)
    solution_1 = _text(SOLUTION_MAX, True, SOLUTION_MISSING)
    solution_2 = _text(SOLUTION_MAX, True, SOLUTION_MISSING)
    solution_3 = _text(SOLUTION_MAX, True, SOLUTION_MISSING)
    anonymous = fields.Boolean(load_default=True)

    @validates("problem")
    def _problem(self, value: str, **_kw) -> None:
        if not value.strip():
            raise ValidationError(str(PROBLEM_MISSING))

    @validates("solution_1")
    def _s1(self, value: str, **_kw) -> None:
        if not value.strip():
            raise ValidationError(str(SOLUTION_MISSING))

    @validates("solution_2")
    def _s2(self, value: str, **_kw) -> None:
        if not value.strip():
            raise ValidationError(str(SOLUTION_MISSING))

    @validates("solution_3")
    def _s3(self, value: str, **_kw) -> None:
        if not value.strip():
            raise ValidationError(str(SOLUTION_MISSING))


class DilemmaUpdateSchema(DilemmaSchema):
    """The same fields, each optional; a field that is sent must still be filled in."""

    class Meta:
        exclude = ("client_id", "group_id")

    def __init__(self, **kwargs):
        super().__init__(partial=True, **kwargs)


class ChoiceSchema(Schema):
    solution = fields.Integer(
        required=True,
        error_messages={**REQUIRED, "invalid": _l("Choose one of the three.")},
        validate=validate.Range(min=1, max=3, error=_l("Choose one of the three.")),
    )
    title = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=TITLE_MAX, error=_l("Write up to %(n)s characters.", n=120)),
    )
    step = fields.String(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=TITLE_MAX, error=_l("Write up to %(n)s characters.", n=120)),
    )


class OwnResponseOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": ["thought", "question", "choice"]})
    choice = fields.Integer(allow_none=True)
    text = fields.String()
    author = fields.String(allow_none=True, metadata={"description": "Only when not anonymous"})
    mine = fields.Boolean()
    created_at = fields.DateTime()


class OwnDilemmaOut(Schema):
    id = fields.Integer()
    client_id = fields.String()
    group_id = fields.Integer()
    anonymous = fields.Boolean()
    problem = fields.String()
    solutions = fields.List(fields.String())
    status = fields.String(metadata={"enum": ["waiting", "live", "shown"]})
    shown_at = fields.DateTime(allow_none=True)
    session_id = fields.Integer(allow_none=True)
    chosen_solution = fields.Integer(allow_none=True)
    chosen_at = fields.DateTime(allow_none=True)
    goal_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    responses = fields.List(fields.Nested(OwnResponseOut), metadata={"description": "Detail only"})


class DilemmaChoiceOut(Schema):
    goal_id = fields.Integer()
    dilemma = fields.Nested(OwnDilemmaOut)


class SessionSummaryOut(Schema):
    session_id = fields.Integer()
    status = fields.String()
    attendance = fields.Dict(metadata={"description": '{"count": n, "people": [names]}'})
    dilemmas_shown = fields.Integer()
    responses = fields.Integer()
    rounds = fields.Integer()
    strength_words = fields.Integer()


def _iso(moment):
    return moment.isoformat() if moment is not None else None


def status_of(dilemma) -> str:
    if service.is_waiting(dilemma):
        return "waiting"
    session = service.session_of(dilemma)
    if session is not None and session.status == "live":
        return "live"
    return "shown"


def dilemma_json(dilemma, with_responses: bool = False) -> dict:
    out = {
        "id": dilemma.id,
        "client_id": dilemma.client_id,
        "group_id": dilemma.group_id,
        "anonymous": dilemma.anonymous,
        "problem": dilemma.problem,
        "solutions": dilemma.solutions(),
        "status": status_of(dilemma),
        "shown_at": _iso(dilemma.shown_at),
        "session_id": dilemma.session_id,
        "chosen_solution": dilemma.chosen_solution,
        "chosen_at": _iso(dilemma.chosen_at),
        "goal_id": dilemma.goal_id,
        "created_at": _iso(dilemma.created_at),
        "updated_at": _iso(dilemma.updated_at),
    }
    if with_responses:
        out["responses"] = [
            {
                "id": a.id,
                "kind": a.kind,
                "choice": a.choice,
                "text": a.text,
                "author": a.name,
                "mine": a.mine,
                "created_at": _iso(a.created_at),
            }
            for a in service.answers(current_user, dilemma)
        ]
    return out


def own_or_404(ref):
    dilemma = service.find_own(current_user, ref)
    if dilemma is None:
        abort(404)
    return dilemma


# --- the author's dilemmas ---------------------------------------------------------------------


@bp.get(V1 + "/dilemmas")
@access.role(PARTICIPANT)
@operation(summary="My dilemmas, newest first", responses={200: body(OwnDilemmaOut(many=True))})
def api_dilemmas():
    return jsonify([dilemma_json(d) for d in service.mine(current_user)])


@bp.post(V1 + "/dilemmas")
@access.role(PARTICIPANT)
@operation(
    summary="Write a dilemma: a problem and exactly three solutions (idempotent by client_id). "
    "It waits for the next session of the group (group_id may be left out when there is one).",
    requestBody={"content": {"application/json": {"schema": DilemmaSchema}}},
    responses={
        201: body(OwnDilemmaOut),
        200: body(OwnDilemmaOut, "Already there"),
        400: body(ErrorSchema),
    },
)
def api_create_dilemma():
    data, problems = check(DilemmaSchema(), json_body())
    if problems:
        return invalid(problems)
    groups = service.groups_to_write_in(current_user)
    if data.get("group_id") is not None:
        group = next((g for g in groups if g.id == data["group_id"]), None)
    else:
        group = groups[0] if len(groups) == 1 else None
    if group is None:
        return invalid({"group_id": _("Choose one of your groups.")})
    dilemma, created = service.create(current_user, group, data)
    db.session.commit()
    return jsonify(dilemma_json(dilemma)), 201 if created else 200


@bp.get(V1 + "/dilemmas/<int:dilemma_id>")
@access.role(PARTICIPANT)
@operation(
    summary="One of my dilemmas, with what the group answered once it was shown",
    responses={200: body(OwnDilemmaOut), **NOT_FOUND},
)
def api_dilemma(dilemma_id):
    return jsonify(dilemma_json(own_or_404(dilemma_id), with_responses=True))


@bp.patch(V1 + "/dilemmas/<int:dilemma_id>")
@access.role(PARTICIPANT)
@operation(
    summary="Change my dilemma while it waits (409 once it has been shown)",
    requestBody={"content": {"application/json": {"schema": DilemmaUpdateSchema}}},
    responses={
        200: body(OwnDilemmaOut),
        400: body(ErrorSchema),
        409: body(ErrorSchema),
        **NOT_FOUND,
    },
)
def api_update_dilemma(dilemma_id):
    dilemma = own_or_404(dilemma_id)
    data, problems = check(DilemmaUpdateSchema(), json_body())
    if problems:
        return invalid(problems)
    try:
        service.update(dilemma, data)
    except service.NotWaiting:
        return error(
            409, "shown", _("It has been talked about in the group, so it stays as it was.")
        )
    db.session.commit()
    return jsonify(dilemma_json(dilemma))


@bp.delete(V1 + "/dilemmas/<int:dilemma_id>")
@access.role(PARTICIPANT)
@operation(
    summary="Delete my dilemma and its responses (also from a screen that shows it)",
    responses={204: {"description": "Deleted"}, **NOT_FOUND},
)
def api_delete_dilemma(dilemma_id):
    service.delete(own_or_404(dilemma_id))
    db.session.commit()
    return "", 204


@bp.post(V1 + "/dilemmas/<int:dilemma_id>/choice")
@access.role(PARTICIPANT)
@operation(
    summary="The active choice: one solution becomes a goal with a first small step "
    "(once per dilemma; again gives the same goal with 200)",
    requestBody={"content": {"application/json": {"schema": ChoiceSchema}}},
    responses={
        201: body(DilemmaChoiceOut),
        200: body(DilemmaChoiceOut, "Already chosen"),
        400: body(ErrorSchema),
        409: body(ErrorSchema),
        **NOT_FOUND,
    },
)
def api_choose(dilemma_id):
    dilemma = own_or_404(dilemma_id)
    data, problems = check(ChoiceSchema(), json_body())
    if problems:
        return invalid(problems)
    solution = dilemma.solutions()[data["solution"] - 1]
    title = (data.get("title") or "").strip() or solution[:TITLE_MAX]
    step = data.get("step")
    step = first_step_text() if step is None else step.strip()
    try:
        goal, created = service.make_goal(current_user, dilemma, data["solution"], title, step)
    except service.NotShownYet:
        return error(409, "not_shown", _("You can choose after the group has talked about it."))
    db.session.commit()
    return jsonify({"goal_id": goal.id, "dilemma": dilemma_json(dilemma)}), 201 if created else 200


def first_step_text() -> str:
    """The first small step offered with a choice; the person may write their own."""
    return _("Choose a day to start")


# --- the counsellor's summary ------------------------------------------------------------------


def summary_json(summary) -> dict:
    return {
        "session_id": summary.session.id,
        "status": summary.session.status,
        "attendance": {"count": len(summary.came), "people": summary.came},
        "dilemmas_shown": summary.dilemmas_shown,
        "responses": summary.responses,
        "rounds": summary.rounds,
        "strength_words": summary.strength_words,
    }


@bp.get(V1 + "/sessions/<int:session_id>/summary")
@access.role(COUNSELLOR)
@operation(
    summary="What happened in a session, in numbers, and who came (the group's counsellors)",
    responses={200: body(SessionSummaryOut), **NOT_FOUND},
)
def api_summary(session_id):
    session = service.led_session(current_user, session_id)
    if session is None:
        abort(404)
    return jsonify(summary_json(service.summary(current_user, session)))
