"""What a person's words ask for: whether they may be in crisis, which places they name, and the needs
(concepts) the listings should cover, with filler phrases dropped and typos mended.

"my husband has dementia i can't cope" → needs: {husband → carers}, {dementia, memory problems…},
{can't cope, struggling…}; crisis: distress. "counselling in radstock" → needs: {counselling…};
places: radstock. Nothing here reads the index except through the ``Lexicon`` (for spelling).
"""

from dataclasses import dataclass, replace

from search.analysis import stems, stop_words, word_spans, word_stem
from search.spelling import Correction, Lexicon
from search.vocabulary import CrisisLevel, PhraseRoles, SynonymGroup, Vocabulary

SYNONYM_WEIGHT = 0.7
# Words that say the next words are a place ("counselling in bath"), and words that say they are not
# ("getting in the bath").
LOCATORS = frozenset({"in", "near", "nr", "around", "at", "from", "by", "round"})
NOT_PLACES = frozenset({"the", "a", "an", "my", "our", "his", "her", "their", "your"})


@dataclass(frozen=True)
class Concept:
    """One need: the words typed for it, the phrases that find it (with weights), and the tags whose
    listings it raises."""

    typed: str
    searches: tuple[tuple[str, float], ...]
    tags: tuple[tuple[str, str], ...] = ()  # (index field, slug)
    weight: float = 1.0  # how much covering it counts


@dataclass(frozen=True)
class Understanding:
    concepts: tuple[Concept, ...]
    crisis: CrisisLevel | None = None
    # A crisis phrase that is not also a synonym: only crisis listings answer it ("i can't cope anymore").
    crisis_listings_needed: bool = False
    places: tuple[str, ...] = ()  # area slugs named in the words
    place_words: tuple[str, ...] = ()  # the place names as typed: listings using them rank higher
    without_places: str = ""  # the words with the place names taken out
    searched_text: str | None = None  # the words searched instead, when typos were mended
    suggestion: str | None = None  # "did you mean", when a mend was not sure enough to search


@dataclass(frozen=True)
class _Segment:
    start: int  # word positions, end exclusive
    end: int
    roles: PhraseRoles | None


def _segments(words: list[str], vocabulary: Vocabulary) -> list[_Segment]:
    """The words cut into phrases the vocabulary knows, so that as many words as possible are in a known
    phrase, in as few phrases as possible. Not simply the longest phrase from the left: "my partner left
    me" is one phrase (a break-up), not "my partner" (someone cared for) and two stray words."""
    tokens = [word_stem(word) for word in words]
    count = len(tokens)
    # best[i]: (words covered, -phrases) for tokens[i:], and the first segment's end and roles.
    best: list[tuple[tuple[int, int], int, PhraseRoles | None]] = [((0, 0), count, None)] * (count + 1)
    for start in range(count - 1, -1, -1):
        (covered, phrases), _, _ = best[start + 1]
        choice = ((covered, phrases - 1), start + 1, None)
        for size in range(min(vocabulary.longest, count - start), 0, -1):  # ties: the longer phrase first
            roles = vocabulary.phrases.get(tuple(tokens[start: start + size]))
            if roles is not None:
                (covered, phrases), _, _ = best[start + size]
                option = ((covered + size, phrases - 1), start + size, roles)
                if option[0] > choice[0]:
                    choice = option
        best[start] = choice
    found, position = [], 0
    while position < count:
        _, end, roles = best[position]
        found.append(_Segment(position, end, roles))
        position = end
    return found


def _is_place(segment: _Segment, tokens: list[str]) -> bool:
    roles = segment.roles
    if roles is None or roles.area is None:
        return False
    if not roles.area_needs_locator:
        return True
    before = tokens[segment.start - 1] if segment.start else ""
    return before in LOCATORS or (segment.end == len(tokens) and before not in NOT_PLACES)


def _concept(typed: str, groups: list[SynonymGroup]) -> Concept:
    """The typed words are searched themselves unless every group they are in maps them one way to others
    ("drink => alcohol" does not look for "a hot drink")."""
    searches: dict[str, float] = {} if groups and all(group.one_way for group in groups) else {typed: 1.0}
    own = tuple(word_stem(word) for word in typed.split())
    for group in groups:
        for phrase in group.expansions:
            weight = 1.0 if phrase.key == own else SYNONYM_WEIGHT
            searches[phrase.text] = max(searches.get(phrase.text, 0.0), weight)
    tags = tuple(dict.fromkeys(tag for group in groups for tag in group.tags))
    return Concept(typed, tuple(sorted(searches.items())), tags, max((g.weight for g in groups), default=1.0))


def _corrections(tokens: list[str], lexicon: Lexicon, vocabulary: Vocabulary) -> dict[int, Correction]:
    found = {}
    for position, token in enumerate(tokens):
        if token in vocabulary.known_words:
            continue
        correction = lexicon.correction(token)
        if correction is not None:
            found[position] = correction
    return found


def _rewritten(text: str, spans: list[tuple[str, int, int]], replacements: dict[int, str]) -> str:
    pieces, last = [], 0
    for position, (_, start, end) in enumerate(spans):
        if position in replacements:
            pieces.extend([text[last:start], replacements[position]])
            last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _without(text: str, spans: list[tuple[str, int, int]], removed: set[int]) -> str:
    pieces, last = [], 0
    for position, (_, start, end) in enumerate(spans):
        if position in removed:
            pieces.append(text[last:start])
            last = end
    pieces.append(text[last:])
    return " ".join("".join(pieces).split())


def understand(text: str, vocabulary: Vocabulary, lexicon: Lexicon, *, exact: bool = False) -> Understanding:
    """``exact``: search the words as typed (the person chose "search instead for …"); crisis phrases are
    still recognised through typos, since missing one costs far more than a needless panel."""
    spans = word_spans(text)
    typed = [word for word, _, _ in spans]
    corrections = _corrections(typed, lexicon, vocabulary)
    mended = [corrections[i].better if i in corrections else word for i, word in enumerate(typed)]

    segments = _segments(mended, vocabulary)
    crisis, crisis_listings_needed = None, False
    for segment in segments:
        if segment.roles is not None and segment.roles.crisis is not None:
            if crisis != CrisisLevel.URGENT:
                crisis = segment.roles.crisis
            crisis_listings_needed = crisis_listings_needed or not segment.roles.groups

    sure = {i: c.better for i, c in corrections.items() if c.confident and not exact}
    tokens = [sure.get(i, word) for i, word in enumerate(typed)]
    if tokens != mended:
        segments = _segments(tokens, vocabulary)

    places: list[str] = []
    place_words: list[str] = []
    place_positions: set[int] = set()
    # One per set of phrases and tags: "anxious, anxiety" is one need.
    concepts: dict[tuple[frozenset[str], tuple[tuple[str, str], ...]], Concept] = {}
    for segment in segments:
        roles = segment.roles
        if _is_place(segment, tokens):
            assert roles is not None and roles.area is not None
            places.append(roles.area)
            place_words.append(" ".join(tokens[segment.start: segment.end]))
            place_positions.update(range(segment.start, segment.end))
            if segment.start and tokens[segment.start - 1] in LOCATORS:
                place_positions.add(segment.start - 1)
            continue
        if roles is not None and (roles.filler or roles.crisis) and not roles.groups:
            continue  # a crisis phrase is answered by the crisis listings, not by listings using its words
        words_typed = " ".join(tokens[segment.start: segment.end])
        if roles is None or not roles.groups:
            if not stems(words_typed) or words_typed in stop_words() or len(words_typed) < 2:
                continue
            concept = _concept(words_typed, [])
        else:
            concept = _concept(words_typed, roles.groups)
        if not any(i in sure for i in range(segment.start, segment.end)):  # say it as they typed it
            concept = replace(concept, typed=text[spans[segment.start][1]: spans[segment.end - 1][2]])
        key = (frozenset(phrase for phrase, _ in concept.searches), concept.tags)
        concepts.setdefault(key, concept)

    unsure = {i: c.better for i, c in corrections.items() if not c.confident or exact}
    spelling_shown = crisis != CrisisLevel.URGENT  # someone who may be at risk is never told they spelt wrong
    return Understanding(
        concepts=_merged(list(concepts.values())),
        crisis=crisis,
        crisis_listings_needed=crisis_listings_needed,
        places=tuple(dict.fromkeys(places)),
        place_words=tuple(dict.fromkeys(place_words)),
        without_places=_without(text, spans, place_positions) if places else text,
        searched_text=_rewritten(text, spans, sure) if sure and spelling_shown else None,
        suggestion=_rewritten(text, spans, unsure) if unsure and spelling_shown else None,
    )


def _merged(concepts: list[Concept]) -> tuple[Concept, ...]:
    """Needs pointing to the same tags are one need: "caring for my husband" is one, not two."""
    merged: dict[object, Concept] = {}
    for concept in concepts:
        key = concept.tags or concept
        if key in merged:
            first = merged[key]
            searches = dict(first.searches)
            for phrase, weight in concept.searches:
                searches[phrase] = max(searches.get(phrase, 0.0), weight)
            merged[key] = replace(first, typed=f"{first.typed} {concept.typed}",
                                  searches=tuple(sorted(searches.items())), weight=max(first.weight, concept.weight))
        else:
            merged[key] = concept
    return tuple(merged.values())
