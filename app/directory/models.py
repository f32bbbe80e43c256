"""Organisations, listings and their revisions (design §4).

A ``Service`` row always holds the live, approved version of a listing. Proposed changes wait as
``Revision`` rows; approving one copies its data onto the service.
"""

import enum
import uuid
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Numeric, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import db
from app.timeutil import utcnow


class OrganisationStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    ARCHIVED = "archived"


class ServiceStatus(enum.StrEnum):
    DRAFT = "draft"
    PENDING = "pending"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class ClusterFocus(enum.StrEnum):
    MAIN = "main"
    ALSO = "also"


class RevisionStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"  # a later proposal replaced it before anyone decided


def new_uid() -> str:
    return str(uuid.uuid4())


class Organisation(db.Model):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The identifier other systems see (ORUK ids are UUIDs); kept through exports and imports.
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    description: Mapped[str] = mapped_column(Text, default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    charity_number: Mapped[str] = mapped_column(String(20), default="")
    status: Mapped[OrganisationStatus] = mapped_column(
        db.Enum(OrganisationStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=OrganisationStatus.PENDING,
    )
    # A trusted organisation's changes publish without waiting for an administrator.
    trusted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    services: Mapped[list["Service"]] = relationship(back_populates="organisation")

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class Service(db.Model):
    """One listing: a service, group, activity or event."""

    __tablename__ = "service"
    __table_args__ = (
        CheckConstraint("min_age IS NULL OR max_age IS NULL OR min_age <= max_age", name="age_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_uid)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    # An identifier from the agency's own records; re-importing the same one updates the listing.
    external_id: Mapped[str | None] = mapped_column(String(100), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="service")
    name: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(300), default="")
    description: Mapped[str] = mapped_column(Text, default="")  # Markdown, sanitised when rendered
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    audiences: Mapped[list[str]] = mapped_column(JSON, default=list)
    all_clusters: Mapped[bool] = mapped_column(default=False)
    min_age: Mapped[int | None]
    max_age: Mapped[int | None]
    cost: Mapped[str] = mapped_column(String(20), default="free")
    referral: Mapped[list[str]] = mapped_column(JSON, default=list)
    access: Mapped[list[str]] = mapped_column(JSON, default=list)
    accessibility: Mapped[list[str]] = mapped_column(JSON, default=list)
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)
    phone: Mapped[str] = mapped_column(String(50), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    website: Mapped[str] = mapped_column(String(300), default="")
    event_date: Mapped[date | None]  # one-off events only
    status: Mapped[ServiceStatus] = mapped_column(
        db.Enum(ServiceStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=ServiceStatus.DRAFT,
        index=True,
    )
    assured_at: Mapped[date | None]  # when the agency last confirmed the details are correct
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    organisation: Mapped[Organisation] = relationship(back_populates="services")
    clusters: Mapped[list["ServiceCluster"]] = relationship(
        cascade="all, delete-orphan", order_by="ServiceCluster.cluster"
    )
    cost_options: Mapped[list["CostOption"]] = relationship(
        cascade="all, delete-orphan", order_by="CostOption.position"
    )
    locations: Mapped[list["Location"]] = relationship(cascade="all, delete-orphan", order_by="Location.position")
    opening_times: Mapped[list["OpeningTime"]] = relationship(
        cascade="all, delete-orphan", order_by="OpeningTime.position"
    )
    revisions: Mapped[list["Revision"]] = relationship(
        back_populates="service", cascade="all, delete-orphan", order_by="Revision.id"
    )

    def clusters_with(self, focus: ClusterFocus) -> list[int]:
        return [link.cluster for link in self.clusters if link.focus == focus]

    def __repr__(self) -> str:
        return f"<Service {self.id} {self.name!r}>"


class ServiceCluster(db.Model):
    """A care cluster a listing serves: its ``main`` focus, or one it ``also`` serves."""

    __tablename__ = "service_cluster"

    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), primary_key=True)
    cluster: Mapped[int] = mapped_column(primary_key=True)
    focus: Mapped[ClusterFocus] = mapped_column(
        db.Enum(ClusterFocus, native_enum=False, length=10, values_callable=lambda e: [m.value for m in e])
    )


class CostOption(db.Model):
    __tablename__ = "cost_option"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    option: Mapped[str] = mapped_column(String(200))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))  # GBP
    per: Mapped[str] = mapped_column(String(100), default="")


class Location(db.Model):
    __tablename__ = "location"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    address: Mapped[str] = mapped_column(String(300))
    postcode: Mapped[str] = mapped_column(String(10), default="")
    latitude: Mapped[float | None]
    longitude: Mapped[float | None]


class OpeningTime(db.Model):
    """One rule of a listing's schedule; see ``app.directory.schedule`` for the forms it takes."""

    __tablename__ = "opening_time"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # weekly, fortnightly, monthly, always (24/7) or event (the times on the service's event_date)
    frequency: Mapped[str] = mapped_column(String(20))
    days: Mapped[list[str]] = mapped_column(JSON, default=list)  # "Mon".."Sun"
    week_of_month: Mapped[int | None]  # 1..4, or -1 for the last, with frequency monthly
    opens_at: Mapped[time | None]
    closes_at: Mapped[time | None]
    # A few words on the rule, like "term time only"; a closing time before the opening time is the next morning.
    note: Mapped[str] = mapped_column(String(200), default="")


class Revision(db.Model):
    """A proposed or applied version of a listing, with who made it and what was decided."""

    __tablename__ = "revision"

    id: Mapped[int] = mapped_column(primary_key=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("service.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    source: Mapped[str] = mapped_column(String(20), default="web")  # web, import, demo, restore
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    data: Mapped[dict[str, object]] = mapped_column(JSON)
    status: Mapped[RevisionStatus] = mapped_column(
        db.Enum(RevisionStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]),
        default=RevisionStatus.PENDING,
        index=True,
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user.id"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str] = mapped_column(Text, default="")

    service: Mapped[Service] = relationship(back_populates="revisions")


__all__ = [
    "ClusterFocus",
    "CostOption",
    "Location",
    "OpeningTime",
    "Organisation",
    "OrganisationStatus",
    "Revision",
    "RevisionStatus",
    "Service",
    "ServiceCluster",
    "ServiceStatus",
]


class ListingChange(db.Model):
    """One row per change to a listing that the search index must hear about, written in the same
    transaction as the change. Every web node's index catches up from this log (design §8)."""

    __tablename__ = "listing_change"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    service_id: Mapped[int] = mapped_column(index=True)
    changed_at: Mapped[datetime] = mapped_column(default=utcnow)
