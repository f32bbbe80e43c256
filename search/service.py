"""The one search function behind the public page, the referrer page and the API, so the same question
gets the same answer everywhere.

It is built for speed at any size: which listings match is worked out as bitsets (see ``view.py``), from
facts each index segment remembers across changes to the index (``segments.py``); scores are array
operations, and facet counts are bitset intersections. Filters, facet values and whole results are also
cached per index state.
"""

import math
from dataclasses import dataclass, field
from datetime import date
from functools import reduce
from operator import or_

import numpy as np
from whoosh import query as q

from app.taxonomies import OutwardCode, taxonomy
from search import bitsets
from search.cache import SearcherCache
from search.filters import SearchFilters, area_tags_matching, filter_query
from search.index import SearchIndex
from search.query import text_query
from search.spelling import suggestion
from search.view import IndexView

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


def _docs(cache: SearcherCache, query: q.Query) -> int:
    return cache.docs(query, lambda: cache.view.docs(query))


def _facet_counts(cache: SearcherCache, matched: int) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for name in FACET_FIELDS:
        values = ("t", "f") if name in BOOLEAN_FACETS else cache.view.field_values(name)
        counts[name] = {}
        for value in values:
            term = q.Term(name, value == "t") if name in BOOLEAN_FACETS else q.Term(name, value)
            found = bitsets.count(matched & _docs(cache, term))
            if found:
                counts[name][value] = found
    # Area counts follow the area filter: a listing serving the whole area or country counts everywhere.
    area_docs = {slug: _docs(cache, q.Term("areas", slug)) for slug in taxonomy("areas").slugs}
    counts["areas"] = {
        slug: bitsets.count(matched & reduce(or_, (area_docs[tag] for tag in area_tags_matching((slug,))), 0))
        for slug in taxonomy("areas").slugs
    }
    return counts


def _window(view: IndexView, scores: np.ndarray | None, groups: list[int], start: int, stop: int) -> list[int]:
    """Documents ``start``..``stop`` of the groups laid end to end, each group by relevance to the words
    (``scores``), or by name when there are none."""
    page: list[int] = []
    offset = 0
    for docs in groups:
        size = bitsets.count(docs)
        if offset + size > start and offset < stop:
            limit = stop - offset
            ranked = view.by_name(docs, limit) if scores is None else view.best(docs, scores, limit)
            page.extend(ranked[max(0, start - offset):])
        offset += size
    return page[: stop - start]


def _by_distance(view: IndexView, groups: list[int], near: OutwardCode) -> tuple[np.ndarray, np.ndarray]:
    """Every document of the groups, nearest first within each group (then by name), with its distance in
    km (infinite for a listing without a located address)."""
    latitudes, longitudes = view.coordinates
    ordered, distances = [], []
    for docs in groups:
        members = bitsets.members(docs, view.size)
        found = np.nan_to_num(distances_km(near.latitude, near.longitude, latitudes[members], longitudes[members]),
                              nan=math.inf)
        order = np.lexsort((view.name_rank[members], np.round(found, 1)))
        ordered.append(members[order])
        distances.append(found[order])
    return np.concatenate(ordered), np.concatenate(distances)


def distances_km(latitude: float, longitude: float, latitudes: np.ndarray, longitudes: np.ndarray) -> np.ndarray:
    """``distance_km`` from one point to many at once."""
    phi1, phi2 = math.radians(latitude), np.radians(latitudes)
    d_phi, d_lambda = phi2 - phi1, np.radians(longitudes - longitude)
    a = np.sin(d_phi / 2) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(d_lambda / 2) ** 2
    return 2 * 6371.0 * np.arcsin(np.sqrt(a))


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
    searcher, view = cache.searcher, cache.view
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
    groups = [matched]
    tier_groups: list[tuple[str, int]] = []
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
            tier_groups.append((name, group))
            remaining &= ~group
        groups.append(remaining)
    distances: dict[int, float] = {}
    if filters.near is not None:  # nearest first, within each cluster tier
        ordered, ordered_km = _by_distance(view, groups, filters.near)
        page_docs = [int(docnum) for docnum in ordered[start:stop]]
        distances = {docnum: float(km) for docnum, km in zip(page_docs, ordered_km[start:stop], strict=True)
                     if km != math.inf}
    else:
        page_docs = _window(view, view.scores(matcher) if matcher is not None else None, groups, start, stop)

    stored = [searcher.stored_fields(docnum) for docnum in page_docs]
    if any("id" not in fields or "card" not in fields for fields in stored):
        raise IndexDamaged("a document has lost its stored fields")
    ids = [int(fields["id"]) for fields in stored]
    tiers = {docnum: name for docnum in page_docs for name, group in tier_groups if group >> docnum & 1}
    return SearchResults(
        ids=ids,
        total=bitsets.count(matched),
        page=page,
        per_page=per_page,
        cards=[str(fields["card"]) for fields in stored],
        facets=_facet_counts(cache, matched) if with_facets else {},
        suggestion=suggestion(view, text) if text.strip() and (loose or not matched) else None,
        loose=loose,
        distances_km={i: distances[d] for i, d in zip(ids, page_docs, strict=True) if d in distances},
        tiers={i: tiers[d] for i, d in zip(ids, page_docs, strict=True) if d in tiers},
    )
