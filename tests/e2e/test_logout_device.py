"""Logging out clears the phone, in Chromium: what waits in the outbox is sent first, or a calm
dialog says it would be lost ([Stay] / [Log out anyway]); after logging out no page, no words and
no outbox are left on the device. The server's Clear-Site-Data does the same on its own (a page
whose JavaScript did not run). And the server log the end-of-session check reads does catch a
text that gets into it (tests/privacy_witness.py)."""

import os
import uuid
from pathlib import Path

from sqlalchemy import func, select

from webapp.extensions import db
from webapp.models import Entry, Role, User
from webapp.services import passwords

import privacy_witness
from .helpers import DEMO_PASSWORD, axe_violations, log_in, path_of, wait_controlled

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-device"))
DIALOG = "dialog[data-logout-warning]"
LOG_OUT = 'form[action="/logout"] button[type="submit"]'
ENTRY_FORM = 'form[data-outbox="entry-create"]'

# What this browser keeps for the site, after the page has settled: cache names, every cached
# URL, whether any cached body holds `text`, and the outbox (waiting and refused items).
DEVICE = """async (text) => {
  const names = await caches.keys();
  const urls = [];
  let holds = false;
  for (const name of names) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      urls.push(new URL(request.url).pathname);
      const response = await cache.match(request);
      if (response && (await response.clone().text()).includes(text)) holds = true;
    }
  }
  const outbox = self.StegvisOutbox;
  const waiting = outbox ? (await outbox.all()).length : 0;
  const refused = outbox ? (await outbox.failed()).length : 0;
  return {names, urls, holds, waiting, refused};
}"""

ADD_TO_OUTBOX = """async ([text, user]) => (await StegvisOutbox.add({
  kind: "entry-create", method: "POST", url: "/api/v1/entries", user,
  body: {client_id: StegvisOutbox.newId(), text, mood: null, written_at: new Date().toISOString()},
})).id"""


def person(live_server, stem: str, large_text: bool = False) -> str:
    """A participant of our own, so no other test's state gets in the way."""
    username = f"{stem}{uuid.uuid4().hex[:6]}"
    with live_server.app.app_context():
        user = User(
            username=username,
            display_name=stem.capitalize(),
            password_hash=passwords.hash_password(DEMO_PASSWORD),
            role=Role.PARTICIPANT,
            large_text=large_text,
        )
        db.session.add(user)
        db.session.flush()
        try:
            from webapp.services import privacy_notice
        except ImportError:  # the notice is not everywhere yet
            privacy_notice = None
        if privacy_notice is not None and hasattr(privacy_notice, "acknowledge"):
            privacy_notice.acknowledge(user)
        db.session.commit()
    return username


def saved_entries(live_server, text: str) -> int:
    with live_server.app.app_context():
        return db.session.scalar(select(func.count()).where(Entry.text == text))


def without_background_sync(context, page, base: str) -> None:
    """Offline must mean offline: see test_offline_journal.without_background_sync."""
    context.new_cdp_session(page).send(
        "Browser.setPermission",
        {"permission": {"name": "background-sync"}, "setting": "denied", "origin": base},
    )


def device(page, text: str) -> dict:
    page.wait_for_load_state("load")
    page.wait_for_timeout(300)  # the new page's own service worker may be filling its shell
    return page.evaluate(DEVICE, text)


def assert_cleared(page, text: str) -> None:
    """Nothing personal is left: no page read while logged in, no push words, no outbox."""
    kept = device(page, text)
    assert not kept["holds"], f"a cached response still holds the words: {kept}"
    assert "stegvis-pages-v1" not in kept["names"] or not kept["urls"], kept
    assert "stegvis-push" not in kept["names"], kept
    assert all(url.startswith("/static/") or url == "/offline" for url in kept["urls"]), kept
    assert (kept["waiting"], kept["refused"]) == (0, 0), kept


def write_offline(context, page, base: str, text: str) -> None:
    page.goto(base + "/me")  # read once online, so it opens offline too
    page.goto(base + "/journal")
    wait_controlled(page)
    context.set_offline(True)
    form = page.locator(ENTRY_FORM).filter(has=page.locator("textarea")).first
    form.locator("textarea").fill(text)
    form.locator('button[type="submit"]:not([name="mood"])').last.click()
    page.locator('[data-outbox-list="entries"] [data-outbox-pending]').filter(
        has_text=text
    ).wait_for()
    response = page.goto(base + "/me")
    assert response.from_service_worker


def warning_says(page, n: int) -> str:
    dialog = page.locator(DIALOG)
    dialog.wait_for(state="visible")
    label = dialog.get_attribute("data-label-one" if n == 1 else "data-label-many")
    expected = label.replace("__N__", str(n))
    assert page.locator(f"{DIALOG} [data-logout-count]").inner_text() == expected
    return expected


def test_offline_the_warning_says_what_would_be_lost_and_stay_keeps_it(
    page, context, live_server, axe_source, private_text
):
    base = live_server.url
    text = private_text(f"Skrevet på bussen uten nett {uuid.uuid4().hex[:8]}")
    log_in(page, base, person(live_server, "buss"))
    wait_controlled(page)
    without_background_sync(context, page, base)
    write_offline(context, page, base, text)

    page.click(LOG_OUT)
    warning_says(page, 1)
    assert path_of(page.url) == "/me"
    assert page.locator(f'{DIALOG} [value="stay"]').evaluate("b => b === document.activeElement")
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.wait_for_timeout(300)  # the buttons' colour transition (180 ms)
        assert axe_violations(page, axe_source) == [], scheme
        page.screenshot(path=str(SHOTS / f"logout-warning-{scheme}.png"))
    page.emulate_media(color_scheme="light")

    page.click(f'{DIALOG} [value="stay"]')  # nothing happens: still here, still waiting
    page.locator(DIALOG).wait_for(state="hidden")
    assert path_of(page.url) == "/me"
    assert device(page, text)["waiting"] == 1

    # Back online the outbox is sent by itself; then logging out asks nothing.
    context.set_offline(False)
    page.wait_for_function("StegvisOutbox.count().then(n => n === 0)")
    with page.expect_navigation(url=f"{base}/login?bye=1"):
        page.click(LOG_OUT)
    assert page.locator(DIALOG).count() == 0  # logged out: no dialog on the page
    assert saved_entries(live_server, text) == 1
    assert_cleared(page, text)


def test_online_what_waits_is_sent_first_then_the_device_is_cleared(
    page, context, live_server, private_text
):
    base = live_server.url
    text = private_text(f"Sendt rett før jeg logget ut {uuid.uuid4().hex[:8]}")
    log_in(page, base, person(live_server, "sist"))
    wait_controlled(page)
    without_background_sync(context, page, base)
    page.goto(base + "/inbox")  # the push card leaves its words in a cache
    page.wait_for_function(
        "caches.open('stegvis-push').then(c => c.match('/push-labels.json')).then(r => !!r)"
    )
    page.goto(base + "/journal")
    user = page.get_attribute("[data-outbox-badge]", "data-user")
    page.goto(base + "/me")
    page.wait_for_timeout(1000)  # the page's own start-up flush is over: nothing sends it now
    page.evaluate(ADD_TO_OUTBOX, [text, user])  # waiting, not sent yet
    before = device(page, text)
    assert before["waiting"] == 1 and "stegvis-push" in before["names"]
    assert "/journal" in before["urls"]

    with page.expect_navigation(url=f"{base}/login?bye=1"):
        page.click(LOG_OUT)
    assert saved_entries(live_server, text) == 1  # sent first, exactly once
    assert_cleared(page, text)
    page.goto(base + "/journal")
    assert path_of(page.url) == "/login"


def test_log_out_anyway_clears_the_device_offline_and_logs_out_when_online(
    page, context, live_server, axe_source, private_text
):
    base = live_server.url
    text = private_text(f"Dette ble aldri sendt {uuid.uuid4().hex[:8]}")
    log_in(page, base, person(live_server, "borte", large_text=True))
    wait_controlled(page)
    without_background_sync(context, page, base)
    write_offline(context, page, base, text)

    page.click(LOG_OUT)
    warning_says(page, 1)
    assert page.evaluate("document.documentElement.classList.contains('large-text')")
    assert axe_violations(page, axe_source) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "logout-warning-large-text.png"))
    page.click(f'{DIALOG} [value="logout"]')
    waiting = page.locator("[data-logout-waiting]")
    waiting.wait_for()
    assert waiting.inner_text().strip() == page.get_attribute(DIALOG, "data-label-waiting")
    assert axe_violations(page, axe_source) == []
    page.screenshot(path=str(SHOTS / "logout-waiting-offline.png"))
    kept = page.evaluate(
        """async () => ({caches: await caches.keys(),
                         workers: (await navigator.serviceWorker.getRegistrations()).length,
                         dbs: (await indexedDB.databases()).map(d => d.name)})"""
    )
    assert kept == {"caches": [], "workers": 0, "dbs": []}, kept

    with page.expect_navigation(url=f"{base}/login?bye=1"):
        context.set_offline(False)
    assert saved_entries(live_server, text) == 0  # lost, as the dialog said
    assert_cleared(page, text)
    page.goto(base + "/me")
    assert path_of(page.url) == "/login"


def test_the_servers_answer_alone_clears_the_device(page, context, live_server, private_text):
    """As if the page's JavaScript had not run: the form posts as it is, and Clear-Site-Data
    on the answer empties the caches and the outbox."""
    base = live_server.url
    text = private_text(f"Ligger igjen i utboksen {uuid.uuid4().hex[:8]}")
    log_in(page, base, person(live_server, "rein"))
    wait_controlled(page)
    without_background_sync(context, page, base)
    page.goto(base + "/inbox")
    page.wait_for_function(
        "caches.open('stegvis-push').then(c => c.match('/push-labels.json')).then(r => !!r)"
    )
    page.goto(base + "/me")
    page.evaluate(ADD_TO_OUTBOX, [text, "someone else"])  # not this person's: never sent
    assert device(page, text)["waiting"] == 1
    page.evaluate(
        "document.querySelector('form[action=\"/logout\"]').removeAttribute('data-logout')"
    )
    with page.expect_navigation(url=f"{base}/login?bye=1") as nav:
        page.click(LOG_OUT)
    assert nav.value.status == 200
    assert_cleared(page, text)
    assert saved_entries(live_server, text) == 0


def test_the_server_log_the_end_of_session_check_reads_would_catch_a_text(
    page, context, live_server
):
    """The control for the log check: a text in a request line and one the app logs land in
    the file, and the checker finds both (they are not registered, so the session check does
    not fail on them). And what the tests write is registered for that check."""
    base = live_server.url
    in_url = f"Planted i adressen {uuid.uuid4().hex[:8]} æøå"
    in_log = f"Planted i loggen {uuid.uuid4().hex[:8]}"
    page.goto(base + "/help?q=" + in_url)
    live_server.app.logger.warning("something went wrong with %s", in_log)
    found = privacy_witness.check_log(live_server.log.path, [in_url, in_log])
    assert {leak.text for leak in found} == {in_url, in_log}
    assert in_url not in privacy_witness.texts() and in_log not in privacy_witness.texts()
    assert live_server.log.requests > 0 and live_server.log.lines() >= live_server.log.requests

    # The seed data went to the e2e database, and the mapper events saw it.
    with live_server.app.app_context():
        seeded = db.session.scalar(select(Entry.text).where(func.length(Entry.text) > 8))
    assert seeded in privacy_witness.texts(live_server.database)
