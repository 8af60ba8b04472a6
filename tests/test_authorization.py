"""Every route is classified (public, logged in, or a role), and the classification holds.

A new route that forgets its `access` decorator fails `test_every_route_is_classified`, so no
later feature can slip past the door.
"""

import pytest

from webapp.models import Role
from webapp.services import access

import factories

ROLES = [Role.PARTICIPANT, Role.MENTOR, Role.COUNSELLOR, Role.ADMIN]


def routes(app):
    """(endpoint, method, url) for every route, with placeholder values for its arguments."""
    out = []
    for rule in app.url_map.iter_rules():
        args = {}
        for name, converter in rule._converters.items():
            args[name] = 999999 if type(converter).__name__ == "IntegerConverter" else "x"
        url = rule.build(args)[1] if rule.arguments else rule.rule
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            out.append((rule.endpoint, method, url))
    return out


def call(client, method, url):
    if method == "GET":
        return client.get(url)
    if url.startswith("/api/"):
        return client.send_json(method, url, json={})
    return client.post_form(url) if method == "POST" else client.open(url, method=method)


def test_every_route_is_classified(app):
    unclassified = [
        endpoint for endpoint, _m, _u in routes(app) if access.classification(app, endpoint) is None
    ]
    assert unclassified == [], f"routes without an access decorator: {unclassified}"


def test_a_visitor_is_sent_to_login_from_every_route_that_needs_an_account(app, client):
    for endpoint, method, url in routes(app):
        kind = access.classification(app, endpoint)
        if kind == access.PUBLIC:
            continue
        response = call(client, method, url)
        if url.startswith("/api/"):
            assert response.status_code == 401, (endpoint, method)
            assert response.get_json()["error"]["code"] == "unauthorized"
        else:
            assert response.status_code == 302, (endpoint, method, response.status_code)
            assert "/login" in response.headers["Location"], (endpoint, method)


@pytest.mark.parametrize("role", ROLES)
def test_role_routes_answer_404_to_every_other_role(app, make_client, role):
    factories.user(role=role, username=f"who-{role}")
    factories.commit()
    client = make_client()
    client.login(f"who-{role}")
    for endpoint, method, url in routes(app):
        kind = access.classification(app, endpoint)
        if not kind.startswith("role:"):
            continue
        allowed = kind.removeprefix("role:").split(",")
        response = call(client, method, url)
        if role in allowed:
            assert response.status_code != 500, (endpoint, method)
        else:
            assert response.status_code == 404, (endpoint, method, role, response.status_code)


def test_no_route_errors_for_a_logged_in_person_given_unknown_ids(app, make_client):
    for role in ROLES:
        factories.user(role=role, username=f"probe-{role}")
    factories.commit()
    for role in ROLES:
        client = make_client()
        client.login(f"probe-{role}")
        for endpoint, method, url in routes(app):
            if endpoint in {"auth.logout", "me.end_all_devices", "api.delete_session"}:
                continue
            response = call(client, method, url)
            assert response.status_code < 500, (endpoint, method, role, response.status_code)
