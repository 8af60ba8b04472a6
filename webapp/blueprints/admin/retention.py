"""Retention settings: how long each office keeps accounts and session boards, and what the
purges did (counts only). Admins change their office's rules (an admin without an office: every
office's); counsellors read the rules of their offices."""

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import or_, select

from webapp.blueprints.admin import bp
from webapp.blueprints.admin.schemas import RetentionSchema
from webapp.extensions import db
from webapp.forms import validate
from webapp.models import Group, Membership, Office, PurgeRun, Role, User
from webapp.services import access, retention

RUNS_SHOWN = 14
FIELDS = ("inactive_months", "warn_days", "board_days")


def offices_for(user: User) -> list[Office]:
    """The offices whose rules this person sees: an admin's own office (or every office for an
    admin of the whole installation); a counsellor's office and the offices of groups they lead."""
    query = select(Office).order_by(Office.name)
    if user.role == Role.ADMIN:
        if user.office_id is not None:
            query = query.where(Office.id == user.office_id)
    else:
        led = (
            select(Group.office_id)
            .join(Membership, Membership.group_id == Group.id)
            .where(Membership.user_id == user.id, Membership.role == Role.COUNSELLOR)
        )
        query = query.where(or_(Office.id == user.office_id, Office.id.in_(led)))
    return list(db.session.scalars(query))


def count_label(name: str, n: int) -> str:
    """One count of a purge run in words ("2 accounts deleted")."""
    words = {
        "warned": lambda: ngettext("%(num)s person warned", "%(num)s people warned", n),
        "accounts_deleted": lambda: ngettext(
            "%(num)s account deleted", "%(num)s accounts deleted", n
        ),
        "boards_archived": lambda: ngettext(
            "%(num)s group's session board removed", "%(num)s groups' session boards removed", n
        ),
        "dilemmas": lambda: ngettext("%(num)s dilemma", "%(num)s dilemmas", n),
        "dilemma_responses": lambda: ngettext("%(num)s response", "%(num)s responses", n),
        "attendances": lambda: ngettext(
            "%(num)s attendance record", "%(num)s attendance records", n
        ),
        "strength_rounds": lambda: ngettext(
            "%(num)s strength-word round", "%(num)s strength-word rounds", n
        ),
        "exports": lambda: ngettext("%(num)s data download", "%(num)s data downloads", n),
        "login_failures": lambda: ngettext("%(num)s failed login", "%(num)s failed logins", n),
        "login_sessions": lambda: ngettext("%(num)s old device", "%(num)s old devices", n),
        "reset_codes": lambda: ngettext("%(num)s password code", "%(num)s password codes", n),
        "deliveries": lambda: ngettext("%(num)s sent reminder", "%(num)s sent reminders", n),
        "notifications": lambda: ngettext("%(num)s read notice", "%(num)s read notices", n),
    }
    return words[name]() if name in words else f"{name}: {n}"


def _page(status: int = 200, errors: dict | None = None, form: dict | None = None, at=None):
    offices = offices_for(current_user)
    rules = retention.all_policies()
    runs = db.session.scalars(select(PurgeRun).order_by(PurgeRun.id.desc()).limit(RUNS_SHOWN))
    return render_template(
        "admin/retention.html",
        offices=offices,
        rules={o.id: rules.get(o.id) or retention.defaults() for o in offices},
        own={o.id for o in offices if o.id in rules},
        defaults=retention.defaults(),
        can_edit=current_user.role == Role.ADMIN,
        runs=[(run, retention.counts_of(run)) for run in runs],
        ranges={
            "inactive_months": retention.INACTIVE_MONTHS,
            "warn_days": retention.WARN_DAYS,
            "board_days": retention.BOARD_DAYS,
        },
        errors=errors or {},
        form=form or {},
        at=at,
        count_label=count_label,
    ), status


@bp.get("/retention", endpoint="retention")
@access.role(Role.ADMIN, Role.COUNSELLOR)
def retention_settings():
    return _page()


@bp.post("/retention/<int:office_id>")
@access.role(Role.ADMIN)
def save_retention(office_id: int):
    if office_id not in {o.id for o in offices_for(current_user)}:
        abort(404)
    form = {name: request.form.get(name, "").strip() for name in FIELDS}
    data, errors = validate(RetentionSchema(), form)
    if errors:
        return _page(400, errors=errors, form=form, at=office_id)
    retention.save_policy(office_id, current_user, **data)
    db.session.commit()
    flash(_("The retention rules are saved."))
    return redirect(url_for("admin.retention") + f"#office-{office_id}")
