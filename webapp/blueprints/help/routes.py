"""Help pages, the first-run tour (on the home page, and again as a page) and the counsellor's
guide to the group method."""

from flask import current_app, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.routing import BuildError

from webapp.blueprints.auth.routes import safe_next
from webapp.blueprints.help import bp
from webapp.extensions import db
from webapp.models import Role
from webapp.services import access, tours


@bp.app_context_processor
def _tour_helpers():
    def first_run_tour():
        """The cards of the home page's tour, or None once it is finished or skipped."""
        if not current_user.is_authenticated or not tours.should_show(current_user):
            return None
        return tours.cards_for(tours.tour_role(current_user))

    return {"first_run_tour": first_run_tour}


def _link(endpoint: str | None) -> str | None:
    if not endpoint or endpoint not in current_app.view_functions:
        return None
    try:
        return url_for(endpoint)
    except BuildError:  # needs arguments we do not have here
        return None


def _programme_sessions():
    """The Øygarden programme's sessions, as the plan room defines them (none yet: empty)."""
    from webapp.services import programmes

    template = programmes.TEMPLATES.get("oygarden")
    return template.sessions if template else ()


@bp.get("/help")
@access.logged_in
def index():
    topics = [(t, _link(t.link)) for t in tours.help_for(current_user.role)]
    return render_template("help/index.html", topics=topics)


@bp.get("/help/tour")
@access.logged_in
def tour():
    role = tours.tour_role(current_user)
    # Counsellors may see what the people they work with see, to show them around.
    if (
        current_user.role in (Role.COUNSELLOR, Role.ADMIN)
        and request.args.get("for") in tours.TOURS
    ):
        role = request.args["for"]
    return render_template("help/tour.html", cards=tours.cards_for(role), shown_role=role)


@bp.post("/help/tour/done")
@access.logged_in
def tour_done():
    """Finished or skipped: the home page stops showing the tour (Help still has it)."""
    tours.mark_seen(current_user)
    db.session.commit()
    if request.accept_mimetypes.best == "application/json":
        return "", 204
    return redirect(safe_next(request.form.get("next")))


@bp.get("/help/guide")
@access.role(Role.COUNSELLOR)
def guide():
    # ?session=3 opens that session's exercises (linked from a session's page).
    return render_template(
        "help/guide.html",
        principles=tours.PRINCIPLES,
        sessions=_programme_sessions(),
        open_session=request.args.get("session", type=int),
    )
