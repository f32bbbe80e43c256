"""How search ranks listings by the needs they cover (search/ranking.py), on the demo directory with two
made-up words an administrator could add, so that what each word finds is known from the database.

"zorbing" points only to a category (``zorbing => | category:…``, a lay word for a kind of help no
listing names), and "blorping" only to a phrase. The oracles: the listings tagged with the category are
read from the database; the listings using the phrase are what a search for "blorping" alone finds, with no
category involved.
"""

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select

from app.directory.models import Service
from app.extensions import db
from app.vocabulary.operations import save_vocabulary
from app.vocabulary.store import take_effect_now
from search.vocabulary import VocabularyKind, default_text
from tests.search_helpers import all_results, public_ids

CATEGORY = "physical-health"
PHRASE = "walking"
GROUPS = f"zorbing => | category:{CATEGORY}\nblorping => {PHRASE}\n"


@pytest.fixture
def app(demo_app: Flask) -> Iterator[Flask]:
    with demo_app.app_context():
        assert save_vocabulary(db.session, VocabularyKind.SYNONYMS,
                               default_text(VocabularyKind.SYNONYMS) + GROUPS, None) == []
        db.session.commit()
        take_effect_now()
    yield demo_app


def tagged(app: Flask) -> set[int]:
    """The public listings carrying the category, from the database."""
    visible = public_ids(app)
    with app.app_context():
        return {s.id for s in db.session.scalars(select(Service)) if s.id in visible and CATEGORY in s.categories}


def test_a_word_pointing_to_a_category_finds_exactly_that_categorys_listings(app: Flask) -> None:
    with app.app_context():
        assert not any("zorb" in f"{s.name} {s.summary} {s.description}".lower()
                       for s in db.session.scalars(select(Service)))
    expected = tagged(app)
    assert len(expected) >= 3
    assert set(all_results(app, q="zorbing").ids) == expected


CONTEXTS = {  # what else a search may carry, each adding its own preference to the ranking
    "nothing else": {},
    "a place typed": {"q_after": " in radstock"},
    "an age": {"age": "30"},
    "words of distress": {"q_after": " at breaking point"},
}


@pytest.mark.parametrize("context", CONTEXTS)
def test_whole_needs_come_first_whatever_else_the_search_carries(app: Flask, context: str) -> None:
    extra = dict(CONTEXTS[context])
    after = extra.pop("q_after", "")
    by_words = set(all_results(app, q="blorping" + after, **extra).ids)
    by_tag = tagged(app) & set(all_results(app, q="zorbing" + after, **extra).ids)
    # For someone in distress the urgent-help listings meet a need of their own.
    for_distress = set(all_results(app, q=after, **extra).ids) if context == "words of distress" else set()
    assert by_tag - by_words - for_distress and by_words - by_tag, "the demo should hold each kind"
    results = all_results(app, q="blorping zorbing" + after, **extra)
    # A listing using the phrase covers one whole need (and part of the other where tagged); one with only
    # the tag covers part of one. Whole needs first: every listing covering one before any tag-only one.
    first = by_words | for_distress
    assert set(results.ids[: len(first)]) == first
    assert set(results.ids[len(first):]) == by_tag - first


def test_a_need_covered_never_lowers_a_listing_against_one_that_does_not_cover_it(app: Flask) -> None:
    by_tag = tagged(app)
    alone = all_results(app, q="blorping").ids
    both = all_results(app, q="blorping zorbing").ids
    pairs = [(a, b) for i, a in enumerate(alone) for b in alone[i + 1:] if a in by_tag and b not in by_tag]
    assert pairs, "some tagged listing should rank above an untagged one for the phrase alone"
    assert [(a, b) for a, b in pairs if both.index(a) > both.index(b)] == []


def test_missing_names_the_need_each_listing_does_not_cover(app: Flask) -> None:
    by_words, by_tag = set(all_results(app, q="blorping").ids), tagged(app)
    results = all_results(app, q="blorping zorbing")
    said = {listing: results.missing.get(listing, ()) for listing in results.ids}
    assert {listing for listing, words in said.items() if words == ("zorbing",)} == by_words - by_tag
    assert {listing for listing, words in said.items() if words == ("blorping",)} == by_tag - by_words
    assert {listing for listing, words in said.items() if not words} == by_words & by_tag
    assert all_results(app, q="zorbing").missing == {}  # one need: a listing found covers it
