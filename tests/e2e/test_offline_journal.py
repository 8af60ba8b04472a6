"""The journal offline first, in Chromium: what is written or ticked without a connection waits
in the outbox (IndexedDB), survives reloads and closed pages, and reaches the server exactly once
when the connection is back."""

import uuid

from .helpers import CHROMIUM, FLAGS, VIEWPORT, axe_violations, log_in, path_of, wait_controlled

USER = "deltaker1"
ENTRY_FORM = 'form[data-outbox="entry-create"]'
BADGE = "[data-outbox-badge]"
STATUS = "[data-outbox-badge], [data-outbox-status]"


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


def without_background_sync(context, page, base: str) -> None:
    """Chromium fires Background Sync when the machine's real network is up, and a service
    worker it wakes for that is not under Playwright's offline emulation: it would send the
    outbox while the test says "offline". Deny the permission, so "offline" means offline
    (registering then fails, which the app expects on browsers without Background Sync)."""
    context.new_cdp_session(page).send(
        "Browser.setPermission",
        {"permission": {"name": "background-sync"}, "setting": "denied", "origin": base},
    )


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


def test_offline_entry_and_step_reach_the_server_exactly_once(
    page, context, live_server, axe_source
):
    base = live_server.url
    text = f"Skrevet uten nett {uuid.uuid4().hex[:8]}"
    log_in(page, base, USER)
    wait_controlled(page)
    without_background_sync(context, page, base)
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
    ticked = page.locator(f"#step-{made['step']}.is-done")
    ticked.wait_for()  # shown as done at once
    assert step_toggle(page, made["step"]).locator('input[name="done"]').input_value() == "false"
    badge_says(page, 2)
    page.reload()  # the cached goal page, with the tick still waiting on top of it
    ticked.wait_for()
    badge_says(page, 2)

    response = page.goto(base + "/journal")
    assert response.status == 200 and response.from_service_worker
    pending.filter(has_text=text).wait_for()
    badge_says(page, 2)
    assert pending_in_db(page) == 2
    assert axe_violations(page, axe_source) == []  # the waiting items are accessible too
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


def test_one_tap_on_a_face_offline_waits_with_that_face_and_arrives_once(
    page, context, live_server
):
    base = live_server.url
    without_background_sync(context, page, base)
    log_in(page, base, USER)
    page.goto(base + "/journal")
    wait_controlled(page)

    context.set_offline(True)
    page.locator(f'{ENTRY_FORM} button[name="mood"][value="4"]').click()
    waiting = page.locator('[data-outbox-list="entries"] [data-outbox-pending]').first
    waiting.locator(".face.mood-4").wait_for()
    client_id = waiting.get_attribute("data-client-id")
    badge_says(page, 1)

    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")  # as the phone says when back

    def arrived():
        items = page.request.get(base + "/api/v1/entries?limit=5").json()["items"]
        return [e for e in items if e["client_id"] == client_id]

    [entry] = poll(page, arrived, "the mood on the server")
    assert entry["mood"] == 4 and entry["text"] == ""


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
    without_background_sync(context, page, base)
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

    def synced():
        # As the browser does when the connection is back; again after a while, as the browser
        # retries a sync that failed (a worker just woken may not know yet that we are online).
        cdp.send(
            "ServiceWorker.dispatchSyncEvent",
            {
                "origin": base,
                "registrationId": registrations[base + "/"],
                "tag": "outbox",
                "lastChance": False,
            },
        )
        return poll(blank, lambda: entries_with(blank, base, text), "the entry", 4000)

    for _attempt in range(4):
        try:
            [entry] = synced()
            break
        except AssertionError:
            continue
    else:
        raise AssertionError("the service worker did not send the outbox")
    assert entry["text"] == text


def test_ticking_a_step_online_saves_it_and_the_goal_page_celebrates(page, live_server):
    base = live_server.url
    log_in(page, base, USER)
    made = page.evaluate(MAKE_GOAL, "Finne ut av et kurs")
    page.goto(goal_page(page, base, made["goal"]))
    with page.expect_navigation():
        step_toggle(page, made["step"]).locator("button").first.click()
    page.locator(f"#step-{made['step']}.is-done.celebrate").wait_for()
    assert f"ticked={made['step']}" in page.url
    assert step_of(page, base, made["goal"], made["step"])["done"] is True

    with page.expect_navigation():  # and open again
        step_toggle(page, made["step"]).locator("button").first.click()
    page.wait_for_load_state("load")
    assert page.locator(f"#step-{made['step']}.is-done").count() == 0
    assert step_of(page, base, made["goal"], made["step"])["done"] is False


def test_editing_an_entry_goes_through_the_outbox_and_back_to_the_journal(page, live_server):
    base = live_server.url
    log_in(page, base, USER)
    first = f"Først {uuid.uuid4().hex[:8]}"
    page.goto(base + "/journal")
    with page.expect_navigation():  # online: sent at once, then the journal shows again
        write_entry(page, first)
    page.wait_for_load_state("load")
    [entry] = poll(page, lambda: entries_with(page, base, first), "the entry")

    page.goto(f"{base}/journal/entries/{entry['id']}")
    changed = first.replace("Først", "Endret")
    page.locator('form[data-outbox="entry-update"] textarea').fill(changed)
    with page.expect_navigation():
        page.locator('form[data-outbox="entry-update"] button[type="submit"]').last.click()
    page.wait_for_load_state("load")
    assert path_of(page.url) == "/journal"
    assert entries_with(page, base, changed)[0]["id"] == entry["id"]
    assert entries_with(page, base, first) == []


# --- the progress ring follows ticks at once ---------------------------------------------------

ADD_STEP = """async ([goal, title]) => {
  const session = await (await fetch("/api/v1/session")).json();
  const response = await fetch(`/api/v1/goals/${goal}/steps`, {method: "POST",
    headers: {"Content-Type": "application/json", "X-CSRF-Token": session.csrf_token},
    body: JSON.stringify({client_id: crypto.randomUUID(), title})});
  return (await response.json()).id;
}"""

RING_STATE = """ring => ({
  done: Number(ring.dataset.done), total: Number(ring.dataset.total),
  text: ring.querySelector(".ring-text").textContent.trim(),
  fill: ring.querySelector(".ring-fill")
    && ring.querySelector(".ring-fill").getAttribute("stroke-dasharray"),
  one: ring.dataset.labelOne, many: ring.dataset.labelMany,
})"""


def ring_of(page) -> dict:
    return page.locator("[data-ring]").evaluate(RING_STATE)


def ring_shows(page, done: int, total: int) -> dict:
    """The ring says `done` of `total` in the page's own (translated) words, and draws it."""
    poll(page, lambda: (lambda r: r["done"] == done and r["total"] == total)(ring_of(page)),
         f"the ring to show {done} of {total}", 5000)  # fmt: skip
    ring = ring_of(page)
    words = ring["one"] if total == 1 else ring["many"]
    assert ring["text"] == words.replace("__DONE__", str(done)).replace("__NUM__", str(total))
    expected_fill = f"{round(1000 * done / total) / 10:g} 100" if done else None
    assert ring["fill"] == expected_fill, ring
    return ring


def test_a_step_ticked_offline_moves_the_ring_at_once_and_after_a_reload(
    page, context, live_server
):
    base = live_server.url
    without_background_sync(context, page, base)
    log_in(page, base, USER)
    made = page.evaluate(MAKE_GOAL, "Rydde rommet")
    second = page.evaluate(ADD_STEP, [made["goal"], "Støvsuge"])
    goal_url = goal_page(page, base, made["goal"])
    page.goto(goal_url)
    wait_controlled(page)
    page.goto(goal_url)  # once more, now through the service worker, which keeps a copy
    ring_shows(page, 0, 2)

    context.set_offline(True)
    step_toggle(page, made["step"]).locator("button").first.click()
    ticked = ring_shows(page, 1, 2)  # at once, without a reload
    badge_says(page, 1)
    # Said to screen readers too, politely, with the count of what waits.
    page.locator("[data-outbox-announce]").filter(has_text=ticked["text"]).wait_for(
        state="attached"
    )

    response = page.reload()  # the cached page, with the waiting tick put back on top
    assert response.from_service_worker
    ring_shows(page, 1, 2)

    # A step added offline counts too; opening a step again takes it off the ring.
    page.fill("#s-title", "Bære ut søpla")
    page.locator('form[data-outbox="step-create"] button[type="submit"]').click()
    page.locator("[data-outbox-pending]").filter(has_text="Bære ut søpla").wait_for()
    ring_shows(page, 1, 3)
    step_toggle(page, made["step"]).locator("button").first.click()
    ring_shows(page, 0, 3)
    step_toggle(page, second).locator("button").first.click()
    offline = ring_shows(page, 1, 3)
    page.reload()
    ring_shows(page, 1, 3)

    # Online again: the server's own page says the same, in the same words.
    context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    poll(page, lambda: pending_in_db(page) == 0 or None, "the outbox to empty")
    page.goto(goal_url)
    assert ring_shows(page, 1, 3)["text"] == offline["text"]
    assert step_of(page, base, made["goal"], second)["done"] is True
    assert step_of(page, base, made["goal"], made["step"])["done"] is False


def test_a_tick_moves_the_ring_at_once_online_too_even_when_the_server_is_slow_to_answer(
    context, live_server
):
    page = context.new_page()  # not the `page` fixture: the 503 below is made up on purpose
    base = live_server.url
    without_background_sync(context, page, base)
    log_in(page, base, USER)
    made = page.evaluate(MAKE_GOAL, "Lage middag selv")
    page.goto(goal_page(page, base, made["goal"]))
    ring_shows(page, 0, 1)
    context.route(
        "**/api/v1/steps/*",
        lambda route: route.fulfill(status=503, content_type="application/json", body="{}"),
    )
    step_toggle(page, made["step"]).locator("button").first.click()
    ring_shows(page, 1, 1)
    badge_says(page, 1)
    context.unroute("**/api/v1/steps/*")
    with page.expect_navigation():  # sent now: the server's page, celebrating
        page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_load_state("load")
    ring_shows(page, 1, 1)
    assert step_of(page, base, made["goal"], made["step"])["done"] is True
