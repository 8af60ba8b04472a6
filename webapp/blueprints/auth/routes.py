"""Pages for signing up, logging in and out."""

from urllib.parse import urlsplit

from flask import redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select

from webapp.blueprints.auth import bp
from webapp.blueprints.auth.schemas import (
    LoginSchema,
    MentorSignupSchema,
    ResetSchema,
    SignupSchema,
)
from webapp.extensions import db
from webapp.forms import validate
from webapp.headers import clear_this_device
from webapp.models import Role, User
from webapp.models.base import utcnow
from webapp.services import access, invites, logins, passwords, privacy_notice


def safe_next(target: str | None) -> str:
    """Only a path inside the app; anything else (other hosts, schemes, //evil) goes home."""
    if not target:
        return url_for("main.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("main.home")
    if "\\" in target:
        return url_for("main.home")
    return target


@bp.route("/login", methods=["GET", "POST"])
@access.public
def login():
    if current_user.is_authenticated and request.method == "GET":
        return redirect(safe_next(request.args.get("next")))
    errors, form = {}, {}
    if request.method == "POST":
        form = {"username": request.form.get("username", "")}
        data, errors = validate(LoginSchema(), request.form.to_dict())
        if not errors:
            user, reason = logins.authenticate(data["username"], data["password"])
            if user is None:
                db.session.commit()
                if reason == "throttled":
                    errors["form"] = _("Too many tries. Wait 15 minutes and try again.")
                else:
                    errors["form"] = _("That username and password do not match. Try again.")
                return render_template("auth/login.html", errors=errors, form=form), 400
            logins.start(user)
            db.session.commit()
            return redirect(safe_next(request.args.get("next")))
        return render_template("auth/login.html", errors=errors, form=form), 400
    return render_template("auth/login.html", errors=errors, form=form)


@bp.route("/signup", methods=["GET", "POST"])
@access.public
def signup():
    errors, form = {}, {}
    if request.method == "POST":
        form = {
            k: request.form.get(k, "")
            for k in ("username", "display_name", "birth_year", "privacy")
        }
        data, errors = validate(SignupSchema(), request.form.to_dict())
        if not errors:
            username = logins.normalise_username(data["username"])
            if db.session.scalar(select(User.id).where(User.username == username)):
                errors["username"] = _("That username is taken. Try another one.")
            else:
                user = User(
                    username=username,
                    display_name=data["display_name"].strip(),
                    password_hash=passwords.hash_password(data["password"]),
                    role=Role.PARTICIPANT,
                )
                db.session.add(user)
                db.session.flush()
                logins.start(user)
                privacy_notice.acknowledge(user)
                db.session.commit()
                return redirect(safe_next(request.args.get("next")))
        return render_template("auth/signup.html", errors=errors, form=form), 400
    return render_template("auth/signup.html", errors=errors, form=form)


@bp.route("/logout", methods=["POST"])
@access.logged_in
def logout():
    logins.end_current(current_user)
    db.session.commit()
    return clear_this_device(redirect(url_for("auth.login", bye=1)))


@bp.route("/reset", methods=["GET", "POST"])
@access.public
def reset():
    """Choose a new password with a one-time code handed over by a counsellor."""
    errors, form = {}, {}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("username", "code")}
        data, errors = validate(ResetSchema(), request.form.to_dict())
        if not errors:
            username = logins.normalise_username(data["username"])
            if logins.is_throttled(username):
                errors["form"] = _("Too many tries. Wait 15 minutes and try again.")
            elif invites.redeem_reset_code(username, data["code"], data["password"]) is None:
                logins.record_failure(username)
                errors["form"] = _(
                    "That code does not work. Check the username and the code, or ask your "
                    "counsellor for a new code."
                )
            else:
                db.session.commit()
                return redirect(url_for("auth.login", reset=1))
            db.session.commit()
        return render_template("auth/reset.html", errors=errors, form=form), 400
    return render_template("auth/reset.html", errors=errors, form=form)


@bp.route("/mentor/<token>", methods=["GET", "POST"])
@access.public
def mentor_signup(token: str):
    """A mentor creates an account from a single-use link a counsellor made."""
    invite = invites.open_mentor_invite(token)
    if invite is None:
        return render_template("auth/invite_gone.html"), 404
    errors, form = {}, {}
    if request.method == "POST":
        form = {k: request.form.get(k, "") for k in ("username", "display_name", "privacy")}
        data, errors = validate(MentorSignupSchema(), request.form.to_dict())
        if not errors:
            username = logins.normalise_username(data["username"])
            if db.session.scalar(select(User.id).where(User.username == username)):
                errors["username"] = _("That username is taken. Try another one.")
            else:
                user = User(
                    username=username,
                    display_name=data["display_name"].strip(),
                    password_hash=passwords.hash_password(data["password"]),
                    role=Role.MENTOR,
                    office_id=invite.office_id,
                )
                db.session.add(user)
                db.session.flush()
                invite.used_at = utcnow()
                invite.mentor_id = user.id
                logins.start(user)
                privacy_notice.acknowledge(user)
                db.session.commit()
                return redirect(url_for("main.home"))
        return render_template("auth/mentor_signup.html", errors=errors, form=form), 400
    return render_template("auth/mentor_signup.html", errors=errors, form=form)
