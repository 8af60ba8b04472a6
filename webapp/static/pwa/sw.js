// Stegvis service worker: a versioned cache of the app shell, the last pages seen for reading
// offline, and a calm offline page. The server fills in __VERSION__ and __SHELL__.

const VERSION = "__VERSION__";
const SHELL_CACHE = `stegvis-shell-${VERSION}`;
const PAGE_CACHE = "stegvis-pages-v1";
const SHELL = [__SHELL__];
const MAX_PAGES = 30;

// The outbox (IndexedDB) and its flush, shared with the pages: self.StegvisOutbox.
importScripts("/static/js/outbox.js");

self.addEventListener("install", (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches.keys().then((keys) => Promise.all(
      keys.filter((key) => key.startsWith("stegvis-shell-") && key !== SHELL_CACHE)
        .map((key) => caches.delete(key)),
    )).then(() => self.clients.claim()),
  );
});

async function trimPages(cache) {
  const keys = await cache.keys();
  for (const key of keys.slice(0, Math.max(0, keys.length - MAX_PAGES))) await cache.delete(key);
}

// Only pages (HTML) are kept for offline reading: a download of someone's data (a zip) must not
// stay on the phone after it expired.
function keepable(response) {
  return (response.headers.get("Content-Type") || "").startsWith("text/html");
}

// Pages: network first, so people see what is new; the last copy when offline.
async function page(request) {
  const cache = await caches.open(PAGE_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic" && !response.redirected && keepable(response)) {
      await cache.put(request, response.clone());
      trimPages(cache);
    }
    return response;
  } catch {
    const cached = await cache.match(request, { ignoreVary: true });
    if (cached) return cached;
    return (await caches.match("/offline")) || Response.error();
  }
}

// Static files: from the shell cache when we have them, else the network.
async function asset(request) {
  const cached = await caches.match(request);
  return cached || fetch(request);
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  if (url.pathname.startsWith("/api/")) return;
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(asset(request));
  }
});

// Background Sync: the browser wakes us when the connection is back, even with the app closed.
// A flush that stops early (no network, server trouble) fails the event so the browser retries.
// After sending, the journal pages kept for offline reading are fetched again, so that what was
// sent still shows there (it is no longer in the outbox).
async function refreshJournalPages() {
  const cache = await caches.open(PAGE_CACHE);
  for (const request of await cache.keys()) {
    if (!new URL(request.url).pathname.startsWith("/journal")) continue;
    try {
      const response = await fetch(request.url, { credentials: "same-origin" });
      if (response.ok && !response.redirected) await cache.put(request, response);
    } catch {
      return;
    }
  }
}

self.addEventListener("sync", (event) => {
  if (event.tag !== "outbox") return;
  event.waitUntil(self.StegvisOutbox.flush().then(async (result) => {
    if (result.sent.length) await refreshJournalPages();
    if (result.stopped === "network" || result.stopped === "server") {
      throw new Error(`outbox not sent yet: ${result.stopped}`);
    }
  }));
});

// Logging out: forget every cache on this device (pages read offline, push words, the shell;
// a new worker fills the shell again). The page deletes the outbox database and unregisters us.
async function clearCaches() {
  const names = await caches.keys();
  await Promise.all(names.map((name) => caches.delete(name)));
}

// A page may ask the worker to flush (the same flush; a Web Lock keeps it to one at a time).
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "flush-outbox") {
    event.waitUntil(self.StegvisOutbox.flush().catch(() => {}));
  } else if (event.data && event.data.type === "clear-device") {
    const answer = () => event.ports[0] && event.ports[0].postMessage({ cleared: true });
    event.waitUntil(clearCaches().catch(() => {}).then(answer));
  }
});

// Web Push. The server sends generic words only ({title, body, url, delivery, tag}); we show
// them with the app's icon and badge, and two buttons whose words the pages left for us.
const PUSH_CACHE = "stegvis-push";
const ICON = "/static/pwa/icons/icon-192.png";
const BADGE = "/static/pwa/icons/badge-96.png";

async function pushLabels() {
  try {
    const response = await (await caches.open(PUSH_CACHE)).match("/push-labels.json");
    return response ? await response.json() : {};
  } catch {
    return {};
  }
}

// Only a path in this app: a push can never send someone elsewhere.
function sameOriginPath(url) {
  try {
    const target = new URL(url || "/", self.location.origin);
    if (target.origin !== self.location.origin) return "/";
    return target.pathname + target.search + target.hash;
  } catch {
    return "/";
  }
}

function notificationFor(data, labels) {
  const message = data && typeof data === "object" ? data : {};
  const delivery = Number.isInteger(message.delivery) ? message.delivery : null;
  const actions = [];
  if (labels.open) actions.push({ action: "open", title: labels.open });
  if (labels.snooze && delivery !== null) actions.push({ action: "snooze", title: labels.snooze });
  const options = {
    body: typeof message.body === "string" ? message.body : "",
    icon: ICON,
    badge: BADGE,
    data: { url: sameOriginPath(message.url), delivery },
    actions,
  };
  if (typeof message.tag === "string" && message.tag) {
    options.tag = message.tag; // a newer nudge on the same topic replaces the older one
    options.renotify = true;
  }
  const title = typeof message.title === "string" && message.title ? message.title : "Stegvis";
  return { title, options };
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = { body: event.data ? event.data.text() : "" };
  }
  event.waitUntil(pushLabels().then((labels) => {
    const { title, options } = notificationFor(data, labels);
    return self.registration.showNotification(title, options);
  }));
});

// What a tap does, as a plain function (the tests call it): open a page, or snooze the nudge.
function clickPlan(action, data) {
  const info = data || {};
  if (action === "snooze" && Number.isInteger(info.delivery)) return { snooze: info.delivery };
  return { open: sameOriginPath(info.url) };
}

async function openPage(path) {
  const url = new URL(path, self.location.origin).href;
  const windows = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
  for (const client of windows) {
    if (client.url === url && "focus" in client) return client.focus();
  }
  for (const client of windows) {
    if ("navigate" in client) {
      try {
        const moved = await client.navigate(url);
        if (moved) return moved.focus();
      } catch {
        // An uncontrolled window cannot be moved; open a new one below.
      }
    }
  }
  return self.clients.openWindow(url);
}

// Snooze: the server makes the same nudge again in an hour (POST /api/v1/nudges/snooze).
// If that fails (logged out, offline), open the app instead, so nothing is lost.
async function snooze(delivery) {
  try {
    const session = await fetch("/api/v1/session", {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
    });
    if (!session.ok) throw new Error("no session");
    const { csrf_token: token } = await session.json();
    const response = await fetch("/api/v1/nudges/snooze", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRF-Token": token },
      body: JSON.stringify({ delivery_id: delivery }),
    });
    if (!response.ok) throw new Error(`snooze: ${response.status}`);
  } catch {
    await openPage("/");
  }
}

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const plan = clickPlan(event.action, event.notification.data);
  event.waitUntil(plan.snooze !== undefined ? snooze(plan.snooze) : openPage(plan.open));
});
