"""What goes into each leaflet, as plain printable data.

Every listing is read through ``app.directory.public_view.public_listing`` — the public view, which has no
care clusters — and only public listings (``is_public``) are used, so a leaflet shows exactly what the
public sees online (design §2 principles 2 and 5). Clusters are never loaded here.

Hub sections hold the listings their rule picks (``app.hubs.sections``, the same rule as the hub pages
online). A section's own leaflet holds as many as fit its pages; when there are more, it keeps those picked
by hand, then those serving the hub's own areas, then the area-wide ones, says so, and points to the full
list online and to the whole-hub booklet.
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
from app.hubs.sections import fitting_choice, section_listings
from app.taxonomies import taxonomy, urgent_help

# Everything a printed listing needs, and nothing more: never Service.clusters.
LOAD_OPTIONS = (
    selectinload(Service.organisation),
    selectinload(Service.locations),
    selectinload(Service.opening_times),
    selectinload(Service.cost_options),
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

    kind: str  # hub, section, category, shortlist, flyer
    title: str
    subtitle: str
    site_url: str
    urgent: tuple[UrgentContact, ...]
    sections: tuple[Section, ...] = ()
    places: tuple[str, ...] = ()  # the area names a hub covers
    hub: str = ""  # the hub's slug, for hub, section and flyer leaflets
    hub_name: str = ""
    online_url: str = ""  # the same content online, for the QR code on the cover
    booklet_url: str = ""  # a section leaflet's whole-hub booklet
    total: int = 0  # how many listings the content holds online, when the leaflet shows fewer
    notes: tuple[tuple[int, str], ...] = field(default=())  # shortlist only: a referrer's notes by listing id

    @property
    def listing_ids(self) -> frozenset[int]:
        return frozenset(entry.id for section in self.sections for entry in section.entries)

    @property
    def shown(self) -> int:
        return sum(len(section.entries) for section in self.sections)

    @property
    def is_a_choice(self) -> bool:
        """Shows only some of the listings it stands for (a section with more than fit)."""
        return self.total > self.shown

    @property
    def choice_note(self) -> str:
        """For a section leaflet that shows only some of its listings: which, by what rule, and where the rest
        are. Empty otherwise."""
        if not self.is_a_choice:
            return ""
        return (f"This leaflet lists {self.shown} of the {self.total} services in this part of the hub: those "
                f"the hub picked first, then those serving its own areas, then those serving the whole area. "
                f"See all {self.total} at {self.online_url.split('://', 1)[-1]}, or ask for the whole-hub "
                f"booklet ({self.booklet_url.split('://', 1)[-1]}).")

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


def urgent_contacts() -> tuple[UrgentContact, ...]:
    return tuple(UrgentContact(c["name"], c["how"], c.get("detail", "")) for c in urgent_help())


def area_names(slugs: Iterable[str]) -> tuple[str, ...]:
    areas = taxonomy("areas")
    return tuple(areas.label(slug) for slug in slugs)


def hub_url(site_url: str, hub: Hub) -> str:
    return f"{site_address(site_url)}/hubs/{hub.slug}"


def section_url(site_url: str, hub: Hub, section: HubSection) -> str:
    return f"{hub_url(site_url, hub)}/{section.slug}"


def booklet_file(hub: Hub, large_print: bool = False) -> str:
    """The whole-hub booklet a section leaflet points to: the A4 one, which any office printer takes, or for a
    large-print leaflet the large-print one."""
    return f"hub-{hub.slug}-{'large-print' if large_print else 'a4'}.pdf"


def hub_leaflet(hub: Hub, directory: Directory) -> Leaflet:
    """The whole-hub booklet: every section with every listing, for staff."""
    sections = tuple(
        Section(section.title, section.intro, directory.entries(section_listings(section, hub, directory.services)))
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
        hub_name=hub.name,
        online_url=hub_url(directory.site_url, hub),
    )


def section_leaflet(hub: Hub, section: HubSection, directory: Directory, room: int | None = None,
                    large_print: bool = False) -> Leaflet:
    """One part of a hub as a short leaflet: at most ``room`` listings, chosen by ``fitting_choice``."""
    listings = section_listings(section, hub, directory.services)
    chosen = listings if room is None else fitting_choice(listings, section, hub, room)
    return Leaflet(
        kind="section",
        title=section.title,
        subtitle=f"{hub.name} hub: help and support near you",
        site_url=directory.site_url,
        urgent=urgent_contacts(),
        sections=(Section(section.title, section.intro, directory.entries(chosen)),),
        places=area_names(hub.areas),
        hub=hub.slug,
        hub_name=hub.name,
        online_url=section_url(directory.site_url, hub, section),
        booklet_url=f"{site_address(directory.site_url)}/leaflets/{booklet_file(hub, large_print)}",
        total=len(listings),
    )


def categories_with_listings(directory: Directory) -> list[str]:
    """Every category some public listing is in, in the taxonomy's order."""
    used = {slug for service in directory.services for slug in service.categories}
    return [slug for slug in taxonomy("categories").slugs if slug in used]


def category_leaflet(category: str, directory: Directory) -> Leaflet:
    """Every public listing in one category across the whole area."""
    categories = taxonomy("categories")
    term = categories.get(category)
    return Leaflet(
        kind="category",
        title=categories.label(category),
        subtitle="Services across Bath and North East Somerset",
        site_url=directory.site_url,
        urgent=urgent_contacts(),
        sections=(Section(categories.label(category), term.description if term else "",
                          directory.entries(s for s in directory.services if category in s.categories)),),
        places=area_names(["bnes-wide"]),
        online_url=f"{site_address(directory.site_url)}/search?category={category}",
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


def referrers_flyer(site_url: str, hub: Hub | None = None) -> Leaflet:
    """The one-page flyer for professionals, for the whole area or naming one hub and its parts."""
    if hub is None:
        return Leaflet(
            kind="flyer",
            title="Well Aware: local help, in one place",
            subtitle="For GPs, social prescribers, care co-ordinators, navigators and village agents",
            site_url=site_url,
            urgent=urgent_contacts(),
            online_url=site_address(site_url),
        )
    return Leaflet(
        kind="flyer",
        title=f"Well Aware for the {hub.name} hub",
        subtitle="For GPs, social prescribers, care co-ordinators, navigators and village agents",
        site_url=site_url,
        urgent=urgent_contacts(),
        sections=tuple(Section(section.title, section.intro, ()) for section in hub.sections),
        places=area_names(hub.areas),
        hub=hub.slug,
        hub_name=hub.name,
        online_url=hub_url(site_url, hub),
    )
