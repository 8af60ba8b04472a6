"""Settings and the devices where the user is logged in."""

from flask import abort, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, logout_user

from webapp.blueprints.me import bp
from webapp.extensions import db
from webapp.headers import clear_this_device
from webapp.models import LoginSession
from webapp.services import access, logins


@bp.get("")
@access.logged_in
def index():
    devices = logins.active_devices(current_user)
    return render_template("me/index.html", devices=devices)


@bp.post("/devices/<int:device_id>/end")
@access.logged_in
def end_device(device_id: int):
    if device_id not in {d.id for d in logins.active_devices(current_user)}:
        abort(404)
    logins.end_where(LoginSession.id == device_id, LoginSession.user_id == current_user.id)
    db.session.commit()
    if device_id == current_user.current_login_id:
        logout_user()
        session.clear()
        return clear_this_device(redirect(url_for("auth.login", bye=1)))
    flash(_("That device is logged out."))
    return redirect(url_for("me.index"))


@bp.post("/devices/end-all")
@access.logged_in
def end_all_devices():
    logins.end_where(LoginSession.user_id == current_user.id)
    db.session.commit()
    logout_user()
    session.clear()
    return clear_this_device(redirect(url_for("auth.login", bye=1)))
