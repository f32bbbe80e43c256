"""Which listings each part of a hub holds: one rule, used by the hub pages, the leaflets and the admin preview.

A section holds, from the public listings that serve one of the hub's areas (or the whole area, or anyone):

1. the listings picked for it by hand, by name;
2. then, by name, each listing that has one of the section's categories or is for one of its audiences,
   and is one of its kinds (when it names kinds), and has none of the categories and is for none of the
   audiences it leaves out, and was not picked by hand for another part of the same hub.

A listing may be in several parts of a hub (a carers' dementia group is for carers and for older people),
but a listing picked by hand for one part is kept out of the others' rules: picking says where it belongs.
"""

from collections.abc import Iterable, Sequence

from app.directory.models import Service
from app.hubs.models import Hub, HubSection
from app.taxonomies import Taxonomy, taxonomy, wide_areas


def serves_hub(service: Service, hub_areas: Iterable[str]) -> bool:
    """Serves one of the hub's areas, or everywhere (``bnes-wide``, ``national``)."""
    return bool(set(service.areas) & (set(hub_areas) | wide_areas()))


def serves_locally(service: Service, hub_areas: Iterable[str]) -> bool:
    """Serves one of the hub's own areas, not only the whole area."""
    return bool(set(service.areas) & set(hub_areas))


def by_name(service: Service) -> tuple[str, int]:
    return (service.name.casefold(), service.id)


def meets_rule(section: HubSection, service: Service) -> bool:
    """Meets the section's rule (the picks aside)."""
    if not (set(section.categories) & set(service.categories) or set(section.audiences) & set(service.audiences)):
        return False
    if section.kinds and service.kind not in section.kinds:
        return False
    return not (set(section.except_categories) & set(service.categories)
                or set(section.except_audiences) & set(service.audiences))


def _picked_for_others(hub: Hub, section: HubSection) -> set[int]:
    return {pick.id for other in hub.sections if other is not section for pick in other.picks}


def holds(section: HubSection, hub: Hub, service: Service) -> bool:
    """Whether the section holds this public listing: it depends on the listing and the hub alone."""
    if not serves_hub(service, hub.areas):
        return False
    if any(pick.id == service.id for pick in section.picks):
        return True
    return service.id not in _picked_for_others(hub, section) and meets_rule(section, service)


def section_listings(section: HubSection, hub: Hub, services: Sequence[Service]) -> list[Service]:
    """The section's listings, in order, from ``services``: the public listings the caller may show."""
    picked_ids = {pick.id for pick in section.picks}
    held = [service for service in services if holds(section, hub, service)]
    return sorted(held, key=lambda service: (service.id not in picked_ids, *by_name(service)))


def fitting_choice(listings: Sequence[Service], section: HubSection, hub: Hub, room: int) -> list[Service]:
    """At most ``room`` of a section's listings for its leaflet, kept in the section's order. Chosen first:
    those picked by hand, then those serving the hub's own areas, then those serving the whole area or anyone
    (which people can find anywhere, in the category leaflets and online), each group in the section's order."""
    if len(listings) <= room:
        return list(listings)
    picked = {pick.id for pick in section.picks}

    def rank(index: int) -> tuple[bool, bool, int]:
        service = listings[index]
        return (service.id not in picked, not serves_locally(service, hub.areas), index)

    chosen = sorted(sorted(range(len(listings)), key=rank)[:room])
    return [listings[index] for index in chosen]


def sections_holding(service: Service, hubs: Iterable[Hub]) -> list[HubSection]:
    """Every hub section that holds the public listing ``service``, hub by hub in the given order."""
    return [section for hub in hubs for section in hub.sections if holds(section, hub, service)]


def rule_description(section: HubSection) -> list[str]:
    """The section's rule in words, a line per part, for the admin page."""
    categories, audiences, kinds, areas = (taxonomy(name) for name in ("categories", "audiences", "kinds", "areas"))

    def names(labels: Taxonomy, slugs: Iterable[str]) -> str:
        return ", ".join(labels.label(slug) for slug in slugs)

    lines = []
    if section.picks:
        count = len(section.picks)
        lines.append(f"First, {count} listing{'s' if count != 1 else ''} picked by hand, in name order")
    either = [part for part in (
        f"in any of these categories: {names(categories, section.categories)}" if section.categories else "",
        f"for any of these people: {names(audiences, section.audiences)}" if section.audiences else "",
    ) if part]
    if either:
        lines.append(f"{'Then listings' if section.picks else 'Listings'} {', or '.join(either)}, in name order")
        if section.kinds:
            lines.append(f"Only these kinds of listing: {names(kinds, section.kinds)}")
        if section.except_categories:
            lines.append(f"Leaving out any in: {names(categories, section.except_categories)}")
        if section.except_audiences:
            lines.append(f"Leaving out any for: {names(audiences, section.except_audiences)}")
        lines.append("Leaving out any picked by hand for another section of this hub")
    if not lines:
        lines.append("No rule and no picks: this section holds nothing")
    wide = [areas.label(slug) for slug in areas.slugs if slug in wide_areas()]
    lines.append("Only listings serving one of the hub's areas, " + ", or ".join(label[:1].lower() + label[1:]
                                                                               for label in wide))
    return lines
