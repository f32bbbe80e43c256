"""The portable form of one listing: what a revision stores, an import reads and an export writes.

``ListingData`` holds every field of a listing as plain values. ``validate`` checks it against the
taxonomies with plain-English messages; ``apply_to`` writes it onto a ``Service`` row.
"""

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation

from app.directory.models import ClusterFocus, CostOption, Location, OpeningTime, Service, ServiceCluster
from app.directory.phones import phone_problem
from app.directory.schedule import OpeningRule, ScheduleError, parse_opening_hours, written_form
from app.geography.placing import district_known, point_of, unknown_district_message
from app.geography.shape import normalise_postcode
from app.taxonomies import LIST_TAXONOMIES, cluster_codes, taxonomy

MAX_AGE = 120
SINGULAR = {"categories": "category", "audiences": "audience", "referral": "referral route",
            "access": "access mode", "accessibility": "accessibility feature", "areas": "area"}


@dataclass
class CostOptionData:
    option: str
    amount: str  # a decimal string such as "12.50", so it survives JSON exactly
    per: str = ""

    def written(self) -> str:
        amount = Decimal(self.amount)
        shown = f"{amount:.0f}" if amount == amount.to_integral_value() else f"{amount:.2f}"
        return f"{self.option} £{shown}" + (f" per {self.per}" if self.per else "")


@dataclass
class LocationData:
    address: str
    postcode: str = ""


@dataclass
class ListingData:
    organisation: str
    name: str
    kind: str = "service"
    summary: str = ""
    description: str = ""
    categories: list[str] = field(default_factory=list)
    audiences: list[str] = field(default_factory=list)
    clusters_main: list[int] = field(default_factory=list)
    clusters_also: list[int] = field(default_factory=list)
    all_clusters: bool = False
    min_age: int | None = None
    max_age: int | None = None
    cost: str = "free"
    cost_options: list[CostOptionData] = field(default_factory=list)
    referral: list[str] = field(default_factory=list)
    access: list[str] = field(default_factory=list)
    accessibility: list[str] = field(default_factory=list)
    areas: list[str] = field(default_factory=list)
    locations: list[LocationData] = field(default_factory=list)
    phone: str = ""
    email: str = ""
    website: str = ""
    opening_hours: str = ""
    event_date: date | None = None
    assured_at: date | None = None

    # --- conversions -------------------------------------------------------------------------

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["event_date"] = self.event_date.isoformat() if self.event_date else None
        data["assured_at"] = self.assured_at.isoformat() if self.assured_at else None
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> "ListingData":
        values = dict(data)
        values["cost_options"] = [CostOptionData(**option) for option in values.get("cost_options", [])]
        values["locations"] = [LocationData(**location) for location in values.get("locations", [])]
        for key in ("event_date", "assured_at"):
            values[key] = date.fromisoformat(values[key]) if values.get(key) else None
        return cls(**values)

    @classmethod
    def from_service(cls, service: Service) -> "ListingData":
        return cls(
            organisation=service.organisation.name,
            name=service.name,
            kind=service.kind,
            summary=service.summary,
            description=service.description,
            categories=list(service.categories),
            audiences=list(service.audiences),
            clusters_main=service.clusters_with(ClusterFocus.MAIN),
            clusters_also=service.clusters_with(ClusterFocus.ALSO),
            all_clusters=service.all_clusters,
            min_age=service.min_age,
            max_age=service.max_age,
            cost=service.cost,
            cost_options=[CostOptionData(o.option, f"{o.amount:.2f}", o.per) for o in service.cost_options],
            referral=list(service.referral),
            access=list(service.access),
            accessibility=list(service.accessibility),
            areas=list(service.areas),
            locations=[LocationData(loc.address, loc.postcode) for loc in service.locations],
            phone=service.phone,
            email=service.email,
            website=service.website,
            opening_hours=written_form([rule_from_row(row) for row in service.opening_times]),
            event_date=service.event_date,
            assured_at=service.assured_at,
        )

    def apply_to(self, service: Service) -> None:
        """Write every field onto ``service`` (organisation is set by the caller)."""
        for name in ("name", "kind", "summary", "description", "all_clusters", "min_age", "max_age", "cost",
                     "phone", "email", "website", "event_date", "assured_at"):
            setattr(service, name, getattr(self, name))
        for name in LIST_TAXONOMIES:
            setattr(service, name, list(getattr(self, name)))
        service.clusters = [ServiceCluster(cluster=c, focus=ClusterFocus.MAIN) for c in self.clusters_main] + [
            ServiceCluster(cluster=c, focus=ClusterFocus.ALSO) for c in self.clusters_also
        ]
        service.cost_options = [
            CostOption(position=i, option=o.option, amount=Decimal(o.amount), per=o.per)
            for i, o in enumerate(self.cost_options)
        ]
        service.locations = [_location_row(i, loc) for i, loc in enumerate(self.locations)]
        rules = parse_opening_hours(self.opening_hours, is_event=self.kind == "event")
        service.opening_times = [
            OpeningTime(position=i, frequency=r.frequency, days=list(r.days), week_of_month=r.week_of_month,
                        opens_at=r.opens_at, closes_at=r.closes_at, note=r.note)
            for i, r in enumerate(rules)
        ]


def rule_from_row(row: OpeningTime) -> OpeningRule:
    return OpeningRule(row.frequency, tuple(row.days), row.week_of_month, row.opens_at, row.closes_at, row.note)


def canonical_opening_hours(text: str, *, is_event: bool) -> str:
    """The written form tidied (``Sat-Sun`` → ``Sat,Sun``), or as given when it cannot be read."""
    try:
        return written_form(parse_opening_hours(text, is_event=is_event))
    except ScheduleError:
        return text


def _location_row(position: int, location: LocationData) -> Location:
    latitude, longitude = point_of(location.postcode)  # its own point, its district's centre, or none
    return Location(position=position, address=location.address, postcode=location.postcode, latitude=latitude,
                    longitude=longitude)


def parse_cost_option(text: str) -> CostOptionData:
    """``Concessions £2.50 per session`` → option, amount and unit."""
    match = re.match(r"^(?P<option>.*?)\s*£\s*(?P<amount>\d+(?:\.\d{1,2})?)\s*(?:per\s+(?P<per>.+))?$", text.strip())
    if not match or not match["option"]:
        raise ValueError(f"'{text.strip()}' is not a cost we can read; write it like 'Concessions £2.50 per session'")
    try:
        amount = Decimal(match["amount"])
    except InvalidOperation as error:  # pragma: no cover - the pattern admits only numbers
        raise ValueError(f"'{match['amount']}' is not an amount") from error
    return CostOptionData(match["option"].strip(), f"{amount:.2f}", (match["per"] or "").strip())


# The longest text each field holds (the database columns' sizes).
MAX_LENGTHS = {"organisation": 200, "phone": 50, "email": 200, "website": 300}
MAX_PRICE = Decimal("99999999.99")


def _length_problems(data: ListingData) -> list[str]:
    problems = [f"{name}: keep it under {limit} characters"
                for name, limit in MAX_LENGTHS.items() if len(getattr(data, name)) > limit]
    for location in data.locations:
        if len(location.address) > 300:
            problems.append("address: keep each address under 300 characters")
        if len(location.postcode) > 10:
            problems.append("postcode: a postcode is at most 8 characters")
    for option in data.cost_options:
        amount = Decimal(option.amount)
        if not amount.is_finite() or not 0 <= amount <= MAX_PRICE:
            problems.append(f"cost_detail: '{option.amount}' is not a price we can show")
        if len(option.option) > 200 or len(option.per) > 100:
            problems.append("cost_detail: keep each price's words short")
    return problems


def validate(data: ListingData, *, event_date_unreadable: bool = False) -> list[str]:
    """Every problem with ``data``, each a plain sentence naming the field."""
    problems: list[str] = []
    if not data.organisation.strip():
        problems.append("organisation: give the organisation's name")
    if not data.name.strip():
        problems.append("name: give the listing a name")
    elif len(data.name) > 200:
        problems.append("name: keep the name under 200 characters")
    if len(data.summary) > 300:
        problems.append("summary: keep the summary to one line (under 300 characters)")
    if data.kind not in taxonomy("kinds").slugs:
        problems.append(f"kind: '{data.kind}' is not one of {', '.join(taxonomy('kinds').slugs)}")
    for name in LIST_TAXONOMIES:
        known = taxonomy(name).slugs
        for slug in getattr(data, name):
            if slug not in known:
                problems.append(f"{name}: '{slug}' is not a known {SINGULAR[name]} (known: {', '.join(known)})")
    if not data.categories:
        problems.append("categories: choose at least one category")
    if not data.areas:
        problems.append("areas: choose at least one area served")
    valid_clusters = cluster_codes()
    for column, codes in (("clusters_main", data.clusters_main), ("clusters_also", data.clusters_also)):
        for code in codes:
            if code not in valid_clusters:
                problems.append(f"{column}: {code} is not a care cluster (0-8 or 10-21)")
    for code in sorted(set(data.clusters_main) & set(data.clusters_also)):
        problems.append(f"clusters: {code} is listed as both main and also; choose one")
    for column, age in (("min_age", data.min_age), ("max_age", data.max_age)):
        if age is not None and not 0 <= age <= MAX_AGE:
            problems.append(f"{column}: {age} is not an age between 0 and {MAX_AGE}")
    if data.min_age is not None and data.max_age is not None and data.min_age > data.max_age:
        problems.append(f"min_age: the minimum age ({data.min_age}) is greater than the maximum age ({data.max_age})")
    if data.cost not in taxonomy("cost").slugs:
        problems.append(f"cost: '{data.cost}' is not one of {', '.join(taxonomy('cost').slugs)}")
    if data.cost == "free" and any(Decimal(o.amount) > 0 for o in data.cost_options):
        problems.append("cost_detail: a free listing cannot have a price")
    for location in data.locations:
        if location.postcode and normalise_postcode(location.postcode) != location.postcode:
            problems.append(f"postcode: '{location.postcode}' is not a UK postcode like 'BA1 3AB'")
        elif location.postcode and not district_known(location.postcode):
            problems.append(f"postcode: {unknown_district_message(location.postcode)}")
        if not location.address.strip():
            problems.append("address: a location needs an address")
    if problem := phone_problem(data.phone):
        problems.append(f"phone: {problem}")
    if data.email and not re.match(r"^[^@\s]+@[^@\s]+\.[^@\s]+$", data.email):
        problems.append(f"email: '{data.email}' is not an email address")
    if data.website and not re.match(r"^https?://[^\s/]+\.[^\s]+$", data.website):
        problems.append(f"website: '{data.website}' should be a full address starting https://")
    problems.extend(_length_problems(data))
    if data.kind == "event" and data.event_date is None and not event_date_unreadable:
        problems.append("event_date: an event needs its date")
    if data.kind != "event" and data.event_date is not None:
        problems.append("event_date: only events have a date; make the kind 'event' or clear the date")
    try:
        parse_opening_hours(data.opening_hours, is_event=data.kind == "event")
    except ScheduleError as error:
        problems.append(f"opening_hours: {error}")
    return problems
