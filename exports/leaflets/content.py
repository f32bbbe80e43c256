"""What goes into each leaflet, as plain printable data.

Every listing is read through ``app.directory.public_view.public_listing`` — the public view, which has no
care clusters — and only public listings (``is_public``) are used, so a leaflet shows exactly what the
public sees online (design §2 principles 2 and 5). Clusters are never loaded here.

Hub sections choose listings like this, in a stable order:

1. the section's hand-picked listings, by name;
2. then the other listings in any of the section's categories OR audiences, by name;

keeping only listings that are public and serve one of the hub's areas, or the whole area (``bnes-wide``) or
anyone (``national``). A listing may appear in more than one section.
"""

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.directory.models import Service, ServiceStatus
from app.directory.public_view import PublicListing, public_listing
from app.directory.visibility import is_public
from app.extensions import db
from app.hubs.models import Hub, HubSection
from app.taxonomies import taxonomy, urgent_help, wide_areas

# Everything a printed listing needs, and nothing more: never Service.clusters.
LOAD_OPTIONS = (
    selectinload(Service.organisation),
    selectinload(Service.locations),
    selectinload(Service.opening_times),
    selectinload(Service.cost_options),
)


@dataclass(frozen=True)
class CategoryLeafletSpec:
    """A leaflet of one or more categories across the whole area."""

    slug: str
    title: str
    categories: tuple[str, ...]


# Topic leaflets across the whole area. (A leaflet for every single category was tried: sixteen more
# leaflets, most repeating the hub leaflets, took as long to render as two hub leaflets.)
CATEGORY_LEAFLETS = (
    CategoryLeafletSpec("money-and-housing", "Money and housing help", ("money", "housing")),
)


@dataclass(frozen=True)
class Entry:
    """One listing as printed."""

    id: int
    name: str
    summary: str
    organisation: str
    kind: str
    who: str
    cost: str
    referral: tuple[str, ...]  # self-referral first, where it applies
    when: tuple[str, ...]
    where: tuple[str, ...]
    how: tuple[str, ...]
    accessibility: tuple[str, ...]
    phone: str
    email: str
    website: str
    confirmed: str  # month and year the details were last confirmed
    url: str  # the listing online: SITE_URL/services/<id>

    @property
    def url_display(self) -> str:
        return self.url.split("://", 1)[-1]


@dataclass(frozen=True)
class Section:
    title: str
    intro: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class UrgentContact:
    name: str
    how: str
    detail: str


@dataclass(frozen=True)
class Leaflet:
    """A leaflet's whole content. Its fingerprint changes exactly when what is printed changes."""

    kind: str  # hub, category, shortlist, flyer
    title: str
    subtitle: str
    site_url: str
    urgent: tuple[UrgentContact, ...]
    sections: tuple[Section, ...] = ()
    places: tuple[str, ...] = ()  # the area names a hub covers
    hub: str = ""  # the hub's slug, for hub leaflets
    notes: tuple[tuple[int, str], ...] = field(default=())  # shortlist only: a referrer's notes by listing id

    @property
    def listing_ids(self) -> frozenset[int]:
        return frozenset(entry.id for section in self.sections for entry in section.entries)

    def note_for(self, listing_id: int) -> str:
        return dict(self.notes).get(listing_id, "")

    def fingerprint(self) -> str:
        data = json.dumps(asdict(self), sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(data.encode("utf-8")).hexdigest()


def listing_url(site_url: str, listing_id: int) -> str:
    """The listing's public page (design §7: ``GET /services/<id>``) at the configured site address."""
    return f"{site_url.rstrip('/')}/services/{listing_id}"


def site_address(site_url: str) -> str:
    return site_url.rstrip("/")


def month_year(day: date | None) -> str:
    return f"{day:%B %Y}" if day else "not yet confirmed"


def long_date(day: date) -> str:
    return f"{day:%A} {day.day} {day:%B %Y}"


def entry_from_listing(listing: PublicListing, site_url: str) -> Entry:
    who = listing.ages
    if listing.audiences:
        who += "; especially for " + ", ".join(audience.name.lower() for audience in listing.audiences)
    cost = listing.cost.name + (f" ({'; '.join(listing.cost_options)})" if listing.cost_options else "")
    when = listing.opening_times
    if listing.event_date is not None:
        when = (long_date(listing.event_date) + (f", {when[0]}" if when else ""), *when[1:])
    return Entry(
        id=listing.id,
        name=listing.name,
        summary=listing.summary,
        organisation=listing.organisation_name,
        kind=listing.kind_name,
        who=who,
        cost=cost,
        referral=tuple(route.name for route in listing.referral),
        when=tuple(when),
        where=tuple(", ".join(p for p in (loc.address, loc.postcode) if p) for loc in listing.locations),
        how=tuple(mode.name for mode in listing.access),
        accessibility=tuple(feature.name for feature in listing.accessibility),
        phone=listing.phone,
        email=listing.email,
        website=listing.website,
        confirmed=month_year(listing.assured_at),
        url=listing_url(site_url, listing.id),
    )


def sort_key(service: Service) -> tuple[str, int]:
    return (service.name.casefold(), service.id)


class Directory:
    """The public listings, loaded once (one query per table) for however many leaflets are made from them."""

    def __init__(self, services: Iterable[Service], site_url: str, day: date | None = None) -> None:
        self.site_url = site_url
        self.services: list[Service] = sorted((s for s in services if is_public(s, day)), key=sort_key)
        self.by_id: dict[int, Service] = {service.id: service for service in self.services}
        self._entries: dict[int, Entry] = {}

    @classmethod
    def load(cls, site_url: str, day: date | None = None) -> "Directory":
        query = select(Service).where(Service.status == ServiceStatus.PUBLISHED).options(*LOAD_OPTIONS)
        return cls(db.session.scalars(query), site_url, day)

    def entry(self, service: Service) -> Entry:
        if service.id not in self._entries:
            self._entries[service.id] = entry_from_listing(public_listing(service), self.site_url)
        return self._entries[service.id]

    def entries(self, services: Iterable[Service]) -> tuple[Entry, ...]:
        return tuple(self.entry(service) for service in services)


def serves_any(service: Service, areas: Iterable[str]) -> bool:
    return bool(set(service.areas) & (set(areas) | wide_areas()))


def section_services(section: HubSection, hub_areas: Sequence[str], directory: Directory) -> list[Service]:
    """The listings a hub section shows, in order: picks first, then category or audience matches."""
    picks = sorted(
        (directory.by_id[pick.id] for pick in section.picks
         if pick.id in directory.by_id and serves_any(directory.by_id[pick.id], hub_areas)),
        key=sort_key,
    )
    picked = {service.id for service in picks}
    categories, audiences = set(section.categories), set(section.audiences)
    matched = [
        service for service in directory.services
        if service.id not in picked
        and (categories & set(service.categories) or audiences & set(service.audiences))
        and serves_any(service, hub_areas)
    ]
    return picks + matched


def urgent_contacts() -> tuple[UrgentContact, ...]:
    return tuple(UrgentContact(c["name"], c["how"], c.get("detail", "")) for c in urgent_help())


def area_names(slugs: Iterable[str]) -> tuple[str, ...]:
    areas = taxonomy("areas")
    return tuple(areas.label(slug) for slug in slugs)


def hub_leaflet(hub: Hub, directory: Directory) -> Leaflet:
    sections = tuple(
        Section(section.title, section.intro, directory.entries(section_services(section, hub.areas, directory)))
        for section in hub.sections
    )
    return Leaflet(
        kind="hub",
        title=f"Help and support in {hub.name}",
        subtitle="Health, mental health, wellbeing and community services near you",
        site_url=directory.site_url,
        urgent=urgent_contacts(),
        sections=sections,
        places=area_names(hub.areas),
        hub=hub.slug,
    )


def category_leaflet(spec: CategoryLeafletSpec, directory: Directory) -> Leaflet:
    """Listings in the spec's categories across the whole area: one part per category."""
    categories = taxonomy("categories")
    sections = tuple(
        Section(
            categories.label(slug),
            categories.get(slug).description if categories.get(slug) else "",
            directory.entries(s for s in directory.services if slug in s.categories),
        )
        for slug in spec.categories
    )
    return Leaflet(
        kind="category",
        title=spec.title,
        subtitle="Services across Bath and North East Somerset",
        site_url=directory.site_url,
        urgent=urgent_contacts(),
        sections=sections,
        places=area_names(["bnes-wide"]),
    )


def shortlist_leaflet(listings: Sequence[PublicListing], notes: dict[int, str], site_url: str) -> Leaflet:
    """A visitor's shortlist, in their order; ``notes`` only when a referrer asked for them."""
    ids = {listing.id for listing in listings}
    return Leaflet(
        kind="shortlist",
        title="Services that may help",
        subtitle="A shortlist from Well Aware",
        site_url=site_url,
        urgent=urgent_contacts(),
        sections=(Section("Your shortlist", "", tuple(entry_from_listing(item, site_url) for item in listings)),),
        notes=tuple((listing_id, text) for listing_id, text in notes.items() if listing_id in ids),
    )


def referrers_flyer(site_url: str) -> Leaflet:
    return Leaflet(
        kind="flyer",
        title="Well Aware: local help, in one place",
        subtitle="For GPs, social prescribers, care co-ordinators, navigators and village agents",
        site_url=site_url,
        urgent=urgent_contacts(),
    )
