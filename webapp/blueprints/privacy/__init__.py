"""The privacy notice, its acknowledgement (and the gate that asks for it), and the
accessibility statement."""

from flask import Blueprint

bp = Blueprint("privacy", __name__)

from webapp.blueprints.privacy import api, routes  # noqa: E402, F401
