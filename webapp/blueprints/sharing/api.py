"""Sharing's JSON API under /api/v1: shares, the group feed, replies, reactions, strength words.

The same services and visibility rules as the pages; a share that is not visible is a 404.
"""

from flask import abort, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.blueprints.api.docs import body, operation
from webapp.blueprints.api.errors import invalid, json_body
from webapp.blueprints.api.schemas import ErrorSchema
from webapp.blueprints.sharing import bp
from webapp.blueprints.sharing.schemas import (
    FeedPage,
    ReactionSchema,
    ReplyOut,
    ReplySchema,
    ShareCreateSchema,
    ShareOut,
    StrengthWordSchema,
    WordOut,
)
from webapp.extensions import db
from webapp.forms import validate
from webapp.models import Role, Share
from webapp.services import access, sharing

V1 = "/api/v1"
PARTICIPANT = Role.PARTICIPANT
NOT_FOUND = {404: body(ErrorSchema, "Not there, or not shared with you")}
FEED_MAX = 50


def _share_or_404(share_id: int) -> Share:
    row = sharing.find_share(current_user, share_id)
    if row is None:
        abort(404)
    return row


def _when(value) -> str | None:
    return value.isoformat() if value is not None else None


def _item_json(card: sharing.ShareCard) -> dict:
    row = card.share
    if row.goal is not None:
        goal = row.goal
        done, total = card.progress or (0, 0)
        return {
            "kind": "goal",
            "title": goal.title,
            "why": goal.why,
            "theme": goal.theme,
            "status": goal.status,
            "steps_done": done,
            "steps_total": total,
        }
    if row.step is not None:
        return {"kind": "step", "title": row.step.title, "done_at": _when(row.step.done_at)}
    entry = row.entry
    note = entry.voice if row.include_voice else None
    return {
        "kind": "entry",
        "mood": entry.mood,
        "text": entry.text,
        "written_at": _when(entry.created_at),
        "voice": None
        if note is None
        else {
            "url": url_for("sharing.voice_note", share_id=row.id),
            "mime": note.mime,
            "duration_ms": note.duration_ms,
        },
    }


def _reply_json(reply: sharing.ReplyView, for_owner_or_counsellor: bool) -> dict:
    return {
        "id": reply.id,
        "author": None
        if reply.author_name is None
        else {"id": reply.author_id, "display_name": reply.author_name},
        "text": reply.text,
        "created_at": _when(reply.created_at),
        "hidden": reply.hidden,
        "hidden_reason": reply.hidden_reason
        if reply.hidden and (reply.mine or for_owner_or_counsellor)
        else None,
    }


def word_json(word: sharing.WordView) -> dict:
    """Never the giver's id; their name only when they chose to show it."""
    return {
        "id": word.id,
        "word": word.word,
        "preset": word.preset,
        "from_name": word.from_name,
        "created_at": _when(word.created_at),
        "hidden": word.hidden,
        "hidden_reason": word.hidden_reason if word.hidden else None,
    }


def share_json(card: sharing.ShareCard, role: str | None = None) -> dict:
    """What ShareOut documents, built by hand (the feed makes 50 per request)."""
    row = card.share
    role = role or sharing.role_on(current_user, row)
    insider = role in ("owner", "counsellor")
    return {
        "id": row.id,
        "owner": {"id": row.owner.id, "display_name": row.owner.display_name},
        "audience": {
            "key": row.audience_key,
            "kind": "group" if row.group_id else "mentor",
            "name": sharing.audience_name(row),
        },
        "item": _item_json(card),
        "include_voice": row.include_voice,
        "shared_at": _when(row.shared_at),
        "revoked_at": _when(row.revoked_at) if role == "owner" else None,
        "hidden": row.hidden_at is not None,
        "hidden_reason": row.hidden_reason if row.hidden_at is not None and insider else None,
        "url": url_for("sharing.item", share_id=row.id),
        "reactions": [
            {"reaction": r.reaction, "names": r.names, "mine": r.mine} for r in card.reactions
        ],
        "reply_count": card.reply_count,
        "replies": [_reply_json(r, insider) for r in card.replies],
        "words": [word_json(w) for w in card.words],
    }


# --- shares ---


@bp.get(V1 + "/shares")
@access.role(PARTICIPANT)
@operation(summary="Everything I share right now", responses={200: body(ShareOut(many=True))})
def api_shares():
    return jsonify([share_json(c, "owner") for c in sharing.my_cards(current_user)])


@bp.post(V1 + "/shares")
@access.role(PARTICIPANT)
@operation(
    summary="Share one of my goals, steps or entries with a group or a mentor (idempotent)",
    requestBody={"content": {"application/json": {"schema": ShareCreateSchema}}},
    responses={
        201: body(ShareOut, "Shared now"),
        200: body(ShareOut, "Already shared with them"),
        400: body(ErrorSchema),
        **NOT_FOUND,
    },
)
def api_create_share():
    data, problems = validate(ShareCreateSchema(), json_body())
    if problems:
        return invalid(problems)
    item = sharing.find_item(current_user, data["kind"], data["item_id"])
    if item is None:
        abort(404)
    audience = sharing.audience_by_key(current_user, data["audience"])
    if audience is None:
        return invalid({"audience": _("Choose who you want to share with.")})
    row, created = sharing.share(current_user, item, audience, data["include_voice"])
    db.session.commit()
    return jsonify(share_json(sharing.card_of(current_user, row), "owner")), 201 if created else 200


@bp.get(V1 + "/shares/<int:share_id>")
@access.logged_in
@operation(
    summary="One shared item with its reactions, replies and strength words",
    responses={200: body(ShareOut), **NOT_FOUND},
)
def api_share(share_id: int):
    row = _share_or_404(share_id)
    sharing.record_view(current_user, row)
    db.session.commit()
    return jsonify(share_json(sharing.card_of(current_user, row)))


@bp.delete(V1 + "/shares/<int:share_id>")
@access.role(PARTICIPANT)
@operation(
    summary="Take a share back (owner only): gone for everyone else at once",
    responses={204: {"description": "Taken back"}, **NOT_FOUND},
)
def api_revoke_share(share_id: int):
    row = sharing.find_own_share(current_user, share_id)
    if row is None:
        abort(404)
    sharing.revoke(row)
    db.session.commit()
    return "", 204


# --- the group feed ---


@bp.get(V1 + "/groups/<int:group_id>/feed")
@access.logged_in
@operation(
    summary="What members shared with the group, newest first (?before=<next_cursor>)",
    responses={200: body(FeedPage), **NOT_FOUND},
)
def api_feed(group_id: int):
    cursor = sharing.decode_cursor(request.args.get("before"))
    limit = min(max(request.args.get("limit", FEED_MAX, type=int), 1), FEED_MAX)
    cards, next_cursor = sharing.feed_page(current_user, group_id, cursor, limit)
    if not cards and sharing.feed_group(current_user, group_id) is None:
        abort(404)
    roles = {}
    items = []
    for card in cards:
        row = card.share
        if row.owner_id == current_user.id:
            role = "owner"
        else:  # one question per feed, not per item
            if "group" not in roles:
                roles["group"] = sharing.is_counsellor_of(current_user, group_id)
            role = "counsellor" if roles["group"] else "member"
        items.append(share_json(card, role))
    sharing.record_feed_views(current_user, [card.share for card in cards])
    db.session.commit()
    return jsonify({"items": items, "next_cursor": next_cursor})


# --- replies, reactions, strength words ---


@bp.get(V1 + "/shares/<int:share_id>/replies")
@access.logged_in
@operation(
    summary="The replies on a shared item, oldest first",
    responses={200: body(ReplyOut(many=True)), **NOT_FOUND},
)
def api_replies(share_id: int):
    row = _share_or_404(share_id)
    card = sharing.card_of(current_user, row)
    insider = sharing.role_on(current_user, row) in ("owner", "counsellor")
    return jsonify([_reply_json(r, insider) for r in card.replies])


@bp.post(V1 + "/shares/<int:share_id>/replies")
@access.logged_in
@operation(
    summary="Reply on a shared item (up to 500 characters)",
    requestBody={"content": {"application/json": {"schema": ReplySchema}}},
    responses={201: body(ReplyOut), 400: body(ErrorSchema), **NOT_FOUND},
)
def api_reply(share_id: int):
    row = _share_or_404(share_id)
    data, problems = validate(ReplySchema(), json_body())
    if problems:
        return invalid(problems)
    reply = sharing.add_reply(current_user, row, data["text"])
    db.session.commit()
    view = sharing.ReplyView(
        id=reply.id,
        author_name=current_user.display_name,
        author_id=current_user.id,
        text=reply.text,
        created_at=reply.created_at,
        hidden=False,
        hidden_reason="",
        mine=True,
    )
    return jsonify(_reply_json(view, False)), 201


def _reaction(share_id: int, on: bool):
    row = _share_or_404(share_id)
    data, problems = validate(ReactionSchema(), json_body())
    if problems:
        return invalid(problems)
    sharing.toggle_reaction(current_user, row, data["reaction"], on=on)
    db.session.commit()
    return jsonify(share_json(sharing.card_of(current_user, row)))


REACTION_DOC = {
    "requestBody": {"content": {"application/json": {"schema": ReactionSchema}}},
    "responses": {200: body(ShareOut), 400: body(ErrorSchema), **NOT_FOUND},
}


@bp.post(V1 + "/shares/<int:share_id>/reactions")
@access.logged_in
@operation(summary="React (idempotent: reacting twice is one reaction)", **REACTION_DOC)
def api_react(share_id: int):
    return _reaction(share_id, True)


@bp.delete(V1 + "/shares/<int:share_id>/reactions")
@access.logged_in
@operation(summary="Take a reaction back", **REACTION_DOC)
def api_unreact(share_id: int):
    return _reaction(share_id, False)


@bp.post(V1 + "/shares/<int:share_id>/strength-words")
@access.logged_in
@operation(
    summary="Give the owner a strength word: a preset key or your own word, named or not",
    requestBody={"content": {"application/json": {"schema": StrengthWordSchema}}},
    responses={201: body(WordOut), 400: body(ErrorSchema), **NOT_FOUND},
)
def api_give_word(share_id: int):
    row = _share_or_404(share_id)
    if row.owner_id == current_user.id:
        abort(404)
    data, problems = validate(StrengthWordSchema(), json_body())
    if problems:
        return invalid(problems)
    word = sharing.give_word(
        current_user, row, data.get("preset"), data.get("text") or "", data["show_name"]
    )
    db.session.commit()
    return jsonify(word_json(sharing.word_view(word, current_user))), 201
