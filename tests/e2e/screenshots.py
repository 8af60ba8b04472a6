"""Screenshots of the main screens at 390 px, light and dark, for people to look at.

Not part of the normal run (the file name does not start with test_). Run it on purpose:

    .venv/bin/pytest tests/e2e/screenshots.py            # writes /tmp/shots/*.png
    SHOTS_DIR=some/dir .venv/bin/pytest tests/e2e/screenshots.py
"""

import os
from pathlib import Path

import pytest

from .helpers import choose_large_text, log_in

SCREENS = [
    ("login", None, "/login"),
    ("signup", None, "/signup"),
    ("privacy", None, "/privacy"),
    ("accessibility", None, "/accessibility"),
    ("home-participant", "deltaker1", "/"),
    ("me", "deltaker1", "/me"),
    ("privacy-participant", "deltaker1", "/privacy"),
    ("privacy-changes", "deltaker1", "/privacy/changes"),
    ("access-log", "deltaker1", "/me/access-log"),
    ("export", "deltaker1", "/me/export"),
    ("delete-account", "deltaker1", "/me/delete"),
    ("group", "deltaker1", "/group"),
    ("counsellor-group", "veileder1", "/groups/{group_id}"),
    ("add-member", "veileder1", "/groups/{group_id}/members/new"),
    ("admin", "admin", "/admin"),
    ("retention", "admin", "/admin/retention"),
]


@pytest.mark.parametrize("scheme", ["light", "dark", "large-text"])
def test_take_screenshots(page, context, live_server, scheme):
    out = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))
    out.mkdir(parents=True, exist_ok=True)
    page.emulate_media(color_scheme="dark" if scheme == "dark" else "light")
    who = "nobody yet"
    for name, username, path in SCREENS:
        if username != who:
            context.clear_cookies()
            if scheme == "large-text":
                context.add_cookies(
                    [{"name": "stegvis_text", "value": "large", "url": live_server.url}]
                )
            if username:
                log_in(page, live_server.url, username)
                if scheme == "large-text":
                    choose_large_text(page, live_server.url)
            who = username
        page.goto(live_server.url + path.format(group_id=live_server.group_id))
        page.screenshot(path=str(out / f"{name}-{scheme}.png"), full_page=True)


# The offline journal: a goal whose ring moved with a tick made offline, and the "Not saved" list
# (a refused entry with a face, a tick on a step deleted elsewhere, a step for a goal that is gone).
NOT_SAVED = """async () => {
  const user = document.querySelector("[data-outbox-badge]").dataset.user;
  const items = [
    {kind: "entry-create", method: "POST", url: "/api/v1/entries", body: {
      client_id: crypto.randomUUID(), mood: 4,
      text: "Var på intervju i dag. Jeg var nervøs, men det gikk bedre enn jeg trodde."
        + "\\nSkal ringe dem på fredag."}},
    {kind: "step-toggle", method: "PATCH", url: "/api/v1/steps/999999", body: {done: true},
     about: "Ringe NAV-kontoret om kurset"},
    {kind: "step-create", method: "POST", url: "/api/v1/goals/999999/steps",
     body: {client_id: crypto.randomUUID(), title: "Skrive en handleliste"},
     about: "Lage middag selv"},
  ];
  for (const item of items) await StegvisOutbox.add({...item, user});
  return (await StegvisOutbox.flush()).failed.length;
}"""

MAKE_GOAL = """async () => {
  const session = await (await fetch("/api/v1/session")).json();
  const headers = {"Content-Type": "application/json", "X-CSRF-Token": session.csrf_token};
  const post = async (url, body) => (await fetch(url, {method: "POST", headers,
    body: JSON.stringify({client_id: crypto.randomUUID(), ...body})})).json();
  const goal = await post("/api/v1/goals", {title: "Få meg en deltidsjobb", theme: "work"});
  const steps = [];
  for (const title of ["Oppdatere CV-en", "Spørre Ali om tips", "Søke på to jobber"]) {
    steps.push((await post(`/api/v1/goals/${goal.id}/steps`, {title})).id);
  }
  return {goal: goal.id, steps};
}"""


@pytest.mark.parametrize("scheme", ["light", "dark", "large-text"])
def test_take_screenshots_of_the_offline_journal(page, context, live_server, scheme):
    out = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))
    out.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    page.emulate_media(color_scheme="dark" if scheme == "dark" else "light")
    context.new_cdp_session(page).send(
        "Browser.setPermission",
        {"permission": {"name": "background-sync"}, "setting": "denied", "origin": base},
    )
    log_in(page, base, "deltaker3")
    if scheme == "large-text":
        choose_large_text(page, base)
    made = page.evaluate(MAKE_GOAL)
    goal_url = f"{base}/journal/goals/{made['goal']}"
    page.goto(goal_url)
    page.evaluate("navigator.serviceWorker.ready")
    page.goto(goal_url)
    context.set_offline(True)
    page.click(f'form[data-api$="/steps/{made["steps"][0]}"] button')
    page.locator("[data-ring][data-done='1']").wait_for()
    page.screenshot(path=str(out / f"goal-ticked-offline-{scheme}.png"), full_page=True)
    with page.expect_navigation():  # back online: the tick is sent, the server's page shows
        context.set_offline(False)
    page.wait_for_load_state("load")

    page.goto(base + "/journal")
    context.route(
        "**/api/v1/entries",
        lambda route: route.fulfill(
            status=400,
            content_type="application/json",
            body='{"error": {"code": "invalid", "message": "Check the marked fields.", '
            '"fields": {"goal_ref": ["Vi finner ikke det målet."]}}}',
        ),
    )
    page.evaluate(NOT_SAVED)
    context.unroute("**/api/v1/entries")
    page.locator("[data-unsaved-badge]:not([hidden])").wait_for()
    page.screenshot(path=str(out / f"not-saved-badge-{scheme}.png"))
    page.click("[data-unsaved-badge]")
    page.locator("dialog[data-unsaved] [data-unsaved-list] > li").first.wait_for()
    page.wait_for_timeout(400)  # the sheet's slide-in
    page.screenshot(path=str(out / f"not-saved-panel-{scheme}.png"))
    page.locator("dialog[data-unsaved] [data-unsaved-list] > li").nth(1).locator(
        '[data-action="remove"]'
    ).click()
    page.locator(
        'dialog[data-unsaved] [data-part="confirm"]:not([hidden])'
    ).scroll_into_view_if_needed()
    page.screenshot(path=str(out / f"not-saved-confirm-{scheme}.png"))
    page.keyboard.press("Escape")

    # The narrowest phone, offline, with something waiting and something not saved.
    page.set_viewport_size({"width": 360, "height": 740})
    context.set_offline(True)
    page.evaluate(
        """() => StegvisOutbox.add({kind: "entry-create", method: "POST", url: "/api/v1/entries",
             user: document.querySelector("[data-outbox-badge]").dataset.user,
             body: {client_id: crypto.randomUUID(), text: "Venter"}})"""
    )
    page.goto(base + "/")
    page.locator("[data-outbox-badge]:not([hidden])").wait_for()
    page.screenshot(path=str(out / f"badges-360-{scheme}.png"))
    page.click("[data-unsaved-badge]")
    page.wait_for_timeout(400)
    page.screenshot(path=str(out / f"not-saved-panel-360-{scheme}.png"))
    page.keyboard.press("Escape")
    context.set_offline(False)
    page.evaluate(
        "() => StegvisOutbox.failed().then((all) => "
        "Promise.all(all.map((i) => StegvisOutbox.removeFailed(i.id))))"
    )
