"""The one search function behind the public page, the referrer page and the API, so the same question
gets the same answer everywhere.

A search first works out what the words ask for (``understanding.py``): a crisis, places, needs. Listings
are then ordered in groups laid end to end — crisis listings first when someone may be at risk, then
(for referrers) the chosen care clusters' tiers — and within each group by how much of the need they cover
and how well (``ranking.py``), or, near a postcode, by distance band and then the same way.

It is built for speed at any size: which listings match is worked out as bitsets (see ``view.py``), from
facts each index segment remembers across changes to the index (``segments.py``); scores are array
operations, and facet counts are bitset intersections. Filters, facet values and whole results are also
cached per index state.
"""

import math
from dataclasses import dataclass, field, replace
from datetime import date
from functools import reduce
from operator import or_

import numpy as np
from whoosh import query as q

from app.taxonomies import OutwardCode, taxonomy, wide_areas
from search import bitsets
from search.cache import SearcherCache
from search.filters import SearchFilters, area_tags_matching, filter_query, visible_on
from search.index import SearchIndex
from search.ranking import Ranking, missing, rank
from search.schema import NO_MAX_AGE
from search.understanding import Concept, Understanding, understand
from search.view import IndexView
from search.vocabulary import CrisisLevel, Vocabulary

FACET_FIELDS = ("categories", "audiences", "cost", "referral", "access", "accessibility", "areas", "evening",
                "weekend")
BOOLEAN_FACETS = ("evening", "weekend")
# Referrer ranking tiers, best first: the chosen clusters as a main focus, as an "also", then
# listings open to every cluster, then everything else that matches.
TIER_NAMES = ("main", "also", "all")
# Listings that come first when someone may be at risk: urgent help for mental health.
CRISIS_QUERY = q.And([q.Term("categories", "urgent-help"), q.Term("categories", "mental-health")])
# Near a postcode, listings within the first band come before those within the second, and so on; within a
# band the best match comes first. Listings without an address serving the whole area (phone, online,
# outreach) count as in the first band.
DISTANCE_BANDS_KM = (5.0, 15.0)
# Scores are coverage × 1e6 plus relevance (ranking.py); a band, then a priority, outweighs any score.
BAND_SCALE = 1e12
PRIORITY_SCALE = 1e14
PROFESSIONAL_REFERRAL = ("referral", "professional")


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
    suggestion: str | None = None  # "did you mean", for a typo not mended for sure
    searched_text: str | None = None  # the mended words searched instead of the typed ones
    crisis: CrisisLevel | None = None
    places: tuple[str, ...] = ()  # area slugs named in the words, searched as area filters
    without_places: str = ""  # the words without those place names
    missing: dict[int, tuple[str, ...]] = field(default_factory=dict)  # listing id → needs it does not cover
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


def _top(view: IndexView, members: np.ndarray, score: np.ndarray, limit: int) -> np.ndarray:
    """The ``limit`` highest-scoring of ``members`` (``score`` is theirs), best first, ties by name."""
    if members.size > limit:
        threshold = np.partition(score, members.size - limit)[members.size - limit]
        keep = score >= threshold
        members, score = members[keep], score[keep]
    order = np.lexsort((view.name_rank[members], -score))
    return members[order][:limit]


def _bands(cache: SearcherCache, members: np.ndarray, near: OutwardCode) -> tuple[np.ndarray, np.ndarray]:
    """Each listing's distance (infinite without an address) and its distance band."""
    latitudes, longitudes = cache.view.coordinates
    km = np.nan_to_num(distances_km(near.latitude, near.longitude, latitudes[members], longitudes[members]),
                       nan=math.inf)
    bands = np.searchsorted(np.array(DISTANCE_BANDS_KM), km, side="left")
    everywhere = cache.view.flags(_docs(cache, q.Or([q.Term("areas", slug) for slug in sorted(wide_areas())])))
    bands[np.isinf(km) & everywhere[members]] = 0
    return km, bands


@dataclass(frozen=True)
class _Group:
    docs: int
    priority: np.ndarray | None = None  # per document, before everything else in the group's order


def _order(cache: SearcherCache, group: _Group, ranking: Ranking | None, near: OutwardCode | None,
           nearest: bool, limit: int) -> list[int]:
    """The first ``limit`` of a group: by priority, then best match (by distance band first near a
    postcode); nearest first when asked (``nearest``); else by name."""
    view = cache.view
    members = bitsets.members(group.docs, view.size)
    if limit <= 0 or members.size == 0:
        return []
    if near is not None and (nearest or ranking is None) and group.priority is None:
        km, _ = _bands(cache, members, near)
        order = np.lexsort((view.name_rank[members], np.round(km, 1)))
        return [int(d) for d in members[order][:limit]]
    if ranking is None and group.priority is None:
        return view.by_name(group.docs, limit)
    score = ranking.score[members] if ranking is not None else np.zeros(members.size)
    if near is not None:
        _, bands = _bands(cache, members, near)
        score = score - bands * BAND_SCALE
    if group.priority is not None:
        score = score + group.priority[members] * PRIORITY_SCALE
    return [int(d) for d in _top(view, members, score, limit)]


def _window(cache: SearcherCache, groups: list[_Group], ranking: Ranking | None, near: OutwardCode | None,
            nearest: bool, start: int, stop: int) -> list[int]:
    """Documents ``start``..``stop`` of the groups laid end to end, each group in its own order."""
    page: list[int] = []
    offset = 0
    for group in groups:
        size = bitsets.count(group.docs)
        if offset + size > start and offset < stop:
            ranked = _order(cache, group, ranking, near, nearest, stop - offset)
            page.extend(ranked[max(0, start - offset):])
        offset += size
    return page[: stop - start]


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
    vocabulary: Vocabulary,
    page: int = 1,
    per_page: int = 20,
    clusters: tuple[int, ...] = (),
    with_facets: bool = True,
    exact: bool = False,
    nearest: bool = False,
) -> SearchResults:
    """``exact``: search the words as typed, without mending typos; ``nearest``: near a postcode, order by
    distance alone instead of by distance band and then best match."""
    cache = index.searcher_cache()
    key = (text, filters, today, freshness_cutoff, page, per_page, clusters, with_facets, vocabulary.version,
           exact, nearest)
    return cache.result(key, lambda: _search(cache, text, filters, today, freshness_cutoff, page, per_page,
                                             clusters, with_facets, vocabulary, exact, nearest))


def understood(cache: SearcherCache, text: str, vocabulary: Vocabulary, exact: bool) -> Understanding:
    return cache.result(("understanding", text, vocabulary.version, exact),
                        lambda: understand(text, vocabulary, cache.lexicon(vocabulary), exact=exact))


def _crisis_priority(cache: SearcherCache, filters: SearchFilters, concepts: tuple[Concept, ...]) -> np.ndarray:
    """Among crisis listings, those open 24/7 first, then those the person searching can contact
    themselves (a professional, going by their words, can refer), then (when no age was given) those for
    every age: someone at risk needs a line that answers now, whoever they are."""
    view = cache.view
    priority = 4.0 * view.flags(_docs(cache, q.Term("always_open", True)))
    priority += 2.0 * view.flags(_docs(cache, q.Term("referral", "self")))
    if any(tag == PROFESSIONAL_REFERRAL for concept in concepts for tag in concept.tags):
        priority += 2.0 * view.flags(_docs(cache, q.Term("referral", "professional")))
    if filters.age is None:
        priority += (view.numbers("min_age") <= 0) & (view.numbers("max_age") >= NO_MAX_AGE)
    return priority


def _local(cache: SearcherCache, areas: tuple[str, ...]) -> np.ndarray | None:
    """Per listing, how closely it serves the chosen places: 1 for a listing serving only that place, less
    for one serving it among others, 0 for one that serves it only as part of all B&NES or the country."""
    specific = [slug for slug in areas if slug not in wide_areas()]
    if not specific:
        return None
    view = cache.view
    serving = view.flags(_docs(cache, q.Or([q.Term("areas", slug) for slug in specific])))
    return serving / np.maximum(_area_counts(cache), 1)


def _home(cache: SearcherCache) -> int:
    """Listings serving somewhere in B&NES (a town, or all of it) or the whole country."""
    home = [t.slug for t in taxonomy("areas").terms if t.extra.get("local") or t.extra.get("wide")]
    return _docs(cache, q.Or([q.Term("areas", slug) for slug in home]))


def _age_limited(cache: SearcherCache) -> int:
    """Listings with a lower or upper age limit."""
    def find() -> int:
        view = cache.view
        return bitsets.from_flags((view.numbers("min_age") > 0) | (view.numbers("max_age") < NO_MAX_AGE)) & view.live
    return cache.result(("age limited",), find)


def _area_counts(cache: SearcherCache) -> np.ndarray:
    """How many areas each listing serves."""
    def count() -> np.ndarray:
        return sum((cache.view.flags(_docs(cache, q.Term("areas", slug))).astype(np.int32)
                    for slug in taxonomy("areas").slugs), np.zeros(cache.view.size, dtype=np.int32))
    return cache.result(("area counts",), count)


def _search(cache: SearcherCache, text: str, filters: SearchFilters, today: date, freshness_cutoff: date,
            page: int, per_page: int, clusters: tuple[int, ...], with_facets: bool, vocabulary: Vocabulary,
            exact: bool, nearest: bool) -> SearchResults:
    searcher = cache.searcher
    understanding = understood(cache, text, vocabulary, exact)
    if understanding.places:
        filters = replace(filters, areas=tuple(dict.fromkeys(filters.areas + understanding.places)))
    allowed = _docs(cache, filter_query(filters, today, freshness_cutoff))
    # Crisis listings are never lost to a filter: someone at risk who ticked "Bath" still needs Samaritans.
    crisis_docs = bitsets.EMPTY
    if understanding.crisis is not None:
        crisis_docs = _docs(cache, visible_on(today, freshness_cutoff)) & _docs(cache, CRISIS_QUERY)
        crisis_docs = (crisis_docs & allowed) or crisis_docs
    distressed = understanding.crisis == CrisisLevel.DISTRESS and understanding.crisis_listings_needed
    soft = crisis_docs if distressed else bitsets.EMPTY
    local = _local(cache, filters.areas)
    home = bitsets.EMPTY if filters.areas else _home(cache)
    concepts = understanding.concepts
    age_limited = _age_limited(cache) if filters.age is not None else bitsets.EMPTY
    ranking = (rank(cache, concepts, soft=soft, local=local, home=home, place_words=understanding.place_words,
                    age_limited=age_limited)
               if concepts or soft or local is not None or home or age_limited else None)
    matched = allowed & ranking.matched if ranking is not None and ranking.needs else allowed

    groups: list[_Group] = []
    if understanding.crisis == CrisisLevel.URGENT:
        groups.append(_Group(crisis_docs, _crisis_priority(cache, filters, concepts)))
        matched |= crisis_docs
    remaining = matched & ~crisis_docs if groups else matched
    tier_groups: list[tuple[str, int]] = []
    if clusters:
        tier_docs = [
            _docs(cache, q.Or([q.Term("clusters_main", str(c)) for c in clusters])),
            _docs(cache, q.Or([q.Term("clusters_also", str(c)) for c in clusters])),
            _docs(cache, q.Term("all_clusters", True)),
        ]
        for name, docs in zip(TIER_NAMES, tier_docs, strict=True):
            tier = remaining & docs
            groups.append(_Group(tier))
            tier_groups.append((name, tier))
            remaining &= ~tier
    groups.append(_Group(remaining))

    start, stop = (page - 1) * per_page, page * per_page
    # Near a postcode with nothing asked for but the place itself, nearest first.
    by_distance = nearest or not (concepts or soft or local is not None)
    page_docs = _window(cache, groups, ranking, filters.near, by_distance, start, stop)
    stored = [searcher.stored_fields(docnum) for docnum in page_docs]
    if any("id" not in fields or "card" not in fields for fields in stored):
        raise IndexDamaged("a document has lost its stored fields")
    ids = [int(fields["id"]) for fields in stored]
    distances: dict[int, float] = {}
    if filters.near is not None and page_docs:
        km, _ = _bands(cache, np.array(page_docs, dtype=np.int64), filters.near)
        distances = {i: float(d) for i, d in zip(ids, km, strict=True) if d != math.inf}
    tiers = {docnum: name for docnum in page_docs for name, tier in tier_groups if tier >> docnum & 1}
    return SearchResults(
        ids=ids,
        total=bitsets.count(matched),
        page=page,
        per_page=per_page,
        cards=[str(fields["card"]) for fields in stored],
        facets=_facet_counts(cache, matched) if with_facets else {},
        suggestion=understanding.suggestion,
        searched_text=understanding.searched_text,
        crisis=understanding.crisis,
        places=understanding.places,
        without_places=understanding.without_places,
        missing={i: words for i, d in zip(ids, page_docs, strict=True)
                 if ranking is not None and (words := missing(ranking, concepts, d))},
        distances_km=distances,
        tiers={i: tiers[d] for i, d in zip(ids, page_docs, strict=True) if d in tiers},
    )
