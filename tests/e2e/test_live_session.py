"""A live group session in real browsers: the counsellor starts it and runs it from the control
view, the big screen (1920×1080) shows it, and two participants take part from their phones.

A response posted on one phone reaches the other phone and the screen within 3 seconds; a phone
that is offline keeps its response and sends it when it is back. The live view, the control
view and the screen pass axe in light and dark mode (and with large text), and screenshots of
each go to /tmp/shots/live-*.png for people to look at.
"""

import os
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import Dilemma, Group, GroupSession, User
from webapp.models.base import utcnow

from .helpers import (
    CHROMIUM,
    FLAGS,
    VIEWPORT,
    as_json,
    axe_violations,
    choose_large_text,
    faint_icons,
    log_in,
)

SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))
SCREEN = {"width": 1920, "height": 1080}
WITHIN = 3_000  # ms: a post must reach every phone and the screen this fast
PROBLEM = "Jeg gruer meg til å ringe arbeidsgiveren om praksisplassen"
SOLUTIONS = [
    "Øve med en venn først",
    "Sende en melding i stedet",
    "Be veilederen sitte ved siden av",
]


@pytest.fixture
def world(live_server):
    """A planned session of the demo group, and an anonymous dilemma waiting for it."""
    with live_server.app.app_context():
        group = db.session.get(Group, live_server.group_id)
        author = db.session.scalar(select(User).where(User.username == "deltaker3"))
        session = GroupSession(group_id=group.id, starts_at=utcnow(), theme="Valg og muligheter")
        db.session.add(session)
        dilemma = Dilemma(
            group_id=group.id,
            author_id=author.id,
            client_id="e2e-live-dilemma",
            anonymous=True,
            problem=PROBLEM,
            solution_1=SOLUTIONS[0],
            solution_2=SOLUTIONS[1],
            solution_3=SOLUTIONS[2],
        )
        db.session.add(dilemma)
        db.session.commit()
        ids = {"session": session.id, "dilemma": dilemma.id}
    yield ids
    with live_server.app.app_context():  # leave the demo data as it was for other tests
        row = db.session.get(GroupSession, ids["session"])
        if row is not None:
            db.session.delete(row)
        gone = db.session.get(Dilemma, ids["dilemma"])
        if gone is not None:
            db.session.delete(gone)
        db.session.commit()


@pytest.fixture
def browser_for(playwright_driver, live_server, tmp_path):
    """More phones: one Chromium profile each."""
    opened = []

    def make(name: str, viewport=VIEWPORT):
        ctx = playwright_driver.chromium.launch_persistent_context(
            str(tmp_path / f"profile-{name}"),
            executable_path=str(CHROMIUM),
            headless=True,
            args=FLAGS,
            viewport=viewport,
            locale="nb-NO",
            timezone_id="Europe/Oslo",
        )
        ctx.set_default_timeout(10_000)
        opened.append(ctx)
        page = ctx.pages[0] if ctx.pages else ctx.new_page()
        return ctx, page

    yield make
    for ctx in opened:
        ctx.close()
    live_server.reset_preferences()


def shot(page, name: str, full_page: bool = True) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"live-{name}.png"), full_page=full_page)


def arrives(page, selector: str, text: str, within: int = WITHIN) -> float:
    """Waits until `text` is in `selector`; gives back how long it took, in ms."""
    began = time.monotonic()
    page.wait_for_function(
        "([sel, text]) => [...document.querySelectorAll(sel)]"
        ".some(e => e.textContent.includes(text))",
        arg=[selector, text],
        timeout=within,
    )
    return (time.monotonic() - began) * 1000


def axe_clean(page, axe_source, name: str, found: dict) -> None:
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme, reduced_motion="reduce")
        violations = axe_violations(page, axe_source)
        if faint := faint_icons(page):
            violations.append({"id": "icon-contrast (ours, WCAG 1.4.11)", "nodes": faint})
        if violations:
            found[f"{name} ({scheme})"] = violations
    page.emulate_media(color_scheme="light")


def act(page, action: str, **hidden) -> None:
    """Presses a counsellor button on the control view (the form for this action and ids)."""
    selector = f'form[data-live-action]:has(input[name="action"][value="{action}"])'
    for name, value in hidden.items():
        selector += f':has(input[name="{name}"][value="{value}"])'
    page.locator(selector).first.locator("button[type=submit]").click()


def test_a_live_session_with_two_phones_and_the_big_screen(
    page, context, live_server, world, browser_for, axe_source
):
    base = live_server.url
    sid = world["session"]
    found = {}

    # The counsellor starts the session from the control view and opens the big screen.
    control = page
    control.set_viewport_size({"width": 1280, "height": 900})
    log_in(control, base, "veileder1")
    control.goto(f"{base}/sessions/{sid}/control")
    with control.expect_navigation():
        control.click(f'form[action$="/sessions/{sid}/start"] button')
    assert control.url.endswith(f"/sessions/{sid}/control")
    with live_server.app.app_context():
        code = db.session.get(GroupSession, sid).join_code
    assert code and code in control.inner_text("main")
    screen = context.new_page()
    screen.set_viewport_size(SCREEN)
    screen.goto(f"{base}/sessions/{sid}/screen")
    assert code in screen.inner_text("main")
    shot(screen, "screen-welcome", full_page=False)

    # Two participants join from their phones with one tap.
    phones = {}
    for username in ("deltaker1", "deltaker2"):
        _ctx, phone = browser_for(username)
        log_in(phone, base, username)
        phone.goto(f"{base}/sessions/{sid}/live")
        with phone.expect_navigation():
            phone.click(f'form[action$="/sessions/{sid}/join"] button')
        phones[username] = phone
    one, two = phones["deltaker1"], phones["deltaker2"]
    arrives(screen, ".screen-here", "2")

    # The counsellor shows the waiting dilemma: it reaches both phones and the screen.
    act(control, "show", dilemma_id=world["dilemma"])
    for where in (one, two, screen):
        arrives(where, ".live-problem", PROBLEM)
    assert SOLUTIONS[2] in screen.inner_text(".live-solutions")
    assert "deltaker3" not in screen.inner_text("main").lower()
    shot(screen, "screen-dilemma", full_page=False)

    # A response from one phone reaches the other phone and the screen's count within 3 s.
    one.check('input[name="kind"][value="choice"]')
    one.check('input[name="choice"][value="1"]')
    one.fill("#f-text", "Da blir det mindre skummelt")
    one.click("form[data-live-respond] button[type=submit]")
    took = arrives(two, ".live-response", "Da blir det mindre skummelt")
    arrives(screen, ".screen-count", "1")
    arrives(one, "[data-live-note]", "")  # the sender is told it went
    assert one.locator(".live-response.is-mine").count() == 1
    assert two.locator(".live-response.is-mine").count() == 0
    print(f"\nresponse reached the other phone in {took:.0f} ms")

    # Revealed, the responses come up on the screen.
    act(control, "reveal")
    arrives(screen, ".screen-responses", "Da blir det mindre skummelt")
    shot(screen, "screen-responses", full_page=False)

    # A phone that is offline keeps its response and sends it when it is back.
    two.context.set_offline(True)
    two.fill("#f-text", "Hva sier du til dem først?")
    two.check('input[name="kind"][value="question"]')
    two.click("form[data-live-respond] button[type=submit]")
    two.wait_for_function(
        "() => document.querySelector('[data-live-note]').textContent.trim().length > 0"
    )
    assert two.locator("#f-text").input_value() == ""
    time.sleep(1)
    assert "Hva sier du til dem først?" not in one.inner_text("main")
    two.context.set_offline(False)
    arrives(one, ".live-response", "Hva sier du til dem først?", within=8_000)
    arrives(screen, ".screen-responses", "Hva sier du til dem først?")
    with live_server.app.app_context():
        texts = (
            db.session.scalars(select(Dilemma).where(Dilemma.id == world["dilemma"]))
            .one()
            .responses
        )
        assert [r.text for r in texts].count("Hva sier du til dem først?") == 1

    # The silence timer: a calm countdown on the phones and the screen.
    act(control, "timer", seconds=60)
    for where in (one, screen):
        where.wait_for_selector("[data-live-timer]:not([hidden])", timeout=WITHIN)
    shot(screen, "screen-timer", full_page=False)

    # Screens to look at, and axe on each.
    one.reload()
    shot(one, "phone-dilemma")
    axe_clean(one, axe_source, "live view", found)
    one.emulate_media(color_scheme="dark")
    shot(one, "phone-dilemma-dark")
    one.emulate_media(color_scheme="light")
    control.reload()
    shot(control, "control")
    control.emulate_media(color_scheme="dark")
    shot(control, "control-dark")
    control.emulate_media(color_scheme="light")
    axe_clean(control, axe_source, "control", found)
    axe_clean(screen, axe_source, "screen", found)
    control.set_viewport_size(VIEWPORT)
    shot(control, "control-phone")

    # A strength-word round for deltaker1: deltaker2 gives a word, the screen shows it.
    act(control, "timer", seconds=0)
    with live_server.app.app_context():
        subject = db.session.scalar(select(User).where(User.username == "deltaker1"))
    control.select_option("#f-subject", str(subject.id))
    act(control, "start_round")
    arrives(two, ".live-round", "Deltaker 1")
    two.check('input[name="preset"][value="brave"]')
    two.click("form[data-live-word] button[type=submit]")
    arrives(screen, ".screen-round", "Modig" if "Modig" in screen.content() else "")
    screen.wait_for_selector(".screen-round .word-chip", timeout=WITHIN)
    arrives(one, ".live-round .word-chip", "")
    shot(screen, "screen-round", full_page=False)
    shot(one, "phone-round")
    shot(two, "phone-give-word")
    axe_clean(two, axe_source, "live view, giving a word", found)
    axe_clean(screen, axe_source, "screen, round", found)

    # Large text on the phone still reads well.
    choose_large_text(one, base)
    one.goto(f"{base}/sessions/{sid}/live")
    axe_clean(one, axe_source, "live view (large text)", found)
    shot(one, "phone-large-text")
    for width in (390, 320):
        one.set_viewport_size({"width": width, "height": 844})
        scroll = one.evaluate("document.documentElement.scrollWidth > window.innerWidth")
        assert not scroll, f"the live view scrolls sideways at {width} px with large text"
    shot(one, "phone-320-large-text")
    one.set_viewport_size(VIEWPORT)

    # And the counsellor's views with large text.
    control.set_viewport_size({"width": 1280, "height": 900})
    choose_large_text(control, base)
    control.goto(f"{base}/sessions/{sid}/control")
    axe_clean(control, axe_source, "control (large text)", found)
    screen.reload()
    axe_clean(screen, axe_source, "screen (large text)", found)

    # The counsellor ends the session: the phones and the screen say so.
    control.goto(f"{base}/sessions/{sid}/control")
    control.click("details.danger-zone summary")
    with control.expect_navigation():
        control.click(f'form[action$="/sessions/{sid}/end"] button')
    arrives(screen, ".screen-welcome", "")
    two.wait_for_function(
        "() => !document.querySelector("
        "'.live-problem, form[data-live-respond], form[data-live-word]')",
        timeout=WITHIN,
    )
    shot(two, "phone-ended")
    assert not found, f"axe violations:\n{as_json(found)}"
