""" "Download my data" in the JSON API: ask for a copy, follow it, download it (owner only).

Under /api/v1/me/…, next to the pages in webapp/blueprints/me/export.py.
"""

from flask import abort, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.blueprints.api import bp
from webapp.blueprints.api.docs import body, operation
from webapp.blueprints.api.errors import error, invalid
from webapp.blueprints.api.schemas import ErrorSchema, ExportRequestSchema, ExportSchema
from webapp.blueprints.me.export import download_response
from webapp.extensions import db
from webapp.forms import validate
from webapp.models import DataExport, ExportStatus
from webapp.services import access, exports

NOT_FOUND = {404: body(ErrorSchema, "Not yours, or not there")}


def export_json(export: DataExport) -> dict:
    ready = exports.is_valid(export)
    return ExportSchema().dump(
        {
            "id": export.id,
            "status": export.status,
            "progress": export.progress,
            "size": export.size,
            "created_at": export.created_at,
            "finished_at": export.finished_at,
            "expires_at": export.expires_at,
            "download_url": url_for("api.export_file", export_id=export.id) if ready else None,
        }
    )


@bp.post("/me/export")
@access.logged_in
@operation(
    summary="Ask for a copy of all my data (a zip the worker makes; one at a time)",
    requestBody={"content": {"application/json": {"schema": ExportRequestSchema}}},
    responses={
        202: body(ExportSchema, "Queued, being made, or the ready one (follow its status)"),
        400: body(ErrorSchema),
    },
)
def export_request():
    data, problems = validate(ExportRequestSchema(), request.get_json(silent=True) or {})
    if problems:
        return invalid(problems)
    export = exports.request(current_user, fresh=data["fresh"])
    db.session.commit()
    response = jsonify(export_json(export))
    response.headers["Location"] = url_for("api.export_status", export_id=export.id)
    return response, 202


@bp.get("/me/exports/<int:export_id>")
@access.logged_in
@operation(
    summary="Where my data export is: status, progress, and the download address when ready",
    responses={200: body(ExportSchema), **NOT_FOUND},
)
def export_status(export_id: int):
    export = exports.find(current_user, export_id)
    if export is None:
        abort(404)
    return jsonify(export_json(export))


@bp.get("/me/exports/<int:export_id>/download")
@access.logged_in
@operation(
    summary="The zip of my data (stegvis-data.json, index.html, voice/, README.txt)",
    responses={
        200: {"description": "The zip", "content": {"application/zip": {}}},
        410: body(ErrorSchema, "Expired: ask for a new one"),
        **NOT_FOUND,
    },
)
def export_file(export_id: int):
    export = exports.find(current_user, export_id)
    if export is None or export.status != ExportStatus.READY:
        abort(404)
    response = download_response(export)
    if response is None:
        return error(410, "gone", _("This download has expired. Ask for a new one."))
    return response
