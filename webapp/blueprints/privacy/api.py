"""The privacy API under /api/v1: which version of the notice is current, what changed since
the one I read, and "I have read it"."""

from flask import jsonify, url_for
from flask_login import current_user

from webapp.blueprints.api.docs import body, operation
from webapp.blueprints.privacy import bp
from webapp.blueprints.privacy.schemas import PrivacyOut
from webapp.extensions import db
from webapp.services import access, privacy_notice

V1 = "/api/v1"


def state() -> dict:
    version = privacy_notice.refresh(current_user) if current_user.is_authenticated else None
    return PrivacyOut().dump(
        {
            "version": privacy_notice.VERSION,
            "acknowledged_version": version,
            "needs_acknowledgement": version is not None and version < privacy_notice.VERSION,
            "changes": [
                {"version": v, "updated_on": day, "changes": lines}
                for v, day, lines in privacy_notice.changes_since(version or 0)
            ],
            "notice_url": url_for("privacy.notice"),
        }
    )


@bp.get(V1 + "/privacy")
@access.public
@operation(
    summary="The current privacy notice version, the one I acknowledged, and what changed since",
    responses={200: body(PrivacyOut)},
)
def api_notice():
    return jsonify(state())


@bp.post(V1 + "/privacy/acknowledge")
@access.logged_in
@operation(
    summary="I have read the current privacy notice (again is harmless)",
    responses={200: body(PrivacyOut, "Acknowledged: needs_acknowledgement is false")},
)
def api_acknowledge():
    privacy_notice.acknowledge(current_user)
    db.session.commit()
    return jsonify(state())
