"""'Did you mean': corrections from the unstemmed ``spelling`` field, smallest edit first, then the word
most listings use."""

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extract

from search.analysis import stop_words, words
from search.view import IndexView

MAX_EDITS = 2


def _best(view: IndexView, word: str) -> str | None:
    candidates = extract(word, view.spelling_words, scorer=Levenshtein.distance, score_cutoff=MAX_EDITS,
                         limit=None)
    if not candidates:
        return None
    reader = view.searcher.reader()
    return min(candidates, key=lambda c: (c[1], -reader.doc_frequency("spelling", c[0]), c[0]))[0]


def suggestion(view: IndexView, text: str) -> str | None:
    """The whole query with unknown words corrected, or None when every word is known or none can be."""
    reader = view.searcher.reader()
    stops = stop_words()
    corrected, changed = [], False
    for word in words(text):
        if len(word) >= 3 and word.isalpha() and word not in stops and not reader.frequency("spelling", word):
            better = _best(view, word)
            if better:
                corrected.append(better)
                changed = True
                continue
        corrected.append(word)
    return " ".join(corrected) if changed else None
