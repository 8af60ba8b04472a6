"""Who may see what: the one place that answers it. Routes ask here; they never decide."""

from sqlalchemy import Select, and_, or_, select

from webapp.models import (
    Entry,
    Goal,
    Group,
    LinkStatus,
    Membership,
    MentorLink,
    Notification,
    Reply,
    Role,
    Share,
    ShareReaction,
    ShareView,
    Step,
    StrengthWord,
    User,
)


def groups_visible_to(user: User) -> Select[tuple[Group]]:
    """Groups a user belongs to (as participant or counsellor); admins see none by default."""
    return (
        select(Group)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.user_id == user.id)
        .order_by(Group.start_date.desc(), Group.id)
    )


def groups_managed_by(user: User) -> Select[tuple[Group]]:
    """Groups this counsellor leads; empty for everyone else."""
    query = groups_visible_to(user).where(Membership.role == Role.COUNSELLOR)
    if user.role != Role.COUNSELLOR:
        query = query.where(False)
    return query


def group_managed_by(user: User, group_id: int) -> Select[tuple[Group]]:
    return groups_managed_by(user).where(Group.id == group_id)


def members_visible_to(user: User, group: Group) -> Select[tuple[Membership]]:
    """Members of a group, for someone who is in it."""
    return (
        select(Membership)
        .join(User, User.id == Membership.user_id)
        .where(Membership.group_id == group.id)
        .where(
            Membership.group_id.in_(
                select(Membership.group_id).where(Membership.user_id == user.id)
            )
        )
        .order_by(Membership.role.desc(), User.display_name)
    )


def users_resettable_by(actor: User) -> Select[tuple[User]]:
    """Whose password this person may reset with a one-time code.

    Admins: everyone but themselves. Counsellors: the participants in groups they lead.
    Everyone else: nobody.
    """
    if actor.role == Role.ADMIN:
        return select(User).where(User.id != actor.id).order_by(User.username)
    if actor.role == Role.COUNSELLOR:
        led = select(Membership.group_id).where(
            Membership.user_id == actor.id, Membership.role == Role.COUNSELLOR
        )
        return (
            select(User)
            .join(
                Membership, and_(Membership.user_id == User.id, Membership.role == Role.PARTICIPANT)
            )
            .where(Membership.group_id.in_(led), User.role == Role.PARTICIPANT)
            .distinct()
            .order_by(User.username)
        )
    return select(User).where(False)


# --- the private journal: its owner, and nobody else (not counsellors, mentors or admins) -------


def goals_visible_to(user: User) -> Select[tuple[Goal]]:
    return select(Goal).where(Goal.owner_id == user.id)


def steps_visible_to(user: User) -> Select[tuple[Step]]:
    return select(Step).where(Step.owner_id == user.id)


def entries_visible_to(user: User) -> Select[tuple[Entry]]:
    return select(Entry).where(Entry.owner_id == user.id)


# --- sharing by choice: a share opens one item to one audience, until it is revoked ---------------
#
# Everything others can see of a person's journal passes through `shares_visible_to`: the feed,
# the mentor's inbox, the API, replies, reactions, strength words, notifications and the counts
# and badges. Nobody sees an unshared item; revoking, leaving the group or ending the mentor link
# takes it out of sight at once, because every query starts here.


def _in_group(user_id, group_id, role: str | None = None):
    query = select(Membership.id).where(
        Membership.group_id == group_id, Membership.user_id == user_id
    )
    if role is not None:
        query = query.where(Membership.role == role)
    return query.exists()


def _counsellor_of_share_group(user: User):
    return and_(Share.group_id.is_not(None), _in_group(user.id, Share.group_id, Role.COUNSELLOR))


def _mentor_link_stands(participant_id, mentor_id):
    return (
        select(MentorLink.id)
        .where(
            MentorLink.participant_id == participant_id,
            MentorLink.mentor_id == mentor_id,
            MentorLink.status == LinkStatus.ACCEPTED,
        )
        .exists()
    )


def share_visible_condition(user: User):
    """The rule itself, as a SQL condition on `Share` (for use inside other queries)."""
    shared_with_my_group = and_(
        Share.group_id.is_not(None),
        _in_group(user.id, Share.group_id),
        _in_group(Share.owner_id, Share.group_id),  # the owner left: their items leave with them
        or_(Share.hidden_at.is_(None), _in_group(user.id, Share.group_id, Role.COUNSELLOR)),
    )
    shared_with_me_as_mentor = and_(
        Share.mentor_id == user.id, _mentor_link_stands(Share.owner_id, user.id)
    )
    return and_(
        Share.revoked_at.is_(None),
        or_(Share.owner_id == user.id, shared_with_my_group, shared_with_me_as_mentor),
    )


def shares_visible_to(user: User) -> Select[tuple[Share]]:
    """Live shares this person may open: their own, their groups', and those sent to them as
    mentor while the link stands. Hidden items stay visible to their owner and the counsellors."""
    return select(Share).where(share_visible_condition(user))


def shares_owned_by(user: User) -> Select[tuple[Share]]:
    """Every share the person made, live or revoked: for "What I share"."""
    return select(Share).where(Share.owner_id == user.id)


def feed_of(user: User, group_id: int) -> Select[tuple[Share]]:
    return shares_visible_to(user).where(Share.group_id == group_id)


def mentor_inbox_of(user: User) -> Select[tuple[Share]]:
    return shares_visible_to(user).where(Share.mentor_id == user.id)


def replies_visible_to(user: User) -> Select[tuple[Reply]]:
    """Replies on shares the person may see; a hidden reply only to its author, the share's
    owner (who is told why) and the group's counsellors."""
    return (
        select(Reply)
        .join(Share, Share.id == Reply.share_id)
        .where(share_visible_condition(user))
        .where(
            or_(
                Reply.hidden_at.is_(None),
                Reply.author_id == user.id,
                _counsellor_of_share_group(user),
            )
        )
    )


def reactions_visible_to(user: User) -> Select[tuple[ShareReaction]]:
    return (
        select(ShareReaction)
        .join(Share, Share.id == ShareReaction.share_id)
        .where(share_visible_condition(user))
    )


def strength_words_on_shares_visible_to(user: User) -> Select[tuple[StrengthWord]]:
    """Words given on a shared item, as the item's audience sees them."""
    return (
        select(StrengthWord)
        .join(Share, Share.id == StrengthWord.share_id)
        .where(share_visible_condition(user))
        .where(
            or_(
                StrengthWord.hidden_at.is_(None),
                StrengthWord.giver_id == user.id,
                _counsellor_of_share_group(user),
            )
        )
    )


def strength_words_received_by(user: User) -> Select[tuple[StrengthWord]]:
    """My strength words: every word given to me that no counsellor had to hide."""
    return select(StrengthWord).where(
        StrengthWord.recipient_id == user.id, StrengthWord.hidden_at.is_(None)
    )


def notifications_visible_to(user: User) -> Select[tuple[Notification]]:
    """My inbox; a notice about a share I can no longer see (revoked, left) goes with it."""
    visible_share = select(Share.id).where(share_visible_condition(user))
    return select(Notification).where(
        Notification.user_id == user.id,
        or_(Notification.share_id.is_(None), Notification.share_id.in_(visible_share)),
    )


def share_views_of(user: User) -> Select[tuple[ShareView]]:
    """Who opened my shared items: only the owner reads this log."""
    return select(ShareView).where(ShareView.owner_id == user.id)


def mentor_links_of(user: User) -> Select[tuple[MentorLink]]:
    """Links a person is part of (as participant or mentor), and those a counsellor proposed."""
    return select(MentorLink).where(
        or_(
            MentorLink.participant_id == user.id,
            MentorLink.mentor_id == user.id,
            MentorLink.proposed_by_id == user.id,
        )
    )


def mentors_of(user: User) -> Select[tuple[User]]:
    """The mentors a participant has accepted: the only mentors they can share with."""
    return (
        select(User)
        .join(MentorLink, MentorLink.mentor_id == User.id)
        .where(MentorLink.participant_id == user.id, MentorLink.status == LinkStatus.ACCEPTED)
        .order_by(User.display_name)
    )
