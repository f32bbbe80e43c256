"""What one index segment's files say, worked out once and remembered across searchers.

A segment's documents never change once written: later writes add new segments and mark old documents
deleted, and deletions only ever grow. So which of a segment's documents match a leaf query, and each
term's weights there, stay true for as long as the segment exists; the caller applies the current
deletions. After a change to the index only its new, small segment has to be read, instead of the
whole index.
"""

import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

import numpy as np
from whoosh import query as q
from whoosh.searching import Searcher

from search import bitsets
from search.schema import TEXT_FIELDS

T = TypeVar("T")
# BM25 as Whoosh computes it (whoosh.scoring.BM25F defaults).
B, K1 = 0.75, 1.2
MAX_BYTES = 64 * 1024 * 1024
# Stored numbers the search layer filters and sorts on.
NUMBER_FIELDS = ("min_age", "max_age", "assured", "event_day", "latitude", "longitude")


def segment_key(searcher: Searcher) -> Hashable:
    """Identifies a leaf searcher's segment: its id, and its size in case an id is ever reused."""
    reader = searcher.reader()
    return reader.segment().segid, reader.doc_count_all()


class SegmentMemo:
    """A bounded, thread-safe memory of per-segment facts, shared by every searcher of one index. The
    least recently used facts are forgotten once they hold more than ``max_bytes``."""

    def __init__(self, max_bytes: int = MAX_BYTES) -> None:
        self._entries: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.max_bytes = max_bytes
        self.bytes = 0

    def remember(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key][0]  # type: ignore[return-value]
        value = make()
        size = _size(value)
        with self._lock:
            if key not in self._entries:
                self._entries[key] = (value, size)
                self.bytes += size
            while self.bytes > self.max_bytes and len(self._entries) > 1:
                _, (_, forgotten) = self._entries.popitem(last=False)
                self.bytes -= forgotten
        return value

    def docs(self, leaf: Searcher, query: q.Query) -> int:
        """The segment's documents matching ``query`` (a leaf query: a term, a range, a phrase), as a bitset
        of its own document numbers. May include documents deleted since; the caller masks them."""
        def find() -> int:
            if isinstance(query, q.Term) and query.fieldname in TEXT_FIELDS:  # read once, for scoring too
                return bitsets.from_docnums(self.term_weights(leaf, query.fieldname, query.text)[0])
            return bitsets.from_docnums(query.docs(leaf))
        return self.remember((segment_key(leaf), "docs", query), find)

    def term_weights(self, leaf: Searcher, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The documents holding ``text`` in ``field``, and for each the BM25 term-frequency part
        (everything but the inverse document frequency, which the caller takes from the whole index)."""
        return self.remember((segment_key(leaf), "weights", field, text),
                             lambda: self._read_weights(leaf, field, text))

    def _read_weights(self, leaf: Searcher, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        reader = leaf.reader()
        if (field, text) not in reader:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        matcher = reader.postings(field, text)
        docnums, frequencies = [], []
        while matcher.is_active():
            docnums.append(matcher.id())
            frequencies.append(matcher.weight())
            matcher.next()
        numbers = np.array(docnums, dtype=np.int64)
        lengths = self.field_lengths(leaf, field)[numbers]
        average = max(reader.field_length(field) / max(reader.doc_count_all(), 1), 1.0)
        tf = np.array(frequencies, dtype=np.float32)
        return numbers, (tf * (K1 + 1) / (tf + K1 * ((1 - B) + B * lengths / average))).astype(np.float32)

    def field_lengths(self, leaf: Searcher, field: str) -> np.ndarray:
        def read() -> np.ndarray:
            reader = leaf.reader()
            return np.array([reader.doc_field_length(n, field) for n in range(reader.doc_count_all())],
                            dtype=np.float32)
        return self.remember((segment_key(leaf), "lengths", field), read)

    def numbers(self, leaf: Searcher) -> dict[str, np.ndarray]:
        """Every document's stored numbers (ages, dates, coordinates), read in one pass; NaN where absent."""
        def read() -> dict[str, np.ndarray]:
            reader = leaf.reader()
            rows = [reader.stored_fields(n) for n in range(reader.doc_count_all())]
            return {name: np.array([math.nan if row.get(name) is None else row[name] for row in rows],
                                   dtype=np.float64) for name in NUMBER_FIELDS}
        return self.remember((segment_key(leaf), "numbers"), read)

    def range_docs(self, leaf: Searcher, query: q.NumericRange) -> int:
        """The segment's documents whose number is within ``query``'s range, from the stored numbers."""
        def find() -> int:
            values = self.numbers(leaf)[query.fieldname]
            inside = np.ones(values.size, dtype=bool)
            if query.start is not None:
                inside &= values > query.start if query.startexcl else values >= query.start
            if query.end is not None:
                inside &= values < query.end if query.endexcl else values <= query.end
            return bitsets.from_flags(inside)
        return self.remember((segment_key(leaf), "range", query), find)

    def words(self, leaf: Searcher, field: str) -> list[str]:
        """Every word the segment has in ``field``."""
        return self.remember((segment_key(leaf), "words", field),
                             lambda: [word.decode() for word in leaf.reader().lexicon(field)])

    def sort_names(self, leaf: Searcher) -> list[str]:
        def read() -> list[str]:
            column = leaf.reader().column_reader("sort_name")
            return [str(column[n]) for n in range(leaf.reader().doc_count_all())]
        return self.remember((segment_key(leaf), "sort_name"), read)


def _size(value: object) -> int:
    """Roughly how many bytes a remembered fact holds."""
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, int):
        return value.bit_length() // 8 + 32
    if isinstance(value, dict):
        return sum(_size(item) for item in value.values())
    if isinstance(value, tuple | list):
        return sum(_size(item) for item in value) + 8 * len(value)
    if isinstance(value, str):
        return len(value) + 50
    return 32
