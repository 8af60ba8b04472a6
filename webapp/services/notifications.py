"""The in-app inbox: one record per thing that happened to you, never its words.

Every reply, reaction, strength word, newly shared item (for mentors) and link request becomes a
`Notification`. The record is what the push issue delivers: kind, actor, thread and where to go,
so a push payload can be built from it without private content. `sentence()` turns a record into
the plain words the inbox shows (and a push can show): kind and the actor's name, nothing more.
"""

from flask import current_app, has_request_context, url_for
from flask_babel import gettext as _
from sqlalchemy import func, select, update
from sqlalchemy.orm import joinedload
from werkzeug.routing import BuildError

from webapp.extensions import db
from webapp.models import (
    Group,
    LinkStatus,
    MentorLink,
    Notification,
    NotificationKind,
    Share,
    StrengthWord,
    User,
)
from webapp.models.base import utcnow
from webapp.services import scheduling, visibility

PAGE = 50


def path(endpoint: str, **values) -> str:
    """A path for the app to open; also outside a request (seed-demo, the worker)."""
    if has_request_context():
        return url_for(endpoint, **values, _external=False)
    with current_app.test_request_context():
        return url_for(endpoint, **values, _external=False)


def _share_url(share_id: int) -> str:
    try:
        return path("sharing.item", share_id=share_id)
    except BuildError:  # the sharing blueprint is not registered (yet): same address
        return f"/shares/{share_id}"


def notify(
    recipient_id: int,
    kind: str,
    actor: User | None,
    *,
    share: Share | None = None,
    link: MentorLink | None = None,
) -> Notification | None:
    """Adds a notice to an inbox (the caller commits). Nobody is told of their own act.

    The url is a path (also when made outside a request, e.g. by seed-demo or the worker).

    Pass `actor=None` when the person must stay unnamed (a strength word given without a name):
    the record then cannot give them away, not in the inbox, the API or a push.
    """
    if actor is not None and actor.id == recipient_id:
        return None
    if share is not None:
        thread, url = f"share:{share.id}", _share_url(share.id)
    elif link is not None:
        thread, url = f"link:{link.id}", path("inbox.link", link_id=link.id)
    elif kind == NotificationKind.STRENGTH_WORD:
        thread, url = "strengths", path("inbox.strengths")
    else:
        thread, url = "inbox", path("inbox.index")
    notice = Notification(
        user_id=recipient_id,
        kind=kind,
        actor_id=actor.id if actor is not None else None,
        share_id=share.id if share is not None else None,
        link_id=link.id if link is not None else None,
        thread=thread,
        url=url,
    )
    db.session.add(notice)
    return notice


def notify_strength_word(word: StrengthWord) -> Notification | None:
    """Tells the recipient of a word; names the giver only if they chose to show their name."""
    if word.giver_id is not None and word.giver_id == word.recipient_id:
        return None
    giver = db.session.get(User, word.giver_id) if word.show_name and word.giver_id else None
    share = db.session.get(Share, word.share_id) if word.share_id is not None else None
    return notify(word.recipient_id, NotificationKind.STRENGTH_WORD, giver, share=share)


# --- reading the inbox ---------------------------------------------------------------------------


def unread_count(user: User) -> int:
    """One COUNT, through the same rule as the list: the navigation badge asks this per page."""
    visible = visibility.notifications_visible_to(user).where(Notification.read_at.is_(None))
    return db.session.scalar(select(func.count()).select_from(visible.subquery())) or 0


def page_of(
    user: User, before: int | None = None, unread_only: bool = False, limit: int = PAGE
) -> tuple[list[Notification], int | None]:
    """Newest first, `limit` at a time; the cursor is the id of the last one shown."""
    query = (
        visibility.notifications_visible_to(user)
        .options(joinedload(Notification.actor))
        .order_by(Notification.id.desc())
        .limit(limit + 1)
    )
    if before is not None:
        query = query.where(Notification.id < before)
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    rows = list(db.session.scalars(query))
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].id if more and rows else None)


def find(user: User, notification_id: int) -> Notification | None:
    return db.session.scalar(
        visibility.notifications_visible_to(user).where(Notification.id == notification_id)
    )


def mark_read(user: User, ids: list[int] | None = None) -> int:
    """Marks my notices read (all, or those ids); gives back how many changed."""
    visible = visibility.notifications_visible_to(user).where(Notification.read_at.is_(None))
    if ids is not None:
        visible = visible.where(Notification.id.in_(ids))
    found = list(db.session.scalars(visible.with_only_columns(Notification.id)))
    if not found:
        return 0
    db.session.execute(
        update(Notification)
        .where(Notification.id.in_(found))
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return len(found)


def mark_thread_read(user: User, thread: str) -> int:
    """Opening an item or a link page reads its notices too (call it from the page's route)."""
    return db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user.id,
            Notification.thread == thread,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount


# --- the words ---------------------------------------------------------------------------------


def context_of(notices: list[Notification]) -> dict:
    """What the sentences need beyond the notice: the kind of each item and its owner, and each
    link with its people. Two small queries for a whole page, whatever its length."""
    share_ids = {n.share_id for n in notices if n.share_id is not None}
    link_ids = {n.link_id for n in notices if n.link_id is not None}
    shares, links = {}, {}
    if share_ids:
        rows = db.session.execute(
            select(Share.id, Share.kind, Share.owner_id).where(Share.id.in_(share_ids))
        )
        shares = {row.id: row for row in rows}
    if link_ids:
        query = (
            select(MentorLink)
            .options(joinedload(MentorLink.mentor), joinedload(MentorLink.participant))
            .where(MentorLink.id.in_(link_ids))
        )
        links = {link.id: link for link in db.session.scalars(query)}
    nudges = scheduling.inbox_sentences(n.id for n in notices if n.kind == scheduling.NUDGE_NOTICE)
    return {"shares": shares, "links": links, "nudges": nudges, "groups": _group_names(notices)}


def _group_names(notices: list[Notification]) -> dict[int, str]:
    """The names of the groups that NEW_MEMBER notices point at (their thread is "group:<id>")."""
    from webapp.services.members import group_id_of

    ids = {group_id_of(n) for n in notices if n.kind == NotificationKind.NEW_MEMBER} - {None}
    if not ids:
        return {}
    return dict(db.session.execute(select(Group.id, Group.name).where(Group.id.in_(ids))).all())


def _item_words(kind: str | None) -> dict[str, str]:
    return {
        "goal": {
            "reply": _("%(name)s replied to your goal"),
            "reaction": _("%(name)s reacted to your goal"),
            "shared": _("%(name)s shared a goal with you"),
        },
        "step": {
            "reply": _("%(name)s replied to your step"),
            "reaction": _("%(name)s reacted to your step"),
            "shared": _("%(name)s shared a step with you"),
        },
    }.get(
        kind or "entry",
        {
            "reply": _("%(name)s replied to your journal entry"),
            "reaction": _("%(name)s reacted to your journal entry"),
            "shared": _("%(name)s shared a journal entry with you"),
        },
    )


def sentence(notice: Notification, me: User, context: dict) -> str:
    """The notice in plain words, from its kind and the actor's name: never what was written."""
    name = notice.actor.display_name if notice.actor is not None else None
    someone = _("Someone")
    share = context["shares"].get(notice.share_id)
    link = context["links"].get(notice.link_id)
    kind = notice.kind
    if name is None and kind == NotificationKind.REPLY:
        # Replies are never anonymous: no actor means the account was deleted (the reply stays).
        someone = _("Deleted user")
    who = name or someone
    if kind == NotificationKind.STRENGTH_WORD:
        if name is None:
            return _("Someone gave you a strength word")
        return _("%(name)s gave you a strength word", name=name)
    if kind in (NotificationKind.REPLY, NotificationKind.REACTION, NotificationKind.SHARED):
        if kind != NotificationKind.SHARED and share is not None and share.owner_id != me.id:
            if kind == NotificationKind.REPLY:
                return _("%(name)s replied", name=who)
            return _("%(name)s reacted", name=who)
        return _item_words(share.kind if share else None)[kind] % {"name": who}
    if kind == NotificationKind.LINK_REQUEST:
        return _("%(name)s suggests a mentor for you", name=who)
    if kind == NotificationKind.LINK_ANSWER:
        said_no = link is not None and link.status == LinkStatus.DECLINED
        if link is not None and link.mentor_id == me.id:
            return _("%(name)s said yes to you as their mentor", name=who)
        mentor = link.mentor.display_name if link is not None else someone
        if said_no:
            return _("%(name)s said no to %(mentor)s as mentor", name=who, mentor=mentor)
        return _("%(name)s said yes to %(mentor)s as mentor", name=who, mentor=mentor)
    if kind == NotificationKind.LINK_ENDED:
        return _("%(name)s ended the mentor link", name=who)
    if kind == NotificationKind.HIDDEN:
        return _("A counsellor hid something you shared. Open it to see why.")
    if kind == NotificationKind.REPORT:
        return _("Something in your group was reported")
    if kind == NotificationKind.RESET_CODE:
        return _(
            "%(name)s made a code to set a new password for you. If you did not ask for one,"
            " tell your counsellor.",
            name=who,
        )
    if kind == NotificationKind.RETENTION_WARNING:
        return _(
            "Your account had not been used for a long time, so it was going to be deleted."
            " Now that you are back, it stays."
        )
    if kind == NotificationKind.NEW_MEMBER:
        from webapp.services.members import group_id_of

        group = context.get("groups", {}).get(group_id_of(notice))
        if group is None:
            return _("%(name)s joined your group", name=who)
        return _("%(name)s joined %(group)s", name=who, group=group)
    if kind == NotificationKind.EXPORT_READY:
        return _("Your data is ready to download. The file is there for 24 hours.")
    if kind == "reminder":  # a reminder, also pushed: its words (a template or a counsellor's)
        return context.get("nudges", {}).get(notice.id) or _("A reminder for you")
    return _("Something new for you")


ICONS = {
    NotificationKind.REPLY: "message-circle",
    NotificationKind.REACTION: "heart",
    NotificationKind.STRENGTH_WORD: "sparkles",
    NotificationKind.SHARED: "share",
    NotificationKind.LINK_REQUEST: "heart-handshake",
    NotificationKind.LINK_ANSWER: "heart-handshake",
    NotificationKind.LINK_ENDED: "heart-handshake",
    NotificationKind.HIDDEN: "eye-off",
    NotificationKind.REPORT: "flag",
    NotificationKind.NEW_MEMBER: "user-plus",
    NotificationKind.RETENTION_WARNING: "clock",
    NotificationKind.EXPORT_READY: "download",
    "reminder": "bell",
}
