// Stegvis in the browser: register the service worker and keep small page helpers in one place.

import "./outbox.js";
import { clearRecording, initReadAloud, initRecorders, takeRecording } from "./recorder.js";

if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {
      // No service worker means no offline mode; the pages still work.
    });
  });
}

function markConnection() {
  document.documentElement.classList.toggle("is-offline", !navigator.onLine);
}
window.addEventListener("online", markConnection);
window.addEventListener("offline", markConnection);
markConnection();

// Buttons with data-copy copy a value and say so in their own live region.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  try {
    await navigator.clipboard.writeText(button.dataset.copy);
    const status = document.getElementById(button.getAttribute("aria-describedby"));
    if (status) status.textContent = button.dataset.copied || "";
  } catch {
    // Clipboard can be blocked; the value is visible on the page to copy by hand.
  }
});

// Forms with data-confirm ask before doing something hard to undo.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

// Pages read offline are personal. When nobody is logged in (after logout, or a login expired),
// forget them on this device.
if (document.body && "anon" in document.body.dataset && "caches" in window) {
  caches.delete("stegvis-pages-v1").catch(() => {});
}

// Offer installation with our own button, where the browser allows it (Chromium on Android).
let installPrompt = null;
window.addEventListener("beforeinstallprompt", (event) => {
  event.preventDefault();
  installPrompt = event;
  for (const button of document.querySelectorAll("[data-install]")) button.hidden = false;
});
document.addEventListener("click", async (event) => {
  const button = event.target.closest("[data-install]");
  if (!button || !installPrompt) return;
  installPrompt.prompt();
  await installPrompt.userChoice;
  installPrompt = null;
  button.hidden = true;
});

// --- The offline outbox -------------------------------------------------------------------------
//
// Forms marked data-outbox="<kind>" data-api="<METHOD> <url>" never post the page: what they say
// goes into the outbox (IndexedDB, outbox.js) and is sent to the JSON API at once when possible.
// Sent: the page reloads (or follows data-next), as if the form had posted. Not sent (offline,
// server trouble): the change is shown here marked "waiting to sync", and goes later, on the
// `online` event, at the next app start, or by Background Sync in the service worker.

const outbox = self.StegvisOutbox;
const CREATES = new Set(["entry-create", "goal-create", "step-create"]);
const INTEGERS = new Set(["mood"]);
const BOOLEANS = new Set(["done"]);
const NULL_WHEN_EMPTY = new Set(["mood", "goal_ref", "target_date", "day"]);
const NOT_SENT = new Set(["csrf_token", "next"]);
const busy = new WeakSet();
let navigating = false;

const badge = () => document.querySelector("[data-outbox-badge]");
const currentUser = () => (badge() && badge().dataset.user) || null;

function fill(text, n) {
  return text.replace(/%\(n\)s|__N__|\{n\}/g, String(n));
}

function label(element, key, english) {
  const name = "label" + key[0].toUpperCase() + key.slice(1);
  return (element && element.dataset[name]) || (badge() && badge().dataset[name]) || english;
}

function newId() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function apiOf(form) {
  const [method, url] = (form.dataset.api || "").trim().split(/\s+/);
  return method && url ? { method: method.toUpperCase(), url } : null;
}

function bodyOf(form, submitter) {
  const data = new FormData(form);
  if (submitter && submitter.name) data.set(submitter.name, submitter.value);
  const body = {};
  for (const [name, raw] of data) {
    if (NOT_SENT.has(name) || typeof raw !== "string") continue;
    let value = raw;
    if (NULL_WHEN_EMPTY.has(name) && value.trim() === "") value = null;
    else if (INTEGERS.has(name)) value = Number.parseInt(value, 10);
    else if (BOOLEANS.has(name)) value = value === "true" || value === "on" || value === "1";
    body[name] = value;
  }
  return body;
}

function stampOf(kind, body) {
  const now = new Date().toISOString();
  if (kind === "entry-create") body.written_at = now;
  if (kind === "entry-update") body.edited_at = now;
  if (kind === "step-toggle" && body.done) body.done_at = now;
  return body;
}

async function updateBadge() {
  if (!outbox) return;
  let n = 0;
  try {
    n = (await outbox.pendingFor(currentUser())).length;
  } catch {
    return;
  }
  // One quiet line is enough: a journal page's own status line, else the badge in the header.
  const ownLine = document.querySelector("main [data-outbox-status]");
  for (const element of document.querySelectorAll("[data-outbox-badge], [data-outbox-status]")) {
    element.dataset.count = String(n);
    element.hidden = n === 0 || (ownLine && element.matches("[data-outbox-badge]"));
    const text = element.dataset.label || element.dataset.labelWaiting
      || (badge() && badge().dataset.label) || "Waiting to sync (%(n)s)";
    element.textContent = n ? fill(text, n) : "";
  }
}

function pendingLabel(list) {
  const span = document.createElement("span");
  span.className = "pending-label";
  span.dataset.pendingLabel = "";
  span.textContent = label(list, "pending", "Waiting to sync");
  return span;
}

// What a mood looks like on this page: the content of its one-tap button, or its label.
function moodPicture(mood) {
  const choice = document.querySelector(`[data-outbox="entry-create"] [name="mood"][value="${mood}"]`);
  if (!choice) return null;
  const holder = document.createElement("span");
  holder.className = `face mood-${mood}`;
  const source = choice.tagName === "BUTTON" ? choice : choice.closest("label") || (choice.id && document.querySelector(`label[for="${choice.id}"]`));
  if (source) {
    for (const node of source.childNodes) {
      if (node.nodeName !== "INPUT") holder.append(node.cloneNode(true));
    }
  }
  return holder;
}

function pendingItem(list, item, parts, className = "") {
  const tag = list.tagName === "UL" || list.tagName === "OL" ? "li" : "div";
  const element = document.createElement(tag);
  element.className = `${className} is-pending`.trim();
  // "Nothing here yet" is no longer true.
  for (const empty of list.querySelectorAll(":scope > .empty")) empty.hidden = true;
  element.dataset.outboxPending = "";
  if (item.body && item.body.client_id) element.dataset.clientId = item.body.client_id;
  for (const part of parts) if (part) element.append(part);
  element.append(pendingLabel(list));
  return element;
}

function paragraph(text, className) {
  if (!text) return null;
  const p = document.createElement("p");
  if (className) p.className = className;
  p.textContent = text;
  return p;
}

function alreadyShown(list, clientId) {
  return clientId && [...list.querySelectorAll("[data-client-id]")].some((el) => el.dataset.clientId === clientId);
}

function stepFormsFor(url) {
  return [...document.querySelectorAll('form[data-outbox="step-toggle"]')].filter((form) => {
    const api = apiOf(form);
    return api && api.url === url;
  });
}

// A step shown as done or not: the form's next value flips, and the look follows.
function showStep(form, done) {
  const input = form.querySelector('input[name="done"]');
  if (input) input.value = done ? "false" : "true";
  form.dataset.done = String(done);
  for (const box of form.querySelectorAll('input[type="checkbox"]')) box.checked = done;
  for (const b of form.querySelectorAll("[aria-pressed]")) b.setAttribute("aria-pressed", String(done));
  // The tick's icon (circle / circle-check) and, when the page gives them, its two labels.
  for (const use of form.querySelectorAll("button use")) {
    const href = use.getAttribute("href") || "";
    if (/#circle(-check)?$/.test(href)) use.setAttribute("href", href.replace(/#circle(-check)?$/, done ? "#circle-check" : "#circle"));
  }
  for (const b of form.querySelectorAll("button[data-label-done][data-label-open]")) {
    b.setAttribute("aria-label", done ? b.dataset.labelDone : b.dataset.labelOpen);
  }
  const holder = form.closest("li, [data-step]") || form;
  holder.classList.toggle("is-done", done);
  holder.dataset.done = String(done);
}

function showPending(item) {
  const body = item.body || {};
  if (item.kind === "entry-create") {
    const list = document.querySelector('[data-outbox-list="entries"]');
    if (!list || alreadyShown(list, body.client_id)) return;
    const head = document.createElement("div");
    head.className = "entry-head";
    if (body.mood) head.append(moodPicture(body.mood) || "");
    const voice = item.audio ? paragraph(label(list, "voice", "Voice note"), "badge") : null;
    list.prepend(pendingItem(list, item, [head, paragraph(body.text, "entry-text"), voice], "entry card"));
  } else if (item.kind === "goal-create") {
    const list = document.querySelector('[data-outbox-list="goals"]');
    if (!list || alreadyShown(list, body.client_id)) return;
    list.append(pendingItem(list, item, [paragraph(body.title)]));
  } else if (item.kind === "step-create") {
    const match = item.url.match(/\/goals\/([^/]+)\/steps\/?$/);
    const list = match && document.querySelector(`[data-outbox-list="steps-${CSS.escape(match[1])}"]`);
    if (!list || alreadyShown(list, body.client_id)) return;
    const main = document.createElement("div");
    main.className = "step-main";
    const title = document.createElement("span");
    title.className = "step-title";
    title.textContent = body.title || "";
    main.append(title);
    list.append(pendingItem(list, item, [main], "step"));
  } else if (item.kind === "step-toggle") {
    for (const form of stepFormsFor(item.url)) {
      showStep(form, !!body.done);
      const holder = form.closest("li, [data-step]") || form;
      if (!holder.querySelector("[data-pending-label]")) holder.append(pendingLabel(holder));
    }
  }
}

async function showAllPending() {
  if (!outbox) return;
  try {
    for (const item of await outbox.pendingFor(currentUser())) showPending(item);
  } catch {
    // No IndexedDB here: nothing can be waiting.
  }
}

function formIsClean() {
  for (const field of document.querySelectorAll("form[data-outbox] textarea, form[data-outbox] input:not([type=hidden])")) {
    if (field.type === "checkbox" || field.type === "radio") {
      if (field.checked !== field.defaultChecked) return false;
    } else if (field.value !== field.defaultValue) {
      return false;
    }
  }
  return true;
}

function onJournalPage() {
  return !!document.querySelector("[data-outbox-list], [data-outbox-status], form[data-outbox]");
}

// After a flush: fewer waiting. When everything went through, show the server's own page again
// (unless someone is in the middle of writing).
function afterFlush(detail) {
  updateBadge();
  if (!detail || navigating) return;
  for (const clientId of detail.sent || []) {
    for (const el of document.querySelectorAll("[data-outbox-pending][data-client-id]")) {
      if (el.dataset.clientId === clientId) el.querySelector("[data-pending-label]")?.remove();
    }
  }
  if (detail.type === "flushed" && detail.sent && detail.sent.length && detail.pending === 0
      && onJournalPage() && formIsClean()) {
    navigating = true;
    location.reload();
  }
}

function requestBackgroundSync() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.ready
    .then((registration) => registration.sync && registration.sync.register("outbox"))
    .catch(() => {});
}

// While the page is open and something waits because the server had trouble (or the network
// dropped without the browser noticing), try again now and then: 15 s, 30 s, … up to 5 minutes.
let retryDelay = 15_000;
let retryTimer = null;

function flushSoon() {
  // Nobody logged in: nothing may be sent, and asking the server for a token here could race a
  // login in progress and hand back an anonymous cookie after the logged-in one.
  if (!outbox || "anon" in document.body.dataset) return Promise.resolve(null);
  return outbox.flush().then((result) => {
    clearTimeout(retryTimer);
    if (result && result.pending && (result.stopped === "server" || result.stopped === "network")) {
      retryTimer = setTimeout(flushSoon, retryDelay);
      retryDelay = Math.min(retryDelay * 2, 300_000);
    } else {
      retryDelay = 15_000;
    }
    return result;
  }).catch(() => null);
}

function postNormally(form, submitter) {
  form.dataset.outboxBypass = "1";
  if (submitter && form.requestSubmit) form.requestSubmit(submitter);
  else form.requestSubmit ? form.requestSubmit() : form.submit();
}

// Like the form would have done without JavaScript: show the page again, or go to data-next
// ("{id}" in it is the id the server gave the new object).
// Where the server's own form would have gone, when the form has no data-next.
const NEXT = {
  "goal-create": "/journal/goals/{id}",
  "entry-update": "/journal#entry-{id}",
};

function afterSent(form, data) {
  navigating = true;
  let next = form.dataset.next || NEXT[form.dataset.outbox] || "";
  if (!next && form.dataset.outbox === "step-toggle" && data && data.done) {
    next = `?ticked=${data.id}#step-${data.id}`; // the goal page celebrates the ticked step
  }
  if (!next || (next.includes("{id}") && !(data && data.id))) {
    location.reload();
    return;
  }
  const target = new URL(next.replaceAll("{id}", data ? encodeURIComponent(data.id) : ""), location.href);
  if (target.pathname === location.pathname && target.search === location.search) {
    if (target.hash) history.replaceState(null, "", target.hash);
    location.reload();
  } else {
    location.assign(target.href);
  }
}

async function submitToOutbox(form, submitter, api) {
  const kind = form.dataset.outbox;
  const body = bodyOf(form, submitter);
  if (CREATES.has(kind)) {
    body.client_id = newId();
    const input = form.querySelector('input[name="client_id"]');
    if (input) input.value = body.client_id;
  }
  stampOf(kind, body);
  const recording = kind === "entry-create" ? takeRecording(form) : null;
  if (kind === "entry-create" && !body.mood && !(body.text || "").trim() && !recording) {
    // Nothing to save: the server's page says so, kindly, when it can be reached.
    if (navigator.onLine) postNormally(form, submitter);
    return;
  }
  const item = await outbox.add({
    kind,
    method: api.method,
    url: api.url,
    body,
    audio: recording ? recording.blob : null,
    duration_ms: recording ? recording.duration_ms : null,
    user: currentUser(),
  });
  requestBackgroundSync();
  const result = await flushSoon();
  const failed = result && result.failed.find((f) => f.id === item.id);
  if (failed) {
    // The server will not take it (a mistake in the form): let the page show why.
    postNormally(form, submitter);
    return;
  }
  const waiting = (await outbox.all()).some((it) => it.id === item.id);
  if (!waiting) {
    const sent = result && result.sent.find((s) => s.id === item.id);
    afterSent(form, sent && sent.data);
    return;
  }
  // Not sent yet: show it as waiting, and make the form ready for the next one.
  showPending(item);
  if (CREATES.has(kind)) {
    form.reset(); // an edit form keeps what was typed: that is what is waiting
    if (recording) clearRecording(form);
  }
  if (CREATES.has(kind)) {
    const input = form.querySelector('input[name="client_id"]');
    if (input) input.value = newId();
  }
  updateBadge();
}

if (outbox) {
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("[data-outbox]")) return;
    if (event.defaultPrevented) return;
    if (form.dataset.outboxBypass) {
      delete form.dataset.outboxBypass;
      return;
    }
    const api = apiOf(form);
    if (!api) return;
    event.preventDefault();
    if (busy.has(form)) return; // a second tap while the first is on its way
    busy.add(form);
    const submitter = event.submitter;
    submitToOutbox(form, submitter, api)
      .catch(() => {
        // No IndexedDB (a private window, say): post the form the old way.
        postNormally(form, submitter);
      })
      .finally(() => {
        if (!navigating) busy.delete(form);
      });
  });

  // Flushes here and in the service worker both announce themselves on this channel.
  if (typeof BroadcastChannel === "function") {
    new BroadcastChannel("stegvis-outbox").addEventListener("message", (event) => afterFlush(event.data));
  }
  window.addEventListener("online", () => flushSoon());

  // A page read from the cache must still show what is waiting, and the app start sends it.
  // If something was sent after this page was asked for (by the service worker's Background
  // Sync, say), the page may miss it: show the server's page again.
  showAllPending().then(updateBadge).then(async () => {
    if ("anon" in document.body.dataset) return;
    await flushSoon();
    const sentAt = await outbox.lastSentAt().catch(() => 0);
    if (sentAt > performance.timeOrigin && !navigating && onJournalPage() && formIsClean()) {
      navigating = true;
      location.reload();
    }
  });
}

// Prompt chips and goal suggestions are links (they work without JavaScript); here they fill in
// the form at once, which also works offline.
document.addEventListener("click", (event) => {
  const chip = event.target.closest("a[data-prompt], a[data-title]");
  if (!chip) return;
  if (chip.dataset.prompt !== undefined) {
    const textarea = chip.closest("form")?.querySelector("textarea") || document.querySelector('[data-outbox="entry-create"] textarea');
    if (!textarea) return;
    event.preventDefault();
    const start = `${chip.dataset.prompt}: `;
    textarea.value = textarea.value.trim() ? `${textarea.value.trimEnd()}\n${start}` : start;
    textarea.focus();
    textarea.setSelectionRange(textarea.value.length, textarea.value.length);
  } else {
    const form = document.querySelector('form[data-outbox="goal-create"]');
    const title = form && form.querySelector('[name="title"]');
    if (!title) return;
    event.preventDefault();
    title.value = chip.dataset.title;
    const theme = form.querySelector(`[name="theme"][value="${CSS.escape(chip.dataset.theme || "")}"]`);
    if (theme) theme.checked = true;
    title.focus();
  }
});

// "Read aloud" next to each entry's text and the writing prompts, unless the page has its own.
function addReadAloudButtons() {
  if (!("speechSynthesis" in window) || document.querySelector("[data-read-aloud]")) return;
  const text = label(null, "readAloud", "Read aloud");
  const make = () => {
    const b = document.createElement("button");
    b.type = "button";
    b.className = "button secondary small read-aloud";
    b.dataset.readAloud = "";
    b.setAttribute("aria-pressed", "false");
    b.textContent = text;
    return b;
  };
  for (const p of document.querySelectorAll('[data-outbox-list="entries"] .entry-text')) {
    if (!p.id) p.id = `read-${Math.random().toString(36).slice(2)}`;
    const b = make();
    b.dataset.readTarget = `#${p.id}`;
    p.after(b);
  }
  const chips = document.querySelector(".chips");
  if (chips && chips.querySelector("[data-prompt]")) {
    if (!chips.id) chips.id = "read-prompts";
    const b = make();
    b.dataset.readTarget = `#${chips.id}`;
    chips.after(b);
  }
}

initRecorders();
addReadAloudButtons();
initReadAloud();
