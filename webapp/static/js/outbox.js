// Stegvis outbox: changes made on the phone wait in IndexedDB until the server has them.
//
// A plain script that works in two places: the pages import it (app.js) and the service worker
// loads it with importScripts() for Background Sync. Both get `self.StegvisOutbox`. No DOM here.
//
// An item: {id, kind, method, url, body (object), audio (Blob, optional), duration_ms,
//           about (what it belongs to, for people; not sent), user, created_at (ISO), tries,
//           last_error}.
// Flushing sends items oldest first. 2xx: the item is done. Network error, 5xx, 408, 429, 401 or
// a stale CSRF token: stop and try again later (nothing is lost). Any other 4xx (400 invalid,
// 403, 404 deleted on another device, 413 too big, and 409/412, which our server never sends:
// edits are last-write-wins there) will never be taken as it is, so it moves to the "failed"
// store with the status and the server's error. There it stays, shown to the person who wrote it
// ("Not saved"), until they copy it, send it again (retry) or remove it (removeFailed).
// Creating is idempotent on the server by client_id, so sending an item twice is harmless.

(function (scope) {
  "use strict";

  const DB_NAME = "stegvis";
  const STORE = "outbox";
  const FAILED = "failed";
  const META = "meta";
  const LOCK = "stegvis-outbox";
  const CHANNEL = "stegvis-outbox";

  let dbPromise = null;

  function openDb() {
    if (!dbPromise) {
      dbPromise = openVersion().catch((error) => {
        dbPromise = null;
        throw error;
      });
    }
    return dbPromise;
  }

  // Opens the database at whatever version it has (a new one gets our stores). If it exists
  // without our stores (made by something else), opens the next version to create them.
  function openVersion(version) {
    return new Promise((resolve, reject) => {
      const request = version ? indexedDB.open(DB_NAME, version) : indexedDB.open(DB_NAME);
      request.onupgradeneeded = () => {
        const db = request.result;
        for (const name of [STORE, FAILED, META]) {
          if (!db.objectStoreNames.contains(name)) {
            db.createObjectStore(name, { keyPath: "id", autoIncrement: true });
          }
        }
      };
      request.onsuccess = () => {
        const db = request.result;
        if (![STORE, FAILED, META].every((name) => db.objectStoreNames.contains(name))) {
          const next = db.version + 1;
          db.close();
          resolve(openVersion(next));
          return;
        }
        db.onversionchange = () => {
          db.close();
          dbPromise = null;
        };
        db.onclose = () => {
          dbPromise = null;
        };
        resolve(db);
      };
      request.onerror = () => reject(request.error);
    });
  }

  // One request in one transaction; resolves with the request's result once it is committed.
  function run(storeName, mode, makeRequest) {
    return openDb().then((db) => new Promise((resolve, reject) => {
      const tx = db.transaction(storeName, mode);
      const request = makeRequest(tx.objectStore(storeName));
      tx.oncomplete = () => resolve(request.result);
      tx.onerror = () => reject(tx.error || request.error);
      tx.onabort = () => reject(tx.error || request.error);
    }));
  }

  const channel = typeof BroadcastChannel === "function" ? new BroadcastChannel(CHANNEL) : null;

  // Tell this page (an event on self) and every other page and the worker (a broadcast).
  function notify(detail) {
    try {
      if (typeof CustomEvent === "function" && typeof scope.dispatchEvent === "function") {
        scope.dispatchEvent(new CustomEvent("stegvis-outbox", { detail }));
      }
      if (channel) channel.postMessage(detail);
    } catch {
      // Telling others is a courtesy; the outbox itself is in IndexedDB.
    }
  }

  function all() {
    return run(STORE, "readonly", (store) => store.getAll());
  }

  function count() {
    return run(STORE, "readonly", (store) => store.count());
  }

  function failed() {
    return run(FAILED, "readonly", (store) => store.getAll());
  }

  function firstItem() {
    // openCursor's result is read after the transaction ends, so read the value inside it.
    return openDb().then((db) => new Promise((resolve, reject) => {
      const tx = db.transaction(STORE, "readonly");
      const request = tx.objectStore(STORE).openCursor();
      let value = null;
      request.onsuccess = () => {
        value = request.result ? request.result.value : null;
      };
      tx.oncomplete = () => resolve(value);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    }));
  }

  async function add(item) {
    const record = {
      kind: item.kind,
      method: (item.method || "POST").toUpperCase(),
      url: item.url,
      body: item.body || {},
      created_at: new Date().toISOString(),
      tries: 0,
      last_error: null,
    };
    if (item.audio) {
      record.audio = item.audio;
      record.duration_ms = item.duration_ms || null;
    }
    if (item.user) record.user = String(item.user);
    if (item.about) record.about = String(item.about);
    record.id = await run(STORE, "readwrite", (store) => store.add(record));
    notify({ type: "changed", pending: (await pendingFor(record.user)).length });
    return record;
  }

  function put(item) {
    return run(STORE, "readwrite", (store) => store.put(item));
  }

  function remove(id) {
    return run(STORE, "readwrite", (store) => store.delete(id));
  }

  async function moveToFailed(item, status, error) {
    const db = await openDb();
    await new Promise((resolve, reject) => {
      const tx = db.transaction([STORE, FAILED], "readwrite");
      const kept = { ...item, failed_id: item.id, status, last_error: error, failed_at: new Date().toISOString() };
      delete kept.id;
      tx.objectStore(FAILED).add(kept);
      tx.objectStore(STORE).delete(item.id);
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
  }

  // What could not be saved, for this person (items without a user were written before we
  // recorded who wrote them). Oldest first, as written.
  async function failedFor(user) {
    const items = (await failed()).filter((item) => mine(item, user || null));
    return items.sort((a, b) => String(a.created_at).localeCompare(String(b.created_at)) || a.id - b.id);
  }

  async function removeFailed(id) {
    await run(FAILED, "readwrite", (store) => store.delete(id));
    notify({ type: "changed" });
  }

  // Back into the outbox, as it was written (same client_id, so never stored twice), with a
  // fresh count of tries. Resolves with the new outbox item, or null if it was already gone.
  async function retry(id) {
    const db = await openDb();
    const record = await new Promise((resolve, reject) => {
      const tx = db.transaction([FAILED, STORE], "readwrite");
      const failedStore = tx.objectStore(FAILED);
      let again = null;
      const get = failedStore.get(id);
      get.onsuccess = () => {
        const kept = get.result;
        if (!kept) return;
        again = { ...kept, tries: 0, last_error: null };
        for (const key of ["id", "failed_id", "status", "failed_at"]) delete again[key];
        const added = tx.objectStore(STORE).add(again);
        added.onsuccess = () => {
          again.id = added.result;
        };
        failedStore.delete(id);
      };
      tx.oncomplete = () => resolve(again);
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    if (record) notify({ type: "changed", pending: (await pendingFor(record.user)).length });
    return record;
  }

  function extension(type) {
    if (/mp4|m4a|aac/.test(type)) return ".m4a";
    if (/ogg/.test(type)) return ".ogg";
    return ".webm";
  }

  // One HTTP request for one item: JSON, or multipart when a voice note goes with it.
  function send(item, token) {
    const headers = { "X-CSRF-Token": token, Accept: "application/json" };
    let body;
    if (item.audio) {
      body = new FormData();
      for (const [name, value] of Object.entries(item.body || {})) {
        if (value !== null && value !== undefined) body.append(name, String(value));
      }
      if (item.duration_ms) body.append("duration_ms", String(Math.round(item.duration_ms)));
      body.append("audio", item.audio, "voice" + extension(item.audio.type || ""));
    } else {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(item.body || {});
    }
    return fetch(item.url, {
      method: item.method,
      headers,
      body,
      credentials: "same-origin",
      cache: "no-store",
      redirect: "manual",
    });
  }

  async function whoAndToken() {
    const response = await fetch("/api/v1/session", {
      credentials: "same-origin",
      cache: "no-store",
      headers: { Accept: "application/json" },
    });
    if (response.status === 401) return { stopped: "logged-out" };
    if (!response.ok) return { stopped: "server" };
    const data = await response.json();
    return { token: data.csrf_token, user: data.user ? String(data.user.id) : null };
  }

  async function readError(response) {
    try {
      const data = await response.json();
      return (data && data.error) || null;
    } catch {
      return null;
    }
  }

  function retryLater(status, error) {
    return status >= 500 || status === 0 || status === 401 || status === 408 || status === 429
      || (error && error.code === "csrf");
  }

  // Items carry the id of who wrote them (when the page knew it): on a shared phone, one
  // person's waiting changes are never sent with another person's login.
  function mine(item, user) {
    return !item.user || !user || String(item.user) === user;
  }

  async function pendingFor(user) {
    return (await all()).filter((item) => mine(item, user || null));
  }

  async function flushNow() {
    const result = { sent: [], failed: [], stopped: null, pending: 0 };
    if (!(await firstItem())) return result;
    let session = {};
    try {
      session = await whoAndToken();
      result.stopped = session.stopped || null;
    } catch {
      result.stopped = "network";
    }
    const done = new Set();
    while (!result.stopped) {
      const item = (await all()).find((it) => !done.has(it.id) && mine(it, session.user));
      if (!item) break;
      done.add(item.id);
      let response;
      try {
        response = await send(item, session.token);
      } catch {
        item.tries += 1;
        item.last_error = "network";
        await put(item);
        result.stopped = "network";
        break;
      }
      // A redirect (to the login page, say) is not a yes from the API.
      const status = response.type === "opaqueredirect" ? 0 : response.status;
      if (status >= 200 && status < 300) {
        let data = null;
        try {
          data = await response.json();
        } catch {
          data = null;
        }
        await remove(item.id);
        await run(META, "readwrite", (store) => store.put({ id: "last_sent", at: Date.now() }));
        result.sent.push({ id: item.id, kind: item.kind, client_id: item.body && item.body.client_id, data });
        continue;
      }
      const error = await readError(response);
      if (retryLater(status, error)) {
        item.tries += 1;
        item.last_error = { status, error };
        await put(item);
        result.stopped = status === 401 ? "logged-out" : "server";
        break;
      }
      await moveToFailed(item, status, error);
      result.failed.push({ id: item.id, kind: item.kind, client_id: item.body && item.body.client_id, status, error });
    }
    result.pending = (await pendingFor(session.user)).length;
    notify({
      type: "flushed",
      pending: result.pending,
      sent: result.sent.map((s) => s.client_id || null),
      failed: result.failed.map((f) => ({ kind: f.kind, status: f.status, error: f.error })),
      stopped: result.stopped,
    });
    return result;
  }

  // When something was last sent (ms since 1970), by a page or the worker: a page rendered
  // before that may not show it yet.
  function lastSentAt() {
    return run(META, "readonly", (store) => store.get("last_sent")).then((r) => (r ? r.at : 0));
  }

  // One flush at a time in this page or worker (a queue), and across pages and the worker
  // (a Web Lock), so that an item is not sent twice at once.
  let queue = Promise.resolve();

  function flush() {
    const locked = () => (scope.navigator && scope.navigator.locks
      ? scope.navigator.locks.request(LOCK, flushNow)
      : flushNow());
    const next = queue.then(locked, locked);
    queue = next.catch(() => {});
    return next;
  }

  // A client_id for something made on this phone (a UUID v4; older browsers lack randomUUID).
  function newId() {
    if (scope.crypto.randomUUID) return scope.crypto.randomUUID();
    const b = scope.crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }

  scope.StegvisOutbox = {
    add, all, count, failed, failedFor, first: firstItem, flush, lastSentAt, newId, pendingFor,
    remove, removeFailed, retry, send, openDb,
  };
})(self);
