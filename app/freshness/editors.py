"""Who can keep a listing true: the organisation's editors who can sign in, and the administrators."""

from sqlalchemy import select

from app.accounts.models import User
from app.directory.models import Organisation
from app.extensions import db


def can_sign_in(user: User) -> bool:
    return user.active and user.email_verified_at is not None and bool(user.password_hash)


def active_editors(organisation: Organisation) -> list[User]:
    editors = db.session.scalars(select(User).where(User.organisations.contains(organisation)).order_by(User.id))
    return [user for user in editors if can_sign_in(user)]


def active_administrators() -> list[User]:
    return list(db.session.scalars(select(User).where(User.is_admin.is_(True), User.active.is_(True))
                                   .order_by(User.id)))
