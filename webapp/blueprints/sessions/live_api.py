"""The live session's JSON API: the state every phone and the big screen poll (with ETags), the
participants' responses and strength words, and the counsellor's moves.

The poll is the hottest route of a session (15 phones every 1.5 s and a screen every second):
its first read is one small query for the session's version and the viewer's membership, and
an unchanged session answers 304 from that alone.
"""

from flask import Response, abort, jsonify, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from webapp.blueprints.api.docs import body, operation
from webapp.blueprints.api.errors import error, invalid, json_body
from webapp.blueprints.api.schemas import ErrorSchema
from webapp.blueprints.sessions import bp
from webapp.extensions import db
from webapp.forms import REQUIRED
from webapp.forms import validate as validate_with
from webapp.models import Dilemma, DilemmaResponse, ResponseKind, Role
from webapp.services import access, live, sharing, visibility

V1 = "/api/v1"
NOT_FOUND = {404: body(ErrorSchema, "Not yours, or not there")}
TOO_LONG = _l("That is a bit long. Make it shorter.")


# --- schemas -------------------------------------------------------------------------------------


class LiveTimer(Schema):
    ends_at = fields.DateTime()
    seconds = fields.Integer()


class LiveResponse(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"enum": [k.value for k in ResponseKind]})
    choice = fields.Integer(allow_none=True)
    text = fields.String()
    author = fields.String(allow_none=True, metadata={"description": "Only when not anonymous"})
    mine = fields.Boolean()
    client_id = fields.String(metadata={"description": "Only on your own"})
    created_at = fields.DateTime()
    hidden = fields.Boolean(metadata={"description": "Only for counsellors and your own"})


class LiveDilemma(Schema):
    id = fields.Integer()
    problem = fields.String()
    solutions = fields.List(fields.String())
    author = fields.String(allow_none=True, metadata={"description": "Only when not anonymous"})
    anonymous = fields.Boolean()
    mine = fields.Boolean()
    hidden = fields.Boolean(metadata={"description": "Counsellors only"})
    revealed = fields.Boolean(metadata={"description": "Responses are on the big screen"})
    response_count = fields.Integer()
    responses = fields.List(fields.Nested(LiveResponse))


class LiveRoundWord(Schema):
    word = fields.String()
    giver = fields.String(allow_none=True)


class LiveRound(Schema):
    id = fields.Integer()
    subject = fields.String()
    me = fields.Boolean()
    words = fields.List(fields.Nested(LiveRoundWord))


class LiveState(Schema):
    session_id = fields.Integer()
    version = fields.Integer()
    status = fields.String(metadata={"enum": ["planned", "live", "ended"]})
    server_time = fields.DateTime()
    attendance = fields.Integer()
    timer = fields.Nested(LiveTimer, allow_none=True)
    dilemma = fields.Nested(LiveDilemma, allow_none=True)
    round = fields.Nested(LiveRound, allow_none=True)


def _check_content(data: dict) -> None:
    kind = data.get("kind", ResponseKind.THOUGHT)
    if kind == ResponseKind.CHOICE and not data.get("choice"):
        raise ValidationError(_("Pick one of the three solutions."), "choice")
    if kind != ResponseKind.CHOICE and not (data.get("text") or "").strip():
        raise ValidationError(_("Write a few words first."), "text")


class LiveResponseIn(Schema):
    client_id = fields.UUID(required=True, error_messages=REQUIRED)
    kind = fields.String(
        load_default=ResponseKind.THOUGHT,
        validate=validate.OneOf([k.value for k in ResponseKind]),
    )
    choice = fields.Integer(allow_none=True, load_default=None, validate=validate.Range(1, 3))
    text = fields.String(load_default="", validate=validate.Length(max=500, error=TOO_LONG))
    anonymous = fields.Boolean(load_default=True)

    @validates_schema
    def has_content(self, data, **_kwargs):
        _check_content(data)


class LiveResponseUpdate(Schema):
    kind = fields.String(validate=validate.OneOf([k.value for k in ResponseKind]))
    choice = fields.Integer(allow_none=True, validate=validate.Range(1, 3))
    text = fields.String(validate=validate.Length(max=500, error=TOO_LONG))
    anonymous = fields.Boolean()


class LiveWordIn(Schema):
    preset = fields.String(
        allow_none=True, load_default=None, validate=validate.OneOf(list(sharing.STRENGTH_WORDS))
    )
    text = fields.String(load_default="", validate=validate.Length(max=40, error=TOO_LONG))
    show_name = fields.Boolean(load_default=False)

    @validates_schema
    def has_word(self, data, **_kwargs):
        if not data.get("preset") and not (data.get("text") or "").strip():
            raise ValidationError(_("Pick a word, or write your own."), "preset")


ACTIONS = [
    "show",
    "clear",
    "reveal",
    "unreveal",
    "hide_dilemma",
    "unhide_dilemma",
    "hide_response",
    "unhide_response",
    "timer",
    "start_round",
    "end_round",
]


class LiveActionIn(Schema):
    action = fields.String(required=True, validate=validate.OneOf(ACTIONS))
    dilemma_id = fields.Integer(allow_none=True, load_default=None)
    response_id = fields.Integer(allow_none=True, load_default=None)
    subject_id = fields.Integer(allow_none=True, load_default=None)
    seconds = fields.Integer(
        allow_none=True, load_default=None, validate=validate.OneOf([0, *live.TIMER_CHOICES])
    )
    reason = fields.String(load_default="", validate=validate.Length(max=200, error=TOO_LONG))


# --- shared by the pages and the API -------------------------------------------------------------


def do_action(session, data: dict) -> dict | None:
    """Carries out one counsellor move; a dict of {field: message} when it cannot be done."""
    action = data["action"]
    try:
        if action == "show":
            dilemma = db.session.scalar(
                visibility.dilemmas_visible_to(current_user).where(
                    Dilemma.id == (data.get("dilemma_id") or 0),
                    Dilemma.group_id == session.group_id,
                )
            )
            if dilemma is None:
                return {"dilemma_id": _("We cannot find that dilemma.")}
            live.show(session, dilemma)
        elif action == "clear":
            live.clear_screen(session)
        elif action in ("reveal", "unreveal"):
            live.reveal(session, action == "reveal")
        elif action in ("hide_dilemma", "unhide_dilemma"):
            dilemma = db.session.scalar(
                visibility.dilemmas_visible_to(current_user).where(
                    Dilemma.id == (data.get("dilemma_id") or session.current_dilemma_id or 0),
                    Dilemma.session_id == session.id,
                )
            )
            if dilemma is None:
                return {"dilemma_id": _("We cannot find that dilemma.")}
            if action == "hide_dilemma":
                live.hide(dilemma, current_user, data.get("reason", ""), session.id)
            else:
                live.unhide(dilemma, session.id)
        elif action in ("hide_response", "unhide_response"):
            response = db.session.scalar(
                visibility.responses_visible_to(current_user).where(
                    DilemmaResponse.id == (data.get("response_id") or 0),
                    Dilemma.session_id == session.id,
                )
            )
            if response is None:
                return {"response_id": _("We cannot find that response.")}
            if action == "hide_response":
                live.hide(response, current_user, data.get("reason", ""), session.id)
            else:
                live.unhide(response, session.id)
        elif action == "timer":
            live.set_timer(session, data.get("seconds"))
        elif action == "start_round":
            subject = next(
                (
                    p
                    for p in live.participants_of(current_user, session)
                    if p.id == data.get("subject_id")
                ),
                None,
            )
            if subject is None:
                return {"subject_id": _("Pick who tells their story.")}
            live.start_round(session, subject)
        elif action == "end_round":
            live.end_round(session)
    except live.NotAllowed:
        return {"form": _("The session is not live.")}
    return None


def _led_or_404(session_id: int):
    session = live.led_session(current_user, session_id)
    if session is None:
        abort(404)
    return session


def state_json(session, view: str, probe: live.Probe):
    return live.state(session, current_user, view, probe.role, probe.version)


# --- the poll ------------------------------------------------------------------------------------


@bp.get(V1 + "/sessions/<int:session_id>/live")
@access.logged_in
@operation(
    summary="The live state of a session (poll it with If-None-Match; 304 when unchanged)",
    parameters=[
        {"in": "query", "name": "view", "schema": {"type": "string", "enum": ["screen"]}},
        {
            "in": "query",
            "name": "head",
            "description": "1: only version, status, timer and the ids on screen (what the "
            "app's pages poll before fetching their own regions)",
            "schema": {"type": "string", "enum": ["1"]},
        },
        {"in": "header", "name": "If-None-Match", "schema": {"type": "string"}},
    ],
    responses={200: body(LiveState), 304: {"description": "Not changed"}, **NOT_FOUND},
)
def api_live(session_id: int):
    probe = live.probe(session_id, current_user.id)
    if probe is None:
        abort(404)
    view = live.SCREEN if request.args.get("view") == "screen" else live.PHONE
    if view == live.SCREEN and (
        probe.role != Role.COUNSELLOR or current_user.role != Role.COUNSELLOR
    ):
        abort(404)
    brief = request.args.get("head") == "1"
    tag = live.etag(session_id, probe.version, view + ("-head" if brief else ""))
    if tag in request.headers.get("If-None-Match", ""):
        response = Response(status=304)
    elif brief:
        response = jsonify(live.head(session_id, probe))
    else:
        session = live.visible_session(current_user, session_id)
        if session is None:  # gone between the two reads
            abort(404)
        response = jsonify(state_json(session, view, probe))
    response.headers["ETag"] = tag
    response.headers["Cache-Control"] = "private, no-cache"
    return response


# --- the counsellor ------------------------------------------------------------------------------


@bp.post(V1 + "/sessions/<int:session_id>/start")
@access.role(Role.COUNSELLOR)
@operation(
    summary="Start the session (it goes live, with a join code)",
    responses={200: body(LiveState), 409: body(ErrorSchema, "It has ended"), **NOT_FOUND},
)
def api_start(session_id: int):
    session = _led_or_404(session_id)
    try:
        live.start(session)
    except live.NotAllowed:
        return error(409, "ended", _("This session is over."))
    db.session.commit()
    return jsonify(_fresh_state(session))


@bp.post(V1 + "/sessions/<int:session_id>/end")
@access.role(Role.COUNSELLOR)
@operation(summary="End the session", responses={200: body(LiveState), **NOT_FOUND})
def api_end(session_id: int):
    session = _led_or_404(session_id)
    live.end(session)
    db.session.commit()
    return jsonify(_fresh_state(session))


@bp.post(V1 + "/sessions/<int:session_id>/actions")
@access.role(Role.COUNSELLOR)
@operation(
    summary="A counsellor's move: show a dilemma, reveal, hide, the silence timer, a round",
    requestBody={"content": {"application/json": {"schema": LiveActionIn}}},
    responses={200: body(LiveState), 400: body(ErrorSchema), 409: body(ErrorSchema), **NOT_FOUND},
)
def api_act(session_id: int):
    session = _led_or_404(session_id)
    data, problems = validate_with(LiveActionIn(), json_body())
    if problems:
        return invalid(problems)
    problems = do_action(session, data)
    if problems:
        if "form" in problems:
            return error(409, "not_live", problems["form"])
        return invalid(problems)
    db.session.commit()
    return jsonify(_fresh_state(session))


def _fresh_state(session):
    probe = live.probe(session.id, current_user.id)
    return state_json(session, live.PHONE, probe)


# --- the participants ----------------------------------------------------------------------------


@bp.post(V1 + "/sessions/<int:session_id>/join")
@access.logged_in
@operation(
    summary="I am here (attend a live session of my group)",
    responses={200: body(LiveState), 409: body(ErrorSchema), **NOT_FOUND},
)
def api_join(session_id: int):
    session = live.visible_session(current_user, session_id)
    if session is None:
        abort(404)
    if session.status != "live":
        return error(409, "not_live", _("The session is not live."))
    live.join(current_user, session)
    db.session.commit()
    return jsonify(_fresh_state(session))


@bp.post(V1 + "/dilemmas/<int:dilemma_id>/responses")
@access.role(Role.PARTICIPANT)
@operation(
    summary="Respond to the dilemma on the screen (idempotent by client_id)",
    requestBody={"content": {"application/json": {"schema": LiveResponseIn}}},
    responses={
        201: body(LiveResponse),
        200: body(LiveResponse, "Already there"),
        400: body(ErrorSchema),
        **NOT_FOUND,
    },
)
def api_respond(dilemma_id: int):
    dilemma = live.open_dilemma(current_user, dilemma_id)
    if dilemma is None:
        abort(404)
    data, problems = validate_with(LiveResponseIn(), json_body())
    if problems:
        return invalid(problems)
    response, created = live.respond(current_user, dilemma, data)
    db.session.commit()
    return jsonify(own_response_json(response)), 201 if created else 200


def own_response_json(response: DilemmaResponse) -> dict:
    return {
        "id": response.id,
        "kind": response.kind,
        "choice": response.choice,
        "text": response.text,
        "author": None if response.anonymous else current_user.display_name,
        "anonymous": response.anonymous,
        "mine": True,
        "client_id": response.client_id,
        "created_at": response.created_at.isoformat(),
        "hidden": response.hidden_at is not None,
    }


@bp.patch(V1 + "/responses/<int:response_id>")
@access.role(Role.PARTICIPANT)
@operation(
    summary="Edit my response",
    requestBody={"content": {"application/json": {"schema": LiveResponseUpdate}}},
    responses={200: body(LiveResponse), 400: body(ErrorSchema), **NOT_FOUND},
)
def api_update_response(response_id: int):
    response = live.own_response(current_user, response_id)
    if response is None:
        abort(404)
    data, problems = validate_with(LiveResponseUpdate(), json_body())
    if problems:
        return invalid(problems)
    merged = {
        "kind": data.get("kind", response.kind),
        "choice": data.get("choice", response.choice),
        "text": data.get("text", response.text),
    }
    try:
        _check_content(merged)
    except ValidationError as err:
        return invalid({key: str(value[0]) for key, value in err.normalized_messages().items()})
    live.update_response(response, data)
    db.session.commit()
    return jsonify(own_response_json(response))


@bp.delete(V1 + "/responses/<int:response_id>")
@access.role(Role.PARTICIPANT)
@operation(summary="Delete my response", responses={204: {"description": "Deleted"}, **NOT_FOUND})
def api_delete_response(response_id: int):
    response = live.own_response(current_user, response_id)
    if response is None:
        abort(404)
    live.delete_response(response)
    db.session.commit()
    return "", 204


@bp.post(V1 + "/rounds/<int:round_id>/words")
@access.role(Role.PARTICIPANT)
@operation(
    summary="Give the round's person a strength word (one per giver; again replaces it)",
    requestBody={"content": {"application/json": {"schema": LiveWordIn}}},
    responses={200: body(LiveRoundWord), 400: body(ErrorSchema), **NOT_FOUND},
)
def api_give_word(round_id: int):
    round_ = live.open_round(current_user, round_id)
    if round_ is None:
        abort(404)
    data, problems = validate_with(LiveWordIn(), json_body())
    if problems:
        return invalid(problems)
    try:
        word = live.give_word(
            current_user, round_, data.get("preset"), data.get("text", ""), data["show_name"]
        )
    except live.NotAllowed:
        return invalid({"preset": _("This round is for you: the others give you words.")})
    db.session.commit()
    giver = current_user.display_name if word.show_name else None
    return jsonify(word=sharing.word_label(word), giver=giver)
