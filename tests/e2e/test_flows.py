"""Real journeys through the real forms on a phone-sized screen: signing up, joining a group,
getting a sign-up wrong, logging in with the keyboard only, and logging out."""

import uuid

from .helpers import log_in, path_of, submit

NAV_HREFS = ["/", "/journal", "/group", "/inbox", "/me"]
SUBMIT = "main form button[type=submit]"


def fill_sign_up(page, username: str, display_name: str, password: str, birth_year: str) -> None:
    page.fill("#f-username", username)
    page.fill("#f-display_name", display_name)
    page.fill("#f-password", password)
    page.fill("#f-birth_year", birth_year)
    page.check("#f-privacy")  # "I have read how Stegvis handles my data"


def new_username() -> str:
    return f"ung-{uuid.uuid4().hex[:8]}"


def bottom_nav(page) -> list[dict]:
    return page.eval_on_selector_all(
        "nav.bottom-nav a",
        """links => links.map(a => ({
            href: a.getAttribute("href"),
            label: a.innerText.trim(),
            current: a.getAttribute("aria-current"),
            icon: a.querySelector("svg.icon") !== null,
        }))""",
    )


def test_a_visitor_signs_up_sees_the_bottom_navigation_and_joins_the_group_with_its_code(
    page, live_server
):
    page.goto(live_server.url + "/signup")
    assert page.get_attribute("html", "lang") == "nb"  # bokmål unless the person chooses otherwise
    fill_sign_up(page, new_username(), "Sol", "en rolig morgen med te", "2005")
    response = submit(page, SUBMIT)

    assert response.status == 200 and path_of(page.url) == "/"
    assert "Sol" in page.inner_text("h1")
    nav = bottom_nav(page)
    assert [link["href"] for link in nav] == NAV_HREFS
    assert all(link["label"] and link["icon"] for link in nav), nav  # never an icon alone
    assert [link["current"] for link in nav] == ["page", None, None, None, None]
    assert page.is_visible("nav.bottom-nav")

    page.goto(live_server.url + "/join")
    page.fill("#f-code", live_server.group_code)
    submit(page, SUBMIT)

    assert path_of(page.url) == "/group"
    assert "Stegvis demo" in page.inner_text("main h2")
    assert page.is_visible("main .notice[role=status]")  # the welcome
    assert "Deltaker 1" in page.inner_text("main")  # now the group's members are visible


def test_a_join_link_opened_while_logged_out_leads_through_sign_up_straight_into_joining(
    page, live_server
):
    page.goto(f"{live_server.url}/join/{live_server.group_code}")
    assert path_of(page.url) == "/signup"

    fill_sign_up(page, new_username(), "Kim", "en rolig kveld med te", "2003")
    submit(page, SUBMIT)

    assert path_of(page.url) == "/join"
    assert page.input_value("#f-code") == live_server.group_code
    submit(page, SUBMIT)
    assert path_of(page.url) == "/group"
    assert "Stegvis demo" in page.inner_text("main h2")


def test_an_invalid_sign_up_keeps_what_was_typed_and_ties_each_error_to_its_field(
    page, live_server
):
    page.goto(live_server.url + "/signup")
    fill_sign_up(page, "Ola Nordmann", "Ola", "kort", "2005")
    response = submit(page, SUBMIT)

    assert response.status == 400 and path_of(page.url) == "/signup"
    assert page.input_value("#f-username") == "Ola Nordmann"
    assert page.input_value("#f-display_name") == "Ola"
    assert page.input_value("#f-birth_year") == "2005"
    assert page.input_value("#f-password") == ""  # a password is never sent back

    for name in ("username", "password"):
        field = page.locator(f"#f-{name}")
        assert field.get_attribute("aria-invalid") == "true", name
        described_by = field.get_attribute("aria-describedby").split()
        assert f"f-{name}-error" in described_by, described_by
        error = page.locator(f"#f-{name}-error")
        assert error.is_visible() and error.inner_text().strip(), name
    for name in ("display_name", "birth_year"):
        assert page.get_attribute(f"#f-{name}", "aria-invalid") is None, name


def test_keyboard_only_the_skip_link_comes_first_and_logging_in_works_without_a_mouse(
    page, live_server
):
    page.goto(live_server.url + "/login")

    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.classList.contains('skip-link')")
    box = page.locator(".skip-link").bounding_box()
    assert box and box["y"] >= 0 and box["x"] >= 0, f"focused skip link is off screen: {box}"

    for _ in range(5):  # brand link, then the form: a handful of steps at most
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "f-username":
            break
    assert page.evaluate("document.activeElement.id") == "f-username"
    page.keyboard.type("deltaker1")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-password"
    page.keyboard.type("stegvis-demo")
    with page.expect_navigation():
        page.keyboard.press("Enter")

    assert path_of(page.url) == "/"
    assert page.is_visible("nav.bottom-nav")


def test_the_skip_link_moves_focus_to_the_main_content(page, live_server):
    page.goto(live_server.url + "/login")
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "f-username"


def test_logging_out_ends_the_session(page, live_server):
    log_in(page, live_server.url, "deltaker2")
    page.goto(live_server.url + "/me")
    submit(page, 'form[action="/logout"] button[type=submit]')
    assert path_of(page.url) == "/login"

    page.go_back()  # the Me page is not shown again from history
    assert path_of(page.url) == "/login"
    page.goto(live_server.url + "/")
    assert path_of(page.url) == "/login"
    assert not page.is_visible("nav.bottom-nav")
