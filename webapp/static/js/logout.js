// Logging out clears this device: what the app kept here for reading offline (caches), the
// outbox (IndexedDB), the service worker and the app's own settings in localStorage.
//
// Forms marked data-logout (log out, log out everywhere, log out this device) first try to send
// what waits in the outbox. If something is still not sent (no connection, say), a calm dialog
// says how many changes would be lost: [Stay] or [Log out anyway]. Then the device is cleared and
// the form is posted (offline: as soon as the connection is back). The server's answer carries Clear-Site-Data: "cache", "storage" as well, so
// browsers that support it clear everything again; without JavaScript the form just posts.

const FLUSH_WAIT_MS = 8000;
const CLEAR_WAIT_MS = 3000;
const DB_NAME = "stegvis";

function within(promise, ms, fallback) {
  return Promise.race([
    promise.catch(() => fallback),
    new Promise((resolve) => setTimeout(() => resolve(fallback), ms)),
  ]);
}

function warningDialog() {
  return document.querySelector("dialog[data-logout-warning]");
}

// Everything that would be lost: changes waiting to be sent (anyone's: the storage goes for
// everyone on this browser) and those the server would not take ("Not saved").
async function unsent(outbox) {
  const [waiting, refused] = await Promise.all([outbox.all(), outbox.failed()]);
  return waiting.length + refused.length;
}

function sentence(dialog, n) {
  const text = n === 1 ? dialog.dataset.labelOne : dialog.dataset.labelMany;
  return (text || "%(n)s").replace(/%\(n\)s|__N__/g, String(n));
}

// Resolves true for "Log out anyway", false for "Stay" (or Escape).
function ask(dialog, n) {
  return new Promise((resolve) => {
    dialog.querySelector("[data-logout-count]").textContent = sentence(dialog, n);
    dialog.returnValue = "";
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "logout"), { once: true });
    dialog.showModal();
    dialog.querySelector('[value="stay"]')?.focus();
  });
}

// The service worker deletes its caches (it answers on a MessageChannel); then the page deletes
// whatever is left, the outbox database, the app's localStorage keys, and unregisters the worker.
async function askWorkerToClear() {
  if (!("serviceWorker" in navigator) || !navigator.serviceWorker.controller) return;
  const channel = new MessageChannel();
  const answered = new Promise((resolve) => {
    channel.port1.onmessage = () => resolve(true);
  });
  navigator.serviceWorker.controller.postMessage({ type: "clear-device" }, [channel.port2]);
  await within(answered, CLEAR_WAIT_MS, false);
}

function deleteDatabase() {
  return new Promise((resolve) => {
    const request = indexedDB.deleteDatabase(DB_NAME);
    // Open connections (this page's, the worker's) close themselves on "versionchange".
    request.onsuccess = () => resolve(true);
    request.onerror = () => resolve(false);
  });
}

export async function clearDevice() {
  await within(askWorkerToClear(), CLEAR_WAIT_MS, null);
  if ("caches" in window) {
    const names = await within(caches.keys(), CLEAR_WAIT_MS, []);
    await within(Promise.all(names.map((name) => caches.delete(name))), CLEAR_WAIT_MS, null);
  }
  if ("indexedDB" in window) await within(deleteDatabase(), CLEAR_WAIT_MS, false);
  try {
    for (const key of Object.keys(localStorage)) {
      if (key.startsWith("stegvis")) localStorage.removeItem(key);
    }
    sessionStorage.clear();
  } catch {
    // Storage can be blocked; Clear-Site-Data on the server's answer covers it.
  }
  if ("serviceWorker" in navigator) {
    const registrations = await within(navigator.serviceWorker.getRegistrations(), CLEAR_WAIT_MS, []);
    await within(Promise.all(registrations.map((r) => r.unregister())), CLEAR_WAIT_MS, null);
  }
}

// Can the server be reached? (navigator.onLine says true on many a dead connection.)
async function reachable() {
  try {
    const probe = fetch("/livez", { method: "HEAD", cache: "no-store", credentials: "omit" });
    const response = await within(probe, 5000, null);
    return !!response;
  } catch {
    return false;
  }
}

// Offline, the server cannot be told yet: this device is cleared already; the form goes as soon
// as there is a connection again (the page says so).
function untilReachable() {
  const dialog = warningDialog();
  const words = dialog && dialog.dataset.labelWaiting;
  const main = document.getElementById("main");
  if (words && main) {
    const status = document.createElement("p");
    status.className = "notice";
    status.setAttribute("role", "status");
    status.dataset.logoutWaiting = "";
    status.textContent = words; // no icon: the sprite went with the caches, and we are offline
    main.prepend(status);
    main.scrollIntoView();
  }
  return new Promise((resolve) => {
    let timer = null;
    const again = async () => {
      clearTimeout(timer);
      if (await reachable()) {
        window.removeEventListener("online", again);
        resolve();
      } else {
        timer = setTimeout(again, 3000);
      }
    };
    window.addEventListener("online", again);
    timer = setTimeout(again, 3000);
  });
}

async function logOut(form, submitter) {
  const outbox = self.StegvisOutbox;
  if (outbox) {
    try {
      await within(outbox.flush(), FLUSH_WAIT_MS, null);
      const n = await within(unsent(outbox), FLUSH_WAIT_MS, 0);
      const dialog = warningDialog();
      if (n > 0 && dialog && !(await ask(dialog, n))) return false;
    } catch {
      // No IndexedDB here: nothing can be waiting.
    }
  }
  await clearDevice();
  if (!(await reachable())) await untilReachable();
  form.dataset.logoutReady = "1";
  // submit() sends the form without a new submit event (no second confirm, no second flush).
  if (submitter && submitter.name) {
    const field = document.createElement("input");
    field.type = "hidden";
    field.name = submitter.name;
    field.value = submitter.value;
    form.append(field);
  }
  form.submit();
  return true;
}

// Registered after the data-confirm listener (app.js), so a "no" to "Log out everywhere?" stops
// it before anything here happens.
export function initLogout() {
  document.addEventListener("submit", (event) => {
    const form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.matches("[data-logout]")) return;
    if (event.defaultPrevented || form.dataset.logoutReady) return;
    event.preventDefault();
    if (form.dataset.logoutBusy) return;
    form.dataset.logoutBusy = "1";
    form.setAttribute("aria-busy", "true");
    logOut(form, event.submitter)
      .catch(() => {
        // Whatever went wrong here, logging out must still work.
        form.dataset.logoutReady = "1";
        form.submit();
        return true;
      })
      .then((done) => {
        if (done) return;
        delete form.dataset.logoutBusy;
        form.removeAttribute("aria-busy");
      });
  });
}
