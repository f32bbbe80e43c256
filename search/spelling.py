"""'Did you mean': corrections from the unstemmed ``spelling`` field, smallest edit first."""

from whoosh.searching import Searcher

from search.analysis import stop_words, words


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, 1):
        current = [i]
        for j, char_b in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def _best(searcher: Searcher, word: str) -> str | None:
    corrector = searcher.corrector("spelling")
    for max_distance in (1, 2):
        candidates = corrector.suggest(word, limit=8, maxdist=max_distance)
        if candidates:
            reader = searcher.reader()
            return min(
                candidates,
                key=lambda c: (edit_distance(word, c), -reader.doc_frequency("spelling", c), c),
            )
    return None


def suggestion(searcher: Searcher, text: str) -> str | None:
    """The whole query with unknown words corrected, or None when every word is known or none can be."""
    reader = searcher.reader()
    stops = stop_words()
    corrected, changed = [], False
    for word in words(text):
        if len(word) >= 3 and word.isalpha() and word not in stops and not reader.frequency("spelling", word):
            better = _best(searcher, word)
            if better:
                corrected.append(better)
                changed = True
                continue
        corrected.append(word)
    return " ".join(corrected) if changed else None
