"""Headers on every response, health checks, the manifest and the service worker."""

import json
import re

from webapp import create_app

import factories
from conftest import base_config, page_text


def test_every_page_gets_a_strict_content_security_policy(client):
    for path in ("/login", "/livez", "/api/v1/session", "/manifest.webmanifest", "/nope"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
            assert directive in csp, (path, directive)
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]


def test_pages_are_not_stored_by_caches_but_static_files_are(client):
    factories.user(username="kari")
    factories.commit()
    client.login("kari")
    for path in ("/", "/me", "/group", "/api/v1/session"):
        assert client.get(path).headers["Cache-Control"] == "no-store", path
    assert "no-store" not in client.get("/static/css/app.css").headers.get("Cache-Control", "")


def test_hsts_is_only_sent_over_https(client):
    assert "Strict-Transport-Security" not in client.get("/login").headers


def test_pages_have_no_inline_scripts_or_styles(client):
    html = client.get("/login").get_data(as_text=True)
    assert not re.search(r"<script(?![^>]*\bsrc=)", html)
    assert "<style" not in html and " style=" not in html


def test_readiness_says_503_with_a_reason_when_the_database_is_down(tmp_path):
    url = f"sqlite:///{tmp_path / 'missing-dir' / 'db.sqlite3'}"
    app = create_app(base_config(url))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503
    assert response.get_json() == {"status": "error", "database": "unavailable"}
    assert app.test_client().get("/livez").status_code == 200


def test_the_manifest_makes_the_app_installable(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    manifest = json.loads(response.get_data())
    assert manifest["display"] == "standalone" and manifest["scope"] == "/"
    assert manifest["start_url"] == "/" and manifest["name"] and manifest["short_name"]
    assert manifest["theme_color"] and manifest["background_color"] and manifest["lang"]
    sizes = {(icon["sizes"], icon.get("purpose", "any")) for icon in manifest["icons"]}
    assert {("192x192", "any"), ("512x512", "any"), ("512x512", "maskable")} <= sizes
    for icon in manifest["icons"]:
        assert client.get(icon["src"]).status_code == 200
    assert [s["url"] for s in manifest["shortcuts"]] == ["/journal?new=1", "/inbox"]


def test_the_service_worker_is_served_from_the_root_with_a_versioned_shell(client):
    response = client.get("/sw.js")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    body = response.get_data(as_text=True)
    assert "__VERSION__" not in body and "__SHELL__" not in body
    version = re.search(r'const VERSION = "([0-9a-f]{12})"', body).group(1)
    assert version
    shell = re.search(r"const SHELL = \[(.*?)\];", body).group(1)
    paths = re.findall(r'"([^"]+)"', shell)
    assert "/offline" in paths and "/static/css/app.css" in paths
    for path in paths:
        assert client.get(path).status_code == 200, path
    assert "no-cache" in response.headers["Cache-Control"]


def test_the_offline_page_is_calm_and_public(client):
    response = client.get("/offline")
    assert response.status_code == 200
    assert "No connection" in page_text(response)


def test_an_unknown_page_gets_a_friendly_404(client):
    response = client.get("/does-not-exist")
    assert response.status_code == 404
    assert "We cannot find this page" in page_text(response)
