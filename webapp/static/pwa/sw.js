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

// Pages: network first, so people see what is new; the last copy when offline.
async function page(request) {
  const cache = await caches.open(PAGE_CACHE);
  try {
    const response = await fetch(request);
    if (response.ok && response.type === "basic" && !response.redirected) {
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

// A page may ask the worker to flush (the same flush; a Web Lock keeps it to one at a time).
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "flush-outbox") {
    event.waitUntil(self.StegvisOutbox.flush().catch(() => {}));
  }
});
