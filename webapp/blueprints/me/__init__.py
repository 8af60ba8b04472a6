"""The 'Me' tab: language, text size, devices and logging out."""

from flask import Blueprint

bp = Blueprint("me", __name__, url_prefix="/me")

from webapp.blueprints.me import routes  # noqa: E402, F401
