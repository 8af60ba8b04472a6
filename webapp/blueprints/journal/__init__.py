"""The private goals journal: its pages and its JSON API (the phone's outbox syncs through it)."""

from flask import Blueprint

bp = Blueprint("journal", __name__)

from webapp.blueprints.journal import api, routes  # noqa: E402, F401
