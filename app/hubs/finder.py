""""Find your hub": a postcode or a place name → the hubs covering it.

A postcode is placed as the search's postcode filter places it (``app.geography.placing``), by its district
in the outward-code table (``data/outward-codes.csv``). That table names each district's places ("Paulton,
Clutton, Temple Cloud, Pensford") rather than areas, so the places it names, like a place typed in, are read
through the search's place names (``data/search/places.txt``, as administrators have edited them), the areas'
own names and the hubs' names; a border district stands for the area the table gives it. One list of places
answers both questions, and a district spanning two hubs (BS39) offers both.
"""

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from app.directory.public_view import Labelled
from app.geography.placing import place_postcode  # the search's own reading of a postcode
from app.hubs.pages import HubSummary
from app.taxonomies import taxonomy, wide_areas
from search.analysis import word_stem, words
from search.vocabulary import Vocabulary

LONGEST_ASKED = 100
# Letters then a digit: written as a postcode, so read only as one (never as a place named "BA").
POSTCODE_LIKE = re.compile(r"^[A-Z]{1,2}[0-9]")

NOTHING_ASKED = "Enter a postcode, or the name of a town or village"


@dataclass(frozen=True)
class Finding:
    """The answer to "find your hub". With a ``problem``, the form is shown again with it; otherwise the
    hubs covering what was asked (none: it is outside them all)."""

    asked: str
    problem: str = ""
    described: str = ""  # what was understood: "BS39 (Paulton, Clutton, …)", or the areas named
    areas: tuple[Labelled, ...] = ()
    hubs: tuple[HubSummary, ...] = ()


Phrases = dict[tuple[str, ...], tuple[str, ...]]


def _key(text: str) -> tuple[str, ...]:
    return tuple(word_stem(word) for word in words(text))


def place_phrases(vocabulary: Vocabulary, hubs: Iterable[HubSummary]) -> Phrases:
    """Each known place name, as the stems of its words, → the areas it names."""
    phrases: Phrases = {key: (roles.area,) for key, roles in vocabulary.phrases.items() if roles.area}
    for term in taxonomy("areas").terms:
        phrases.setdefault(_key(term.name), (term.slug,))
    for hub in hubs:
        phrases.setdefault(_key(hub.name), tuple(area.slug for area in hub.areas))
    return phrases


def areas_named(text: str, phrases: Phrases) -> list[str]:
    """The areas of the place names in ``text``, the longest name first where names overlap ("north
    somerset", not "somerset"); words that name no place are passed over."""
    tokens = list(_key(text))
    longest = max((len(key) for key in phrases), default=0)
    found: list[str] = []
    start = 0
    while start < len(tokens):
        for size in range(min(longest, len(tokens) - start), 0, -1):
            areas = phrases.get(tuple(tokens[start:start + size]))
            if areas:
                found.extend(areas)
                start += size
                break
        else:
            start += 1
    return list(dict.fromkeys(found))


def spoken_list(names: Sequence[str]) -> str:
    """"A", "A and B", "A, B and C"."""
    return " and ".join(filter(None, (", ".join(names[:-1]), names[-1])))


def _quoted(text: str) -> str:
    return f"‘{text[:40]}’"


def find_hubs(asked: str, hubs: Sequence[HubSummary], vocabulary: Vocabulary) -> Finding:
    asked = " ".join(asked.split())[:LONGEST_ASKED]
    if not asked:
        return Finding(asked, problem=NOTHING_ASKED)
    phrases = place_phrases(vocabulary, hubs)
    if POSTCODE_LIKE.match(asked.upper()):
        placing = place_postcode(asked)
        slugs = [placing.area] if placing.area else areas_named(placing.place, phrases)
        if not slugs:
            return Finding(asked, problem=(
                f"We can't place the postcode {_quoted(asked)}. Enter a Bath and North East Somerset postcode, "
                "like BA2 3AB or BS31 1AA, or the name of your town or village"))
        described = f"{placing.district} ({placing.place})"
    else:
        slugs = areas_named(asked, phrases)
        if not slugs:
            return Finding(asked, problem=(
                f"We don't know a place called {_quoted(asked)}. Enter a town or village in Bath and North East "
                "Somerset, like Keynsham or Radstock, or a postcode"))
        described = spoken_list([taxonomy("areas").label(slug) for slug in slugs])
    # A place across the whole area (B&NES) is in every hub: the person chooses.
    everywhere = bool(set(slugs) & wide_areas())
    covering = tuple(hub for hub in hubs if everywhere or {area.slug for area in hub.areas} & set(slugs))
    areas = taxonomy("areas")
    return Finding(asked, described=described, areas=tuple(Labelled(slug, areas.label(slug)) for slug in slugs),
                   hubs=covering)
