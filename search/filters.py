"""Filters a search may carry. Values arrive already validated (by the web form or API); this module
only turns them into Whoosh queries."""

from dataclasses import dataclass
from datetime import date

from whoosh import query as q

from app.taxonomies import OutwardCode, taxonomy, wide_areas

# Within these filters a listing needs every chosen value (someone who needs BSL and a wheelchair
# needs both); within the others, opening times included, any chosen value will do: someone who ticks
# evenings and weekends wants a time outside their working day, not only services open at both.
ALL_REQUIRED = frozenset({"accessibility"})
WHEN_FIELDS = ("evening", "weekend")


@dataclass(frozen=True)
class SearchFilters:
    age: int | None = None
    # For the API: listings whose age range overlaps these ages (either end may be open).
    ages_from: int | None = None
    ages_to: int | None = None
    cost: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    audiences: tuple[str, ...] = ()
    areas: tuple[str, ...] = ()
    referral: tuple[str, ...] = ()
    access: tuple[str, ...] = ()
    accessibility: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    when: tuple[str, ...] = ()
    near: OutwardCode | None = None


def _terms(field: str, values: tuple[str, ...]) -> q.Query:
    terms = [q.Term(field, value) for value in values]
    return q.And(terms) if field in ALL_REQUIRED else q.Or(terms)


def area_tags_matching(areas: tuple[str, ...]) -> frozenset[str]:
    """The area tags a listing may carry to match these chosen areas: a listing serving the whole of
    B&NES or the whole country matches any local area, and choosing B&NES takes in every local area."""
    terms = taxonomy("areas")
    local = {t.slug for t in terms.terms if t.extra.get("local")}
    wanted = set(areas)
    if "bnes-wide" in wanted:
        wanted |= local
    if wanted & (local | {"bnes-wide"}):
        wanted |= wide_areas()
    else:
        wanted.add("national")
    return frozenset(wanted)


def _area_terms(areas: tuple[str, ...]) -> q.Query:
    return q.Or([q.Term("areas", slug) for slug in sorted(area_tags_matching(areas))])


def visible_on(day: date, freshness_cutoff: date) -> q.Query:
    """Published documents (the only ones indexed) confirmed recently and not past their event date."""
    return q.And([
        q.NumericRange("assured", freshness_cutoff.toordinal(), None),
        q.Or([q.NumericRange("event_day", 0, 0), q.NumericRange("event_day", day.toordinal(), None)]),
    ])


def filter_query(filters: SearchFilters, day: date, freshness_cutoff: date) -> q.Query:
    parts: list[q.Query] = [visible_on(day, freshness_cutoff)]
    if filters.age is not None:
        parts.append(q.NumericRange("min_age", None, filters.age))
        parts.append(q.NumericRange("max_age", filters.age, None))
    if filters.ages_to is not None:
        parts.append(q.NumericRange("min_age", None, filters.ages_to))
    if filters.ages_from is not None:
        parts.append(q.NumericRange("max_age", filters.ages_from, None))
    for field in ("cost", "categories", "audiences", "referral", "access", "accessibility"):
        values = getattr(filters, field)
        if values:
            parts.append(_terms(field, values))
    if filters.kinds:
        parts.append(_terms("kind", filters.kinds))
    if filters.areas:
        parts.append(_area_terms(filters.areas))
    if filters.when:
        parts.append(q.Or([q.Term(field, True) for field in WHEN_FIELDS if field in filters.when]))
    return q.And(parts)
