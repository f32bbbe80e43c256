"""One searcher's documents as bitsets and arrays, put together from what each segment remembers.

Whoosh answers a query by walking posting lists in Python, a step per matching document; here a query
over filters and words becomes a few big-integer operations, and scoring a few array operations, so a
search costs about the same at 100,000 listings as at 1,000.
"""

import math
from functools import cached_property, reduce
from operator import and_, or_

import numpy as np
from whoosh import query as q
from whoosh.searching import Searcher

from search import bitsets
from search.schema import TEXT_FIELDS
from search.segments import SegmentMemo


class IndexView:
    def __init__(self, searcher: Searcher, memo: SegmentMemo) -> None:
        self.searcher = searcher
        self.memo = memo
        self.size = searcher.doc_count_all()
        # An empty index has one leaf with no segment at all.
        self.leaves: list[tuple[Searcher, int]] = [(leaf, offset) for leaf, offset in searcher.leaf_searchers()
                                                   if leaf.reader().doc_count_all()]
        self._field_values: dict[str, list[str]] = {}
        self._idfs: dict[tuple[str, str], float] = {}
        self._live_by_leaf = [self._live(leaf) for leaf, _ in self.leaves]
        self.live = reduce(or_, (live << offset for live, (_, offset) in zip(self._live_by_leaf, self.leaves,
                                                                              strict=True)), 0)

    @staticmethod
    def _live(leaf: Searcher) -> int:
        reader = leaf.reader()
        deleted = bitsets.from_docnums(sorted(reader.deleted_docs_set)) if reader.has_deletions() else 0
        return bitsets.first(reader.doc_count_all()) & ~deleted

    # --- which documents match ------------------------------------------------------------------------

    def docs(self, query: q.Query) -> int:
        """The live documents matching ``query``, built of And, Or and leaf queries (terms, ranges, phrases)."""
        if isinstance(query, q.And):
            return reduce(and_, (self.docs(part) for part in query.subqueries), self.live)
        if isinstance(query, q.Or):
            return reduce(or_, (self.docs(part) for part in query.subqueries), 0)
        memo = self.memo.range_docs if isinstance(query, q.NumericRange) else self.memo.docs
        return reduce(or_, (
            (memo(leaf, query) & live) << offset
            for (leaf, offset), live in zip(self.leaves, self._live_by_leaf, strict=True)
        ), 0)

    # --- how well they match --------------------------------------------------------------------------

    def scores(self, text_query: q.Query) -> np.ndarray:
        """BM25 scores of every document for ``text_query``, summed over its terms and phrases as Whoosh sums
        the parts of an Or (a phrase scores as its words, for the documents that hold the phrase)."""
        total = np.zeros(self.size, dtype=np.float32)
        for leaf_query in _leaves(text_query):
            if isinstance(leaf_query, q.Phrase):
                holders = self.flags(self.docs(leaf_query))
                for word in leaf_query.words:
                    docs, weights = self._weights(leaf_query.fieldname, word, leaf_query.boost)
                    keep = holders[docs]
                    total[docs[keep]] += weights[keep]
            elif isinstance(leaf_query, q.Term):
                docs, weights = self._weights(leaf_query.fieldname, leaf_query.text, leaf_query.boost)
                total[docs] += weights
        return total

    def _idf(self, field: str, text: str) -> float:
        """Whoosh's inverse document frequency of a term, over the whole index."""
        if (field, text) not in self._idfs:
            frequency = self.searcher.doc_frequency(field, text)
            self._idfs[(field, text)] = math.log(self.size / (frequency + 1)) + 1 if self.size else 0.0
        return self._idfs[(field, text)]

    def _weights(self, field: str, text: str, boost: float) -> tuple[np.ndarray, np.ndarray]:
        idf = self._idf(field, text)
        parts = [(docs + offset, weights) for (leaf, offset) in self.leaves
                 for docs, weights in [self.memo.term_weights(leaf, field, text)]]
        docs = np.concatenate([docs for docs, _ in parts]) if parts else np.empty(0, dtype=np.int64)
        weights = np.concatenate([weights for _, weights in parts]) if parts else np.empty(0, dtype=np.float32)
        return docs, weights * np.float32(idf * boost)

    def flags(self, bitset: int) -> np.ndarray:
        """The documents in ``bitset`` as a boolean array indexed by document number."""
        flags = np.zeros(self.size, dtype=bool)
        flags[bitsets.members(bitset, self.size)] = True
        return flags

    def best(self, docs: int, scores: np.ndarray, limit: int) -> list[int]:
        """The ``limit`` highest-scoring of ``docs``, best first; equal scores in document order."""
        candidates = bitsets.members(docs, self.size)
        if limit <= 0 or candidates.size == 0:
            return []
        candidate_scores = scores[candidates]
        if candidates.size > limit:
            threshold = np.partition(candidate_scores, candidates.size - limit)[candidates.size - limit]
            keep = candidate_scores >= threshold
            candidates, candidate_scores = candidates[keep], candidate_scores[keep]
        order = np.lexsort((candidates, -candidate_scores))
        return [int(docnum) for docnum in candidates[order][:limit]]

    # --- orders other than relevance ------------------------------------------------------------------

    @cached_property
    def name_rank(self) -> np.ndarray:
        """Each document's place in alphabetical order of listing names."""
        names = [name for leaf, _ in self.leaves for name in self.memo.sort_names(leaf)]
        rank = np.empty(len(names), dtype=np.int64)
        rank[np.argsort(np.array(names, dtype=object), kind="stable")] = np.arange(len(names))
        return rank

    def by_name(self, docs: int, limit: int) -> list[int]:
        candidates = bitsets.members(docs, self.size)
        order = np.argsort(self.name_rank[candidates], kind="stable")[:limit]
        return [int(docnum) for docnum in candidates[order]]

    @cached_property
    def coordinates(self) -> tuple[np.ndarray, np.ndarray]:
        """Latitude and longitude of every document (NaN where a listing has no located address)."""
        return self.numbers("latitude"), self.numbers("longitude")

    def numbers(self, name: str) -> np.ndarray:
        """A stored number of every document (NaN where absent)."""
        parts = [self.memo.numbers(leaf)[name] for leaf, _ in self.leaves]
        return np.concatenate(parts) if parts else np.empty(0)

    def field_values(self, field: str) -> list[str]:
        """The values a keyword field holds somewhere in the index, for facet counts."""
        if field not in self._field_values:
            words = {word for leaf, _ in self.leaves for word in self.memo.words(leaf, field)}
            self._field_values[field] = sorted(words)
        return self._field_values[field]

    @cached_property
    def spelling_words(self) -> list[str]:
        """Every word the index knows, for "did you mean"."""
        return sorted({word for leaf, _ in self.leaves for word in self.memo.words(leaf, "spelling")})

    @cached_property
    def text_terms(self) -> frozenset[str]:
        """Every stemmed term of the text fields: whether a word the person typed is in any listing."""
        return frozenset(word for leaf, _ in self.leaves for field in TEXT_FIELDS
                         for word in self.memo.words(leaf, field))


def _leaves(query: q.Query):
    if isinstance(query, q.Phrase | q.Term):
        yield query
    elif isinstance(query, q.CompoundQuery):
        for part in query.subqueries:
            yield from _leaves(part)
