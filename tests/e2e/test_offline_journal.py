"""The journal offline first, in Chromium: what is written or ticked without a connection waits
in the outbox (IndexedDB), survives reloads and closed pages, and reaches the server exactly once
when the connection is back."""

import uuid

from .helpers import CHROMIUM, FLAGS, VIEWPORT, log_in

USER = "deltaker1"
ENTRY_FORM = 'form[data-outbox="entry-create"]'
BADGE = "[data-outbox-badge]"
STATUS = "[data-outbox-badge], [data-outbox-status]"

# Resolves once a service worker controls the page; gives up after 10 s instead of hanging.
CONTROLLED = """() => Promise.race([
  navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller
    ? true
    : new Promise((resolve) => navigator.serviceWorker.addEventListener(
        "controllerchange", () => resolve(true), {once: true}))),
  new Promise((resolve, reject) => setTimeout(() => reject(new Error("no service worker")), 10000)),
])"""

# A goal with one step, made through the API as the phone would (session CSRF token).
MAKE_GOAL = """async (title) => {
  const session = await (await fetch("/api/v1/session")).json();
  const headers = {"Content-Type": "application/json", "X-CSRF-Token": session.csrf_token};
  const post = async (url, body) => {
    const response = await fetch(url, {method: "POST", headers, body: JSON.stringify(body)});
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.json();
  };
  const goal = await post("/api/v1/goals", {client_id: crypto.randomUUID(), title});
  const step = await post(`/api/v1/goals/${goal.id}/steps`,
                          {client_id: crypto.randomUUID(), title: title + " — step"});
  return {goal: goal.id, step: step.id};
}"""

PENDING_IN_DB = """() => Promise.race([
  StegvisOutbox.count(),
  new Promise((resolve, reject) => setTimeout(() => reject(new Error("no answer")), 5000)),
])"""


def pending_in_db(page) -> int | None:
    """Items in the outbox; None while the page is between two documents (a reload)."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        return page.evaluate(PENDING_IN_DB)
    except PlaywrightError:
        return None


def wait_controlled(page) -> None:
    page.evaluate(CONTROLLED)


def entries_with(page, base: str, text: str) -> list[dict]:
    items = page.request.get(base + "/api/v1/entries?limit=100").json()["items"]
    return [e for e in items if e["text"] == text]


def step_of(page, base: str, goal: int, step: int) -> dict:
    steps = page.request.get(f"{base}/api/v1/goals/{goal}/steps").json()
    return next(s for s in steps if s["id"] == step)


def poll(page, check, what: str, timeout_ms: int = 10_000):
    """Short polling for something that happens in the background (a flush, a sync)."""
    waited = 0
    while waited < timeout_ms:
        result = check()
        if result:
            return result
        page.wait_for_timeout(100)
        waited += 100
    raise AssertionError(f"timed out waiting for {what}")


def badge_says(page, n: int) -> None:
    """One quiet line says the translated "Waiting to sync (n)": the page's own status line,
    or the badge in the header; nothing at all when nothing waits."""
    found = page.locator(
        f'[data-outbox-status][data-count="{n}"], [data-outbox-badge][data-count="{n}"]'
    )
    found.first.wait_for(state="attached")
    shown = [el for el in found.all() if el.is_visible()]
    if not n:
        assert not any(el.is_visible() for el in page.locator(STATUS).all())
        return
    assert len(shown) == 1, "one line says it, not two"
    label = shown[0].get_attribute("data-label") or page.get_attribute(BADGE, "data-label")
    expected = label.replace("__N__", str(n)).replace("%(n)s", str(n))
    assert shown[0].inner_text().strip() == expected


def goal_page(page, base: str, goal: int) -> str:
    """The goal's own page, reached the way a person reaches it: from the journal."""
    return f"{base}/journal/goals/{goal}"


def write_entry(page, text: str) -> None:
    form = page.locator(ENTRY_FORM).filter(has=page.locator("textarea")).first
    form.locator("textarea").fill(text)
    form.locator('button[type="submit"]:not([name="mood"])').last.click()


def step_toggle(page, step: int):
    return page.locator(f'form[data-outbox="step-toggle"][data-api$="/steps/{step}"]')


def test_offline_entry_and_step_reach_the_server_exactly_once(page, context, live_server):
    base = live_server.url
    text = f"Skrevet uten nett {uuid.uuid4().hex[:8]}"
    log_in(page, base, USER)
    wait_controlled(page)
    made = page.evaluate(MAKE_GOAL, "Komme meg opp før ti")
    goal_url = goal_page(page, base, made["goal"])
    page.goto(goal_url)  # online once, so the service worker keeps a copy
    assert step_toggle(page, made["step"]).count() == 1
    page.goto(base + "/journal")
    wait_controlled(page)

    context.set_offline(True)
    write_entry(page, text)
    pending = page.locator('[data-outbox-list="entries"] [data-outbox-pending]')
    pending.filter(has_text=text).wait_for()
    assert page.locator(ENTRY_FORM).locator("textarea").first.input_value() == ""
    badge_says(page, 1)

    response = page.goto(goal_url)
    assert response.from_service_worker
    step_toggle(page, made["step"]).locator("button").first.click()
    badge_says(page, 2)

    response = page.goto(base + "/journal")
    assert response.status == 200 and response.from_service_worker
    pending.filter(has_text=text).wait_for()
    badge_says(page, 2)
    assert pending_in_db(page) == 2
    page.close()

    page = context.new_page()
    context.set_offline(False)
    page.goto(base + "/journal")
    poll(page, lambda: pending_in_db(page) == 0 or None, "the outbox to empty")
    poll(page, lambda: entries_with(page, base, text), "the entry on the server")
    page.wait_for_load_state("load")

    assert len(entries_with(page, base, text)) == 1
    assert step_of(page, base, made["goal"], made["step"])["done"] is True
    # The server's own page now shows the entry, without the waiting label.
    page.locator('[data-outbox-list="entries"]').filter(has_text=text).wait_for()
    badge_says(page, 0)
    page.close()


def test_two_quick_taps_on_save_store_one_entry(page, live_server):
    base = live_server.url
    text = f"To raske trykk {uuid.uuid4().hex[:8]}"
    log_in(page, base, USER)
    page.goto(base + "/journal")
    form = page.locator(ENTRY_FORM).filter(has=page.locator("textarea")).first
    form.locator("textarea").fill(text)
    with page.expect_navigation():
        form.locator('button[type="submit"]:not([name="mood"])').last.dblclick()
    page.wait_for_load_state("load")

    assert len(entries_with(page, base, text)) == 1
    page.locator('[data-outbox-list="entries"]').filter(has_text=text).wait_for()
    assert pending_in_db(page) == 0


def test_two_submits_in_the_same_moment_store_one_entry(page, live_server):
    base = live_server.url
    text = f"Samme øyeblikk {uuid.uuid4().hex[:8]}"
    log_in(page, base, USER)
    page.goto(base + "/journal")
    form = page.locator(ENTRY_FORM).filter(has=page.locator("textarea")).first
    form.locator("textarea").fill(text)
    with page.expect_navigation():
        form.evaluate("f => { f.requestSubmit(); f.requestSubmit(); }")
    page.wait_for_load_state("load")

    assert len(entries_with(page, base, text)) == 1


def test_the_outbox_survives_closing_the_page_and_the_browser_while_offline(
    page, context, live_server, playwright_driver, tmp_path
):
    base = live_server.url
    text = f"Lukket appen {uuid.uuid4().hex[:8]}"
    log_in(page, base, USER)
    page.goto(base + "/journal")
    wait_controlled(page)

    context.set_offline(True)
    write_entry(page, text)
    page.locator("[data-outbox-pending]").filter(has_text=text).wait_for()
    page.close()

    page = context.new_page()  # still offline: the journal comes from the service worker
    response = page.goto(base + "/journal")
    assert response.from_service_worker
    page.locator("[data-outbox-pending]").filter(has_text=text).wait_for()
    badge_says(page, 1)
    assert pending_in_db(page) == 1
    context.close()  # the whole browser, as when the phone stops the app

    again = playwright_driver.chromium.launch_persistent_context(
        str(tmp_path / "profile"),  # the same profile as the `context` fixture
        executable_path=str(CHROMIUM),
        headless=True,
        args=FLAGS,
        viewport=VIEWPORT,
        locale="nb-NO",
        timezone_id="Europe/Oslo",
    )
    try:
        again.set_default_timeout(10_000)
        page = again.pages[0] if again.pages else again.new_page()
        # Back online, the browser's Background Sync or the app's start sends it: exactly once.
        page.goto(base + "/journal")
        poll(page, lambda: entries_with(page, base, text), "the entry on the server")
        poll(page, lambda: pending_in_db(page) == 0 or None, "the outbox to empty")
        assert len(entries_with(page, base, text)) == 1
    finally:
        again.close()


FLUSH = """async ([body, name]) => {
  await StegvisOutbox.add({kind: "entry-create", method: "POST", url: "/api/v1/entries", body});
  const result = await StegvisOutbox.flush();
  return {
    sent: result.sent.length, failed: result.failed.map((f) => f.status),
    stopped: result.stopped, pending: result.pending,
    waiting: (await StegvisOutbox.all()).map((item) => ({tries: item.tries})),
    kept: (await StegvisOutbox.failed()).map((item) => item.last_error && item.last_error.code),
  };
}"""


def test_the_server_saying_no_drops_one_item_and_trouble_keeps_it_for_later(context, live_server):
    base = live_server.url
    page = context.new_page()  # not the `page` fixture: the 503 below is made up on purpose
    log_in(page, base, USER)
    page.goto(base + "/me")  # any page: app.js brings the outbox
    text = f"Kommer fram {uuid.uuid4().hex[:8]}"

    # 400 (a mood of 9): dropped and remembered with the error; the next item still goes.
    # (Whichever flush sends them, this one or the page's own at start, the outcome is the same.)
    page.evaluate(
        "b => StegvisOutbox.add({kind: 'entry-create', method: 'POST', url: '/api/v1/entries', "
        "body: b})",
        {"client_id": str(uuid.uuid4()), "mood": 9},
    )
    result = page.evaluate(FLUSH, [{"client_id": str(uuid.uuid4()), "text": text}, "ok"])
    assert result["pending"] == 0 and result["stopped"] is None, result
    assert result["kept"] == ["invalid"], result
    assert len(entries_with(page, base, text)) == 1

    # 503: nothing is lost, it waits with a try counted, and goes on the next flush.
    later = f"Litt senere {uuid.uuid4().hex[:8]}"
    client_id = str(uuid.uuid4())
    context.route(
        "**/api/v1/entries",
        lambda route: route.fulfill(
            status=503, content_type="application/json", body='{"error": {"code": "down"}}'
        ),
    )
    result = page.evaluate(FLUSH, [{"client_id": client_id, "text": later}, "down"])
    assert result["stopped"] == "server" and result["pending"] == 1, result
    assert result["waiting"][0]["tries"] == 1
    context.unroute("**/api/v1/entries")
    result = page.evaluate("() => StegvisOutbox.flush().then((r) => r.sent.length)")
    assert result == 1
    [entry] = entries_with(page, base, later)
    assert entry["client_id"] == client_id


def test_waiting_changes_of_someone_else_on_the_same_phone_are_not_sent(page, live_server):
    base = live_server.url
    log_in(page, base, USER)
    page.goto(base + "/me")
    text = f"Ikke min {uuid.uuid4().hex[:8]}"
    left = page.evaluate(
        """async (text) => {
          await StegvisOutbox.add({kind: "entry-create", method: "POST", url: "/api/v1/entries",
                                   body: {client_id: crypto.randomUUID(), text}, user: "-1"});
          await StegvisOutbox.flush();
          const left = (await StegvisOutbox.all()).filter((item) => item.user === "-1");
          for (const item of left) await StegvisOutbox.remove(item.id);
          return left.length;
        }""",
        text,
    )
    assert left == 1
    assert entries_with(page, base, text) == []


def test_background_sync_in_the_service_worker_sends_the_outbox_with_no_page_open(
    page, context, live_server
):
    base = live_server.url
    text = f"Sendt av service worker {uuid.uuid4().hex[:8]}"
    log_in(page, base, USER)
    page.goto(base + "/me")
    wait_controlled(page)
    context.set_offline(True)
    page.evaluate(
        """text => StegvisOutbox.add({kind: "entry-create", method: "POST",
                                     url: "/api/v1/entries",
                                     body: {client_id: crypto.randomUUID(), text}})""",
        text,
    )
    page.close()  # no page of ours is open: only the service worker can send it now

    blank = context.new_page()
    cdp = context.new_cdp_session(blank)
    registrations = {}
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda event: registrations.update(
            {r["scopeURL"]: r["registrationId"] for r in event["registrations"]}
        ),
    )
    cdp.send("ServiceWorker.enable")
    poll(blank, lambda: registrations.get(base + "/"), "the service worker registration")
    context.set_offline(False)
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": base,
            "registrationId": registrations[base + "/"],
            "tag": "outbox",
            "lastChance": False,
        },
    )
    [entry] = poll(blank, lambda: entries_with(blank, base, text), "the entry on the server")
    assert entry["text"] == text
