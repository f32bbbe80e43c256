"""Reading the search word lists and what they make of people's words (search/vocabulary.py,
search/understanding.py), without an index: the lexicon is built from words given here."""

import pytest

from search.spelling import Lexicon
from search.understanding import understand
from search.vocabulary import (
    CrisisLevel,
    VocabularyKind,
    check,
    compile_vocabulary,
    default_text,
    default_vocabulary,
)

VOCABULARY = default_vocabulary()
INDEX_WORDS = ["alcohol", "counselling", "dementia", "carers", "suicide", "housing", "knitting", "anxiety"]


def lexicon(*index_words: str) -> Lexicon:
    words = [*INDEX_WORDS, *index_words]
    return Lexicon(words, lambda: frozenset(words), VOCABULARY.known_words)


def read(text: str, **lists: str):
    vocabulary = VOCABULARY if not lists else compile_vocabulary(
        {kind: lists.get(kind.value, default_text(kind)) for kind in VocabularyKind})
    return understand(text, vocabulary, lexicon())


@pytest.mark.parametrize("kind", list(VocabularyKind))
def test_the_shipped_lists_have_no_mistakes(kind: VocabularyKind) -> None:
    assert check(kind, default_text(kind)) == []


def test_the_shipped_synonyms_are_many_times_the_old_27_groups() -> None:
    assert len(VOCABULARY.synonyms) >= 135
    assert sum(len(group.triggers) for group in VOCABULARY.synonyms) >= 1500


@pytest.mark.parametrize(("kind", "text", "message"), [
    (VocabularyKind.SYNONYMS, "a, b\n\nc => d | category:housing audience:nobody\n", "Line 3: ‘audience:nobody’"),
    (VocabularyKind.SYNONYMS, "# comment\n, ,\n", "Line 2: there is no phrase on this line"),
    (VocabularyKind.SYNONYMS, "zorbing => the, a\n", "Line 1: ‘the’ has no word search can look for"),
    (VocabularyKind.SYNONYMS, "one two three four five six seven eight nine, b\n", "Line 1: ‘one two three"),
    (VocabularyKind.CRISIS, "urgent: a\nworried: b\n", "Line 2: ‘worried’ is not a level"),
    (VocabularyKind.CRISIS, "kill myself\n", "Line 1: start the line with a level"),
    (VocabularyKind.PLACES, "frome: frome\n", "Line 1: ‘frome’ is not an area slug"),
    (VocabularyKind.FILLERS, "i want, ***\n", "Line 1: ‘***’ has no letters or numbers in it"),
])
def test_a_wrong_line_is_named_with_its_number(kind: VocabularyKind, text: str, message: str) -> None:
    errors = [str(error) for error in check(kind, text)]
    assert any(error.startswith(message) for error in errors), errors


def test_a_one_way_synonym_searches_only_its_right_side() -> None:
    drink = read("drink").concepts[0]
    assert "drink" not in dict(drink.searches) and "alcohol" in dict(drink.searches)
    assert ("categories", "drugs-alcohol") in drink.tags
    counselling = read("counselling").concepts[0]
    assert {"counselling", "talking therapy", "cbt"} <= set(dict(counselling.searches))


def test_the_words_are_cut_so_that_most_of_them_are_understood() -> None:
    left = read("my partner left me")
    assert [c.typed for c in left.concepts] == ["my partner left me"]
    assert ("categories", "carers") not in left.concepts[0].tags
    caring = read("my husband has dementia i can't cope")
    assert [c.typed for c in caring.concepts] == ["my husband", "dementia", "can't cope"]
    assert caring.concepts[0].weight < 1 and caring.crisis == CrisisLevel.DISTRESS


def test_filler_phrases_are_not_needs() -> None:
    assert [c.typed for c in read("i want to find someone to help me with my debt please").concepts] == ["debt"]
    assert read("please help me").concepts == ()


@pytest.mark.parametrize("words", ["i want to kill myself", "Killing Myself", "sucidal", "suicdie thoughts",
                                   "thinking of jumping off a bridge", "i dont want to be here anymore", "kms",
                                   "self-harming", "i've been self harming"])
def test_crisis_words_are_caught_in_any_spelling_and_never_corrected(words: str) -> None:
    understood = read(words)
    assert understood.crisis == CrisisLevel.URGENT
    assert understood.suggestion is None and understood.searched_text is None


def test_a_crisis_phrase_an_administrator_adds_is_caught() -> None:
    crisis = default_text(VocabularyKind.CRISIS) + "urgent: feel like a ghost\n"
    assert read("i feel like a ghost", crisis=crisis).crisis == CrisisLevel.URGENT
    assert read("i feel like a ghost").crisis is None


@pytest.mark.parametrize(("words", "places", "rest"), [
    ("counselling in radstock", ("radstock",), "counselling"),
    ("Carers, Midsomer Norton", ("midsomer-norton",), "Carers,"),
    ("help getting in the bath", (), "help getting in the bath"),
    ("near bath", ("bath",), ""),
    ("frome talking cafe", ("somerset",), "talking cafe"),
])
def test_places_are_found_and_taken_out_of_the_words(words: str, places: tuple[str, ...], rest: str) -> None:
    understood = read(words)
    assert understood.places == places
    assert understood.without_places == rest


def test_a_typo_is_mended_only_into_a_known_word_and_only_when_sure() -> None:
    assert read("alchol").searched_text == "alcohol"
    assert read("councelling").searched_text == "counselling"
    assert read("alco").searched_text is None  # four letters: too easily another word
    assert read("alco").suggestion is not None
    for word in ("wife", "mum", "army", "smoking", "respite", "tonight", "overdone"):
        assert read(word).searched_text is None and read(word).suggestion is None, word
    as_typed = understand("alchol", VOCABULARY, lexicon(), exact=True)
    assert as_typed.searched_text is None and as_typed.suggestion == "alcohol"
