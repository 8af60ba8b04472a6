"""Sharing pages (server-rendered; they work without JavaScript).

Every form posts and redirects. Which share a person may open, and what they may do to it, is
decided in services/sharing and services/visibility: a share that is not visible is a 404.
"""

from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.blueprints.auth.routes import safe_next
from webapp.blueprints.sharing import bp
from webapp.blueprints.sharing.schemas import (
    HideSchema,
    ReactionSchema,
    ReplySchema,
    ReportSchema,
    SheetSchema,
    StrengthWordSchema,
)
from webapp.extensions import db
from webapp.forms import validate
from webapp.models import Role, Share
from webapp.services import access, notifications, sharing, voice

PARTICIPANT = Role.PARTICIPANT


@bp.record_once
def _template_globals(state) -> None:
    """Reactions, the word list and the audience of an item, for every template (the journal
    pages show the share button and badge through sharing/_share.html)."""
    state.app.jinja_env.globals.update(
        REACTIONS=sharing.REACTIONS,
        STRENGTH_WORDS=sharing.STRENGTH_WORDS,
        shares_of_item=lambda item: sharing.live_shares_of_item(current_user, item),
        share_audience_name=sharing.audience_name,
        shared_item_url=item_url,
    )


def item_url(row: Share) -> str:
    """Where the owner finds the item in their journal."""
    if row.goal_id:
        return url_for("journal.goal", goal_id=row.goal_id)
    if row.step_id:
        return url_for("journal.edit_step", step_id=row.step_id)
    return url_for("journal.entry", entry_id=row.entry_id)


def _journal_url(kind: str, item) -> str:
    return {
        "goal": lambda: url_for("journal.goal", goal_id=item.id),
        "step": lambda: url_for("journal.edit_step", step_id=item.id),
        "entry": lambda: url_for("journal.entry", entry_id=item.id),
    }[kind]()


def _share_or_404(share_id: int) -> Share:
    row = sharing.find_share(current_user, share_id)
    if row is None:
        abort(404)
    return row


def _back(row: Share, anchor: str = "") -> str:
    """Back where the person pressed the button (the feed or the item), never off the site."""
    target = request.form.get("next")
    if target:
        return safe_next(target)
    return url_for("sharing.item", share_id=row.id) + anchor


# --- the share sheet ---


def _sheet_page(kind, item, form=None, errors=None, status=200):
    audiences = sharing.audiences_of(current_user)
    live = {s.audience_key for s in sharing.live_shares_of_item(current_user, item)}
    form = form or {}
    chosen = form.get("audience") or request.args.get("audience")
    if chosen is None:
        fresh = [a for a in audiences if a.key not in live]
        chosen = (fresh or audiences or [None])[0]
        chosen = chosen.key if chosen else None
    return render_template(
        "sharing/sheet.html",
        kind=kind,
        item=item,
        audiences=audiences,
        live=live,
        chosen=chosen,
        include_voice=form.get("include_voice") in ("1", "on", "true"),
        has_voice=kind == "entry" and item.voice is not None,
        card=sharing.preview_card(current_user, item, include_voice=False),
        back=_journal_url(kind, item),
        errors=errors or {},
    ), status


@bp.route("/share/<kind>/<int:item_id>", methods=["GET", "POST"])
@access.role(PARTICIPANT)
def sheet(kind: str, item_id: int):
    item = sharing.find_item(current_user, kind, item_id)
    if item is None:
        abort(404)
    if request.method == "GET":
        return _sheet_page(kind, item)
    form = {k: request.form.get(k, "") for k in ("audience", "include_voice")}
    data, errors = validate(SheetSchema(), {k: v for k, v in form.items() if v})
    audience = sharing.audience_by_key(current_user, data.get("audience", "")) if data else None
    if not errors and audience is None:
        errors["audience"] = _("Choose who you want to share with.")
    if errors:
        return _sheet_page(kind, item, form, errors, 400)
    _row, created = sharing.share(current_user, item, audience, data["include_voice"])
    db.session.commit()
    if created:
        flash(_("Shared with %(who)s. You can take it back at any time.", who=audience.name))
    else:
        flash(_("This is already shared with %(who)s.", who=audience.name))
    return redirect(_journal_url(kind, item))


# --- what I share ---


@bp.get("/shares")
@access.role(PARTICIPANT)
def mine():
    return render_template("sharing/mine.html", by_audience=sharing.my_shares(current_user))


@bp.post("/shares/<int:share_id>/revoke")
@access.role(PARTICIPANT)
def revoke(share_id: int):
    row = sharing.find_own_share(current_user, share_id)
    if row is None:
        abort(404)
    sharing.revoke(row)
    db.session.commit()
    flash(_("Taken back. Only you can see it now."))
    return redirect(safe_next(request.form.get("next") or url_for("sharing.mine")))


# --- one shared item ---


def _item_page(row: Share, reply_form=None, word_form=None, errors=None, status=200):
    role = sharing.role_on(current_user, row)
    return render_template(
        "sharing/item.html",
        card=sharing.card_of(current_user, row),
        role=role,
        views=sharing.views_of(current_user, row) if role == "owner" else [],
        reports=sharing.open_reports(row) if role == "counsellor" else [],
        reply_form=reply_form or {},
        word_form=word_form or {},
        errors=errors or {},
    ), status


@bp.get("/shares/<int:share_id>")
@access.logged_in
def item(share_id: int):
    row = _share_or_404(share_id)
    sharing.record_view(current_user, row)
    notifications.mark_thread_read(current_user, f"share:{row.id}")  # opening it reads its notices
    db.session.commit()
    return _item_page(row)


@bp.post("/shares/<int:share_id>/reactions")
@access.logged_in
def react(share_id: int):
    row = _share_or_404(share_id)
    data, errors = validate(ReactionSchema(), {"reaction": request.form.get("reaction", "")})
    if errors:
        abort(400)
    on = sharing.toggle_reaction(current_user, row, data["reaction"])
    db.session.commit()
    if on:
        flash(_("%(name)s can see your reaction.", name=row.owner.display_name))
    return redirect(_back(row, "#reactions"))


@bp.post("/shares/<int:share_id>/replies")
@access.logged_in
def reply(share_id: int):
    row = _share_or_404(share_id)
    form = {"text": request.form.get("text", "")}
    data, errors = validate(ReplySchema(), form)
    if errors:
        return _item_page(
            row, reply_form=form, errors={"reply_" + k: v for k, v in errors.items()}, status=400
        )
    sharing.add_reply(current_user, row, data["text"])
    db.session.commit()
    flash(_("Your reply is sent."))
    return redirect(_back(row, "#replies"))


@bp.post("/shares/<int:share_id>/words")
@access.logged_in
def give_word(share_id: int):
    row = _share_or_404(share_id)
    if row.owner_id == current_user.id:
        abort(404)
    form = {k: request.form.get(k, "") for k in ("preset", "text")}
    form["show_name"] = request.form.get("show_name", "0")
    raw = {k: v for k, v in form.items() if v != ""}
    data, errors = validate(StrengthWordSchema(), raw)
    if errors:
        return _item_page(
            row, word_form=form, errors={"word_" + k: v for k, v in errors.items()}, status=400
        )
    sharing.give_word(
        current_user, row, data.get("preset"), data.get("text", ""), data["show_name"]
    )
    db.session.commit()
    flash(_("Thank you! %(name)s gets your strength word.", name=row.owner.display_name))
    return redirect(_back(row, "#words"))


@bp.post("/shares/<int:share_id>/report")
@access.logged_in
def report(share_id: int):
    row = _share_or_404(share_id)
    data, errors = validate(ReportSchema(), {"reason": request.form.get("reason", "")})
    if errors or row.group_id is None:
        abort(400 if errors else 404)
    target = None
    if reply_id := request.form.get("reply_id", type=int):
        target = sharing.find_reply(current_user, row, reply_id)
        if target is None:
            abort(404)
    sharing.report(current_user, row, target, data["reason"])
    db.session.commit()
    flash(_("Thank you for telling us. The counsellors will look at it."))
    return redirect(_back(row))


def _target(row: Share):
    """What a counsellor means to hide: the item itself, one reply, or one strength word."""
    what = request.form.get("target", "share")
    ident = request.form.get("target_id", type=int)
    if what == "share":
        return row
    if what == "reply" and ident:
        return sharing.find_reply(current_user, row, ident)
    if what == "word" and ident:
        return sharing.find_word(current_user, row, ident)
    return None


def _counsellor_share(share_id: int) -> Share:
    row = _share_or_404(share_id)
    if sharing.role_on(current_user, row) != "counsellor":
        abort(404)
    return row


@bp.post("/shares/<int:share_id>/hide")
@access.role(Role.COUNSELLOR)
def hide(share_id: int):
    row = _counsellor_share(share_id)
    target = _target(row)
    if target is None:
        abort(404)
    data, errors = validate(HideSchema(), {"reason": request.form.get("reason", "")})
    if errors:
        return _item_page(row, errors={"hide": errors["reason"]}, status=400)
    sharing.hide(current_user, row, target, data["reason"])
    db.session.commit()
    flash(_("Hidden. The person is told why."))
    return redirect(url_for("sharing.item", share_id=row.id))


@bp.post("/shares/<int:share_id>/unhide")
@access.role(Role.COUNSELLOR)
def unhide(share_id: int):
    row = _counsellor_share(share_id)
    target = _target(row)
    if target is None:
        abort(404)
    sharing.unhide(current_user, row, target)
    db.session.commit()
    flash(_("Shown again."))
    return redirect(url_for("sharing.item", share_id=row.id))


@bp.get("/shares/<int:share_id>/voice")
@access.logged_in
def voice_note(share_id: int):
    row = _share_or_404(share_id)
    entry = row.entry
    if not row.include_voice or entry is None or entry.voice is None:
        abort(404)
    name = f"stegvis-{row.id}{voice.KINDS[entry.voice.mime]}"
    response = send_file(
        voice.path_of(entry.voice),
        mimetype=entry.voice.mime,
        as_attachment=False,
        conditional=True,
        download_name=name,
    )
    response.headers["Content-Disposition"] = f'inline; filename="{name}"'
    response.headers["Cache-Control"] = "private, no-store"
    return response


# --- the group feed ---


@bp.get("/groups/<int:group_id>/feed")
@access.logged_in
def feed(group_id: int):
    cursor = sharing.decode_cursor(request.args.get("before"))
    cards, next_cursor = sharing.feed_page(current_user, group_id, cursor)
    # Seeing a share of the group proves membership (feed_of asks); only an empty page asks again.
    group = cards[0].share.group if cards else sharing.feed_group(current_user, group_id)
    if group is None:
        abort(404)
    sharing.record_feed_views(current_user, [card.share for card in cards])
    page = render_template(
        "sharing/feed.html",
        group=group,
        cards=cards,
        next_cursor=next_cursor,
        older=cursor is not None,
    )
    db.session.commit()  # after rendering: a commit expires what the page reads
    return page
