"""The inbox's JSON API under /api/v1: notices with read marks, mentor links, my strength words.

A notice in JSON is exactly what a push would carry: who (a display name, or null), what kind,
which thread, where to go. Never the words of a reply or an entry.
"""

from flask import abort, jsonify, request
from flask_babel import gettext as _
from flask_login import current_user

from webapp.blueprints.api.docs import body, operation
from webapp.blueprints.api.errors import error, invalid, json_body
from webapp.blueprints.api.schemas import ErrorSchema
from webapp.blueprints.inbox import bp
from webapp.blueprints.inbox.schemas import (
    MentorLinkCreate,
    MentorLinkOut,
    NotificationPage,
    ReadOut,
    ReadSchema,
    StrengthWordsOut,
)
from webapp.extensions import db
from webapp.forms import validate
from webapp.models import Role
from webapp.services import access, mentoring, notifications, strength_words
from webapp.services.sharing import word_label

V1 = "/api/v1"
NOT_FOUND = {404: body(ErrorSchema, "Not yours, or not there")}


# --- notices -----------------------------------------------------------------------------------


def notice_json(notice, sentence: str) -> dict:
    return {
        "id": notice.id,
        "kind": notice.kind,
        "actor": notice.actor.display_name if notice.actor is not None else None,
        "sentence": sentence,
        "url": notice.url,
        "thread": notice.thread,
        "created_at": notice.created_at.isoformat(),
        "read": notice.read_at is not None,
    }


@bp.get(V1 + "/notifications")
@access.logged_in
@operation(
    summary="My notices, newest first (?cursor=<next_cursor>, ?unread_only=1, ?limit=50)",
    responses={200: body(NotificationPage)},
)
def api_notifications():
    before = request.args.get("before", type=int) or request.args.get("cursor", type=int)
    unread_only = request.args.get("unread_only") in ("1", "true")
    limit = min(max(request.args.get("limit", type=int) or notifications.PAGE, 1), 100)
    notices, next_cursor = notifications.page_of(current_user, before, unread_only, limit)
    context = notifications.context_of(notices)
    return jsonify(
        items=[notice_json(n, notifications.sentence(n, current_user, context)) for n in notices],
        next_cursor=str(next_cursor) if next_cursor else None,
        unread=notifications.unread_count(current_user),
    )


@bp.post(V1 + "/notifications/read")
@access.logged_in
@operation(
    summary='Mark notices read: {"ids": [1, 2]} or {"all": true}',
    requestBody={"content": {"application/json": {"schema": ReadSchema}}},
    responses={200: body(ReadOut), 400: body(ErrorSchema)},
)
def api_read():
    data, problems = validate(ReadSchema(), json_body())
    if problems:
        return invalid(problems)
    marked = notifications.mark_read(current_user, None if data["all"] else data["ids"])
    db.session.commit()
    return jsonify(
        ReadOut().dump({"marked": marked, "unread": notifications.unread_count(current_user)})
    )


# --- mentor links ------------------------------------------------------------------------------


def link_json(link) -> dict:
    return MentorLinkOut().dump(
        {
            "id": link.id,
            "status": link.status,
            "participant": link.participant,
            "mentor": link.mentor,
            "created_at": link.created_at,
            "answered_at": link.answered_at,
            "ended_at": link.ended_at,
            "can_answer": mentoring.can_answer(current_user, link),
            "can_end": mentoring.can_end(current_user, link),
        }
    )


@bp.get(V1 + "/mentor-links")
@access.logged_in
@operation(
    summary="Mentor links I am part of (counsellors: of the participants they lead)",
    responses={200: body(MentorLinkOut(many=True))},
)
def api_links():
    return jsonify([link_json(link) for link in mentoring.links_of(current_user)])


@bp.post(V1 + "/mentor-links")
@access.role(Role.COUNSELLOR)
@operation(
    summary="Propose a mentor for a participant in a group I lead (idempotent while open)",
    requestBody={"content": {"application/json": {"schema": MentorLinkCreate}}},
    responses={
        201: body(MentorLinkOut),
        200: body(MentorLinkOut, "Already proposed or accepted"),
        400: body(ErrorSchema),
        **NOT_FOUND,
    },
)
def api_propose():
    data, problems = validate(MentorLinkCreate(), json_body())
    if problems:
        return invalid(problems)
    participant = mentoring.participant_led_by(current_user, data["participant_id"])
    if participant is None:
        abort(404)
    mentor = next(
        (
            m
            for m in mentoring.mentor_choices(current_user, participant.id)
            if m.id == data["mentor_id"]
        ),
        None,
    )
    if mentor is None:
        return invalid({"mentor_id": _("Choose a mentor.")})
    link, created = mentoring.propose(current_user, participant, mentor)
    db.session.commit()
    return jsonify(link_json(link)), 201 if created else 200


def _change(link_id: int, change):
    link = mentoring.find_link(current_user, link_id)
    if link is None:
        abort(404)
    try:
        change(link)
    except mentoring.LinkError:
        return error(409, "conflict", _("That is already done, or no longer possible."))
    db.session.commit()
    return jsonify(link_json(link))


CHANGE_RESPONSES = {
    200: body(MentorLinkOut),
    409: body(ErrorSchema, "Not in a state for this, or not yours to change"),
    **NOT_FOUND,
}


@bp.post(V1 + "/mentor-links/<int:link_id>/accept")
@access.logged_in
@operation(summary="The participant says yes to a mentor", responses=CHANGE_RESPONSES)
def api_accept(link_id: int):
    return _change(link_id, lambda link: mentoring.answer(current_user, link, yes=True))


@bp.post(V1 + "/mentor-links/<int:link_id>/decline")
@access.logged_in
@operation(summary="The participant says no to a mentor", responses=CHANGE_RESPONSES)
def api_decline(link_id: int):
    return _change(link_id, lambda link: mentoring.answer(current_user, link, yes=False))


@bp.post(V1 + "/mentor-links/<int:link_id>/end")
@access.logged_in
@operation(
    summary="End a link (the participant, or a counsellor; the mentor then sees nothing)",
    responses=CHANGE_RESPONSES,
)
def api_end(link_id: int):
    return _change(link_id, lambda link: mentoring.end(current_user, link))


# --- my strength words ---------------------------------------------------------------------------


@bp.get(V1 + "/strength-words")
@access.role(Role.PARTICIPANT)
@operation(
    summary="Strength words given to me, and a CV-ready list",
    responses={200: body(StrengthWordsOut)},
)
def api_strength_words():
    words = strength_words.received(current_user)
    return jsonify(
        StrengthWordsOut().dump(
            {
                "items": [
                    {
                        "id": w.id,
                        "word": word_label(w),
                        "preset": w.preset,
                        "giver": strength_words.giver_name(w),
                        "created_at": w.created_at,
                    }
                    for w in words
                ],
                "cv": strength_words.cv_lines(strength_words.collect(words)),
            }
        )
    )
