"""The programme pages in a real browser on a 390 px phone: axe-clean in light and dark mode and
with large text, no sideways scrolling at 320 px, and screenshots to look at (/tmp/shots/plan-*).

seed-demo gives the demo group the Øygarden programme with its first session tomorrow."""

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from .helpers import as_json, axe_violations, choose_large_text, log_in, submit

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))


def first_session_id(server) -> int:
    """The demo programme's first session (other tests add sessions of their own)."""
    from webapp.extensions import db
    from webapp.models import GroupSession

    with server.app.app_context():
        return db.session.scalar(
            select(GroupSession.id)
            .where(GroupSession.group_id == server.group_id, GroupSession.template_key != "")
            .order_by(GroupSession.number, GroupSession.id)
            .limit(1)
        )


def opened(path: str):
    def go(page, server):
        response = page.goto(
            server.url + path.format(g=server.group_id, s=first_session_id(server))
        )
        assert response.status == 200, (path, response.status, page.url)

    return go


def home(page, server):
    """Home with the next-session card (the first-run tour put away, as a person would)."""
    page.goto(server.url + "/")
    skip = page.locator("form[data-tour-finish] button[type=submit]")
    if skip.count() and skip.first.is_visible():
        skip.first.click()
        page.wait_for_load_state()
        page.goto(server.url + "/")
    assert page.locator("#next-session-" + str(first_session_id(server))).count() == 1


def open_plan_form(page):
    """With sessions planned already, the form to plan more is folded away."""
    if page.locator("details#plan:not([open])").count():
        page.click("details#plan > summary")


def programme_preview(page, server):
    page.goto(f"{server.url}/groups/{server.group_id}/programme")
    open_plan_form(page)
    response = submit(page, "form[action$='/programme'] button[value=preview]")
    assert response.status == 200
    assert page.locator("#h-preview").count() == 1


def programme_without_days(page, server):
    page.goto(f"{server.url}/groups/{server.group_id}/programme")
    open_plan_form(page)
    for box in page.query_selector_all("form[action$='/programme'] input[name=days]"):
        box.uncheck()
    response = submit(page, "form[action$='/programme'] button[value=preview]")
    assert response.status == 400


def live_session(page, server):
    """The first session, live: its page and home offer a big Join."""
    from webapp.extensions import db
    from webapp.models import GroupSession, SessionStatus
    from webapp.models.base import utcnow

    session_id = first_session_id(server)
    with server.app.app_context():
        row = db.session.get(GroupSession, session_id)
        if row.status != SessionStatus.LIVE:
            row.status, row.started_at, row.join_code = SessionStatus.LIVE, utcnow(), "PLANE2E"
            db.session.commit()
    response = page.goto(f"{server.url}/sessions/{session_id}")
    assert response.status == 200
    assert page.locator("#h-live").count() == 1


PAGES = {
    "deltaker1": [
        ("home", home),
        ("sessions", opened("/sessions")),
        ("session", opened("/sessions/{s}")),
        ("group", opened("/group")),
        ("session-live", live_session),
        ("home-live", opened("/")),
    ],
    "veileder1": [
        ("counsellor-group", opened("/groups/{g}")),
        ("programme", opened("/groups/{g}/programme")),
        ("programme-preview", programme_preview),
        ("programme-error", programme_without_days),
        ("counsellor-session", opened("/sessions/{s}")),
        ("edit", opened("/sessions/{s}/edit")),
        ("counsellor-sessions", opened("/sessions")),
    ],
}


@pytest.mark.parametrize("username", PAGES)
def test_programme_pages_pass_axe_and_look_right_on_a_phone(
    page, live_server, axe_source, username
):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.emulate_media(reduced_motion="reduce")
    log_in(page, live_server.url, username)
    found = {}
    for text in ("normal", "large"):
        if text == "large":
            choose_large_text(page, live_server.url)
        for name, go in PAGES[username]:
            page.emulate_media(color_scheme="light")
            go(page, live_server)
            for scheme in ("light", "dark"):
                page.emulate_media(color_scheme=scheme)
                page.evaluate("Promise.all(document.getAnimations().map(a => a.finished))")
                if violations := axe_violations(page, axe_source):
                    found[f"{name} ({scheme}, {text} text)"] = violations
                suffix = "" if (scheme, text) == ("light", "normal") else f"-{scheme}-{text}"
                if text == "normal" or scheme == "light":
                    page.screenshot(path=str(SHOTS / f"plan-{name}{suffix}.png"), full_page=True)
    assert not found, as_json(found)


@pytest.mark.parametrize("username", PAGES)
def test_programme_pages_fit_320_px(page, live_server, username):
    page.set_viewport_size({"width": 320, "height": 640})
    log_in(page, live_server.url, username)
    too_wide = {}
    for name, go in PAGES[username]:
        go(page, live_server)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > 320:
            too_wide[name] = width
    assert not too_wide, too_wide
