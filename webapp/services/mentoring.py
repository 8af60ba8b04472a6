"""Mentor links and the mentor's inbox.

A counsellor proposes a mentor for a participant in a group they lead; the link counts only once
the participant says yes, and either of them can end it. What a mentor may see follows from the
link (visibility.py looks at ACCEPTED links only), so ending it closes the mentor's inbox at once.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from webapp.extensions import db
from webapp.models import (
    Group,
    LinkStatus,
    Membership,
    MentorLink,
    NotificationKind,
    Reply,
    Role,
    Share,
    ShareView,
    User,
)
from webapp.models.base import utcnow
from webapp.services import notifications, visibility

OPEN = (LinkStatus.PENDING, LinkStatus.ACCEPTED)
INBOX_SIZE = 100


class LinkError(Exception):
    """The change is not possible (not yours to make, or the link is not in that state)."""


# --- links -------------------------------------------------------------------------------------


def find_link(user: User, link_id: int) -> MentorLink | None:
    """A link this person may see, or None (the route answers 404)."""
    return db.session.scalar(visibility.mentor_links_of(user).where(MentorLink.id == link_id))


def links_of(user: User) -> list[MentorLink]:
    query = (
        visibility.mentor_links_of(user)
        .options(
            selectinload(MentorLink.mentor),
            selectinload(MentorLink.participant),
            selectinload(MentorLink.proposed_by),
        )
        .order_by(MentorLink.created_at.desc(), MentorLink.id.desc())
    )
    return list(db.session.scalars(query))


def participant_led_by(counsellor: User, participant_id: int) -> User | None:
    return db.session.scalar(
        visibility.participants_led_by(counsellor).where(User.id == participant_id)
    )


def mentor_choices(counsellor: User, participant_id: int) -> list[User]:
    return list(db.session.scalars(visibility.mentors_linkable_by(counsellor, participant_id)))


def links_by_participant(counsellor: User, group: Group) -> dict[int, list[MentorLink]]:
    """Open links of a group's participants, for the counsellor's member list."""
    members = select(Membership.user_id).where(
        Membership.group_id == group.id, Membership.role == Role.PARTICIPANT
    )
    query = (
        visibility.mentor_links_of(counsellor)
        .where(MentorLink.participant_id.in_(members))
        .where(MentorLink.status.in_(OPEN))
        .options(selectinload(MentorLink.mentor))
        .order_by(MentorLink.created_at)
    )
    out: dict[int, list[MentorLink]] = {}
    for link in db.session.scalars(query):
        out.setdefault(link.participant_id, []).append(link)
    return out


def propose(counsellor: User, participant: User, mentor: User) -> tuple[MentorLink, bool]:
    """A proposal for the participant to answer; the same open proposal again is the same link.

    The caller has checked that the counsellor leads the participant's group and may choose this
    mentor (participant_led_by, mentor_choices)."""
    # Two proposals at once for the same person wait for each other here (PostgreSQL), so the
    # second finds the first instead of making a twin.
    db.session.execute(select(User.id).where(User.id == participant.id).with_for_update())
    existing = db.session.scalar(
        select(MentorLink).where(
            MentorLink.participant_id == participant.id,
            MentorLink.mentor_id == mentor.id,
            MentorLink.status.in_(OPEN),
        )
    )
    if existing is not None:
        return existing, False
    link = MentorLink(
        participant_id=participant.id,
        mentor_id=mentor.id,
        proposed_by_id=counsellor.id,
        status=LinkStatus.PENDING,
    )
    try:
        with db.session.begin_nested():  # the unique index settles a race the lock did not
            db.session.add(link)
    except IntegrityError:
        existing = db.session.scalar(
            select(MentorLink).where(
                MentorLink.participant_id == participant.id,
                MentorLink.mentor_id == mentor.id,
                MentorLink.status.in_(OPEN),
            )
        )
        if existing is None:
            raise
        return existing, False
    notifications.notify(participant.id, NotificationKind.LINK_REQUEST, counsellor, link=link)
    return link, True


def can_answer(user: User, link: MentorLink) -> bool:
    return link.participant_id == user.id and link.status == LinkStatus.PENDING


def can_end(user: User, link: MentorLink) -> bool:
    """The participant, or a counsellor who sees the link (they lead the participant's group or
    proposed it), may end an open link; a counsellor ending a pending one withdraws it."""
    if link.status not in OPEN:
        return False
    if link.participant_id == user.id:
        return link.status == LinkStatus.ACCEPTED
    return user.role == Role.COUNSELLOR and find_link(user, link.id) is not None


def answer(user: User, link: MentorLink, yes: bool) -> None:
    if not can_answer(user, link):
        raise LinkError("not pending, or not yours to answer")
    link.status = LinkStatus.ACCEPTED if yes else LinkStatus.DECLINED
    link.answered_at = utcnow()
    notifications.mark_thread_read(user, f"link:{link.id}")
    if link.proposed_by_id is not None:
        notifications.notify(link.proposed_by_id, NotificationKind.LINK_ANSWER, user, link=link)
    if yes:
        # A mentor hears of a link only when it stands: a "no" is not theirs to know.
        notifications.notify(link.mentor_id, NotificationKind.LINK_ANSWER, user, link=link)


def end(user: User, link: MentorLink) -> None:
    if not can_end(user, link):
        raise LinkError("not open, or not yours to end")
    was_accepted = link.status == LinkStatus.ACCEPTED
    link.status = LinkStatus.ENDED
    link.ended_at = now = utcnow()
    # What was shared with the mentor is taken back, so "What I share" tells the truth and a
    # later link with the same mentor does not bring old items back into their inbox.
    db.session.execute(
        update(Share)
        .where(
            Share.owner_id == link.participant_id,
            Share.mentor_id == link.mentor_id,
            Share.revoked_at.is_(None),
        )
        .values(revoked_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if not was_accepted:  # a proposal withdrawn before the participant answered
        participant = db.session.get(User, link.participant_id)
        notifications.mark_thread_read(participant, f"link:{link.id}")
        return
    told = {link.participant_id, link.mentor_id}
    if link.proposed_by_id is not None:
        told.add(link.proposed_by_id)
    for person in told - {user.id}:
        notifications.notify(person, NotificationKind.LINK_ENDED, user, link=link)


# --- the mentor's inbox --------------------------------------------------------------------------


@dataclass
class InboxItem:
    share: Share
    unread: bool
    last_activity: datetime


def _last_reply_by_owner():
    return (
        select(func.max(Reply.created_at))
        .where(
            Reply.share_id == Share.id,
            Reply.author_id == Share.owner_id,
            Reply.hidden_at.is_(None),
        )
        .correlate(Share)
        .scalar_subquery()
    )


def _last_view_by(user: User):
    return (
        select(func.max(ShareView.at))
        .where(ShareView.share_id == Share.id, ShareView.viewer_id == user.id)
        .correlate(Share)
        .scalar_subquery()
    )


def _unread(last_view, last_reply):
    """Unread: not opened since it was (re)shared, or since the participant last replied."""
    return or_(
        last_view.is_(None),
        last_view < Share.shared_at,
        and_(last_reply.is_not(None), last_view < last_reply),
    )


def inbox(mentor: User, limit: int = INBOX_SIZE) -> list[InboxItem]:
    """What participants shared with this mentor while the link stands: unread first, then by
    the latest thing that happened (shared, or the participant's reply). One query for the list
    and one for the owners' names. No item texts are loaded: the list shows who shared what
    kind of item and when, never its words (DPIA F5: reading means opening, which is logged)."""
    last_reply, last_view = _last_reply_by_owner(), _last_view_by(mentor)
    unread = _unread(last_view, last_reply)
    activity = case(
        (and_(last_reply.is_not(None), last_reply > Share.shared_at), last_reply),
        else_=Share.shared_at,
    )
    query = (
        visibility.mentor_inbox_of(mentor)
        .add_columns(unread.label("unread"), activity.label("activity"))
        .options(selectinload(Share.owner))
        .order_by(case((unread, 0), else_=1), activity.desc(), Share.id.desc())
        .limit(limit)
    )
    items = []
    for share, is_unread, last in db.session.execute(query):
        if isinstance(last, str):  # SQLite gives a CASE over datetimes back as text
            last = datetime.fromisoformat(last)
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        items.append(InboxItem(share, bool(is_unread), last or share.shared_at))
    return items


def unread_in_inbox(mentor: User) -> int:
    last_reply, last_view = _last_reply_by_owner(), _last_view_by(mentor)
    query = visibility.mentor_inbox_of(mentor).where(_unread(last_view, last_reply))
    return db.session.scalar(select(func.count()).select_from(query.subquery())) or 0


def seen_by(owner: User, share: Share) -> datetime | None:
    """When the mentor a share went to last opened it ("seen by your mentor"), read from the
    owner's own access log; None if not yet, or if the share did not go to a mentor."""
    if share.mentor_id is None or share.owner_id != owner.id:
        return None
    return db.session.scalar(
        visibility.share_views_of(owner)
        .with_only_columns(func.max(ShareView.at))
        .where(ShareView.share_id == share.id, ShareView.viewer_id == share.mentor_id)
    )
