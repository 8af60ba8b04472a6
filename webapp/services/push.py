"""Web Push transport: VAPID keys, endpoint checks (no SSRF), and the sender.

The interface the worker uses is small:

    results = push.send([push.Outgoing(user_id=7, title=…, body=…, url="/inbox",
                                       topic="inbox:share:12", ttl=4 * 3600, delivery_id=d.id)])

One `Result` per `Outgoing`, in the same order: `sent` (at least one device took it),
`no_device` (nobody to push to: the inbox has it), `gone` (every device the push service called
gone; their subscriptions were deleted), `retry` (429/5xx/timeout; `retry_after` seconds when the
service said so) or `failed` (`reason` says why). A device that already took a message is not
sent it again by a retry of the same Outgoing only if the caller passes `subscriptions=` — with
`user_id=` a retry goes to all of the person's devices (a duplicate on one phone is better than a
lost nudge; the hashed `Topic` makes the push service replace an undelivered copy).

`send` updates subscription health (last success/failure, failures in a row), deletes gone
subscriptions and flushes; the caller commits.

Payloads are titles and generic text only: never journal text, moods, replies or names of what
was written. `payload()` builds the JSON the service worker reads.

Transport: RFC 8291 `aes128gcm` (http_ece + cryptography), an RFC 8292 VAPID JWT per push
service origin (`aud` = origin, `exp` 12 h, reused until an hour before it runs out), and a
small keep-alive HTTP/1.1 client (push_http.py) on a background event loop, one per process:
connections are kept and reused across batches, every request has a timeout, redirects are never
followed, and the client connects only to the public address it resolved and checked (so DNS
cannot be used to point us inward).
"""

from __future__ import annotations

import asyncio
import atexit
import base64
import contextlib
import hashlib
import hmac
import ipaddress
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path
from urllib.parse import urlsplit

import http_ece
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from flask import current_app

from webapp.extensions import db
from webapp.models.push import PushSubscription
from webapp.services.push_http import Client, PrivateAddressRefused

MAX_PAYLOAD = 3993  # RFC 8291: 4096 minus header (86), tag (16) and the padding delimiter (1)
URGENCIES = ("very-low", "low", "normal", "high")
VAPID_LIFETIME = 12 * 3600
VAPID_RENEW_BEFORE = 3600


# -- keys -----------------------------------------------------------------------------------


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def create_key_file(path: Path) -> None:
    """A new P-256 VAPID key as PEM, readable by the owner only (idempotent)."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Written whole to a private temporary file, then linked into place: processes starting at
    # once (gunicorn workers, the worker) never see half a key, and the first one wins.
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def _load_private_key(text: str) -> ec.EllipticCurvePrivateKey:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_private_key(text.encode(), password=None)
    else:  # base64url of the raw 32-byte scalar, as web-push tools print it
        key = ec.derive_private_key(int.from_bytes(b64u_decode(text), "big"), ec.SECP256R1())
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise RuntimeError("the VAPID key must be a P-256 (prime256v1) key")
    return key


_keys: dict[str, ec.EllipticCurvePrivateKey] = {}


def vapid_key() -> ec.EllipticCurvePrivateKey:
    """VAPID_PRIVATE_KEY from the environment, else the file (made on first use)."""
    config = current_app.config
    text = config.get("VAPID_PRIVATE_KEY") or ""
    cache_key = text or str(config["VAPID_KEY_FILE"])
    if cache_key not in _keys:
        if not text:
            path = Path(config["VAPID_KEY_FILE"])
            create_key_file(path)
            text = path.read_text()
        key = _load_private_key(text)
        public = config.get("VAPID_PUBLIC_KEY")
        if public and public != public_key_of(key):
            raise RuntimeError("VAPID_PUBLIC_KEY does not belong to VAPID_PRIVATE_KEY")
        _keys[cache_key] = key
    return _keys[cache_key]


def public_key_of(key: ec.EllipticCurvePrivateKey) -> str:
    return b64u(
        key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def public_key() -> str:
    """The application server key the browser subscribes with (base64url, 65 bytes)."""
    return public_key_of(vapid_key())


# -- endpoint checks ------------------------------------------------------------------------


class EndpointRefused(ValueError):
    pass


def _test_origins(config) -> set[str]:
    return {o.rstrip("/") for o in config.get("PUSH_TEST_ORIGINS") or ()}


def origin_of(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


def check_endpoint(endpoint: str, config=None) -> str:
    """The endpoint if it is an https URL on port 443 at a known push service; else raises
    EndpointRefused. Nothing is contacted here."""
    config = config if config is not None else current_app.config
    if not isinstance(endpoint, str) or not endpoint or len(endpoint) > 1000:
        raise EndpointRefused("endpoint missing or too long")
    if not endpoint.isascii() or any(c.isspace() or ord(c) < 32 or c == "\\" for c in endpoint):
        raise EndpointRefused("endpoint has spaces, control or non-ASCII characters")
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError as e:
        raise EndpointRefused("endpoint is not a URL") from e
    if origin_of(endpoint) in _test_origins(config) and parts.username is None:
        return endpoint  # the local test peer, allowed by the test configuration only
    if parts.scheme != "https":
        raise EndpointRefused("endpoint must use https")
    if "@" in parts.netloc:
        raise EndpointRefused("endpoint must not carry a user name or password")
    if port not in (None, 443):
        raise EndpointRefused("endpoint must use port 443")
    host = (parts.hostname or "").lower()
    if not host or host.endswith("."):
        raise EndpointRefused("endpoint has no proper host name")
    try:
        ipaddress.ip_address(host)
    except ValueError:
        pass
    else:
        raise EndpointRefused("endpoint must name a push service, not an IP address")
    if parts.fragment:
        raise EndpointRefused("endpoint must not have a fragment")
    allowed = [h.lower().lstrip(".") for h in config["PUSH_SERVICE_HOSTS"]]
    if not any(host == h or host.endswith("." + h) for h in allowed):
        raise EndpointRefused("endpoint is not at a known push service")
    return endpoint


def _refused(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 5:
        if isinstance(exc, PrivateAddressRefused):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


# -- VAPID ----------------------------------------------------------------------------------


class _Vapid:
    """`Authorization` headers per push service origin, each reused until near its expiry."""

    def __init__(self, key: ec.EllipticCurvePrivateKey, subject: str):
        self.key, self.subject = key, subject
        self.public = public_key_of(key)
        self._cache: dict[str, tuple[str, float]] = {}

    def header(self, origin: str, now: float | None = None) -> str:
        now = time.time() if now is None else now
        cached = self._cache.get(origin)
        if cached and cached[1] - VAPID_RENEW_BEFORE > now:
            return cached[0]
        exp = int(now) + VAPID_LIFETIME
        claims = {"aud": origin, "exp": exp, "sub": self.subject}  # a fresh dict every time
        head = b64u(json.dumps({"typ": "JWT", "alg": "ES256"}, separators=(",", ":")).encode())
        body = b64u(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{head}.{body}".encode()
        r, s = decode_dss_signature(self.key.sign(signing_input, ec.ECDSA(hashes.SHA256())))
        token = f"{head}.{body}.{b64u(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
        value = f"vapid t={token}, k={self.public}"
        self._cache[origin] = (value, exp)
        return value

    def forget(self, origin: str) -> None:
        self._cache.pop(origin, None)


# -- messages and results -------------------------------------------------------------------


@dataclass
class Outgoing:
    """One nudge for one person (all their enabled devices) or for the given subscriptions."""

    title: str
    body: str = ""
    url: str = "/"
    user_id: int | None = None
    subscriptions: list[PushSubscription] | None = None
    topic: str | None = None  # e.g. "inbox:share:12"; hashed, so it says nothing
    ttl: int = 4 * 3600  # seconds the push service keeps it for an offline phone
    urgency: str = "normal"
    delivery_id: int | None = None  # opaque; comes back in the Result and in the payload


@dataclass
class Result:
    status: str  # sent | no_device | gone | retry | failed
    delivery_id: int | None = None
    retry_after: int | None = None  # seconds, when the push service said (429/503)
    reason: str = ""
    devices: int = 0  # devices that took it


@dataclass
class Attempt:
    """One HTTP request to one push endpoint: what the transport knows, no database."""

    endpoint: str
    p256dh: str
    auth: str
    data: bytes
    ttl: int
    urgency: str
    topic: str | None
    status: str = ""  # sent | gone | retry | failed
    code: int = 0
    retry_after: int | None = None
    reason: str = ""
    extra: dict = field(default_factory=dict)


def topic_header(topic: str, key: bytes | None = None) -> str:
    """RFC 8030 §5.4 allows 32 base64url characters. Keyed with the app's secret: our topics are
    short ("inactive-7"), so a plain hash could be reversed by trying ids, telling a push service
    who is who; an HMAC says nothing about the content or the person."""
    if key is None:
        key = current_app.config["SECRET_KEY"].encode()
    return b64u(hmac.new(key, topic.encode(), hashlib.sha256).digest()[:24])


def payload(message: Outgoing) -> bytes:
    """What the service worker reads. Generic words only; see the module docstring."""
    data = {"title": message.title, "body": message.body, "url": message.url}
    if message.delivery_id is not None:
        data["delivery"] = message.delivery_id
    if message.topic:
        data["tag"] = topic_header(message.topic)
    raw = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    if len(raw) > MAX_PAYLOAD:
        raise ValueError(f"push payload is {len(raw)} bytes; at most {MAX_PAYLOAD}")
    return raw


def encrypt(data: bytes, p256dh: str, auth: str) -> bytes:
    """RFC 8291 aes128gcm with a fresh ephemeral key and salt."""
    return http_ece.encrypt(
        data,
        salt=os.urandom(16),
        private_key=ec.generate_private_key(ec.SECP256R1()),
        dh=b64u_decode(p256dh),
        auth_secret=b64u_decode(auth),
        version="aes128gcm",
    )


def parse_retry_after(value: str | None) -> int | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return int(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0, int((when - datetime.now(UTC)).total_seconds()))


# -- the transport --------------------------------------------------------------------------


class Transport:
    """One per process: an event loop in a daemon thread holding one HTTP client, so connections
    stay open between batches. `deliver` is synchronous for the worker."""

    def __init__(self, vapid: _Vapid, timeout: float, concurrency: int, test_origins: set[str]):
        self.vapid = vapid
        self.timeout = timeout
        self.concurrency = concurrency
        self.test_origins = test_origins
        self.pid = os.getpid()
        self._client = Client({urlsplit(o).hostname for o in test_origins})
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="push", daemon=True)
        self._thread.start()

    def deliver(self, attempts: list[Attempt]) -> list[Attempt]:
        if attempts:
            future = asyncio.run_coroutine_threadsafe(self._deliver_all(attempts), self._loop)
            future.result()
        return attempts

    async def _deliver_all(self, attempts: list[Attempt]) -> None:
        queue = iter(attempts)

        async def lane():
            for attempt in queue:
                await self._one(attempt)

        await asyncio.gather(*(lane() for _ in range(min(self.concurrency, len(attempts)))))

    async def _one(self, a: Attempt) -> None:
        origin = origin_of(a.endpoint)
        headers = {
            "Authorization": self.vapid.header(origin),
            "TTL": str(a.ttl),
            "Urgency": a.urgency,
            "Content-Encoding": "aes128gcm",
            "Content-Type": "application/octet-stream",
        }
        if a.topic:
            headers["Topic"] = a.topic
        try:
            body = encrypt(a.data, a.p256dh, a.auth)
        except Exception as e:  # a broken key in the subscription
            a.status, a.reason = "failed", f"cannot encrypt: {type(e).__name__}"
            return
        try:
            async with asyncio.timeout(self.timeout):
                response = await self._client.post(a.endpoint, headers, body)
        except TimeoutError:
            a.status, a.reason = "retry", "timeout"
            return
        except (OSError, ValueError, asyncio.IncompleteReadError, asyncio.LimitOverrunError) as e:
            if _refused(e):
                a.status, a.reason = "failed", "the push service resolves to a private address"
            else:
                a.status, a.reason = "retry", f"network: {type(e).__name__}"
            return
        a.code = response.status
        if a.code in (200, 201, 202):
            a.status = "sent"
        elif a.code in (404, 410):
            a.status, a.reason = "gone", f"HTTP {a.code}"
        elif a.code == 429 or a.code >= 500:
            a.status, a.reason = "retry", f"HTTP {a.code}"
            a.retry_after = parse_retry_after(response.headers.get("retry-after"))
        else:
            a.status, a.reason = "failed", f"HTTP {a.code}"
            if a.code in (401, 403):
                self.vapid.forget(origin)

    def close(self) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self._client.aclose(), self._loop).result(10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


_transports: dict[tuple, Transport] = {}
_transports_lock = threading.Lock()


@atexit.register
def close_transports() -> None:
    with _transports_lock:
        for found in _transports.values():
            if found.pid == os.getpid():
                with contextlib.suppress(Exception):  # best effort at exit
                    found.close()
        _transports.clear()


def transport() -> Transport:
    """This process's transport for this app's settings (a new one after fork)."""
    config = current_app.config
    key = vapid_key()
    signature = (
        os.getpid(),
        public_key_of(key),
        config["VAPID_SUBJECT"],
        float(config["PUSH_TIMEOUT"]),
        int(config["PUSH_CONCURRENCY"]),
        frozenset(_test_origins(config)),
    )
    with _transports_lock:
        found = _transports.get(signature)
        if found is None:
            found = Transport(
                _Vapid(key, config["VAPID_SUBJECT"]),
                timeout=float(config["PUSH_TIMEOUT"]),
                concurrency=int(config["PUSH_CONCURRENCY"]),
                test_origins=_test_origins(config),
            )
            _transports[signature] = found
            # Tests make many apps with their own keys; keep a few transports, not one each.
            mine = [k for k, t in _transports.items() if t.pid == os.getpid()]
            for stale in mine[:-4]:
                _transports.pop(stale).close()
    return found


# -- send: the worker's entry point ---------------------------------------------------------


def send(messages: list[Outgoing]) -> list[Result]:
    """Push each message to its person's enabled devices (or the given subscriptions) at once,
    concurrently; record health; delete gone subscriptions; flush. One Result per message."""
    wanted_users = {m.user_id for m in messages if m.subscriptions is None and m.user_id}
    by_user: dict[int, list[PushSubscription]] = {}
    if wanted_users:
        rows = db.session.scalars(
            db.select(PushSubscription).where(
                PushSubscription.user_id.in_(wanted_users), PushSubscription.enabled.is_(True)
            )
        )
        for row in rows:
            by_user.setdefault(row.user_id, []).append(row)

    attempts: list[Attempt] = []
    owners: list[tuple[int, PushSubscription]] = []  # (message index, subscription)
    results: list[Result] = []
    for i, message in enumerate(messages):
        subs = message.subscriptions
        if subs is None:
            subs = by_user.get(message.user_id, [])
        results.append(Result(status="no_device", delivery_id=message.delivery_id))
        if not subs:
            continue
        try:
            data = payload(message)
        except ValueError as e:
            results[i] = Result("failed", message.delivery_id, reason=str(e))
            continue
        urgency = message.urgency if message.urgency in URGENCIES else "normal"
        topic = topic_header(message.topic) if message.topic else None
        for sub in subs:
            attempts.append(
                Attempt(
                    sub.endpoint, sub.p256dh, sub.auth, data, max(0, message.ttl), urgency, topic
                )
            )
            owners.append((i, sub))

    # Endpoints are re-checked at send time: the allowlist may have changed since they came in.
    config = current_app.config
    for attempt in attempts:
        try:
            check_endpoint(attempt.endpoint, config)
        except EndpointRefused as e:
            attempt.status, attempt.reason = "failed", str(e)
    transport().deliver([a for a in attempts if not a.status])

    _record(attempts, owners)
    per_message: dict[int, list[Attempt]] = {}
    for attempt, (i, _sub) in zip(attempts, owners, strict=True):
        per_message.setdefault(i, []).append(attempt)
    for i, tried in per_message.items():
        results[i] = _combine(messages[i].delivery_id, tried)
    db.session.flush()
    return results


def _combine(delivery_id, tried: list[Attempt]) -> Result:
    statuses = [a.status for a in tried]
    sent = statuses.count("sent")
    if sent:
        return Result("sent", delivery_id, devices=sent)
    retries = [a for a in tried if a.status == "retry"]
    if retries:
        waits = [a.retry_after for a in retries if a.retry_after is not None]
        return Result("retry", delivery_id, max(waits) if waits else None, retries[0].reason)
    if all(s == "gone" for s in statuses):
        return Result("gone", delivery_id, reason="every device is gone")
    failed = [a for a in tried if a.status == "failed"]
    return Result("failed", delivery_id, reason=(failed[0].reason if failed else "")[:200])


def _record(attempts: list[Attempt], owners: list[tuple[int, PushSubscription]]) -> None:
    """Health in bulk: one UPDATE for all successes, one DELETE for all gone."""
    now = datetime.now(UTC)
    ok_ids, gone_ids = set(), set()
    for attempt, (_i, sub) in zip(attempts, owners, strict=True):
        if attempt.status == "sent":
            ok_ids.add(sub.id)
        elif attempt.status == "gone":
            gone_ids.add(sub.id)
        elif sub.id is not None:
            sub.last_failure_at = now
            sub.last_failure = attempt.reason[:200]
            sub.failure_count = (sub.failure_count or 0) + 1
    ok_ids.discard(None)
    gone_ids.discard(None)
    table = PushSubscription.__table__
    ok = sorted(ok_ids)
    for start in range(0, len(ok), 500):
        db.session.execute(
            table.update()
            .where(table.c.id.in_(ok[start : start + 500]))
            .values(last_success_at=now, failure_count=0)
        )
    gone = [sub for _a, (_i, sub) in zip(attempts, owners, strict=True) if sub.id in gone_ids]
    for sub in {id(s): s for s in gone}.values():
        if sub in db.session:
            db.session.delete(sub)
        else:
            db.session.execute(table.delete().where(table.c.id == sub.id))
    for _attempt, (_i, sub) in zip(attempts, owners, strict=True):
        if sub.id in ok_ids and sub in db.session:
            db.session.expire(sub, ["last_success_at", "failure_count"])


# -- subscriptions --------------------------------------------------------------------------


def subscribe(user, endpoint: str, p256dh: str, auth: str, label: str) -> PushSubscription:
    """Store (or move to this person, or refresh) the subscription for a device. Flushes."""
    check_endpoint(endpoint)
    try:
        point = b64u_decode(p256dh)
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
        secret = b64u_decode(auth)
    except (ValueError, TypeError) as e:
        raise EndpointRefused("the subscription keys are not valid") from e
    if len(point) != 65 or len(secret) != 16:
        raise EndpointRefused("the subscription keys are not valid")
    sub = db.session.scalar(db.select(PushSubscription).filter_by(endpoint=endpoint))
    if sub is None or sub.user_id != user.id:
        if sub is None:
            sub = PushSubscription(endpoint=endpoint)
            db.session.add(sub)
        # A shared phone: the endpoint belongs to whoever subscribed last, switched on afresh.
        sub.user_id = user.id
        sub.enabled = True
        sub.failure_count = 0
    # The same person again (the page refreshes it daily): new keys, but a device they turned
    # off stays off.
    sub.p256dh, sub.auth = p256dh, auth
    sub.label = label[:80]
    sub.login_id = getattr(user, "current_login_id", None)
    db.session.flush()
    return sub


def subscription_exists(endpoint: str) -> bool:
    return (
        db.session.scalar(db.select(PushSubscription.id).filter_by(endpoint=endpoint)) is not None
    )


def unsubscribe(user, endpoint: str) -> bool:
    sub = db.session.scalar(
        db.select(PushSubscription).filter_by(endpoint=endpoint, user_id=user.id)
    )
    if sub is None:
        return False
    db.session.delete(sub)
    db.session.flush()
    return True


def devices(user) -> list[PushSubscription]:
    return list(
        db.session.scalars(
            db.select(PushSubscription)
            .filter_by(user_id=user.id)
            .order_by(PushSubscription.created_at.desc(), PushSubscription.id.desc())
        )
    )


def device_label(user_agent: str) -> str:
    """A short, human name for a device from its User-Agent ("Chrome on Android")."""
    ua = user_agent or ""
    browser = next(
        (
            name
            for key, name in (
                ("Edg/", "Edge"),
                ("Firefox/", "Firefox"),
                ("SamsungBrowser", "Samsung Internet"),
                ("Chrome/", "Chrome"),
                ("Safari/", "Safari"),
            )
            if key in ua
        ),
        "",
    )
    system = next(
        (
            name
            for key, name in (
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Android", "Android"),
                ("Windows", "Windows"),
                ("Mac OS X", "Mac"),
                ("Linux", "Linux"),
            )
            if key in ua
        ),
        "",
    )
    return " · ".join(p for p in (browser, system) if p)
