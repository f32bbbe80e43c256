"""A missing, damaged or old-version index rebuilds itself; searches meanwhile get a clear page, never a 500."""

import fcntl
import itertools
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from app.directory.models import Service
from app.extensions import db
from search.index import BUILD_FILE, VERSION_FILE
from search.sync import check_index, search_index, update_documents


def build_id(app: Flask) -> str:
    """The id of the index's current full build; a rebuild swaps in a folder with a new one."""
    try:
        return (Path(app.config["INDEX_DIR"]) / BUILD_FILE).read_text().strip()
    except FileNotFoundError:
        return ""


def rebuilding(app: Flask) -> bool:
    """Whether a rebuild holds the lock (another open file description's ``flock`` conflicts with it)."""
    lock = rebuild_lock(app)
    if not lock.exists():
        return False
    with lock.open("a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def wait_for_search(app: Flask, old_build: str, seconds: float = 60) -> str:
    """Search until the index has been rebuilt (a new, whole build and no rebuild running), then return the
    answer to one more search, which must succeed.

    Every answer meanwhile must be the clear 503 page, or results from the searcher still open on the old
    files (an old-version index keeps answering until its version is next looked at, at most a second
    later). Each try asks a question not asked before (another age), so the answer comes from the index files
    and not from the results the running process remembers from before the damage."""
    client = app.test_client()
    deadline = time.monotonic() + seconds
    for attempt in itertools.count():
        # Walk through every page, so every document's stored fields are read at least once.
        response = client.get(f"/search?age={18 + attempt // 12 % 80}&page={1 + attempt % 12}")
        if response.status_code == 503:
            assert "Search is being rebuilt" in response.get_data(as_text=True)
            assert response.headers["Retry-After"]
        else:
            assert response.status_code == 200, response.status_code
        healed = build_id(app) not in ("", old_build) and search_index(app).exists() and not rebuilding(app)
        if healed:
            break
        assert time.monotonic() < deadline, "the index was never rebuilt"
        time.sleep(0.2)
    response = client.get(f"/search?q=housing&age={17 + attempt % 50}")
    assert response.status_code == 200, f"the rebuilt index answered {response.status_code}"
    return response.get_data(as_text=True)


# Whoosh leaves the files of a segment it failed to read for the garbage collector to close.
pytestmark = [pytest.mark.filterwarnings("ignore::ResourceWarning"),
              pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")]


def damage_every_segment(index_dir: Path) -> None:
    for segment in index_dir.glob("*.seg"):
        segment.write_bytes(segment.read_bytes()[:64])


@pytest.mark.parametrize("damage", ["deleted", "truncated", "old version"])
def test_the_index_heals_itself(demo_app: Flask, damage: str) -> None:
    answer = demo_app.test_client().get("/search?q=housing&age=17")
    assert answer.status_code == 200
    before, old_build = answer.get_data(as_text=True), build_id(demo_app)
    index_dir = Path(demo_app.config["INDEX_DIR"])
    if damage == "deleted":
        shutil.rmtree(index_dir)
    elif damage == "truncated":
        damage_every_segment(index_dir)
    else:
        (index_dir / VERSION_FILE).write_text("0")

    after = wait_for_search(demo_app, old_build)

    assert after.count('class="wa-result"') > 0 and before.count('class="wa-result"') > 0
    with demo_app.app_context():
        assert check_index().ok


def test_damage_found_while_refreshing_a_searcher_heals_too(demo_app: Flask) -> None:
    """The searcher is open and the index has moved on (an edit was indexed), so the next search refreshes
    it and meets the damage there. The closed old searcher used to be kept, and every search after it
    failed with a 500 ("Reader already closed") for over a minute under load."""
    client = demo_app.test_client()
    assert client.get("/search?q=housing&age=16").status_code == 200  # the searcher is open
    old_build = build_id(demo_app)
    with demo_app.app_context():
        some_listing = db.session.scalars(select(Service.id).limit(1)).one()
        update_documents({some_listing})  # a new index generation: the open searcher is out of date
    damage_every_segment(Path(demo_app.config["INDEX_DIR"]))

    after = wait_for_search(demo_app, old_build)

    assert after.count('class="wa-result"') > 0


def test_the_api_says_so_too(demo_app: Flask) -> None:
    old_build = build_id(demo_app)
    shutil.rmtree(demo_app.config["INDEX_DIR"])
    response = demo_app.test_client().get("/api/services")
    assert response.status_code == 503
    assert response.json == {"error": "Search is being rebuilt; try again in a minute"}
    wait_for_search(demo_app, old_build)
    assert demo_app.test_client().get("/api/services").status_code == 200


def rebuild_lock(app: Flask) -> Path:
    index = search_index(app)
    return index.directory.with_name(index.directory.name + ".rebuild-lock")


def lock_holder(lock: Path) -> subprocess.Popen:
    """Another process (a worker, say) that holds the rebuild lock until it is stopped."""
    holder = subprocess.Popen(
        [sys.executable, "-c", "import fcntl, os, sys, time\n"
         "fd = os.open(sys.argv[1], os.O_CREAT | os.O_WRONLY)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(600)", str(lock)],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout is not None and holder.stdout.readline().strip() == "locked"
    return holder


def test_one_rebuild_at_a_time(demo_app: Flask, caplog: pytest.LogCaptureFixture) -> None:
    old_build = build_id(demo_app)
    shutil.rmtree(search_index(demo_app).directory)
    client = demo_app.test_client()
    for _ in range(5):
        assert client.get("/search?q=housing").status_code in (200, 503)
    wait_for_search(demo_app, old_build)
    assert caplog.text.count("search index rebuilt") == 1


def test_a_rebuild_in_another_process_is_waited_for(demo_app: Flask) -> None:
    holder = lock_holder(rebuild_lock(demo_app))
    try:
        shutil.rmtree(search_index(demo_app).directory)
        client = demo_app.test_client()
        for _ in range(3):
            assert client.get("/search?q=housing").status_code == 503
            time.sleep(0.3)
        assert not search_index(demo_app).exists(), "rebuilt while another process held the lock"
    finally:
        holder.kill()
        holder.communicate()


def test_a_rebuild_lock_left_by_a_killed_worker_does_not_block_healing(demo_app: Flask) -> None:
    """A worker recycled or killed in the middle of a rebuild takes its lock with it."""
    holder = lock_holder(rebuild_lock(demo_app))
    holder.send_signal(signal.SIGKILL)
    holder.communicate()
    assert rebuild_lock(demo_app).exists() and not rebuilding(demo_app)
    old_build = build_id(demo_app)
    shutil.rmtree(search_index(demo_app).directory)
    wait_for_search(demo_app, old_build, seconds=30)
