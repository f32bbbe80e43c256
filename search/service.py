"""The one search function behind the public page, the referrer page and the API, so the same question
gets the same answer everywhere.

It is built for speed at any size: which listings match is worked out as sets of document numbers
(filters and facet values are cached per index state), so only the listings on the requested page are
scored, and facet counts are set intersections. Whole results are cached per index state too.
"""

import math
from dataclasses import dataclass, field
from datetime import date

from whoosh import query as q
from whoosh.searching import Searcher

from app.taxonomies import taxonomy
from search.cache import SearcherCache
from search.filters import SearchFilters, area_tags_matching, filter_query
from search.index import SearchIndex
from search.query import text_query
from search.spelling import suggestion

FACET_FIELDS = ("categories", "audiences", "cost", "referral", "access", "accessibility", "areas", "evening",
                "weekend")
BOOLEAN_FACETS = ("evening", "weekend")
# Referrer ranking tiers, best first: the chosen clusters as a main focus, as an "also", then
# listings open to every cluster, then everything else that matches.
TIER_NAMES = ("main", "also", "all")


class IndexDamaged(RuntimeError):
    """The index files are damaged; the caller rebuilds the index."""


@dataclass
class SearchResults:
    ids: list[int]  # the listings on this page, in order
    total: int
    page: int
    per_page: int
    cards: list[str] = field(default_factory=list)  # their result cards (JSON), in the same order
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


def _docs(cache: SearcherCache, query: q.Query) -> frozenset[int]:
    return cache.docs(query, lambda: frozenset(cache.searcher.docs_for_query(query)))


def _facet_counts(cache: SearcherCache, matched: frozenset[int]) -> dict[str, dict[str, int]]:
    reader = cache.searcher.reader()
    counts: dict[str, dict[str, int]] = {}
    for name in FACET_FIELDS:
        values = ("t", "f") if name in BOOLEAN_FACETS else [v.decode() for v in reader.lexicon(name)]
        counts[name] = {}
        for value in values:
            term = q.Term(name, value == "t") if name in BOOLEAN_FACETS else q.Term(name, value)
            found = len(matched & _docs(cache, term))
            if found:
                counts[name][value] = found
    # Area counts follow the area filter: a listing serving the whole area or country counts everywhere.
    area_docs = {slug: _docs(cache, q.Term("areas", slug)) for slug in taxonomy("areas").slugs}
    counts["areas"] = {
        slug: len(matched & frozenset().union(*(area_docs[tag] for tag in area_tags_matching((slug,)))))
        for slug in taxonomy("areas").slugs
    }
    return counts


def _ranked(searcher: Searcher, matcher: q.Query | None, docs: frozenset[int], limit: int) -> list[int]:
    """The best ``limit`` of ``docs``: by relevance to the words, or by name when there are none."""
    if not docs or limit <= 0:
        return []
    if matcher is None:
        hits = searcher.search(q.Every(), filter=set(docs), limit=limit, sortedby="sort_name")
    else:
        hits = searcher.search(matcher, filter=set(docs), limit=limit)
    return [hit.docnum for hit in hits]


def _window(searcher: Searcher, matcher: q.Query | None, groups: list[frozenset[int]], start: int,
            stop: int) -> list[int]:
    """Documents ``start``..``stop`` of the groups laid end to end, each group in relevance order."""
    page: list[int] = []
    offset = 0
    for docs in groups:
        if offset + len(docs) > start and offset < stop:
            ranked = _ranked(searcher, matcher, docs, stop - offset)
            page.extend(ranked[max(0, start - offset):])
        offset += len(docs)
    return page[: stop - start]


def _coordinates(cache: SearcherCache, docnum: int) -> tuple[float, float] | None:
    if docnum not in cache.coordinates:
        stored = cache.searcher.stored_fields(docnum)
        latitude = stored.get("latitude")
        cache.coordinates[docnum] = (latitude, stored["longitude"]) if latitude is not None else None
    return cache.coordinates[docnum]


def _by_distance(cache: SearcherCache, docs: frozenset[int], filters: SearchFilters) -> tuple[list[int], dict]:
    names = cache.searcher.reader().column_reader("sort_name")
    distances: dict[int, float] = {}
    for docnum in docs:
        point = _coordinates(cache, docnum)
        if point is not None:
            distances[docnum] = distance_km(filters.near.latitude, filters.near.longitude, *point)
    ordered = sorted(docs, key=lambda d: (round(distances.get(d, math.inf), 1), names[d]))
    return ordered, distances


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
    cache = index.searcher_cache()
    key = (text, filters, today, freshness_cutoff, page, per_page, clusters, with_facets)
    return cache.result(key, lambda: _search(cache, text, filters, today, freshness_cutoff, page, per_page,
                                             clusters, with_facets))


def _search(cache: SearcherCache, text: str, filters: SearchFilters, today: date, freshness_cutoff: date,
            page: int, per_page: int, clusters: tuple[int, ...], with_facets: bool) -> SearchResults:
    searcher = cache.searcher
    allowed = _docs(cache, filter_query(filters, today, freshness_cutoff))
    built = text_query(text)
    matcher, loose = built.every_word, False
    matched = allowed
    if matcher is not None:
        matched = allowed & _docs(cache, matcher)
        if not matched and built.any_word is not None:
            matcher, loose = built.any_word, True
            matched = allowed & _docs(cache, matcher)

    start, stop = (page - 1) * per_page, page * per_page
    tier_of: dict[int, str] = {}
    groups = [matched]
    if clusters:
        tier_docs = [
            _docs(cache, q.Or([q.Term("clusters_main", str(c)) for c in clusters])),
            _docs(cache, q.Or([q.Term("clusters_also", str(c)) for c in clusters])),
            _docs(cache, q.Term("all_clusters", True)),
        ]
        groups, remaining = [], matched
        for name, docs in zip(TIER_NAMES, tier_docs, strict=True):
            group = remaining & docs
            groups.append(group)
            tier_of.update(dict.fromkeys(group, name))
            remaining = remaining - group
        groups.append(remaining)
    distances: dict[int, float] = {}
    if filters.near is not None:  # nearest first, within each cluster tier
        ordered: list[int] = []
        for group in groups:
            group_order, group_distances = _by_distance(cache, group, filters)
            ordered.extend(group_order)
            distances.update(group_distances)
        page_docs = ordered[start:stop]
    else:
        page_docs = _window(searcher, matcher, groups, start, stop)

    stored = [searcher.stored_fields(docnum) for docnum in page_docs]
    if any("id" not in fields or "card" not in fields for fields in stored):
        raise IndexDamaged("a document has lost its stored fields")
    ids = [int(fields["id"]) for fields in stored]
    return SearchResults(
        ids=ids,
        cards=[str(fields["card"]) for fields in stored],
        total=len(matched),
        page=page,
        per_page=per_page,
        facets=_facet_counts(cache, matched) if with_facets else {},
        suggestion=suggestion(searcher, text) if text.strip() and (loose or not matched) else None,
        loose=loose,
        distances_km={i: distances[d] for i, d in zip(ids, page_docs, strict=True) if d in distances},
        tiers={i: tier_of[d] for i, d in zip(ids, page_docs, strict=True) if d in tier_of},
    )
