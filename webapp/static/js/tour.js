// The first-run tour on the home page. The server renders every card in an open <dialog> with
// one "Done" button (that is the whole tour without JavaScript); here it becomes a modal that
// shows one card at a time: Skip / Back / Next / Done. Skip, Done and Escape tell the server
// (POST help.tour_done) without leaving the page; offline, the tour simply shows again next time.

const dialog = document.querySelector("dialog[data-tour]");
if (dialog && typeof dialog.showModal === "function") start(dialog);

function start(box) {
  const cards = [...box.querySelectorAll("[data-tour-card]")];
  const back = box.querySelector("[data-tour-back]");
  const next = box.querySelector("[data-tour-next]");
  const done = box.querySelector("[data-tour-done]");
  const count = box.querySelector("[data-tour-count]");
  const countText = box.querySelector("[data-tour-count-text]");
  const dots = [...box.querySelectorAll(".tour-dots > span")];
  const announce = box.querySelector("[data-tour-announce]");
  const label = box.dataset.labelCount || "__N__ / __TOTAL__";
  let at = 0;

  function hush() {
    if ("speechSynthesis" in window) window.speechSynthesis.cancel(); // stop reading the last card
  }

  function show(index, moveFocus) {
    if (moveFocus) hush();
    at = Math.max(0, Math.min(index, cards.length - 1));
    cards.forEach((card, i) => {
      card.hidden = i !== at;
    });
    dots.forEach((dot, i) => dot.classList.toggle("is-here", i === at));
    const last = at === cards.length - 1;
    back.hidden = at === 0;
    next.hidden = last;
    done.hidden = !last;
    countText.textContent = label.replace("__N__", at + 1).replace("__TOTAL__", cards.length);
    if (moveFocus) {
      const title = cards[at].querySelector(".tour-title");
      announce.textContent = title ? title.textContent.trim() : "";
      (last ? done.querySelector("button") : next).focus();
    }
  }

  async function finish(form) {
    hush();
    box.close();
    box.remove();
    try {
      await fetch(form.action, {
        method: "POST",
        body: new FormData(form),
        headers: { Accept: "application/json" },
        credentials: "same-origin",
      });
    } catch {
      // Offline: nothing is recorded, so the tour comes back next time. That is fine.
    }
  }

  for (const form of box.querySelectorAll("form[data-tour-finish]")) {
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      finish(form);
    });
  }
  box.addEventListener("cancel", (event) => {
    // Escape is a skip.
    event.preventDefault();
    finish(box.querySelector("form[data-tour-finish]"));
  });
  next.addEventListener("click", () => show(at + 1, true));
  back.addEventListener("click", () => show(at - 1, true));
  box.addEventListener("keydown", (event) => {
    if (event.target.closest("form, [data-read-aloud]")) return;
    const rtl = document.dir === "rtl";
    const step = { ArrowRight: rtl ? -1 : 1, ArrowLeft: rtl ? 1 : -1 }[event.key];
    if (step) show(at + step, true);
  });

  // A swipe sideways moves between cards, as in the apps people know.
  let touchX = null;
  box.addEventListener("touchstart", (e) => (touchX = e.touches[0].clientX), { passive: true });
  box.addEventListener(
    "touchend",
    (e) => {
      if (touchX === null) return;
      const dx = e.changedTouches[0].clientX - touchX;
      touchX = null;
      const forward = document.dir === "rtl" ? dx > 0 : dx < 0;
      if (Math.abs(dx) > 50) show(at + (forward ? 1 : -1), true);
    },
    { passive: true },
  );

  box.classList.add("is-stepping");
  count.hidden = false;
  show(0, false);
  box.close();
  box.showModal();
  next.focus();
}
