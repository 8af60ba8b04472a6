""" "Download my data" on a phone: write an entry, tap the button, watch the file being made,
download the zip, open it and find the entry, in the JSON and in the readable page.

The live server has no worker: the test plays the worker's part (`exports.claim_and_build`)
while the page is waiting, after it has seen the page show its progress.
"""

import json
import uuid
import zipfile

from webapp.extensions import db
from webapp.services import exports

from .helpers import log_in, path_of, submit, wait_controlled

PERSON = "deltaker7"


CACHED_URLS = """async () => {
  const urls = [];
  for (const name of await caches.keys()) {
    for (const request of await (await caches.open(name)).keys()) urls.push(request.url);
  }
  return urls;
}"""


def test_a_person_downloads_their_data_and_finds_their_entry(page, live_server, tmp_path):
    base = live_server.url
    words = f"I sent the application today ({uuid.uuid4().hex[:8]})"
    log_in(page, base, PERSON)
    page.goto(base + "/journal")
    page.fill("#f-text", words)
    submit(page, "#write form button[type=submit]")

    page.goto(base + "/me/export")
    wait_controlled(page)  # the service worker sees the download too
    response = submit(page, "[data-export-start]")
    assert response.status == 200 and path_of(page.url) == "/me/export"
    # While it is being made: a progress bar the script keeps up to date.
    assert page.is_visible("progress[data-export-progress]")
    assert page.get_attribute("[data-export]", "data-export-status-url")
    assert page.locator("[data-export-download]").count() == 0

    with live_server.app.app_context():  # the worker's part
        assert exports.claim_and_build() == 1
        db.session.remove()

    # The page notices by itself (it asks once a second) and shows the download button.
    download_button = page.locator("[data-export-download]")
    download_button.wait_for(state="visible", timeout=15_000)
    with page.expect_download() as info:
        download_button.click()
    download = info.value
    assert download.suggested_filename.startswith("stegvis-data-")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    # The service worker keeps pages to read offline, never the zip (it is "no-store").
    kept = page.evaluate(CACHED_URLS)
    assert kept and not [url for url in kept if "/download" in url]

    with zipfile.ZipFile(saved) as zf:
        names = set(zf.namelist())
        assert {"stegvis-data.json", "index.html", "README.txt"} <= names
        data = json.loads(zf.read("stegvis-data.json"))
        html = zf.read("index.html").decode()
    assert data["account"]["username"] == PERSON
    assert words in [e["text"] for e in data["entries"]]
    assert words in html

    # The readable copy opens on its own, from the file, and shows the entry.
    (tmp_path / "unzipped").mkdir()
    with zipfile.ZipFile(saved) as zf:
        zf.extractall(tmp_path / "unzipped")
    page.goto((tmp_path / "unzipped" / "index.html").as_uri())
    assert words in page.inner_text("body")
