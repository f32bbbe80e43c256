"""Keeping each process's index current and whole.

- Catching up: every node applies the listing change log (written with each change) to its own index,
  at most once a second, so nodes behind a load balancer agree within seconds (design §8).
- Healing: a missing, corrupt or old-version index is rebuilt from the database in a background thread,
  while searches get a clear "search is being rebuilt" answer instead of an error.
"""

import fcntl
import logging
import os
import threading
import time
from pathlib import Path

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.directory.models import ListingChange
from app.extensions import db
from search.index import SearchIndex
from search.position import read_position, write_position
from search.sync import latest_change_id, reindex_all, search_index, update_documents

log = logging.getLogger(__name__)

CATCH_UP_BATCH = 5000


class SearchUnavailable(RuntimeError):
    """The index is being rebuilt; try again shortly."""


def catch_up(index: SearchIndex) -> int:
    """Apply every logged change newer than this index's position; returns how many listings were updated."""
    position = read_position(index)
    with Session(db.engine) as session:
        rows = session.execute(
            select(ListingChange.id, ListingChange.service_id).where(ListingChange.id > position)
            .order_by(ListingChange.id).limit(CATCH_UP_BATCH)
        ).all()
    if not rows:
        return 0
    update_documents({service_id for _, service_id in rows})
    write_position(index, rows[-1][0])
    return len({service_id for _, service_id in rows})


def rebuild(app: Flask, processes: int = 1) -> int:
    """Rebuild from the database; changes logged while it runs are applied by the next catch-up."""
    with app.app_context():
        start = latest_change_id()
        count = reindex_all(processes)
        write_position(search_index(), start)
        return count


def _lock_path(index: SearchIndex) -> Path:
    return index.directory.with_name(index.directory.name + ".rebuild-lock")


def _take_rebuild_lock(index: SearchIndex) -> int | None:
    """One rebuild at a time across every process on this node: an open file descriptor holding an
    exclusive ``flock``, or None when another rebuild holds it. The kernel releases the lock when its
    process dies, so a worker recycled or killed mid-rebuild never leaves a stale lock behind."""
    lock = _lock_path(index)
    lock.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(lock, os.O_CREAT | os.O_WRONLY, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        return None
    return descriptor


def start_rebuild(app: Flask) -> None:
    index = search_index(app)
    lock = _take_rebuild_lock(index)
    if lock is None:
        return

    def run() -> None:
        try:
            count = rebuild(app)
            log.warning("search index rebuilt with %s listings", count)
        except Exception:
            log.exception("rebuilding the search index failed")
        finally:
            os.close(lock)  # releases the flock

    threading.Thread(target=run, name="search-index-rebuild", daemon=True).start()


class _Throttle:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.last = 0.0


_throttles: dict[str, _Throttle] = {}


def ready_index() -> SearchIndex:
    """The index, caught up with the change log; SearchUnavailable while it is missing or broken."""
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    index = search_index(app)
    throttle = _throttles.setdefault(str(index.directory), _Throttle())
    interval = float(app.config.get("INDEX_CATCH_UP_SECONDS", 1.0))
    due = time.monotonic() - throttle.last >= interval
    # Looking at the index's files costs a few system calls: with a searcher open (which keeps answering
    # from the files it holds), only once a second.
    if (due or not index.is_open()) and not index.exists():
        start_rebuild(app)
        raise SearchUnavailable
    if due and throttle.lock.acquire(blocking=False):
        try:
            throttle.last = time.monotonic()
            catch_up(index)
        except DBAPIError:  # the database is out of reach: answer from the index as it is, catch up later
            log.warning("could not read the change log; searching the index as it is", exc_info=True)
        finally:
            throttle.lock.release()
    return index


def index_failed(error: Exception) -> SearchUnavailable:
    """A search failed inside the index (a truncated or damaged file): rebuild it and say so."""
    log.error("search index failed (%s); rebuilding", error, exc_info=error)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    search_index(app).forget()
    start_rebuild(app)
    return SearchUnavailable()
