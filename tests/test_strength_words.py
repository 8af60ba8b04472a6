"""My strength words: every word given to me, grouped and counted, names only of those who
showed theirs, in my language; a CV-ready list to copy or download; words written by others are
text, never markup."""

import pytest

from webapp.extensions import db
from webapp.models import Role, StrengthWord
from webapp.models.base import utcnow

import factories
from conftest import page_text


@pytest.fixture
def world(app):
    kari = factories.user(username="kari", display_name="Kari")
    amir = factories.user(username="amir", display_name="Amir")
    sara = factories.user(username="sara", display_name="Sara")
    ola = factories.user(username="ola", display_name="Ola")
    factories.commit()
    return {"kari": kari, "amir": amir, "sara": sara, "ola": ola}


def give(to, by, preset=None, text="", show_name=True, **extra):
    db.session.add(
        StrengthWord(
            recipient_id=to.id,
            giver_id=by.id,
            preset=preset,
            text=text,
            show_name=show_name,
            **extra,
        )
    )
    factories.commit()


def as_user(make_client, username, lang="en"):
    client = make_client()
    if lang != "en":
        client.http.environ_base["HTTP_ACCEPT_LANGUAGE"] = lang
    client.login(username)
    return client


def test_words_are_grouped_and_counted_with_names_only_where_shown(world, make_client):
    give(world["kari"], world["amir"], "brave")
    give(world["kari"], world["sara"], "brave")
    give(world["kari"], world["ola"], "brave", show_name=False)
    give(world["kari"], world["sara"], text="Good at making tea")
    give(world["kari"], world["amir"], text="good at  making TEA", show_name=False)
    give(world["amir"], world["sara"], "honest")  # someone else's word
    response = as_user(make_client, "kari").get("/me/strengths")
    assert response.status_code == 200
    text = page_text(response)
    assert "You have been given 5 strength words." in text
    assert "Brave 3 times From Amir, Sara · 1 without a name" in text
    assert "Good at making tea 2 times From Sara · 1 without a name" in text
    assert "Honest" not in text
    assert text.index("Brave") < text.index("Good at making tea")  # most given first


def test_a_word_from_someone_who_hid_their_name_names_nobody(world, make_client):
    give(world["kari"], world["ola"], "kind", show_name=False)
    text = page_text(as_user(make_client, "kari").get("/me/strengths"))
    assert "Kind" in text and "Ola" not in text
    assert "From 1 person who did not show their name" in text


def test_a_hidden_word_is_not_collected(world, make_client):
    give(world["kari"], world["amir"], text="Rude word", hidden_at=utcnow())
    text = page_text(as_user(make_client, "kari").get("/me/strengths"))
    assert "Rude word" not in text and "No strength words yet" in text


def test_preset_words_are_in_my_language(world, make_client):
    give(world["kari"], world["amir"], "good_listener")
    english = page_text(as_user(make_client, "kari").get("/me/strengths"))
    assert "Good listener" in english


def test_xss_in_a_free_strength_word_renders_as_text(world, make_client):
    attack = '<script>alert("x")</script>'
    give(world["kari"], world["amir"], text=attack)
    kari = as_user(make_client, "kari")
    html = kari.get("/me/strengths").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html or "&lt;script&gt;" in html
    assert kari.get("/api/v1/strength-words").get_json()["items"][0]["word"] == attack


def test_strengths_download_is_plain_text_attachment(world, make_client):
    give(world["kari"], world["amir"], "brave")
    give(world["kari"], world["sara"], text="flink med dyr")
    give(world["kari"], world["ola"], text="Ærlig")
    response = as_user(make_client, "kari").get("/me/strengths.txt")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    assert response.mimetype_params.get("charset") == "utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Cache-Control"] == "no-store"
    body = response.get_data(as_text=True)
    assert body.splitlines() == ["My strength words", "", "- Brave", "- Flink med dyr", "- Ærlig"]


def test_the_copy_button_carries_the_same_list(world, make_client):
    give(world["kari"], world["amir"], "brave")
    give(world["kari"], world["sara"], "honest")
    give(world["kari"], world["ola"], "honest")
    html = as_user(make_client, "kari").get("/me/strengths").get_data(as_text=True)
    assert 'data-copy="Honest\nBrave"' in html
    assert 'href="/me/strengths.txt"' in html


def test_the_api_gives_my_words_and_the_cv_list(world, make_client):
    give(world["kari"], world["amir"], "brave")
    give(world["kari"], world["sara"], "brave", show_name=False)
    body = as_user(make_client, "kari").get("/api/v1/strength-words").get_json()
    assert sorted((i["word"], i["giver"] or "") for i in body["items"]) == [
        ("Brave", ""),
        ("Brave", "Amir"),
    ]
    assert body["cv"] == ["Brave"]


def test_the_me_page_links_to_my_strength_words(world, make_client):
    assert 'href="/me/strengths"' in as_user(make_client, "kari").get("/me").get_data(as_text=True)


def test_only_participants_have_strength_words_pages(world, make_client):
    factories.user(Role.MENTOR, username="mo")
    factories.commit()
    mo = as_user(make_client, "mo")
    assert mo.get("/me/strengths").status_code == 404
    assert mo.get("/me/strengths.txt").status_code == 404


def test_nobody_else_sees_my_words(world, make_client):
    give(world["kari"], world["amir"], text="Bare for Kari")
    assert "Bare for Kari" not in page_text(as_user(make_client, "sara").get("/me/strengths"))
    assert "Bare for Kari" not in str(
        as_user(make_client, "sara").get("/api/v1/strength-words").get_json()
    )
