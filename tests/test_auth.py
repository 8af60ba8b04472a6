"""Signing up, logging in and out, and the session rules of OWASP ASVS level 2."""

from datetime import timedelta

from argon2 import PasswordHasher
from sqlalchemy import select, update

from webapp import create_app
from webapp.extensions import db
from webapp.models import LoginSession, Role, User
from webapp.models.base import utcnow

import factories
from conftest import Client, base_config, page_text

GOOD = {
    "username": "ny.bruker",
    "display_name": "Sol",
    "password": "min katt heter pus",
    "birth_year": "2006",
    "privacy": "yes",  # "I have read how Stegvis handles my data"
}


def test_a_young_person_signs_up_with_a_username_and_no_email(client):
    response = client.post_form("/signup", GOOD)
    assert response.status_code == 302
    user = db.session.scalar(select(User).where(User.username == "ny.bruker"))
    assert user.role == Role.PARTICIPANT and user.display_name == "Sol"
    assert user.password_hash.startswith("$argon2id$")
    assert "Sol" in page_text(client.get("/"))


def test_signup_with_mistakes_keeps_what_was_typed_and_says_what_to_fix(client):
    response = client.post_form("/signup", {**GOOD, "password": "kort", "birth_year": "to tusen"})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'value="ny.bruker"' in html and 'value="Sol"' in html and 'value="to tusen"' in html
    assert "at least 10 characters" in html
    assert "like 2007" in html
    assert 'aria-invalid="true"' in html
    assert "kort" not in html  # a password is never sent back


def test_a_common_password_is_refused(client):
    response = client.post_form("/signup", {**GOOD, "password": "password123"})
    assert response.status_code == 400
    assert "too common" in page_text(response)


def test_someone_younger_than_the_sign_up_age_is_asked_to_go_through_a_veileder(client):
    this_year = utcnow().year
    response = client.post_form("/signup", {**GOOD, "birth_year": str(this_year - 13)})
    assert response.status_code == 400
    assert "too young" in page_text(response)
    assert db.session.scalar(select(User).where(User.username == "ny.bruker")) is None


def test_a_taken_username_is_refused_kindly(client):
    factories.user(username="ny.bruker")
    factories.commit()
    response = client.post_form("/signup", GOOD)
    assert response.status_code == 400
    assert "taken" in page_text(response)


def test_a_wrong_password_gets_one_message_that_does_not_reveal_the_account(client):
    factories.user(username="kari")
    factories.commit()
    wrong = client.post_form("/login", {"username": "kari", "password": "not the password"})
    missing = client.post_form("/login", {"username": "nobody", "password": "not the password"})
    assert wrong.status_code == missing.status_code == 400
    assert "do not match" in page_text(wrong) and "do not match" in page_text(missing)
    assert 'value="kari"' in wrong.get_data(as_text=True)


def test_login_starts_a_new_session(client):
    factories.user(username="kari")
    factories.commit()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    before = client.get_cookie("stegvis").value
    client.login("kari")
    assert client.get_cookie("stegvis").value != before
    with client.session_transaction() as session:
        assert "planted" not in session


def test_the_session_cookie_is_httponly_and_samesite_lax(client):
    factories.user(username="kari")
    factories.commit()
    cookie = client.login("kari").headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_over_https_the_cookie_is_secure_and_host_prefixed(database_url):
    app = create_app({**base_config(database_url), "HTTPS": True})
    with app.app_context():
        factories.user(username="kari")
        factories.commit()
        client = Client(app)
        https = "https://localhost"
        token = client.get("/api/v1/session", base_url=https).get_json()["csrf_token"]
        response = client.post(
            "/login",
            data={"username": "kari", "password": factories.PASSWORD, "csrf_token": token},
            base_url=https,
            headers={"Referer": https + "/login"},  # over HTTPS the CSRF check wants it
        )
        assert response.status_code == 302
        cookie = response.headers["Set-Cookie"]
        assert cookie.startswith("__Host-stegvis=")
        assert "Secure" in cookie and "Path=/" in cookie and "Domain" not in cookie
        page = client.get("/login", base_url="https://localhost")
        assert "max-age=31536000" in page.headers["Strict-Transport-Security"]
        db.session.execute(User.__table__.delete())
        db.session.commit()


def test_logout_really_ends_the_session_so_a_replayed_cookie_is_refused(client, make_client):
    factories.user(username="kari")
    factories.commit()
    client.login("kari")
    stolen = client.get_cookie("stegvis").value
    client.post_form("/logout")
    replay = make_client()
    replay.set_cookie("stegvis", stolen, domain="localhost")
    response = replay.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_log_out_everywhere_ends_every_device(make_client):
    factories.user(username="kari")
    factories.commit()
    phone, laptop = make_client(), make_client()
    phone.login("kari")
    laptop.login("kari")
    assert phone.get("/").status_code == 200
    laptop.post_form("/me/devices/end-all")
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 302


def test_one_device_can_be_logged_out_from_another(make_client):
    factories.user(username="kari")
    factories.commit()
    phone, laptop = make_client(), make_client()
    phone.login("kari")
    laptop.login("kari")
    devices = db.session.scalars(select(LoginSession).order_by(LoginSession.id)).all()
    assert len(devices) == 2
    response = laptop.post_form(f"/me/devices/{devices[0].id}/end")
    assert response.status_code == 302
    assert phone.get("/").status_code == 302
    assert laptop.get("/").status_code == 200


def test_nobody_can_end_another_persons_device(make_client):
    factories.user(username="kari")
    factories.user(username="ola")
    factories.commit()
    kari, ola = make_client(), make_client()
    kari.login("kari")
    ola.login("ola")
    karis = db.session.scalar(select(LoginSession.id).join(User).where(User.username == "kari"))
    assert ola.post_form(f"/me/devices/{karis}/end").status_code == 404
    assert kari.get("/").status_code == 200


def test_the_me_page_lists_the_devices(client):
    factories.user(username="kari")
    factories.commit()
    client.login("kari")
    text = page_text(client.get("/me"))
    assert "This device" in text and "Log out everywhere" in text


def test_a_login_unused_for_thirty_days_expires(client):
    factories.user(username="kari")
    factories.commit()
    client.login("kari")
    db.session.execute(update(LoginSession).values(last_seen_at=utcnow() - timedelta(days=31)))
    db.session.commit()
    assert client.get("/").status_code == 302


def test_failed_logins_are_limited_per_account_across_workers(database_url, app):
    factories.user(username="kari")
    factories.commit()
    worker_a = Client(app)
    worker_b = Client(create_app(base_config(database_url)))
    for attempt in range(5):
        worker = worker_a if attempt % 2 else worker_b
        worker.post_form("/login", {"username": "kari", "password": "wrong password!"})
    response = worker_a.post_form("/login", {"username": "kari", "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "Too many tries" in page_text(response)


def test_failed_logins_are_limited_per_address(app, client):
    app.config["LOGIN_MAX_FAILURES_PER_IP"] = 3
    factories.user(username="kari")
    factories.commit()
    for name in ("a1", "a2", "a3"):
        client.post_form("/login", {"username": name, "password": "wrong password!"})
    response = client.post_form("/login", {"username": "kari", "password": factories.PASSWORD})
    assert "Too many tries" in page_text(response)


def test_an_old_weaker_hash_is_upgraded_at_login(client):
    weak = PasswordHasher(time_cost=1, memory_cost=512, parallelism=1).hash(factories.PASSWORD)
    user = factories.user(username="kari")
    user.password_hash = weak
    factories.commit()
    client.login("kari")
    db.session.expire_all()
    upgraded = db.session.scalar(select(User.password_hash).where(User.username == "kari"))
    assert upgraded != weak and "m=1024" in upgraded


def test_login_only_redirects_inside_the_app(client):
    factories.user(username="kari")
    factories.commit()
    for target, expected in [
        ("/group", "/group"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ]:
        response = client.post_form(
            "/login?next=" + target, {"username": "kari", "password": factories.PASSWORD}
        )
        location = response.headers["Location"]
        assert location in (expected, "http://localhost" + expected), (target, location)
        client.post_form("/logout")


def test_a_form_without_the_csrf_token_is_refused(client):
    factories.user(username="kari")
    factories.commit()
    response = client.post("/login", data={"username": "kari", "password": factories.PASSWORD})
    assert response.status_code == 400
    assert "security token" in page_text(response)


def test_reading_a_page_never_rewrites_the_session_cookie(client):
    """A late answer (the manifest, say) must not overwrite a login that happened meanwhile."""
    client.get("/login")
    for url in ("/manifest.webmanifest", "/login", "/offline", "/sw.js", "/signup"):
        response = client.get(url)
        assert response.headers.getlist("Set-Cookie") == [], url
