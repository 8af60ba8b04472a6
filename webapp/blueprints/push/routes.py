"""Pages: turn a device's notifications off or on again, or forget the device.

The list itself is a macro (templates/push/_devices.html) shown on the Me page and the
notification settings page.
"""

from flask import abort, flash, redirect, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from webapp.blueprints.auth.routes import safe_next
from webapp.blueprints.push import bp
from webapp.extensions import db
from webapp.models import PushSubscription
from webapp.services import access, push


@bp.record_once
def _template_globals(state) -> None:
    # {{ push_devices(push_devices_of(current_user)) }} anywhere (Me, notification settings).
    state.app.jinja_env.globals.update(push_devices_of=push.devices)


def _mine(device_id: int) -> PushSubscription:
    sub = db.session.get(PushSubscription, device_id)
    if sub is None or sub.user_id != current_user.id:
        abort(404)
    return sub


def _back():
    target = request.form.get("next")
    return redirect(safe_next(target) if target else url_for("me.index"))


@bp.post("/push/devices/<int:device_id>/off")
@access.logged_in
def device_off(device_id: int):
    _mine(device_id).enabled = False
    db.session.commit()
    flash(_("That device gets no notifications now."))
    return _back()


@bp.post("/push/devices/<int:device_id>/on")
@access.logged_in
def device_on(device_id: int):
    sub = _mine(device_id)
    sub.enabled = True
    sub.failure_count = 0
    db.session.commit()
    flash(_("That device gets notifications again."))
    return _back()


@bp.post("/push/devices/<int:device_id>/remove")
@access.logged_in
def device_remove(device_id: int):
    db.session.delete(_mine(device_id))
    db.session.commit()
    flash(_("That device is removed."))
    return _back()
