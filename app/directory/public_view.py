"""What the public may see of a listing. Built from a ``Service`` without its clusters, so no public
template can show them by mistake (design §2, principle 2)."""

import json
from dataclasses import asdict, dataclass
from datetime import date

from app.directory.listing_data import rule_from_row
from app.directory.models import Service
from app.taxonomies import taxonomy

# How to get in: the routes a person can take themselves come first.
REFERRAL_ORDER = ("self", "gp", "professional", "urgent")


@dataclass(frozen=True)
class Labelled:
    slug: str
    name: str


@dataclass(frozen=True)
class PublicLocation:
    address: str
    postcode: str


@dataclass(frozen=True)
class PublicListing:
    id: int
    kind: str
    kind_name: str
    name: str
    summary: str
    description: str
    organisation_name: str
    organisation_website: str
    categories: tuple[Labelled, ...]
    audiences: tuple[Labelled, ...]
    ages: str
    cost: Labelled
    cost_options: tuple[str, ...]
    referral: tuple[Labelled, ...]
    access: tuple[Labelled, ...]
    accessibility: tuple[Labelled, ...]
    areas: tuple[Labelled, ...]
    locations: tuple[PublicLocation, ...]
    opening_times: tuple[str, ...]
    evening_times: tuple[str, ...]  # those of the opening times that run past 6pm
    weekend_times: tuple[str, ...]
    event_date: date | None
    phone: str
    email: str
    website: str
    assured_at: date | None

    @property
    def self_referral(self) -> bool:
        return any(route.slug == "self" for route in self.referral)


def age_range_text(min_age: int | None, max_age: int | None) -> str:
    if min_age is None and max_age is None:
        return "All ages"
    if max_age is None:
        return f"Aged {min_age} and over"
    if min_age is None or min_age == 0:
        return f"Aged {max_age} and under"
    return f"Aged {min_age} to {max_age}"


def _labelled(taxonomy_name: str, slugs: list[str]) -> tuple[Labelled, ...]:
    terms = taxonomy(taxonomy_name)
    return tuple(Labelled(slug, terms.label(slug)) for slug in slugs)


def public_listing(service: Service) -> PublicListing:
    referral = sorted(service.referral, key=lambda s: REFERRAL_ORDER.index(s) if s in REFERRAL_ORDER else 99)
    rules = [rule_from_row(r) for r in service.opening_times]
    option_text = []
    for option in service.cost_options:
        amount = f"£{option.amount:.2f}".replace(".00", "")
        option_text.append(f"{option.option}: {amount}" + (f" per {option.per}" if option.per else ""))
    return PublicListing(
        id=service.id,
        kind=service.kind,
        kind_name=taxonomy("kinds").label(service.kind),
        name=service.name,
        summary=service.summary,
        description=service.description,
        organisation_name=service.organisation.name,
        organisation_website=service.organisation.website,
        categories=_labelled("categories", service.categories),
        audiences=_labelled("audiences", service.audiences),
        ages=age_range_text(service.min_age, service.max_age),
        cost=Labelled(service.cost, taxonomy("cost").label(service.cost)),
        cost_options=tuple(option_text),
        referral=_labelled("referral", referral),
        access=_labelled("access", service.access),
        accessibility=_labelled("accessibility", service.accessibility),
        areas=_labelled("areas", service.areas),
        locations=tuple(PublicLocation(loc.address, loc.postcode) for loc in service.locations),
        opening_times=tuple(rule.spoken() for rule in rules),
        evening_times=tuple(rule.spoken() for rule in rules if rule.is_evening),
        weekend_times=tuple(rule.spoken() for rule in rules if rule.is_weekend),
        event_date=service.event_date,
        phone=service.phone,
        email=service.email,
        website=service.website,
        assured_at=service.assured_at,
    )


@dataclass(frozen=True)
class ListingCard:
    """What a list of results shows of a listing. Small enough to keep in the search index beside the
    listing's document, so a page of results needs no database query."""

    id: int
    name: str
    kind_name: str
    organisation_name: str
    event_date: date | None
    summary: str
    cost: Labelled
    ages: str
    self_referral: bool
    opening_times: tuple[str, ...]
    evening_times: tuple[str, ...]
    weekend_times: tuple[str, ...]

    def to_json(self) -> str:
        fields = asdict(self)
        fields["event_date"] = self.event_date.isoformat() if self.event_date else None
        return json.dumps(fields, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(cls, text: str) -> "ListingCard":
        fields = json.loads(text)
        event_date = fields.pop("event_date")
        return cls(**fields | {"event_date": date.fromisoformat(event_date) if event_date else None,
                               "cost": Labelled(**fields["cost"]),
                               "opening_times": tuple(fields["opening_times"]),
                               "evening_times": tuple(fields["evening_times"]),
                               "weekend_times": tuple(fields["weekend_times"])})


def listing_card(listing: PublicListing) -> ListingCard:
    return ListingCard(
        id=listing.id,
        name=listing.name,
        kind_name=listing.kind_name,
        organisation_name=listing.organisation_name,
        event_date=listing.event_date,
        summary=listing.summary,
        cost=listing.cost,
        ages=listing.ages,
        self_referral=listing.self_referral,
        opening_times=listing.opening_times,
        evening_times=listing.evening_times,
        weekend_times=listing.weekend_times,
    )
