""" "Download my data": ask for a copy, watch it being made, download it (the owner alone).

The worker builds the zip (services/exports.py); this page only asks, shows where it is, and
hands over the file. Without JavaScript the page reloads itself while it waits.
"""

from flask import abort, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.blueprints.me import bp
from webapp.extensions import db
from webapp.models import DataExport, ExportStatus
from webapp.models.base import utcnow
from webapp.services import access, exports


@bp.get("/export")
@access.logged_in
def export():
    latest = exports.latest(current_user)
    if latest is not None and latest.status == ExportStatus.READY and not exports.is_valid(latest):
        latest = None  # expired: the worker removes it soon; the page offers a new one
    return render_template("me/export.html", export=latest, statuses=ExportStatus)


@bp.post("/export")
@access.logged_in
def export_request():
    exports.request(current_user, fresh=request.form.get("fresh") == "1")
    db.session.commit()
    return redirect(url_for("me.export"), code=303)


def download_response(export: DataExport):
    """The zip as an attachment, never cached, never sniffed; 410 once it has expired."""
    path = exports.path_of(export)
    if export.status != ExportStatus.READY or path is None:
        abort(404)
    if not exports.is_valid(export) or not path.exists():
        return None
    day = (export.finished_at or utcnow()).date().isoformat()
    response = send_file(
        path,
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"stegvis-data-{day}.zip",
        conditional=False,
        etag=False,
        max_age=0,
    )
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/export/<int:export_id>/download")
@access.logged_in
def export_download(export_id: int):
    export = exports.find(current_user, export_id)
    if export is None:
        abort(404)
    response = download_response(export)
    if response is None:
        message = _("This download has expired. Make a new one on the page “Download my data”.")
        return render_template("error.html", status=410, message=message), 410
    return response
