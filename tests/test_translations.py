"""Every English string in the code has a bokmål, nynorsk and English translation, and the
translations keep their placeholders. None of these tests needs the database.

When a test here fails after you added a string: run `make messages`, translate the empty
msgstr lines in webapp/translations/{nb,nn,en}/LC_MESSAGES/messages.po (English repeats the
msgid), then run `make translations`.
"""

import re
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from webapp import create_app
from webapp.extensions import babel

ROOT = Path(__file__).resolve().parent.parent
TRANSLATIONS = ROOT / "webapp" / "translations"
LANGUAGES = ["nb", "nn", "en"]
# The same keywords as `make messages`: babel's defaults plus Flask-Babel's lazy ones.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)")


def po_path(lang: str) -> Path:
    return TRANSLATIONS / lang / "LC_MESSAGES" / "messages.po"


def load_catalog(lang: str):
    with po_path(lang).open("rb") as f:
        return read_po(f, locale=lang)


def as_text(msgid) -> str:
    return msgid[0] if isinstance(msgid, tuple) else msgid


@pytest.fixture(scope="module")
def source_strings() -> set[str]:
    """A fresh extraction from webapp/, like `make messages` does, straight from the code."""
    with (TRANSLATIONS / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f)
    found = extract_from_dir(str(ROOT), method_map, options_map, keywords=KEYWORDS)
    strings = {as_text(message) for _file, _line, message, _comments, _ctx in found}
    strings.discard("")
    return strings


@pytest.fixture(scope="module", params=LANGUAGES)
def catalog(request):
    return load_catalog(request.param)


def test_the_extraction_finds_strings_from_python_and_templates(source_strings):
    assert "Journal" in source_strings  # webapp/i18n.py, via _l()
    assert "Welcome to Stegvis" in source_strings  # webapp/templates/auth/login.html


def test_every_string_in_the_code_is_translated(catalog, source_strings):
    translated = {
        as_text(m.id)
        for m in catalog
        if m.id and not m.fuzzy and all(s.strip() for s in _strings(m))
    }
    missing = sorted(source_strings - translated)
    assert not missing, (
        f"{len(missing)} string(s) have no {catalog.locale} translation "
        f"(or it is empty or fuzzy) in {po_path(str(catalog.locale)).relative_to(ROOT)}. "
        "Run `make messages` and translate:\n  " + "\n  ".join(missing)
    )


def test_no_catalog_header_is_marked_fuzzy(catalog):
    # pybabel compile silently skips a whole catalog whose header is fuzzy.
    assert not catalog.fuzzy, f"Remove '#, fuzzy' from the header of the {catalog.locale} catalog"


def test_translations_keep_the_placeholders_of_the_english_text(catalog):
    wrong = []
    for m in catalog:
        if not m.id or not m.string:
            continue
        wanted = sorted(PLACEHOLDER.findall(as_text(m.id)))
        for text in _strings(m):
            if sorted(PLACEHOLDER.findall(text)) != wanted:
                wrong.append(f"{as_text(m.id)!r} -> {text!r}")
            elif wanted:
                try:
                    text % dict.fromkeys(wanted, "x")
                except (ValueError, TypeError, KeyError) as exc:
                    wrong.append(f"{text!r} cannot be filled in: {exc}")
    assert not wrong, f"Placeholders differ in the {catalog.locale} catalog:\n  " + "\n  ".join(
        wrong
    )


def test_catalogs_pass_babels_own_checks(catalog):
    problems = [
        f"{as_text(m.id)!r}: {'; '.join(str(e) for e in errors)}" for m, errors in catalog.check()
    ]
    assert not problems, "\n".join(problems)


@pytest.fixture(scope="module")
def compiled_translations(tmp_path_factory) -> Path:
    """The current .po files compiled to .mo, so a bare `pytest` needs no `make translations`."""
    target = tmp_path_factory.mktemp("translations")
    for lang in LANGUAGES:
        mo = target / lang / "LC_MESSAGES" / "messages.mo"
        mo.parent.mkdir(parents=True)
        with mo.open("wb") as f:
            write_mo(f, load_catalog(lang))
    return target


@pytest.fixture
def client(compiled_translations):
    app = create_app(
        {
            "SECRET_KEY": "x",
            "SQLALCHEMY_DATABASE_URI": "sqlite://",
            "TESTING": True,
            "BABEL_TRANSLATION_DIRECTORIES": str(compiled_translations),
        }
    )
    # Flask-Babel caches loaded catalogs per process, not per app: start and end clean.
    with app.app_context():
        babel.domain_instance.cache.clear()
    yield app.test_client()
    with app.app_context():
        babel.domain_instance.cache.clear()


@pytest.mark.parametrize(
    ("accept_language", "expected", "not_expected"),
    [
        ("nn", ["Logg inn", "Brukarnamn", "Velkomen til Stegvis"], ["Brukernavn", "Username"]),
        ("nb", ["Logg inn", "Brukernavn", "Velkommen til Stegvis"], ["Brukarnamn", "Username"]),
        ("en", ["Log in", "Username", "Welcome to Stegvis"], ["Logg inn", "Brukernavn"]),
    ],
)
def test_the_login_page_speaks_the_language_the_browser_asks_for(
    client, accept_language, expected, not_expected
):
    response = client.get("/login", headers={"Accept-Language": accept_language})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<html lang="{accept_language}"' in page
    for text in expected:
        assert text in page, f"{text!r} missing from /login in {accept_language}"
    for text in not_expected:
        assert text not in page, f"{text!r} should not be on /login in {accept_language}"


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]
