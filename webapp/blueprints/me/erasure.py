"""'Delete my account': the page that says what goes and what stays, the deletion itself (with
the password typed again), the goodbye page, and the same for the API (`DELETE /api/v1/me`).

The rules live in `services/erasure.py`; this module only asks, answers and logs out.
"""

from flask import current_app, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user
from marshmallow import Schema, fields
from marshmallow import validate as validate_

from webapp.blueprints.api import bp as api
from webapp.blueprints.api.docs import body, operation
from webapp.blueprints.api.errors import error, invalid
from webapp.blueprints.api.schemas import ErrorSchema
from webapp.blueprints.auth import bp as auth
from webapp.blueprints.me import bp
from webapp.extensions import db
from webapp.forms import REQUIRED, validate
from webapp.headers import clear_this_device
from webapp.services import access, erasure


class DeleteAccountSchema(Schema):
    # Empty counts as missing (not as a wrong password): it is no try to throttle.
    password = fields.String(
        required=True,
        load_only=True,
        error_messages=REQUIRED,
        validate=validate_.Length(min=1, error=REQUIRED["required"]),
    )


def _messages() -> dict[str, str]:
    return {
        "throttled": _("Too many tries. Wait 15 minutes and try again."),
        "invalid": _("That password is not right. Nothing was deleted. Try again."),
    }


def _export_url() -> str | None:
    """The "download my data" page, once that part of the app is there."""
    if "me.export" in current_app.view_functions:
        return url_for("me.export")
    return None


def _log_out_here():
    logout_user()
    session.clear()


@bp.route("/delete", methods=["GET", "POST"])
@access.logged_in
def delete_account():
    refused = erasure.refusal(current_user)
    errors: dict[str, str] = {}
    if request.method == "POST" and refused is None:
        data, errors = validate(DeleteAccountSchema(), request.form.to_dict())
        if not errors:
            counts, why = erasure.delete_own(current_user, data["password"])
            db.session.commit()  # the deletion, or the failed try (it counts like a login's)
            if counts is not None:
                _log_out_here()
                return clear_this_device(redirect(url_for("auth.deleted")))
            errors = {"password": _messages()[why]} if why == "invalid" else {}
            if why == "throttled":
                errors["form"] = _messages()[why]
    status = 400 if request.method == "POST" else 200
    page = render_template(
        "me/delete.html", errors=errors, refused=refused, export_url=_export_url()
    )
    return page, status


@auth.get("/goodbye")
@access.public
def deleted():
    """After a deletion: nothing about the person, who is no longer anyone here."""
    return render_template("auth/deleted.html")


@api.delete("/me")
@access.logged_in
@operation(
    summary="Delete my account and everything of mine, at once (password typed again)",
    description="Replies written on other people's items stay, shown as a deleted user;"
    " everything else of the account goes, at once. Every device is logged out.",
    requestBody={"content": {"application/json": {"schema": DeleteAccountSchema}}},
    responses={
        204: {"description": "Deleted; this device is logged out too"},
        400: body(ErrorSchema, "Password missing or not right (nothing was deleted)"),
        409: body(ErrorSchema, "Not now: the only counsellor of a group, or the only admin"),
        429: body(ErrorSchema, "Too many wrong passwords"),
    },
)
def delete_me():
    data, problems = validate(DeleteAccountSchema(), request.get_json(silent=True) or {})
    if problems:
        return invalid(problems)
    refused = erasure.refusal(current_user)
    if refused is not None:
        return error(409, "refused", refused)
    counts, why = erasure.delete_own(current_user, data["password"])
    db.session.commit()
    if why == "throttled":
        return error(429, "throttled", _messages()[why])
    if counts is None:
        message = _messages()["invalid"]
        return error(400, "wrong_password", message, {"password": message})
    _log_out_here()
    return clear_this_device(current_app.response_class(status=204))
