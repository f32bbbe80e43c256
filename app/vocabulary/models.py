"""An administrator's version of one search word list. Without a row, or with no text, the shipped
default list (``data/search/``) is used."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.timeutil import utcnow


class SearchVocabulary(db.Model):
    __tablename__ = "search_vocabulary"

    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    text: Mapped[str | None] = mapped_column(Text)  # None: the shipped default
    # Goes up with every save, so every node notices the change (see store.current_vocabulary).
    version: Mapped[int] = mapped_column(default=1)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))

    updated_by: Mapped[User | None] = relationship()
