"""Voice notes on disk: the type is read from the bytes (never trusted from the client), files
live outside the web root under random names, and go when their entry goes."""

import secrets
from pathlib import Path

from flask import current_app

from webapp.extensions import db
from webapp.models import Entry, VoiceNote

# Magic numbers of the containers browsers record into (MediaRecorder): WebM, Ogg, MP4/M4A.
KINDS = {"audio/webm": ".webm", "audio/ogg": ".ogg", "audio/mp4": ".m4a"}


def sniff(head: bytes) -> str | None:
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "audio/webm"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if len(head) >= 12 and head[4:8] == b"ftyp":
        return "audio/mp4"
    return None


def folder() -> Path:
    path = Path(current_app.config["VOICE_DIR"])
    path.mkdir(parents=True, exist_ok=True)
    return path


def path_of(note: VoiceNote) -> Path:
    return folder() / note.file_name


def save(entry: Entry, data: bytes, mime: str, duration_ms: int | None) -> VoiceNote:
    """Store the audio for an entry, replacing any earlier note of that entry."""
    if entry.voice is not None:
        remove(entry)
    name = secrets.token_hex(16) + KINDS[mime]
    (folder() / name).write_bytes(data)
    note = VoiceNote(
        entry=entry, file_name=name, mime=mime, size=len(data), duration_ms=duration_ms
    )
    db.session.add(note)
    return note


def remove(entry: Entry) -> None:
    note = entry.voice
    if note is None:
        return
    path_of(note).unlink(missing_ok=True)
    entry.voice = None
    db.session.delete(note)
    db.session.flush()


def remove_files_of(entry: Entry) -> None:
    """Called before an entry is deleted (the row cascades; the file must go too)."""
    if entry.voice is not None:
        path_of(entry.voice).unlink(missing_ok=True)
