"""The one search function behind the public page, the referrer page and the API, so the same question
gets the same answer everywhere."""

import math
from dataclasses import dataclass, field
from datetime import date

from whoosh import query as q
from whoosh import sorting

from app.taxonomies import taxonomy
from search.filters import SearchFilters, area_tags_matching, filter_query
from search.index import SearchIndex
from search.query import text_query
from search.spelling import suggestion

FACET_FIELDS = ("categories", "audiences", "cost", "referral", "access", "accessibility", "areas", "evening",
                "weekend")
# Referrer ranking tiers, best first: the chosen clusters as a main focus, as an "also", then
# listings open to every cluster, then everything else that matches.
TIER_NAMES = ("main", "also", "all")


@dataclass
class SearchResults:
    ids: list[int]  # the listings on this page, in order
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    suggestion: str | None = None
    loose: bool = False  # nothing matched every word, so these match some of them
    distances_km: dict[int, float] = field(default_factory=dict)
    tiers: dict[int, str] = field(default_factory=dict)  # referrer searches only

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    radius = 6371.0
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = math.radians(lat2 - lat1), math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * radius * math.asin(math.sqrt(a))


def _facets() -> sorting.Facets:
    facets = sorting.Facets()
    for name in FACET_FIELDS:
        # Areas keep their documents: their counts must follow the area filter's wider matching.
        maptype = None if name == "areas" else sorting.Count
        facets.add_field(name, allow_overlap=name not in {"evening", "weekend", "cost"}, maptype=maptype)
    return facets


def _area_counts(groups: dict[str, list[int]]) -> dict[str, int]:
    """For each area, how many results the area filter would keep (wide listings count everywhere)."""
    return {
        slug: len(set().union(*(groups.get(tag, []) for tag in area_tags_matching((slug,)))))
        for slug in taxonomy("areas").slugs
    }


def search(
    index: SearchIndex,
    text: str,
    filters: SearchFilters,
    *,
    today: date,
    freshness_cutoff: date,
    page: int = 1,
    per_page: int = 20,
    clusters: tuple[int, ...] = (),
    with_facets: bool = True,
) -> SearchResults:
    searcher = index.searcher()
    visible = filter_query(filters, today, freshness_cutoff)
    built = text_query(text)
    loose = False
    if built.every_word is None:
        matcher: q.Query = q.Every()
    else:
        matcher = built.every_word
        if searcher.search(matcher, filter=visible, limit=1).is_empty() and built.any_word is not None:
            matcher, loose = built.any_word, True
    hits = searcher.search(
        matcher, filter=visible, limit=None, groupedby=_facets() if with_facets else None,
        sortedby=None if built.every_word is not None else "sort_name",
    )
    ordered = [(hit.docnum, hit["id"], hit.score or 0.0, hit.rank) for hit in hits]

    tiers: dict[int, str] = {}
    if clusters:
        tier_sets = [
            set(searcher.docs_for_query(q.Or([q.Term("clusters_main", str(c)) for c in clusters]))),
            set(searcher.docs_for_query(q.Or([q.Term("clusters_also", str(c)) for c in clusters]))),
            set(searcher.docs_for_query(q.Term("all_clusters", True))),
        ]

        def tier(docnum: int) -> int:
            return next((i for i, docs in enumerate(tier_sets) if docnum in docs), len(tier_sets))

        ordered.sort(key=lambda item: (tier(item[0]), item[3]))
        tiers = {int(doc_id): TIER_NAMES[tier(docnum)] for docnum, doc_id, _, _ in ordered
                 if tier(docnum) < len(TIER_NAMES)}

    distances: dict[int, float] = {}
    if filters.near is not None:
        for docnum, doc_id, _, _ in ordered:
            stored = searcher.stored_fields(docnum)
            if stored.get("latitude") is not None:
                distances[int(doc_id)] = distance_km(filters.near.latitude, filters.near.longitude,
                                                      stored["latitude"], stored["longitude"])
        ordered.sort(key=lambda item: (distances.get(int(item[1]), math.inf), item[3]))

    start = (page - 1) * per_page
    page_ids = [int(doc_id) for _, doc_id, _, _ in ordered[start : start + per_page]]
    facets = {name: dict(hits.groups(name)) for name in FACET_FIELDS} if with_facets else {}
    if with_facets:
        facets["areas"] = _area_counts(facets["areas"])
    did_you_mean = suggestion(searcher, text) if text.strip() and (loose or not ordered) else None
    return SearchResults(
        ids=page_ids,
        total=len(ordered),
        page=page,
        per_page=per_page,
        facets=facets,
        suggestion=did_you_mean,
        loose=loose,
        distances_km={i: distances[i] for i in page_ids if i in distances},
        tiers={i: tiers[i] for i in page_ids if i in tiers},
    )
