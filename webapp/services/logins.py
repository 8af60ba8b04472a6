"""Device sessions: start, look up, end (one or all), and throttle failed logins."""

import hashlib
import re
import secrets
from datetime import datetime, timedelta

from flask import current_app, request, session
from flask_login import login_user, logout_user
from sqlalchemy import Select, bindparam, delete, func, select, update

from webapp.extensions import db, pure_read
from webapp.models import LoginFailure, LoginSession, PushSubscription, User
from webapp.models.base import utcnow
from webapp.services import passwords


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def device_label(user_agent: str) -> str:
    """A coarse 'browser on system' label: enough to recognise a device, nothing more."""
    ua = user_agent or ""
    system = next(
        (
            name
            for key, name in [
                ("Android", "Android"),
                ("iPhone", "iPhone"),
                ("iPad", "iPad"),
                ("Windows", "Windows"),
                ("Mac OS", "Mac"),
                ("Linux", "Linux"),
            ]
            if key in ua
        ),
        "?",
    )
    browser = next(
        (
            name
            for key, name in [
                ("Edg/", "Edge"),
                ("Firefox/", "Firefox"),
                ("Chrome/", "Chrome"),
                ("Safari/", "Safari"),
            ]
            if key in ua
        ),
        "?",
    )
    return f"{browser} · {system}"


def start(user: User) -> None:
    """Logs in on this device with a fresh session (never reusing one from before login)."""
    session.clear()
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            user=user,
            token_hash=_digest(token),
            device_label=device_label(request.headers.get("User-Agent", "")),
        )
    )
    user.current_login_token = token
    user.last_active_at, user.inactivity_warned_at = utcnow(), None
    session.permanent = True
    login_user(user)


# Runs on every request: one round trip for the user and their device session, and one
# statement object reused (bound per request) so SQLAlchemy neither rebuilds it nor recomputes
# its cache key. Only the user becomes an ORM object; of the session we need two values.
_LIVE_LOGIN = pure_read(
    select(User, LoginSession.id, LoginSession.last_seen_at)
    .join(LoginSession, LoginSession.user_id == User.id)
    .where(LoginSession.token_hash == bindparam("token_hash"), LoginSession.ended_at.is_(None))
)
SEEN_EVERY = timedelta(minutes=5)  # last_seen_at is written at most this often per device


def load(token: str) -> User | None:
    """The user behind a cookie token, if that device session is live and not idle too long."""
    if not token:
        return None
    row = db.session.execute(_LIVE_LOGIN, {"token_hash": _digest(token)}).first()
    if row is None:
        return None
    user, login_id, last_seen_at = row
    if not still_live(login_id, user.id, last_seen_at):
        return None
    user.current_login_token = token
    user.current_login_id = login_id
    return user


# The same rule, for a hot read that looks up its login in its own statement instead of through
# Flask-Login's current_user (journal.entry_rows_page_for_token): live_logins() is _LIVE_LOGIN's
# row without the ORM user, and still_live() is applied to it exactly as load() applies it.


def token_hash(token: str) -> str:
    """What login_sessions.token_hash holds for a device token."""
    return _digest(token)


def cookie_token() -> str:
    """The device token in this request's session cookie: where Flask-Login keeps get_id() (it
    reads the same key when it loads current_user; we give no remember-me cookie)."""
    return session.get("_user_id") or ""


def live_logins(digest) -> Select:
    """Live device sessions (not ended) with this token_hash, and their person's id and role."""
    return (
        select(
            LoginSession.id.label("login_id"),
            LoginSession.last_seen_at,
            LoginSession.user_id,
            User.role,
        )
        .join(User, User.id == LoginSession.user_id)
        .where(LoginSession.token_hash == digest, LoginSession.ended_at.is_(None))
    )


def still_live(login_id: int, user_id: int, last_seen_at: datetime) -> bool:
    """False for a device session idle longer than LOGIN_IDLE_DAYS; else notes its use, at most
    every SEEN_EVERY (a write and a commit of its own, so that a pure read stays one)."""
    now = utcnow()
    if now - last_seen_at > timedelta(days=current_app.config["LOGIN_IDLE_DAYS"]):
        return False
    if now - last_seen_at > SEEN_EVERY:  # do not write on every request
        db.session.execute(
            update(LoginSession).where(LoginSession.id == login_id).values(last_seen_at=now)
        )
        # The person's own activity clock (retention), and any warning about it is void.
        db.session.execute(
            update(User)
            .where(User.id == user_id)
            .values(last_active_at=now, inactivity_warned_at=None)
        )
        db.session.commit()
    return True


def end_current(user: User) -> None:
    end_where(LoginSession.token_hash == _digest(user.current_login_token))
    logout_user()
    session.clear()


def end_where(*criteria) -> None:
    """Log devices out. Their push subscriptions go with them: a phone that is logged out (lost,
    lent, shared) gets no more of this person's notifications."""
    ending = select(LoginSession.id).where(*criteria, LoginSession.ended_at.is_(None))
    db.session.execute(
        delete(PushSubscription)
        .where(PushSubscription.login_id.in_(ending))
        .execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(LoginSession)
        .where(*criteria, LoginSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def active_devices(user: User) -> list[LoginSession]:
    since = utcnow() - timedelta(days=current_app.config["LOGIN_IDLE_DAYS"])
    return list(
        db.session.scalars(
            select(LoginSession)
            .where(
                LoginSession.user_id == user.id,
                LoginSession.ended_at.is_(None),
                LoginSession.last_seen_at > since,
            )
            .order_by(LoginSession.last_seen_at.desc())
        )
    )


# --- throttling of failed logins ---------------------------------------------------------------


def _account_key(username: str) -> str:
    return "u:" + _digest(username.lower())[:40]


def _keys(username: str) -> tuple[str, str]:
    return _account_key(username), "ip:" + _digest(request.remote_addr or "?")[:40]


def throttle_keys_of(user: User) -> list[str]:
    """The failure records that name this person (login and join-code tries), not addresses."""
    return [_account_key(user.username), f"code:u:{user.id}"]


def _failures(key: str) -> int:
    since = utcnow() - timedelta(minutes=current_app.config["LOGIN_FAILURE_WINDOW_MINUTES"])
    return db.session.scalar(
        select(func.count()).where(LoginFailure.key == key, LoginFailure.at > since)
    )


def is_throttled(username: str) -> bool:
    cfg = current_app.config
    account, ip = _keys(username)
    return (
        _failures(account) >= cfg["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
        or _failures(ip) >= cfg["LOGIN_MAX_FAILURES_PER_IP"]
    )


def record_failure(username: str) -> None:
    for key in _keys(username):
        db.session.add(LoginFailure(key=key))
    old = utcnow() - timedelta(days=1)
    db.session.execute(delete(LoginFailure).where(LoginFailure.at < old))


USERNAME = re.compile(r"^[a-z0-9._-]{3,40}$")


def normalise_username(raw: str) -> str:
    return (raw or "").strip().lower()


def authenticate(username: str, password: str) -> tuple[User | None, str | None]:
    """Returns (user, None) or (None, reason) with reason 'throttled' or 'invalid'."""
    username = normalise_username(username)
    if is_throttled(username):
        return None, "throttled"
    user = db.session.scalar(select(User).where(User.username == username))
    if user is None:
        passwords.dummy_verify(password)
        record_failure(username)
        return None, "invalid"
    ok, upgraded = passwords.verify(user.password_hash, password)
    if not ok:
        record_failure(username)
        return None, "invalid"
    if upgraded:
        user.password_hash = upgraded
    return user, None


# --- throttling of wrong join codes -------------------------------------------------------------
#
# Group and session codes are short enough to read off a screen, so guessing must be slow: after
# CODE_MAX_FAILURES wrong codes from one account (or CODE_MAX_FAILURES_PER_IP from one address)
# in LOGIN_FAILURE_WINDOW_MINUTES, every code is refused until the window has passed.


def _code_keys(user: User) -> tuple[str, str]:
    return throttle_keys_of(user)[1], "code:ip:" + _digest(request.remote_addr or "?")[:40]


def codes_throttled(user: User) -> bool:
    cfg = current_app.config
    account, ip = _code_keys(user)
    return (
        _failures(account) >= cfg["CODE_MAX_FAILURES"]
        or _failures(ip) >= cfg["CODE_MAX_FAILURES_PER_IP"]
    )


def record_code_failure(user: User) -> None:
    for key in _code_keys(user):
        db.session.add(LoginFailure(key=key))
