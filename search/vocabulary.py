"""The words search understands beyond the listings' own: synonym groups, crisis phrases, place names and
filler phrases. Each is a plain-text list an administrator can edit (the shipped defaults are in
``data/search/``); this module reads and checks those texts and compiles them into one phrase table.

Formats, one entry per line, ``#`` starts a comment:

- synonyms: ``a, b, c`` (any of them finds listings using the others), ``a, b => c, d`` (a or b is
  searched as c or d, as in Solr's synonym files: list a on the right too to keep it), either followed
  by ``| category:slug audience:slug`` (or ``referral:``, ``access:``, ``accessibility:``, ``cost:``) to
  raise listings with those tags even when they use none of the words, and ``weight:0.25`` for words that
  are context rather than a need;
- crisis: ``urgent: a, b`` (someone may be at risk now) or ``distress: a, b`` (someone is struggling);
- places: ``area-slug: a, b, ~c`` (``~``: only a place after "in", "near"… or as the last word, since
  "bath" is also a bath);
- fillers: ``a, b`` (phrases that say nothing about which listing fits: "i want to", "please help").
"""

import hashlib
from collections.abc import Hashable
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path

from app.config import PROJECT_ROOT
from app.taxonomies import taxonomy
from search.analysis import stems, word_stem, words

DEFAULTS_DIR = PROJECT_ROOT / "data" / "search"
MAX_PHRASE_WORDS = 8
MAX_LINE_LENGTH = 1000
MAX_TEXT_LENGTH = 200_000


class VocabularyKind(StrEnum):
    SYNONYMS = "synonyms"
    CRISIS = "crisis"
    PLACES = "places"
    FILLERS = "fillers"


class CrisisLevel(StrEnum):
    URGENT = "urgent"
    DISTRESS = "distress"


KIND_TITLES = {
    VocabularyKind.SYNONYMS: "Synonym groups",
    VocabularyKind.CRISIS: "Crisis phrases",
    VocabularyKind.PLACES: "Place names",
    VocabularyKind.FILLERS: "Filler phrases",
}


@dataclass(frozen=True)
class Phrase:
    text: str  # as written: searched through the index's analyzer
    key: tuple[str, ...]  # the stems of its words: matched against the stems of what people type


@dataclass(frozen=True)
class SynonymGroup:
    triggers: tuple[Phrase, ...]
    expansions: tuple[Phrase, ...]
    tags: tuple[tuple[str, str], ...] = ()  # (index field, slug): listings to raise
    one_way: bool = False  # "a => b": a is searched as b
    weight: float = 1.0  # how much covering it counts: less for context ("my wife has…") than for a need


@dataclass(frozen=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"Line {self.line}: {self.message}"


@dataclass
class PhraseRoles:
    """Everything one phrase means, from every list it is in."""

    groups: list[SynonymGroup] = field(default_factory=list)
    crisis: CrisisLevel | None = None
    area: str | None = None
    area_needs_locator: bool = False
    filler: bool = False


@dataclass(frozen=True)
class Vocabulary:
    texts: dict[VocabularyKind, str]
    synonyms: tuple[SynonymGroup, ...]
    phrases: dict[tuple[str, ...], PhraseRoles]
    longest: int
    known_words: frozenset[str]  # every word in any list: never "corrected"
    # Changes whenever any list does, so results cached for one vocabulary are not used for another.
    version: Hashable = ""


def default_text(kind: VocabularyKind, defaults_dir: Path = DEFAULTS_DIR) -> str:
    return (defaults_dir / f"{kind.value}.txt").read_text(encoding="utf-8")


def _entries(text: str) -> list[tuple[int, str]]:
    """Numbered lines without comments or blanks."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if content:
            found.append((number, content))
    return found


def _phrases(number: int, raw: str, errors: list[LineError], known_words: set[str] | None = None
             ) -> tuple[Phrase, ...]:
    """The comma-separated phrases of a line; their words are added to ``known_words``."""
    known_words = set() if known_words is None else known_words
    found = []
    for part in raw.split(","):
        text = " ".join(part.split())
        if not text:
            continue
        found_words = words(text)
        key = tuple(word_stem(word) for word in found_words)
        if not key:
            errors.append(LineError(number, f"‘{text}’ has no letters or numbers in it"))
        elif len(key) > MAX_PHRASE_WORDS:
            errors.append(LineError(number, f"‘{text}’ is longer than {MAX_PHRASE_WORDS} words"))
        else:
            found.append(Phrase(text, key))
            known_words.update(found_words)
    if not found and not any(e.line == number for e in errors):
        errors.append(LineError(number, "there is no phrase on this line"))
    return tuple(found)


# The taxonomies a synonym line may point to: its word before the colon → (index field, taxonomy).
TAG_KINDS = {"category": ("categories", "categories"), "audience": ("audiences", "audiences"),
             "referral": ("referral", "referral"), "access": ("access", "access"),
             "accessibility": ("accessibility", "accessibility"), "cost": ("cost", "cost")}


WEIGHTS = {"weight:0.25": 0.25, "weight:0.5": 0.5, "weight:1": 1.0}


def _tags(number: int, raw: str, errors: list[LineError]) -> tuple[tuple[tuple[str, str], ...], float]:
    """The tags after ``|``, and the line's weight (``weight:0.25`` for context rather than a need)."""
    tags, weight = [], 1.0
    for tag in raw.replace(",", " ").split():
        kind, _, slug = tag.partition(":")
        if tag in WEIGHTS:
            weight = WEIGHTS[tag]
        elif kind in TAG_KINDS and slug in taxonomy(TAG_KINDS[kind][1]).slugs:
            tags.append((TAG_KINDS[kind][0], slug))
        else:
            errors.append(LineError(number, f"‘{tag}’ is not a tag: write category:, audience:, referral:, access:, "
                                            "accessibility: or cost: and a slug from that list, or weight:0.25 "
                                            "or weight:0.5"))
    return tuple(dict.fromkeys(tags)), weight


def parse_synonyms(text: str, errors: list[LineError], known_words: set[str] | None = None
                   ) -> tuple[SynonymGroup, ...]:
    known_words = set() if known_words is None else known_words
    groups = []
    for number, content in _entries(text):
        phrases_part, _, tags_part = content.partition("|")
        tags, weight = _tags(number, tags_part, errors) if tags_part.strip() else ((), 1.0)
        one_way = "=>" in phrases_part
        if one_way:
            left, _, right = phrases_part.partition("=>")
            triggers = _phrases(number, left, errors, known_words)
            expansions = _phrases(number, right, errors, known_words) if right.strip() else ()
        else:
            triggers = _phrases(number, phrases_part, errors, known_words)
            expansions = triggers
        for phrase in expansions:
            if not stems(phrase.text):  # the index drops its words, so searching it would find nothing
                errors.append(LineError(number, f"‘{phrase.text}’ has no word search can look for (very "
                                                "common words and numbers are left out of the index): add a "
                                                "word that says what the help is, or a tag"))
        if triggers:
            groups.append(SynonymGroup(triggers, expansions, tags, one_way, weight))
    return tuple(groups)


def _labelled(text: str, allowed: tuple[str, ...], what: str, errors: list[LineError]) -> list[tuple[int, str, str]]:
    """Lines of the form ``label: phrases``, with the label checked against ``allowed``."""
    found = []
    for number, content in _entries(text):
        label, colon, rest = content.partition(":")
        label = label.strip()
        if not colon:
            errors.append(LineError(number, f"start the line with {what} and a colon, like ‘{allowed[0]}: …’"))
        elif label not in allowed:
            errors.append(LineError(number, f"‘{label}’ is not {what}; use one of {', '.join(allowed)}"))
        else:
            found.append((number, label, rest))
    return found


def parse_crisis(text: str, errors: list[LineError], known_words: set[str] | None = None
                 ) -> list[tuple[Phrase, CrisisLevel]]:
    levels = tuple(level.value for level in CrisisLevel)
    return [(phrase, CrisisLevel(label)) for number, label, rest in _labelled(text, levels, "a level", errors)
            for phrase in _phrases(number, rest, errors, known_words)]


def parse_places(text: str, errors: list[LineError], known_words: set[str] | None = None
                 ) -> list[tuple[Phrase, str, bool]]:
    areas = taxonomy("areas").slugs
    found = []
    for number, area, rest in _labelled(text, areas, "an area slug", errors):
        for part in rest.split(","):
            needs_locator = part.strip().startswith("~")
            found.extend((phrase, area, needs_locator)
                         for phrase in _phrases(number, part.strip().lstrip("~"), errors, known_words))
    return found


def parse_fillers(text: str, errors: list[LineError], known_words: set[str] | None = None) -> list[Phrase]:
    return [phrase for number, content in _entries(text)
            for phrase in _phrases(number, content, errors, known_words)]


def check(kind: VocabularyKind, text: str) -> list[LineError]:
    """Every problem with one list's text, by line; empty when it can be saved."""
    errors: list[LineError] = []
    if len(text) > MAX_TEXT_LENGTH:
        return [LineError(1, f"the list is longer than {MAX_TEXT_LENGTH:,} characters")]
    for number, line in enumerate(text.splitlines(), start=1):
        if len(line) > MAX_LINE_LENGTH:
            errors.append(LineError(number, f"the line is longer than {MAX_LINE_LENGTH} characters"))
    {VocabularyKind.SYNONYMS: parse_synonyms, VocabularyKind.CRISIS: parse_crisis,
     VocabularyKind.PLACES: parse_places, VocabularyKind.FILLERS: parse_fillers}[kind](text, errors)
    return errors


def compile_vocabulary(texts: dict[VocabularyKind, str]) -> Vocabulary:
    """One phrase table from the four lists. Lines with errors are skipped (saved texts were checked)."""
    ignored: list[LineError] = []
    known: set[str] = set()
    synonyms = parse_synonyms(texts[VocabularyKind.SYNONYMS], ignored, known)
    table: dict[tuple[str, ...], PhraseRoles] = {}
    for group in synonyms:
        for phrase in group.triggers:
            table.setdefault(phrase.key, PhraseRoles()).groups.append(group)
    for phrase, level in parse_crisis(texts[VocabularyKind.CRISIS], ignored, known):
        roles = table.setdefault(phrase.key, PhraseRoles())
        if roles.crisis != CrisisLevel.URGENT:
            roles.crisis = level
    for phrase, area, needs_locator in parse_places(texts[VocabularyKind.PLACES], ignored, known):
        roles = table.setdefault(phrase.key, PhraseRoles())
        roles.area, roles.area_needs_locator = area, needs_locator
    for phrase in parse_fillers(texts[VocabularyKind.FILLERS], ignored, known):
        table.setdefault(phrase.key, PhraseRoles()).filler = True
    digest = hashlib.sha256("\x00".join(texts[kind] for kind in VocabularyKind).encode()).hexdigest()[:16]
    return Vocabulary(texts=dict(texts), synonyms=synonyms, phrases=table,
                      longest=max((len(key) for key in table), default=1), known_words=frozenset(known),
                      version=digest)


def default_vocabulary(defaults_dir: Path = DEFAULTS_DIR) -> Vocabulary:
    return compile_vocabulary({kind: default_text(kind, defaults_dir) for kind in VocabularyKind})
