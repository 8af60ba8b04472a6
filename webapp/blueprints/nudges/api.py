"""The nudges JSON API: snoozing a notification from the phone (the service worker calls it
with the delivery id the push carried)."""

from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from webapp.blueprints.api.docs import body, operation
from webapp.blueprints.api.errors import error
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
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    clean, problems = validate(SnoozeSchema(), data)
    if problems:
        return error(400, "invalid", _("Check the marked fields."), problems)
    again = scheduling.snooze(current_user, clean["delivery_id"])
    if again is None:
        abort(404)
    db.session.commit()
    return jsonify(SnoozeOut().dump({"delivery_id": again.id, "due_at": again.due_at})), 201
