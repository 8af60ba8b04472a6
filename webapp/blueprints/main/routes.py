"""The participant's home and navigation targets, health checks, manifest and service worker."""

import hashlib
from functools import cache
from pathlib import Path

from flask import current_app, jsonify, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import text

from webapp.blueprints.auth.routes import safe_next
from webapp.blueprints.main import bp
from webapp.extensions import db
from webapp.i18n import COOKIE, LANGUAGES, TEXT_COOKIE
from webapp.services import access, visibility

STATIC = Path(__file__).resolve().parents[2] / "static"
SHELL = [
    "css/app.css",
    "css/live.css",
    "js/app.js",
    "js/dilemma.js",
    "js/live.js",
    "js/logout.js",
    "js/outbox.js",
    "js/push.js",
    "js/recorder.js",
    "js/tour.js",
    "icons.svg",
    "pwa/icons/icon-192.png",
]


@bp.route("/")
@access.logged_in
def home():
    groups = db.session.scalars(visibility.groups_visible_to(current_user)).all()
    return render_template("main/home.html", groups=groups)


@bp.get("/livez")
@access.public
def livez():
    return jsonify(status="ok")


@bp.get("/healthz")
@access.public
def healthz():
    try:
        db.session.execute(text("SELECT 1"))
    except Exception:  # any driver error means "not ready"
        current_app.logger.warning("readiness check: database unavailable")
        return jsonify(status="error", database="unavailable"), 503
    return jsonify(status="ok", database="ok")


@bp.post("/settings/language")
@access.public
def set_language():
    lang = request.form.get("lang", "")
    response = redirect(safe_next(request.form.get("next")))
    if lang in LANGUAGES:
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
        response.set_cookie(COOKIE, lang, max_age=3600 * 24 * 365, samesite="Lax", httponly=True)
    return response


@bp.post("/settings/text-size")
@access.public
def set_text_size():
    large = request.form.get("size") == "large"
    response = redirect(safe_next(request.form.get("next")))
    if current_user.is_authenticated:
        current_user.large_text = large
        db.session.commit()
    response.set_cookie(
        TEXT_COOKIE,
        "large" if large else "normal",
        max_age=3600 * 24 * 365,
        samesite="Lax",
        httponly=True,
    )
    return response


@cache
def shell_version() -> str:
    digest = hashlib.sha256()
    for name in [*SHELL, "pwa/sw.js"]:
        digest.update((STATIC / name).read_bytes())
    return digest.hexdigest()[:12]


@bp.get("/manifest.webmanifest")
@access.public
def manifest():
    icon = url_for("static", filename="pwa/icons/")
    data = {
        "name": "Stegvis",
        "short_name": "Stegvis",
        "description": _("Your goals, small steps and your group — step by step."),
        "lang": request.accept_languages.best_match(list(LANGUAGES)) or "nb",
        "start_url": "/",
        "scope": "/",
        "id": "/",
        "display": "standalone",
        "theme_color": "#2f6f62",
        "background_color": "#f7f4ee",
        "icons": [
            {"src": icon + "icon-192.png", "sizes": "192x192", "type": "image/png"},
            {"src": icon + "icon-512.png", "sizes": "512x512", "type": "image/png"},
            {
                "src": icon + "maskable-512.png",
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
        "shortcuts": [
            {
                "name": _("New journal entry"),
                "url": "/journal?new=1",
                "icons": [{"src": icon + "icon-192.png", "sizes": "192x192"}],
            },
            {
                "name": _("Inbox"),
                "url": "/inbox",
                "icons": [{"src": icon + "icon-192.png", "sizes": "192x192"}],
            },
        ],
    }
    response = jsonify(data)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
@access.public
def service_worker():
    body = (STATIC / "pwa/sw.js").read_text()
    shell = ["/offline"] + [url_for("static", filename=name) for name in SHELL]
    body = body.replace("__VERSION__", shell_version()).replace(
        "__SHELL__", ",".join(f'"{path}"' for path in shell)
    )
    response = make_response(body)
    response.mimetype = "text/javascript"
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response


@bp.get("/offline")
@access.public
def offline():
    return render_template("main/offline.html")
