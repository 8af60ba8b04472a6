"""The journal's JSON API under /api/v1: what the phone's outbox syncs through.

Objects can be named by server id or by the client id the phone made, so that changes written
offline can refer to goals and entries that the server has not seen yet.
"""

from flask import abort, current_app, jsonify, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.blueprints.api.docs import body, operation
from webapp.blueprints.api.errors import error, invalid, json_body
from webapp.blueprints.api.schemas import ErrorSchema
from webapp.blueprints.journal import bp
from webapp.blueprints.journal.schemas import (
    EntryOut,
    EntryPage,
    EntrySchema,
    EntryUpdateSchema,
    GoalOut,
    GoalSchema,
    GoalUpdateSchema,
    RevisionOut,
    StepOrderSchema,
    StepOut,
    StepSchema,
    StepUpdateSchema,
)
from webapp.extensions import db
from webapp.forms import validate
from webapp.models import Role
from webapp.services import access, journal, logins, voice

V1 = "/api/v1"
PARTICIPANT = Role.PARTICIPANT
NOT_FOUND = {404: body(ErrorSchema, "Not yours, or not there")}


def _goal_or_404(ref):
    goal = journal.find_goal(current_user, ref)
    if goal is None:
        abort(404)
    return goal


def _entry_or_404(ref):
    entry = journal.find_entry(current_user, ref)
    if entry is None:
        abort(404)
    return entry


def entry_json(entry) -> dict:
    """What EntryOut documents, built by hand: the list route makes 20 of these per request, and
    a marshmallow schema per entry cost more than the rest of the request (bench/journal_api.py).
    """
    voice = entry.voice
    return {
        "id": entry.id,
        "client_id": entry.client_id,
        "mood": entry.mood,
        "text": entry.text,
        "goal_id": entry.goal_id,
        "created_at": entry.created_at.isoformat(),
        "updated_at": entry.updated_at.isoformat(),
        "voice": None
        if voice is None
        else {
            "url": url_for("journal.api_voice", ref=entry.id),
            "mime": voice.mime,
            "size": voice.size,
            "duration_ms": voice.duration_ms,
        },
    }


def entry_row_json(row) -> dict:
    """entry_json for a row of journal.entry_rows_page_for_token: the same document, built
    without ORM objects (the list route, the app's hottest read, makes 20 per request)."""
    return {
        "id": row.id,
        "client_id": row.client_id,
        "mood": row.mood,
        "text": row.text,
        "goal_id": row.goal_id,
        "created_at": row.created_at.isoformat(),
        "updated_at": row.updated_at.isoformat(),
        "voice": None
        if row.voice_mime is None
        else {
            "url": url_for("journal.api_voice", ref=row.id),
            "mime": row.voice_mime,
            "size": row.voice_size,
            "duration_ms": row.voice_duration_ms,
        },
    }


# --- goals -------------------------------------------------------------------------------------


@bp.get(V1 + "/goals")
@access.role(PARTICIPANT)
@operation(summary="My goals with their steps", responses={200: body(GoalOut(many=True))})
def api_goals():
    include = request.args.get("archived") == "1"
    return jsonify(GoalOut(many=True).dump(journal.goals_of(current_user, include)))


@bp.post(V1 + "/goals")
@access.role(PARTICIPANT)
@operation(
    summary="Create a goal (idempotent by client_id)",
    requestBody={"content": {"application/json": {"schema": GoalSchema}}},
    responses={201: body(GoalOut), 200: body(GoalOut, "Already there"), 400: body(ErrorSchema)},
)
def api_create_goal():
    data, problems = validate(GoalSchema(), json_body())
    if problems:
        return invalid(problems)
    data["client_id"] = str(data["client_id"])
    goal, created = journal.create_goal(current_user, data)
    db.session.commit()
    return jsonify(GoalOut().dump(goal)), 201 if created else 200


@bp.get(V1 + "/goals/<ref>")
@access.role(PARTICIPANT)
@operation(summary="One goal", responses={200: body(GoalOut), **NOT_FOUND})
def api_goal(ref):
    return jsonify(GoalOut().dump(_goal_or_404(ref)))


@bp.patch(V1 + "/goals/<ref>")
@access.role(PARTICIPANT)
@operation(
    summary="Edit, pause, complete or archive a goal",
    requestBody={"content": {"application/json": {"schema": GoalUpdateSchema}}},
    responses={200: body(GoalOut), 400: body(ErrorSchema), **NOT_FOUND},
)
def api_update_goal(ref):
    goal = _goal_or_404(ref)
    data, problems = validate(GoalUpdateSchema(), json_body())
    if problems:
        return invalid(problems)
    journal.update_goal(goal, data)
    db.session.commit()
    return jsonify(GoalOut().dump(goal))


@bp.delete(V1 + "/goals/<ref>")
@access.role(PARTICIPANT)
@operation(
    summary="Delete a goal and its steps (entries stay, unlinked)",
    responses={204: {"description": "Deleted"}, **NOT_FOUND},
)
def api_delete_goal(ref):
    db.session.delete(_goal_or_404(ref))
    db.session.commit()
    return "", 204


# --- steps -------------------------------------------------------------------------------------


@bp.get(V1 + "/goals/<ref>/steps")
@access.role(PARTICIPANT)
@operation(
    summary="Steps of a goal, in order", responses={200: body(StepOut(many=True)), **NOT_FOUND}
)
def api_steps(ref):
    return jsonify(StepOut(many=True).dump(_goal_or_404(ref).steps))


@bp.post(V1 + "/goals/<ref>/steps")
@access.role(PARTICIPANT)
@operation(
    summary="Add a small step (idempotent by client_id)",
    requestBody={"content": {"application/json": {"schema": StepSchema}}},
    responses={
        201: body(StepOut),
        200: body(StepOut, "Already there"),
        400: body(ErrorSchema),
        **NOT_FOUND,
    },
)
def api_create_step(ref):
    goal = _goal_or_404(ref)
    data, problems = validate(StepSchema(), json_body())
    if problems:
        return invalid(problems)
    data["client_id"] = str(data["client_id"])
    step, created = journal.create_step(current_user, goal, data)
    db.session.commit()
    return jsonify(StepOut().dump(step)), 201 if created else 200


@bp.post(V1 + "/goals/<ref>/steps/order")
@access.role(PARTICIPANT)
@operation(
    summary="Put steps in a new order",
    requestBody={"content": {"application/json": {"schema": StepOrderSchema}}},
    responses={200: body(StepOut(many=True)), **NOT_FOUND},
)
def api_order_steps(ref):
    goal = _goal_or_404(ref)
    data, problems = validate(StepOrderSchema(), json_body())
    if problems:
        return invalid(problems)
    journal.reorder_steps(goal, data["order"])
    db.session.commit()
    db.session.refresh(goal)
    return jsonify(StepOut(many=True).dump(goal.steps))


@bp.patch(V1 + "/steps/<ref>")
@access.role(PARTICIPANT)
@operation(
    summary="Edit a step, or tick it done",
    requestBody={"content": {"application/json": {"schema": StepUpdateSchema}}},
    responses={200: body(StepOut), 400: body(ErrorSchema), **NOT_FOUND},
)
def api_update_step(ref):
    step = journal.find_step(current_user, ref)
    if step is None:
        abort(404)
    data, problems = validate(StepUpdateSchema(), json_body())
    if problems:
        return invalid(problems)
    journal.update_step(step, data)
    db.session.commit()
    return jsonify(StepOut().dump(step))


@bp.delete(V1 + "/steps/<ref>")
@access.role(PARTICIPANT)
@operation(summary="Delete a step", responses={204: {"description": "Deleted"}, **NOT_FOUND})
def api_delete_step(ref):
    step = journal.find_step(current_user, ref)
    if step is None:
        abort(404)
    db.session.delete(step)
    db.session.commit()
    return "", 204


# --- entries -----------------------------------------------------------------------------------


@bp.get(V1 + "/entries")
@access.role_admitted_in_view(PARTICIPANT)
@operation(
    summary="My entries, newest first (cursor pagination)",
    parameters=[
        {"in": "query", "name": "cursor", "schema": {"type": "string"}},
        {"in": "query", "name": "limit", "schema": {"type": "integer"}},
    ],
    responses={200: body(EntryPage), 400: body(ErrorSchema)},
)
def api_entries():
    # The app's hottest read takes a shorter way than the other routes: instead of
    # current_user (a round trip for the login and an ORM user) and then the page, one
    # statement finds the cookie's live login and its entries, with no transaction around it;
    # access.admit applies the login rules to what it found before any entry is used.
    token = logins.cookie_token()
    cursor, limit, problems = _page_args()
    if problems:  # answered after the door, as with access.role: a visitor gets 401, not 400
        access.admit(journal.entry_rows_page_for_token(token, None, 1)[0], PARTICIPANT)
        return invalid(problems)
    login, rows, next_cursor = journal.entry_rows_page_for_token(token, cursor, limit)
    access.admit(login, PARTICIPANT)
    return jsonify(items=[entry_row_json(row) for row in rows], next_cursor=next_cursor)


def _page_args():
    """(cursor, limit, problems) from the query string of the entry list."""
    cursor = None
    if raw := request.args.get("cursor"):
        cursor = journal.decode_cursor(raw)
        if cursor is None:
            return None, 0, {"cursor": _("This is not a valid id.")}
    try:
        limit = min(max(int(request.args.get("limit", journal.PAGE_SIZE)), 1), 100)
    except ValueError:
        return None, 0, {"limit": _("Write a whole number.")}
    return cursor, limit, None


def _voice_upload():
    """(bytes, mime, duration) from a multipart 'audio' part, or an error response."""
    upload = request.files.get("audio")
    if upload is None:
        return None, error(
            400,
            "invalid",
            _("Check the marked fields."),
            {"audio": _("Record a voice note first.")},
        )
    limit = current_app.config["VOICE_MAX_BYTES"]
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        return None, error(
            413, "too_large", _("The voice note is too long. Keep it under 3 minutes.")
        )
    mime = voice.sniff(data[:16])
    if mime is None:
        return None, error(
            400,
            "invalid",
            _("Check the marked fields."),
            {"audio": _("This is not a voice recording we can play.")},
        )
    try:
        duration = int(request.form.get("duration_ms", "")) or None
    except ValueError:
        duration = None
    if duration and duration > current_app.config["VOICE_MAX_SECONDS"] * 1000 + 2000:
        return None, error(
            413, "too_large", _("The voice note is too long. Keep it under 3 minutes.")
        )
    return (data, mime, duration), None


@bp.post(V1 + "/entries")
@access.role(PARTICIPANT)
@operation(
    summary="Write an entry (idempotent by client_id); JSON, or multipart with 'audio'",
    requestBody={"content": {"application/json": {"schema": EntrySchema}}},
    responses={
        201: body(EntryOut),
        200: body(EntryOut, "Already there"),
        400: body(ErrorSchema),
        413: body(ErrorSchema),
    },
)
def api_create_entry():
    multipart = request.mimetype == "multipart/form-data"
    raw = request.form.to_dict() if multipart else json_body()
    if multipart:
        raw["has_voice"] = "audio" in request.files
    data, problems = validate(EntrySchema(), raw)
    if problems:
        return invalid(problems)
    audio = None
    if multipart and "audio" in request.files:
        audio, failure = _voice_upload()
        if failure:
            return failure
    goal = None
    if data.get("goal_ref"):
        goal = journal.find_goal(current_user, data["goal_ref"])
        if goal is None:
            return invalid({"goal_ref": _("We cannot find that goal.")})
    data["client_id"] = str(data["client_id"])
    entry, created = journal.create_entry(current_user, data, goal)
    if audio and entry.voice is None:
        voice.save(entry, *audio)
    db.session.commit()
    return jsonify(entry_json(entry)), 201 if created else 200


@bp.get(V1 + "/entries/<ref>")
@access.role(PARTICIPANT)
@operation(summary="One entry", responses={200: body(EntryOut), **NOT_FOUND})
def api_entry(ref):
    return jsonify(entry_json(_entry_or_404(ref)))


@bp.patch(V1 + "/entries/<ref>")
@access.role(PARTICIPANT)
@operation(
    summary="Edit an entry; the newer edit wins and the other is kept as a revision",
    requestBody={"content": {"application/json": {"schema": EntryUpdateSchema}}},
    responses={200: body(EntryOut), 400: body(ErrorSchema), **NOT_FOUND},
)
def api_update_entry(ref):
    entry = _entry_or_404(ref)
    data, problems = validate(EntryUpdateSchema(), json_body())
    if problems:
        return invalid(problems)
    goal = None
    if data.get("goal_ref"):
        goal = journal.find_goal(current_user, data["goal_ref"])
        if goal is None:
            return invalid({"goal_ref": _("We cannot find that goal.")})
    journal.update_entry(entry, data, goal)
    db.session.commit()
    return jsonify(entry_json(entry))


@bp.delete(V1 + "/entries/<ref>")
@access.role(PARTICIPANT)
@operation(
    summary="Delete an entry and its voice note",
    responses={204: {"description": "Deleted"}, **NOT_FOUND},
)
def api_delete_entry(ref):
    entry = _entry_or_404(ref)
    voice.remove_files_of(entry)
    db.session.delete(entry)
    db.session.commit()
    return "", 204


@bp.get(V1 + "/entries/<ref>/revisions")
@access.role(PARTICIPANT)
@operation(
    summary="Earlier versions of an entry",
    responses={200: body(RevisionOut(many=True)), **NOT_FOUND},
)
def api_revisions(ref):
    return jsonify(RevisionOut(many=True).dump(_entry_or_404(ref).revisions))


@bp.post(V1 + "/entries/<ref>/revisions/<int:revision_id>/restore")
@access.role(PARTICIPANT)
@operation(summary="Bring an earlier version back", responses={200: body(EntryOut), **NOT_FOUND})
def api_restore(ref, revision_id: int):
    entry = _entry_or_404(ref)
    revision = journal.find_revision(entry, revision_id)
    if revision is None:
        abort(404)
    journal.restore_revision(entry, revision)
    db.session.commit()
    return jsonify(entry_json(entry))


@bp.delete(V1 + "/entries/<ref>/revisions")
@access.role(PARTICIPANT)
@operation(
    summary="Delete every earlier version of an entry",
    responses={204: {"description": "Deleted"}, **NOT_FOUND},
)
def api_forget_revisions(ref):
    journal.forget_revisions(_entry_or_404(ref))
    db.session.commit()
    return "", 204


@bp.put(V1 + "/entries/<ref>/voice")
@access.role(PARTICIPANT)
@operation(
    summary="Add or replace the voice note (multipart 'audio', webm/ogg/mp4 audio)",
    responses={200: body(EntryOut), 400: body(ErrorSchema), 413: body(ErrorSchema), **NOT_FOUND},
)
def api_put_voice(ref):
    entry = _entry_or_404(ref)
    audio, failure = _voice_upload()
    if failure:
        return failure
    voice.save(entry, *audio)
    db.session.commit()
    return jsonify(entry_json(entry))


@bp.get(V1 + "/entries/<ref>/voice")
@access.role(PARTICIPANT)
@operation(
    summary="Listen to the voice note (owner only)",
    responses={200: {"description": "The audio"}, **NOT_FOUND},
)
def api_voice(ref):
    entry = _entry_or_404(ref)
    if entry.voice is None:
        abort(404)
    response = send_file(
        voice.path_of(entry.voice),
        mimetype=entry.voice.mime,
        as_attachment=False,
        conditional=True,
        download_name=f"stegvis-{entry.id}{voice.KINDS[entry.voice.mime]}",
    )
    response.headers["Content-Disposition"] = (
        f'inline; filename="stegvis-{entry.id}{voice.KINDS[entry.voice.mime]}"'
    )
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.delete(V1 + "/entries/<ref>/voice")
@access.role(PARTICIPANT)
@operation(
    summary="Remove the voice note", responses={204: {"description": "Removed"}, **NOT_FOUND}
)
def api_delete_voice(ref):
    entry = _entry_or_404(ref)
    voice.remove(entry)
    db.session.commit()
    return "", 204
