"""Security and caching headers on every response."""

from flask import Flask, request

CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "worker-src 'self'",
        "manifest-src 'self'",
        "form-action 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    ]
)


# Logging out clears what this browser keeps for the site: the HTTP cache and the storage
# (service worker and its caches, IndexedDB with the outbox, localStorage). Not "cookies": the
# session is already ended on the server, and (tried in Chromium: the redirect still works) it
# would drop every cookie, the language and text size chosen on this device included, so the
# goodbye page and the next login would come in the wrong language for a nynorsk reader.
# The pages' JavaScript does the same before the form is sent (static/js/logout.js), for
# browsers without Clear-Site-Data (Safari before 17, Firefox for "storage" over http).
CLEAR_SITE_DATA = '"cache", "storage"'


def clear_this_device(response):
    """Marks a logout response so that the browser forgets what it kept for this site."""
    response.headers["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


def init_app(app: Flask) -> None:
    @app.after_request
    def secure(response):
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), geolocation=(), microphone=(self)"
        if app.config["HTTPS"]:
            response.headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"
        if request.endpoint != "static" and "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = "no-store"
        return response
