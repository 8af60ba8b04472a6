"""A local RFC 8030 push service, for tests and the benchmark (no internet needed).

It plays the part of FCM/autopush: it makes subscriptions itself (its own P-256 key pair and
16-byte auth secret per subscription, as a browser would), and for every push it receives it

- checks the `Authorization: vapid t=…, k=…` header (RFC 8292): an ES256 JWT signed by `k`,
  `aud` equal to this peer's origin, `exp` in the future and at most 24 h away, `sub` present;
- checks `TTL` (required), `Urgency` and `Topic` (RFC 8030 §5.2–5.4) and `Content-Encoding`;
- decrypts the `aes128gcm` body (RFC 8291) with the subscription's private key;
- records a `Received` message and answers 201 — or whatever it has been told to answer:
  404, 410, 429 with `Retry-After`, 500, or to hang without answering.

A push that fails a check is answered 400/401/403 and recorded in `peer.rejected`.

Every push that reaches one of its subscriptions is also decrypted, whatever the answer, and kept
for the whole test session in the module's `WITNESSED` list (`reset()` does not clear it): at the
end of the session tests/conftest.py checks that none of them carries a private text that any
test wrote (tests/privacy_witness.py).

    peer = PushPeer().start()
    sub = peer.subscription()          # {"endpoint": "http://127.0.0.1:PORT/push/…", "keys": {…}}
    peer.answer(410)                   # every push from now on; peer.answer(429, retry_after=7,
    peer.answer(201, endpoint=…)       #   times=1) for the next one only; per endpoint if given
    …send…
    peer.wait_for(1)                   # blocks until one message arrived (or times out)
    peer.messages[0].json["title"]
    peer.stop()

`count_only=True` (the benchmark) skips verification and decryption: it only counts and answers
201, so the figure measures the sender. Run it as a separate process with
`python tests/push_peer.py --port N --count-only`; `GET /_count` returns the count as text.

The server is aiohttp in a background thread with its own event loop, so it keeps up with
several worker processes sending at once, and "hang" costs no thread.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import os
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import http_ece
from aiohttp import web
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

URGENCIES = {"very-low", "low", "normal", "high"}

# Every payload that reached a subscription of any peer in this process, for the end-of-session
# privacy check. `body` is the decrypted payload, or None with `error` when it did not decrypt.
WITNESSED: list[Witnessed] = []
_witness_lock = threading.Lock()
TOPIC = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


def b64u_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@dataclass
class Received:
    endpoint: str
    token: str
    body: bytes  # decrypted payload (empty in count_only mode)
    ttl: int
    urgency: str | None
    topic: str | None
    claims: dict
    vapid_key: str  # the `k=` of the Authorization header (the server's public key)
    headers: dict

    @property
    def json(self):
        return json.loads(self.body)


@dataclass
class Witnessed:
    endpoint: str
    status: int | str  # what the peer answered (201, 410, "hang" …)
    body: bytes | None
    error: str | None = None


def witness(endpoint: str, sub: _Sub, body: bytes, status: int | str) -> None:
    try:
        plain, error = decrypt(body, sub), None
    except Exception as e:  # a test of a bad sender: nothing readable went out
        plain, error = None, f"{type(e).__name__}: {e}"
    with _witness_lock:
        WITNESSED.append(Witnessed(endpoint, status, plain, error))


def decrypt(body: bytes, sub: _Sub) -> bytes:
    return http_ece.decrypt(
        body, private_key=sub.private_key, auth_secret=sub.auth, version="aes128gcm"
    )


@dataclass
class _Sub:
    private_key: ec.EllipticCurvePrivateKey
    auth: bytes


@dataclass
class _Answer:
    status: int
    retry_after: int | None = None
    times: int | None = None  # None: until changed
    endpoint: str | None = None
    location: str | None = None  # for 3xx: where it points (a sender must not follow)


@dataclass
class PushPeer:
    host: str = "127.0.0.1"
    port: int = 0
    count_only: bool = False
    max_exp_seconds: int = 24 * 3600
    messages: list[Received] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (endpoint, reason)
    attempts: int = 0  # every request to a push endpoint, whatever the answer
    count: int = 0  # pushes answered 201

    def __post_init__(self):
        self._subs: dict[str, _Sub] = {}
        self._answers: list[_Answer] = []
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None
        self._shared: _Sub | None = None
        self._hanging: set[asyncio.Future] = set()

    # -- life cycle -------------------------------------------------------------------------
    @property
    def origin(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> PushPeer:
        ready = threading.Event()

        def run():
            self._loop = asyncio.new_event_loop()
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._serve())
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, name="push-peer", daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("push peer did not start")
        return self

    async def _serve(self):
        app = web.Application(client_max_size=8192)
        app.router.add_post("/push/{token}", self._push)
        app.router.add_get("/_count", self._count)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=2)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=1024)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]

    def stop(self) -> None:
        if not self._loop:
            return

        async def shut():
            for hanging in self._hanging:
                if not hanging.done():
                    hanging.set_result(None)
            await self._runner.cleanup()

        fut = asyncio.run_coroutine_threadsafe(shut(), self._loop)
        try:
            fut.result(10)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(10)
            self._loop = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # -- subscriptions ----------------------------------------------------------------------
    def subscription(self, shared_keys: bool = False) -> dict:
        """A new subscription as `PushSubscription.toJSON()` gives it.

        `shared_keys=True` reuses one key pair for all (the benchmark makes 10 000; the endpoint
        still differs)."""
        if shared_keys:
            if self._shared is None:
                self._shared = _Sub(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
            sub = self._shared
        else:
            sub = _Sub(ec.generate_private_key(ec.SECP256R1()), os.urandom(16))
        token = secrets.token_urlsafe(16)
        with self._lock:
            self._subs[token] = sub
        public = sub.private_key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return {
            "endpoint": f"{self.origin}/push/{token}",
            "expirationTime": None,
            "keys": {"p256dh": b64u(public), "auth": b64u(sub.auth)},
        }

    # -- behaviour --------------------------------------------------------------------------
    def answer(
        self,
        status: int,
        retry_after: int | None = None,
        times: int | None = None,
        endpoint: str | None = None,
        location: str | None = None,
    ) -> None:
        """Answer `status` (201, 404, 410, 429, 500, … or "hang") from now on.

        `times`: only for the next N pushes; `endpoint`: only for that subscription. The newest
        rule that matches wins; `answer(201)` with neither clears all rules."""
        with self._lock:
            if status == 201 and times is None and endpoint is None:
                self._answers.clear()
            else:
                self._answers.append(_Answer(status, retry_after, times, endpoint, location))

    def hang(self, times: int | None = None, endpoint: str | None = None) -> None:
        self.answer(0, times=times, endpoint=endpoint)

    def reset(self) -> None:
        with self._lock:
            self._answers.clear()
            self.messages.clear()
            self.rejected.clear()
            self.attempts = self.count = 0

    def wait_for(self, n: int, timeout: float = 10.0) -> list[Received]:
        """Wait until at least `n` messages have been accepted; returns them."""
        deadline = time.monotonic() + timeout
        with self._arrived:
            while self.count < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"push peer got {self.count} of {n} messages")
                self._arrived.wait(left)
            return list(self.messages)

    def received_by(self, endpoint: str) -> list[Received]:
        return [m for m in self.messages if m.endpoint == endpoint]

    # -- HTTP -------------------------------------------------------------------------------
    async def _count(self, request):
        return web.Response(text=str(self.count))

    def _pick(self, endpoint: str) -> _Answer | None:
        with self._lock:
            for rule in reversed(self._answers):
                if rule.endpoint not in (None, endpoint):
                    continue
                if rule.times is not None:
                    rule.times -= 1
                    if rule.times <= 0:
                        self._answers.remove(rule)
                return rule
        return None

    async def _push(self, request: web.Request):
        token = request.match_info["token"]
        endpoint = f"{self.origin}/push/{token}"
        body = await request.read()
        with self._lock:
            self.attempts += 1
        if self.count_only:
            with self._arrived:
                self.count += 1
                self._arrived.notify_all()
            return web.Response(status=201)
        rule = self._pick(endpoint)
        with self._lock:
            known = self._subs.get(token)
        if known is not None:
            answer = 201 if rule is None else (rule.status or "hang")
            witness(endpoint, known, body, answer)
        if rule is not None and rule.status == 0:
            # hang: the sender's timeout must end this; stop() releases it
            hanging = asyncio.get_running_loop().create_future()
            self._hanging.add(hanging)
            await hanging
            return web.Response(status=503)
        if rule is not None and rule.status != 201:
            headers = {}
            if rule.retry_after is not None:
                headers["Retry-After"] = str(rule.retry_after)
            if rule.location is not None:
                headers["Location"] = rule.location
            return web.Response(status=rule.status, headers=headers)
        with self._lock:
            sub = self._subs.get(token)
        if sub is None:
            return web.Response(status=404)
        try:
            message = self._verify(endpoint, token, sub, request.headers, body)
        except _Reject as e:
            with self._lock:
                self.rejected.append((endpoint, e.reason))
            return web.Response(status=e.status, text=e.reason)
        with self._arrived:
            self.messages.append(message)
            self.count += 1
            self._arrived.notify_all()
        return web.Response(status=201, headers={"Location": f"{self.origin}/m/{token}"})

    # -- checks -----------------------------------------------------------------------------
    def _verify(self, endpoint, token, sub, headers, body) -> Received:
        claims, key = self._check_vapid(headers.get("Authorization", ""))
        ttl_text = headers.get("TTL")
        if ttl_text is None or not ttl_text.isdigit():
            raise _Reject(400, "TTL missing or not a number")
        urgency = headers.get("Urgency")
        if urgency is not None and urgency not in URGENCIES:
            raise _Reject(400, f"bad Urgency {urgency!r}")
        topic = headers.get("Topic")
        if topic is not None and not TOPIC.match(topic):
            raise _Reject(400, f"bad Topic {topic!r}")
        if headers.get("Content-Encoding") != "aes128gcm":
            raise _Reject(415, "Content-Encoding must be aes128gcm")
        if len(body) > 4096:
            raise _Reject(413, "payload too large")
        try:
            plain = decrypt(body, sub)
        except Exception as e:
            raise _Reject(400, f"cannot decrypt: {e}") from e
        return Received(
            endpoint=endpoint,
            token=token,
            body=plain,
            ttl=int(ttl_text),
            urgency=urgency,
            topic=topic,
            claims=claims,
            vapid_key=key,
            headers=dict(headers),
        )

    def _check_vapid(self, header: str) -> tuple[dict, str]:
        m = re.match(r"^vapid\s+(.*)$", header)
        if not m:
            raise _Reject(401, "no vapid Authorization")
        params = dict(p.strip().split("=", 1) for p in m.group(1).split(",") if "=" in p)
        token, key = params.get("t"), params.get("k")
        if not token or not key:
            raise _Reject(401, "vapid t= or k= missing")
        try:
            head_b64, claims_b64, sig_b64 = token.split(".")
            head = json.loads(b64u_decode(head_b64))
            claims = json.loads(b64u_decode(claims_b64))
            sig = b64u_decode(sig_b64)
            public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), b64u_decode(key))
        except Exception as e:
            raise _Reject(401, f"malformed vapid token: {e}") from e
        if head.get("alg") != "ES256" or len(sig) != 64:
            raise _Reject(401, "vapid token is not ES256")
        der = encode_dss_signature(int.from_bytes(sig[:32], "big"), int.from_bytes(sig[32:], "big"))
        try:
            public.verify(der, f"{head_b64}.{claims_b64}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature as e:
            raise _Reject(403, "vapid signature does not verify") from e
        if claims.get("aud") != self.origin:
            raise _Reject(403, f"aud {claims.get('aud')!r} is not {self.origin!r}")
        now = time.time()
        exp = claims.get("exp")
        if not isinstance(exp, int) or exp <= now or exp > now + self.max_exp_seconds:
            raise _Reject(403, f"exp {exp!r} not within 24 h")
        if not claims.get("sub"):
            raise _Reject(403, "sub missing")
        return claims, key


class _Reject(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status, self.reason = status, reason


def origin_of(endpoint: str) -> str:
    parts = urlsplit(endpoint)
    return f"{parts.scheme}://{parts.netloc}"


if __name__ == "__main__":  # a counting peer in its own process, for the benchmark
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--count-only", action="store_true")
    args = parser.parse_args()
    peer = PushPeer(port=args.port, count_only=args.count_only).start()
    print(peer.port, flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        peer.stop()
