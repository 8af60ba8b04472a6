"""Private texts the tests wrote, and two end-of-suite checks that none of them got out.

The tests write journal entries, goal and step titles, dilemmas, replies … through the factories,
the Flask test client or a real browser. Every one of them that reaches the database (SQLite or
PostgreSQL, in this process: the e2e server runs in a thread here too) is remembered by a mapper
event, with the database it went to. A test can also remember a text itself with `remember()`
(one that never reached the server, say, written offline).

Two checks use them at the end of the test session:

- **logs** (tests/e2e/conftest.py): everything the e2e server logged (request lines, the app's
  and the worker's loggers, at DEBUG) is written to a file; at the end, no text written to the
  e2e database, nor one an e2e test remembered, may be in that file.
- **push** (tests/conftest.py): the push test peer (tests/push_peer.py) keeps every payload that
  reached any of its subscriptions, whatever it answered; at the end each one is decrypted and
  none may contain any private text written by any test.

A text is looked for as written, JSON-escaped (ensure_ascii), URL-quoted and HTML-escaped, so a
text with "ø" in a request line or a JSON log still counts. Texts shorter than MIN_LENGTH are not
looked for: "ok" or "Hi" are in any log by chance, which would make the check cry wolf.

Neither check may pass without having looked at something: `find_leaks` refuses an empty list of
texts or of documents, tests/test_privacy_witness.py shows each check failing on a planted leak,
and the end-of-session summary says how many texts, log lines and pushes were compared (or why a
check did not run: no e2e server in this run, no push received).
"""

from __future__ import annotations

import html
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, quote_plus

from sqlalchemy import event

MIN_LENGTH = 8
EXPLICIT = "remembered by a test"

_lock = threading.Lock()
_texts: dict[str, set[str]] = {}  # text -> where it was written (database URLs, EXPLICIT)
_installed = False
summary: list[str] = []  # lines for the end-of-session report


def private_columns() -> dict[type, tuple[str, ...]]:
    """Free text people write about themselves or to each other. Not: names (a push may say
    who replied), group names, counsellors' reminder texts (they are meant to be pushed)."""
    from webapp.models import (
        Dilemma,
        DilemmaResponse,
        Entry,
        EntryRevision,
        Goal,
        Reply,
        Report,
        Step,
        StrengthWord,
    )

    return {
        Entry: ("text",),
        EntryRevision: ("text",),
        Goal: ("title", "why"),
        Step: ("title",),
        Dilemma: ("problem", "solution_1", "solution_2", "solution_3"),
        DilemmaResponse: ("text",),
        Reply: ("text",),
        StrengthWord: ("text",),
        Report: ("reason",),
    }


def remember(text: str | None, where: str = EXPLICIT) -> None:
    if not isinstance(text, str) or len(text.strip()) < MIN_LENGTH:
        return
    with _lock:
        _texts.setdefault(text.strip(), set()).add(where)


def texts(where: str | Iterable[str] | None = None) -> set[str]:
    """The remembered texts; only those written to `where` (one or several places) if given."""
    places = {where} if isinstance(where, str) else set(where) if where is not None else None
    with _lock:
        return {t for t, seen in _texts.items() if places is None or seen & places}


def forget(text: str) -> None:
    """For the checker's own tests: a planted text must not stay in the registry."""
    with _lock:
        _texts.pop(text.strip(), None)


def database_of(connection) -> str:
    return connection.engine.url.render_as_string(hide_password=True)


def install() -> None:
    """Listen for inserts and updates of the private columns (once per process)."""
    global _installed
    if _installed:
        return
    for model, names in private_columns().items():

        def seen(_mapper, connection, target, names=names):
            where = database_of(connection)
            for name in names:
                remember(getattr(target, name, None), where)

        event.listen(model, "after_insert", seen)
        event.listen(model, "after_update", seen)
    _installed = True


# --- looking -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Leak:
    text: str
    where: str  # "log line 12", "push to http://127.0.0.1:…/push/…"
    excerpt: str

    def __str__(self) -> str:
        return f"{self.where}: {self.text!r} in {self.excerpt!r}"


def forms_of(text: str) -> set[str]:
    """The text as it may appear in a log line, a URL or a JSON document."""
    return {
        text,
        json.dumps(text)[1:-1],
        json.dumps(text, ensure_ascii=False)[1:-1],
        quote(text),
        quote_plus(text),
        html.escape(text),
    }


def find_leaks(private: Iterable[str], documents: Iterable[tuple[str, str]]) -> list[Leak]:
    """Every (text, document) pair where the document holds the text in any of its forms.

    Refuses to answer when there is nothing to look for or nothing to look in: a check that
    compared nothing must not look like a check that passed."""
    private = sorted({t for t in private if isinstance(t, str) and len(t.strip()) >= MIN_LENGTH})
    documents = list(documents)
    if not private:
        raise ValueError("no private texts to look for: the collector collected nothing")
    if not documents:
        raise ValueError("nothing to look in: nothing was captured")
    needles = [(text, forms_of(text)) for text in private]
    leaks = []
    for where, content in documents:
        for text, forms in needles:
            for form in forms:
                at = content.find(form)
                if at >= 0:
                    excerpt = content[max(0, at - 60) : at + len(form) + 60]
                    leaks.append(Leak(text, where, excerpt))
                    break
    return leaks


def push_document(body: bytes) -> str:
    """A decrypted push payload as text: as sent, plus every string in it once JSON-decoded."""
    raw = body.decode("utf-8", errors="replace")
    try:
        data = json.loads(raw)
    except ValueError:
        return raw
    strings: list[str] = []

    def walk(value):
        if isinstance(value, str):
            strings.append(value)
        elif isinstance(value, dict):
            for k, v in value.items():
                walk(k)
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(data)
    return "\n".join([raw, *strings])


def check_pushes(witnessed, private: Iterable[str]) -> list[Leak]:
    """Leaks in the pushes the peer decrypted (`push_peer.WITNESSED`)."""
    documents = [
        (f"push #{i} to {w.endpoint}", push_document(w.body))
        for i, w in enumerate(witnessed, 1)
        if w.body is not None
    ]
    return find_leaks(private, documents)


def check_log(path, private: Iterable[str]) -> list[Leak]:
    """Leaks in a log file, line by line."""
    with open(path, encoding="utf-8", errors="replace") as file:
        documents = [(f"{path} line {n}", line) for n, line in enumerate(file, 1)]
    return find_leaks(private, documents)


def report(title: str, leaks: list[Leak], limit: int = 20) -> str:
    lines = [f"{title}: {len(leaks)} private text(s) found"]
    lines += [f"  {leak}" for leak in leaks[:limit]]
    if len(leaks) > limit:
        lines.append(f"  … and {len(leaks) - limit} more")
    return "\n".join(lines)
