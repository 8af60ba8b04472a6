"""Every route declares who may call it; the harness test fails for a route that does not.

Object-level rules (whose goal, which group) live in visibility.py; these decorators only
classify and guard the door.
"""

from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, g, request
from flask_login import current_user

from webapp.services import logins

PUBLIC = "public"
LOGGED_IN = "logged_in"

# Endpoints that are not our view functions but are still classified.
BUILTIN = {"static": PUBLIC}


def _deny():
    if not current_user.is_authenticated:
        if request.path.startswith("/api/"):
            abort(401)
        return current_app.login_manager.unauthorized()
    abort(404)


def public(view: Callable) -> Callable:
    view.access = PUBLIC
    return view


def logged_in(view: Callable) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            return _deny()
        return view(*args, **kwargs)

    wrapper.access = LOGGED_IN
    return wrapper


def role(*roles: str) -> Callable[[Callable], Callable]:
    """Only these roles; others get 404 (we do not confirm a page exists to those it is not for)."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated or current_user.role not in roles:
                return _deny()
            return view(*args, **kwargs)

        wrapper.access = "role:" + ",".join(sorted(roles))
        return wrapper

    return decorate


def role_admitted_in_view(*roles: str) -> Callable[[Callable], Callable]:
    """role() for a hot read that finds its login in the same statement as its data (the
    journal's entry list: one round trip, no current_user): classified like role(), but the view
    itself must call admit() with the login its statement found, before it uses any row.
    A view that returns without having called admit() fails loudly instead of answering."""

    def decorate(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            g.access_admitted = None
            response = view(*args, **kwargs)
            if g.access_admitted != roles:
                raise RuntimeError(f"{view.__name__} answered without access.admit{roles}")
            return response

        wrapper.access = "role:" + ",".join(sorted(roles))
        return wrapper

    return decorate


def admit(login, *roles: str) -> None:
    """The door of role_admitted_in_view: `login` is a row of logins.live_logins (or None).
    Refuses exactly as role() does through current_user and logins.load: no live session, or one
    idle too long, is not logged in (401); another role gets 404."""
    if login is None or not logins.still_live(login.login_id, login.user_id, login.last_seen_at):
        abort(401)  # only API routes use this door: a JSON 401, never a redirect to the login
    if login.role not in roles:
        abort(404)
    g.access_admitted = roles


def classification(app, endpoint: str) -> str | None:
    if endpoint in BUILTIN:
        return BUILTIN[endpoint]
    return getattr(app.view_functions[endpoint], "access", None)
