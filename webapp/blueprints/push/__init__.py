"""Web Push: the server key, a device's subscription, and the list of devices that get
notifications (with turning one off)."""

from flask import Blueprint

bp = Blueprint("push", __name__)

from webapp.blueprints.push import api, routes  # noqa: E402, F401
