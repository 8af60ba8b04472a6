"""A voice note recorded offline: Chromium's fake microphone records, the recording waits in the
outbox (a Blob in IndexedDB) and is uploaded with its entry, once, when the connection is back."""

import uuid

import pytest

from .helpers import CHROMIUM, FLAGS, VIEWPORT, log_in
from .test_offline_journal import (
    ENTRY_FORM,
    entries_with,
    poll,
    wait_controlled,
    without_background_sync,
)

FAKE_MIC = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]

OUTBOX_AUDIO = """() => StegvisOutbox.all().then((items) => items.map((item) => ({
  kind: item.kind, size: item.audio ? item.audio.size : 0, duration_ms: item.duration_ms || 0})))"""


@pytest.fixture
def mic_context(playwright_driver, live_server, tmp_path):
    ctx = playwright_driver.chromium.launch_persistent_context(
        str(tmp_path / "mic-profile"),
        executable_path=str(CHROMIUM),
        headless=True,
        args=FLAGS + FAKE_MIC,
        viewport=VIEWPORT,
        locale="nb-NO",
        timezone_id="Europe/Oslo",
    )
    ctx.set_default_timeout(10_000)
    ctx.grant_permissions(["microphone"], origin=live_server.url)
    yield ctx
    ctx.close()


def test_a_voice_note_recorded_offline_is_uploaded_later(mic_context, live_server):
    base = live_server.url
    text = f"Med lyd {uuid.uuid4().hex[:8]}"
    page = mic_context.pages[0] if mic_context.pages else mic_context.new_page()
    without_background_sync(mic_context, page, base)
    log_in(page, base, "deltaker1")
    page.goto(base + "/journal")
    wait_controlled(page)
    form = page.locator(ENTRY_FORM).filter(has=page.locator("textarea")).first
    recorder = form.locator("[data-recorder]")

    mic_context.set_offline(True)
    recorder.locator("[data-rec-start]").click()
    countdown = recorder.locator("[data-rec-time]")
    countdown.wait_for()
    assert "3:00" in countdown.inner_text() or "2:5" in countdown.inner_text()
    page.wait_for_timeout(1200)  # a short recording
    recorder.locator("[data-rec-stop]").click()
    recorder.locator("audio").wait_for()  # play back before deciding
    form.locator("textarea").fill(text)
    form.locator('button[type="submit"]:not([name="mood"])').last.click()
    page.locator("[data-outbox-pending]").filter(has_text=text).wait_for()

    [waiting] = page.evaluate(OUTBOX_AUDIO)
    assert waiting["kind"] == "entry-create" and waiting["size"] > 1000
    assert 500 < waiting["duration_ms"] <= 180_000
    assert recorder.locator("[data-rec-start]").is_visible()  # ready for the next one

    mic_context.set_offline(False)
    [entry] = poll(page, lambda: entries_with(page, base, text), "the entry on the server")
    assert entry["voice"]["mime"] in ("audio/webm", "audio/ogg", "audio/mp4")
    assert entry["voice"]["size"] == waiting["size"]
    audio = page.request.get(base + entry["voice"]["url"])
    assert audio.ok and len(audio.body()) == waiting["size"]


def test_the_read_aloud_language_follows_the_page(page, live_server):
    log_in(page, live_server.url, "deltaker1")
    page.goto(live_server.url + "/journal")
    langs = page.evaluate(
        """async () => {
          const {speechLang} = await import("/static/js/recorder.js");
          return ["nb", "nn", "en", "de", ""].map((lang) => speechLang(lang));
        }"""
    )
    assert langs == ["nb-NO", "nn-NO", "en-GB", "nb-NO", "nb-NO"]
