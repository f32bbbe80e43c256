"""How text becomes searchable terms, shared by indexing and querying so the two always agree."""

import re
from functools import cache
from pathlib import Path

from whoosh.analysis import CharsetFilter, Filter, LowercaseFilter, RegexTokenizer, StemFilter, StopFilter
from whoosh.analysis.filters import STOP_WORDS
from whoosh.support.charset import accent_map

from app.config import PROJECT_ROOT

WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*")


class DropShortNumbers(Filter):
    """Drop one- and two-digit numbers: they say little in a directory and are the codes of the care
    clusters, which must never be reachable from public text search ("cluster 14")."""

    def __call__(self, tokens):
        for token in tokens:
            if not (token.text.isdigit() and len(token.text) <= 2):
                yield token


@cache
def lay_stop_words(data_dir: Path = PROJECT_ROOT / "data") -> frozenset[str]:
    lines = (data_dir / "search-stopwords.txt").read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip() for line in lines if line.strip() and not line.startswith("#"))


def stop_words() -> frozenset[str]:
    return frozenset(STOP_WORDS) | lay_stop_words()


def tokenizer() -> RegexTokenizer:
    return RegexTokenizer(WORD)


@cache
def stemming_analyzer():
    """Words → lower case without accents (café = cafe) → no short numbers → no stop words → Porter stems."""
    return (tokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | DropShortNumbers()
            | StopFilter(stoplist=stop_words()) | StemFilter())


@cache
def plain_analyzer():
    """Unstemmed words, for spelling suggestions."""
    return (tokenizer() | LowercaseFilter() | CharsetFilter(accent_map) | DropShortNumbers()
            | StopFilter(stoplist=stop_words(), minsize=3))


def words(text: str) -> list[str]:
    """The user's words, lower-cased, in order, before stemming (stop words kept)."""
    return [match.group(0).lower().replace("’", "'") for match in WORD.finditer(text)]
