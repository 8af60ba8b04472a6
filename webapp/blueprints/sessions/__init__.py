"""The sessions room: a group's programme of meetings, the live session (join, the counsellor's
control view, the big screen, the phones' live view and its polling API), dilemmas with their
three solutions, and what lands in the journal afterwards."""

from flask import Blueprint

bp = Blueprint("sessions", __name__)

from webapp.blueprints.sessions import dilemmas, dilemmas_api, live, live_api, plan  # noqa: E402, F401
