"""Language choice: the user's own, else a cookie, else the browser's, else bokmål."""

from flask import Flask, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

LANGUAGES = {"nb": "Norsk bokmål", "nn": "Norsk nynorsk", "en": "English"}
COOKIE = "stegvis_lang"
TEXT_COOKIE = "stegvis_text"


def select_locale() -> str:
    if current_user and current_user.is_authenticated and current_user.locale in LANGUAGES:
        return current_user.locale
    if (chosen := request.cookies.get(COOKIE)) in LANGUAGES:
        return chosen
    # Browsers often say "no" or "nb-NO"; map the Norwegian family to what we have.
    accept = [(lang.split("-")[0].lower(), q) for lang, q in request.accept_languages]
    for lang, _q in accept:
        if lang in LANGUAGES:
            return lang
        if lang == "no":
            return "nb"
    return "nb"


def large_text() -> bool:
    if current_user and current_user.is_authenticated:
        return current_user.large_text
    return request.cookies.get(TEXT_COOKIE) == "large"


def select_timezone() -> str | None:
    """Times are shown in the person's own zone (default Europe/Oslo)."""
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return None


def init_app(app: Flask) -> None:
    from flask_babel import format_date, format_datetime

    app.jinja_env.globals.update(format_date=format_date, format_datetime=format_datetime)

    @app.context_processor
    def inject():
        from flask_babel import get_locale

        return {"languages": LANGUAGES, "large_text": large_text(), "lang": str(get_locale())}

    @app.before_request
    def remember_path():
        g.nav = request.endpoint


NAV_LABELS = {
    "home": _l("Home"),
    "journal": _l("Journal"),
    "group": _l("Group"),
    "inbox": _l("Inbox"),
    "me": _l("Me"),
}
