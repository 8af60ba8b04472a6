"""Pages: the privacy notice, what changed since you last read it, "I have read it", and the
accessibility statement. Also the gate: after a change, logged-in people read the changes before
their next page."""

from datetime import date

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from webapp.blueprints.auth.routes import safe_next
from webapp.blueprints.privacy import bp
from webapp.extensions import db
from webapp.models import Role
from webapp.services import access, privacy_notice

# Never sent to the changes page: what the service worker, the installed app and health checks
# fetch on their own (auth.* and privacy.* are left alone too, and the API answers JSON).
NOT_GATED = {
    "static",
    "main.service_worker",
    "main.manifest",
    "main.offline",
    "main.livez",
    "main.healthz",
}
ACCESSIBILITY_CHECKED = date(2026, 11, 24)


@bp.before_app_request
def read_the_changes_first():
    """Only pages people open (GET): a form sent from a page they already had still goes
    through, so nothing they typed is lost; their next page asks."""
    if request.method not in ("GET", "HEAD"):
        return None
    endpoint = request.endpoint
    if (
        endpoint is None
        or endpoint in NOT_GATED
        or endpoint.startswith(("privacy.", "auth."))
        or request.path.startswith("/api/")
    ):
        return None
    if not current_user.is_authenticated:
        return None
    if not privacy_notice.needs_acknowledgement(current_user):
        return None
    here = request.full_path.rstrip("?") if request.query_string else request.path
    return redirect(url_for("privacy.changes", next=here))


def link(endpoint: str) -> str | None:
    """A link to a page another part of the app may not have yet."""
    if endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint)
    except BuildError:
        return None


@bp.get("/privacy")
@access.public
def notice():
    user = current_user if current_user.is_authenticated else None
    pending = user is not None and privacy_notice.needs_acknowledgement(user)
    return render_template(
        "privacy/notice.html",
        version=privacy_notice.VERSION,
        updated=privacy_notice.UPDATED.get(privacy_notice.VERSION),
        controller=privacy_notice.controller(),
        keeping=privacy_notice.keeping(user),
        sharing=(
            privacy_notice.sharing_summary(user)
            if user is not None and user.role == Role.PARTICIPANT
            else None
        ),
        rights={
            "export": link("me.export"),
            "delete": link("me.delete_account"),
            "access_log": link("me.access_log"),
            "mine": link("sharing.mine") if user and user.role == Role.PARTICIPANT else None,
        },
        pending=pending,
        next=safe_next(request.args.get("next")),
    )


@bp.get("/privacy/changes")
@access.logged_in
def changes():
    # Asks the database, not the cookie: it may have been read on another device.
    version = privacy_notice.refresh(current_user)
    pending = version < privacy_notice.VERSION
    return render_template(
        "privacy/changes.html",
        acknowledged=version,
        pending=pending,
        first_time=version == 0,
        changes=privacy_notice.changes_since(version if pending else 0),
        next=safe_next(request.args.get("next")),
    )


@bp.post("/privacy/acknowledge")
@access.logged_in
def acknowledge():
    privacy_notice.acknowledge(current_user)
    db.session.commit()
    return redirect(safe_next(request.form.get("next")))


@bp.get("/accessibility")
@access.public
def accessibility():
    return render_template(
        "privacy/accessibility.html",
        checked=ACCESSIBILITY_CHECKED,
        controller=privacy_notice.controller(),
    )
