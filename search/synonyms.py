"""The synonym list (``data/synonyms.txt``): lay words and the words services use for the same thing."""

from functools import cache
from pathlib import Path

from app.config import PROJECT_ROOT
from search.analysis import words


@cache
def synonym_groups(data_dir: Path = PROJECT_ROOT / "data") -> tuple[tuple[tuple[str, ...], ...], ...]:
    """Each group as a tuple of phrases, each phrase a tuple of words."""
    groups = []
    for line in (data_dir / "synonyms.txt").read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.startswith("#"):
            groups.append(tuple(tuple(words(phrase)) for phrase in line.split(",") if words(phrase)))
    return tuple(groups)


@cache
def _phrase_index() -> dict[tuple[str, ...], frozenset[tuple[str, ...]]]:
    index: dict[tuple[str, ...], set[tuple[str, ...]]] = {}
    for group in synonym_groups():
        for phrase in group:
            index.setdefault(phrase, set()).update(group)
    return {phrase: frozenset(alternatives) for phrase, alternatives in index.items()}


def concepts(user_words: list[str]) -> list[frozenset[tuple[str, ...]]]:
    """Group the user's words into concepts, longest synonym phrase first.

    ``["pregnant", "and", "anxious"]`` → ``[{pregnant, perinatal, …}, {and}, {anxious, anxiety, …}]``.
    """
    index = _phrase_index()
    longest = max((len(phrase) for phrase in index), default=1)
    found: list[frozenset[tuple[str, ...]]] = []
    position = 0
    while position < len(user_words):
        for size in range(min(longest, len(user_words) - position), 0, -1):
            phrase = tuple(user_words[position : position + size])
            if phrase in index:
                found.append(index[phrase])
                position += size
                break
        else:
            found.append(frozenset({(user_words[position],)}))
            position += 1
    return found
