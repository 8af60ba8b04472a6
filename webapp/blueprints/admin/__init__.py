"""Administration: offices, counsellor accounts and one-time password reset codes."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from webapp.blueprints.admin import retention, routes  # noqa: E402, F401
