// Stegvis in the browser: register the service worker and keep small page helpers in one place.

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
