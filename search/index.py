"""Opening the index, writing to it safely from many processes, and one long-lived searcher per process."""

import contextlib
import logging
import shutil
import threading
import time
import uuid
import weakref
from collections.abc import Iterable
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.index import Index, LockError
from whoosh.reading import ReaderClosed
from whoosh.searching import Searcher

from search.cache import SearcherCache
from search.schema import SCHEMA_VERSION, build_schema
from search.segments import SegmentMemo

log = logging.getLogger(__name__)

VERSION_FILE = "wellaware-schema-version"
# A new id for every full build: a rebuild swaps in a whole new folder, which Whoosh's own generation
# numbers cannot tell apart from the old one.
BUILD_FILE = "wellaware-build-id"
WRITE_ATTEMPTS = 5
LOCK_TIMEOUT_SECONDS = 10.0


def _close_all(searchers: list[Searcher]) -> None:
    for searcher in searchers:
        with contextlib.suppress(OSError):
            searcher.close()
    searchers.clear()


def _storage(directory: Path) -> FileStorage:
    """Index files read without memory-mapping: a truncated file then raises an error we can recover
    from (by rebuilding), instead of killing the whole process with SIGBUS."""
    return FileStorage(str(directory), supports_mmap=False)


class SearchIndex:
    """The index in one directory. Thread-safe; share one per process."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)
        self._lock = threading.Lock()
        self._index: Index | None = None
        self._searcher: Searcher | None = None
        # Index files stay open while a searcher is; close them when this object goes away.
        self._open_searchers: list[Searcher] = []
        self._cache: SearcherCache | None = None
        self.segment_memo = SegmentMemo()
        weakref.finalize(self, _close_all, self._open_searchers)
        self._build_id = ""

    # --- state --------------------------------------------------------------------------------

    def exists(self) -> bool:
        return self.directory.is_dir() and _storage(self.directory).index_exists() and self._version_ok()

    def _version_ok(self) -> bool:
        version_file = self.directory / VERSION_FILE
        return version_file.exists() and version_file.read_text().strip() == str(SCHEMA_VERSION)

    def create_empty(self) -> None:
        """Make a new, empty index here, replacing whatever was there."""
        with self._lock:
            self._close_searcher()
            if self.directory.exists():
                shutil.rmtree(self.directory)
            self.directory.mkdir(parents=True)
            self._index = _storage(self.directory).create_index(build_schema())
            (self.directory / VERSION_FILE).write_text(str(SCHEMA_VERSION))
            (self.directory / BUILD_FILE).write_text(uuid.uuid4().hex)

    def _open(self) -> Index:
        if self._index is None:
            if not self.exists():
                raise FileNotFoundError(f"no search index of version {SCHEMA_VERSION} in {self.directory}")
            self._build_id = self._current_build_id()
            self._index = _storage(self.directory).open_index()
        return self._index

    def _current_build_id(self) -> str:
        try:
            return (self.directory / BUILD_FILE).read_text().strip()
        except FileNotFoundError:
            return ""

    # --- reading ------------------------------------------------------------------------------

    def is_open(self) -> bool:
        return self._searcher is not None

    def searcher(self) -> Searcher:
        """The process's searcher, refreshed only when the index has changed since it was opened."""
        with self._lock:
            if self._searcher is not None and self._current_build_id() != self._build_id:
                self._close_searcher()  # a rebuild has swapped in a new folder
            if self._searcher is None:
                self._searcher = self._open().searcher()
            elif not self._searcher.up_to_date():
                # Dropped before the new one opens: if opening meets a damaged file, no closed searcher is
                # left behind for the next search (or the healing's ``forget``) to trip over.
                stale, self._searcher = self._searcher, None
                self._searcher = self._refreshed(stale)
            self._open_searchers[:] = [self._searcher]
            return self._searcher

    def searcher_cache(self) -> SearcherCache:
        """The current searcher with what it remembers; a change to the index starts a fresh cache."""
        searcher = self.searcher()
        with self._lock:
            if self._cache is None or self._cache.searcher is not searcher:
                self._cache = SearcherCache(searcher, self.segment_memo)
            return self._cache

    def _refreshed(self, searcher: Searcher) -> Searcher:
        """A searcher on the index as it is now. Not ``Searcher.refresh()``: Whoosh reuses a segment's old
        reader when only its deletions changed, so edited and withdrawn listings would still be found (and
        it cannot refresh a searcher opened on an empty index)."""
        searcher.close()
        return self._open().searcher()

    def forget(self) -> None:
        """Drop the open index and searcher, so the next search opens the directory afresh."""
        with self._lock:
            self._close_searcher()

    def close(self) -> None:
        self.forget()

    def _close_searcher(self) -> None:
        self._open_searchers.clear()
        if self._searcher is not None:
            with contextlib.suppress(OSError, ReaderClosed):  # its files may already be gone
                self._searcher.close()
            self._searcher = None
        self._index = None

    # --- writing ------------------------------------------------------------------------------

    def write(self, upserts: Iterable[dict[str, object]], deletes: Iterable[str] = ()) -> None:
        """Add or replace documents and delete others in one commit, waiting for another process's lock."""
        upserts, deletes = list(upserts), list(deletes)
        for attempt in range(1, WRITE_ATTEMPTS + 1):
            try:
                writer = self._open().writer(timeout=LOCK_TIMEOUT_SECONDS, delay=0.05)
            except LockError:
                log.warning("search index locked; attempt %s of %s", attempt, WRITE_ATTEMPTS)
                time.sleep(0.2 * attempt)
                continue
            try:
                for doc_id in deletes:
                    writer.delete_by_term("id", doc_id)
                for doc in upserts:
                    writer.update_document(**doc)
                writer.commit()
            except BaseException:
                writer.cancel()
                raise
            return
        raise LockError(f"could not lock the search index in {self.directory}")

    def rebuild(self, documents: Iterable[dict[str, object]], processes: int = 1) -> int:
        """Build a fresh index beside the live one, then swap it in, so searches never see it half-built.

        With ``processes`` > 1, that many forked processes analyse and write a segment each. Only for a
        single-threaded caller (the command line): forking a threaded web worker could deadlock."""
        staging = self.directory.with_name(self.directory.name + ".building")
        if staging.exists():
            shutil.rmtree(staging)
        staging.mkdir(parents=True)
        new_index = _storage(staging).create_index(build_schema())
        if processes > 1:
            writer = new_index.writer(procs=processes, multisegment=True, limitmb=256 // processes)
        else:
            writer = new_index.writer(limitmb=256)
        count = 0
        for doc in documents:
            writer.add_document(**doc)
            count += 1
        writer.commit()
        (staging / VERSION_FILE).write_text(str(SCHEMA_VERSION))
        (staging / BUILD_FILE).write_text(uuid.uuid4().hex)
        with self._lock:
            self._close_searcher()
            old = self.directory.with_name(self.directory.name + ".old")
            if old.exists():
                shutil.rmtree(old)
            if self.directory.exists():
                self.directory.rename(old)
            staging.rename(self.directory)
            if old.exists():
                shutil.rmtree(old)
        return count

    def stored_fingerprints(self) -> dict[str, str]:
        """Each document's listing id and fingerprint; a damaged document shows up under a "?" id."""
        searcher = self.searcher()
        return {str(fields.get("id", f"?{number}")): str(fields.get("fingerprint", ""))
                for number, fields in enumerate(searcher.all_stored_fields())}
