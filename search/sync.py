"""Keeping the index in step with the database: after each commit, on a full rebuild, and on a check."""

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

from flask import Flask, current_app
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session, selectinload

from app.directory.models import ListingChange, Service, ServiceStatus
from app.directory.operations import REINDEX_KEY
from app.extensions import db
from search.documents import document, is_indexable
from search.index import SearchIndex
from search.position import read_position, write_position

log = logging.getLogger(__name__)

LOAD_OPTIONS = (
    selectinload(Service.organisation),
    selectinload(Service.clusters),
    selectinload(Service.locations),
    selectinload(Service.opening_times),
    selectinload(Service.cost_options),
)


def search_index(app: Flask | None = None) -> SearchIndex:
    return (app or current_app).extensions["search_index"]


def register_index_sync(app: Flask) -> None:
    app.extensions["search_index"] = SearchIndex(app.config["INDEX_DIR"])


@event.listens_for(Session, "after_commit")
def _update_index_after_commit(session: Session) -> None:
    service_ids = session.info.pop(REINDEX_KEY, None)
    if service_ids and not search_index().exists():
        log.info("no search index yet; `flask --app wsgi search reindex` will build it")
    elif service_ids:
        try:
            update_documents(service_ids)
            _advance_position_past(service_ids)
        except Exception:  # the database is the truth; the change log and `search check` repair the index
            log.exception("could not update the search index for services %s", sorted(service_ids))


def _advance_position_past(applied: set[int]) -> None:
    """If every logged change since this index's position was one just applied, move the position past
    them, so catching up does not index them a second time."""
    index = search_index()
    position = read_position(index)
    with Session(db.engine) as session:
        newer = session.execute(select(ListingChange.id, ListingChange.service_id)
                                .where(ListingChange.id > position)).all()
    if newer and all(service_id in applied for _, service_id in newer):
        write_position(index, max(change_id for change_id, _ in newer))


def latest_change_id() -> int:
    with Session(db.engine) as session:
        return session.scalar(select(func.max(ListingChange.id))) or 0


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(REINDEX_KEY, None)


def update_documents(service_ids: set[int]) -> None:
    index = search_index()
    with Session(db.engine) as session:
        services = {
            s.id: s for s in session.scalars(select(Service).where(Service.id.in_(service_ids)).options(*LOAD_OPTIONS))
        }
        upserts = [document(s) for s in services.values() if is_indexable(s)]
        deletes = [str(i) for i in service_ids if i not in services or not is_indexable(services[i])]
    index.write(upserts, deletes)


def _all_documents(session: Session) -> Iterator[dict[str, object]]:
    query = (
        select(Service).where(Service.status == ServiceStatus.PUBLISHED).options(*LOAD_OPTIONS)
        .execution_options(yield_per=500)
    )
    for service in session.scalars(query):
        if is_indexable(service):
            yield document(service)


def reindex_all(processes: int = 1) -> int:
    with Session(db.engine) as session:
        return search_index().rebuild(_all_documents(session), processes)


@dataclass
class IndexCheck:
    missing: list[str] = field(default_factory=list)
    stale: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.missing or self.stale or self.extra)


def check_index() -> IndexCheck:
    """Compare every published listing with its document in the index."""
    indexed = search_index().stored_fingerprints()
    result = IndexCheck()
    with Session(db.engine) as session:
        expected = {doc["id"]: doc["fingerprint"] for doc in _all_documents(session)}
    for doc_id, print_ in expected.items():
        if doc_id not in indexed:
            result.missing.append(doc_id)
        elif indexed[doc_id] != print_:
            result.stale.append(doc_id)
    result.extra = [doc_id for doc_id in indexed if doc_id not in expected]
    return result



