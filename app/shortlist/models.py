"""Referrers' notes on shortlisted listings, kept on the server and tied to one signed-in session."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class ShortlistNote(db.Model):
    __tablename__ = "shortlist_note"
    __table_args__ = (UniqueConstraint("holder", "service_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # A random key held in the session: the cookie carries this, never the note.
    holder: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"))
    text: Mapped[str] = mapped_column(String(500))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
