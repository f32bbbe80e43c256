"""Counting in memory and adding the totals to the database now and then.

Each process keeps its own tally and adds it to the shared rows at most every ``USAGE_FLUSH_SECONDS``
(an upsert per row), so a busy search page costs no database write per request. A worker that dies loses
at most that many seconds of counts: these are approximate figures for planning, not records.
"""

import logging
import threading
import time
from collections import Counter
from datetime import date
from enum import StrEnum

from flask import Flask, current_app
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from app.extensions import db
from app.timeutil import today
from app.usage.models import UsageCount

log = logging.getLogger(__name__)


class Metric(StrEnum):
    SEARCH = "search"
    SEARCH_WITHOUT_RESULTS = "search-without-results"
    SEARCH_CATEGORY = "search-category"  # subject: a category slug the search was filtered by
    REFERRER_SEARCH = "referrer-search"
    API_SEARCH = "api-search"
    LISTING_VIEW = "listing-view"  # subject: the listing's id


Key = tuple[date, str, str]


class UsageTally:
    def __init__(self, flush_seconds: float) -> None:
        self.flush_seconds = flush_seconds
        self._counts: Counter[Key] = Counter()
        self._lock = threading.Lock()
        self._last_flush = time.monotonic()

    def add(self, metric: Metric, subject: str = "") -> None:
        with self._lock:
            self._counts[(today(), metric.value, subject)] += 1

    def flush_if_due(self) -> None:
        if time.monotonic() - self._last_flush >= self.flush_seconds:
            self.flush()

    def flush(self) -> None:
        """Add the tally to the database; on failure keep it for the next attempt."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
            self._last_flush = time.monotonic()
        if not counts:
            return
        try:
            _add_to_database(counts)
        except Exception:  # counting must never break a page
            log.exception("could not save usage counts; keeping them for the next attempt")
            with self._lock:
                self._counts.update(counts)


def _add_to_database(counts: Counter[Key]) -> None:
    insert = postgresql.insert if db.engine.dialect.name == "postgresql" else sqlite.insert
    rows = [{"day": day, "metric": metric, "subject": subject, "count": number}
            for (day, metric, subject), number in sorted(counts.items())]
    statement = insert(UsageCount).values(rows)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "metric", "subject"], set_={"count": UsageCount.count + statement.excluded.count})
    with Session(db.engine) as session:
        session.execute(statement)
        session.commit()


def tally() -> UsageTally:
    return current_app.extensions["usage_tally"]


def count_usage(metric: Metric, subject: str = "") -> None:
    tally().add(metric, subject)


def register_usage(app: Flask) -> None:
    app.extensions["usage_tally"] = UsageTally(float(app.config["USAGE_FLUSH_SECONDS"]))

    @app.teardown_request
    def _flush_usage(_error: BaseException | None) -> None:
        tally().flush_if_due()
