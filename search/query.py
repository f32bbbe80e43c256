"""Query builders. The public builder turns each need the words express (``understanding.Concept``) into
terms over a whitelist of text fields: there is no query syntax at all, so nobody can reach a field, a
wildcard, a range or a boost."""

from functools import lru_cache

from whoosh import query as q

from search.analysis import stems
from search.schema import TEXT_FIELDS
from search.understanding import Concept


def _phrase_query(words: list[str], weight: float) -> q.Query:
    if len(words) == 1:
        return q.Or([q.Term(field, words[0], boost=boost * weight) for field, boost in TEXT_FIELDS.items()])
    return q.Or([q.Phrase(field, words, slop=2, boost=boost * weight) for field, boost in TEXT_FIELDS.items()])


@lru_cache(maxsize=8192)
def concept_query(concept: Concept) -> q.Query | None:
    """Listings using any of the concept's phrases; None when none of them has a searchable word."""
    alternatives = [_phrase_query(found, weight) for text, weight in concept.searches if (found := stems(text))]
    return q.Or(alternatives) if alternatives else None


@lru_cache(maxsize=8192)
def tags_query(concept: Concept) -> q.Query | None:
    """Listings with the tags (categories, audiences, referral routes, ways of access) the concept points to."""
    terms = [q.Term(field, slug) for field, slug in concept.tags]
    return q.Or(terms) if terms else None
