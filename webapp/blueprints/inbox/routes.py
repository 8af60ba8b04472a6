"""Inbox pages: my notices, the mentor's inbox, answering and ending mentor links, and my
strength words (with a copy-ready list and a plain-text download).

Who may see what is asked of visibility.py (through the notifications, mentoring and
strength_words services); anything not visible is a 404.
"""

from datetime import date, timedelta
from urllib.parse import quote

from flask import abort, flash, g, make_response, redirect, render_template, request, url_for
from flask_babel import format_date, to_user_timezone
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from webapp.blueprints.inbox import bp
from webapp.extensions import db
from webapp.models import LinkStatus, Role
from webapp.models.base import utcnow
from webapp.services import access, mentoring, notifications, strength_words

KIND_ICONS = {"entry": "notebook", "goal": "target-arrow", "step": "circle-check"}


@bp.record_once
def _template_globals(state) -> None:
    state.app.jinja_env.globals.update(
        unread_notices=unread_notices, my_mentor_links=my_mentor_links, KIND_ICONS=KIND_ICONS
    )


def unread_notices() -> int:
    """The navigation badge: one COUNT per request, only when a page shows the navigation."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notices" not in g:
        try:
            g.unread_notices = notifications.unread_count(current_user)
        except SQLAlchemyError:  # the error page of a failed request still renders, badge-less
            g.unread_notices = 0
    return g.unread_notices


def my_mentor_links() -> list:
    """A participant's open links (asked, or said yes), for the Me page: where to end one."""
    if not current_user.is_authenticated or current_user.role != Role.PARTICIPANT:
        return []
    return [link for link in mentoring.links_of(current_user) if link.status in mentoring.OPEN]


def _kind_labels() -> dict[str, str]:
    return {"entry": _("Journal entry"), "goal": _("Goal"), "step": _("Step")}


# --- my notices --------------------------------------------------------------------------------


def _day_label(day: date, today: date) -> str:
    if day == today:
        return _("Today")
    if day == today - timedelta(days=1):
        return _("Yesterday")
    return format_date(day, "long")


@bp.get("/inbox")
@access.logged_in
def index():
    before = request.args.get("before", type=int)
    notices, next_cursor = notifications.page_of(current_user, before)
    context = notifications.context_of(notices)
    today = to_user_timezone(utcnow()).date()
    days: list[tuple[str, list]] = []
    for notice in notices:
        label = _day_label(to_user_timezone(notice.created_at).date(), today)
        if not days or days[-1][0] != label:
            days.append((label, []))
        days[-1][1].append(
            {
                "notice": notice,
                "sentence": notifications.sentence(notice, current_user, context),
                "icon": notifications.ICONS.get(notice.kind, "inbox"),
            }
        )
    return render_template(
        "inbox/index.html", days=days, next_cursor=next_cursor, older=before is not None
    )


@bp.get("/inbox/<int:notification_id>")
@access.logged_in
def open_notice(notification_id: int):
    """Marks the notice read and goes where it points (GET: a tap on a notice is a link)."""
    notice = notifications.find(current_user, notification_id)
    if notice is None:
        abort(404)
    if notice.read_at is None:
        notice.read_at = utcnow()
        db.session.commit()
    target = notice.url if notice.url.startswith("/") and not notice.url.startswith("//") else "/"
    return redirect(target)


@bp.post("/inbox/read")
@access.logged_in
def read_all():
    if notifications.mark_read(current_user):
        db.session.commit()
        flash(_("Everything is marked as read."))
    return redirect(url_for("inbox.index"))


# --- the mentor's inbox --------------------------------------------------------------------------


@bp.get("/mentor")
@access.role(Role.MENTOR)
def mentor():
    """Who shared what kind of item, and when: never its words or mood (DPIA F5). Reading an
    item means opening it, and every opening is in the owner's access log."""
    items = mentoring.inbox(current_user)
    return render_template(
        "inbox/mentor.html",
        items=items,
        unread=sum(1 for item in items if item.unread),
        kind_labels=_kind_labels(),
        people=[
            link.participant
            for link in mentoring.links_of(current_user)
            if link.status == LinkStatus.ACCEPTED
        ],
    )


# --- mentor links ------------------------------------------------------------------------------


def _link_or_404(link_id: int):
    link = mentoring.find_link(current_user, link_id)
    if link is None:
        abort(404)
    return link


@bp.get("/mentor-links/<int:link_id>")
@access.logged_in
def link(link_id: int):
    found = _link_or_404(link_id)
    if notifications.mark_thread_read(current_user, f"link:{found.id}"):
        db.session.commit()
    return render_template(
        "inbox/link.html",
        link=found,
        can_answer=mentoring.can_answer(current_user, found),
        can_end=mentoring.can_end(current_user, found),
    )


def _change_link(link_id: int, change, message: str):
    found = _link_or_404(link_id)
    try:
        change(found)
    except mentoring.LinkError:
        flash(_("That is already done, or no longer possible."))
        return redirect(url_for("inbox.link", link_id=found.id))
    db.session.commit()
    flash(message)
    return redirect(url_for("inbox.link", link_id=found.id))


@bp.post("/mentor-links/<int:link_id>/accept")
@access.logged_in
def accept_link(link_id: int):
    return _change_link(
        link_id,
        lambda found: mentoring.answer(current_user, found, yes=True),
        _("You said yes. Your mentor sees only what you choose to share."),
    )


@bp.post("/mentor-links/<int:link_id>/decline")
@access.logged_in
def decline_link(link_id: int):
    return _change_link(
        link_id,
        lambda found: mentoring.answer(current_user, found, yes=False),
        _("You said no. That is fine: the mentor is not told."),
    )


@bp.post("/mentor-links/<int:link_id>/end")
@access.logged_in
def end_link(link_id: int):
    return _change_link(
        link_id,
        lambda found: mentoring.end(current_user, found),
        _("The mentor link has ended. The mentor sees nothing you shared any more."),
    )


def _new_link_page(participant, group_id, errors=None, status=200):
    return render_template(
        "inbox/new_link.html",
        participant=participant,
        group_id=group_id,
        mentors=mentoring.mentor_choices(current_user, participant.id),
        links=[
            link
            for link in mentoring.links_of(current_user)
            if link.participant_id == participant.id
        ],
        errors=errors or {},
    ), status


@bp.get("/mentor-links/new")
@access.role(Role.COUNSELLOR)
def new_link():
    participant = mentoring.participant_led_by(
        current_user, request.args.get("participant", type=int) or 0
    )
    if participant is None:
        abort(404)
    return _new_link_page(participant, request.args.get("group", type=int))


@bp.post("/mentor-links")
@access.role(Role.COUNSELLOR)
def propose():
    participant = mentoring.participant_led_by(
        current_user, request.form.get("participant_id", type=int) or 0
    )
    if participant is None:
        abort(404)
    group_id = request.form.get("group_id", type=int)
    mentor_id = request.form.get("mentor_id", type=int)
    mentor = next(
        (m for m in mentoring.mentor_choices(current_user, participant.id) if m.id == mentor_id),
        None,
    )
    if mentor is None:
        return _new_link_page(participant, group_id, {"mentor_id": _("Choose a mentor.")}, 400)
    _link, created = mentoring.propose(current_user, participant, mentor)
    db.session.commit()
    if created:
        flash(
            _(
                "%(name)s is asked. The link starts when they say yes.",
                name=participant.display_name,
            )
        )
    else:
        flash(
            _("%(name)s already has this mentor, or has been asked.", name=participant.display_name)
        )
    if group_id:
        return redirect(url_for("groups.detail", group_id=group_id) + "#h-members")
    return redirect(url_for("inbox.new_link", participant=participant.id))


# --- my strength words ---------------------------------------------------------------------------


@bp.get("/me/strengths")
@access.role(Role.PARTICIPANT)
def strengths():
    groups = strength_words.collect(strength_words.received(current_user))
    lines = strength_words.cv_lines(groups)
    return render_template(
        "me/strengths.html", groups=groups, lines=lines, total=sum(g.count for g in groups)
    )


@bp.get("/me/strengths.txt")
@access.role(Role.PARTICIPANT)
def strengths_txt():
    lines = strength_words.cv_lines(strength_words.collect(strength_words.received(current_user)))
    body = _("My strength words") + "\n\n" + "".join(f"- {line}\n" for line in lines)
    response = make_response(body)
    response.mimetype = "text/plain"
    response.charset = "utf-8"
    filename = _("strength-words") + ".txt"
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"strength-words.txt\"; filename*=UTF-8''{quote(filename)}"
    )
    return response
