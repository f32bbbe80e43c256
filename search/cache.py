"""What one searcher can remember between searches. A searcher sees one fixed state of the index, so
everything here stays right until the index changes, when a new searcher (and a new cache) takes over."""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from whoosh.searching import Searcher

from search.segments import SegmentMemo
from search.spelling import Lexicon
from search.view import IndexView
from search.vocabulary import Vocabulary

T = TypeVar("T")
MAX_DOCSETS = 2048
MAX_RESULTS = 1024
# A need's score array holds a number per document (400 KB at 100,000 listings), so keep fewer of them.
MAX_NEEDS = 64


class _Bounded(OrderedDict):  # type: ignore[type-arg]
    """A least-recently-used dictionary of at most ``size`` entries."""

    def __init__(self, size: int) -> None:
        super().__init__()
        self.size = size

    def remember(self, key: Hashable, make: Callable[[], T]) -> T:
        if key in self:
            self.move_to_end(key)
            return self[key]
        value = make()
        self[key] = value
        if len(self) > self.size:
            self.popitem(last=False)
        return value


class SearcherCache:
    def __init__(self, searcher: Searcher, memo: SegmentMemo) -> None:
        self.searcher = searcher
        self.view = IndexView(searcher, memo)
        self._lock = threading.Lock()
        self._docsets = _Bounded(MAX_DOCSETS)
        self._results = _Bounded(MAX_RESULTS)
        self._needs = _Bounded(MAX_NEEDS)
        self._lexicons: dict[object, Lexicon] = {}

    def lexicon(self, vocabulary: Vocabulary) -> Lexicon:
        """The words this index state and this vocabulary know, for spelling."""
        with self._lock:
            if vocabulary.version not in self._lexicons:
                view = self.view
                self._lexicons = {vocabulary.version: Lexicon(view.spelling_words, lambda: view.text_terms,
                                                              vocabulary.known_words)}
            return self._lexicons[vocabulary.version]

    def docs(self, key: Hashable, make: Callable[[], int]) -> int:
        """The documents matching a query (a filter, a facet value…) as a bitset, worked out once per index
        state."""
        with self._lock:
            if key in self._docsets:
                return self._docsets.remember(key, make)
        docs = make()
        with self._lock:
            return self._docsets.remember(key, lambda: docs)

    def need(self, key: Hashable, make: Callable[[], T]) -> T:
        """What one need (a concept) finds and how each document scores for it, worked out once per index
        state: the same needs come back in search after search, with other filters and other pages."""
        with self._lock:
            if key in self._needs:
                return self._needs.remember(key, make)
        value = make()
        with self._lock:
            return self._needs.remember(key, lambda: value)

    def result(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._results:
                return self._results.remember(key, make)
        value = make()
        with self._lock:
            return self._results.remember(key, lambda: value)
