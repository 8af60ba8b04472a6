// "Download my data": while the file is being made, ask the server how far it is once a second
// and show it; when it is ready (or failed), load the page again to show the download button.
// Without JavaScript the page refreshes itself (a <noscript> meta refresh) instead.

const card = document.querySelector("[data-export-status-url]");

if (card) {
  const url = card.dataset.exportStatusUrl;
  const bar = card.querySelector("[data-export-progress]");
  const announce = card.querySelector("[data-export-announce]");
  const tick = async () => {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, cache: "no-store" });
      if (response.ok) {
        const status = await response.json();
        if (bar) {
          bar.value = status.progress;
          bar.textContent = `${status.progress} %`;
        }
        if (status.status === "ready" || status.status === "failed") {
          if (announce) announce.textContent = status.status === "ready" ? announce.dataset.ready : announce.dataset.failed;
          window.location.reload();
          return;
        }
      }
    } catch {
      // offline for a moment: try again
    }
    window.setTimeout(tick, 1000);
  };
  window.setTimeout(tick, 1000);
}
