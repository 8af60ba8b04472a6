"""Help on a 390 px phone: the first-run tour on the home page (one card at a time, Skip / Next /
Done, also without JavaScript), the help pages and the counsellor's guide — axe-clean in light
and dark mode and with large text, no sideways scrolling, and a screenshot of each for people to
look at (/tmp/shots/guide-*.png)."""

import os
from pathlib import Path

import pytest
from sqlalchemy import select, update

from webapp.extensions import db
from webapp.models import User

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
SCHEMES = ["light", "dark", "large-text"]


def tour_not_seen(server, username: str) -> None:
    with server.app.app_context():
        db.session.execute(update(User).where(User.username == username).values(tour_seen_at=None))
        db.session.commit()


def tour_seen_at(server, username: str):
    with server.app.app_context():
        return db.session.scalar(select(User.tour_seen_at).where(User.username == username))


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.wait_for_timeout(250)  # the card's short fade-in
    page.screenshot(path=str(SHOTS / f"guide-{name}.png"), full_page=True)


def fits_the_screen(page) -> bool:
    return page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"
    )


def set_scheme(page, server, scheme: str) -> None:
    page.emulate_media(color_scheme="dark" if scheme == "dark" else "light")
    if scheme == "large-text":
        choose_large_text(page, server.url)


def visible_cards(page) -> list[str]:
    return page.eval_on_selector_all(
        "dialog[data-tour] [data-tour-card]",
        "cards => cards.filter(c => !c.hidden).map(c => c.id)",
    )


@pytest.mark.parametrize("scheme", SCHEMES)
def test_the_tour_on_the_home_page_steps_through_its_cards_and_is_accessible(
    page, live_server, axe_source, scheme
):
    tour_not_seen(live_server, "deltaker4")
    log_in(page, live_server.url, "deltaker4")
    set_scheme(page, live_server, scheme)
    page.goto(live_server.url + "/")
    dialog = page.locator("dialog[data-tour]")
    page.wait_for_function("document.querySelector('dialog[data-tour]').matches(':modal')")
    assert visible_cards(page) == ["tour-journal"]
    assert page.locator("[data-tour-count-text]").inner_text() in ("1 av 5", "1 of 5")
    assert page.evaluate("document.activeElement.matches('[data-tour-next]')")
    assert axe_violations(page, axe_source) == [], as_json(axe_violations(page, axe_source))
    assert fits_the_screen(page)
    assert faint_icons(page) == []
    shot(page, f"tour-1-{scheme}")
    page.set_viewport_size({"width": 320, "height": 568})
    assert fits_the_screen(page)
    assert page.locator("[data-tour-next]").is_visible()
    page.set_viewport_size(VIEWPORT)

    page.click("[data-tour-next]")
    assert visible_cards(page) == ["tour-steps"]
    page.click("[data-tour-back]")
    assert visible_cards(page) == ["tour-journal"]
    for _ in range(4):
        page.keyboard.press("Enter")  # focus stays on Next, then moves to Done
    assert visible_cards(page) == ["tour-help"]
    assert page.locator("[data-tour-next]").is_hidden()
    assert axe_violations(page, axe_source) == []
    shot(page, f"tour-last-{scheme}")

    with page.expect_response("**/help/tour/done") as done:
        page.click("form[data-tour-done] button")
    assert done.value.status == 204
    assert dialog.count() == 0
    assert tour_seen_at(live_server, "deltaker4") is not None
    page.reload()
    assert page.locator("dialog[data-tour]").count() == 0


def test_skipping_with_escape_is_remembered(page, live_server):
    tour_not_seen(live_server, "mentor1")
    log_in(page, live_server.url, "mentor1")
    page.wait_for_function("document.querySelector('dialog[data-tour]').matches(':modal')")
    assert visible_cards(page) == ["tour-shared"]
    with page.expect_response("**/help/tour/done"):
        page.keyboard.press("Escape")
    assert tour_seen_at(live_server, "mentor1") is not None


@pytest.fixture
def no_js_page(playwright_driver, live_server, tmp_path):
    ctx = playwright_driver.chromium.launch_persistent_context(
        str(tmp_path / "profile-nojs"),
        executable_path=str(CHROMIUM),
        headless=True,
        args=FLAGS,
        viewport=VIEWPORT,
        locale="nb-NO",
        java_script_enabled=False,
    )
    yield ctx.pages[0] if ctx.pages else ctx.new_page()
    ctx.close()


def test_without_javascript_the_tour_is_a_card_with_every_step_and_a_done_button(
    no_js_page, live_server, axe_source
):
    page = no_js_page
    tour_not_seen(live_server, "deltaker3")
    log_in(page, live_server.url, "deltaker3")
    cards = page.locator("dialog[data-tour] [data-tour-card]")
    assert cards.count() == 5
    assert all(cards.nth(i).is_visible() for i in range(5))
    assert fits_the_screen(page)
    shot(page, "tour-no-js")
    with page.expect_navigation():
        page.click("form[data-tour-done] button")
    assert page.locator("dialog[data-tour]").count() == 0
    assert tour_seen_at(live_server, "deltaker3") is not None


PAGES = [
    ("help-participant", "deltaker1", "/help"),
    ("tour-page", "deltaker1", "/help/tour"),
    ("help-mentor", "mentor1", "/help"),
    ("help-counsellor", "veileder1", "/help"),
    ("tour-page-counsellor", "veileder1", "/help/tour?for=participant"),
    ("guide", "veileder1", "/help/guide"),
]


@pytest.mark.parametrize("scheme", SCHEMES)
def test_help_pages_are_accessible_and_fit_a_phone(page, context, live_server, axe_source, scheme):
    who = None
    for name, username, path in PAGES:
        if username != who:
            context.clear_cookies()
            log_in(page, live_server.url, username)
            set_scheme(page, live_server, scheme)
            who = username
        response = page.goto(live_server.url + path)
        assert response.status == 200, path
        if name == "guide":  # open a session's details, if the programme has any
            summary = page.locator("details.guide-session > summary")
            if summary.count():
                summary.first.click()
        found = axe_violations(page, axe_source)
        assert found == [], f"{path} ({scheme}): {as_json(found)}"
        assert fits_the_screen(page), f"{path} ({scheme}) scrolls sideways"
        assert faint_icons(page) == [], f"{path} ({scheme})"
        page.set_viewport_size({"width": 320, "height": 640})  # the smallest phones
        assert fits_the_screen(page), f"{path} ({scheme}) scrolls sideways at 320 px"
        page.set_viewport_size(VIEWPORT)
        read_aloud = page.locator("[data-read-aloud]")
        if page.evaluate("'speechSynthesis' in window"):
            assert read_aloud.count() and read_aloud.first.is_visible()
        shot(page, f"{name}-{scheme}")


def test_the_me_page_leads_to_help(page, live_server):
    log_in(page, live_server.url, "deltaker2")
    page.goto(live_server.url + "/me")
    with page.expect_navigation():
        page.click("main a[href='/help']")
    assert page.url.endswith("/help")
