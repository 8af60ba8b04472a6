"""Joining a group and seeing one's groups."""

from flask import Blueprint

bp = Blueprint("groups", __name__)

from webapp.blueprints.groups import api, routes  # noqa: E402, F401
