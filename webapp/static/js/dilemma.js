// Writing a dilemma, one step at a time: 1 the problem, 2 three solutions, 3 with or without my
// name (with a live preview of the big screen), 4 done. Without this script the page is one
// form with three parts and posts as usual.
//
// Sending goes through the phone's outbox (outbox.js, like the journal): online, the dilemma is
// saved at once and its page opens; offline, it waits on the phone and is sent later, and the
// page says so. If the server will not take it, the form is posted the old way, so its page
// shows what to fix and keeps every word.

const form = document.querySelector("[data-dilemma-form]");

const newId = () => self.StegvisOutbox.newId();

function currentUser() {
  const badge = document.querySelector("[data-outbox-badge]");
  return (badge && badge.dataset.user) || null;
}

if (form) {
  const steps = [...form.querySelectorAll("[data-step]")];
  const progress = form.querySelector("[data-progress]");
  const done = document.querySelector("[data-dilemma-done]");
  let current = 0;

  // --- one step at a time ----------------------------------------------------------------------

  form.classList.add("is-stepped");
  for (const el of form.querySelectorAll("[data-js-only]")) el.hidden = false;
  for (const el of form.querySelectorAll("[data-no-js-only]")) el.hidden = true;

  function required(step) {
    return [...step.querySelectorAll("textarea, input[type=text], input:not([type])")];
  }

  function showStep(index, focus) {
    current = index;
    steps.forEach((step, i) => {
      step.hidden = i !== index;
    });
    if (progress) {
      progress.hidden = false;
      progress.textContent = form.dataset.labelStep.replace("__N__", String(index + 1));
    }
    if (focus) {
      const legend = steps[index].querySelector("legend");
      legend.tabIndex = -1;
      legend.focus();
    }
  }

  function markMissing(field) {
    const box = field.closest(".field");
    field.setAttribute("aria-invalid", "true");
    if (box && !box.querySelector("[data-js-error]")) {
      box.classList.add("has-error");
      const error = document.createElement("p");
      error.className = "error";
      error.id = `${field.id}-js-error`;
      error.dataset.jsError = "";
      const icon = document.querySelector(".icon use");
      if (icon) {
        const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
        svg.setAttribute("class", "icon");
        svg.setAttribute("aria-hidden", "true");
        const use = document.createElementNS("http://www.w3.org/2000/svg", "use");
        use.setAttribute("href", icon.getAttribute("href").replace(/#.*$/, "#alert-circle"));
        svg.append(use);
        error.append(svg);
      }
      const text = document.createElement("span");
      text.textContent = form.dataset.labelMissing;
      error.append(text);
      box.append(error);
      const described = (field.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      field.setAttribute("aria-describedby", [...described, error.id].join(" "));
    }
  }

  function clearMissing(field) {
    const box = field.closest(".field");
    const error = box && box.querySelector("[data-js-error]");
    if (!error) return;
    error.remove();
    box.classList.remove("has-error");
    field.removeAttribute("aria-invalid");
    const described = (field.getAttribute("aria-describedby") || "").split(" ").filter((id) => id && id !== error.id);
    if (described.length) field.setAttribute("aria-describedby", described.join(" "));
    else field.removeAttribute("aria-describedby");
  }

  function stepIsFilled(step) {
    const empty = required(step).filter((field) => !field.value.trim());
    for (const field of empty) markMissing(field);
    if (empty.length) {
      showStep(steps.indexOf(step), false);
      empty[0].focus();
    }
    return empty.length === 0;
  }

  form.addEventListener("click", (event) => {
    const button = event.target.closest("button");
    if (!button) return;
    if (button.matches("[data-next-step]")) {
      if (stepIsFilled(steps[current])) showStep(Math.min(current + 1, steps.length - 1), true);
    } else if (button.matches("[data-prev-step]")) {
      showStep(Math.max(current - 1, 0), true);
    }
  });

  // Enter in a one-line field goes to the next one (or the next step), not straight to "save".
  form.addEventListener("keydown", (event) => {
    if (event.key !== "Enter" || !(event.target instanceof HTMLInputElement)) return;
    if (event.target.type !== "text") return;
    event.preventDefault();
    const fields = required(steps[current]);
    const next = fields[fields.indexOf(event.target) + 1];
    if (next) next.focus();
    else steps[current].querySelector("[data-next-step]")?.click();
  });

  // --- the preview of the big screen -------------------------------------------------------------

  function updatePreview() {
    for (const part of document.querySelectorAll("[data-preview]")) {
      const field = form.elements[part.dataset.preview];
      const value = field ? field.value.trim() : "";
      part.textContent = value || part.dataset.empty;
      part.classList.toggle("is-empty", !value);
    }
    const from = document.querySelector("[data-preview-from] span");
    const anonymous = form.querySelector('[name="anonymous"]:checked');
    if (from && anonymous) {
      const box = from.parentElement;
      from.textContent = anonymous.value === "0" ? box.dataset.named : box.dataset.anon;
    }
  }

  form.addEventListener("input", (event) => {
    if (event.target.matches("textarea, input")) {
      if (event.target.value.trim()) clearMissing(event.target);
      updatePreview();
    }
  });
  form.addEventListener("change", updatePreview);
  updatePreview();

  // Start where the server found something to fix, or at the beginning.
  const firstError = steps.findIndex((step) => step.querySelector(".has-error"));
  showStep(firstError >= 0 ? firstError : 0, false);

  // --- sending through the outbox ----------------------------------------------------------------

  const outbox = self.StegvisOutbox;
  let sending = false;

  function postNormally() {
    form.dataset.bypass = "1";
    form.requestSubmit ? form.requestSubmit() : form.submit();
  }

  function bodyOf() {
    return {
      client_id: form.elements.client_id.value || newId(),
      group_id: Number.parseInt(form.elements.group_id.value, 10),
      problem: form.elements.problem.value,
      solution_1: form.elements.solution_1.value,
      solution_2: form.elements.solution_2.value,
      solution_3: form.elements.solution_3.value,
      anonymous: (form.querySelector('[name="anonymous"]:checked') || {}).value !== "0",
    };
  }

  async function send() {
    const body = bodyOf();
    const item = await outbox.add({
      kind: "dilemma-create",
      method: "POST",
      url: form.dataset.api.split(/\s+/)[1],
      body,
      user: currentUser(),
      about: body.problem.slice(0, 60),
    });
    navigator.serviceWorker?.ready
      .then((registration) => registration.sync && registration.sync.register("outbox"))
      .catch(() => {});
    const result = await outbox.flush().catch(() => null);
    const failed = result && result.failed.find((f) => f.id === item.id);
    if (failed) {
      // A mistake the server will tell about: the form, posted the old way, shows what to fix.
      await outbox.removeFailed?.(failed.id).catch(() => {});
      postNormally();
      return;
    }
    const sent = result && result.sent.find((s) => s.id === item.id);
    if (sent && sent.data && sent.data.id) {
      location.assign(`/dilemmas/${encodeURIComponent(sent.data.id)}?new=1`);
      return;
    }
    const waiting = (await outbox.all()).some((it) => it.id === item.id);
    if (!waiting) {
      location.assign(form.dataset.next); // sent by another flush meanwhile
      return;
    }
    // Step 4, offline: kept on this phone, sent when it is online again.
    form.hidden = true;
    form.reset();
    form.elements.client_id.value = newId();
    if (done) {
      done.hidden = false;
      done.focus();
    }
  }

  form.addEventListener("submit", (event) => {
    if (form.dataset.bypass) {
      delete form.dataset.bypass;
      return;
    }
    const submitter = event.submitter;
    if (submitter && submitter.value === "preview") return; // (hidden with JS; just in case)
    event.preventDefault();
    if (!steps.every(stepIsFilled)) return;
    if (!outbox || sending) {
      if (!outbox) postNormally();
      return;
    }
    sending = true;
    send()
      .catch(() => postNormally()) // no IndexedDB (a private window): the old way
      .finally(() => {
        sending = false;
      });
  });
}
