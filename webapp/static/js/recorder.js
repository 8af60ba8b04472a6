// Voice notes and reading aloud, added on top of the server-rendered journal pages.
//
// Recorder: inside a `[data-recorder]` container (or, when the page has none, right after the
// textarea of an entry-create form) a "Record a voice note" button; up to 3 minutes with a
// visible countdown, then play back or delete. The recording rides along with the entry through
// the outbox (app.js asks takeRecording(form)), so a voice note made offline waits on the phone.
// Labels come from data-label-* attributes on the container (translated by the template),
// with English as the fallback.
//
// Read aloud: buttons `[data-read-aloud]` read their target with the browser's speech
// synthesis in the page's language; hidden where the browser cannot speak.

const MAX_MS = 3 * 60 * 1000;
const TYPES = ["audio/webm;codecs=opus", "audio/webm", "audio/mp4", "audio/ogg;codecs=opus"];
const ENGLISH = {
  record: "Record a voice note",
  stop: "Stop",
  discard: "Delete the recording",
  left: "%(time)s left",
  recorded: "Voice note recorded (%(time)s)",
  denied: "We could not use the microphone. You can write instead.",
  readAloud: "Read aloud",
  stopReading: "Stop reading",
};
const state = new WeakMap(); // form -> {blob, duration_ms}

// The container's own label, else the one base.html keeps on the sync badge, else English.
function labelFrom(element, key) {
  const name = "label" + key[0].toUpperCase() + key.slice(1);
  const shared = document.querySelector("[data-outbox-badge]");
  return (element && element.dataset[name]) || (shared && shared.dataset[name]) || ENGLISH[key];
}

function fill(text, values) {
  return text.replace(/%\((\w+)\)s|__(\w+)__|\{(\w+)\}/g, (all, a, b, c) => {
    const key = (a || b || c).toLowerCase();
    return key in values ? String(values[key]) : all;
  });
}

function clock(ms) {
  const seconds = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

function iconSvg(name) {
  const sprite = document.querySelector("svg.icon use");
  const href = sprite ? sprite.getAttribute("href").split("#")[0] : "/static/icons.svg";
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  svg.setAttribute("focusable", "false");
  const use = document.createElementNS("http://www.w3.org/2000/svg", "use");
  use.setAttribute("href", `${href}#${name}`);
  svg.append(use);
  return svg;
}

// Icons only when the sprite has them (an empty icon would leave a gap).
let spriteText = null;
function spriteHas(name) {
  if (!spriteText) {
    const use = document.querySelector("svg.icon use");
    const href = use ? use.getAttribute("href").split("#")[0] : "/static/icons.svg";
    spriteText = fetch(href).then((r) => (r.ok ? r.text() : "")).catch(() => "");
  }
  return spriteText.then((text) => text.includes(`id="${name}"`));
}

function button(text, className, icon) {
  const b = document.createElement("button");
  b.type = "button";
  b.className = className;
  if (icon) spriteHas(icon).then((ok) => ok && b.prepend(iconSvg(icon)));
  const span = document.createElement("span");
  span.textContent = text;
  b.append(span);
  return b;
}

export function canRecord() {
  return typeof MediaRecorder === "function" && !!(navigator.mediaDevices && navigator.mediaDevices.getUserMedia);
}

function chooseType() {
  if (typeof MediaRecorder.isTypeSupported !== "function") return "";
  return TYPES.find((type) => MediaRecorder.isTypeSupported(type)) || "";
}

/** The recording made for this form, or null: {blob, duration_ms}. */
export function takeRecording(form) {
  return state.get(form) || null;
}

/** Forget the recording (after the entry is in the outbox). */
export function clearRecording(form) {
  const box = form.querySelector("[data-recorder]");
  if (box && box.stegvisReset) box.stegvisReset();
  state.delete(form);
}

function setUp(form, box) {
  box.classList.add("recorder");
  box.replaceChildren();
  const start = button(labelFrom(box, "record"), "button secondary", box.dataset.iconRecord || "microphone");
  start.dataset.recStart = "";
  const stop = button(labelFrom(box, "stop"), "button", box.dataset.iconStop || "player-stop");
  stop.dataset.recStop = "";
  stop.hidden = true;
  const time = document.createElement("span");
  time.className = "recorder-time";
  time.dataset.recTime = "";
  time.hidden = true;
  const audio = document.createElement("audio");
  audio.controls = true;
  audio.hidden = true;
  audio.preload = "metadata";
  const discard = button(labelFrom(box, "discard"), "button danger", box.dataset.iconDiscard || "trash");
  discard.dataset.recDiscard = "";
  discard.hidden = true;
  const status = document.createElement("p");
  status.className = "recorder-status";
  status.setAttribute("role", "status");
  box.append(start, stop, time, audio, discard, status);

  let recorder = null;
  let stream = null;
  let chunks = [];
  let began = 0;
  let timer = null;
  let url = null;

  function show(mode) {
    start.hidden = mode !== "idle";
    stop.hidden = mode !== "recording";
    time.hidden = mode !== "recording";
    audio.hidden = mode !== "done";
    discard.hidden = mode !== "done";
  }

  function reset() {
    if (recorder && recorder.state !== "inactive") {
      recorder.onstop = null;
      recorder.stop();
    }
    if (stream) stream.getTracks().forEach((track) => track.stop());
    clearInterval(timer);
    if (url) URL.revokeObjectURL(url);
    recorder = stream = url = null;
    chunks = [];
    audio.removeAttribute("src");
    status.textContent = "";
    state.delete(form);
    show("idle");
  }
  box.stegvisReset = reset;

  function tick() {
    const left = MAX_MS - (Date.now() - began);
    time.textContent = fill(labelFrom(box, "left"), { time: clock(left) });
    if (left <= 0 && recorder && recorder.state === "recording") recorder.stop();
  }

  start.addEventListener("click", async () => {
    status.textContent = "";
    try {
      stream = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      status.textContent = labelFrom(box, "denied");
      return;
    }
    const type = chooseType();
    recorder = new MediaRecorder(stream, type ? { mimeType: type } : undefined);
    chunks = [];
    recorder.ondataavailable = (event) => {
      if (event.data && event.data.size) chunks.push(event.data);
    };
    recorder.onstop = () => {
      const duration = Math.min(Date.now() - began, MAX_MS);
      clearInterval(timer);
      stream.getTracks().forEach((track) => track.stop());
      const blob = new Blob(chunks, { type: (recorder.mimeType || type || "audio/webm").split(";")[0] });
      state.set(form, { blob, duration_ms: duration });
      url = URL.createObjectURL(blob);
      audio.src = url;
      status.textContent = fill(labelFrom(box, "recorded"), { time: clock(duration) });
      show("done");
      discard.focus();
    };
    began = Date.now();
    recorder.start(1000);
    tick();
    timer = setInterval(tick, 250);
    show("recording");
    stop.focus();
  });
  stop.addEventListener("click", () => {
    if (recorder && recorder.state !== "inactive") recorder.stop();
  });
  discard.addEventListener("click", () => {
    reset();
    start.focus();
  });
  show("idle");
}

export function initRecorders(root = document) {
  if (!canRecord()) {
    for (const box of root.querySelectorAll("[data-recorder]")) box.hidden = true;
    return;
  }
  for (const form of root.querySelectorAll('form[data-outbox="entry-create"]')) {
    if (form.dataset.recorderReady) continue;
    let box = form.querySelector("[data-recorder]");
    if (!box) {
      const textarea = form.querySelector("textarea");
      if (!textarea) continue;
      box = document.createElement("div");
      box.dataset.recorder = "";
      const anchor = textarea.closest(".field") || textarea;
      anchor.after(box);
    }
    form.dataset.recorderReady = "1";
    box.hidden = false;
    setUp(form, box);
  }
}

// --- reading aloud ------------------------------------------------------------------------------

const VOICES = { nb: "nb-NO", no: "nb-NO", nn: "nn-NO", en: "en-GB" };

export function speechLang(lang = document.documentElement.lang) {
  return VOICES[(lang || "").toLowerCase().split("-")[0]] || "nb-NO";
}

function textToRead(trigger) {
  const value = trigger.dataset.readAloud;
  if (value) return value;
  const target = trigger.dataset.readTarget
    ? document.querySelector(trigger.dataset.readTarget)
    : document.getElementById(trigger.getAttribute("aria-controls") || "");
  if (target) return target.innerText || target.textContent;
  const item = trigger.closest("li, article, [data-read-aloud-scope]");
  const text = item && item.querySelector("[data-read-text]");
  return text ? text.innerText || text.textContent : "";
}

export function initReadAloud(root = document) {
  const can = "speechSynthesis" in window && typeof SpeechSynthesisUtterance === "function";
  for (const trigger of root.querySelectorAll("[data-read-aloud]")) trigger.hidden = !can;
  if (!can || initReadAloud.ready) return;
  initReadAloud.ready = true;
  let speaking = null;
  document.addEventListener("click", (event) => {
    const trigger = event.target.closest("[data-read-aloud]");
    if (!trigger) return;
    event.preventDefault();
    const again = speaking === trigger;
    window.speechSynthesis.cancel();
    if (speaking) speaking.setAttribute("aria-pressed", "false");
    speaking = null;
    if (again) return;
    const text = (textToRead(trigger) || "").trim();
    if (!text) return;
    const utterance = new SpeechSynthesisUtterance(text);
    utterance.lang = speechLang();
    const voice = window.speechSynthesis.getVoices().find((v) => v.lang === utterance.lang);
    if (voice) utterance.voice = voice;
    utterance.onend = utterance.onerror = () => {
      trigger.setAttribute("aria-pressed", "false");
      if (speaking === trigger) speaking = null;
    };
    speaking = trigger;
    trigger.setAttribute("aria-pressed", "true");
    window.speechSynthesis.speak(utterance);
  });
}
