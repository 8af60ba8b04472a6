"""Language and text size: from the person, a cookie or the browser; bokmål otherwise."""

import pytest
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import User

import factories
from conftest import Client


@pytest.fixture
def client(app):
    """A browser that has not said which language it prefers."""
    return Client(app, lang=None)


@pytest.fixture
def make_client(app):
    return lambda: Client(app, lang=None)


def lang_of(response) -> str:
    return response.get_data(as_text=True).split('<html lang="', 1)[1].split('"', 1)[0]


def test_bokmal_is_the_default(client):
    assert lang_of(client.get("/login")) == "nb"


def test_the_browser_language_is_used_and_norwegian_means_bokmal(client):
    assert lang_of(client.get("/login", headers={"Accept-Language": "nn-NO,nn;q=0.9"})) == "nn"
    assert lang_of(client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.8"})) == "en"
    assert lang_of(client.get("/login", headers={"Accept-Language": "no"})) == "nb"
    assert lang_of(client.get("/login", headers={"Accept-Language": "de"})) == "nb"


def test_a_visitor_can_choose_a_language(client):
    response = client.post_form("/settings/language", {"lang": "nn", "next": "/signup"})
    assert response.headers["Location"].endswith("/signup")
    assert lang_of(client.get("/login", headers={"Accept-Language": "en"})) == "nn"


def test_a_chosen_language_is_remembered_on_the_account(client, make_client):
    factories.user(username="kari")
    factories.commit()
    client.login("kari")
    client.post_form("/settings/language", {"lang": "en", "next": "/me"})
    assert db.session.scalar(select(User.locale).where(User.username == "kari")) == "en"
    other_phone = make_client()
    other_phone.login("kari")
    assert lang_of(other_phone.get("/")) == "en"


def test_an_unknown_language_is_ignored(client):
    client.post_form("/settings/language", {"lang": "xx"})
    assert lang_of(client.get("/login")) == "nb"


def test_the_large_text_preference_is_remembered(client):
    factories.user(username="kari")
    factories.commit()
    client.login("kari")
    client.post_form("/settings/text-size", {"size": "large", "next": "/me"})
    assert 'class="large-text"' in client.get("/").get_data(as_text=True)
    client.post_form("/settings/text-size", {"size": "normal", "next": "/me"})
    assert 'class="large-text"' not in client.get("/").get_data(as_text=True)
