"""The 'Me' tab: language, text size, devices and logging out; and the person's privacy: who
has seen their things, downloading their data, deleting their account."""

from flask import Blueprint

bp = Blueprint("me", __name__, url_prefix="/me")

from webapp.blueprints.me import access_log, erasure, export, routes  # noqa: E402, F401
