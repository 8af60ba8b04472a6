// Web Push on this device: a friendly card first, then the browser's question, then the
// subscription is stored on the server. Never on the first visit: the card waits until the app
// has been used a little (and only on the start page, the inbox or Me), and "Not now" keeps it
// away for two weeks. On iPhone, push works only
// for an app added to the home screen, so there the card says how to do that first.
// Every word shown comes from the page (data-label-* on the card).

const VISITS = "stegvis.push.visits";
const LATER = "stegvis.push.later";
const MIN_VISITS = 4;
const LATER_MS = 14 * 24 * 3600 * 1000;
const SUBSCRIBE_TIMEOUT_MS = 20000;
const LABELS_CACHE = "stegvis-push";
// Where the card may appear: the start page, the inbox and Me, not in the middle of writing.
const CARD_PAGES = new Set(["/", "/inbox", "/me"]);

const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
const ios = /iPhone|iPad|iPod/.test(navigator.userAgent)
  || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
const standalone = window.matchMedia("(display-mode: standalone)").matches
  || navigator.standalone === true;

function read(key) {
  try {
    return window.localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key, value) {
  try {
    window.localStorage.setItem(key, String(value));
  } catch {
    // Private mode: the card may come again; nothing else depends on it.
  }
}

function keyBytes(base64url) {
  const base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
  const raw = atob(base64 + "=".repeat((4 - (base64.length % 4)) % 4));
  return Uint8Array.from(raw, (c) => c.charCodeAt(0));
}

function sameKey(buffer, bytes) {
  if (!buffer) return false;
  const a = new Uint8Array(buffer);
  return a.length === bytes.length && a.every((v, i) => v === bytes[i]);
}

function withTimeout(promise, ms) {
  return Promise.race([
    promise,
    new Promise((_, reject) => setTimeout(() => reject(new Error("timeout")), ms)),
  ]);
}

async function csrfToken() {
  const response = await fetch("/api/v1/session", {
    credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
  });
  if (!response.ok) throw new Error("no session");
  return (await response.json()).csrf_token;
}

// Subscribe (or keep the subscription, if it was made with our current key) and tell the server.
export async function subscribe() {
  const registration = await navigator.serviceWorker.ready;
  const keyResponse = await fetch("/api/v1/push/key", { credentials: "same-origin" });
  if (!keyResponse.ok) throw new Error("no key");
  const key = keyBytes((await keyResponse.json()).public_key);
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && !sameKey(subscription.options.applicationServerKey, key)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  if (!subscription) {
    subscription = await withTimeout(
      registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
      SUBSCRIBE_TIMEOUT_MS,
    );
  }
  const response = await fetch("/api/v1/push/subscriptions", {
    method: "POST",
    credentials: "same-origin",
    headers: {
      "Content-Type": "application/json",
      Accept: "application/json",
      "X-CSRF-Token": await csrfToken(),
    },
    body: JSON.stringify(subscription.toJSON()),
  });
  if (!response.ok) throw new Error(`not stored: ${response.status}`);
  write("stegvis.push.stored", Date.now());
  return subscription;
}

// The service worker has no page to translate its buttons; the page leaves the words for it.
async function leaveLabels(card) {
  if (!("caches" in window)) return;
  try {
    const cache = await caches.open(LABELS_CACHE);
    const labels = { open: card.dataset.labelOpen, snooze: card.dataset.labelSnooze };
    await cache.put("/push-labels.json", new Response(JSON.stringify(labels), {
      headers: { "Content-Type": "application/json" },
    }));
  } catch {
    // Without the words the notification has no buttons; tapping it still opens the app.
  }
}

async function turnOn(card, status) {
  status.textContent = card.dataset.labelWaiting;
  const permission = await Notification.requestPermission();
  if (permission !== "granted") {
    status.textContent = card.dataset.labelDenied;
    return false;
  }
  try {
    await subscribe();
  } catch {
    status.textContent = card.dataset.labelFailed;
    return false;
  }
  status.textContent = card.dataset.labelDone;
  for (const button of document.querySelectorAll("[data-push-enable]")) {
    button.closest("[data-push-here]").hidden = true;
  }
  return true;
}

function showCard(card, { iosHint }) {
  // The markup waits at the end of the page; shown, it comes first, after any notice.
  const main = card.closest("main");
  if (main) {
    const notices = main.querySelectorAll(":scope > .notice");
    if (notices.length) notices[notices.length - 1].after(card);
    else main.prepend(card);
  }
  card.hidden = false;
  card.querySelector("[data-push-ios]").hidden = !iosHint;
  card.querySelector("[data-push-yes]").hidden = iosHint;
  card.querySelector("[data-push-later]").addEventListener("click", () => {
    write(LATER, Date.now());
    card.hidden = true;
  });
  card.querySelector("[data-push-yes]").addEventListener("click", async () => {
    const done = await turnOn(card, card.querySelector("[data-push-status]"));
    if (done) card.querySelector("[data-push-buttons]").hidden = true;
  });
}

async function alreadySubscribed() {
  const registration = await navigator.serviceWorker.getRegistration("/");
  if (!registration) return false;
  return Boolean(await registration.pushManager.getSubscription());
}

export async function initPush() {
  const card = document.querySelector("[data-push-card]");
  if (!card || "anon" in document.body.dataset) return;
  leaveLabels(card);
  const visits = Number(read(VISITS) || 0) + 1;
  write(VISITS, visits);
  const timeHasCome = visits >= MIN_VISITS && CARD_PAGES.has(window.location.pathname)
    && Date.now() - Number(read(LATER) || 0) > LATER_MS;

  if (!supported) {
    if (ios && !standalone && timeHasCome) showCard(card, { iosHint: true });
    return;
  }
  const permission = Notification.permission;
  const subscribed = permission === "granted" && await alreadySubscribed().catch(() => false);
  if (permission !== "denied" && !subscribed) {
    for (const button of document.querySelectorAll("[data-push-enable]")) {
      button.closest("[data-push-here]").hidden = false;
      button.addEventListener("click", () => {
        const section = button.closest("[data-push-devices]");
        let status = section.querySelector("[data-push-status]");
        if (!status) {
          status = document.createElement("p");
          status.setAttribute("role", "status");
          status.dataset.pushStatus = "";
          section.append(status);
        }
        turnOn(card, status);
      });
    }
  }
  if (permission === "default" && timeHasCome) {
    showCard(card, { iosHint: false });
  } else if (subscribed) {
    // Tell the server again now and then: keys can change, and a removed row comes back.
    const stored = Number(read("stegvis.push.stored") || 0);
    if (Date.now() - stored > 24 * 3600 * 1000) subscribe().catch(() => {});
  }
}
