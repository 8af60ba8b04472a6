"""The app starts, answers health checks and sends people who are not logged in to the login."""

import factories
from conftest import page_text


def test_liveness_answers_without_the_database(client):
    response = client.get("/livez")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}


def test_readiness_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_home_sends_a_visitor_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_a_participant_logs_in_and_sees_home(client):
    factories.user(username="kari", display_name="Kari")
    factories.commit()
    client.login("kari")
    response = client.get("/")
    assert response.status_code == 200
    assert "Kari" in page_text(response)
