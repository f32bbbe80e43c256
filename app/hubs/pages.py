"""What the public hub pages show, as view models built from the hubs and the public listings.

Templates get these, never a ``Hub`` or ``Service`` row, so no hub page can show a care cluster or a
listing the public may not see (design §2 principle 2, §3).
"""

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.directory.models import Service
from app.directory.public_view import Labelled
from app.extensions import db
from app.hubs.models import Hub, HubSection
from app.hubs.sections import section_listings, sections_holding
from app.leaflets.views import file_size
from app.taxonomies import taxonomy

# The printed leaflets of a section in the leaflet bank: the file name's ending → how a link names it.
SECTION_LEAFLETS = (("a5", "Printed leaflet (A5)"), ("large-print", "Large-print leaflet (A5)"))


@dataclass(frozen=True)
class HubSummary:
    slug: str
    name: str
    description: str
    areas: tuple[Labelled, ...]


@dataclass(frozen=True)
class SectionSummary:
    slug: str
    title: str
    intro: str
    count: int  # how many public listings it holds


@dataclass(frozen=True)
class HubPage:
    hub: HubSummary
    sections: tuple[SectionSummary, ...]


@dataclass(frozen=True)
class LeafletLink:
    file: str
    label: str
    size: str


@dataclass(frozen=True)
class SectionPlace:
    """A hub section holding a listing: the "Part of" line on the listing's page."""

    hub_slug: str
    hub_name: str
    section_slug: str
    section_title: str


# A hub with its sections and their picks, all that ``section_listings`` reads of it.
HUB_OPTIONS = (selectinload(Hub.sections).selectinload(HubSection.picks),)


def all_hubs() -> list[Hub]:
    return list(db.session.scalars(select(Hub).order_by(Hub.name).options(*HUB_OPTIONS)))


def hub_by_slug(slug: str) -> Hub | None:
    return db.session.scalars(select(Hub).where(Hub.slug == slug).options(*HUB_OPTIONS)).first()


def hub_summary(hub: Hub) -> HubSummary:
    areas = taxonomy("areas")
    return HubSummary(hub.slug, hub.name, hub.description,
                      tuple(Labelled(slug, areas.label(slug)) for slug in hub.areas))


def section_summary(section: HubSection, count: int) -> SectionSummary:
    return SectionSummary(section.slug, section.title, section.intro, count)


def hub_page(hub: Hub, services: Sequence[Service]) -> HubPage:
    return HubPage(hub_summary(hub), tuple(section_summary(section, len(section_listings(section, hub, services)))
                                           for section in hub.sections))


def section_leaflets(hub: Hub, section: HubSection, manifest: dict[str, dict[str, object]]) -> tuple[LeafletLink, ...]:
    """The section's leaflets the bank holds now: only files its manifest names are ever served."""
    links = []
    for ending, label in SECTION_LEAFLETS:
        name = f"hub-{hub.slug}-{section.slug}-{ending}.pdf"
        if name in manifest:
            links.append(LeafletLink(name, label, file_size(manifest[name].get("size"))))
    return tuple(links)


def places_of(service: Service) -> tuple[SectionPlace, ...]:
    """Every hub section holding the public listing ``service``, hubs by name, each hub's in its order: the
    "Part of" row of its page."""
    return tuple(SectionPlace(section.hub.slug, section.hub.name, section.slug, section.title)
                 for section in sections_holding(service, all_hubs()))
