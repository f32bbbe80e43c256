"""Turning a listing into an index document."""

import hashlib
import json

from app.directory.models import ClusterFocus, OrganisationStatus, Service, ServiceStatus
from app.directory.public_view import listing_card, public_listing
from app.directory.schedule import OpeningRule
from app.taxonomies import taxonomy
from search.analysis import words
from search.schema import NO_MAX_AGE


def is_indexable(service: Service) -> bool:
    """Only published listings of organisations still listed are indexed; freshness and event dates are
    checked at query time."""
    return service.status == ServiceStatus.PUBLISHED and service.organisation.status != OrganisationStatus.ARCHIVED


def _time_words(rules: list[OpeningRule]) -> list[str]:
    """Words for when a listing is open, so "tonight" or "at the weekend" find what is open then."""
    found = []
    if any(rule.frequency == "always" for rule in rules):
        found.append("open 24/7, 24 hours, any time, day and night, tonight")
    elif any(rule.is_evening for rule in rules):
        found.append("open evenings")
    if any(rule.is_weekend for rule in rules):
        found.append("open weekends, Saturday, Sunday")
    return found


def _names(taxonomy_name: str, slugs: list[str]) -> list[str]:
    return [taxonomy(taxonomy_name).label(slug) for slug in slugs]


def document(service: Service) -> dict[str, object]:
    rules = [
        OpeningRule(row.frequency, tuple(row.days), row.week_of_month, row.opens_at, row.closes_at)
        for row in service.opening_times
    ]
    keywords = [
        service.organisation.name,
        *_time_words(rules),
        *_names("categories", service.categories),
        *_names("audiences", service.audiences),
        *_names("access", service.access),
        *_names("areas", service.areas),
        *(location.address for location in service.locations),
    ]
    located = next((loc for loc in service.locations if loc.latitude is not None), None)
    doc: dict[str, object] = {
        "id": str(service.id),
        "name": service.name,
        "summary": service.summary,
        "description": service.description,
        "keywords": " ".join(keywords),
        # Each word once: suggestions need to know which words exist and in how many listings, not how often.
        "spelling": " ".join(sorted(set(words(" ".join([service.name, service.summary, service.description,
                                                         *keywords]))))),
        **{name: ",".join(getattr(service, name)) for name in
           ("categories", "audiences", "referral", "access", "accessibility", "areas")},
        "cost": service.cost,
        "kind": service.kind,
        "clusters_main": ",".join(str(c) for c in service.clusters_with(ClusterFocus.MAIN)),
        "clusters_also": ",".join(str(c) for c in service.clusters_with(ClusterFocus.ALSO)),
        "all_clusters": service.all_clusters,
        "min_age": service.min_age if service.min_age is not None else 0,
        "max_age": service.max_age if service.max_age is not None else NO_MAX_AGE,
        "evening": any(rule.is_evening for rule in rules),
        "weekend": any(rule.is_weekend for rule in rules),
        "always_open": any(rule.frequency == "always" for rule in rules),
        "assured": service.assured_at.toordinal() if service.assured_at else 0,
        "event_day": service.event_date.toordinal() if service.event_date else 0,
        "latitude": located.latitude if located else None,
        "longitude": located.longitude if located else None,
        "sort_name": service.name.lower(),
        "card": listing_card(public_listing(service)).to_json(),
    }
    doc["fingerprint"] = fingerprint(doc)
    return doc


def fingerprint(doc: dict[str, object]) -> str:
    """A hash of everything indexed, so ``search check`` can tell a stale document from a current one."""
    content = {key: value for key, value in doc.items() if key != "fingerprint"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()[:16]
