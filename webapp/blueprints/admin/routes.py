"""Admin pages. New counsellors get a one-time code instead of a password sent by mail."""

import secrets

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from webapp.blueprints.admin import bp
from webapp.blueprints.admin.schemas import CounsellorSchema, OfficeSchema
from webapp.extensions import db
from webapp.forms import validate
from webapp.models import Office, Role, User
from webapp.services import access, invites, logins, passwords, visibility

ADMIN = Role.ADMIN


def _page(status=200, **context):
    context.setdefault("errors", {})
    context.setdefault("form", {})
    context.setdefault("office_errors", {})
    context.setdefault("office_form", {})
    q = request.args.get("q", "").strip()
    query = visibility.users_resettable_by(current_user)
    if q:
        like = f"%{q.lower()}%"
        query = query.where(or_(User.username.like(like), User.display_name.ilike(like)))
    return render_template(
        "admin/index.html",
        offices=db.session.scalars(select(Office).order_by(Office.name)).all(),
        counsellors=db.session.scalars(
            select(User).where(User.role == Role.COUNSELLOR).order_by(User.display_name)
        ).all(),
        users=db.session.scalars(query.limit(50)).all(),
        q=q,
        **context,
    ), status


@bp.get("")
@access.role(ADMIN)
def index():
    return _page()


@bp.post("/offices")
@access.role(ADMIN)
def create_office():
    form = {k: request.form.get(k, "") for k in ("name", "municipality")}
    data, errors = validate(OfficeSchema(), form)
    name = data.get("name", "").strip()
    if not errors and db.session.scalar(select(Office.id).where(Office.name == name)):
        errors["name"] = _("An office with that name exists already.")
    if errors:
        return _page(400, office_errors=errors, office_form=form)
    db.session.add(Office(name=name, municipality=data["municipality"].strip()))
    db.session.commit()
    flash(_("Office %(name)s is created.", name=name))
    return redirect(url_for("admin.index"))


@bp.post("/counsellors")
@access.role(ADMIN)
def create_counsellor():
    form = {k: request.form.get(k, "") for k in ("username", "display_name", "office_id")}
    data, errors = validate(CounsellorSchema(), form)
    if not errors:
        username = logins.normalise_username(data["username"])
        if db.session.get(Office, data["office_id"]) is None:
            errors["office_id"] = _("Choose an office.")
        elif db.session.scalar(select(User.id).where(User.username == username)):
            errors["username"] = _("That username is taken. Try another one.")
    if errors:
        return _page(400, errors=errors, form=form)
    # No password is known to anyone: the counsellor sets one with the code.
    user = User(
        username=username,
        display_name=data["display_name"].strip(),
        role=Role.COUNSELLOR,
        office_id=data["office_id"],
        password_hash=passwords.hash_password(secrets.token_urlsafe(32)),
    )
    db.session.add(user)
    db.session.flush()
    code = invites.issue_reset_code(user, current_user, tell=False)  # a new account
    db.session.commit()
    return _page(reset={"user": user, "code": code})


@bp.post("/users/<int:user_id>/reset-code")
@access.role(ADMIN)
def reset_code(user_id: int):
    user = db.session.scalar(visibility.users_resettable_by(current_user).where(User.id == user_id))
    if user is None:
        abort(404)
    code = invites.issue_reset_code(user, current_user)
    db.session.commit()
    return _page(reset={"user": user, "code": code})
