"""Spelling that knows English (search/spelling.py), word by word: which words are left alone, which are
corrected, into what, and when the correction is sure enough to be searched without asking.

Each expectation was worked out by hand from the rule the search promises (design §6): a word is corrected
only when neither the index, the search words nor everyday English (wordfreq's Zipf scale, 2.5 and over)
knows it; at most one edit in a word of up to four letters and two in a longer one, a swap of two letters
counting as one; the nearest word wins, then the more common in English. The Zipf figures quoted are
wordfreq's, at the pinned version.
"""

import pytest

from search.analysis import stems
from search.spelling import Lexicon, is_english


def lexicon(*index_words: str, index_terms: frozenset[str] | None = None) -> Lexicon:
    """The words an index holds, and the stemmed terms it holds (by default the stems of those words)."""
    terms = frozenset(t for word in index_words for t in stems(word)) if index_terms is None else index_terms
    return Lexicon(list(index_words), lambda: terms, frozenset())


def corrected(word: str, *index_words: str) -> tuple[str, bool] | None:
    found = lexicon(*index_words).correction(word)
    return None if found is None else (found.better, found.confident)


def test_english_starts_at_two_and_a_half_on_the_zipf_scale() -> None:
    assert is_english("abattoir")  # Zipf 2.50
    assert not is_english("aeration")  # Zipf 2.49
    assert corrected("abattoir", "abattoirs") is None


@pytest.mark.parametrize("word", ["wife", "mum", "army", "smoking", "respite", "befriending"])
def test_a_real_word_is_left_alone_even_when_the_index_lacks_it(word: str) -> None:
    assert corrected(word, "life", "our", "arts", "moving", "despite", "befriend") is None


def test_a_word_the_index_holds_in_another_form_is_known() -> None:
    # "befriendings" is not English (Zipf 0) and not an index word, but its stem is an index term.
    known = lexicon(index_terms=frozenset(stems("befriending")))
    assert known.knows("befriendings")
    assert not lexicon(index_terms=frozenset(stems("friendly"))).knows("befriendings")


@pytest.mark.parametrize("word", ["xq", "alc0hol", "ba2", "dementia's"])
def test_short_words_and_words_with_digits_or_marks_are_never_corrected(word: str) -> None:
    assert corrected(word, "alcohol", "bath", "dementia", "xa") is None


def test_a_three_letter_typo_gets_a_suggestion_to_ask_about() -> None:
    assert corrected("zgp", "gp") == ("gp", False)


@pytest.mark.parametrize(("word", "index_word", "expected"), [
    ("dzbz", "debt", None),  # four letters: two edits is too far
    ("dxbtz", "debts", ("debts", False)),  # five letters: two edits will do, but only to ask
    ("debtz", "debts", ("debts", True)),  # five letters, one edit: sure
    ("debz", "debt", ("debt", False)),  # four letters, one edit: "alco" could as well be "also"
    ("ptds", "ptsd", ("ptsd", True)),  # two letters swapped count as one edit, sure even when short
    ("carxrx", "carers", ("carers", False)),  # six letters, two edits: ask
    ("alcxhxl", "alcohol", ("alcohol", True)),  # seven letters, two edits: sure
    ("alxxxol", "alcohol", None),  # three edits is too far, however long the word
    ("alchol", "alcohol", ("alcohol", True)),
    ("demensia", "dementia", ("dementia", True)),
])
def test_how_far_a_correction_may_reach_and_when_it_is_sure(
    word: str, index_word: str, expected: tuple[str, bool] | None
) -> None:
    assert corrected(word, index_word, "counselling", "housing") == expected


def test_the_nearest_word_wins_then_the_more_common_in_english() -> None:
    # "xame" is one edit from eight index words; "same" (Zipf 5.8) is the most common of them, though
    # five others come before it in the alphabet. "kniting" is one edit from "knitting" and two from the
    # far more common "knowing".
    eight = ("came", "dame", "fame", "game", "lame", "name", "same", "tame")
    assert corrected("xame", *eight) == ("same", False)
    assert corrected("kniting", "knowing", "knitting") == ("knitting", True)
