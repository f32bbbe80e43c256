"""Signed, expiring links for confirming an email address and resetting a password.

A reset token carries a fingerprint of the current password hash, so it stops working as soon as it
has been used (the hash changes) — it works once.
"""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.accounts.models import User
from app.extensions import db

RESET_SALT = "password-reset"
CONFIRM_SALT = "confirm-email"


def _serializer(salt: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=salt)


def _fingerprint(user: User) -> str:
    return hashlib.sha256(f"{user.password_hash}|{user.email}".encode()).hexdigest()[:16]


def reset_token(user: User) -> str:
    return _serializer(RESET_SALT).dumps({"user": user.id, "fp": _fingerprint(user)})


def user_for_reset_token(token: str) -> User | None:
    max_age = int(current_app.config["PASSWORD_RESET_HOURS"]) * 3600
    try:
        data = _serializer(RESET_SALT).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    if user is None or data.get("fp") != _fingerprint(user):
        return None
    return user


def confirm_token(user: User) -> str:
    return _serializer(CONFIRM_SALT).dumps({"user": user.id, "email": user.email})


def user_for_confirm_token(token: str) -> User | None:
    max_age = int(current_app.config["CONFIRM_EMAIL_HOURS"]) * 3600
    try:
        data = _serializer(CONFIRM_SALT).loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    user = db.session.get(User, data.get("user")) if isinstance(data, dict) else None
    return user if user is not None and user.email == data.get("email") else None
