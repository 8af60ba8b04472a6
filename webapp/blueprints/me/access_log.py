"""My access log, as a page under Me and as JSON: who opened what I shared, who made password
codes for me, who recorded a guardian's consent. Participants only (others have nothing shared
to be opened, and get a 404)."""

from flask import abort, jsonify, render_template, request, url_for
from flask_login import current_user
from marshmallow import Schema, fields

from webapp.blueprints.api import bp as api
from webapp.blueprints.api.docs import body, operation
from webapp.blueprints.me import bp
from webapp.models import Role
from webapp.services import access, access_log

# --- the JSON shape (here rather than in a shared schemas module: only this room uses it) ---


class AccessLogBy(Schema):
    name = fields.String(allow_none=True, metadata={"description": "null: a deleted user"})
    role = fields.String(allow_none=True, metadata={"description": "mentor, counsellor, admin"})


class AccessLogItem(Schema):
    kind = fields.String(metadata={"description": "entry, goal or step"})
    url = fields.String(allow_none=True, metadata={"description": "null once no longer shared"})


class AccessLogLine(Schema):
    kind = fields.String(metadata={"description": "view | reset_code | guardian_consent"})
    at = fields.DateTime()
    by = fields.Nested(AccessLogBy)
    sentence = fields.String(metadata={"description": "The line in words, translated"})
    detail = fields.String()
    item = fields.Nested(AccessLogItem, allow_none=True, metadata={"description": "Views only"})
    status = fields.String(
        allow_none=True, metadata={"description": "Reset codes: used | replaced | expired | valid"}
    )
    expires_at = fields.DateTime(allow_none=True)
    guardian_name = fields.String(allow_none=True)
    given_on = fields.Date(allow_none=True)


class AccessLogPage(Schema):
    items = fields.List(fields.Nested(AccessLogLine))
    next_page = fields.Integer(allow_none=True)


def _page_number() -> int:
    number = request.args.get("page", default=1, type=int)
    if number is None or number < 1 or number > 10_000:
        abort(404)
    return number


@bp.get("/access-log", endpoint="access_log")
@access.role(Role.PARTICIPANT)
def access_log_page():
    number = _page_number()
    lines, more = access_log.page_of(current_user, number)
    return render_template(
        "me/access_log.html",
        lines=lines,
        page=number,
        more=more,
        role_label=access_log.role_label,
    )


def line_json(line: access_log.Line) -> dict:
    return {
        "kind": line.kind,
        "at": line.at,
        "by": {"name": line.by_name, "role": line.by_role},
        "sentence": line.sentence,
        "detail": line.detail,
        "item": (
            {
                "kind": line.item_kind,
                "url": url_for("sharing.item", share_id=line.share_id) if line.share_id else None,
            }
            if line.kind == access_log.VIEW
            else None
        ),
        "status": line.status,
        "expires_at": line.expires_at,
        "guardian_name": line.guardian_name,
        "given_on": line.given_on,
    }


@api.get("/me/access-log", endpoint="me_access_log")
@access.role(Role.PARTICIPANT)
@operation(
    summary="My access log, newest first, 50 a page (?page=2): who opened my shared items, "
    "who made password codes for me, who recorded a guardian's consent",
    responses={200: body(AccessLogPage)},
)
def access_log_api():
    number = _page_number()
    lines, more = access_log.page_of(current_user, number)
    return jsonify(
        AccessLogPage().dump(
            {
                "items": [line_json(line) for line in lines],
                "next_page": number + 1 if more else None,
            }
        )
    )
