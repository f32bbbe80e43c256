"""The Hypothesis profiles of conftest keep their promises: CI tries the same examples every run, the fuzz run's
printed seed replays it, and nothing is kept inside the working tree."""

from pathlib import Path

import pytest
from hypothesis import given, seed, settings
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

ROOT = Path(__file__).resolve().parents[1]


def examples(profile: settings, seed_number: int | None = None) -> list[str]:
    """The values one run of a small property test sees under ``profile`` (without its example database)."""
    seen: list[str] = []

    @settings(profile, max_examples=30, database=None)
    @given(st.text())
    def record(text: str) -> None:
        seen.append(text)

    (seed(seed_number)(record) if seed_number is not None else record)()
    return seen


def test_ci_is_the_profile_unless_another_is_asked_for(pytestconfig: pytest.Config) -> None:
    assert settings.get_current_profile_name() == (pytestconfig.getoption("hypothesis_profile") or "ci")


def test_the_ci_profile_tries_the_same_examples_every_run() -> None:
    ci = settings.get_profile("ci")
    assert ci.derandomize and ci.print_blob
    assert examples(ci) == examples(ci)


def test_the_fuzz_profile_is_random_and_a_seed_replays_it(pytestconfig: pytest.Config) -> None:
    fuzz = settings.get_profile("fuzz")
    assert not fuzz.derandomize and fuzz.print_blob and fuzz.max_examples > settings.get_profile("ci").max_examples
    assert examples(fuzz, 20261201) == examples(fuzz, 20261201)
    if not pytestconfig.getoption("hypothesis_seed"):  # which would seed both runs alike
        assert examples(fuzz) != examples(fuzz)  # 30 random strings twice over: equal once in a universe's age


def test_failing_examples_are_kept_outside_the_working_tree() -> None:
    database = settings.get_profile("fuzz").database
    assert isinstance(database, DirectoryBasedExampleDatabase)
    assert not Path(database.path).resolve().is_relative_to(ROOT)
