"""One error shape for the API: {"error": {"code", "message", "fields"}} — never HTML.

Pages get a calm, translated error page instead of the framework's default one.
"""

from flask import abort, current_app, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from webapp.blueprints.api import bp

MESSAGES = {
    400: _l("Something in the request was not right. Go back and try again."),
    401: _l("Log in to see this page."),
    403: _l("You cannot do this."),
    404: _l("We cannot find this page. It may have been moved, or it is not for you."),
    405: _l("This does not work that way. Go back and try again."),
    413: _l("That was too big to send."),
    429: _l("Too many tries. Wait a little and try again."),
    500: _l("Something went wrong on our side. Try again in a little while."),
}


def error(status: int, code: str, message: str, fields: dict | None = None):
    return jsonify(error={"code": code, "message": message, "fields": fields or {}}), status


def json_body() -> dict:
    """The JSON object a request sent; anything else is a 400."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        abort(400)
    return data


def invalid(problems: dict):
    """400 with one translated message per field, as every API route answers bad input."""
    return error(400, "invalid", _("Check the marked fields."), problems)


def _translated(status: int) -> str:
    return str(MESSAGES.get(status, MESSAGES[500]))


def _page(status: int):
    return render_template("error.html", status=status, message=_translated(status)), status


@bp.app_errorhandler(CSRFError)
def csrf_error(exc: CSRFError):
    message = _(
        "The page was open too long or the security token is missing. "
        "Go back, reload the page and try again."
    )
    if request.path.startswith("/api/"):
        return error(400, "csrf", message)
    return render_template("error.html", status=400, message=message), 400


@bp.app_errorhandler(HTTPException)
def http_error(exc: HTTPException):
    status = exc.code or 500
    if request.path.startswith("/api/"):
        code = (exc.name or "error").lower().replace(" ", "_")
        return error(status, code, _translated(status))
    if status < 400:
        return exc
    return _page(status)


@bp.app_errorhandler(Exception)
def unexpected(exc: Exception):
    current_app.logger.exception("unhandled error on %s %s", request.method, request.path)
    if request.path.startswith("/api/"):
        return error(500, "internal_server_error", _translated(500))
    return _page(InternalServerError.code)
