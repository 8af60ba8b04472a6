"""Every page, for every kind of user, passes axe-core (WCAG 2.1 A and AA) in light and dark mode
and with large text, and fits a 320 px wide screen without sideways scrolling.

Pages are visited the way people reach them, including the states after a button press: an
error after a bad submit, a fresh reset code, a new mentor link.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import pytest

from .helpers import (
    as_json,
    axe_violations,
    choose_large_text,
    faint_icons,
    log_in,
    path_of,
    submit,
)

FOURTEEN = str(date.today().year - 14)  # under the sign-up age: a guardian must agree


@dataclass(frozen=True)
class Visit:
    name: str
    go: Callable  # (page, live_server) -> None, leaves the page in the state to check


def opened(path: str, status: int = 200) -> Visit:
    def go(page, server):
        response = page.goto(server.url + path.format(group_id=server.group_id))
        assert response.status == status, f"{path}: {response.status} at {page.url}"
        assert path_of(page.url) == path.format(group_id=server.group_id), page.url

    return Visit(path, go)


def after_submit(name: str, path: str, button: str, status: int, fill: dict | None = None):
    def go(page, server):
        page.goto(server.url + path.format(group_id=server.group_id))
        for selector, value in (fill or {}).items():
            page.fill(selector, value)
        response = submit(page, button)
        assert response.status == status, f"{name}: {response.status} at {page.url}"

    return Visit(name, go)


def me_with_push(page, server):
    """The Me page with two devices that get notifications (one turned off), and the card that
    asks about notifications as it shows after a few visits."""
    from sqlalchemy import delete, insert, select

    from webapp.extensions import db
    from webapp.models import PushSubscription, User

    with server.app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "deltaker1"))
        db.session.execute(delete(PushSubscription).where(PushSubscription.user_id == user_id))
        db.session.execute(
            insert(PushSubscription),
            [
                {
                    "user_id": user_id,
                    "endpoint": f"https://fcm.googleapis.com/fcm/send/axe-{i}",
                    "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1X"
                    "bjhazAkj7I99e8QcYP7DkM",
                    "auth": "tBHItJI5svbpez7KI4CCXg",
                    "label": label,
                    "enabled": i == 0,
                }
                for i, label in enumerate(["Chrome · Android", "Firefox · Windows"])
            ],
        )
        db.session.commit()
    page.goto(server.url + "/me")
    page.evaluate(
        "localStorage.setItem('stegvis.push.visits', '10'); "
        "localStorage.removeItem('stegvis.push.later')"
    )
    page.reload()
    page.wait_for_selector("[data-push-card]:not([hidden])")


def own_nudge_without_days(page, server):
    """The notification settings after asking for a journal reminder on no day at all."""
    page.goto(server.url + "/me/notifications")
    page.click("details.nudge-new > summary")
    for box in page.query_selector_all("details.nudge-new input[name=days]"):
        box.uncheck()
    response = submit(page, "details.nudge-new button[type=submit]")
    assert response.status == 400, page.url


def edit_first_reminder(page, server):
    """The counsellor's edit page of the reminder seed-demo makes, reached from the list."""
    page.goto(server.url + "/reminders")
    with page.expect_navigation() as nav:
        page.click(".reminder-card a[href^='/reminders/'] >> nth=0")
    assert nav.value.status == 200, page.url


_JOURNAL: dict[str, dict] = {}  # per live server: ids of the goal, step and entry made below


def journal_data(page, server) -> dict:
    """A goal with two steps (one done) and an entry with an earlier version, made once through
    the JSON API with the logged-in participant's cookies, so the pages have something to show."""
    if server.url in _JOURNAL:
        return _JOURNAL[server.url]
    api = server.url + "/api/v1"
    token = page.request.get(api + "/session").json()["csrf_token"]
    headers = {"X-CSRF-Token": token}

    def send(method, url, data):
        response = page.request.fetch(api + url, method=method, data=data, headers=headers)
        assert response.ok, (url, response.status, response.text())
        return response.json()

    goal = send(
        "POST",
        "/goals",
        {
            "client_id": str(uuid.uuid4()),
            "title": "Find out about a course",
            "theme": "school",
            "why": "I want to learn something new.",
        },
    )
    steps = [
        send("POST", f"/goals/{goal['id']}/steps", {"client_id": str(uuid.uuid4()), "title": title})
        for title in ("Look at the course website", "Ask about the dates")
    ]
    send("PATCH", f"/steps/{steps[0]['id']}", {"done": True})
    entry = send(
        "POST",
        "/entries",
        {
            "client_id": str(uuid.uuid4()),
            "mood": 4,
            "text": "I asked about the course today.",
            "goal_ref": str(goal["id"]),
        },
    )
    send(
        "PATCH",
        f"/entries/{entry['id']}",
        {
            "text": "I asked about the course. It starts in March.",
            "based_on": "2000-01-01T00:00:00+00:00",
        },
    )
    _JOURNAL[server.url] = {"goal": goal["id"], "step": steps[0]["id"], "entry": entry["id"]}
    return _JOURNAL[server.url]


def journal_page(name: str, path: str) -> Visit:
    """A journal page; {goal}, {step} and {entry} in the path are the ids made above."""

    def go(page, server):
        url = path.format(**journal_data(page, server))
        response = page.goto(server.url + url)
        assert response.status == 200, f"{url}: {response.status} at {page.url}"

    return Visit(name, go)


def first_mentor_link(name: str) -> Visit:
    """The page of the first mentor link the logged-in person can see (seed-demo makes one)."""

    def go(page, server):
        links = page.request.get(server.url + "/api/v1/mentor-links").json()
        assert links, "seed-demo should link Mentor Mo and Deltaker 1"
        response = page.goto(f"{server.url}/mentor-links/{links[-1]['id']}")
        assert response.status == 200, f"{name}: {response.status} at {page.url}"

    return Visit(name, go)


def retention_after_a_purge(page, server):
    """The retention settings with a recent clean-up in the list (counts only)."""
    from webapp.services import retention

    with server.app.app_context():
        retention.purge(trigger="command")
    response = page.goto(server.url + "/admin/retention")
    assert response.status == 200, page.url


def my_export(state: str) -> Visit:
    """/me/export as it first looks (no file yet), while the file is being made (after the
    button), and when it is ready (the test plays the worker)."""

    def go(page, server):
        from sqlalchemy import delete, select

        from webapp.extensions import db
        from webapp.models import DataExport, User
        from webapp.services import exports

        with server.app.app_context():
            user_id = db.session.scalar(select(User.id).where(User.username == "deltaker1"))
            if state == "start":
                db.session.execute(delete(DataExport).where(DataExport.user_id == user_id))
                db.session.commit()
        page.goto(server.url + "/me/export")
        if state == "waiting":
            response = submit(page, "[data-export-start]")
            assert response.status == 200 and page.is_visible("progress")
        if state == "ready":
            with server.app.app_context():
                exports.claim_and_build()
                db.session.remove()
            page.reload()
            assert page.is_visible("[data-export-download]")

    return Visit(f"/me/export ({state})", go)


def my_access_log(page, server):
    """The access log with every kind of line: the demo mentor's view of a shared goal, a
    password code the counsellor made, and a guardian's consent the counsellor wrote down."""
    from sqlalchemy import select

    from webapp.extensions import db
    from webapp.models import GuardianConsent, User
    from webapp.services import invites

    with server.app.app_context():
        me = db.session.scalar(select(User).where(User.username == "deltaker1"))
        vera = db.session.scalar(select(User).where(User.username == "veileder1"))
        if db.session.scalar(select(GuardianConsent.id).where(GuardianConsent.user_id == me.id)):
            return opened("/me/access-log").go(page, server)
        invites.issue_reset_code(me, vera, tell=False)
        db.session.add(
            GuardianConsent(
                user_id=me.id,
                guardian_name="Hanne Berg",
                given_on=date.today(),
                recorded_by_id=vera.id,
            )
        )
        db.session.commit()
    opened("/me/access-log").go(page, server)


def add_a_participant(page, server):
    """The page after adding a participant: the one-time code to hand over."""
    page.goto(f"{server.url}/groups/{server.group_id}/members/new")
    page.fill("#f-display_name", "Ny deltaker")
    page.fill("#f-username", f"ny-{uuid.uuid4().hex[:8]}")
    page.fill("#f-birth_year", "2008")
    response = submit(page, "main form button[type=submit]")
    assert response.status == 200 and page.is_visible("main .code"), page.inner_text("main")


def link_a_mentor_page(page, server):
    """The counsellor's "Link a mentor" page, reached from the group's member list."""
    page.goto(f"{server.url}/groups/{server.group_id}")
    with page.expect_navigation() as nav:
        page.click("a[href^='/mentor-links/new'] >> nth=0")
    assert nav.value.status == 200, page.url


def demo_share(name: str, then: str | None = None, status: int = 200) -> Visit:
    """The page of the entry seed-demo shares in the demo group; with `then`, after pressing
    that button (e.g. sending an empty reply)."""

    def go(page, server):
        from sqlalchemy import select

        from webapp.extensions import db
        from webapp.models import Entry, Share

        with server.app.app_context():
            share_id = db.session.scalar(
                select(Share.id).join(Entry).where(Entry.client_id == "demo-shared-entry")
            )
        response = page.goto(f"{server.url}/shares/{share_id}")
        if then:
            response = submit(page, then)
        assert response.status == status, f"{name}: {response.status} at {page.url}"

    return Visit(name, go)


def my_shares_page(page, server):
    """ "What I share" after sharing the journal entry made above with the group (by the API)."""
    ids = journal_data(page, server)
    token = page.request.get(server.url + "/api/v1/session").json()["csrf_token"]
    shared = page.request.post(
        server.url + "/api/v1/shares",
        data={"kind": "entry", "item_id": ids["entry"], "audience": f"group:{server.group_id}"},
        headers={"X-CSRF-Token": token},
    )
    assert shared.ok, shared.text()
    assert page.goto(server.url + "/shares").status == 200


def privacy_changes_to_read(page, server):
    """The changes page as someone sees it who has not read the notice yet (their record is
    taken away here; the next visit, privacy_read, puts it back by pressing the button)."""
    from sqlalchemy import delete, select

    from webapp.extensions import db
    from webapp.models import PrivacyAcknowledgement, User

    with server.app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "deltaker1"))
        db.session.execute(
            delete(PrivacyAcknowledgement).where(PrivacyAcknowledgement.user_id == user_id)
        )
        db.session.commit()
    response = page.goto(server.url + "/privacy/changes?next=/journal")
    assert response.status == 200 and page.is_visible("form[action='/privacy/acknowledge']")


def privacy_read(page, server):
    """ "I have read it" on the changes page leads on to where the person was going."""
    response = submit(page, "form[action='/privacy/acknowledge'] button[type=submit]")
    assert response.status == 200 and path_of(page.url) == "/journal", page.url


ANONYMOUS = [
    opened("/login"),
    after_submit(
        "/login with a wrong password",
        "/login",
        "main form button[type=submit]",
        400,
        {"#f-username": "nobody-by-that-name", "#f-password": "not the right one"},
    ),
    opened("/signup"),
    after_submit("/signup with errors", "/signup", "main form button[type=submit]", 400),
    opened("/reset"),
    after_submit("/reset with errors", "/reset", "main form button[type=submit]", 400),
    opened("/offline"),
    opened("/no-such-page", 404),
    opened("/mentor/not-a-real-token", 404),
    opened("/privacy"),
    opened("/accessibility"),
    opened("/goodbye"),
]

PARTICIPANT = [
    opened("/"),
    opened("/journal"),
    after_submit(
        "/journal after writing too much",
        "/journal",
        "#write form button[type=submit]",
        400,
        {"#f-text": "So much to say. " * 320},
    ),
    journal_page("/journal with entries", "/journal"),
    journal_page("/journal with a prompt", "/journal?prompt=Something+that+went+well"),
    journal_page("/journal/entries/<id>", "/journal/entries/{entry}"),
    opened("/journal/goals"),
    opened("/journal/goals/new"),
    journal_page("/journal/goals/new from a suggestion", "/journal/goals/new?suggestion=0"),
    after_submit(
        "/journal/goals/new with errors",
        "/journal/goals/new",
        'form[action="/journal/goals"] button[type=submit]',
        400,
        {"#f-title": ""},
    ),
    journal_page("/journal/goals/<id>", "/journal/goals/{goal}"),
    journal_page("/journal/steps/<id>", "/journal/steps/{step}"),
    journal_page(
        "/journal/goals/<id> just after ticking a step", "/journal/goals/{goal}?ticked={step}"
    ),
    journal_page("/journal/look-back (week)", "/journal/look-back"),
    journal_page("/journal/look-back (month)", "/journal/look-back?view=month"),
    opened("/inbox"),
    first_mentor_link("/mentor-links/<id> (participant)"),
    opened("/me/strengths"),
    Visit("/me/access-log", my_access_log),
    my_export("start"),
    my_export("waiting"),
    my_export("ready"),
    opened("/me/delete"),
    after_submit(  # without a password: nothing is deleted, nothing counts as a wrong try
        "/me/delete without the password", "/me/delete", "main form button[type=submit]", 400
    ),
    opened("/group"),
    journal_page("/share/entry/<id> (the share sheet)", "/share/entry/{entry}"),
    journal_page("/share/goal/<id> (the share sheet)", "/share/goal/{goal}"),
    Visit("/shares (What I share)", my_shares_page),
    opened("/groups/{group_id}/feed"),
    demo_share("/shares/<id> (someone else's shared entry)"),
    demo_share(
        "/shares/<id> after sending an empty reply", "form.reply-form button[type=submit]", 400
    ),
    opened("/join"),
    after_submit(
        "/join with a wrong code",
        "/join",
        "main form button[type=submit]",
        400,
        {"#f-code": "ZZZZZZ"},
    ),
    opened("/me"),
    Visit("/me with devices that get notifications and the notifications card", me_with_push),
    opened("/me/notifications"),
    opened("/privacy"),
    opened("/privacy/changes"),
    Visit("/privacy/changes (not read yet)", privacy_changes_to_read),
    Visit("/privacy/changes, then I have read it", privacy_read),
    Visit("/me/notifications after a reminder without days", own_nudge_without_days),
]

COUNSELLOR = [
    opened("/groups"),
    opened("/admin/retention"),
    after_submit(
        "/groups after a failed create-group submit",
        "/groups",
        'form[action="/groups"] button[type=submit]',
        400,
    ),
    after_submit(
        "/groups after making a mentor invite link",
        "/groups",
        'form[action="/groups/mentor-invites"] button[type=submit]',
        200,
    ),
    opened("/groups/{group_id}"),
    opened("/groups/{group_id}/members/new"),
    after_submit(
        "/groups/<id>/members/new for a 14-year-old without a guardian's consent",
        "/groups/{group_id}/members/new",
        "main form button[type=submit]",
        400,
        {"#f-display_name": "Ung", "#f-username": "ung-uten-samtykke", "#f-birth_year": FOURTEEN},
    ),
    Visit("/groups/<id>/members/new after adding someone (the code)", add_a_participant),
    after_submit(
        "/groups/<id> after pressing Reset code",
        "/groups/{group_id}",
        'form[action*="/reset-code/"] button[type=submit] >> nth=0',
        200,
    ),
    opened("/inbox"),
    opened("/groups/{group_id}/feed"),
    demo_share("/shares/<id> (a counsellor of the group)"),
    Visit("/mentor-links/new (Link a mentor)", link_a_mentor_page),
    first_mentor_link("/mentor-links/<id> (counsellor)"),
    opened("/me"),
    opened("/me/delete"),  # the only counsellor of the demo group: asked to hand it over
    opened("/reminders"),
    opened("/reminders/new"),
    after_submit(
        "/reminders/new with the next five times",
        "/reminders/new",
        "button[value=preview]",
        200,
        {"#f-text": "Remember your CV tomorrow"},
    ),
    after_submit("/reminders/new with errors", "/reminders/new", "button[value=save]", 400),
    Visit("/reminders/<id> (edit the demo reminder)", edit_first_reminder),
]

ADMIN = [
    opened("/admin"),
    Visit("/admin/retention (after a purge)", retention_after_a_purge),
    after_submit(
        "/admin/retention after a failed save",
        "/admin/retention",
        'form[action^="/admin/retention/"] button[type=submit] >> nth=0',
        400,
        {"input[name=warn_days] >> nth=0": "2"},
    ),
    after_submit(
        "/admin after a failed create-office submit",
        "/admin",
        'form[action="/admin/offices"] button[type=submit]',
        400,
    ),
    after_submit(
        "/admin after a failed create-counsellor submit",
        "/admin",
        'form[action="/admin/counsellors"] button[type=submit]',
        400,
    ),
    after_submit(
        "/admin after making a reset code",
        "/admin",
        'form[action*="/reset-code"] button[type=submit] >> nth=0',
        200,
    ),
    opened("/inbox"),
    opened("/me"),
]

MENTOR = [
    opened("/"),
    opened("/mentor"),
    opened("/privacy"),
    opened("/inbox"),
    first_mentor_link("/mentor-links/<id> (mentor)"),
    opened("/group"),
    opened("/me"),
]

ROLES = {
    "anonymous": (None, ANONYMOUS),
    "participant": ("deltaker1", PARTICIPANT),
    "counsellor": ("veileder1", COUNSELLOR),
    "admin": ("admin", ADMIN),
    "mentor": ("mentor1", MENTOR),
}


def as_role(page, server, role: str) -> list[Visit]:
    username, visits = ROLES[role]
    if username:
        log_in(page, server.url, username)
    return visits


def prefer_large_text(page, context, server, role: str) -> None:
    if ROLES[role][0]:
        choose_large_text(page, server.url)
    else:  # no account to keep it on: the same cookie the text-size form sets
        context.add_cookies([{"name": "stegvis_text", "value": "large", "url": server.url}])


def test_axe_finds_problems_when_there_are_some(page, live_server, axe_source):
    """Guards the checks below: a page with a known fault must not come out clean."""
    page.goto(live_server.url + "/login")
    page.evaluate("document.querySelector('label[for=f-username]').remove()")
    assert "label" in {v["id"] for v in axe_violations(page, axe_source)}


@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe_in_light_and_dark_mode_with_normal_and_large_text(
    page, context, live_server, axe_source, role
):
    page.emulate_media(reduced_motion="reduce")  # colours switch at once, no transition to wait
    visits = as_role(page, live_server, role)
    found = {}
    for text in ("normal", "large"):
        if text == "large":
            prefer_large_text(page, context, live_server, role)
        for visit in visits:
            page.emulate_media(color_scheme="light")
            visit.go(page, live_server)
            is_large = page.evaluate("document.documentElement.classList.contains('large-text')")
            assert is_large == (text == "large"), visit.name
            for scheme in ("light", "dark"):  # the same page, repainted: no need to load it again
                page.emulate_media(color_scheme=scheme)
                page.evaluate("Promise.all(document.getAnimations().map(a => a.finished))")
                violations = axe_violations(page, axe_source)
                if faint := faint_icons(page):
                    violations.append({"id": "icon-contrast (ours, WCAG 1.4.11)", "nodes": faint})
                if violations:
                    found[f"{visit.name} ({scheme}, {text} text)"] = violations
    assert not found, f"axe violations for {role}:\n{as_json(found)}"


@pytest.mark.parametrize("role", ROLES)
def test_every_page_is_readable_at_320_px_without_sideways_scrolling(
    page, context, live_server, role
):
    page.set_viewport_size({"width": 320, "height": 640})
    visits = as_role(page, live_server, role)
    too_wide = {}
    for text in ("normal", "large"):
        if text == "large":
            prefer_large_text(page, context, live_server, role)
        for visit in visits:
            visit.go(page, live_server)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 320:
                too_wide[f"{visit.name} ({text} text)"] = width
    assert not too_wide, f"wider than 320 px (scrollWidth): {as_json(too_wide)}"
