"""The inbox room: notifications for everyone, the mentor's inbox, mentor links, strength words."""

from flask import Blueprint

bp = Blueprint("inbox", __name__)

from webapp.blueprints.inbox import api, routes  # noqa: E402, F401
