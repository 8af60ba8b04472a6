"""The live session's pages: start and end, joining (a tap, a code or a QR), the phone's live
view, the counsellor's control view and the big screen.

Every page works without JavaScript (forms post and come back here); live.js adds polling of
the live state API, instant posting through the outbox, and the calm countdown.
"""

import uuid

from flask import (
    abort,
    flash,
    g,
    get_template_attribute,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.routing import BuildError

from webapp.blueprints.sessions import bp
from webapp.blueprints.sessions.live_api import LiveActionIn, LiveResponseIn, LiveWordIn, do_action
from webapp.extensions import db
from webapp.forms import validate
from webapp.models import Role, SessionStatus
from webapp.services import access, groups, live, logins, sharing


@bp.app_template_global()
def response_words() -> dict:
    """The words and icons every response on a live page carries, made once per request: a
    page polled by a whole room lists every response, and translating and drawing the same
    labels for each one was most of its cost."""
    words = g.get("live_response_words")
    if words is None:
        icon = get_template_attribute("_macros.html", "icon")
        span = lambda text: Markup("<span>%s</span>") % text  # noqa: E731
        words = {
            "thought": icon("bulb") + span(_("Thought")),
            "question": icon("help-circle") + span(_("Question")),
            "choice": {
                n: icon("arrows-split-2") + span(_("I would choose %(n)s", n=n)) for n in (1, 2, 3)
            },
            "you": _("You"),
            "without_name": _("without your name"),
            "anonymous": _("Anonymous"),
        }
        g.live_response_words = words
    return words


def _url(endpoint: str, fallback: str, **values) -> str:
    """A link into another room of the sessions blueprint, while it is being built."""
    try:
        return url_for(endpoint, **values)
    except BuildError:
        return url_for(fallback, **values) if fallback else "/"


def _visible_or_404(session_id: int):
    session = live.visible_session(current_user, session_id)
    if session is None:
        abort(404)
    return session


def _led_or_404(session_id: int):
    session = live.led_session(current_user, session_id)
    if session is None:
        abort(404)
    return session


def _role_in(session) -> str:
    probe = live.probe(session.id, current_user.id)
    return probe.role if probe else Role.PARTICIPANT


def _part() -> bool:
    """live.js asks for the regions alone (?part=1): the same page without menus or layout."""
    return request.args.get("part") == "1"


def _state(session, view: str = live.PHONE) -> dict:
    probe = live.probe(session.id, current_user.id)
    return live.state(session, current_user, view, probe.role, probe.version)


# --- start, end, join ----------------------------------------------------------------------------


@bp.post("/sessions/<int:session_id>/start")
@access.role(Role.COUNSELLOR)
def start(session_id: int):
    session = _led_or_404(session_id)
    if session.status == SessionStatus.ENDED:
        flash(_("This session is over."))
        return redirect(_url("sessions.detail", "sessions.control", session_id=session.id))
    live.start(session)
    db.session.commit()
    return redirect(url_for("sessions.control", session_id=session.id))


@bp.post("/sessions/<int:session_id>/end")
@access.role(Role.COUNSELLOR)
def end(session_id: int):
    session = _led_or_404(session_id)
    live.end(session)
    db.session.commit()
    flash(_("The session has ended. Thank you!"))
    return redirect(_url("sessions.summary", "sessions.control", session_id=session.id))


@bp.post("/sessions/<int:session_id>/join")
@access.logged_in
def join(session_id: int):
    session = _visible_or_404(session_id)
    if session.status != SessionStatus.LIVE:
        flash(_("The session has not started yet."))
        return redirect(_url("sessions.detail", "sessions.live_view", session_id=session.id))
    if _role_in(session) == Role.COUNSELLOR:
        return redirect(url_for("sessions.control", session_id=session.id))
    live.join(current_user, session)
    db.session.commit()
    return redirect(url_for("sessions.live_view", session_id=session.id))


@bp.route("/sessions/join", methods=["GET", "POST"])
@access.role(Role.PARTICIPANT)
def join_form():
    errors, code = {}, request.values.get("code", "")
    if request.method == "POST":
        if logins.codes_throttled(current_user):
            errors["code"] = _("Too many tries. Wait a little and try again.")
            return render_template("sessions/live_join.html", errors=errors, code=code), 429
        session = live.live_session_by_code(code)
        if session is None:
            logins.record_code_failure(current_user)
            db.session.commit()
            errors["code"] = _(
                "We did not find a live session with that code. Check it and try again."
            )
            return render_template("sessions/live_join.html", errors=errors, code=code), 400
        return _join_with_code(session)
    return render_template("sessions/live_join.html", errors=errors, code=code)


@bp.route("/sessions/join/<join_code>", methods=["GET", "POST"])
@access.role(Role.PARTICIPANT)
def join_code(join_code: str):
    if logins.codes_throttled(current_user):
        abort(429)
    session = live.live_session_by_code(join_code)
    if session is None:
        logins.record_code_failure(current_user)
        db.session.commit()
        abort(404)
    if request.method == "POST":
        return _join_with_code(session)
    return render_template("sessions/live_join_confirm.html", session=session)


def _join_with_code(session):
    live.join_by_code(current_user, session)
    db.session.commit()
    return redirect(url_for("sessions.live_view", session_id=session.id))


# --- the phone's live view -----------------------------------------------------------------------


def _live_page(session, errors=None, form=None, word_errors=None, word_form=None, status=200):
    role = _role_in(session)
    return (
        render_template(
            "sessions/live_view.html",
            session=session,
            state=_state(session),
            counsellor=role == Role.COUNSELLOR,
            joined=live.has_joined(current_user, session.id),
            errors=errors or {},
            form=form or {"client_id": str(uuid.uuid4()), "kind": "thought", "anonymous": "1"},
            word_errors=word_errors or {},
            word_form=word_form or {},
            presets=sharing.STRENGTH_WORDS,
            part=_part(),
        ),
        status,
    )


@bp.get("/sessions/<int:session_id>/live")
@access.logged_in
def live_view(session_id: int):
    return _live_page(_visible_or_404(session_id))


@bp.post("/dilemmas/<int:dilemma_id>/respond")
@access.role(Role.PARTICIPANT)
def respond(dilemma_id: int):
    dilemma = live.open_dilemma(current_user, dilemma_id)
    if dilemma is None:
        abort(404)
    form = request.form.to_dict()
    raw = {k: v for k, v in form.items() if k != "csrf_token" and v != ""}
    if raw.get("kind") != "choice":
        raw.pop("choice", None)
    data, problems = validate(LiveResponseIn(), raw)
    session = live.visible_session(current_user, dilemma.session_id)
    if problems:
        return _live_page(session, errors=problems, form=form, status=400)
    live.respond(current_user, dilemma, data)
    db.session.commit()
    flash(_("Sent. Thank you!"))
    return redirect(url_for("sessions.live_view", session_id=session.id) + "#responses")


@bp.post("/responses/<int:response_id>/delete")
@access.role(Role.PARTICIPANT)
def delete_response(response_id: int):
    response = live.own_response(current_user, response_id)
    if response is None:
        abort(404)
    session_id = response.dilemma.session_id
    live.delete_response(response)
    db.session.commit()
    flash(_("Your response is deleted."))
    if session_id is None:
        return redirect(url_for("main.home"))
    return redirect(url_for("sessions.live_view", session_id=session_id) + "#responses")


@bp.post("/rounds/<int:round_id>/words")
@access.role(Role.PARTICIPANT)
def give_round_word(round_id: int):
    round_ = live.open_round(current_user, round_id)
    if round_ is None:
        abort(404)
    session = live.visible_session(current_user, round_.session_id)
    form = request.form.to_dict()
    raw = {k: v for k, v in form.items() if k != "csrf_token" and v != ""}
    data, problems = validate(LiveWordIn(), raw)
    if not problems:
        try:
            live.give_word(
                current_user, round_, data.get("preset"), data.get("text", ""), data["show_name"]
            )
        except live.NotAllowed:
            problems = {"preset": _("This round is for you: the others give you words.")}
    if problems:
        return _live_page(session, word_errors=problems, word_form=form, status=400)
    db.session.commit()
    flash(_("Your word is given. Thank you!"))
    return redirect(url_for("sessions.live_view", session_id=session.id) + "#round")


# --- the counsellor ------------------------------------------------------------------------------


def _control_page(session, errors=None, status=200):
    participants = live.participants_of(current_user, session)
    return (
        render_template(
            "sessions/live_control.html",
            session=session,
            state=_state(session),
            waiting=live.waiting_dilemmas(current_user, session),
            shown=live.shown_dilemmas(current_user, session),
            participants=participants,
            author_names={p.id: p.display_name for p in participants},
            timers=live.TIMER_CHOICES,
            part=_part(),
            errors=errors or {},
            join_link=url_for("sessions.join_code", join_code=session.join_code, _external=True)
            if session.join_code
            else None,
            qr=groups.qr_data_uri(
                url_for("sessions.join_code", join_code=session.join_code, _external=True)
            )
            if session.join_code
            else None,
        ),
        status,
    )


@bp.get("/sessions/<int:session_id>/control")
@access.role(Role.COUNSELLOR)
def control(session_id: int):
    return _control_page(_led_or_404(session_id))


@bp.post("/sessions/<int:session_id>/control")
@access.role(Role.COUNSELLOR)
def act(session_id: int):
    session = _led_or_404(session_id)
    raw = {k: v for k, v in request.form.to_dict().items() if k != "csrf_token" and v != ""}
    data, problems = validate(LiveActionIn(), raw)
    if not problems:
        problems = do_action(session, data)
    if problems:
        db.session.rollback()
        return _control_page(session, errors=problems, status=400)
    db.session.commit()
    anchor = {"timer": "#timer", "start_round": "#round", "end_round": "#round"}.get(
        data["action"], "#screen"
    )
    return redirect(url_for("sessions.control", session_id=session.id) + anchor)


@bp.get("/sessions/<int:session_id>/screen")
@access.role(Role.COUNSELLOR)
def screen(session_id: int):
    session = _led_or_404(session_id)
    join_link = (
        url_for("sessions.join_code", join_code=session.join_code, _external=True)
        if session.join_code
        else None
    )
    return render_template(
        "sessions/screen.html",
        session=session,
        state=_state(session, live.SCREEN),
        join_link=join_link,
        qr=groups.qr_data_uri(join_link) if join_link else None,
        part=_part(),
    )
