"""One row per day, metric and subject: a running count, with nothing that points back to a visitor."""

from datetime import date

from sqlalchemy import String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db


class UsageCount(db.Model):
    __tablename__ = "usage_count"
    __table_args__ = (UniqueConstraint("day", "metric", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(index=True)
    metric: Mapped[str] = mapped_column(String(40))
    # What was counted, where it is not the site as a whole: a listing's id, a category's slug. Never text a
    # visitor typed.
    subject: Mapped[str] = mapped_column(String(60), default="")
    count: Mapped[int] = mapped_column(default=0)
