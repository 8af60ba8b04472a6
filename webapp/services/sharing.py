"""Sharing by choice: share one item with one audience, take it back, and what others send back
on it (reactions, replies, strength words, reports), plus the counsellors' hide and the access log.

Routes and the API both come here; every lookup goes through services/visibility, so a person
can only ever touch a share they may see. Functions flush; the route commits.
"""

import base64
import binascii
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from webapp.extensions import db
from webapp.models import (
    Entry,
    Goal,
    Group,
    ItemKind,
    Membership,
    NotificationKind,
    Reaction,
    Reply,
    Report,
    Role,
    Share,
    ShareReaction,
    ShareView,
    Step,
    StrengthWord,
    User,
)
from webapp.models.base import utcnow
from webapp.services import visibility
from webapp.services.notifications import notify

FEED_PAGE = 50
LAST_REPLIES = 2  # in the feed; the item page shows the whole thread
REPLY_MAX = 500
WORD_MAX = 40
REASON_MAX = 200

# A small, warm, fixed set: icon and label. Never a score.
REACTIONS = {
    Reaction.HEART: ("heart", _l("Love it")),
    Reaction.STRONG: ("barbell", _l("Strong")),
    Reaction.CLAP: ("confetti", _l("Well done")),
    Reaction.SMILE: ("mood-smile", _l("Smile")),
    Reaction.HUG: ("heart-handshake", _l("Hug")),
}

# Strength words a peer can pick: stored as the key, shown in the reader's language. Words for a
# CV, so they describe the person, not the post.
STRENGTH_WORDS = {
    "brave": _l("Brave"),
    "honest": _l("Honest"),
    "good_listener": _l("Good listener"),
    "stubborn": _l("Stubborn in a good way"),
    "kind": _l("Kind"),
    "funny": _l("Funny"),
    "patient": _l("Patient"),
    "hard_working": _l("Hard-working"),
    "creative": _l("Creative"),
    "curious": _l("Curious"),
    "calm": _l("Calm"),
    "helpful": _l("Helpful"),
    "reliable": _l("Reliable"),
    "positive": _l("Positive"),
    "caring": _l("Caring"),
    "brave_to_ask": _l("Brave to ask"),
}

_MODELS = {ItemKind.GOAL: Goal, ItemKind.STEP: Step, ItemKind.ENTRY: Entry}
_OWN = {
    ItemKind.GOAL: visibility.goals_visible_to,
    ItemKind.STEP: visibility.steps_visible_to,
    ItemKind.ENTRY: visibility.entries_visible_to,
}


class NotAllowed(Exception):
    """The person may see the share but not do this to it (e.g. a word to yourself)."""


def word_label(word: StrengthWord) -> str:
    if word.preset:
        return str(STRENGTH_WORDS.get(word.preset, word.preset))
    return word.text


# --- the item and its audience ---


def find_item(owner: User, kind: str, item_id: int) -> Goal | Step | Entry | None:
    """One of the owner's own goals, steps or entries; someone else's is simply not there."""
    try:
        kind = ItemKind(kind)
    except ValueError:
        return None
    model = _MODELS[kind]
    query = _OWN[kind](owner).where(model.id == item_id)
    if kind == ItemKind.ENTRY:
        query = query.options(joinedload(Entry.voice))
    return db.session.scalar(query)


def kind_of(item: Goal | Step | Entry) -> ItemKind:
    return {Goal: ItemKind.GOAL, Step: ItemKind.STEP, Entry: ItemKind.ENTRY}[type(item)]


def item_key(item: Goal | Step | Entry) -> str:
    return f"{kind_of(item)}:{item.id}"


@dataclass
class Audience:
    key: str  # "group:3" | "mentor:7"
    name: str
    group: Group | None = None
    mentor: User | None = None

    @property
    def is_group(self) -> bool:
        return self.group is not None


def audiences_of(owner: User) -> list[Audience]:
    """Who this person can share with: the groups they are in and the mentors they accepted."""
    groups = db.session.scalars(visibility.groups_visible_to(owner)).all()
    mentors = db.session.scalars(visibility.mentors_of(owner)).unique().all()
    return [Audience(f"group:{g.id}", g.name, group=g) for g in groups if g.closed_at is None] + [
        Audience(f"mentor:{m.id}", m.display_name, mentor=m) for m in mentors
    ]


def audience_by_key(owner: User, key: str) -> Audience | None:
    return next((a for a in audiences_of(owner) if a.key == key), None)


def audience_name(share: Share) -> str:
    return share.group.name if share.group_id else share.mentor.display_name


def live_shares_of_item(owner: User, item: Goal | Step | Entry) -> list[Share]:
    """Where this item is shared right now (for its badge)."""
    return list(
        db.session.scalars(
            visibility.shares_owned_by(owner)
            .where(Share.item_key == item_key(item), Share.revoked_at.is_(None))
            .options(joinedload(Share.group), joinedload(Share.mentor))
            .order_by(Share.shared_at)
        )
    )


# --- sharing and taking back ---


def _existing(key: str, audience_key: str) -> Share | None:
    return db.session.scalar(
        select(Share).where(Share.item_key == key, Share.audience_key == audience_key)
    )


def share(
    owner: User, item: Goal | Step | Entry, audience: Audience, include_voice: bool = False
) -> tuple[Share, bool]:
    """Share (or share again after a revoke); the same item and audience is always one row.

    Returns (share, True) when it became visible now, (share, False) when it already was.
    """
    kind = kind_of(item)
    include_voice = bool(include_voice and kind == ItemKind.ENTRY and item.voice is not None)
    key = item_key(item)
    row = _existing(key, audience.key)
    if row is None:
        row = Share(
            owner_id=owner.id,
            kind=kind.value,
            goal_id=item.id if kind == ItemKind.GOAL else None,
            step_id=item.id if kind == ItemKind.STEP else None,
            entry_id=item.id if kind == ItemKind.ENTRY else None,
            group_id=audience.group.id if audience.group else None,
            mentor_id=audience.mentor.id if audience.mentor else None,
            item_key=key,
            audience_key=audience.key,
            include_voice=include_voice,
        )
        try:
            with db.session.begin_nested():  # two taps at once: the second finds the first
                db.session.add(row)
        except IntegrityError:
            row = _existing(key, audience.key)
            if row is None:
                raise
            return _revive(row, include_voice, audience, owner)
        _tell_mentor(row, audience, owner)
        return row, True
    return _revive(row, include_voice, audience, owner)


def _revive(row: Share, include_voice: bool, audience: Audience, owner: User):
    row.include_voice = include_voice
    if row.revoked_at is None:
        return row, False
    row.revoked_at = None
    row.shared_at = utcnow()
    _tell_mentor(row, audience, owner)
    return row, True


def _tell_mentor(row: Share, audience: Audience, owner: User) -> None:
    if audience.mentor is not None:
        db.session.flush()
        notify(audience.mentor.id, NotificationKind.SHARED, owner, share=row)


def revoke(row: Share) -> None:
    """Gone for everyone but the owner at once: every query goes through visibility, which
    leaves revoked shares out (and with them their replies, reactions and notices)."""
    if row.revoked_at is None:
        row.revoked_at = utcnow()


def find_share(user: User, share_id: int) -> Share | None:
    """A share this person may open now."""
    return db.session.scalar(
        visibility.shares_visible_to(user).where(Share.id == share_id).options(*_ITEM_LOAD)
    )


def find_own_share(owner: User, share_id: int) -> Share | None:
    """One of my shares, live or revoked (to take back)."""
    return db.session.scalar(visibility.shares_owned_by(owner).where(Share.id == share_id))


def my_shares(owner: User) -> list[tuple[str, list[Share]]]:
    """Everything I share right now, grouped by audience (groups first, then mentors)."""
    rows = db.session.scalars(
        visibility.shares_owned_by(owner)
        .where(Share.revoked_at.is_(None))
        .options(*_ITEM_LOAD)
        .order_by(Share.shared_at.desc(), Share.id.desc())
    ).all()
    by_audience: dict[str, list[Share]] = {}
    for row in rows:
        by_audience.setdefault(row.audience_key, []).append(row)
    return sorted(by_audience.items(), key=lambda kv: (not kv[0].startswith("group:"), kv[0]))


def my_cards(owner: User) -> list["ShareCard"]:
    """Everything I share right now, with what came back on it (the API's list)."""
    done, total = _progress_columns()
    query = (
        visibility.shares_owned_by(owner)
        .where(Share.revoked_at.is_(None))
        .add_columns(done, total)
        .options(*_ITEM_LOAD)
        .order_by(Share.shared_at.desc(), Share.id.desc())
    )
    rows = [tuple(r) for r in db.session.execute(query).unique().all()]
    return cards_for(owner, rows, LAST_REPLIES)


def role_on(user: User, row: Share) -> str:
    """How this person stands to a share they can see: owner, counsellor, mentor or member."""
    if row.owner_id == user.id:
        return "owner"
    if row.mentor_id == user.id:
        return "mentor"
    if row.group_id is not None and is_counsellor_of(user, row.group_id):
        return "counsellor"
    return "member"


def is_counsellor_of(user: User, group_id: int) -> bool:
    return db.session.scalar(visibility.group_managed_by(user, group_id)) is not None


def record_view(viewer: User, row: Share) -> None:
    """The access log: a mentor or counsellor opened someone else's item. Who and when only."""
    role = role_on(viewer, row)
    if role in ("mentor", "counsellor"):
        db.session.add(
            ShareView(share_id=row.id, owner_id=row.owner_id, viewer_id=viewer.id, viewer_role=role)
        )


def record_feed_views(viewer: User, rows: list[Share]) -> None:
    """A counsellor reading the feed reads every item on the page: each goes in its owner's
    access log (one multi-row INSERT). Members who are participants are the item's audience
    and are not logged; mentors never see a group feed."""
    if viewer.role != Role.COUNSELLOR:
        return
    db.session.add_all(
        ShareView(
            share_id=row.id, owner_id=row.owner_id, viewer_id=viewer.id, viewer_role="counsellor"
        )
        for row in rows
        if row.owner_id != viewer.id
    )


def views_of(owner: User, row: Share) -> list[ShareView]:
    return list(
        db.session.scalars(
            visibility.share_views_of(owner)
            .where(ShareView.share_id == row.id)
            .options(joinedload(ShareView.viewer))
            .order_by(ShareView.at.desc())
            .limit(50)
        )
    )


# --- what others send back ---


def toggle_reaction(user: User, row: Share, reaction: str, on: bool | None = None) -> bool:
    """Add or take back one reaction; returns whether it is now on."""
    reaction = Reaction(reaction)
    mine = db.session.scalar(
        select(ShareReaction).where(
            ShareReaction.share_id == row.id,
            ShareReaction.user_id == user.id,
            ShareReaction.reaction == reaction.value,
        )
    )
    want = (mine is None) if on is None else on
    if want and mine is None:
        try:
            with db.session.begin_nested():
                db.session.add(
                    ShareReaction(share_id=row.id, user_id=user.id, reaction=reaction.value)
                )
        except IntegrityError:
            return True  # the same tap arrived twice
        notify(row.owner_id, NotificationKind.REACTION, user, share=row)
    elif not want and mine is not None:
        db.session.delete(mine)
    return want


def add_reply(author: User, row: Share, text: str) -> Reply:
    reply = Reply(share_id=row.id, author_id=author.id, text=text.strip()[:REPLY_MAX])
    db.session.add(reply)
    db.session.flush()
    notify(row.owner_id, NotificationKind.REPLY, author, share=row)
    if row.mentor_id is not None and author.id == row.owner_id:
        notify(row.mentor_id, NotificationKind.REPLY, author, share=row)
    return reply


def give_word(
    giver: User, row: Share, preset: str | None, text: str = "", show_name: bool = True
) -> StrengthWord:
    if giver.id == row.owner_id:
        raise NotAllowed("a strength word is given to someone else")
    word = StrengthWord(
        recipient_id=row.owner_id,
        giver_id=giver.id,
        share_id=row.id,
        preset=preset or None,
        text="" if preset else text.strip()[:WORD_MAX],
        show_name=show_name,
    )
    db.session.add(word)
    db.session.flush()
    notify(row.owner_id, NotificationKind.STRENGTH_WORD, giver if show_name else None, share=row)
    return word


def report(reporter: User, row: Share, reply: Reply | None = None, reason: str = "") -> Report:
    """Tell the group's counsellors; the reporter's name is not shown to anyone."""
    if row.group_id is None:
        raise NotAllowed("only group shares have counsellors to report to")
    note = Report(
        share_id=row.id,
        reply_id=reply.id if reply is not None else None,
        reporter_id=reporter.id,
        reason=reason.strip()[:REASON_MAX],
    )
    db.session.add(note)
    db.session.flush()
    for counsellor_id in _counsellors_of(row.group_id):
        notify(counsellor_id, NotificationKind.REPORT, None, share=row)
    return note


def open_reports(row: Share) -> list[Report]:
    return list(
        db.session.scalars(
            select(Report)
            .where(Report.share_id == row.id, Report.resolved_at.is_(None))
            .order_by(Report.created_at)
        )
    )


def _counsellors_of(group_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(Membership.user_id).where(
                Membership.group_id == group_id, Membership.role == Role.COUNSELLOR
            )
        )
    )


def find_reply(user: User, row: Share, reply_id: int) -> Reply | None:
    return db.session.scalar(
        visibility.replies_visible_to(user).where(Reply.id == reply_id, Reply.share_id == row.id)
    )


def find_word(user: User, row: Share, word_id: int) -> StrengthWord | None:
    return db.session.scalar(
        visibility.strength_words_on_shares_visible_to(user).where(
            StrengthWord.id == word_id, StrengthWord.share_id == row.id
        )
    )


def hide(counsellor: User, row: Share, target, reason: str) -> None:
    """A counsellor of the group hides an item, reply or word; its owner or author is told why."""
    if row.group_id is None or not is_counsellor_of(counsellor, row.group_id):
        raise NotAllowed("only the group's counsellors hide things")
    target.hidden_at = utcnow()
    target.hidden_by_id = counsellor.id
    target.hidden_reason = reason.strip()[:REASON_MAX]
    for note in open_reports(row):  # hiding answers the reports about what was hidden
        if isinstance(target, Share) or (isinstance(target, Reply) and note.reply_id == target.id):
            note.resolved_at = utcnow()
    told = target.owner_id if isinstance(target, Share) else _author_of(target)
    if told is not None:
        notify(told, NotificationKind.HIDDEN, counsellor, share=row)


def unhide(counsellor: User, row: Share, target) -> None:
    if row.group_id is None or not is_counsellor_of(counsellor, row.group_id):
        raise NotAllowed("only the group's counsellors hide things")
    target.hidden_at = None
    target.hidden_by_id = None
    target.hidden_reason = ""


def _author_of(target) -> int | None:
    return target.author_id if isinstance(target, Reply) else target.giver_id


# --- what a share looks like to its audience ---

_ITEM_LOAD = (
    joinedload(Share.owner),
    joinedload(Share.group),
    joinedload(Share.mentor),
    joinedload(Share.goal),
    joinedload(Share.step),
    joinedload(Share.entry).joinedload(Entry.voice),
)


@dataclass
class ReactionGroup:
    reaction: str
    icon: str
    label: str
    names: list[str]
    mine: bool


@dataclass
class WordView:
    """A strength word as others see it: the giver's name only if they chose to show it, and
    never their id, so an anonymous word cannot be traced in a page or in JSON."""

    id: int
    word: str
    preset: str | None
    from_name: str | None
    created_at: datetime
    hidden: bool
    hidden_reason: str
    mine: bool  # I gave it (lets me see my own hidden word and why)


@dataclass
class ReplyView:
    id: int
    author_name: str | None  # None: the account is gone
    author_id: int | None
    text: str
    created_at: datetime
    hidden: bool
    hidden_reason: str
    mine: bool


@dataclass
class ShareCard:
    share: Share
    progress: tuple[int, int] | None = None  # steps done, steps in all (goals)
    reactions: list[ReactionGroup] = field(default_factory=list)
    replies: list[ReplyView] = field(default_factory=list)
    reply_count: int = 0
    words: list[WordView] = field(default_factory=list)


def _reaction_groups(rows: list[ShareReaction], me: User) -> list[ReactionGroup]:
    out = []
    for reaction, (icon, label) in REACTIONS.items():
        given = [r for r in rows if r.reaction == reaction.value]
        if given:
            out.append(
                ReactionGroup(
                    reaction=reaction.value,
                    icon=icon,
                    label=str(label),
                    names=[r.user.display_name for r in given],
                    mine=any(r.user_id == me.id for r in given),
                )
            )
    return out


def _reply_view(reply: Reply, me: User) -> ReplyView:
    return ReplyView(
        id=reply.id,
        author_name=reply.author.display_name if reply.author is not None else None,
        author_id=reply.author_id,
        text=reply.text,
        created_at=reply.created_at,
        hidden=reply.hidden_at is not None,
        hidden_reason=reply.hidden_reason,
        mine=reply.author_id == me.id,
    )


def word_view(word: StrengthWord, me: User) -> WordView:
    shown = word.show_name and word.giver is not None
    return WordView(
        id=word.id,
        word=word_label(word),
        preset=word.preset,
        from_name=word.giver.display_name if shown else None,
        created_at=word.created_at,
        hidden=word.hidden_at is not None,
        hidden_reason=word.hidden_reason,
        mine=word.giver_id == me.id,
    )


def _progress_columns():
    done = (
        select(func.count(Step.id))
        .where(Step.goal_id == Share.goal_id, Step.done_at.is_not(None))
        .correlate(Share)
        .scalar_subquery()
    )
    total = select(func.count(Step.id)).where(Step.goal_id == Share.goal_id).correlate(Share)
    return done.label("steps_done"), total.scalar_subquery().label("steps_total")


def cards_for(user: User, rows: list[tuple[Share, int, int]], last_replies: int | None) -> list:
    """Reactions, replies and words for many shares at once: three queries, whatever the number
    of shares, members or replies."""
    ids = [row.id for row, *_ in rows]
    cards = {
        row.id: ShareCard(row, (done, total) if row.goal_id else None) for row, done, total in rows
    }
    if not ids:
        return []
    reactions = db.session.scalars(
        visibility.reactions_visible_to(user)
        .where(ShareReaction.share_id.in_(ids))
        .options(joinedload(ShareReaction.user))
        .order_by(ShareReaction.created_at, ShareReaction.id)
    ).all()
    by_share: dict[int, list[ShareReaction]] = {}
    for r in reactions:
        by_share.setdefault(r.share_id, []).append(r)
    for share_id, found in by_share.items():
        cards[share_id].reactions = _reaction_groups(found, user)

    # The newest few replies of each share and how many there are, in one query (window
    # functions: SQLite 3.25+ and PostgreSQL).
    ranked = (
        visibility.replies_visible_to(user)
        .where(Reply.share_id.in_(ids))
        .add_columns(
            func.row_number()
            .over(partition_by=Reply.share_id, order_by=(Reply.created_at.desc(), Reply.id.desc()))
            .label("rn"),
            func.count().over(partition_by=Reply.share_id).label("n"),
        )
        .subquery()
    )
    reply = aliased(Reply, ranked)
    query = select(reply, ranked.c.n).options(joinedload(reply.author))
    if last_replies is not None:
        query = query.where(ranked.c.rn <= last_replies)
    for found, count in db.session.execute(query.order_by(reply.created_at, reply.id)).all():
        card = cards[found.share_id]
        card.replies.append(_reply_view(found, user))
        card.reply_count = count

    words = db.session.scalars(
        visibility.strength_words_on_shares_visible_to(user)
        .where(StrengthWord.share_id.in_(ids))
        .options(joinedload(StrengthWord.giver))
        .order_by(StrengthWord.created_at, StrengthWord.id)
    ).all()
    for w in words:
        cards[w.share_id].words.append(word_view(w, user))
    return [cards[i] for i in ids]


def card_of(user: User, row: Share) -> ShareCard:
    """One share with its whole thread (the item page)."""
    done, total = _progress_of(row)
    return cards_for(user, [(row, done, total)], last_replies=None)[0]


def _progress_of(row: Share) -> tuple[int, int]:
    if row.goal is None:
        return 0, 0
    steps = row.goal.steps
    return sum(1 for s in steps if s.done_at is not None), len(steps)


def preview_card(owner: User, item: Goal | Step | Entry, include_voice: bool) -> ShareCard:
    """What the audience will see, before anything is saved: an unsaved Share, no reactions."""
    kind = kind_of(item)
    row = Share(
        owner=owner,
        owner_id=owner.id,
        kind=kind.value,
        include_voice=include_voice,
        shared_at=utcnow(),
    )
    setattr(row, kind.value, item)
    progress = None
    if kind == ItemKind.GOAL:
        progress = (sum(1 for s in item.steps if s.done_at is not None), len(item.steps))
    return ShareCard(row, progress)


# --- the group feed ---


def encode_cursor(row: Share) -> str:
    raw = f"{row.shared_at.isoformat()}|{row.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, int] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, ident = raw.split("|")
        parsed = datetime.fromisoformat(when)
        if parsed.tzinfo is None:
            return None
        return parsed, int(ident)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        return None


def feed_group(user: User, group_id: int) -> Group | None:
    """The group, if this person is in it (as participant or counsellor)."""
    return db.session.scalar(visibility.groups_visible_to(user).where(Group.id == group_id))


def feed_page(
    user: User, group_id: int, cursor: tuple[datetime, int] | None = None, limit: int = FEED_PAGE
) -> tuple[list[ShareCard], str | None]:
    """Newest first, keyset-paginated; four queries for a page, whatever the group's size."""
    done, total = _progress_columns()
    query = (
        visibility.feed_of(user, group_id)
        .add_columns(done, total)
        .options(*_ITEM_LOAD)
        .order_by(Share.shared_at.desc(), Share.id.desc())
        .limit(limit + 1)
    )
    if cursor is not None:
        when, ident = cursor
        query = query.where(
            or_(Share.shared_at < when, and_(Share.shared_at == when, Share.id < ident))
        )
    rows = [tuple(r) for r in db.session.execute(query).unique().all()]
    more = len(rows) > limit
    rows = rows[:limit]
    cards = cards_for(user, rows, LAST_REPLIES)
    return cards, (encode_cursor(rows[-1][0]) if more and rows else None)
