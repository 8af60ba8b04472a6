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
        "EXPORT_DIR": os.environ.get("EXPORT_DIR", str(INSTANCE / "exports")),
        "NUDGE_LATE_DROP_MINUTES": int(os.environ.get("NUDGE_LATE_DROP_MINUTES", "180")),
        "WORKER_LEASE_SECONDS": int(os.environ.get("WORKER_LEASE_SECONDS", "120")),
        "WORKER_BATCH": int(os.environ.get("WORKER_BATCH", "500")),
        "WORKER_POLL_SECONDS": float(os.environ.get("WORKER_POLL_SECONDS", "15")),
        "NUDGE_SENDER": os.environ.get("NUDGE_SENDER", "webapp.services.push:send"),
        "PRIVACY_CONTROLLER": os.environ.get("PRIVACY_CONTROLLER", ""),
        **_push_settings(),
    }


def _push_settings() -> dict:
    """Web Push (webapp/services/push.py); only what the environment sets overrides DEFAULTS."""
    found = {}
    for name in ("VAPID_PRIVATE_KEY", "VAPID_PUBLIC_KEY", "VAPID_SUBJECT", "VAPID_KEY_FILE"):
        if os.environ.get(name):
            found[name] = os.environ[name]
    if os.environ.get("PUSH_SERVICE_HOSTS"):
        found["PUSH_SERVICE_HOSTS"] = [
            h.strip() for h in os.environ["PUSH_SERVICE_HOSTS"].split(",") if h.strip()
        ]
    if os.environ.get("PUSH_TIMEOUT"):
        found["PUSH_TIMEOUT"] = float(os.environ["PUSH_TIMEOUT"])
    if os.environ.get("PUSH_CONCURRENCY"):
        found["PUSH_CONCURRENCY"] = int(os.environ["PUSH_CONCURRENCY"])
    return found


DEFAULTS = {
    "WTF_CSRF_HEADERS": ["X-CSRF-Token"],
    "WTF_CSRF_TIME_LIMIT": None,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # The cookie may live long; the server ends a login after LOGIN_IDLE_DAYS without use, so
    # the cookie need not be re-signed and re-sent on every response.
    "PERMANENT_SESSION_LIFETIME": 180 * 24 * 3600,
    "SESSION_REFRESH_EACH_REQUEST": False,
    # A database error names the statement, never the values: those are journal text, moods and
    # dilemmas, and error messages end up in logs.
    "SQLALCHEMY_ENGINE_OPTIONS": {"hide_parameters": True},
    "BABEL_DEFAULT_LOCALE": "nb",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Oslo",
    "LOGIN_IDLE_DAYS": 30,
    # argon2id cost (RFC 9106 "second recommended" profile); tests lower it for speed.
    "ARGON2_TIME_COST": 3,
    "ARGON2_MEMORY_KIB": 65536,
    "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
    "LOGIN_MAX_FAILURES_PER_IP": 30,
    "LOGIN_FAILURE_WINDOW_MINUTES": 15,
    "CODE_MAX_FAILURES": 10,  # wrong group or session join codes, per account and window
    "CODE_MAX_FAILURES_PER_IP": 30,
    "SIGNUP_MIN_AGE": 15,
    # Who is responsible for the data (behandlingsansvarlig), named in the privacy notice, e.g.
    # "NAV Øygarden". Empty: "the NAV office or municipality that runs your group", translated.
    "PRIVACY_CONTROLLER": "",
    "HTTPS": False,
    "TRUSTED_PROXIES": 0,
    "DEMO_PASSWORD": "stegvis-demo",
    "VOICE_DIR": str(INSTANCE / "voice"),
    # "Download my data" zips (webapp/services/exports.py): outside the web root, random names,
    # gone 24 hours after they are ready.
    "EXPORT_DIR": str(INSTANCE / "exports"),
    # Three minutes of Opus at ~48 kbit/s is about 1.1 MB; leave room for other codecs.
    "VOICE_MAX_BYTES": 5 * 1024 * 1024,
    "VOICE_MAX_SECONDS": 180,
    # Whole request bodies: a voice note plus form overhead.
    "MAX_CONTENT_LENGTH": 6 * 1024 * 1024,
    # Web Push (webapp/services/push.py). The VAPID key: VAPID_PRIVATE_KEY (PEM or base64url
    # raw scalar) from the environment, else this file, created on first run (webapp/keys.py).
    "VAPID_PRIVATE_KEY": "",
    "VAPID_PUBLIC_KEY": "",
    "VAPID_KEY_FILE": str(INSTANCE / "vapid_private.pem"),
    # The contact push services see in every VAPID token (RFC 8292 `sub`): mailto: or https:.
    "VAPID_SUBJECT": "mailto:push@stegvis.invalid",
    # Subscriptions are accepted only at these push services (https, port 443, the host or a
    # subdomain of it): FCM (Chrome, Edge, Android), Mozilla autopush, Apple, Windows (WNS).
    "PUSH_SERVICE_HOSTS": [
        "fcm.googleapis.com",
        "android.googleapis.com",
        "push.services.mozilla.com",
        "push.apple.com",
        "notify.windows.com",
    ],
    # Tests only: exact origins ("http://127.0.0.1:PORT") of a local test peer that skip the
    # https/port/IP/private-address checks. Never set in production; not read from the env.
    "PUSH_TEST_ORIGINS": [],
    # Seconds for one request to a push service, and requests in flight at once per process.
    "PUSH_TIMEOUT": 10.0,
    "PUSH_CONCURRENCY": 64,
    # Nudges (webapp/worker.py): a nudge whose time is more than this long gone (the worker was
    # down) is dropped with a record instead of sent late.
    "NUDGE_LATE_DROP_MINUTES": 180,
    # A worker holds the rows it claimed this long; if it dies, others take them after this.
    "WORKER_LEASE_SECONDS": 120,
    "WORKER_BATCH": 500,
    "WORKER_POLL_SECONDS": 15.0,
    # "module:function" that sends a list of push messages (tests point it at a fake).
    "NUDGE_SENDER": "webapp.services.push:send",
    # Test hook only: seconds the worker waits after claiming a batch (to kill it mid-batch).
    "WORKER_PAUSE_AFTER_CLAIM": 0.0,
    # Retention (webapp/services/retention.py), for offices without rules of their own:
    # participants' and mentors' accounts unused this long are deleted (0 = never), with a
    # warning this many days before; a group's session boards this long after its last session.
    "RETENTION_INACTIVE_MONTHS": 24,
    "RETENTION_WARN_DAYS": 30,
    "RETENTION_BOARD_DAYS": 90,
}


def finish(config: dict) -> None:
    """Derive cookie settings: `__Host-` prefix and Secure only make sense over HTTPS."""
    if config["HTTPS"]:
        config["SESSION_COOKIE_SECURE"] = True
        config["SESSION_COOKIE_NAME"] = "__Host-stegvis"
        config["PREFERRED_URL_SCHEME"] = "https"
    else:
        config["SESSION_COOKIE_NAME"] = "stegvis"
