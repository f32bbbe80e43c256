"""A report that a listing is wrong, kept with the listing as it was when reported."""

import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.directory.models import Service
from app.extensions import db
from app.timeutil import utcnow


class ProblemKind(enum.StrEnum):
    CONTACT = "contact"
    ADDRESS = "address"
    TIMES = "times"
    CLOSED = "closed"
    OTHER = "other"


PROBLEM_KINDS = {
    ProblemKind.CONTACT: "The phone number or email address is wrong",
    ProblemKind.ADDRESS: "The address is wrong",
    ProblemKind.TIMES: "The opening times are wrong",
    ProblemKind.CLOSED: "It has closed or stopped running",
    ProblemKind.OTHER: "Something else",
}


class ProblemStatus(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class ProblemReport(db.Model):
    __tablename__ = "problem_report"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ProblemKind] = mapped_column(String(20))
    details: Mapped[str] = mapped_column(Text, default="")  # the reporter's words: untrusted, shown escaped
    reply_email: Mapped[str | None] = mapped_column(String(200))  # only if the reporter asked for a reply
    listing: Mapped[dict[str, object]] = mapped_column(JSON)  # ListingData as it was when reported
    reported_at: Mapped[datetime] = mapped_column(default=utcnow)
    status: Mapped[ProblemStatus] = mapped_column(String(20), default=ProblemStatus.OPEN, index=True)
    closed_at: Mapped[datetime | None]
    closed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    outcome: Mapped[str] = mapped_column(Text, default="")  # what was done, written by whoever closed it

    service: Mapped[Service] = relationship()

    @property
    def kind_label(self) -> str:
        return PROBLEM_KINDS[ProblemKind(self.kind)]
