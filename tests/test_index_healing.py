"""A missing, damaged or old-version index rebuilds itself; searches meanwhile get a clear page, never a 500."""

import itertools
import shutil
import time
from pathlib import Path

import pytest
from flask import Flask

from search.index import VERSION_FILE
from search.sync import check_index, search_index


def wait_for_search(app: Flask, seconds: float = 60) -> str:
    """Search until the rebuilt index answers; every answer meanwhile must be the clear 503 page.

    Each try asks a question not asked before (another age), so the answer comes from the index files and
    not from the results the running process remembers from before the damage."""
    client = app.test_client()
    deadline = time.monotonic() + seconds
    for attempt in itertools.count():
        # Walk through every page, so every document's stored fields are read at least once.
        response = client.get(f"/search?age={18 + attempt // 12 % 80}&page={1 + attempt % 12}")
        if response.status_code == 200:
            with app.app_context():
                if check_index().ok:
                    return client.get(f"/search?q=housing&age={17 + attempt % 50}").get_data(as_text=True)
        else:
            assert response.status_code == 503, response.status_code
            assert "Search is being rebuilt" in response.get_data(as_text=True)
            assert response.headers["Retry-After"]
        assert time.monotonic() < deadline, "the index was never rebuilt"
        time.sleep(0.2)


# Whoosh leaves the files of a segment it failed to read for the garbage collector to close.
pytestmark = [pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]


def damage_every_segment(index_dir: Path) -> None:
    for segment in index_dir.glob("*.seg"):
        segment.write_bytes(segment.read_bytes()[:64])


@pytest.mark.parametrize("damage", ["deleted", "truncated", "old version"])
def test_the_index_heals_itself(demo_app: Flask, damage: str) -> None:
    before = demo_app.test_client().get("/search?q=housing&age=17").get_data(as_text=True)
    index_dir = Path(demo_app.config["INDEX_DIR"])
    if damage == "deleted":
        shutil.rmtree(index_dir)
    elif damage == "truncated":
        damage_every_segment(index_dir)
    else:
        (index_dir / VERSION_FILE).write_text("0")

    after = wait_for_search(demo_app)

    assert after.count('class="wa-result"') > 0 and before.count('class="wa-result"') > 0
    with demo_app.app_context():
        assert check_index().ok


def test_the_api_says_so_too(demo_app: Flask) -> None:
    shutil.rmtree(demo_app.config["INDEX_DIR"])
    response = demo_app.test_client().get("/api/services")
    assert response.status_code == 503
    assert response.json == {"error": "Search is being rebuilt; try again in a minute"}
    wait_for_search(demo_app)
    assert demo_app.test_client().get("/api/services").status_code == 200


def test_one_rebuild_at_a_time(demo_app: Flask) -> None:
    index = search_index(demo_app)
    shutil.rmtree(index.directory)
    client = demo_app.test_client()
    for _ in range(5):
        client.get("/search?q=housing")
    lock = index.directory.with_name(index.directory.name + ".rebuild-lock")
    wait_for_search(demo_app)
    assert not lock.exists()
