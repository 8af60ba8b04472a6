"""Who may see what: the one place that answers it. Routes ask here; they never decide."""

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.sql.elements import BindParameter, ColumnElement

from webapp.models import (
    Attendance,
    Dilemma,
    DilemmaResponse,
    Entry,
    Goal,
    Group,
    GroupSession,
    GuardianConsent,
    LinkStatus,
    Membership,
    MentorInvite,
    MentorLink,
    Notification,
    Reply,
    ResetCode,
    Role,
    SessionStatus,
    Share,
    ShareReaction,
    ShareView,
    Step,
    StrengthRound,
    StrengthWord,
    User,
    VoiceNote,
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

    An office's admin: the people of that office (its counsellors and mentors, and the
    participants in its groups), never another admin. An admin of the whole installation (no
    office): everyone but themselves. Counsellors: the participants in groups they lead.
    Everyone else: nobody.
    """
    if actor.role == Role.ADMIN and actor.office_id is None:
        return select(User).where(User.id != actor.id).order_by(User.username)
    if actor.role == Role.ADMIN:
        in_office_group = (
            select(Membership.user_id)
            .join(Group, Group.id == Membership.group_id)
            .where(Group.office_id == actor.office_id)
        )
        return (
            select(User)
            .where(User.id != actor.id, User.role != Role.ADMIN)
            .where(or_(User.office_id == actor.office_id, User.id.in_(in_office_group)))
            .order_by(User.username)
        )
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


def entry_rows_visible_to(viewer: User | ColumnElement, *columns) -> Select:
    """The entries of entries_visible_to as plain rows of `columns` (of the entries and voice_notes
    tables; the voice note is outer-joined), for reads that turn rows straight into JSON.

    `viewer` may be an SQL expression standing for the viewer's user id (a bind parameter, or
    the id of the live login found in the same statement): a hot path then builds the query
    once and binds the logged-in user on each execution.
    """
    entries, voice = Entry.__table__, VoiceNote.__table__
    owner = viewer.id if isinstance(viewer, User) else viewer
    return (
        select(*columns)
        .select_from(entries.outerjoin(voice, voice.c.entry_id == entries.c.id))
        .where(entries.c.owner_id == owner)
    )


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
    """Replies on shares the person may see. A hidden reply stays with its author (who is told
    why) and the group's counsellors; the owner of the item is spared it, as it was hidden for
    breaking the group's rules, often because it hurt."""
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


def reset_codes_for(user: User) -> Select[tuple[ResetCode]]:
    """Password codes made for my account (when, by whom, used or not): mine to read, in my
    access log. Nobody else lists them; those who made one saw it once."""
    return select(ResetCode).where(ResetCode.user_id == user.id)


def guardian_consent_of(user: User) -> Select[tuple[GuardianConsent]]:
    """The consent a counsellor recorded for me, if I was added younger than the sign-up age."""
    return select(GuardianConsent).where(GuardianConsent.user_id == user.id)


def participants_led_by(user: User) -> Select[tuple[User]]:
    """Participants in the groups this counsellor leads (nobody for any other role)."""
    led = select(Membership.group_id).where(
        Membership.user_id == user.id, Membership.role == Role.COUNSELLOR
    )
    in_led_group = (
        select(Membership.user_id)
        .where(Membership.group_id.in_(led), Membership.role == Role.PARTICIPANT)
        .scalar_subquery()
    )
    query = select(User).where(User.role == Role.PARTICIPANT, User.id.in_(in_led_group))
    if user.role != Role.COUNSELLOR:
        query = query.where(False)
    return query


def mentor_links_of(user: User) -> Select[tuple[MentorLink]]:
    """Links a person is part of, and the links of the participants a counsellor leads.

    A mentor sees a link only once the participant said yes (and after it ended): a request
    they declined, or have not answered yet, does not tell a mentor their name.
    """
    mine = [
        MentorLink.participant_id == user.id,
        and_(
            MentorLink.mentor_id == user.id,
            MentorLink.answered_at.is_not(None),
            MentorLink.status.in_([LinkStatus.ACCEPTED, LinkStatus.ENDED]),
        ),
    ]
    if user.role == Role.COUNSELLOR:
        mine.append(MentorLink.proposed_by_id == user.id)
        mine.append(
            MentorLink.participant_id.in_(participants_led_by(user).with_only_columns(User.id))
        )
    return select(MentorLink).where(or_(*mine))


def mentors_linkable_by(user: User, participant_id: int) -> Select[tuple[User]]:
    """Mentors a counsellor may propose for a participant: those of the offices of the groups
    the two share, of the counsellor's own office, and the mentors the counsellor invited."""
    shared_groups = (
        select(Group.office_id)
        .join(Membership, Membership.group_id == Group.id)
        .where(Membership.user_id == user.id, Membership.role == Role.COUNSELLOR)
        .where(
            Group.id.in_(
                select(Membership.group_id).where(
                    Membership.user_id == participant_id, Membership.role == Role.PARTICIPANT
                )
            )
        )
    )
    invited = select(MentorInvite.mentor_id).where(
        MentorInvite.invited_by_id == user.id, MentorInvite.mentor_id.is_not(None)
    )
    offices = [User.office_id.in_(shared_groups), User.id.in_(invited)]
    if user.office_id is not None:
        offices.append(User.office_id == user.office_id)
    query = select(User).where(User.role == Role.MENTOR, or_(*offices)).order_by(User.display_name)
    if user.role != Role.COUNSELLOR:
        query = query.where(False)
    return query


def mentors_of(user: User) -> Select[tuple[User]]:
    """The mentors a participant has accepted: the only mentors they can share with."""
    return (
        select(User)
        .join(MentorLink, MentorLink.mentor_id == User.id)
        .where(MentorLink.participant_id == user.id, MentorLink.status == LinkStatus.ACCEPTED)
        .order_by(User.display_name)
    )


# --- Live group sessions ---------------------------------------------------------------------
#
# A session is seen by the members of its group (participants and counsellors); nobody else,
# not mentors, not admins. A dilemma is its author's: others see it only while it is on the
# screen of a live session of their group (a counsellor also sees the group's waiting ones, to
# pick the next). When the session ends, the dilemma and the responses go back to the author
# alone. Whether a name is shown is not decided here: the live view and every other reader show
# an author only for a post that is not anonymous, and never an author id (see services/live.py).


def sessions_visible_to(user: User) -> Select[tuple[GroupSession]]:
    """Sessions of the groups this person belongs to, in programme order."""
    return (
        select(GroupSession)
        .where(
            GroupSession.group_id.in_(
                select(Membership.group_id).where(Membership.user_id == user.id)
            )
        )
        .order_by(GroupSession.starts_at, GroupSession.id)
    )


def sessions_led_by(user: User) -> Select[tuple[GroupSession]]:
    """Sessions of the groups this counsellor leads; empty for everyone else."""
    led = select(Membership.group_id).where(
        Membership.user_id == user.id, Membership.role == Role.COUNSELLOR
    )
    query = (
        select(GroupSession)
        .where(GroupSession.group_id.in_(led))
        .order_by(GroupSession.starts_at, GroupSession.id)
    )
    if user.role != Role.COUNSELLOR:
        query = query.where(False)
    return query


def _live_session_of(dilemma_session_id):
    return (
        select(GroupSession.id)
        .where(GroupSession.id == dilemma_session_id, GroupSession.status == SessionStatus.LIVE)
        .exists()
    )


def dilemma_visible_condition(user: User):
    """The rule as a SQL condition on `Dilemma`."""
    counsellor = _in_group(user.id, Dilemma.group_id, Role.COUNSELLOR)
    on_screen_now = and_(
        Dilemma.shown_at.is_not(None),
        _in_group(user.id, Dilemma.group_id),
        _live_session_of(Dilemma.session_id),
        or_(Dilemma.hidden_at.is_(None), counsellor),
    )
    waiting_for_my_group = and_(
        counsellor,
        or_(Dilemma.session_id.is_(None), _live_session_of(Dilemma.session_id)),
    )
    if user.role != Role.COUNSELLOR:
        waiting_for_my_group = False
    return or_(Dilemma.author_id == user.id, on_screen_now, waiting_for_my_group)


def dilemmas_visible_to(user: User) -> Select[tuple[Dilemma]]:
    return select(Dilemma).where(dilemma_visible_condition(user))


def dilemmas_owned_by(user: User) -> Select[tuple[Dilemma]]:
    return select(Dilemma).where(Dilemma.author_id == user.id).order_by(Dilemma.created_at.desc())


def responses_visible_to(user: User) -> Select[tuple[DilemmaResponse]]:
    """Responses on dilemmas the person may see. A hidden response stays with its author and
    the group's counsellors; the dilemma's author is spared it (as with hidden replies)."""
    return (
        select(DilemmaResponse)
        .join(Dilemma, Dilemma.id == DilemmaResponse.dilemma_id)
        .where(dilemma_visible_condition(user))
        .where(
            or_(
                DilemmaResponse.hidden_at.is_(None),
                DilemmaResponse.author_id == user.id,
                _in_group(user.id, Dilemma.group_id, Role.COUNSELLOR),
            )
        )
    )


def rounds_visible_to(user: User) -> Select[tuple[StrengthRound]]:
    """Strength-word rounds of sessions the person may see."""
    return select(StrengthRound).where(
        StrengthRound.session_id.in_(sessions_visible_to(user).with_only_columns(GroupSession.id))
    )


def attendance_of(user: User) -> Select[tuple[Attendance]]:
    """Who came: counsellors of the group see it for their sessions, a person sees their own."""
    return select(Attendance).where(
        or_(
            Attendance.user_id == user.id,
            Attendance.session_id.in_(sessions_led_by(user).with_only_columns(GroupSession.id)),
        )
    )


def dilemmas_counted_for(user: User) -> Select[tuple[Dilemma]]:
    """Dilemmas of the sessions this counsellor leads, live or over, for counting in the
    session summary only: never select their words or authors from here."""
    return select(Dilemma).where(
        Dilemma.session_id.in_(sessions_led_by(user).with_only_columns(GroupSession.id))
    )


def session_rows_visible_to(viewer: User | BindParameter, *columns) -> Select:
    """Plain rows of `columns` (of the group_sessions and memberships tables) for sessions of
    the viewer's groups, one row per session with the viewer's membership: the live view's
    poll asks this first, in one small read, before anything else (version, status, role).

    `viewer` may be a bind parameter standing for the viewer's user id (built once, bound per
    poll, as entry_rows_visible_to)."""
    sessions, members = GroupSession.__table__, Membership.__table__
    viewer_id = viewer if isinstance(viewer, BindParameter) else viewer.id
    return select(*columns).select_from(
        sessions.join(
            members,
            and_(members.c.group_id == sessions.c.group_id, members.c.user_id == viewer_id),
        )
    )


def round_words_visible_to(user: User) -> Select[tuple[StrengthWord]]:
    """Words given in strength-word rounds of the person's sessions (the room sees them as they
    come; a word a counsellor hid is gone for all but its giver)."""
    return (
        select(StrengthWord)
        .join(StrengthRound, StrengthRound.id == StrengthWord.round_id)
        .where(
            StrengthRound.session_id.in_(
                sessions_visible_to(user).with_only_columns(GroupSession.id)
            )
        )
        .where(or_(StrengthWord.hidden_at.is_(None), StrengthWord.giver_id == user.id))
    )
