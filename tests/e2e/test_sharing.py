"""Sharing, as two people in the same group live it on their phones: one shares a journal entry
with the group through the share sheet (after seeing the preview), the other finds it in the
group feed, reacts, replies and gives a strength word; the owner takes it back from "What I
share", and it is gone from the other person's feed."""

import uuid

from .helpers import log_in, path_of, submit

OWNER, OTHER = "deltaker5", "deltaker6"


def test_a_shared_entry_reaches_the_group_and_is_gone_after_take_back(page, context, live_server):
    words = f"I called about the course today ({uuid.uuid4().hex[:6]})"
    base = live_server.url

    # The owner writes an entry and opens the share sheet from it.
    log_in(page, base, OWNER)
    page.goto(base + "/journal")
    page.fill("#f-text", words)
    submit(page, "#write form button[type=submit]")
    page.goto(base + "/journal")
    page.click(f"li.entry:has-text('{words}') a[href^='/journal/entries/']")
    page.wait_for_url("**/journal/entries/*")
    page.click("a.share-button")
    page.wait_for_url("**/share/entry/*")
    # The preview shows exactly the words, and the group is picked.
    assert words in page.inner_text(".share-card.preview")
    assert page.is_checked(f"input[name=audience][value='group:{live_server.group_id}']")
    response = submit(page, "form.share-sheet button[type=submit]")
    assert response.status == 200 and "/journal/entries/" in path_of(page.url)
    assert page.is_visible("main .notice[role=status]")
    assert page.is_visible("a.badge.shared")  # the audience badge on the entry

    # Another member finds it through the group page, reacts, replies and gives a word.
    context.clear_cookies()
    log_in(page, base, OTHER)
    page.goto(base + "/group")
    page.click(f"a[href='/groups/{live_server.group_id}/feed']")
    card = page.locator(f"li.share-card:has-text('{words}')")
    assert card.count() == 1
    card.locator("form:has(input[name=reaction][value=heart]) button").click()
    page.wait_for_load_state()
    card = page.locator(f"li.share-card:has-text('{words}')")
    assert card.locator("button.reaction.is-mine").count() == 1
    assert "Deltaker 6" in card.locator(".reacted").inner_text()

    card.locator("a[href$='#replies']").click()
    page.wait_for_url("**/shares/*")
    page.fill("#f-reply", "Good for you!")
    submit(page, "form.reply-form button[type=submit]")
    assert "Good for you!" in page.inner_text("ul.replies")

    page.click("details.word-give > summary")
    page.check("input[name=preset][value=brave_to_ask]")
    submit(page, "form.word-form button[type=submit]")
    assert "Deltaker 6" in page.inner_text("ul.word-chips")
    item_url = page.url.split("#")[0]

    # The owner takes it back from "What I share".
    context.clear_cookies()
    log_in(page, base, OWNER)
    page.goto(base + "/shares")
    row = page.locator(f"ul.my-shares li:has-text('{words[:40]}')")
    with page.expect_navigation():
        row.locator("form button[type=submit]").click()
    assert words[:40] not in page.inner_text("main")

    # ...and it is gone for the other member at once.
    context.clear_cookies()
    log_in(page, base, OTHER)
    page.goto(base + f"/groups/{live_server.group_id}/feed")
    assert words not in page.inner_text("main")
    assert page.goto(item_url).status == 404
