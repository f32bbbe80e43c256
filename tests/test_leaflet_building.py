"""One leaflet build at a time (exports/leaflets/building.py), with real file locks in a temporary folder:
a build asked for during another leaves word and returns, and the running build goes once more."""

import os
import subprocess
import sys
from pathlib import Path

from exports.leaflets.building import AGAIN_NAME, BUILDING_NAME, build_until_settled, is_building


def test_a_build_asked_for_during_another_makes_that_one_go_again(tmp_path: Path) -> None:
    runs: list[str] = []
    asked: list[bool] = []

    def asked_during() -> None:
        runs.append("asked")

    def running() -> None:
        runs.append("running")
        assert is_building(tmp_path)
        if len(runs) == 1:  # an approval arrives while the first build is under way
            asked.append(build_until_settled(tmp_path, asked_during, wait=False))

    assert build_until_settled(tmp_path, running, wait=True)
    assert asked == [False]  # it did not build: the lock was held
    assert runs == ["running", "running"]  # the running build went once more instead
    assert not (tmp_path / AGAIN_NAME).exists() and not is_building(tmp_path)


def test_word_left_with_no_build_running_is_taken_up_by_the_next(tmp_path: Path) -> None:
    (tmp_path / AGAIN_NAME).touch()  # left by a request whose build then stopped
    runs: list[int] = []
    assert build_until_settled(tmp_path, lambda: runs.append(1), wait=False)
    assert runs == [1] and not (tmp_path / AGAIN_NAME).exists()


def test_a_build_that_was_killed_does_not_count_as_running(tmp_path: Path) -> None:
    ended = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True,
                           check=True)
    (tmp_path / BUILDING_NAME).write_text(ended.stdout.strip(), encoding="ascii")
    assert not is_building(tmp_path)
    (tmp_path / BUILDING_NAME).write_text(str(os.getpid()), encoding="ascii")
    assert is_building(tmp_path)
