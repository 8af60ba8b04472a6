// Stegvis in the browser: register the service worker and keep small page helpers in one place.

import "./outbox.js";
import { initLogout } from "./logout.js";
import { initPush } from "./push.js";
import { clearRecording, initReadAloud, initRecorders, takeRecording } from "./recorder.js";

if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => {
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch(() => {
      // No service worker means no offline mode; the pages still work.
    });
    initPush().catch(() => {
      // No notifications on this device; the inbox has everything.
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

// Logging out sends what waits first (or says what would be lost) and clears this device.
initLogout();

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

const newId = () => self.StegvisOutbox.newId();

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

// The counts in the header: "Waiting to sync (n)" and, for what the server would not take, the
// "Not saved (n)" button that opens the list. A change in either is said once, politely.
let badgeQueue = Promise.resolve();
let lastCounts = null;

function updateBadge() {
  badgeQueue = badgeQueue.then(showCounts, showCounts);
  return badgeQueue;
}

async function showCounts() {
  if (!outbox) return;
  let n = 0;
  let notSaved = 0;
  try {
    n = (await outbox.pendingFor(currentUser())).length;
    notSaved = await countNotSaved();
  } catch {
    return;
  }
  // One quiet line is enough: a journal page's own status line, else the badge in the header.
  const ownLine = document.querySelector("main [data-outbox-status]");
  let waitingText = "";
  for (const element of document.querySelectorAll("[data-outbox-badge], [data-outbox-status]")) {
    element.dataset.count = String(n);
    element.hidden = n === 0 || (ownLine && element.matches("[data-outbox-badge]"));
    const text = element.dataset.label || element.dataset.labelWaiting
      || (badge() && badge().dataset.label) || "Waiting to sync (%(n)s)";
    element.textContent = n ? fill(text, n) : "";
    waitingText = element.textContent;
  }
  let notSavedText = "";
  const button = unsavedBadge();
  if (button) {
    button.dataset.count = String(notSaved);
    button.hidden = notSaved === 0;
    notSavedText = notSaved ? fill(button.dataset.label || "Not saved (%(n)s)", notSaved) : "";
    const count = button.querySelector("[data-unsaved-count]");
    if (count) count.textContent = notSavedText;
  }
  const counts = `${n}/${notSaved}`;
  if (lastCounts !== null && counts !== lastCounts) {
    announce([notSavedText, waitingText].filter(Boolean).join(". "));
  }
  lastCounts = counts;
}

// A polite, visually hidden line for screen readers (the same words as the page shows). What is
// said within a moment is said together ("1 of 3 steps done. Waiting to sync (1)"), not cut off.
let toSay = [];

function announce(text) {
  const region = document.querySelector("[data-outbox-announce]");
  if (!region || !text) return;
  if (!toSay.length) {
    region.textContent = "";
    setTimeout(() => {
      region.textContent = [...new Set(toSay)].join(". ");
      toSay = [];
    }, 100);
  }
  toSay.push(text);
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

// --- The progress ring of a goal ----------------------------------------------------------------
//
// A ring with data-ring="<list>" counts the steps in that list as the page shows them: ticked or
// opened here, added while offline, or waiting in the outbox after a reload. Its words come from
// the page (data-label-one / -many / -none, with __DONE__ and __NUM__), so they are translated.

const SVG = "http://www.w3.org/2000/svg";

function ringWords(ring, done, total) {
  if (!total) return ring.dataset.labelNone || "";
  const text = (total === 1 ? ring.dataset.labelOne : ring.dataset.labelMany) || "__DONE__ / __NUM__";
  return text.replaceAll("__DONE__", String(done)).replaceAll("__NUM__", String(total));
}

function drawRing(ring, done, total) {
  ring.dataset.done = String(done);
  ring.dataset.total = String(total);
  const svg = ring.querySelector("svg");
  let fillCircle = ring.querySelector(".ring-fill");
  if (svg && done && total) {
    if (!fillCircle) {
      fillCircle = document.createElementNS(SVG, "circle");
      fillCircle.setAttribute("class", "ring-fill");
      for (const [name, value] of [["cx", "18"], ["cy", "18"], ["r", "15.5"], ["pathLength", "100"]]) {
        fillCircle.setAttribute(name, value);
      }
      svg.append(fillCircle);
    }
    fillCircle.setAttribute("stroke-dasharray", `${Math.round((1000 * done) / total) / 10} 100`);
  } else if (fillCircle) {
    fillCircle.remove();
  }
  const text = ring.querySelector(".ring-text");
  if (text) text.textContent = ringWords(ring, done, total);
  return text ? text.textContent : "";
}

function updateRings() {
  const said = [];
  for (const ring of document.querySelectorAll("[data-ring]")) {
    const list = document.querySelector(`[data-outbox-list="${CSS.escape(ring.dataset.ring)}"]`);
    if (!list) continue;
    const steps = [...list.children].filter((li) => li.matches(".step"));
    const done = steps.filter((li) => li.classList.contains("is-done")).length;
    said.push(drawRing(ring, done, steps.length));
  }
  return said.filter(Boolean).join(". ");
}

// A tick shown at once, before the server has it (and taken back if the server says no).
function showTick(url, done, celebrate) {
  for (const form of stepFormsFor(url)) {
    showStep(form, done);
    const holder = form.closest("li, [data-step]") || form;
    holder.classList.toggle("celebrate", celebrate && done);
  }
  return updateRings();
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
  updateRings();
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
// (unless someone is in the middle of writing, or has the "Not saved" list open: then when it
// closes). Also when something shown as waiting here was refused, so the page shows the truth.
let reloadOwed = false;

function reloadSoon() {
  if (navigating) return;
  if (unsavedOpen()) {
    reloadOwed = true;
    return;
  }
  navigating = true;
  location.reload();
}

function afterFlush(detail) {
  updateBadge();
  renderUnsaved();
  if (!detail || navigating) return;
  for (const clientId of detail.sent || []) {
    for (const el of document.querySelectorAll("[data-outbox-pending][data-client-id]")) {
      if (el.dataset.clientId === clientId) el.querySelector("[data-pending-label]")?.remove();
    }
  }
  const refused = detail.failed && detail.failed.length && document.querySelector("[data-pending-label]");
  if (detail.type === "flushed" && ((detail.sent && detail.sent.length) || refused) && detail.pending === 0
      && onJournalPage() && formIsClean()) {
    reloadSoon();
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
    about: form.dataset.about || null,
  });
  // A tick shows at once, ring and all, online or not; the server's page follows when it has it.
  const tick = kind === "step-toggle";
  if (tick) showTick(item.url, !!body.done, !!body.done);
  requestBackgroundSync();
  const result = await flushSoon();
  const failed = result && result.failed.find((f) => f.id === item.id);
  if (failed) {
    // The server will not take it (a mistake in the form): the form, posted the old way, shows
    // why and keeps what was typed, so the copy in "Not saved" would only be a twin. A voice
    // note cannot go with the form: that copy stays, so the recording is not lost.
    if (tick) showTick(item.url, !body.done, false);
    if (!item.audio) await forgetFailed(item.id);
    postNormally(form, submitter);
    return;
  }
  let waiting;
  try {
    waiting = (await outbox.all()).some((it) => it.id === item.id);
  } catch (error) {
    if (tick) showTick(item.url, !body.done, false); // the old-way post sends the form as it was
    throw error;
  }
  if (!waiting) {
    const sent = result && result.sent.find((s) => s.id === item.id);
    afterSent(form, sent && sent.data);
    return;
  }
  // Not sent yet: show it as waiting, and make the form ready for the next one.
  showPending(item);
  const ringSays = updateRings();
  if (tick || kind === "step-create") announce(ringSays);
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
      reloadSoon();
    }
  });
}

// --- "Not saved": what the server would not take ---------------------------------------------
//
// A change the server refused for good (400, 404 …) moves to the outbox's "failed" store. It is
// never lost: the "Not saved (n)" button in the header opens a list of them (a modal <dialog>,
// filled from IndexedDB, so it works offline), each in plain words with the reason the server
// gave, and "Copy text", "Try again" (back into the outbox) and "Remove" (after asking).
// The words come from the page (data-* on the dialog); what people wrote is only ever set as text.

function unsavedPanel() {
  return document.querySelector("dialog[data-unsaved]");
}

function unsavedBadge() {
  return document.querySelector("[data-unsaved-badge]");
}

function unsavedOpen() {
  const dialog = unsavedPanel();
  return !!(dialog && dialog.open);
}

// Only for the person logged in on this page: on a shared phone nobody sees another's words.
function notSavedItems() {
  const user = currentUser();
  if (!outbox || !outbox.failedFor || !user || "anon" in document.body.dataset) return Promise.resolve([]);
  return outbox.failedFor(user);
}

async function countNotSaved() {
  return (await notSavedItems()).length;
}

// The copy the outbox kept of an item it just sent and that was refused.
async function forgetFailed(outboxId) {
  try {
    for (const kept of await outbox.failed()) {
      if (kept.failed_id === outboxId) await outbox.removeFailed(kept.id);
    }
  } catch {
    // Then it stays in "Not saved", where it can be removed by hand.
  }
}

function keyOf(item) {
  return [item.created_at, item.method, item.url, (item.body && item.body.client_id) || ""].join(" ");
}

function iconNode(dialog, name) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const use = document.createElementNS(SVG, "use");
  use.setAttribute("href", `${dialog.dataset.icons || "/static/icons.svg"}#${name}`);
  svg.append(use);
  return svg;
}

function kindOf(dialog, item) {
  const d = dialog.dataset;
  const done = !!(item.body && item.body.done);
  return {
    "entry-create": [d.kindEntryCreate, "notebook"],
    "entry-update": [d.kindEntryUpdate, "pencil"],
    "goal-create": [d.kindGoalCreate, "flag"],
    "goal-update": [d.kindGoalUpdate, "flag"],
    "step-create": [d.kindStepCreate, "plus"],
    "step-toggle": [done ? d.kindStepDone : d.kindStepOpen, done ? "circle-check" : "circle"],
  }[item.kind] || [d.kindOther, "pencil"];
}

// What the person wrote, as they wrote it.
function wordsOf(item) {
  const body = item.body || {};
  return ["title", "why", "text"]
    .map((name) => body[name])
    .filter((value) => typeof value === "string" && value.trim() !== "");
}

function messagesIn(value) {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(messagesIn);
  if (value && typeof value === "object") return Object.values(value).flatMap(messagesIn);
  return [];
}

// The server's own words when it gave some (the field messages say the most), else ours.
// A 404's message is about a missing page; "it may have been deleted" says more here.
function reasonOf(dialog, item) {
  const error = item.last_error && typeof item.last_error === "object" ? item.last_error : {};
  if (item.status === 404 || item.status === 410) return dialog.dataset.reasonGone || "";
  const fields = [...new Set(messagesIn(error.fields))];
  if (fields.length) return fields.join(" ");
  if (typeof error.message === "string" && error.message.trim()) return error.message;
  return dialog.dataset.reasonOther || "";
}

function whenOf(item) {
  const date = new Date(item.created_at);
  if (Number.isNaN(date.getTime())) return "";
  try {
    return new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
      day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
    }).format(date);
  } catch {
    return date.toLocaleString();
  }
}

let unsavedSeq = 0;

function buildUnsaved(dialog, item) {
  const template = dialog.querySelector("template[data-unsaved-item]");
  const li = template.content.firstElementChild.cloneNode(true);
  const id = `unsaved-item-${++unsavedSeq}`;
  const part = (name) => li.querySelector(`[data-part="${name}"]`);
  li.dataset.key = keyOf(item);

  const [kindText, kindIcon] = kindOf(dialog, item);
  const kind = part("kind");
  kind.id = `${id}-kind`;
  kind.replaceChildren(iconNode(dialog, kindIcon), document.createTextNode(kindText || ""));
  const when = part("when");
  when.dateTime = item.created_at || "";
  when.textContent = whenOf(item);

  if (item.about) {
    const about = part("about");
    const span = document.createElement("span");
    span.textContent = item.about;
    about.replaceChildren(iconNode(dialog, item.kind === "step-toggle" ? "circle-check" : "flag"), span);
    about.hidden = false;
  }
  const mood = item.body && item.body.mood;
  const face = mood && dialog.querySelector("template[data-unsaved-moods]")
    ?.content.querySelector(`[data-mood="${CSS.escape(String(mood))}"]`);
  if (face) {
    part("mood").replaceChildren(...[...face.childNodes].map((n) => n.cloneNode(true)));
    part("mood").hidden = false;
  }
  const words = wordsOf(item);
  const text = part("text");
  text.id = `${id}-text`;
  for (const value of words) {
    const p = document.createElement("p");
    p.textContent = value;
    text.append(p);
  }
  text.hidden = !words.length;
  if (item.audio instanceof Blob) {
    const voice = part("voice");
    const badgeLine = document.createElement("p");
    badgeLine.className = "badge";
    const label = document.createElement("span");
    label.textContent = dialog.dataset.labelVoice || "";
    badgeLine.append(iconNode(dialog, "microphone"), label);
    const audio = document.createElement("audio");
    audio.controls = true;
    audio.preload = "metadata";
    audio.src = URL.createObjectURL(item.audio);
    voice.append(badgeLine, audio);
    voice.hidden = false;
  }
  const reason = part("reason");
  reason.id = `${id}-reason`;

  const copy = li.querySelector('[data-action="copy"]');
  copy.hidden = !words.length;
  const context = [kind.id, words.length ? text.id : null, reason.id].filter(Boolean).join(" ");
  for (const button of part("actions").querySelectorAll("button")) {
    button.setAttribute("aria-describedby", context);
  }
  const confirm = part("confirm");
  const question = confirm.querySelector("p");
  question.id = `${id}-ask`;
  confirm.setAttribute("role", "group");
  confirm.setAttribute("aria-labelledby", `${question.id} ${kind.id}`);
  return li;
}

function fillUnsaved(dialog, li, item) {
  li.dataset.failedId = String(item.id);
  li.dataset.status = String(item.status || "");
  li.stegvisItem = item;
  const reason = li.querySelector('[data-part="reason"] span');
  const words = reasonOf(dialog, item);
  if (reason.textContent !== words) reason.textContent = words;
}

let renderQueue = Promise.resolve();

// The list, made to match the store: new items added, gone ones taken out, the rest left
// alone (so focus, and a question being asked, stay where they are).
function renderUnsaved() {
  const dialog = unsavedPanel();
  if (!dialog) return Promise.resolve();
  renderQueue = renderQueue.then(() => drawUnsaved(dialog), () => drawUnsaved(dialog));
  return renderQueue;
}

async function drawUnsaved(dialog) {
  let items = [];
  try {
    items = await notSavedItems();
  } catch {
    items = [];
  }
  const list = dialog.querySelector("[data-unsaved-list]");
  const hadFocus = list.contains(document.activeElement);
  const existing = new Map([...list.children].map((li) => [li.dataset.key, li]));
  const keep = new Set();
  let previous = null;
  for (const item of items) {
    const key = keyOf(item);
    keep.add(key);
    const li = existing.get(key) || buildUnsaved(dialog, item);
    fillUnsaved(dialog, li, item);
    const wanted = previous ? previous.nextElementSibling : list.firstElementChild;
    if (li !== wanted) list.insertBefore(li, wanted);
    previous = li;
  }
  for (const [key, li] of existing) {
    if (keep.has(key)) continue;
    for (const audio of li.querySelectorAll("audio")) URL.revokeObjectURL(audio.src);
    li.remove();
  }
  const empty = dialog.querySelector("[data-unsaved-empty]");
  if (empty) empty.hidden = items.length > 0;
  // The item with focus went (sent by another page, say): focus stays in the list, not lost.
  if (hadFocus && dialog.open && !dialog.contains(document.activeElement)) focusInPanel(dialog, null);
}

function focusInPanel(dialog, target) {
  const element = target && target.isConnected ? target
    : dialog.querySelector("[data-unsaved-list] > li [data-action]:not([hidden])")
      || dialog.querySelector("[data-unsaved-close]");
  if (element) element.focus();
}

// Where focus goes when this item leaves the list: the next one, else the one before, else Back.
function focusAfter(dialog, li) {
  const other = li.nextElementSibling || li.previousElementSibling;
  return (other && other.querySelector("[data-action]:not([hidden])")) || dialog.querySelector("[data-unsaved-close]");
}

function sayInPanel(dialog, text) {
  const status = dialog.querySelector("[data-unsaved-status]");
  if (!status || !text) return;
  status.textContent = "";
  setTimeout(() => {
    status.textContent = text;
  }, 50);
}

async function openUnsaved() {
  const dialog = unsavedPanel();
  if (!dialog || dialog.open) return;
  await renderUnsaved();
  dialog.showModal();
  dialog.querySelector("#unsaved-title")?.focus();
}

async function copyWords(dialog, li, button) {
  const item = li.stegvisItem;
  const text = wordsOf(item).join("\n\n");
  const label = button.querySelector("span");
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // Blocked: select the words, so a long press or Ctrl+C copies them.
    const words = li.querySelector('[data-part="text"]');
    const range = document.createRange();
    range.selectNodeContents(words);
    const selection = getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    sayInPanel(dialog, dialog.dataset.labelCopyFailed);
    return;
  }
  sayInPanel(dialog, dialog.dataset.labelCopied);
  if (!label.dataset.was) label.dataset.was = label.textContent;
  label.textContent = dialog.dataset.labelCopied || label.textContent;
  button.classList.add("is-copied");
  clearTimeout(button.stegvisTimer);
  button.stegvisTimer = setTimeout(() => {
    label.textContent = label.dataset.was;
    button.classList.remove("is-copied");
  }, 2500);
}

async function tryAgain(dialog, li) {
  const key = li.dataset.key;
  const next = focusAfter(dialog, li);
  li.setAttribute("aria-busy", "true");
  for (const button of li.querySelectorAll("button")) button.disabled = true;
  let again = null;
  try {
    again = await outbox.retry(Number(li.dataset.failedId));
  } catch {
    again = null;
  }
  let message = dialog.dataset.labelWaits;
  if (again) {
    requestBackgroundSync();
    const result = navigator.onLine ? await flushSoon() : null;
    if (result && result.sent.some((sent) => sent.id === again.id)) message = dialog.dataset.labelSaved;
    else if (result && result.failed.some((f) => f.id === again.id)) message = dialog.dataset.labelAgain;
  }
  await renderUnsaved();
  updateBadge();
  const back = [...dialog.querySelectorAll("[data-unsaved-list] > li")].find((el) => el.dataset.key === key);
  if (back) {
    back.removeAttribute("aria-busy");
    for (const button of back.querySelectorAll("button")) button.disabled = false;
    if (dialog.open) focusInPanel(dialog, back.querySelector('[data-action="retry"]'));
  } else if (dialog.open) {
    focusInPanel(dialog, next);
  }
  sayInPanel(dialog, message);
}

function askToRemove(li, asking) {
  li.querySelector('[data-part="actions"]').hidden = asking;
  li.querySelector('[data-part="confirm"]').hidden = !asking;
  li.querySelector(asking ? '[data-action="remove-no"]' : '[data-action="remove"]').focus();
}

async function removeForGood(dialog, li) {
  const next = focusAfter(dialog, li);
  try {
    await outbox.removeFailed(Number(li.dataset.failedId));
  } catch {
    return;
  }
  await renderUnsaved();
  updateBadge();
  focusInPanel(dialog, next);
  sayInPanel(dialog, dialog.dataset.labelRemoved);
}

function closeUnsaved() {
  const dialog = unsavedPanel();
  if (dialog && dialog.open) dialog.close();
}

if (outbox && unsavedPanel()) {
  const dialog = unsavedPanel();
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-unsaved-badge]")) openUnsaved();
  });
  dialog.addEventListener("click", (event) => {
    if (event.target === dialog) {
      // A tap on the dimmed page around the panel closes it, like Back.
      const box = dialog.getBoundingClientRect();
      const inside = event.clientX >= box.left && event.clientX <= box.right
        && event.clientY >= box.top && event.clientY <= box.bottom;
      if (!inside) closeUnsaved();
      return;
    }
    if (event.target.closest("[data-unsaved-close]")) {
      closeUnsaved();
      return;
    }
    const button = event.target.closest("[data-action]");
    const li = button && button.closest("[data-unsaved-list] > li");
    if (!li || button.disabled) return;
    const action = button.dataset.action;
    if (action === "copy") copyWords(dialog, li, button);
    else if (action === "retry") tryAgain(dialog, li);
    else if (action === "remove") askToRemove(li, true);
    else if (action === "remove-no") askToRemove(li, false);
    else if (action === "remove-yes") removeForGood(dialog, li);
  });
  dialog.addEventListener("close", () => {
    // Back to where the person was: the button that opened the list, if it is still there.
    const button = unsavedBadge();
    if (button && !button.hidden) button.focus();
    else document.getElementById("main")?.focus();
    if (reloadOwed) {
      reloadOwed = false;
      reloadSoon();
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
