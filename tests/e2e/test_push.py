"""Web Push in the real service worker: a push delivered through the DevTools protocol is shown
with the right title, text, link, icon and buttons; what a tap does; and the permission flow
(never on the first visit; on an iPhone that has not installed the app, how to install first).

`pushManager.subscribe()` never settles in this sandbox (it needs the vendor's push service), so
the subscribe UI is tested up to that call, and the server side is tested against a local push
service in tests/test_push.py.
"""

import json
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import delete, insert, select

from webapp.extensions import db
from webapp.models import Delivery, DeliveryKind, PushSubscription, User
from webapp.services import push

from .helpers import log_in, wait_controlled

NOTIFICATIONS = """navigator.serviceWorker.ready.then(r => r.getNotifications()).then(ns => ns.map(
  n => ({title: n.title, body: n.body, data: n.data, icon: n.icon, badge: n.badge, tag: n.tag,
         actions: n.actions.map(a => ({action: a.action, title: a.title}))})))"""
SHOTS = Path(os.environ.get("SHOTS_DIR", "/tmp/shots-P"))


def registration_id(context, page, base: str) -> str:
    cdp = context.new_cdp_session(page)
    found: dict = {}
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda ev: found.update(
            {r["scopeURL"]: r["registrationId"] for r in ev["registrations"] if not r["isDeleted"]}
        ),
    )
    cdp.send("ServiceWorker.enable")
    for _ in range(100):
        if base + "/" in found:
            return cdp, found[base + "/"]
        page.wait_for_timeout(50)
    raise AssertionError(f"no service worker registration for {base}/: {found}")


def shown(page, count: int = 1) -> list[dict]:
    for _ in range(100):
        notes = page.evaluate(NOTIFICATIONS)
        if len(notes) >= count:
            return notes
        page.wait_for_timeout(50)
    raise AssertionError(f"{count} notification(s) expected, {len(notes)} shown")


def test_a_push_is_shown_by_the_service_worker_with_title_link_icon_and_buttons(
    page, context, live_server
):
    base = live_server.url
    context.grant_permissions(["notifications"], origin=base)
    log_in(page, base, "deltaker5")
    wait_controlled(page)
    page.goto(base + "/inbox")  # a page leaves the buttons' words for the service worker
    card = page.locator("[data-push-card]")
    words = {
        "open": card.get_attribute("data-label-open"),
        "snooze": card.get_attribute("data-label-snooze"),
    }
    page.wait_for_function(
        "caches.open('stegvis-push').then(c => c.match('/push-labels.json')).then(r => !!r)"
    )
    with live_server.app.app_context():  # the topic is keyed with the app's secret
        data = push.payload(
            push.Outgoing(
                title="Påminnelse",
                body="Tid for å skrive noen ord i dagboka",
                url="/journal",
                topic="r-12",
                delivery_id=77,
            )
        ).decode()
        tag = push.topic_header("r-12")

    cdp, reg = registration_id(context, page, base)
    cdp.send(
        "ServiceWorker.deliverPushMessage", {"origin": base, "registrationId": reg, "data": data}
    )

    [note] = shown(page)
    assert note["title"] == "Påminnelse"
    assert note["body"] == "Tid for å skrive noen ord i dagboka"
    assert note["data"] == {"url": "/journal", "delivery": 77}
    assert note["tag"] == tag
    assert note["icon"].endswith("/static/pwa/icons/icon-192.png")
    assert note["badge"].endswith("/static/pwa/icons/badge-96.png")
    assert note["actions"] == [
        {"action": "open", "title": words["open"]},
        {"action": "snooze", "title": words["snooze"]},
    ]

    # The same topic again replaces it instead of piling up.
    cdp.send(
        "ServiceWorker.deliverPushMessage", {"origin": base, "registrationId": reg, "data": data}
    )
    page.wait_for_timeout(300)
    assert len(page.evaluate(NOTIFICATIONS)) == 1

    # A push that points outside the app opens the app's start page instead.
    outside = json.dumps({"title": "Stegvis", "body": "x", "url": "https://evil.example/"})
    cdp.send(
        "ServiceWorker.deliverPushMessage", {"origin": base, "registrationId": reg, "data": outside}
    )
    notes = shown(page, 2)
    assert {n["data"]["url"] for n in notes} == {"/journal", "/"}


def test_a_tap_opens_the_link_and_snooze_asks_the_server(page, context, live_server):
    base = live_server.url
    log_in(page, base, "deltaker5")
    wait_controlled(page)
    worker = context.service_workers[0]
    plan = lambda action, data: worker.evaluate(  # noqa: E731
        "([action, data]) => clickPlan(action, data)", [action, data]
    )
    assert plan("", {"url": "/inbox", "delivery": 3}) == {"open": "/inbox"}
    assert plan("open", {"url": "/journal?x=1#e", "delivery": 3}) == {"open": "/journal?x=1#e"}
    assert plan("snooze", {"url": "/inbox", "delivery": 3}) == {"snooze": 3}
    assert plan("snooze", {"url": "/inbox", "delivery": None}) == {"open": "/inbox"}
    assert plan("", {"url": "//evil.example/x"}) == {"open": "/"}
    assert plan("", {"url": "javascript:alert(1)"}) == {"open": "/"}
    assert plan("", None) == {"open": "/"}

    # Snooze from the service worker: the server makes the same nudge again an hour later.
    now = datetime.now(UTC)
    with live_server.app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "deltaker5"))
        nudge = Delivery(
            dedupe_key=f"e2e-snooze-{now.timestamp()}",
            kind=DeliveryKind.INACTIVE,
            user_id=user_id,
            occurrence_at=now,
            due_at=now,
            status="sent",
            url="/",
        )
        db.session.add(nudge)
        db.session.commit()
        nudge_id = nudge.id
    worker.evaluate("(id) => snooze(id)", nudge_id)
    with live_server.app.app_context():
        again = db.session.scalar(
            select(Delivery).where(Delivery.dedupe_key == f"snooze:{nudge_id}")
        )
        assert again is not None and again.user_id == user_id
        assert again.occurrence_at >= now + timedelta(minutes=59)


def visits(page, base: str, n: int) -> None:
    for _ in range(n):
        page.goto(base + "/inbox")


def test_the_card_waits_for_a_few_visits_then_asks_kindly(page, context, live_server):
    base = live_server.url
    log_in(page, base, "deltaker6")  # the first visit
    card = page.locator("[data-push-card]")
    page.wait_for_timeout(300)
    assert card.is_hidden()
    visits(page, base, 2)
    assert card.is_hidden()
    visits(page, base, 1)
    card.wait_for(state="visible")
    assert page.locator("[data-push-ios]").is_hidden()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        card.screenshot(path=str(SHOTS / f"push-card-{scheme}.png"))
    page.emulate_media(color_scheme="light")

    context.grant_permissions(["notifications"], origin=base)  # the person says yes
    page.click("[data-push-yes]")
    # The browser says yes; subscribing needs the vendor's push service, which
    # is out of reach here, so the card says it is working on it.
    status = page.locator("[data-push-card] [data-push-status]")
    assert status.inner_text() in (
        card.get_attribute("data-label-waiting"),
        card.get_attribute("data-label-failed"),
    )


def test_not_now_keeps_the_card_away(page, context, live_server):
    base = live_server.url
    log_in(page, base, "deltaker7")
    visits(page, base, 3)
    card = page.locator("[data-push-card]")
    card.wait_for(state="visible")
    page.click("[data-push-later]")
    assert card.is_hidden()
    visits(page, base, 3)
    page.wait_for_timeout(300)
    assert card.is_hidden()


def test_on_an_iphone_without_the_app_installed_the_card_says_to_add_it_first(
    page, context, live_server
):
    context.add_init_script(
        """delete window.PushManager;
        Object.defineProperty(navigator, "userAgent", {get: () =>
          "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
          + "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"});"""
    )
    base = live_server.url
    log_in(page, base, "deltaker8")
    visits(page, base, 3)
    page.locator("[data-push-card]").wait_for(state="visible")
    assert page.locator("[data-push-ios]").is_visible()
    assert page.locator("[data-push-yes]").is_hidden()
    page.locator("[data-push-card]").screenshot(path=str(SHOTS / "push-card-iphone.png"))


def test_the_me_page_lists_the_devices_that_get_notifications(page, context, live_server):
    base = live_server.url
    with live_server.app.app_context():
        user_id = db.session.scalar(select(User.id).where(User.username == "deltaker4"))
        db.session.execute(delete(PushSubscription).where(PushSubscription.user_id == user_id))
        keys = {
            "p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1X"
            "bjhazAkj7I99e8QcYP7DkM",
            "auth": "tBHItJI5svbpez7KI4CCXg",
        }
        db.session.execute(
            insert(PushSubscription),
            [
                {
                    "user_id": user_id,
                    "endpoint": f"https://fcm.googleapis.com/fcm/send/e2e-{i}",
                    "label": label,
                    **keys,
                }
                for i, label in enumerate(["Chrome · Android", "Firefox · Windows"])
            ],
        )
        db.session.commit()
    log_in(page, base, "deltaker4")
    page.goto(base + "/me")
    section = page.locator("[data-push-devices]")
    assert "Chrome · Android" in section.inner_text()
    SHOTS.mkdir(parents=True, exist_ok=True)
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        section.screenshot(path=str(SHOTS / f"push-devices-{scheme}.png"))
    page.emulate_media(color_scheme="light")

    section.locator("li", has_text="Firefox · Windows").locator("form").first.locator(
        "button"
    ).click()
    page.wait_for_load_state()
    with live_server.app.app_context():
        enabled = dict(
            db.session.execute(
                select(PushSubscription.label, PushSubscription.enabled).where(
                    PushSubscription.user_id == user_id
                )
            ).all()
        )
    assert enabled == {"Chrome · Android": True, "Firefox · Windows": False}
    page.emulate_media(color_scheme="dark")
    page.locator("[data-push-devices]").screenshot(path=str(SHOTS / "push-devices-off-dark.png"))
    # The whole Me page, with the card as it shows after a few visits.
    page.evaluate("localStorage.setItem('stegvis.push.visits', '10')")
    page.reload()
    page.wait_for_selector("[data-push-card]:not([hidden])")
    for scheme in ("light", "dark"):
        page.emulate_media(color_scheme=scheme)
        page.screenshot(path=str(SHOTS / f"me-with-push-{scheme}.png"), full_page=True)
