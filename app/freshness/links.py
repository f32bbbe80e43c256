"""The signed link in a reminder email that confirms a listing is still correct, without signing in.

A link names the listing, the editor it was sent to and the confirmation date it is about. It is signed
with the secret key, so it cannot be altered; it expires after ``CONFIRM_LINK_DAYS``; and it works once:
confirming moves the listing's date on, so the link no longer matches it. It stops working, too, when the
editor leaves the organisation or can no longer sign in.
"""

import enum
from dataclasses import dataclass
from datetime import date

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from app.accounts.models import User
from app.directory.models import Service, ServiceStatus
from app.extensions import db
from app.freshness.editors import can_sign_in

SALT = "confirm-listing"


class LinkRefusal(enum.StrEnum):
    ALTERED = "altered"
    EXPIRED = "expired"
    USED = "used"
    WITHDRAWN = "withdrawn"  # the listing left the directory, or the editor can no longer edit it


@dataclass(frozen=True)
class ConfirmationLink:
    service: Service
    editor: User


@dataclass(frozen=True)
class RefusedLink:
    reason: LinkRefusal
    service: Service | None = None  # known when the link was genuine


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def confirmation_token(service: Service, editor: User) -> str:
    if service.assured_at is None:
        raise ValueError("a listing never confirmed has no date to confirm again")
    return _serializer().dumps({"s": service.id, "u": editor.id, "on": service.assured_at.isoformat()})


def read_confirmation_token(token: str) -> ConfirmationLink | RefusedLink:
    max_age = int(current_app.config["CONFIRM_LINK_DAYS"]) * 86400
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        return RefusedLink(LinkRefusal.EXPIRED)
    except BadSignature:
        return RefusedLink(LinkRefusal.ALTERED)
    if not isinstance(data, dict):
        return RefusedLink(LinkRefusal.ALTERED)
    service = db.session.get(Service, data.get("s"))
    editor = db.session.get(User, data.get("u"))
    if service is None or service.status != ServiceStatus.PUBLISHED:
        return RefusedLink(LinkRefusal.WITHDRAWN)
    if editor is None or not can_sign_in(editor) or not editor.edits(service.organisation_id):
        return RefusedLink(LinkRefusal.WITHDRAWN, service)
    if service.assured_at is None or service.assured_at.isoformat() != data.get("on"):
        return RefusedLink(LinkRefusal.USED, service)
    return ConfirmationLink(service, editor)


def confirmed_on(refused: RefusedLink) -> date | None:
    """For a used link, the day the listing was last confirmed."""
    return refused.service.assured_at if refused.reason == LinkRefusal.USED and refused.service else None
