"""The installable app: Chromium's own installability check, the manifest, and pages that keep
working without a connection."""

import json
import struct

from .helpers import log_in, path_of, wait_controlled


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    return struct.unpack(">II", data[16:24])


def test_the_app_is_installable_with_proper_icons_and_shortcuts(page, context, live_server):
    page.goto(live_server.url + "/login")
    page.evaluate("navigator.serviceWorker.ready")
    cdp = context.new_cdp_session(page)

    assert cdp.send("Page.getInstallabilityErrors")["installabilityErrors"] == []

    found = cdp.send("Page.getAppManifest")
    assert found["errors"] == [], found["errors"]
    manifest = json.loads(found["data"])
    assert manifest["display"] == "standalone"
    assert manifest["start_url"] == "/" and manifest["scope"] == "/"
    icons = {(icon["sizes"], icon.get("purpose", "any")): icon["src"] for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= set(icons)
    for (sizes, _purpose), src in icons.items():
        response = page.request.get(live_server.url + src)
        assert response.ok, src
        assert "x".join(map(str, png_size(response.body()))) == sizes, src
    assert len(manifest["shortcuts"]) >= 2
    for shortcut in manifest["shortcuts"]:
        assert shortcut["name"] and shortcut["url"].startswith("/"), shortcut


def test_a_visited_page_reloads_offline_from_the_service_worker(page, context, live_server):
    log_in(page, live_server.url, "deltaker3")
    wait_controlled(page)
    page.goto(live_server.url + "/")  # now through the service worker, which keeps a copy
    greeting = page.inner_text("h1")
    assert not page.is_visible(".offline-banner")

    context.set_offline(True)
    response = page.reload()

    assert response.status == 200 and response.from_service_worker
    assert path_of(page.url) == "/"
    assert page.inner_text("h1") == greeting  # the page itself, not the offline fallback
    assert page.is_visible(".offline-banner")  # and it says so, calmly


def test_an_unvisited_page_offline_shows_the_offline_page(page, context, live_server):
    page.goto(live_server.url + "/offline")
    offline_heading = page.inner_text("h1")
    log_in(page, live_server.url, "deltaker4")
    wait_controlled(page)

    context.set_offline(True)
    response = page.goto(live_server.url + "/inbox")

    assert response.status == 200 and response.from_service_worker
    assert page.inner_text("h1") == offline_heading


def test_after_logging_out_the_pages_seen_before_are_not_readable_offline(
    page, context, live_server
):
    log_in(page, live_server.url, "deltaker5")
    wait_controlled(page)
    page.goto(live_server.url + "/")  # kept by the service worker for offline reading
    greeting = page.inner_text("h1")
    page.goto(live_server.url + "/me")
    page.click('form[action="/logout"] button[type=submit]')
    page.wait_for_url("**/login?bye=1")
    page.wait_for_load_state("load")
    page.evaluate("caches.keys()")  # cache storage works in order: this ends after any clean-up
    # Logging out cleared the device, service worker included: a new one, with an empty page
    # cache, takes over the login page.
    wait_controlled(page)

    context.set_offline(True)
    page.goto(live_server.url + "/")

    assert page.inner_text("h1") != greeting  # a shared phone must not show the last person's page
