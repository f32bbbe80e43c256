"""One build of the leaflet bank at a time, and whether one is under way, for the bank page to say so.

A build holds an exclusive lock on ``.build.lock`` in the bank's folder while it runs, and writes
``.building`` (its process id) for the web site to read. A build asked for while another runs (an approval
while the start-up build is going) need not wait: it leaves ``.again`` and goes, and the running build,
when it finishes, builds once more, so the change is never lost and two builds never render the same files.
"""

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_NAME = ".build.lock"
BUILDING_NAME = ".building"
AGAIN_NAME = ".again"


@contextmanager
def build_lock(folder: Path, *, wait: bool) -> Iterator[bool]:
    """Holds the bank's build lock inside the block; yields False, without it, when ``wait`` is off and
    another build has it (having left word for that build to go again)."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_NAME, "a+b") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            (folder / AGAIN_NAME).touch()
            try:  # the other build may have let go since; then this one builds
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                yield False
                return
        (folder / BUILDING_NAME).write_text(str(os.getpid()), encoding="ascii")
        try:
            yield True
        finally:
            (folder / BUILDING_NAME).unlink(missing_ok=True)
            fcntl.flock(lock, fcntl.LOCK_UN)


def build_until_settled(folder: Path, build: Callable[[], None], *, wait: bool) -> bool:
    """Run ``build`` under the lock, then again for as long as builds were asked for meanwhile; False when
    another build had the lock (and was asked to go again) and ``wait`` is off.

    Word left just as the running build let go is not lost: the build that left it tries the lock once more
    (``build_lock``), and the build that let go looks for word once more after letting go."""
    built = False
    while True:
        with build_lock(folder, wait=wait) as holding:
            if not holding:
                return built
            while True:
                (folder / AGAIN_NAME).unlink(missing_ok=True)
                build()
                built = True
                if not (folder / AGAIN_NAME).exists():
                    break
        if not (folder / AGAIN_NAME).exists():
            return True
        wait = False


def is_building(folder: Path) -> bool:
    """A build is running now: its process is alive. A file left by a build that was killed does not count."""
    try:
        pid = int((folder / BUILDING_NAME).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, and someone else's
        return True
    return True
