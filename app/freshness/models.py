"""Which reminders have been sent, so each confirmation date is reminded about once, then followed up once."""

import enum
from datetime import date, datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.timeutil import utcnow


class ReminderStage(enum.StrEnum):
    FIRST = "first"  # to the editors, when the listing becomes due
    FOLLOW_UP = "follow-up"  # to the editors again, if it is still not confirmed
    NOBODY = "nobody"  # to the administrators: no active editor can confirm it


class ReminderSent(db.Model):
    """One row per listing, confirmation date and stage. A listing confirmed again has a new date, and so
    starts afresh."""

    __tablename__ = "reminder_sent"
    __table_args__ = (UniqueConstraint("service_id", "confirmed_on", "stage"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    confirmed_on: Mapped[date]  # the listing's assured_at the reminder was about
    stage: Mapped[ReminderStage] = mapped_column(String(20))
    sent_at: Mapped[datetime] = mapped_column(default=utcnow)
    recipients: Mapped[int] = mapped_column(default=0)
