"""Route guards by role. A signed-out visitor is sent to sign in. A signed-in person whose account is not the
kind an area is for gets a 403 page that says which account can use it and how to get one: the guard runs
before anything is looked up, so the answer is the same whatever the address, and says nothing of what the
area holds. (Inside an area someone can use, another organisation's listing is a 404 instead, so it is not
even confirmed to exist: ``app/manage/access.py``.)"""

from collections.abc import Callable
from enum import StrEnum
from functools import wraps
from typing import ParamSpec, TypeVar

from flask_login import current_user
from werkzeug.exceptions import Forbidden

from app.extensions import login_manager

P = ParamSpec("P")
R = TypeVar("R")


class Area(StrEnum):
    """The parts of the site for one kind of account; ``wrong_account.html`` explains each."""

    ADMIN = "admin"
    REFERRER = "referrer"


class WrongAccount(Forbidden):
    """The person is signed in, but their account is not the kind ``area`` is for."""

    def __init__(self, area: Area) -> None:
        super().__init__()
        self.area = area


def role_required(has_role: Callable[[object], bool], area: Area) -> Callable[[Callable[P, R]], Callable[P, R]]:
    def decorator(view: Callable[P, R]) -> Callable[P, R]:
        @wraps(view)
        def guarded(*args: P.args, **kwargs: P.kwargs) -> R:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not has_role(current_user):
                raise WrongAccount(area)
            return view(*args, **kwargs)

        return guarded

    return decorator


def sees_clusters(user: object) -> bool:
    """Referrers and administrators; nobody else, ever."""
    return bool(getattr(user, "is_referrer", False) or getattr(user, "is_admin", False))


referrer_required = role_required(sees_clusters, Area.REFERRER)
admin_required = role_required(lambda user: bool(getattr(user, "is_admin", False)), Area.ADMIN)
