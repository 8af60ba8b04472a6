"""Who may see and change which reminders, and making them from the pages' clean input.

A counsellor sees the counsellor reminders of the open groups they lead (whoever of the group's
counsellors made them); a participant sees only their own nudges. Anything else is not found.
Services flush; the route commits.
"""

from datetime import date, datetime, time, timedelta

from sqlalchemy import select, update

from webapp.extensions import db
from webapp.models import (
    Delivery,
    DeliveryStatus,
    Goal,
    Group,
    Membership,
    Reminder,
    ReminderKind,
    ReminderRecipient,
    Role,
    Step,
    User,
)
from webapp.models.base import utcnow
from webapp.services import scheduling

TEMPLATES = ("session_tomorrow", "bring_dilemma", "job_visit")
WEEKDAYS_ONLY = ["MO", "TU", "WE", "TH", "FR"]


# --- counsellors ---------------------------------------------------------------------------------


def groups_led_by(user: User) -> list[Group]:
    return list(
        db.session.scalars(
            select(Group)
            .join(Membership, Membership.group_id == Group.id)
            .where(
                Membership.user_id == user.id,
                Membership.role == "counsellor",
                Group.closed_at.is_(None),
            )
            .order_by(Group.name)
        )
    )


def participants_by_group(group_ids: list[int]) -> dict[int, list[User]]:
    found: dict[int, list[User]] = {i: [] for i in group_ids}
    if group_ids:
        rows = db.session.execute(
            select(Membership.group_id, User)
            .join(User, User.id == Membership.user_id)
            .where(
                Membership.group_id.in_(group_ids),
                Membership.role == "participant",
                User.role == Role.PARTICIPANT,
            )
            .order_by(User.display_name)
        )
        for group_id, user in rows:
            found[group_id].append(user)
    return found


def counsellor_reminders(user: User) -> list[Reminder]:
    group_ids = [g.id for g in groups_led_by(user)]
    if not group_ids:
        return []
    return list(
        db.session.scalars(
            select(Reminder)
            .where(Reminder.kind == ReminderKind.COUNSELLOR, Reminder.group_id.in_(group_ids))
            .order_by(Reminder.paused_at.is_not(None), Reminder.next_run_at, Reminder.id)
        )
    )


def find_counsellor_reminder(user: User, reminder_id: int) -> Reminder | None:
    return next((r for r in counsellor_reminders(user) if r.id == reminder_id), None)


def chosen_ids(reminder: Reminder) -> list[int]:
    return [r.user_id for r in reminder.recipients]


def save_counsellor_reminder(
    user: User, data: dict, reminder: Reminder | None = None, now: datetime | None = None
) -> Reminder:
    """Creates or changes a reminder from validated input (group led by `user`, chosen people
    in that group: the route checked both). Only occurrences from now on are sent."""
    now = now or utcnow()
    if reminder is None:
        reminder = Reminder(kind=ReminderKind.COUNSELLOR, created_by_id=user.id)
        db.session.add(reminder)
    reminder.group_id = data["group_id"]
    reminder.template = data.get("template") or None
    reminder.text = "" if reminder.template else data.get("text", "")
    _set_schedule(reminder, data, user)
    reminder.updated_at = now
    db.session.flush()
    wanted = set(data.get("recipients") or []) if data.get("audience") == "chosen" else set()
    for row in list(reminder.recipients):
        if row.user_id not in wanted:
            reminder.recipients.remove(row)
    have = set(chosen_ids(reminder))
    for user_id in sorted(wanted - have):
        reminder.recipients.append(ReminderRecipient(user_id=user_id))
    scheduling.set_next_run(reminder, now)
    db.session.flush()
    return reminder


def _set_schedule(reminder: Reminder, data: dict, user: User) -> None:
    reminder.start_date = data["start_date"]
    reminder.start_time = data["at"]
    reminder.tzid = user.timezone or scheduling.DEFAULT_ZONE
    if data.get("repeat") == "weekly":
        reminder.rrule = scheduling.weekly_rule(data["days"], data.get("until"))
    else:
        reminder.rrule = ""


def set_paused(reminder: Reminder, paused: bool, now: datetime | None = None) -> None:
    """Pausing skips what falls in the pause; resuming never sends what was missed."""
    now = now or utcnow()
    reminder.paused_at = now if paused else None
    if paused:  # what waits for someone's quiet hours to end does not go either
        db.session.execute(
            update(Delivery)
            .where(
                Delivery.reminder_id == reminder.id,
                Delivery.status == DeliveryStatus.PENDING,
                Delivery.lease_token.is_(None),
            )
            .values(status=DeliveryStatus.DROPPED, result="paused", finished_at=now)
            .execution_options(synchronize_session=False)
        )
    else:
        scheduling.set_next_run(reminder, now)
    reminder.updated_at = now
    db.session.flush()


def delete(reminder: Reminder) -> None:
    db.session.delete(reminder)
    db.session.flush()


def next_local(reminder: Reminder, now: datetime | None = None, count: int = 1) -> list[datetime]:
    now = now or utcnow()
    if reminder.paused_at is not None:
        return []
    return scheduling.preview(
        reminder.start_date, reminder.start_time, reminder.tzid, reminder.rrule, now, count
    )


# --- participants' own nudges --------------------------------------------------------------------


def own_reminders(user: User) -> list[Reminder]:
    return list(
        db.session.scalars(
            select(Reminder)
            .where(Reminder.kind == ReminderKind.OWN, Reminder.created_by_id == user.id)
            .order_by(Reminder.id)
        )
    )


def find_own(user: User, reminder_id: int) -> Reminder | None:
    return db.session.scalar(
        select(Reminder).where(
            Reminder.id == reminder_id,
            Reminder.kind == ReminderKind.OWN,
            Reminder.created_by_id == user.id,
        )
    )


def steps_to_remind(user: User, today: date) -> list[Step]:
    """My open steps with a day after today: the ones a nudge the day before can be for."""
    return list(
        db.session.scalars(
            select(Step)
            .join(Goal, Goal.id == Step.goal_id)
            .where(
                Step.owner_id == user.id,
                Goal.owner_id == user.id,
                Step.done_at.is_(None),
                Step.day > today,
            )
            .order_by(Step.day, Step.id)
        )
    )


def save_own(user: User, data: dict, now: datetime | None = None) -> Reminder:
    """A journal nudge on chosen days at a time, or a step nudge the day before at a time."""
    now = now or utcnow()
    reminder = Reminder(kind=ReminderKind.OWN, created_by_id=user.id)
    reminder.tzid = user.timezone or scheduling.DEFAULT_ZONE
    reminder.start_time = data["at"]
    if data["what"] == "step":
        step = data["step"]
        reminder.template, reminder.step_id = "step", step.id
        reminder.start_date = step.day - timedelta(days=1)
        reminder.rrule = ""
    else:
        reminder.template = "journal"
        reminder.start_date = now.astimezone(scheduling.zone(reminder.tzid)).date()
        reminder.rrule = scheduling.weekly_rule(data["days"])
    db.session.add(reminder)
    db.session.flush()
    scheduling.set_next_run(reminder, now)
    return reminder


def describe_days(rule: str) -> list[str]:
    return scheduling.rule_days(rule)


DEFAULT_OWN_TIME = time(20, 0)
DEFAULT_STEP_TIME = time(17, 0)
