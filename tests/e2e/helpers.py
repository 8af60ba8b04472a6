"""What the browser tests share: launch settings, logging in, running axe-core."""

import json
from pathlib import Path
from urllib.parse import urlsplit

HERE = Path(__file__).resolve().parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = HERE / "node_modules" / "axe-core" / "axe.min.js"
DEMO_PASSWORD = "stegvis-demo"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 390, "height": 844}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def path_of(url: str) -> str:
    return urlsplit(url).path


def log_in(page, base: str, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto(base + "/login")
    page.fill("#f-username", username)
    page.fill("#f-password", password)
    with page.expect_navigation():
        page.press("#f-password", "Enter")
    assert path_of(page.url) == "/", f"login as {username} failed: {page.inner_text('main')}"


def choose_large_text(page, base: str) -> None:
    """The large-text preference, set the way a person sets it: on the Me page."""
    page.goto(base + "/me")
    page.check('input[name="size"][value="large"]')
    with page.expect_navigation():
        page.click('form[action$="/settings/text-size"] button[type="submit"]')
    assert page.evaluate("document.documentElement.classList.contains('large-text')")


def submit(page, button_selector: str):
    """Clicks a submit button and gives back the response of the page that follows."""
    with page.expect_navigation() as nav:
        page.click(button_selector)
    return nav.value


def axe_violations(page, axe_source: str) -> list[dict]:
    """Runs axe-core on the page as it is now. Injected through DevTools, so the page's strict
    Content-Security-Policy (no inline scripts) stays on while we check."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_source)
    result = page.evaluate(
        """tags => axe.run(document, {
            runOnly: {type: "tag", values: tags}, resultTypes: ["violations"],
        })""",
        AXE_TAGS,
    )
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [
                {"target": n["target"], "summary": n.get("failureSummary", "")} for n in v["nodes"]
            ],
        }
        for v in result["violations"]
    ]


def as_json(data) -> str:
    return json.dumps(data, indent=1, ensure_ascii=False)


FAINT_ICONS = """() => {
  const rgba = (s) => (s.match(/[\\d.]+/g) || [0, 0, 0, 0]).map(Number);
  const luminance = ([r, g, b]) => {
    const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c.length < 4 || c[3] > 0) return c;
    }
    return [255, 255, 255];
  };
  const where = (el) => {
    const host = el.closest("a, button, label, h1, h2, h3, li, section, [id]") || el;
    return `${host.tagName.toLowerCase()} "${host.textContent.trim().slice(0, 40)}"`;
  };
  return [...document.querySelectorAll("svg.icon")]
    .filter((icon) => icon.getBoundingClientRect().width > 0)
    .map((icon) => {
      const a = luminance(rgba(getComputedStyle(icon).color));
      const b = luminance(background(icon));
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      return {where: where(icon), ratio: Math.round(ratio * 100) / 100};
    })
    .filter((icon) => icon.ratio < 3);
}"""


def faint_icons(page) -> list[dict]:
    """Icons drawn in (nearly) the colour behind them: WCAG 1.4.11 asks for 3:1, axe does not
    check graphics. Icons are strokes in currentColor, so their colour is the text colour."""
    return page.evaluate(FAINT_ICONS)


# Resolves once a service worker controls the page; after 10 s fails and says what it saw.
CONTROLLED = """() => Promise.race([
  navigator.serviceWorker.ready.then(() => navigator.serviceWorker.controller
    ? true
    : new Promise((resolve) => navigator.serviceWorker.addEventListener(
        "controllerchange", () => resolve(true), {once: true}))),
  new Promise((resolve) => setTimeout(resolve, 10000)).then(async () => {
    const r = await navigator.serviceWorker.getRegistration();
    const state = (w) => (w ? w.state : null);
    throw new Error("no service worker in control: " + JSON.stringify(r ? {
      installing: state(r.installing), waiting: state(r.waiting), active: state(r.active),
      controller: !!navigator.serviceWorker.controller} : null));
  }),
])"""


def wait_controlled(page) -> None:
    """Wait until the service worker controls the page. A page that loaded while the worker was
    still activating is sometimes left uncontrolled; a reload then always is (as for users)."""
    from playwright.sync_api import Error as PlaywrightError

    try:
        page.evaluate(CONTROLLED)
    except PlaywrightError:
        page.reload()
        page.evaluate(CONTROLLED)
