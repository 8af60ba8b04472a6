"""API: the login session and the OpenAPI document."""

from flask import current_app, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf.csrf import generate_csrf

from webapp.blueprints.api import bp, docs
from webapp.blueprints.api.docs import body
from webapp.blueprints.api.errors import error
from webapp.blueprints.api.schemas import CredentialsSchema, ErrorSchema, SessionSchema, UserSchema
from webapp.extensions import db
from webapp.forms import validate
from webapp.services import access, logins


def _session_body() -> dict:
    user = UserSchema().dump(current_user) if current_user.is_authenticated else None
    return SessionSchema().dump({"user": user, "csrf_token": generate_csrf()})


@bp.get("/session")
@access.public
@docs.operation(
    summary="Who is logged in, and a CSRF token for state-changing requests",
    responses={200: body(SessionSchema), 401: body(ErrorSchema, "Not logged in")},
)
def get_session():
    if not current_user.is_authenticated:
        detail = {"code": "unauthorized", "message": _("You are not logged in."), "fields": {}}
        return jsonify(error=detail, csrf_token=generate_csrf()), 401
    return jsonify(_session_body())


@bp.post("/session")
@access.public
@docs.operation(
    summary="Log in on this device",
    requestBody={"content": {"application/json": {"schema": CredentialsSchema}}},
    responses={
        200: body(SessionSchema),
        400: body(ErrorSchema),
        401: body(ErrorSchema),
        429: body(ErrorSchema, "Too many failed tries"),
    },
)
def post_session():
    data, problems = validate(CredentialsSchema(), request.get_json(silent=True) or {})
    if problems:
        return error(400, "invalid", _("Check the marked fields."), problems)
    user, reason = logins.authenticate(data["username"], data["password"])
    if user is None:
        db.session.commit()
        if reason == "throttled":
            return error(429, "throttled", _("Too many tries. Wait 15 minutes and try again."))
        return error(401, "invalid_login", _("That username and password do not match. Try again."))
    logins.start(user)
    db.session.commit()
    return jsonify(_session_body())


@bp.delete("/session")
@access.logged_in
@docs.operation(summary="Log out this device", responses={204: {"description": "Logged out"}})
def delete_session():
    logins.end_current(current_user)
    db.session.commit()
    return "", 204


@bp.get("/openapi.json")
@access.public
def openapi():
    return jsonify(docs.build(current_app))
