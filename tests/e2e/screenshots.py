"""Screenshots of the main screens at 390 px, light and dark, for people to look at.

Not part of the normal run (the file name does not start with test_). Run it on purpose:

    .venv/bin/pytest tests/e2e/screenshots.py            # writes /tmp/shots/*.png
    SHOTS_DIR=some/dir .venv/bin/pytest tests/e2e/screenshots.py
"""

import os
from pathlib import Path

import pytest

from .helpers import choose_large_text, log_in

SCREENS = [
    ("login", None, "/login"),
    ("signup", None, "/signup"),
    ("home-participant", "deltaker1", "/"),
    ("me", "deltaker1", "/me"),
    ("group", "deltaker1", "/group"),
    ("counsellor-group", "veileder1", "/groups/{group_id}"),
    ("admin", "admin", "/admin"),
]


@pytest.mark.parametrize("scheme", ["light", "dark", "large-text"])
def test_take_screenshots(page, context, live_server, scheme):
    out = Path(os.environ.get("SHOTS_DIR", "/tmp/shots"))
    out.mkdir(parents=True, exist_ok=True)
    page.emulate_media(color_scheme="dark" if scheme == "dark" else "light")
    who = "nobody yet"
    for name, username, path in SCREENS:
        if username != who:
            context.clear_cookies()
            if scheme == "large-text":
                context.add_cookies(
                    [{"name": "stegvis_text", "value": "large", "url": live_server.url}]
                )
            if username:
                log_in(page, live_server.url, username)
                if scheme == "large-text":
                    choose_large_text(page, live_server.url)
            who = username
        page.goto(live_server.url + path.format(group_id=live_server.group_id))
        page.screenshot(path=str(out / f"{name}-{scheme}.png"), full_page=True)
