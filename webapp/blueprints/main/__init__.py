"""Home, placeholders for what is coming, health checks and the installable-app shell."""

from flask import Blueprint

bp = Blueprint("main", __name__)

from webapp.blueprints.main import routes  # noqa: E402, F401
