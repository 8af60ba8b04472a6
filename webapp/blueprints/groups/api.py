"""The groups' JSON API under /api/v1: a counsellor adds a participant to a group they lead."""

from flask import abort, jsonify, url_for
from flask_login import current_user
from marshmallow import Schema, fields

from webapp.blueprints.api.docs import body, operation
from webapp.blueprints.api.errors import invalid, json_body
from webapp.blueprints.api.schemas import ErrorSchema, UserSchema
from webapp.blueprints.groups import bp
from webapp.blueprints.groups.routes import add_member_from
from webapp.blueprints.groups.schemas import AddMemberSchema
from webapp.extensions import db
from webapp.forms import validate
from webapp.models import Role
from webapp.services import access, visibility

V1 = "/api/v1"


class GuardianConsentOut(Schema):
    guardian_name = fields.String()
    given_on = fields.Date()


class AddedMemberOut(Schema):
    user = fields.Nested(UserSchema)
    code = fields.String(metadata={"description": "One-time code to hand over; shown only now"})
    reset_url = fields.String(metadata={"description": "Where they choose a password with it"})
    guardian_consent = fields.Nested(GuardianConsentOut, allow_none=True)


@bp.post(V1 + "/groups/<int:group_id>/members")
@access.role(Role.COUNSELLOR)
@operation(
    summary="Add a participant to a group I lead (under the sign-up age: with a guardian's "
    "consent). The birth year is checked, never kept. Answers a one-time code, shown once.",
    requestBody={"content": {"application/json": {"schema": AddMemberSchema}}},
    responses={
        201: body(AddedMemberOut),
        400: body(ErrorSchema),
        404: body(ErrorSchema, "Not a group you lead"),
    },
)
def api_add_member(group_id: int):
    group = db.session.scalar(visibility.group_managed_by(current_user, group_id))
    if group is None:
        abort(404)
    data, problems = validate(AddMemberSchema(), json_body())
    added = None
    if not problems:
        added, problems = add_member_from(group, data)
    if problems:
        return invalid({k: str(v) for k, v in problems.items()})
    db.session.commit()
    consent = added.consent
    response = jsonify(
        AddedMemberOut().dump(
            {
                "user": added.user,
                "code": added.code,
                "reset_url": url_for("auth.reset", _external=True),
                "guardian_consent": (
                    {"guardian_name": consent.guardian_name, "given_on": consent.given_on}
                    if consent is not None
                    else None
                ),
            }
        )
    )
    response.status_code = 201
    response.headers["Cache-Control"] = "no-store"
    return response
