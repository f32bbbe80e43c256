"""Users and their roles (design §4).

Roles: ``is_admin``; editor of each organisation in ``organisations``; referrer when
``referrer_status`` is approved. One person may hold several.
"""

import enum
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.directory.models import Organisation
from app.extensions import db
from app.timeutil import utcnow


class ReferrerStatus(enum.StrEnum):
    NONE = "none"
    PENDING = "pending"
    APPROVED = "approved"


editor_membership = Table(
    "editor_membership",
    db.metadata,
    Column("user_id", ForeignKey("user.id", ondelete="CASCADE"), primary_key=True),
    Column("organisation_id", ForeignKey("organisation.id", ondelete="CASCADE"), primary_key=True),
)


class User(UserMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200), default="")
    password_hash: Mapped[str] = mapped_column(String(200), default="")
    is_admin: Mapped[bool] = mapped_column(default=False)
    referrer_status: Mapped[ReferrerStatus] = mapped_column(
        db.Enum(ReferrerStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=ReferrerStatus.NONE,
    )
    email_verified_at: Mapped[datetime | None]
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Part of every session's user id (see ``get_id``): raising it ends every session of this user at once
    # (``app.accounts.operations.end_every_session``).
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")

    organisations: Mapped[list[Organisation]] = relationship(secondary=editor_membership)

    @property
    def is_active(self) -> bool:  # Flask-Login: an inactive account cannot sign in
        return self.active

    def get_id(self) -> str:
        """Flask-Login's id for the session cookie: the user and their session generation, so that a cookie
        copied before sign-out, a password change or a suspension no longer opens the account."""
        return f"{self.id}:{self.session_generation}"

    @property
    def is_referrer(self) -> bool:
        return self.referrer_status == ReferrerStatus.APPROVED

    def edits(self, organisation_id: int) -> bool:
        return any(org.id == organisation_id for org in self.organisations)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email}>"


class SignInFailure(db.Model):
    """Wrong passwords for one account from one address, for slowing down guessing without locking the
    owner out from anywhere else."""

    __tablename__ = "sign_in_failure"

    email: Mapped[str] = mapped_column(String(254), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failed_at: Mapped[datetime] = mapped_column(default=utcnow)


class TrustedDomain(db.Model):
    """An email domain whose referrers are approved once they confirm their address (e.g. nhs.net)."""

    __tablename__ = "trusted_domain"

    id: Mapped[int] = mapped_column(primary_key=True)
    domain: Mapped[str] = mapped_column(String(253), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AuditEvent(db.Model):
    """Something an administrator did, with who and when (issue 8: an audit log of administrator actions)."""

    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    action: Mapped[str] = mapped_column(String(50))
    subject: Mapped[str] = mapped_column(String(300), default="")
    detail: Mapped[str] = mapped_column(String(2000), default="")

    actor: Mapped["User | None"] = relationship()
