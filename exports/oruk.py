"""Listings as Open Referral UK 3.0 documents (``data/oruk/``), for the API and the ORUK export.

Only public fields: clusters are never published, not even as a taxonomy. Empty fields are left out.
"""

from decimal import Decimal

from app.directory.listing_data import rule_from_row
from app.directory.models import Organisation, Service
from app.directory.schedule import OpeningRule
from app.taxonomies import Taxonomy, Term, taxonomy
from exports.oruk_ids import derived_id, taxonomy_id, term_id

# Our taxonomies published to ORUK, as attributes of each service.
PUBLISHED_TAXONOMIES = ("categories", "audiences", "cost", "referral", "access", "accessibility", "kinds")
REGION = "Bath and North East Somerset"
RRULE_DAYS = {"Mon": "MO", "Tue": "TU", "Wed": "WE", "Thu": "TH", "Fri": "FR", "Sat": "SA", "Sun": "SU"}


def compact(value: object) -> object:
    """Leave out empty fields (None, "", [] and {}), as ORUK asks, at every depth."""
    if isinstance(value, dict):
        cleaned = {k: compact(v) for k, v in value.items()}
        return {k: v for k, v in cleaned.items() if v not in (None, "", [], {})}
    if isinstance(value, list):
        return [compact(item) for item in value if item not in (None, "", [], {})]
    return value


def taxonomy_document(tax: Taxonomy) -> dict[str, object]:
    return {"id": taxonomy_id(tax.name), "name": tax.title, "description": f"Well Aware {tax.name}",
            "version": "1"}


def term_document(tax: Taxonomy, term: Term) -> dict[str, object]:
    return compact({"id": term_id(tax.name, term.slug), "code": term.slug, "term": term.slug, "name": term.name,
                    "description": term.description or term.name, "taxonomy": tax.name,
                    "taxonomy_id": taxonomy_id(tax.name)})


def organisation_document(organisation: Organisation) -> dict[str, object]:
    identifiers = []
    if organisation.charity_number:
        identifiers.append({"id": derived_id(organisation.uid, "charity"), "identifier_scheme": "GB-CHC",
                            "identifier_type": "Charity number", "identifier": organisation.charity_number})
    return compact({
        "id": organisation.uid, "name": organisation.name, "description": organisation.description or organisation.name,
        "email": organisation.email, "website": organisation.website, "organization_identifiers": identifiers,
    })


def _schedule(service: Service, position: int, rule: OpeningRule) -> dict[str, object]:
    # An overnight rule is written as iCalendar has it: opens_at 22:00, closes_at 02:00 on FR (the next morning).
    document: dict[str, object] = {"id": derived_id(service.uid, "schedule", position), "description": rule.spoken(),
                                   "notes": rule.note}
    if rule.frequency == "always":  # ORUK has no daily rule: every day of the week, all day
        document |= {"freq": "WEEKLY", "interval": 1, "byday": ",".join(RRULE_DAYS.values()),
                     "opens_at": "00:00:00", "closes_at": "23:59:59"}
        return document
    document |= {"opens_at": f"{rule.opens_at:%H:%M:%S}", "closes_at": f"{rule.closes_at:%H:%M:%S}"}
    if rule.frequency == "event":
        day = service.event_date.isoformat() if service.event_date else None
        return document | {"dtstart": day, "valid_from": day, "valid_to": day}
    days = [RRULE_DAYS[d] for d in rule.days]
    if rule.frequency == "monthly":
        return document | {"freq": "MONTHLY", "interval": 1, "byday": f"{rule.week_of_month}{days[0]}"}
    interval = 2 if rule.frequency == "fortnightly" else 1
    return document | {"freq": "WEEKLY", "interval": interval, "byday": ",".join(days)}


def _location(service: Service, position: int) -> dict[str, object]:
    location = service.locations[position]
    parts = [part.strip() for part in location.address.split(",")]
    return {
        "id": derived_id(service.uid, "service_at_location", position),
        "service_id": service.uid,
        "location_id": derived_id(service.uid, "location", position),
        "location": compact({
            "id": derived_id(service.uid, "location", position),
            "location_type": "physical",
            "name": parts[0],
            "description": location.address,
            "latitude": location.latitude,
            "longitude": location.longitude,
            # ORUK addresses need a postcode and a town; without a postcode the address stays in the description.
            "addresses": [{
                "id": derived_id(service.uid, "address", position),
                "address_1": location.address,
                "city": parts[-1] if len(parts) > 1 else REGION,
                "state_province": REGION,
                "postal_code": location.postcode,
                "country": "GB",
                "address_type": "physical",
            }] if location.postcode else [],
        }),
    }


def _amount(value: Decimal) -> float | int:
    return int(value) if value == value.to_integral_value() else float(value)


def _attributes(service: Service) -> list[dict[str, object]]:
    attributes = []
    values = {"categories": service.categories, "audiences": service.audiences, "cost": [service.cost],
              "referral": service.referral, "access": service.access, "accessibility": service.accessibility,
              "kinds": [service.kind]}
    for name in PUBLISHED_TAXONOMIES:
        tax = taxonomy(name)
        for slug in values[name]:
            term = tax.get(slug)
            if term is not None:
                attributes.append({"id": derived_id(service.uid, "attribute", name, slug),
                                   "taxonomy_term_id": term_id(name, slug), "taxonomy_term": term_document(tax, term)})
    return attributes


def _fees(service: Service) -> str:
    label = taxonomy("cost").label(service.cost)
    options = "; ".join(f"{o.option} £{o.amount:.2f}" + (f" per {o.per}" if o.per else "")
                        for o in service.cost_options)
    return f"{label}. {options}" if options else label


def service_summary(service: Service) -> dict[str, object]:
    """The one-to-one fields of a service, as in ORUK's service list."""
    return compact({
        "id": service.uid,
        "organization_id": service.organisation.uid,
        "name": service.name,
        "description": "\n\n".join(part for part in (service.summary, service.description) if part),
        "url": service.website,
        "email": service.email,
        "status": "active",
        "fees": _fees(service),
        "minimum_age": service.min_age,
        "maximum_age": service.max_age,
        "assured_date": service.assured_at.isoformat() if service.assured_at else None,
        "last_modified": service.updated_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "organization": organisation_document(service.organisation),
    })


def service_document(service: Service) -> dict[str, object]:
    """The fully nested service."""
    rules = [rule_from_row(r) for r in service.opening_times]
    area_names = taxonomy("areas")
    document = service_summary(service) | {
        "schedules": [_schedule(service, i, rule) for i, rule in enumerate(rules)],
        "service_areas": [{"id": derived_id(service.uid, "area", slug), "name": area_names.label(slug),
                           "service_area": area_names.label(slug),
                           "uri": f"urn:wellaware:area:{slug}"} for slug in service.areas],
        "service_at_locations": [_location(service, i) for i in range(len(service.locations))],
        "cost_options": [{"id": derived_id(service.uid, "cost_option", o.position), "option": o.option,
                          "amount": _amount(o.amount), "currency": "GBP",
                          "amount_description": f"per {o.per}" if o.per else ""} for o in service.cost_options],
        "contacts": [{"id": derived_id(service.uid, "contact"), "name": service.organisation.name,
                      "email": service.email,
                      "phones": [{"id": derived_id(service.uid, "phone"), "number": service.phone}]
                      if service.phone else []}] if (service.phone or service.email) else [],
        "attributes": _attributes(service),
    }
    return compact(document)


def service_at_location_documents(service: Service) -> list[dict[str, object]]:
    return [compact(_location(service, i) | {"service": service_summary(service)})
            for i in range(len(service.locations))]
