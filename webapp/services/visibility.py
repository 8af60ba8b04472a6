"""Who may see what: the one place that answers it. Routes ask here; they never decide."""

from sqlalchemy import Select, and_, select

from webapp.models import Entry, Goal, Group, Membership, Role, Step, User


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
