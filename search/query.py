"""Query builders. The public builder turns the user's words into terms over a whitelist of text fields:
there is no query syntax at all, so nobody can reach a field, a wildcard, a range or a boost."""

from dataclasses import dataclass
from functools import lru_cache

from whoosh import query as q

from search.analysis import stemming_analyzer, words
from search.schema import TEXT_FIELDS
from search.synonyms import concepts

SYNONYM_WEIGHT = 0.7


@dataclass(frozen=True)
class TextQuery:
    every_word: q.Query | None  # listings matching every concept; None when no searchable words
    any_word: q.Query | None  # the looser fallback: listings matching any concept


def _stems(phrase: tuple[str, ...]) -> list[str]:
    analyzer = stemming_analyzer()
    return [token.text for token in analyzer(" ".join(phrase))]


def _phrase_query(stems: list[str], weight: float) -> q.Query:
    if len(stems) == 1:
        return q.Or([q.Term(field, stems[0], boost=boost * weight) for field, boost in TEXT_FIELDS.items()])
    return q.Or([q.Phrase(field, stems, slop=2, boost=boost * weight) for field, boost in TEXT_FIELDS.items()])


@lru_cache(maxsize=4096)
def text_query(text: str) -> TextQuery:
    user_words = words(text)
    concept_queries = []
    for concept in concepts(user_words):
        alternatives = []
        for phrase in sorted(concept):
            stems = _stems(phrase)
            if stems:
                own = all(word in user_words for word in phrase)
                alternatives.append(_phrase_query(stems, 1.0 if own else SYNONYM_WEIGHT))
        if alternatives:
            concept_queries.append(q.Or(alternatives))
    if not concept_queries:
        return TextQuery(None, None)
    return TextQuery(q.And(concept_queries), q.Or(concept_queries))
