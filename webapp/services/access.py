"""Every route declares who may call it; the harness test fails for a route that does not.

Object-level rules (whose goal, which group) live in visibility.py; these decorators only
classify and guard the door.
"""

from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user

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


def classification(app, endpoint: str) -> str | None:
    if endpoint in BUILTIN:
        return BUILTIN[endpoint]
    return getattr(app.view_functions[endpoint], "access", None)
