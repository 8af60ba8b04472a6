"""Sharing by choice: the share sheet, "What I share", the shared item's page, the group feed,
and their JSON API."""

from flask import Blueprint

bp = Blueprint("sharing", __name__)

from webapp.blueprints.sharing import api, routes  # noqa: E402, F401
