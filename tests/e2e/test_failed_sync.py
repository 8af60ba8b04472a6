"""What the server will never take is never lost: a change it refuses for good (400, 404 …)
waits under "Not saved" in the header, in plain words, until the person copies it, sends it
again or removes it. Server trouble (5xx, a timeout, no network) is not that: it just waits in
the outbox and goes later."""

import json
import uuid

from .helpers import as_json, axe_violations, log_in, wait_controlled
from .test_offline_journal import (
    MAKE_GOAL,
    pending_in_db,
    poll,
    without_background_sync,
    write_entry,
)

USER = "deltaker1"
BADGE = "[data-unsaved-badge]"
PANEL = "dialog[data-unsaved]"
ITEMS = f"{PANEL} [data-unsaved-list] > li"

# What is kept in the "failed" store, as the page's outbox sees it.
KEPT = "() => StegvisOutbox.failed()"
CLEAR_FAILED = """() => StegvisOutbox.failed().then((all) =>
  Promise.all(all.map((item) => StegvisOutbox.removeFailed(item.id))))"""

# Queue items for the logged-in person and flush them now; what the flush did.
QUEUE_AND_FLUSH = """async (items) => {
  const user = document.querySelector("[data-outbox-badge]").dataset.user;
  for (const item of items) await StegvisOutbox.add({...item, user});
  const result = await StegvisOutbox.flush();
  return {sent: result.sent.length, failed: result.failed.map((f) => f.status),
          stopped: result.stopped, pending: result.pending};
}"""


EMPTY_OUTBOX = """async () => {
  for (let tries = 0; tries < 50; tries++) {
    const all = await StegvisOutbox.all();
    if (all.length === 0) {
      await new Promise((done) => setTimeout(done, 100));
      if ((await StegvisOutbox.all()).length === 0) return;
      continue;
    }
    await Promise.all(all.map((i) => StegvisOutbox.remove(i.id)));
  }
  throw new Error("the outbox would not empty");
}"""


def refuse(context, pattern: str, status: int, body: dict | None = None) -> None:
    """Every request to `pattern` answered by a made-up server, as a refusal or as trouble."""
    payload = json.dumps(body if body is not None else {"error": {"code": "x", "message": ""}})
    context.route(
        pattern,
        lambda route: route.fulfill(status=status, content_type="application/json", body=payload),
    )


def entry(text: str, **more) -> dict:
    body = {"client_id": str(uuid.uuid4()), "text": text, **more}
    return {"kind": "entry-create", "method": "POST", "url": "/api/v1/entries", "body": body}


def entries_with(page, base: str, text: str) -> list[dict]:
    items = page.request.get(base + "/api/v1/entries?limit=100").json()["items"]
    return [e for e in items if e["text"] == text]


def badge_count(page) -> int:
    button = page.locator(BADGE)
    return int(button.get_attribute("data-count") or 0) if button.is_visible() else 0


def badge_says_not_saved(page, n: int) -> None:
    button = page.locator(BADGE)
    page.wait_for_function(
        "([sel, n]) => { const b = document.querySelector(sel);"
        " return b && b.dataset.count === String(n) && b.hidden === (n === 0); }",
        arg=[BADGE, n],
    )
    if n:
        label = button.get_attribute("data-label").replace("__N__", str(n))
        assert button.inner_text().strip() == label


def open_panel(page) -> None:
    page.locator(BADGE).click()
    page.locator(PANEL).wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "unsaved-title"


def delete_goal_elsewhere(page, base: str, goal: int) -> None:
    """As if from another phone: the same account, straight to the API (not the page's network,
    so it works while the page is offline)."""
    token = page.request.get(base + "/api/v1/session").json()["csrf_token"]
    response = page.request.delete(f"{base}/api/v1/goals/{goal}", headers={"X-CSRF-Token": token})
    assert response.status == 204


def test_an_entry_for_a_goal_deleted_elsewhere_is_kept_shown_copied_and_removed(
    page, context, live_server, axe_source
):
    base = live_server.url
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=base)
    log_in(page, base, USER)
    wait_controlled(page)
    without_background_sync(context, page, base)
    made = page.evaluate(MAKE_GOAL, "Søke på tre jobber")
    page.goto(base + "/journal")
    wait_controlled(page)

    # Offline: written about that goal. Some of it looks like HTML; it must stay text.
    text = f'Jeg sendte én søknad <b>i dag</b> & "det" gikk fint {uuid.uuid4().hex[:6]}'
    context.set_offline(True)
    page.select_option("#f-goal_ref", str(made["goal"]))
    write_entry(page, text)
    page.locator("[data-outbox-pending]").filter(has_text=text).wait_for()
    delete_goal_elsewhere(page, base, made["goal"])

    # Back online: the server says no (the goal is gone). Not lost: "Not saved (1)".
    context.set_offline(False)
    with page.expect_navigation():  # what was shown as waiting goes: the server's page again
        page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_load_state("load")
    badge_says_not_saved(page, 1)
    assert pending_in_db(page) == 0
    [kept] = page.evaluate(KEPT)
    assert kept["status"] == 400 and kept["body"]["text"] == text

    open_panel(page)
    [item] = page.locator(ITEMS).all()
    words = item.locator('[data-part="text"]')
    assert words.inner_text() == text
    assert words.locator("b").count() == 0  # shown as text, never as HTML
    kind = page.get_attribute(PANEL, "data-kind-entry-create")
    assert item.locator('[data-part="kind"]').inner_text().strip() == kind
    reason = item.locator('[data-part="reason"]').inner_text().strip()
    assert reason == kept["last_error"]["fields"]["goal_ref"]  # the server's own words

    # Accessible, light and dark.
    assert axe_violations(page, axe_source) == [], as_json(axe_violations(page, axe_source))
    page.emulate_media(color_scheme="dark")
    assert axe_violations(page, axe_source) == [], as_json(axe_violations(page, axe_source))
    page.emulate_media(color_scheme="light")

    # Copy text: the words as written, on the clipboard.
    item.locator('[data-action="copy"]').click()
    copied = page.get_attribute(PANEL, "data-label-copied")
    page.locator(f"{PANEL} [data-unsaved-status]").filter(has_text=copied).wait_for(
        state="attached"
    )
    assert page.evaluate("navigator.clipboard.readText()") == text

    # Remove asks first; "No" keeps it.
    item.locator('[data-action="remove"]').click()
    confirm = item.locator('[data-part="confirm"]')
    confirm.wait_for()
    assert page.evaluate("document.activeElement.dataset.action") == "remove-no"
    page.keyboard.press("Enter")
    confirm.wait_for(state="hidden")
    assert page.evaluate("document.activeElement.dataset.action") == "remove"
    assert len(page.evaluate(KEPT)) == 1

    # "Yes, remove it": gone for good, and the list says so.
    item.locator('[data-action="remove"]').click()
    item.locator('[data-action="remove-yes"]').click()
    page.locator(f"{PANEL} [data-unsaved-empty]").wait_for()
    assert page.locator(ITEMS).count() == 0
    assert page.evaluate(KEPT) == []
    assert page.evaluate("document.activeElement.matches('[data-unsaved-close]')")
    badge_says_not_saved(page, 0)
    page.locator(f"{PANEL} [data-unsaved-close]").click()
    page.locator(PANEL).wait_for(state="hidden")
    assert entries_with(page, base, text) == []


def test_try_again_sends_it_once_when_the_server_takes_it(page, context, live_server):
    base = live_server.url
    log_in(page, base, USER)
    page.goto(base + "/me")
    text = f"Prøver igjen {uuid.uuid4().hex[:8]}"
    refuse(
        context,
        "**/api/v1/entries",
        400,
        {"error": {"code": "invalid", "message": "Noe var galt her.", "fields": {}}},
    )
    # The app's own background flush may take the item before ours does: either way it must
    # end under "Not saved" with nothing left waiting.
    page.evaluate(QUEUE_AND_FLUSH, [entry(text)])
    badge_says_not_saved(page, 1)
    assert page.evaluate("() => StegvisOutbox.all().then((all) => all.length)") == 0
    said = page.get_attribute(BADGE, "data-label").replace("__N__", "1")
    page.locator("[data-outbox-announce]").filter(has_text=said).wait_for(state="attached")

    open_panel(page)
    item = page.locator(ITEMS).first
    assert item.locator('[data-part="reason"]').inner_text().strip() == "Noe var galt her."

    # Still refused: it comes back, with the same words, and focus stays on it.
    item.locator('[data-action="retry"]').click()
    again = page.get_attribute(PANEL, "data-label-again")
    page.locator(f"{PANEL} [data-unsaved-status]").filter(has_text=again).wait_for(state="attached")
    assert page.locator(ITEMS).count() == 1
    assert page.evaluate("document.activeElement.dataset.action") == "retry"

    # The server takes it now: saved exactly once, and the list is empty.
    context.unroute("**/api/v1/entries")
    page.locator(ITEMS).first.locator('[data-action="retry"]').click()
    page.locator(f"{PANEL} [data-unsaved-empty]").wait_for()
    saved = page.get_attribute(PANEL, "data-label-saved")
    page.locator(f"{PANEL} [data-unsaved-status]").filter(has_text=saved).wait_for(state="attached")
    assert len(entries_with(page, base, text)) == 1
    assert page.evaluate(KEPT) == [] and pending_in_db(page) == 0
    badge_says_not_saved(page, 0)


def test_try_again_offline_puts_it_back_in_the_outbox_to_wait(page, context, live_server):
    base = live_server.url
    without_background_sync(context, page, base)
    log_in(page, base, USER)
    page.goto(base + "/me")
    wait_controlled(page)
    text = f"Venter igjen {uuid.uuid4().hex[:8]}"
    refuse(context, "**/api/v1/entries", 404, {"error": {"code": "not_found", "message": "?"}})
    page.evaluate(QUEUE_AND_FLUSH, [entry(text)])
    context.unroute("**/api/v1/entries")

    context.set_offline(True)
    page.reload()  # the list is on every page, offline too
    badge_says_not_saved(page, 1)
    open_panel(page)
    # A 404 says what probably happened, kindly, not "page not found".
    gone = page.get_attribute(PANEL, "data-reason-gone")
    assert page.locator(ITEMS).first.locator('[data-part="reason"]').inner_text().strip() == gone
    page.locator(ITEMS).first.locator('[data-action="retry"]').click()
    page.locator(f"{PANEL} [data-unsaved-empty]").wait_for()
    assert pending_in_db(page) == 1 and page.evaluate(KEPT) == []
    page.keyboard.press("Escape")
    page.locator(PANEL).wait_for(state="hidden")
    badge_says_not_saved(page, 0)
    page.locator("[data-outbox-badge][data-count='1']").wait_for()

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    poll(page, lambda: entries_with(page, base, text), "the entry on the server")
    assert len(entries_with(page, base, text)) == 1


# Server trouble (and the network) may pass: wait. A refusal will not: keep it under "Not saved".
# 409/412 never come from our server (edits are last-write-wins); should a proxy send one, the
# change is kept under "Not saved" rather than blocking everything behind it for ever.
WAITS = [500, 502, 503, 504, 408, 429]
REFUSED = [400, 403, 404, 409, 410, 412, 413, 422]


def test_trouble_waits_in_the_outbox_and_only_a_refusal_is_not_saved(context, live_server):
    page = context.new_page()  # not the `page` fixture: the 5xx here are made up on purpose
    base = live_server.url
    log_in(page, base, USER)  # once: logging in for each status would hit the login rate limit
    page.goto(base + "/me")
    for status in WAITS + REFUSED:
        refuse(context, "**/api/v1/entries", status)
        result = page.evaluate(QUEUE_AND_FLUSH, [entry(f"Status {status}")])
        if status in REFUSED:
            assert result["failed"] == [status] and result["pending"] == 0, (status, result)
            badge_says_not_saved(page, 1)
            page.evaluate(CLEAR_FAILED)
        else:
            assert result["failed"] == [] and result["pending"] == 1, (status, result)
            assert result["stopped"] == "server", (status, result)
            assert page.evaluate(KEPT) == []
            badge_says_not_saved(page, 0)
            # Empty the outbox for the next status; the app's own background flush may be
            # holding the item just now and put it back, so empty it until it stays empty.
            page.evaluate(EMPTY_OUTBOX)
        context.unroute("**/api/v1/entries")
        badge_says_not_saved(page, 0)


def test_the_list_works_with_the_keyboard_and_gives_focus_back(page, context, live_server):
    base = live_server.url
    log_in(page, base, USER)
    page.goto(base + "/journal")  # not home: its first-run tour is a modal of its own
    refuse(context, "**/api/v1/steps/*", 404)
    refuse(context, "**/api/v1/entries", 400)
    step = {"kind": "step-toggle", "method": "PATCH", "url": "/api/v1/steps/999999",
            "body": {"done": True}, "about": "Ringe Lise"}  # fmt: skip
    page.evaluate(QUEUE_AND_FLUSH, [step, entry("To ting på en gang")])
    badge_says_not_saved(page, 2)
    context.unroute("**/api/v1/steps/*")
    context.unroute("**/api/v1/entries")

    page.locator(BADGE).focus()
    page.keyboard.press("Enter")
    page.locator(PANEL).wait_for(state="visible")
    assert page.evaluate("document.activeElement.id") == "unsaved-title"
    tick, words = page.locator(ITEMS).all()
    assert tick.locator('[data-part="about"]').inner_text().strip() == "Ringe Lise"
    assert tick.locator('[data-action="copy"]').is_hidden()  # a tick has no words to copy
    assert words.locator('[data-action="copy"]').is_visible()

    page.keyboard.press("Tab")  # the first action of the first item: a tick has no Copy
    assert page.evaluate("document.activeElement.dataset.action") == "retry"
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # Remove: asks
    assert page.evaluate("document.activeElement.dataset.action") == "remove-no"
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Enter")  # Yes, remove it
    page.wait_for_function("sel => document.querySelectorAll(sel).length === 1", arg=ITEMS)
    # Focus moves on to what is left, not lost on the page behind.
    assert page.evaluate("document.activeElement.dataset.action") == "copy"
    badge_says_not_saved(page, 1)

    page.keyboard.press("Escape")
    page.locator(PANEL).wait_for(state="hidden")
    assert page.evaluate("document.activeElement.matches('[data-unsaved-badge]')")
    page.evaluate(CLEAR_FAILED)


def test_a_refusal_while_online_posts_the_form_and_keeps_no_twin(page, context, live_server):
    base = live_server.url
    log_in(page, base, USER)
    page.goto(base + "/journal")
    text = f"Skjemaet tar over {uuid.uuid4().hex[:8]}"
    refuse(context, "**/api/v1/entries", 400)
    with page.expect_navigation():
        write_entry(page, text)  # the API says no; the form posts the old way, and is saved
    page.wait_for_load_state("load")
    context.unroute("**/api/v1/entries")
    assert len(entries_with(page, base, text)) == 1
    assert page.evaluate(KEPT) == []
    badge_says_not_saved(page, 0)


def test_someone_else_on_the_same_phone_never_sees_what_was_not_saved(page, context, live_server):
    base = live_server.url
    log_in(page, base, USER)
    page.goto(base + "/me")
    text = f"Bare mitt {uuid.uuid4().hex[:8]}"
    refuse(context, "**/api/v1/entries", 400)
    page.evaluate(QUEUE_AND_FLUSH, [entry(text)])
    context.unroute("**/api/v1/entries")
    badge_says_not_saved(page, 1)

    context.clear_cookies()
    log_in(page, base, "deltaker2")
    page.goto(base + "/me")
    badge_says_not_saved(page, 0)
    page.locator(BADGE).evaluate("b => b.hidden = false")
    page.locator(BADGE).click()
    page.locator(PANEL).wait_for(state="visible")
    assert page.locator(ITEMS).count() == 0
    assert text not in page.locator(PANEL).inner_text()
    page.keyboard.press("Escape")

    context.clear_cookies()
    page.goto(base + "/login")  # nobody logged in: no list at all
    assert page.locator(PANEL).count() == 0 and page.locator(BADGE).count() == 0
    page.evaluate(CLEAR_FAILED)
