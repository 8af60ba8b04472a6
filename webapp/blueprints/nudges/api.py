"""The nudges JSON API: snoozing a notification from the phone (the service worker calls it
with the delivery id the push carried)."""

from flask import abort, jsonify
from flask_login import current_user

from webapp.blueprints.api.docs import body, operation
from webapp.blueprints.api.errors import invalid, json_body
from webapp.blueprints.api.schemas import ErrorSchema
from webapp.blueprints.nudges import bp
from webapp.blueprints.nudges.forms import SnoozeOut, SnoozeSchema
from webapp.extensions import db
from webapp.forms import validate
from webapp.services import access, scheduling


@bp.post("/api/v1/nudges/snooze")
@access.logged_in
@operation(
    summary='Snooze a notification for an hour: {"delivery_id": 12} (from the push payload)',
    requestBody={"content": {"application/json": {"schema": SnoozeSchema}}},
    responses={
        201: body(SnoozeOut),
        400: body(ErrorSchema),
        404: body(ErrorSchema, "Not yours, or not there"),
    },
)
def api_snooze():
    clean, problems = validate(SnoozeSchema(), json_body())
    if problems:
        return invalid(problems)
    again = scheduling.snooze(current_user, clean["delivery_id"])
    if again is None:
        abort(404)
    db.session.commit()
    return jsonify(SnoozeOut().dump({"delivery_id": again.id, "due_at": again.due_at})), 201
