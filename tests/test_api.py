"""The JSON API skeleton: session, CSRF by header, JSON errors and the OpenAPI document."""

import factories


def test_the_session_endpoint_answers_401_with_a_csrf_token_for_a_visitor(client):
    response = client.get("/api/v1/session")
    assert response.status_code == 401
    body = response.get_json()
    assert body["error"]["code"] == "unauthorized"
    assert body["error"]["fields"] == {}
    assert body["csrf_token"]


def test_logging_in_through_the_api_gives_the_user_and_shares_the_page_session(client):
    factories.user(username="kari", display_name="Kari")
    factories.commit()
    response = client.send_json(
        "POST", "/api/v1/session", {"username": "kari", "password": factories.PASSWORD}
    )
    assert response.status_code == 200
    assert response.get_json()["user"]["display_name"] == "Kari"
    assert "password" not in response.get_data(as_text=True)
    assert client.get("/").status_code == 200


def test_a_json_request_without_the_csrf_header_is_refused_as_json(client):
    factories.user(username="kari")
    factories.commit()
    response = client.post(
        "/api/v1/session", json={"username": "kari", "password": factories.PASSWORD}
    )
    assert response.status_code == 400
    assert response.is_json and response.get_json()["error"]["code"] == "csrf"


def test_a_wrong_csrf_header_is_refused(client):
    client.csrf_token()
    response = client.open(
        "/api/v1/session", method="POST", json={}, headers={"X-CSRF-Token": "forged"}
    )
    assert response.status_code == 400 and response.get_json()["error"]["code"] == "csrf"


def test_missing_fields_are_named_with_a_translated_message(client):
    response = client.send_json("POST", "/api/v1/session", {"username": "kari"})
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"password": "Please fill in this field."}


def test_wrong_credentials_answer_401_as_json(client):
    response = client.send_json(
        "POST", "/api/v1/session", {"username": "nobody", "password": "wrong password!"}
    )
    assert response.status_code == 401
    assert response.get_json()["error"]["code"] == "invalid_login"


def test_too_many_failures_answer_429(app, client):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 2
    for _ in range(2):
        client.send_json("POST", "/api/v1/session", {"username": "kari", "password": "x" * 12})
    response = client.send_json(
        "POST", "/api/v1/session", {"username": "kari", "password": "x" * 12}
    )
    assert response.status_code == 429


def test_logging_out_through_the_api_ends_the_session(client):
    factories.user(username="kari")
    factories.commit()
    client.login("kari")
    assert client.send_json("DELETE", "/api/v1/session").status_code == 204
    assert client.get("/api/v1/session").status_code == 401


def test_unknown_api_paths_answer_json_not_html(client):
    response = client.get("/api/v1/nothing-here")
    assert response.status_code == 404
    assert response.is_json and response.get_json()["error"]["code"] == "not_found"


def test_the_openapi_document_describes_the_session_endpoints_from_the_schemas(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    assert set(spec["paths"]["/api/v1/session"]) == {"get", "post", "delete"}
    assert "Session" in spec["components"]["schemas"]
    assert "Error" in spec["components"]["schemas"]
    assert spec["components"]["schemas"]["Credentials"]["required"] == ["password", "username"]
