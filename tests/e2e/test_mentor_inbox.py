"""A mentor link from start to reply, through the real pages on a phone-sized screen: the
counsellor links a mentor, the participant says yes from the inbox and shares an entry with the
mentor, the mentor finds it unread, opens it and replies, and the participant sees the reply in
the inbox with the badge counting it."""

import uuid

from .helpers import log_in, path_of, submit


def badge(page) -> str | None:
    found = page.query_selector("nav.bottom-nav a[href='/inbox'] .nav-badge")
    return found.inner_text().strip() if found else None


def test_counsellor_links_a_mentor_the_participant_accepts_shares_and_reads_the_reply(
    page, context, live_server
):
    base = live_server.url
    # The counsellor asks Deltaker 2 to take Mentor Mo.
    log_in(page, base, "veileder1")
    page.goto(f"{base}/groups/{live_server.group_id}")
    row = page.locator("li", has_text="Deltaker 2 (deltaker2)")
    with page.expect_navigation():
        row.get_by_role("link", name="Link a mentor").or_(
            row.get_by_role("link", name="Koble til en mentor")
        ).first.click()
    page.check("input[name=mentor_id] >> nth=0")
    submit(page, "main form button[type=submit]")
    assert path_of(page.url) == f"/groups/{live_server.group_id}"
    assert "Mentor Mo" in page.locator("li", has_text="Deltaker 2 (deltaker2)").inner_text()

    # Deltaker 2 sees the request in the inbox, opens it and says yes.
    context.clear_cookies()
    log_in(page, base, "deltaker2")
    assert badge(page) is not None
    page.goto(base + "/inbox")
    with page.expect_navigation():
        page.click("a.notice-item.is-unread >> nth=0")
    assert path_of(page.url).startswith("/mentor-links/")
    assert "Mentor Mo" in page.inner_text("main")
    submit(page, "form[action$='/accept'] button[type=submit]")
    assert page.is_visible("main .notice[role=status]")

    # ... writes an entry and shares it with the mentor through the share sheet.
    token = page.request.get(base + "/api/v1/session").json()["csrf_token"]
    text = f"Jeg ringte om praksisplassen ({uuid.uuid4().hex[:6]})"
    entry = page.request.post(
        base + "/api/v1/entries",
        data={"client_id": str(uuid.uuid4()), "text": text, "mood": 4},
        headers={"X-CSRF-Token": token},
    ).json()
    page.goto(f"{base}/share/entry/{entry['id']}")
    page.check("input[name=audience][value^='mentor:']")
    submit(page, "form.share-sheet button[type=submit]")

    # Mentor Mo finds it first in the inbox, unread, opens it and replies.
    context.clear_cookies()
    log_in(page, base, "mentor1")
    page.goto(base + "/mentor")
    first = page.locator("a.mentor-item").first
    # Who shared and when, never the words (DPIA F5): they are read by opening, which is logged.
    assert "Deltaker 2" in first.inner_text() and "praksisplassen" not in first.inner_text()
    assert "is-unread" in first.get_attribute("class")
    href = first.get_attribute("href")
    with page.expect_navigation():
        first.click()
    assert path_of(page.url).startswith("/shares/")
    page.fill("#f-reply", "Så bra at du ringte! Hva sa de?")
    submit(page, "form.reply-form button[type=submit]")
    page.goto(base + "/mentor")
    opened = page.locator(f"a.mentor-item[href='{href}']")
    assert "is-unread" not in opened.get_attribute("class")

    # Deltaker 2 sees the reply in the inbox, counted by the badge.
    context.clear_cookies()
    log_in(page, base, "deltaker2")
    assert badge(page) == "1"
    said = page.inner_text("nav.bottom-nav a[href='/inbox'] .visually-hidden")
    assert "1" in said  # the number in words for a screen reader, not a bare dot
    page.goto(base + "/inbox")
    newest = page.locator("a.notice-item").first
    assert "Mentor Mo" in newest.inner_text() and "is-unread" in newest.get_attribute("class")
    with page.expect_navigation():
        newest.click()
    assert "Hva sa de?" in page.inner_text("main")
    page.goto(base + "/inbox")
    assert badge(page) is None
