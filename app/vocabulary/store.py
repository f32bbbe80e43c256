"""The vocabulary searches use: the shipped defaults with any list an administrator has edited, read from
the database. Each process looks for changes at most every few seconds, so an edit reaches every worker
on every node without a restart or a reindex."""

import logging
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.extensions import db
from app.vocabulary.models import SearchVocabulary
from search.vocabulary import Vocabulary, VocabularyKind, compile_vocabulary, default_text

log = logging.getLogger(__name__)


@dataclass
class _State:
    lock: threading.Lock = field(default_factory=threading.Lock)
    checked_at: float = -1e9
    versions: tuple[tuple[str, int], ...] | None = None
    vocabulary: Vocabulary | None = None


def register_vocabulary(app: Flask) -> None:
    app.extensions["search_vocabulary"] = _State()


def saved_texts(session: Session) -> dict[VocabularyKind, str]:
    """Each list as searches should use it: the administrator's text, or the shipped default."""
    rows = {row.kind: row.text for row in session.scalars(select(SearchVocabulary))}
    return {kind: rows[kind] if rows.get(kind) is not None else default_text(kind)  # type: ignore[misc]
            for kind in VocabularyKind}


def _versions(session: Session) -> tuple[tuple[str, int], ...]:
    rows = session.execute(select(SearchVocabulary.kind, SearchVocabulary.version).order_by(SearchVocabulary.kind))
    return tuple((kind, version) for kind, version in rows)


def current_vocabulary() -> Vocabulary:
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    state: _State = app.extensions["search_vocabulary"]
    interval = float(app.config.get("VOCABULARY_REFRESH_SECONDS", 2.0))
    if state.vocabulary is not None and time.monotonic() - state.checked_at < interval:
        return state.vocabulary
    with state.lock:
        if state.vocabulary is None or time.monotonic() - state.checked_at >= interval:
            _refresh(state)
    assert state.vocabulary is not None
    return state.vocabulary


def take_effect_now() -> None:
    """After a save: this process reads the lists again at its next search (others within seconds)."""
    state: _State = current_app.extensions["search_vocabulary"]
    state.checked_at = -1e9


def _refresh(state: _State) -> None:
    try:
        with Session(db.engine) as session:
            versions = _versions(session)
            if versions != state.versions or state.vocabulary is None:
                state.vocabulary = compile_vocabulary(saved_texts(session))
                state.versions = versions
    except DBAPIError:  # the database is out of reach: keep searching with what we have
        log.warning("could not read the search vocabulary; using the one in memory", exc_info=True)
        if state.vocabulary is None:
            state.vocabulary = compile_vocabulary({kind: default_text(kind) for kind in VocabularyKind})
    state.checked_at = time.monotonic()
