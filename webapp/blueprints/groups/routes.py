"""Groups: participants join with a code or a QR link; counsellors create and lead them."""

from datetime import date
from functools import partial

from flask import (
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from webapp.blueprints.groups import bp
from webapp.blueprints.groups.schemas import AddMemberSchema, GroupSchema, MentorInviteSchema
from webapp.extensions import db
from webapp.forms import validate
from webapp.models import Group, Membership, Office, Role
from webapp.models.base import utcnow
from webapp.services import access, groups, invites, logins, members, mentoring, visibility

COUNSELLOR = Role.COUNSELLOR


@bp.get("/group")
@access.logged_in
def mine():
    my_groups = db.session.scalars(visibility.groups_visible_to(current_user)).all()
    members = {
        g.id: db.session.scalars(visibility.members_visible_to(current_user, g)).all()
        for g in my_groups
    }
    return render_template("groups/mine.html", groups=my_groups, members=members)


@bp.route("/join", methods=["GET", "POST"])
@access.logged_in
def join():
    errors, code = {}, request.values.get("code", "")
    if request.method == "POST":
        if logins.codes_throttled(current_user):
            errors["code"] = _("Too many tries. Wait a little and try again.")
            return render_template("groups/join.html", errors=errors, code=code), 429
        group = groups.find_open_by_code(code)
        if group is None:
            logins.record_code_failure(current_user)
            db.session.commit()
            errors["code"] = _("We did not find a group with that code. Check it and try again.")
            return render_template("groups/join.html", errors=errors, code=code), 400
        groups.join(current_user, group)
        db.session.commit()
        flash(_("Welcome to %(group)s!", group=group.name))
        return redirect(url_for("groups.mine"))
    return render_template("groups/join.html", errors=errors, code=code)


@bp.get("/join/<code>")
@access.public
def join_link(code: str):
    if not current_user.is_authenticated:
        return redirect(url_for("auth.signup", next=url_for("groups.join", code=code)))
    return redirect(url_for("groups.join", code=code))


# --- counsellors ------------------------------------------------------------------------------


def _managed(group_id: int) -> Group:
    group = db.session.scalar(visibility.group_managed_by(current_user, group_id))
    if group is None:
        abort(404)
    return group


def _offices() -> list[Office]:
    return list(db.session.scalars(select(Office).order_by(Office.name)))


def _manage_page(errors=None, form=None, status=200, invite_link=None, invite_errors=None, note=""):
    led = db.session.scalars(visibility.groups_managed_by(current_user)).all()
    return render_template(
        "groups/manage.html",
        groups=led,
        offices=_offices(),
        errors=errors or {},
        form=form or {"office_id": str(current_user.office_id or "")},
        invites=invites.mentor_invites_by(current_user),
        invite_link=invite_link,
        invite_errors=invite_errors or {},
        note=note,
        now=utcnow(),
    ), status


@bp.get("/groups")
@access.role(COUNSELLOR)
def manage():
    return _manage_page()


@bp.post("/groups")
@access.role(COUNSELLOR)
def create():
    form = {k: request.form.get(k, "") for k in ("name", "office_id", "start_date")}
    data, errors = validate(GroupSchema(), form)
    if not errors and db.session.get(Office, data["office_id"]) is None:
        errors["office_id"] = _("Choose an office.")
    if errors:
        return _manage_page(errors, form, 400)
    group = Group(
        name=data["name"].strip(),
        office_id=data["office_id"],
        start_date=data["start_date"],
        invite_code=groups.unused_code(),
    )
    db.session.add(group)
    db.session.flush()
    groups.join(current_user, group, Role.COUNSELLOR)
    db.session.commit()
    flash(_("The group is ready. Share the code or the QR code with the participants."))
    return redirect(url_for("groups.detail", group_id=group.id))


def _detail_page(group: Group, reset: dict | None = None):
    """The group's page: members, the invite code, link and QR, and a reset code just issued."""
    members = db.session.scalars(visibility.members_visible_to(current_user, group)).all()
    link = url_for("groups.join_link", code=group.invite_code, _external=True)
    return render_template(
        "groups/detail.html",
        group=group,
        members=members,
        link=link,
        qr=groups.qr_data_uri(link),
        reset=reset,
        mentor_links=mentoring.links_by_participant(current_user, group),
    )


@bp.get("/groups/<int:group_id>")
@access.role(COUNSELLOR)
def detail(group_id: int):
    group = _managed(group_id)
    return _detail_page(group)


ADD_FIELDS = ("display_name", "username", "birth_year", "guardian_name", "guardian_agreed_on")


def add_member_from(group: Group, data: dict):
    """Adds the participant from validated input; (Added, None) or (None, errors)."""
    username = logins.normalise_username(data["username"])
    taken = {"username": _("That username is taken. Try another one.")}
    if members.username_taken(username):
        return None, taken
    guardian = None
    if members.needs_guardian(data["birth_year"]):
        guardian = members.Guardian(data["guardian_name"], data["guardian_agreed_on"])
    try:
        added = members.add_participant(
            group,
            current_user,
            display_name=data["display_name"],
            username=username,
            guardian=guardian,
        )
    except members.UsernameTaken:
        return None, taken
    return added, None


@bp.route("/groups/<int:group_id>/members/new", methods=["GET", "POST"])
@access.role(COUNSELLOR)
def add_member(group_id: int):
    """A counsellor adds a participant (with a guardian's consent under the sign-up age) and
    gets a one-time code to hand over, shown this once."""
    group = _managed(group_id)
    page = partial(
        render_template,
        "groups/add_member.html",
        group=group,
        min_age=members.MIN_AGE,
        signup_age=current_app.config["SIGNUP_MIN_AGE"],
        today=date.today().isoformat(),
    )
    if request.method == "GET":
        return page(errors={}, form={})
    form = {k: request.form.get(k, "") for k in ADD_FIELDS}
    form["guardian_agreed"] = request.form.get("guardian_agreed", "")
    data, errors = validate(AddMemberSchema(), form)
    added = None
    if not errors:
        added, errors = add_member_from(group, data)
    if errors:
        return page(errors=errors, form=form), 400
    db.session.commit()
    response = make_response(page(errors={}, form={}, added=added))
    response.headers["Cache-Control"] = "no-store"  # the code is shown once, never kept
    return response


@bp.post("/groups/<int:group_id>/members/<int:membership_id>/remove")
@access.role(COUNSELLOR)
def remove_member(group_id: int, membership_id: int):
    group = _managed(group_id)
    membership = db.session.scalar(
        select(Membership).where(
            Membership.id == membership_id,
            Membership.group_id == group.id,
            Membership.role == Role.PARTICIPANT,
        )
    )
    if membership is None:
        abort(404)
    name = membership.user.display_name
    db.session.delete(membership)
    db.session.commit()
    flash(_("%(name)s is no longer in the group.", name=name))
    return redirect(url_for("groups.detail", group_id=group.id))


@bp.post("/groups/<int:group_id>/close")
@access.role(COUNSELLOR)
def close(group_id: int):
    group = _managed(group_id)
    if group.closed_at is None:
        group.closed_at = utcnow()
        db.session.commit()
    flash(_("The group is closed. Nobody new can join with its code."))
    return redirect(url_for("groups.detail", group_id=group.id))


@bp.post("/groups/<int:group_id>/reset-code/<int:user_id>")
@access.role(COUNSELLOR)
def reset_code(group_id: int, user_id: int):
    group = _managed(group_id)
    user = db.session.scalar(
        visibility.users_resettable_by(current_user).where(
            Membership.group_id == group.id, Membership.user_id == user_id
        )
    )
    if user is None:
        abort(404)
    code = invites.issue_reset_code(user, current_user)
    db.session.commit()
    return _detail_page(group, reset={"user": user, "code": code})


@bp.post("/groups/mentor-invites")
@access.role(COUNSELLOR)
def invite_mentor():
    data, errors = validate(MentorInviteSchema(), {"note": request.form.get("note", "")})
    if errors:
        return _manage_page(status=400, invite_errors=errors, note=request.form.get("note", ""))
    token = invites.new_mentor_invite(current_user, data["note"].strip())
    db.session.commit()
    return _manage_page(invite_link=url_for("auth.mentor_signup", token=token, _external=True))
