"""Built-in guidance: the first-run tour for each role, the help pages, and the counsellor's
guide to the group method and to each session's exercises."""

from flask import Blueprint

bp = Blueprint("help", __name__)

from webapp.blueprints.help import routes  # noqa: E402, F401
