// Stegvis live session: the phone's live view, the counsellor's control view and the big screen.
//
// The pages are rendered by the server and work without this file. Here we:
// - poll the live state API with If-None-Match (screen every 1 s, phones and control every 1.5 s,
//   every 5 s while the tab is hidden; after errors we back off and catch up by ourselves);
// - when the version changes, fetch the page again and swap the regions ([data-live-region])
//   that changed, leaving alone a region someone is typing in;
// - count the silence timer down calmly, corrected for the phone's clock;
// - send responses through the outbox (IndexedDB), so one written offline goes when back online;
// - send strength words and the counsellor's moves with fetch and the CSRF header.
// Everything people wrote is only ever set as text.

import "./outbox.js";

const root = document.querySelector("[data-live]");
const outbox = self.StegvisOutbox;

if (root) start(root);

function start(root) {
  const view = root.dataset.view;
  // Only the head of the state: the page fetches its own regions when the version changes.
  const stateUrl = root.dataset.stateUrl + (root.dataset.stateUrl.includes("?") ? "&" : "?") + "head=1";
  const every = view === "screen" ? 1000 : 1500;
  const hiddenEvery = 5000;
  let etag = null;
  let version = Number(root.dataset.version);
  let timerHandle = null;
  let busy = false;
  let again = false;
  let failures = 0;
  let clockSkew = 0; // server time minus this device's time, in ms
  let timerState = timerFromPage();
  let owed = false; // a region was left alone because someone was typing in it

  for (const link of document.querySelectorAll("[data-live-refresh]")) link.closest("p").hidden = true;

  function schedule() {
    clearTimeout(timerHandle);
    let delay = document.hidden ? hiddenEvery : every;
    if (failures) delay = Math.min(every * 2 ** failures, hiddenEvery);
    timerHandle = setTimeout(poll, delay);
  }

  async function poll() {
    if (busy) {
      again = true;
      return;
    }
    busy = true;
    try {
      const headers = { Accept: "application/json" };
      if (etag) headers["If-None-Match"] = etag;
      const response = await fetch(stateUrl, { headers, credentials: "same-origin", cache: "no-store" });
      if (response.status === 304) {
        failures = 0;
        if (owed) await refresh();
      } else if (response.ok) {
        const tag = response.headers.get("ETag");
        const state = await response.json();
        clockSkew = Date.parse(state.server_time) - Date.now();
        timerState = state.timer;
        if (lastKey === null && state.version === version) lastKey = keyOf(state);
        if (state.version !== version || owed) {
          const key = keyOf(state);
          await refresh(); // if this fails, the old ETag stays and the next poll tries again
          version = state.version;
          if (key !== lastKey) announce();
          lastKey = key;
        }
        etag = tag;
        failures = 0;
      } else {
        failures = Math.min(failures + 1, 3);
      }
    } catch {
      failures = Math.min(failures + 1, 3); // offline or the server away: try again, slower
    } finally {
      busy = false;
      if (again) {
        again = false;
        setTimeout(poll, 0);
      } else {
        schedule();
      }
    }
  }

  let lastKey = null;
  function keyOf(state) {
    return `${state.status}|${state.dilemma ? state.dilemma.id : ""}|${state.round ? state.round.id : ""}`;
  }

  function announce() {
    const box = root.querySelector("[data-live-announce]");
    if (box && root.dataset.labelNew) {
      box.textContent = "";
      setTimeout(() => { box.textContent = root.dataset.labelNew; }, 50);
    }
  }

  // Fetch the page again and swap every region whose content changed.
  async function refresh() {
    const response = await fetch(`${location.pathname}?part=1`, {
      credentials: "same-origin",
      headers: { Accept: "text/html" },
      cache: "no-store",
    });
    if (!response.ok) throw new Error(String(response.status));
    const html = await response.text();
    const page = new DOMParser().parseFromString(html, "text/html");
    owed = false;
    for (const fresh of page.querySelectorAll("[data-live-region]")) {
      const name = fresh.dataset.liveRegion;
      const here = root.querySelector(`[data-live-region="${CSS.escape(name)}"]`);
      if (!here || same(here.innerHTML, fresh.innerHTML)) continue;
      if (inUse(here)) {
        // Keep what someone is writing; a form for the same thing stays as it is.
        if (here.dataset.key === fresh.dataset.key && here.querySelector("form")) continue;
        owed = true;
        continue;
      }
      const focused = focusIndex(here);
      const next = document.importNode(fresh, true);
      here.replaceWith(next);
      if (focused >= 0) {
        const target = next.querySelectorAll(FOCUSABLE)[focused];
        if (target) target.focus({ preventScroll: true });
      }
    }
    showWhenKind();
  }

  // Each page render signs a fresh CSRF token and makes a fresh client id: not a change.
  const VOLATILE = /name="(csrf_token|client_id)" value="[^"]*"/g;
  function same(a, b) {
    return a.replace(VOLATILE, "") === b.replace(VOLATILE, "");
  }

  const FOCUSABLE = "a[href], button, input, select, textarea, summary";
  function focusIndex(region) {
    if (!region.contains(document.activeElement)) return -1;
    return [...region.querySelectorAll(FOCUSABLE)].indexOf(document.activeElement);
  }

  function inUse(region) {
    if (region.contains(document.activeElement) && document.activeElement !== document.body) {
      const tag = document.activeElement.tagName;
      if (tag === "TEXTAREA" || tag === "SELECT" || (tag === "INPUT" && document.activeElement.type === "text")) return true;
    }
    // Words someone typed are kept; a tapped choice is not worth keeping a stale screen for.
    for (const field of region.querySelectorAll("textarea, input[type=text]")) {
      if (field.value.trim() !== field.defaultValue.trim()) return true;
    }
    return false;
  }

  // --- the silence timer -------------------------------------------------------------------------

  function timerFromPage() {
    const el = document.querySelector("[data-live-timer]");
    if (!el || !el.dataset.endsAt) return null;
    clockSkew = Date.parse(el.dataset.serverTime) - Date.now();
    return { ends_at: el.dataset.endsAt, seconds: Number(el.dataset.seconds) };
  }

  function drawTimer() {
    const el = document.querySelector("[data-live-timer]");
    if (!el) return;
    if (!timerState) {
      el.hidden = true;
      return;
    }
    const left = Math.max(0, Math.ceil((Date.parse(timerState.ends_at) - (Date.now() + clockSkew)) / 1000));
    if (left <= 0 && Date.now() + clockSkew - Date.parse(timerState.ends_at) > 8000) {
      el.hidden = true; // a few calm seconds of "time is up", then it goes away
      return;
    }
    el.hidden = false;
    const text = el.querySelector("[data-timer-left]");
    const words = left > 0 ? `${Math.floor(left / 60)}:${String(left % 60).padStart(2, "0")}` : root.dataset.labelUp || "0:00";
    if (text && text.textContent !== words) text.textContent = words;
    el.classList.toggle("is-up", left <= 0);
    const bar = el.querySelector("[data-timer-bar]");
    if (bar && timerState.seconds) bar.style.inlineSize = `${(100 * left) / timerState.seconds}%`;
  }

  setInterval(drawTimer, 250);
  drawTimer();

  // --- the respond form, strength words and the counsellor's moves ----------------------------------

  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || form.dataset.liveBypass) return;
    if (form.matches("[data-live-respond]")) {
      event.preventDefault();
      sendResponse(form, event.submitter).catch(() => postNormally(form));
    } else if (form.matches("[data-live-word]")) {
      event.preventDefault();
      sendJson(form, form.dataset.api, wordBody(form)).catch(() => postNormally(form));
    } else if (form.matches("[data-live-action]") && root.dataset.actionUrl) {
      event.preventDefault();
      sendJson(form, root.dataset.actionUrl, actionBody(form)).catch(() => postNormally(form));
    }
  });

  function postNormally(form) {
    form.dataset.liveBypass = "1";
    form.submit();
  }

  function note(form, text) {
    const box = form.querySelector("[data-live-note]");
    if (box) box.textContent = text || "";
  }

  function tokenOf(form) {
    const input = form.querySelector('input[name="csrf_token"]');
    return input ? input.value : "";
  }

  function responseBody(form) {
    const data = new FormData(form);
    const kind = data.get("kind") || "thought";
    const choice = data.get("choice");
    return {
      client_id: data.get("client_id"),
      kind,
      choice: kind === "choice" && choice ? Number(choice) : null,
      text: String(data.get("text") || "").trim(),
      anonymous: data.get("anonymous") !== "0",
    };
  }

  const newId = () => self.StegvisOutbox.newId();

  function cleared(form) {
    const kind = form.querySelector('input[name="kind"]:checked');
    const anonymous = form.querySelector('input[name="anonymous"]:checked');
    form.reset();
    // The person's last choices stay (they are not content); the text and the pick go.
    for (const input of [kind, anonymous]) if (input) input.checked = true;
    form.querySelector('input[name="client_id"]').value = newId();
    showWhenKind();
  }

  async function sendResponse(form) {
    const body = responseBody(form);
    const emptyText = body.kind !== "choice" && !body.text;
    if (emptyText || (body.kind === "choice" && !body.choice)) {
      // The server's page says what is missing, kindly, and keeps what was typed.
      if (navigator.onLine) postNormally(form);
      return;
    }
    if (!outbox) {
      await sendJson(form, form.dataset.api, body, true);
      cleared(form);
      return;
    }
    const badge = document.querySelector("[data-outbox-badge]");
    const item = await outbox.add({
      kind: "live-response",
      method: "POST",
      url: form.dataset.api,
      body,
      user: badge && badge.dataset.user ? badge.dataset.user : null,
      about: body.text.slice(0, 80),
    });
    const result = await outbox.flush().catch(() => null);
    const refused = result && result.failed.find((f) => f.id === item.id);
    if (refused) {
      const kept = (await outbox.failed()).find((f) => f.failed_id === item.id);
      if (kept) await outbox.removeFailed(kept.id);
      postNormally(form); // the page shows why, with the words still there
      return;
    }
    const sent = result && result.sent.find((s) => s.id === item.id);
    note(form, sent ? root.dataset.labelSent : root.dataset.labelWaiting);
    cleared(form);
    if (sent) poll();
  }

  // Sent when the phone is online again: app.js flushes on "online"; then show it here.
  function afterFlush(detail) {
    if (!detail || detail.type !== "flushed" || !detail.sent || !detail.sent.length) return;
    if (!detail.pending) {
      for (const form of document.querySelectorAll("[data-live-respond]")) {
        const box = form.querySelector("[data-live-note]");
        if (box && box.textContent === root.dataset.labelWaiting) box.textContent = root.dataset.labelSent;
      }
    }
    poll();
  }
  if (typeof BroadcastChannel === "function") {
    new BroadcastChannel("stegvis-outbox").addEventListener("message", (event) => afterFlush(event.data));
  }
  window.addEventListener("stegvis-outbox", (event) => afterFlush(event.detail));

  function wordBody(form) {
    const data = new FormData(form);
    return {
      preset: data.get("preset") || null,
      text: String(data.get("text") || "").trim(),
      show_name: data.get("show_name") === "1",
    };
  }

  const NUMBERS = new Set(["dilemma_id", "response_id", "subject_id", "seconds"]);

  function actionBody(form) {
    const body = {};
    for (const [name, value] of new FormData(form)) {
      if (name === "csrf_token" || typeof value !== "string") continue;
      body[name] = NUMBERS.has(name) ? Number(value) : value;
    }
    return body;
  }

  async function sendJson(form, url, body, throwOnRefusal = false) {
    const button = form.querySelector("button[type=submit]");
    if (button) button.disabled = true;
    try {
      const response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": tokenOf(form) },
        body: JSON.stringify(body),
      });
      if (!response.ok) {
        if (throwOnRefusal || response.status >= 400) throw new Error(String(response.status));
      }
      if (form.matches("[data-live-word]")) note(form, root.dataset.labelSent);
      etag = null; // something changed: fetch the state now
      await poll();
    } finally {
      if (button) button.disabled = false;
    }
  }

  // --- "I would choose" shows only with "My choice" -------------------------------------------------

  function showWhenKind() {
    for (const form of document.querySelectorAll("[data-live-respond]")) {
      const kind = (form.querySelector('input[name="kind"]:checked') || {}).value;
      for (const el of form.querySelectorAll('[data-when-kind="choice"]')) el.hidden = kind !== "choice";
    }
  }
  document.addEventListener("change", (event) => {
    if (event.target.name === "kind") showWhenKind();
  });
  showWhenKind();

  document.addEventListener("visibilitychange", () => {
    if (!document.hidden) poll();
  });
  window.addEventListener("online", () => poll());
  schedule();
}
