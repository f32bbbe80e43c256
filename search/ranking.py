"""Ordering listings by how many of the person's needs they cover, then by how well.

Every need (concept) a listing covers counts, so a two-idea search ("homeless tonight") puts listings
covering both first instead of shrinking to the few that use every word. A listing tagged with a category
or audience a need points to covers part of it even without the words ("my husband has…" raises carers'
services); so does serving the very place named. Parts of needs only order listings that cover as many
whole needs, together with BM25F: a listing never outranks one covering more of what was asked.
"""

from dataclasses import dataclass
from functools import reduce
from operator import or_

import numpy as np

from search import bitsets
from search.cache import SearcherCache
from search.query import concept_query, tags_query
from search.understanding import Concept

TAG_CREDIT = 0.5  # of a need covered by a listing that carries its tags but does not use its words
TAG_RELEVANCE = 2.0  # added to the BM25F relevance for each need whose tags a listing carries
LOCAL_CREDIT = 0.25  # of a need, for serving only the very place chosen (less for serving it among others)
LOCAL_RELEVANCE = 2.0  # likewise, added to the relevance
HOME_RELEVANCE = 1.0  # with no place chosen, for serving somewhere in B&NES rather than only a border area
AGE_RELEVANCE = 2.0  # for being meant for the age given (a youth group for 17), not for every age
# The score sorts by whole needs covered first: their number × this, plus relevance, far below it.
COVERAGE_SCALE = 1e6
PART_RELEVANCE = 4.0  # relevance for each part of a need covered


@dataclass
class Ranking:
    needs: bool  # whether there was a need to cover (else only preferences: the place, the age)
    matched: int  # listings covering at least one need
    score: np.ndarray  # per document, higher first
    covering: list[int]  # per need, the listings covering it (words or tags)


def _docs(cache: SearcherCache, query) -> int:
    return cache.docs(query, lambda: cache.view.docs(query))


@dataclass(frozen=True)
class _Need:
    """One need against one index state: how much each listing covers of it, and how well."""

    coverage: np.ndarray
    relevance: np.ndarray
    covering: int  # the listings covering it, by words or tags


def _need(cache: SearcherCache, concept: Concept) -> _Need:
    view = cache.view
    words_query, tags = concept_query(concept), tags_query(concept)
    by_words = _docs(cache, words_query) if words_query is not None else bitsets.EMPTY
    by_tags = _docs(cache, tags) if tags is not None else bitsets.EMPTY
    word_flags, tag_flags = view.flags(by_words), view.flags(by_tags)
    relevance = TAG_RELEVANCE * tag_flags.astype(np.float32)
    if words_query is not None:
        relevance += view.scores(words_query)
    coverage = (word_flags + TAG_CREDIT * (tag_flags & ~word_flags)).astype(np.float32)
    return _Need(coverage=coverage, relevance=relevance, covering=by_words | by_tags)


def rank(cache: SearcherCache, concepts: tuple[Concept, ...], *, soft: int = bitsets.EMPTY,
         local: np.ndarray | None = None, home: int = bitsets.EMPTY, place_words: tuple[str, ...] = (),
         age_limited: int = bitsets.EMPTY) -> Ranking:
    """``soft``: listings that meet a need of their own (crisis listings, for someone in distress), found
    and credited as if tagged for it. ``local``: per listing, how much it serves the place chosen itself
    rather than as part of a wider area (1 for that place alone). ``home``: with no place chosen, the
    listings serving somewhere in B&NES. ``place_words``: the place names typed,
    which raise listings that name them ("Memory Café, Larkhall") without being a need. ``age_limited``:
    listings with an age limit, when the person's age is given (the filter has kept those that fit it)."""
    view = cache.view
    coverage = np.zeros(view.size, dtype=np.float64)
    relevance = np.zeros(view.size, dtype=np.float64)
    covering = []
    for concept in concepts:
        need = cache.need((concept.searches, concept.tags), lambda c=concept: _need(cache, c))
        coverage += concept.weight * need.coverage
        relevance += need.relevance
        covering.append(need.covering)
    if soft:
        soft_flags = view.flags(soft)
        coverage += soft_flags
        relevance += TAG_RELEVANCE * soft_flags
    if local is not None:
        coverage += LOCAL_CREDIT * local
        relevance += LOCAL_RELEVANCE * local
    if home:
        relevance += HOME_RELEVANCE * view.flags(home)
    if age_limited:
        relevance += AGE_RELEVANCE * view.flags(age_limited)
    for place in place_words:
        place_query = concept_query(Concept(place, ((place, 1.0),)))
        if place_query is not None:
            relevance += view.scores(place_query)
    # Whole needs covered come first; part-covered ones (by tags, context, the place) and BM25F order the
    # listings that cover as many.
    whole = np.floor(coverage + 1e-6)
    score = whole * COVERAGE_SCALE + PART_RELEVANCE * (coverage - whole) + relevance
    return Ranking(needs=bool(concepts or soft), matched=reduce(or_, covering, soft), score=score,
                   covering=covering)


def missing(ranking: Ranking, concepts: tuple[Concept, ...], docnum: int) -> tuple[str, ...]:
    """The words of the needs this listing does not cover, to say so beside it ("Missing: tonight"). Words
    that are only context ("my wife") are not needs a listing could miss."""
    if len(concepts) < 2:
        return ()
    return tuple(concept.typed for concept, docs in zip(concepts, ranking.covering, strict=True)
                 if concept.weight >= 1 and not docs >> docnum & 1)
