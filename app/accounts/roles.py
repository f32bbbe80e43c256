"""Route guards by role. A signed-out visitor is sent to sign in; a signed-in one without the role gets
a 404, so the restricted area's existence and contents are not confirmed to them."""

from collections.abc import Callable
from functools import wraps
from typing import ParamSpec, TypeVar

from flask import abort
from flask_login import current_user

from app.extensions import login_manager

P = ParamSpec("P")
R = TypeVar("R")


def role_required(has_role: Callable[[object], bool]) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not has_role(current_user):
                abort(404)
            return view(*args, **kwargs)

        return guarded

    return decorator


def sees_clusters(user: object) -> bool:
    """Referrers and administrators; nobody else, ever."""
    return bool(getattr(user, "is_referrer", False) or getattr(user, "is_admin", False))


referrer_required = role_required(sees_clusters)
admin_required = role_required(lambda user: bool(getattr(user, "is_admin", False)))
