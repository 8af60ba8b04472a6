"""Logging out clears the device: the answer tells the browser to forget what it kept for the
site (Clear-Site-Data), and the pages carry what the JavaScript needs to send what waits first or
to warn that it would be lost. The browser side is tested in tests/e2e/test_logout_device.py."""

import re

from sqlalchemy import select

from webapp.extensions import db
from webapp.models import LoginSession

import factories as f
from conftest import page_text

CLEARED = '"cache", "storage"'


def logged_in(make_client, username: str):
    client = make_client()
    client.login(username, f.PASSWORD)
    return client


def still_logged_in(client) -> bool:
    return client.get("/me").status_code == 200


def test_logging_out_tells_the_browser_to_clear_this_device(app, make_client):
    f.user(username="kari")
    f.commit()
    phone = logged_in(make_client, "kari")
    response = phone.post_form("/logout")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login?bye=1")
    assert response.headers["Clear-Site-Data"] == CLEARED
    # "cookies" is left out on purpose: the session is ended on the server already.
    assert "cookies" not in response.headers["Clear-Site-Data"]
    assert not still_logged_in(phone)
    page = phone.get(response.headers["Location"])
    assert "You are logged out" in page_text(page)
    assert "Clear-Site-Data" not in page.headers  # only the logout answer clears


def test_logging_out_everywhere_clears_this_device_too(app, make_client):
    f.user(username="kari")
    f.commit()
    phone, laptop = logged_in(make_client, "kari"), logged_in(make_client, "kari")
    response = phone.post_form("/me/devices/end-all")
    assert response.headers["Clear-Site-Data"] == CLEARED
    assert response.headers["Location"].endswith("/login?bye=1")
    assert not still_logged_in(phone) and not still_logged_in(laptop)


def test_logging_out_this_device_from_the_list_clears_it_and_another_device_does_not(
    app, make_client
):
    kari = f.user(username="kari")
    f.commit()
    phone, laptop = logged_in(make_client, "kari"), logged_in(make_client, "kari")
    devices = db.session.scalars(
        select(LoginSession.id).where(LoginSession.user_id == kari.id).order_by(LoginSession.id)
    ).all()
    phone_id, laptop_id = devices

    other = phone.post_form(f"/me/devices/{laptop_id}/end")
    assert other.status_code == 302 and "Clear-Site-Data" not in other.headers
    assert still_logged_in(phone) and not still_logged_in(laptop)

    this = phone.post_form(f"/me/devices/{phone_id}/end")
    assert this.headers["Clear-Site-Data"] == CLEARED
    assert this.headers["Location"].endswith("/login?bye=1")
    assert not still_logged_in(phone)


def test_the_me_page_marks_the_forms_that_log_this_device_out(app, make_client):
    kari = f.user(username="kari")
    f.commit()
    laptop = logged_in(make_client, "kari")
    phone = logged_in(make_client, "kari")
    html = phone.get("/me").get_data(as_text=True)
    forms = dict(re.findall(r'<form method="post" action="([^"]+)"([^>]*)>', html))
    this_device = db.session.scalar(
        select(LoginSession.id)
        .where(LoginSession.user_id == kari.id)
        .order_by(LoginSession.id.desc())
        .limit(1)
    )
    assert "data-logout" in forms["/logout"]
    assert "data-logout" in forms["/me/devices/end-all"]
    assert "data-logout" in forms[f"/me/devices/{this_device}/end"]
    assert "data-logout" not in forms[f"/me/devices/{this_device - 1}/end"]  # the laptop
    assert laptop  # still logged in there


def test_every_page_of_a_logged_in_person_can_warn_before_changes_are_lost(app, make_client):
    f.user(username="kari", locale="en")
    f.commit()
    html = logged_in(make_client, "kari").get("/me").get_data(as_text=True)
    dialog = re.search(r"<dialog[^>]*data-logout-warning[^>]*>.*?</dialog>", html, re.S)
    assert dialog, "the warning dialog is on the page"
    text = dialog.group(0)
    assert "__N__ change is not sent yet. It will be lost if you log out now." in text
    assert "__N__ changes are not sent yet. They will be lost if you log out now." in text
    assert 'value="stay"' in text and 'value="logout"' in text
    anonymous = make_client().get("/login").get_data(as_text=True)
    assert "data-logout-warning" not in anonymous


def test_the_service_worker_can_clear_the_device_and_keeps_the_logout_script_offline(client):
    worker = client.get("/sw.js").get_data(as_text=True)
    assert '"clear-device"' in worker
    assert '"/static/js/logout.js"' in worker  # app.js imports it: it must load offline too
