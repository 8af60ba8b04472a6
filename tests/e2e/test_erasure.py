""" "Delete my account" on a phone: sign up, write an entry, delete the account with the password
typed again, land on the goodbye page logged out, and find that logging in no longer works and
that the entry is gone from the database."""

import uuid

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Entry, User

from .helpers import path_of, submit

SUBMIT = "main form button[type=submit]"


def test_a_person_deletes_their_account_and_cannot_log_in_after(page, live_server, private_text):
    base = live_server.url
    username = f"borte-{uuid.uuid4().hex[:8]}"
    password = "en stille kveld ved sjoen"
    words = private_text(f"Something only I should know ({uuid.uuid4().hex[:8]})")

    page.goto(base + "/signup")
    page.fill("#f-username", username)
    page.fill("#f-display_name", "Snart borte")
    page.fill("#f-password", password)
    page.fill("#f-birth_year", "2005")
    if page.locator("#f-privacy").count():
        page.check("#f-privacy")
    assert submit(page, SUBMIT).status == 200 and path_of(page.url) == "/"

    page.goto(base + "/journal")
    page.fill("#f-text", words)
    submit(page, "#write form button[type=submit]")
    assert words in page.inner_text("main")

    page.goto(base + "/me/delete")
    page.fill("#f-password", "not my password")
    wrong = submit(page, SUBMIT)
    assert wrong.status == 400 and path_of(page.url) == "/me/delete"
    assert page.get_attribute("#f-password", "aria-invalid") == "true"

    page.fill("#f-password", password)
    gone = submit(page, SUBMIT)
    assert gone.status == 200 and path_of(page.url) == "/goodbye"
    assert "Snart borte" not in page.inner_text("body")

    page.goto(base + "/journal")
    assert path_of(page.url) == "/login"  # logged out
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    assert submit(page, SUBMIT).status == 400 and path_of(page.url) == "/login"

    with live_server.app.app_context():
        assert db.session.scalar(select(User.id).where(User.username == username)) is None
        assert not db.session.scalar(
            select(func.count()).select_from(Entry).where(Entry.text == words)
        )
        db.session.remove()
