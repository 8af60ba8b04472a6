"""The JSON API under /api/v1: JSON in, JSON out, JSON errors."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from webapp.blueprints.api import errors, exports, routes  # noqa: E402, F401
