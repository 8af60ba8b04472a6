"""The nudges room: a participant's notification settings and own nudges; a counsellor's
reminders for a group or chosen participants; the snooze a notification's button calls."""

from flask import Blueprint

bp = Blueprint("nudges", __name__)

from webapp.blueprints.nudges import api, routes  # noqa: E402, F401
