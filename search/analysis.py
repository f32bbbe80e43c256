"""How text becomes searchable terms, shared by indexing and querying so the two always agree."""

import re
from functools import cache
from pathlib import Path

from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.analysis.filters import STOP_WORDS
from whoosh.lang.porter import stem
from whoosh.support.charset import accent_map

from app.config import PROJECT_ROOT

# Letters and digits, with apostrophes inside ("can't", "carers'"); a hyphen separates words, so
# "self-harm" is found by "self harm" and the other way round.
WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
APOSTROPHES = str.maketrans("", "", "'’")


class DropShortNumbers(Filter):
    """Drop one- and two-digit numbers: they say little in a directory and are the codes of the care
    clusters, which must never be reachable from public text search ("cluster 14")."""

    def __call__(self, tokens):
        for token in tokens:
            if not (token.text.isdigit() and len(token.text) <= 2):
                yield token


class DropApostrophes(Filter):
    """"Alzheimer's" and "alzheimers", "can't" and "cant" are the same word to the people typing them."""

    def __call__(self, tokens):
        for token in tokens:
            token.text = token.text.translate(APOSTROPHES)
            yield token


@cache
def lay_stop_words(data_dir: Path = PROJECT_ROOT / "data" / "search") -> frozenset[str]:
    """Words left out of the index itself (changing them needs a reindex); the filler phrases an
    administrator edits are left out of searches only."""
    lines = (data_dir / "index-stop-words.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


@cache
def stop_words() -> frozenset[str]:
    return frozenset(word.translate(APOSTROPHES) for word in STOP_WORDS) | lay_stop_words()


def tokenizer() -> RegexTokenizer:
    return RegexTokenizer(WORD)


@cache
def stemming_analyzer():
    """Words → lower case without accents or apostrophes (café = cafe) → no short numbers → no stop words
    → Porter stems."""
    return (tokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | DropApostrophes() | DropShortNumbers()
            | StopFilter(stoplist=stop_words()) | StemFilter())


@cache
def plain_analyzer():
    """Unstemmed words, for spelling suggestions."""
    return (tokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | DropApostrophes() | DropShortNumbers()
            | StopFilter(stoplist=stop_words(), minsize=3))


def normalise(word: str) -> str:
    """A word as the analyzers see it before stemming: lower case, no accents, no apostrophes."""
    return word.lower().translate(accent_map).translate(APOSTROPHES)


def words(text: str) -> list[str]:
    """The user's words, normalised, in order, before stemming (stop words kept)."""
    return [normalise(match.group(0)) for match in WORD.finditer(text)]


def word_spans(text: str) -> list[tuple[str, int, int]]:
    """Each normalised word with where it starts and ends in ``text``."""
    return [(normalise(match.group(0)), match.start(), match.end()) for match in WORD.finditer(text)]


def stems(text: str) -> list[str]:
    """The index terms ``text`` becomes: what a search for it looks up."""
    return [token.text for token in stemming_analyzer()(text)]


@cache
def word_stem(word: str) -> str:
    """A normalised word's Porter stem, stop words included: how phrases people type are matched against
    the search vocabulary ("jumping off a bridge" = "jump off a bridge")."""
    return stem(word)
