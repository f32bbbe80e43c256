"""Spelling that knows English: a word is corrected only when neither the index, the search vocabulary
nor everyday English knows it, and only into a word the index or the vocabulary does know."""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, cached_property

from rapidfuzz.distance import OSA
from rapidfuzz.process import extract
from wordfreq import zipf_frequency

from search.analysis import stems, stop_words

# wordfreq's Zipf scale: 3 is once per million words. Real words people type to a directory ("respite"
# 3.2, "befriending" 2.6, "overdone" 2.8) are above this; typos ("alchol" 1.2, "demensia" 0) are below.
ENGLISH_ZIPF = 2.5
MIN_LENGTH = 3


@dataclass(frozen=True)
class Correction:
    better: str
    confident: bool  # sure enough to search it without asking


@cache
def english_zipf(word: str) -> float:
    return zipf_frequency(word, "en")


def is_english(word: str) -> bool:
    return english_zipf(word) >= ENGLISH_ZIPF


class Lexicon:
    """The words one index state and one vocabulary know."""

    def __init__(self, index_words: list[str], index_terms: Callable[[], frozenset[str]],
                 vocabulary_words: frozenset[str]) -> None:
        self._index_terms = index_terms  # read only if a word is known nowhere else
        self.known = frozenset(index_words) | vocabulary_words | stop_words()

    @cached_property
    def choices(self) -> list[str]:
        return sorted(self.known)

    def knows(self, word: str) -> bool:
        if word in self.known or is_english(word):
            return True
        found = stems(word)
        return bool(found) and all(term in self._index_terms() for term in found)

    def correction(self, word: str) -> Correction | None:
        """The nearest known word: fewest edits (a swap of two letters is one), then the more common in
        English. Confident at one edit in a word of five letters or more, or two in a long word, or when two
        letters are swapped ("ptds"); any other short word is too easily another ("alco" is one from "also")."""
        if len(word) < MIN_LENGTH or not word.isalpha() or self.knows(word):
            return None
        max_edits = 1 if len(word) <= 4 else 2
        candidates = extract(word, self.choices, scorer=OSA.distance, score_cutoff=max_edits, limit=None)
        candidates = [(choice, int(distance)) for choice, distance, _ in candidates if choice.isalpha()]
        if not candidates:
            return None
        better, distance = min(candidates, key=lambda c: (c[1], -english_zipf(c[0]), c[0]))
        swapped = distance == 1 and sorted(word) == sorted(better)
        return Correction(better, confident=swapped or (len(word) >= 5 and (distance == 1 or len(word) >= 7)))
