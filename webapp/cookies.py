"""The signed session cookie, verified once per distinct value instead of on every request.

Flask's cookie sessions build a signing serializer (deriving its key) and check the cookie's
HMAC, base64 and JSON on every request: a tenth of a millisecond, a tenth of the journal list's
CPU. A phone sends the same cookie request after request, so we remember what a verified cookie
said. The rules stay Flask's: the same key and salt, the same maximum age (checked again on every
use from the signing time inside the cookie), and a cookie we have not seen is verified as before.
"""

import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature

_PLAIN = (str, int, float, bool, type(None))


def _flat(value) -> bool:
    """A value we can share between requests: plain, or a list or tuple of plain values."""
    if isinstance(value, list | tuple):
        return all(isinstance(v, _PLAIN) for v in value)
    return isinstance(value, _PLAIN)


def _copy(data: dict) -> dict:
    """A session's starting data of its own: a list in it may be changed in place."""
    return {k: list(v) if isinstance(v, list) else v for k, v in data.items()}


class VerifiedOnceSessionInterface(SecureCookieSessionInterface):
    #: distinct cookies remembered per process; forgotten all at once when full
    remembered = 4096

    def __init__(self) -> None:
        self._serializer = None
        self._serializer_keys = None
        # cookie value -> (its data, its signing time as a Unix timestamp)
        self._verified: dict[str, tuple[dict, float]] = {}

    def get_signing_serializer(self, app):
        keys = (app.secret_key, tuple(app.config["SECRET_KEY_FALLBACKS"] or ()))
        if keys != self._serializer_keys:  # built once, again only if the keys change
            self._serializer = super().get_signing_serializer(app)
            self._serializer_keys = keys
            self._verified = {}
        return self._serializer

    def open_session(self, app, request):
        serializer = self.get_signing_serializer(app)
        if serializer is None:
            return None
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = app.permanent_session_lifetime.total_seconds()
        known = self._verified.get(value)
        if known is not None and time.time() - known[1] <= max_age:
            return self.session_class(_copy(known[0]))
        try:
            data, signed_at = serializer.loads(value, max_age=int(max_age), return_timestamp=True)
        except BadSignature:
            return self.session_class()
        # Only flat data is remembered, and each request gets a copy of it, so that no request
        # can change what another request's session starts from.
        if all(_flat(v) for v in data.values()):
            if len(self._verified) >= self.remembered:
                self._verified = {}
            self._verified[value] = (_copy(data), signed_at.timestamp())
        return self.session_class(data)
