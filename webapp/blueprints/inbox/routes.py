"""Pages of the inbox room."""

from flask import render_template
from flask_babel import gettext as _

from webapp.blueprints.inbox import bp
from webapp.services import access


@bp.get("/inbox")
@access.logged_in
def index():
    return render_template(
        "main/coming.html",
        title=_("Inbox"),
        icon_name="inbox",
        text=_("Soon replies, reactions and strength words from your group and mentor land here."),
    )
