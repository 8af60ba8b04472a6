"""Web Push: subscriptions come only from known push services, and what we send is what the
RFCs ask — checked by a local push service (tests/push_peer.py) that verifies and decrypts."""

import json
import time
from datetime import UTC, datetime

import pytest
from cryptography.hazmat.primitives.asymmetric import ec
from sqlalchemy import select

from webapp.extensions import db
from webapp.models import PushSubscription, Role
from webapp.services import push

import factories
from conftest import page_text
from push_peer import PushPeer

FCM = "https://fcm.googleapis.com/fcm/send/dGVzdA:APA91bF"


@pytest.fixture(scope="module")
def peer():
    with PushPeer() as running:
        yield running


@pytest.fixture
def pushing(app, peer, tmp_path):
    """The app allowed to push to the local peer (and only there), with its own VAPID key."""
    peer.reset()
    app.config.update(
        PUSH_TEST_ORIGINS=[peer.origin],
        VAPID_KEY_FILE=str(tmp_path / "vapid.pem"),
        VAPID_SUBJECT="mailto:push-test@stegvis.invalid",
        PUSH_TIMEOUT=1.0,
    )
    return peer


def keys(sub: dict) -> dict:
    return {"p256dh": sub["keys"]["p256dh"], "auth": sub["keys"]["auth"]}


def some_keys() -> dict:
    private = ec.generate_private_key(ec.SECP256R1())
    point = private.public_key().public_numbers()
    raw = b"\x04" + point.x.to_bytes(32, "big") + point.y.to_bytes(32, "big")
    return {"p256dh": push.b64u(raw), "auth": push.b64u(b"0123456789abcdef")}


def stored(user, sub: dict) -> PushSubscription:
    row = PushSubscription(
        user_id=user.id, endpoint=sub["endpoint"], label="Chrome · Android", **keys(sub)
    )
    db.session.add(row)
    db.session.commit()
    return row


def logged_in(make_client, username):
    client = make_client()
    client.login(username)
    return client


# --- which endpoints are accepted --------------------------------------------------------------

ACCEPTED = [
    FCM,
    "https://updates.push.services.mozilla.com/wpush/v2/gAAAAABh",
    "https://web.push.apple.com/QGuQyavXutnMH4",
    "https://wns2-par02p.notify.windows.com/w/?token=BQYAAAD",
]
REFUSED = {
    "http": "http://fcm.googleapis.com/fcm/send/x",
    "another port": "https://fcm.googleapis.com:8443/fcm/send/x",
    "port 80 over https": "https://fcm.googleapis.com:80/fcm/send/x",
    "IPv4 literal": "https://142.250.74.106/fcm/send/x",
    "loopback": "https://127.0.0.1/push/x",
    "IPv6 literal": "https://[::1]/push/x",
    "link-local (cloud metadata)": "https://169.254.169.254/latest/meta-data",
    "private address": "https://10.0.0.5/push/x",
    "decimal IP": "https://2130706433/push/x",
    "userinfo": "https://user:secret@fcm.googleapis.com/fcm/send/x",
    "userinfo hiding the host": "https://fcm.googleapis.com@evil.example/x",
    "unknown host": "https://push.evil.example/x",
    "lookalike suffix": "https://fcm.googleapis.com.evil.example/x",
    "lookalike prefix": "https://evilfcm.googleapis.com/x",
    "trailing dot": "https://fcm.googleapis.com./fcm/send/x",
    "not a URL": "fcm.googleapis.com/fcm/send/x",
    "javascript": "javascript:alert(1)",
    "spaces": "https://fcm.googleapis.com/fcm/send/x y",
    "header injection": "https://fcm.googleapis.com/fcm/send/x\r\nX-Evil: 1",
    "non-ASCII": "https://fcm.googleapis.com/fcm/send/ø",
}


@pytest.mark.parametrize("endpoint", ACCEPTED)
def test_endpoints_at_known_push_services_are_accepted(app, endpoint):
    assert push.check_endpoint(endpoint) == endpoint


@pytest.mark.parametrize("endpoint", REFUSED.values(), ids=REFUSED.keys())
def test_other_endpoints_are_refused(app, endpoint):
    with pytest.raises(push.EndpointRefused):
        push.check_endpoint(endpoint)


def test_the_local_peer_is_allowed_only_when_the_test_configuration_names_it(app, peer):
    endpoint = peer.subscription()["endpoint"]
    with pytest.raises(push.EndpointRefused):
        push.check_endpoint(endpoint)
    app.config["PUSH_TEST_ORIGINS"] = [peer.origin]
    assert push.check_endpoint(endpoint) == endpoint
    with pytest.raises(push.EndpointRefused):  # not another port on the same host
        push.check_endpoint(endpoint.replace(str(peer.port), str(peer.port + 1)))


@pytest.mark.parametrize(
    "endpoint",
    [*REFUSED.values(), "http://127.0.0.1:{port}/push/x", "https://127.0.0.1:{port}/push/x"],
)
def test_a_refused_subscription_gets_400_and_nothing_is_contacted(app, peer, make_client, endpoint):
    peer.reset()
    factories.user(username="kari")
    factories.commit()
    client = logged_in(make_client, "kari")
    response = client.send_json(
        "POST",
        "/api/v1/push/subscriptions",
        {"endpoint": endpoint.format(port=peer.port), "keys": some_keys()},
    )
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "endpoint_refused"
    assert db.session.scalar(select(PushSubscription.id)) is None
    assert peer.attempts == 0


# --- the API ------------------------------------------------------------------------------------


def test_the_server_key_is_a_p256_point_the_browser_can_subscribe_with(pushing, make_client):
    factories.user(username="kari")
    factories.commit()
    client = logged_in(make_client, "kari")
    key = client.get("/api/v1/push/key").get_json()["public_key"]
    assert len(push.b64u_decode(key)) == 65 and push.b64u_decode(key)[0] == 4
    assert key == push.public_key()
    assert make_client().get("/api/v1/push/key").status_code == 401


def test_the_key_comes_from_the_environment_when_given(app, tmp_path):
    private = ec.generate_private_key(ec.SECP256R1())
    raw = push.b64u(private.private_numbers().private_value.to_bytes(32, "big"))
    app.config.update(VAPID_PRIVATE_KEY=raw, VAPID_KEY_FILE=str(tmp_path / "unused.pem"))
    assert push.public_key() == push.public_key_of(private)
    assert not (tmp_path / "unused.pem").exists()


def test_the_key_file_is_made_once_and_kept(app, tmp_path):
    app.config["VAPID_KEY_FILE"] = str(tmp_path / "vapid.pem")
    first = push.public_key()
    assert (tmp_path / "vapid.pem").stat().st_mode & 0o077 == 0
    push._keys.clear()
    assert push.public_key() == first


def test_a_device_subscribes_refreshes_and_unsubscribes(pushing, make_client):
    kari = factories.user(username="kari")
    factories.commit()
    client = logged_in(make_client, "kari")
    sub = pushing.subscription()
    ua = {"User-Agent": "Mozilla/5.0 (Linux; Android 14) Chrome/131.0 Mobile Safari/537.36"}
    first = client.send_json("POST", "/api/v1/push/subscriptions", sub, headers=ua)
    assert first.status_code == 201
    assert first.get_json()["label"] == "Chrome · Android"
    again = client.send_json("POST", "/api/v1/push/subscriptions", sub, headers=ua)
    assert again.status_code == 200
    listed = client.get("/api/v1/push/subscriptions?endpoint=" + sub["endpoint"]).get_json()
    assert [(d["label"], d["this_device"], d["enabled"]) for d in listed] == [
        ("Chrome · Android", True, True)
    ]
    row = db.session.scalar(select(PushSubscription))
    assert (row.user_id, row.p256dh, row.auth) == (kari.id, *keys(sub).values())

    gone = client.send_json("DELETE", "/api/v1/push/subscriptions", {"endpoint": sub["endpoint"]})
    assert gone.status_code == 204
    assert db.session.scalar(select(PushSubscription.id)) is None
    assert pushing.attempts == 0  # subscribing contacts nobody


def test_bad_keys_are_refused(pushing, make_client):
    factories.user(username="kari")
    factories.commit()
    client = logged_in(make_client, "kari")
    sub = pushing.subscription()
    sub["keys"]["p256dh"] = push.b64u(b"\x04" + b"\x01" * 64)  # not on the curve
    assert client.send_json("POST", "/api/v1/push/subscriptions", sub).status_code == 400
    missing = client.send_json("POST", "/api/v1/push/subscriptions", {"endpoint": FCM})
    assert missing.status_code == 400
    assert "keys" in missing.get_json()["error"]["fields"]


def test_nobody_removes_another_persons_subscription(pushing, make_client):
    kari = factories.user(username="kari")
    factories.user(username="ola")
    factories.commit()
    sub = pushing.subscription()
    stored(kari, sub)
    ola = logged_in(make_client, "ola")
    response = ola.send_json("DELETE", "/api/v1/push/subscriptions", {"endpoint": sub["endpoint"]})
    assert response.status_code == 404
    assert db.session.scalar(select(PushSubscription.user_id)) == kari.id
    assert ola.get("/api/v1/push/subscriptions").get_json() == []


def test_subscribing_needs_the_csrf_token(pushing, make_client):
    factories.user(username="kari")
    factories.commit()
    client = logged_in(make_client, "kari")
    response = client.post("/api/v1/push/subscriptions", json=pushing.subscription())
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "csrf"


# --- the devices list ---------------------------------------------------------------------------


def test_the_me_page_lists_devices_that_get_notifications_and_turns_one_off(pushing, make_client):
    kari = factories.user(username="kari")
    factories.commit()
    row = stored(kari, pushing.subscription())
    client = logged_in(make_client, "kari")
    text = page_text(client.get("/me"))
    assert "Devices that get notifications" in text and "Chrome · Android" in text

    response = client.post_form(f"/push/devices/{row.id}/off")
    assert response.status_code == 302 and response.location.endswith("/me")
    db.session.refresh(row)
    assert row.enabled is False
    assert "Turned off" in page_text(client.get("/me"))
    # The page's daily refresh does not switch it back on.
    client.send_json(
        "POST",
        "/api/v1/push/subscriptions",
        {"endpoint": row.endpoint, "keys": keys(pushing.subscription())},
    )
    db.session.refresh(row)
    assert row.enabled is False

    client.post_form(f"/push/devices/{row.id}/on", {"next": "/nudges/settings"})
    db.session.refresh(row)
    assert row.enabled is True
    client.post_form(f"/push/devices/{row.id}/remove")
    assert db.session.scalar(select(PushSubscription.id)) is None


def test_another_persons_device_is_not_found(pushing, make_client):
    kari = factories.user(username="kari")
    factories.user(username="ola")
    factories.commit()
    row = stored(kari, pushing.subscription())
    ola = logged_in(make_client, "ola")
    for action in ("off", "on", "remove"):
        assert ola.post_form(f"/push/devices/{row.id}/{action}").status_code == 404
    db.session.refresh(row)
    assert row.enabled is True


# --- sending ------------------------------------------------------------------------------------


def test_a_push_arrives_encrypted_with_a_valid_vapid_token_ttl_urgency_and_hashed_topic(
    pushing,
):
    kari = factories.user(username="kari")
    factories.commit()
    row = stored(kari, pushing.subscription())
    before = time.time()
    [result] = push.send(
        [
            push.Outgoing(
                user_id=kari.id,
                title="Stegvis",
                body="You have a new reply",
                url="/inbox",
                topic="inbox:share:12",
                ttl=6 * 3600,
                urgency="low",
                delivery_id=41,
            )
        ]
    )
    db.session.commit()
    assert (result.status, result.delivery_id, result.devices) == ("sent", 41, 1)
    [message] = pushing.wait_for(1)
    assert message.json == {
        "title": "Stegvis",
        "body": "You have a new reply",
        "url": "/inbox",
        "delivery": 41,
        "tag": push.topic_header("inbox:share:12"),
    }
    assert (message.ttl, message.urgency) == (6 * 3600, "low")
    assert len(message.topic) <= 32 and "share" not in message.topic
    assert message.claims["aud"] == pushing.origin
    assert message.claims["sub"] == "mailto:push-test@stegvis.invalid"
    assert before + 11 * 3600 < message.claims["exp"] <= time.time() + 12 * 3600
    assert message.vapid_key == push.public_key()
    db.session.refresh(row)
    assert row.last_success_at is not None and row.failure_count == 0


def test_the_vapid_token_is_reused_until_near_expiry_then_renewed(app, tmp_path):
    app.config["VAPID_KEY_FILE"] = str(tmp_path / "vapid.pem")
    vapid = push._Vapid(push.vapid_key(), "mailto:a@stegvis.invalid")
    now = 1_800_000_000
    first = vapid.header("https://fcm.googleapis.com", now)
    assert vapid.header("https://fcm.googleapis.com", now + 10 * 3600) == first
    assert vapid.header("https://web.push.apple.com", now) != first  # one per push service
    assert vapid.header("https://fcm.googleapis.com", now + 11.5 * 3600) != first


def test_every_device_of_the_person_gets_it_but_not_a_device_turned_off(pushing):
    kari = factories.user(username="kari")
    ola = factories.user(username="ola")
    factories.commit()
    phone, laptop = stored(kari, pushing.subscription()), stored(kari, pushing.subscription())
    off = stored(kari, pushing.subscription())
    off.enabled = False
    db.session.commit()
    results = push.send(
        [push.Outgoing(user_id=kari.id, title="Hi"), push.Outgoing(user_id=ola.id, title="Hi")]
    )
    assert [(r.status, r.devices) for r in results] == [("sent", 2), ("no_device", 0)]
    assert {m.endpoint for m in pushing.wait_for(2)} == {phone.endpoint, laptop.endpoint}
    assert pushing.received_by(off.endpoint) == []


def test_gone_subscriptions_are_removed(pushing):
    kari = factories.user(username="kari")
    factories.commit()
    a, b = stored(kari, pushing.subscription()), stored(kari, pushing.subscription())
    pushing.answer(404, endpoint=a.endpoint)
    pushing.answer(410, endpoint=b.endpoint)
    [result] = push.send([push.Outgoing(user_id=kari.id, title="Hi", delivery_id=1)])
    db.session.commit()
    assert result.status == "gone"
    assert db.session.scalars(select(PushSubscription)).all() == []


@pytest.mark.parametrize(
    ("answer", "retry_after"), [((429, 120), 120), ((503, 30), 30), ((500, None), None)]
)
def test_busy_push_services_mean_retry_with_their_retry_after(pushing, answer, retry_after):
    kari = factories.user(username="kari")
    factories.commit()
    row = stored(kari, pushing.subscription())
    pushing.answer(answer[0], retry_after=answer[1])
    [result] = push.send([push.Outgoing(user_id=kari.id, title="Hi")])
    db.session.commit()
    assert (result.status, result.retry_after) == ("retry", retry_after)
    db.session.refresh(row)
    assert row.failure_count == 1 and row.last_failure == f"HTTP {answer[0]}"


def test_retry_after_as_a_date_is_understood():
    in_a_minute = datetime.fromtimestamp(time.time() + 60, UTC)
    assert 55 <= push.parse_retry_after(in_a_minute.strftime("%a, %d %b %Y %H:%M:%S GMT")) <= 60
    assert push.parse_retry_after("soon") is None


def test_a_hanging_push_service_is_given_up_after_the_timeout(pushing):
    kari = factories.user(username="kari")
    factories.commit()
    stored(kari, pushing.subscription())
    pushing.hang()
    started = time.monotonic()
    [result] = push.send([push.Outgoing(user_id=kari.id, title="Hi")])
    assert time.monotonic() - started < 3
    assert (result.status, result.reason) == ("retry", "timeout")


def test_other_client_errors_fail_and_are_recorded(pushing):
    kari = factories.user(username="kari")
    factories.commit()
    row = stored(kari, pushing.subscription())
    pushing.answer(400)
    [result] = push.send([push.Outgoing(user_id=kari.id, title="Hi")])
    db.session.commit()
    assert (result.status, result.reason) == ("failed", "HTTP 400")
    db.session.refresh(row)
    assert row.failure_count == 1 and row.last_failure_at is not None and row.enabled


def test_redirects_are_never_followed(pushing):
    kari = factories.user(username="kari")
    factories.commit()
    stored(kari, pushing.subscription())
    elsewhere = pushing.subscription()["endpoint"]
    pushing.answer(307, location=elsewhere, times=1)
    [result] = push.send([push.Outgoing(user_id=kari.id, title="Hi")])
    assert (result.status, result.reason) == ("failed", "HTTP 307")
    assert pushing.attempts == 1 and pushing.received_by(elsewhere) == []


def test_at_send_time_a_name_resolving_to_a_private_address_is_refused(pushing):
    """An allowlisted name that points inward (DNS rebinding, a bad allowlist) is not contacted:
    the resolver refuses loopback, private and link-local addresses."""
    kari = factories.user(username="kari")
    factories.commit()
    from flask import current_app

    current_app.config["PUSH_SERVICE_HOSTS"] = ["localhost"]
    row = stored(kari, {"endpoint": "https://localhost/push/inward", "keys": some_keys()})
    [result] = push.send([push.Outgoing(user_id=kari.id, title="Hi")])
    assert result.status == "failed" and "private address" in result.reason
    assert row.endpoint == "https://localhost/push/inward"


def test_an_endpoint_no_longer_allowed_is_not_contacted(pushing):
    kari = factories.user(username="kari")
    factories.commit()
    stored(kari, pushing.subscription())
    from flask import current_app

    current_app.config["PUSH_TEST_ORIGINS"] = []
    [result] = push.send([push.Outgoing(user_id=kari.id, title="Hi")])
    assert result.status == "failed" and pushing.attempts == 0


def test_a_payload_over_3993_bytes_is_not_sent(pushing):
    kari = factories.user(username="kari")
    factories.commit()
    stored(kari, pushing.subscription())
    [result] = push.send([push.Outgoing(user_id=kari.id, title="Hi", body="x" * 4000)])
    assert result.status == "failed" and "3993" in result.reason
    assert pushing.attempts == 0


def test_the_payload_carries_generic_words_and_a_link_only(pushing):
    """Privacy: what a push carries is a title, a short generic text, a link inside the app, the
    delivery id and a hashed topic — no field for journal text, moods or replies."""
    kari = factories.user(username="kari")
    entry = factories.entry(kari, "Hemmelig dagbok-tekst 4471", mood=1)
    factories.commit()
    stored(kari, pushing.subscription())
    push.send(
        [
            push.Outgoing(
                user_id=kari.id,
                title="Stegvis",
                body="Time to write in your journal",
                url=f"/journal/entries/{entry.id}",
                topic=f"entry:{entry.id}",
                delivery_id=3,
            )
        ]
    )
    [message] = pushing.wait_for(1)
    assert set(message.json) == {"title", "body", "url", "delivery", "tag"}
    assert "4471" not in message.body.decode() and "mood" not in message.body.decode()
    assert message.topic == push.topic_header(f"entry:{entry.id}")


def test_many_devices_get_exactly_one_each_over_reused_connections(pushing):
    people = [factories.user(username=f"p{i}") for i in range(20)]
    factories.commit()
    rows = [stored(p, pushing.subscription()) for p in people for _ in range(10)]
    results = push.send([push.Outgoing(user_id=p.id, title="Hi", delivery_id=p.id) for p in people])
    assert [(r.status, r.devices) for r in results] == [("sent", 10)] * 20
    messages = pushing.wait_for(200)
    assert sorted(m.endpoint for m in messages) == sorted(r.endpoint for r in rows)
    assert pushing.rejected == []


def test_a_role_with_an_inbox_can_subscribe_too(pushing, make_client):
    factories.user(Role.COUNSELLOR, username="vera")
    factories.commit()
    client = logged_in(make_client, "vera")
    sub = pushing.subscription()
    assert client.send_json("POST", "/api/v1/push/subscriptions", sub).status_code == 201


def test_the_service_worker_handles_push_and_clicks(client):
    body = client.get("/sw.js").get_data(as_text=True)
    for piece in (
        'addEventListener("push"',
        'addEventListener("notificationclick"',
        "function clickPlan",
        "/api/v1/nudges/snooze",
        "badge-96.png",
    ):
        assert piece in body
    assert json.dumps("js/push.js")[1:-1] in client.get("/sw.js").get_data(as_text=True)
