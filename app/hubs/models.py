"""Hubs and sections (design §4)."""

import re

from sqlalchemy import JSON, Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.directory.models import Service
from app.extensions import db

section_pick = Table(
    "hub_section_pick",
    db.metadata,
    Column("section_id", ForeignKey("hub_section.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("service.id", ondelete="CASCADE"), primary_key=True),
)


class Hub(db.Model):
    __tablename__ = "hub"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    areas: Mapped[list[str]] = mapped_column(JSON, default=list)  # area slugs the hub covers

    sections: Mapped[list["HubSection"]] = relationship(
        back_populates="hub", cascade="all, delete-orphan", order_by="HubSection.position"
    )


class HubSection(db.Model):
    """A part of a hub (and of its leaflet): listings chosen by a rule or by hand (``app.hubs.sections``)."""

    __tablename__ = "hub_section"
    __table_args__ = (UniqueConstraint("hub_id", "slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hub.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(default=0)
    # Its address under the hub's (/hubs/<hub>/<slug>), made from the first title and then kept, so the QR
    # codes on leaflets already printed still lead here after the title is reworded.
    slug: Mapped[str] = mapped_column(String(80))
    title: Mapped[str] = mapped_column(String(200))
    intro: Mapped[str] = mapped_column(Text, default="")
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    audiences: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What narrows the rule: only these kinds of listing; none in these categories; none for these people.
    kinds: Mapped[list[str]] = mapped_column(JSON, default=list)
    except_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    except_audiences: Mapped[list[str]] = mapped_column(JSON, default=list)

    hub: Mapped[Hub] = relationship(back_populates="sections")
    picks: Mapped[list[Service]] = relationship(secondary=section_pick)


def section_slug(title: str, taken: set[str]) -> str:
    """A slug for a new section titled ``title``, not one of ``taken`` (the hub's others)."""
    base = re.sub(r"[^a-z0-9]+", "-", title.casefold()).strip("-")[:70] or "section"
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug
