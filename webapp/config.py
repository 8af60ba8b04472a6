"""Settings read from the environment, with safe defaults; fails loudly where no default is safe."""

import os
from pathlib import Path

from dotenv import load_dotenv

INSTANCE = Path(__file__).resolve().parent.parent / "instance"


def _secret_key() -> str:
    if key := os.environ.get("SECRET_KEY"):
        return key
    path = INSTANCE / "secret_key"
    if path.exists():
        return path.read_text().strip()
    raise RuntimeError(
        "SECRET_KEY is not set and instance/secret_key does not exist; "
        "run `python -m webapp.keys` or set SECRET_KEY."
    )


def from_environment() -> dict:
    load_dotenv(INSTANCE.parent / ".env")  # a local .env, if any; real environment wins
    https = os.environ.get("HTTPS", "0") == "1"
    return {
        "SECRET_KEY": _secret_key(),
        "SQLALCHEMY_DATABASE_URI": os.environ.get(
            "DATABASE_URL", f"sqlite:///{INSTANCE / 'stegvis.sqlite3'}"
        ),
        "HTTPS": https,
        "DEMO_PASSWORD": os.environ.get("DEMO_PASSWORD", "stegvis-demo"),
        "SIGNUP_MIN_AGE": int(os.environ.get("SIGNUP_MIN_AGE", "15")),
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        "VOICE_DIR": os.environ.get("VOICE_DIR", str(INSTANCE / "voice")),
    }


DEFAULTS = {
    "WTF_CSRF_HEADERS": ["X-CSRF-Token"],
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # The cookie may live long; the server ends a login after LOGIN_IDLE_DAYS without use, so
    # the cookie need not be re-signed and re-sent on every response.
    "PERMANENT_SESSION_LIFETIME": 180 * 24 * 3600,
    "SESSION_REFRESH_EACH_REQUEST": False,
    "BABEL_DEFAULT_LOCALE": "nb",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Oslo",
    "LOGIN_IDLE_DAYS": 30,
    # argon2id cost (RFC 9106 "second recommended" profile); tests lower it for speed.
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_KIB": 65536,
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_PER_IP": 30,
    "LOGIN_FAILURE_WINDOW_MINUTES": 15,
    "SIGNUP_MIN_AGE": 15,
    "HTTPS": False,
    "TRUSTED_PROXIES": 0,
    "DEMO_PASSWORD": "stegvis-demo",
    "VOICE_DIR": str(INSTANCE / "voice"),
    # Three minutes of Opus at ~48 kbit/s is about 1.1 MB; leave room for other codecs.
    "VOICE_MAX_BYTES": 5 * 1024 * 1024,
    "VOICE_MAX_SECONDS": 180,
    # Whole request bodies: a voice note plus form overhead.
    "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,
}


def finish(config: dict) -> None:
    """Derive cookie settings: `__Host-` prefix and Secure only make sense over HTTPS."""
    if config["HTTPS"]:
        config["SESSION_COOKIE_SECURE"] = True
        config["SESSION_COOKIE_NAME"] = "__Host-stegvis"
        config["PREFERRED_URL_SCHEME"] = "https"
    else:
        config["SESSION_COOKIE_NAME"] = "stegvis"
