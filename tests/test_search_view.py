"""The search layer's bitsets agree with Whoosh's own matching, on an index of several segments with deleted
documents, and its memory of each segment stays right as the index changes (search/view.py, segments.py)."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from whoosh import query as q

from app import create_app
from app.directory.models import Service
from app.directory.operations import archive, mark_for_reindex
from app.extensions import db
from app.taxonomies import taxonomy
from app.timeutil import today
from search import bitsets
from search.cache import SearcherCache
from search.filters import SearchFilters, filter_query
from search.query import concept_query
from search.service import search
from search.sync import check_index, search_index
from search.understanding import understand
from search.vocabulary import default_vocabulary
from tests.databases import clone, database_url, drop

EDITED = 12
ARCHIVED = 5
VOCABULARY = default_vocabulary()


def word_queries(cache: SearcherCache, text: str) -> list[q.Query]:
    """The query for each need the words express, as a search builds them."""
    understood = understand(text, VOCABULARY, cache.lexicon(VOCABULARY))
    return [found for concept in understood.concepts if (found := concept_query(concept)) is not None]


@pytest.fixture(scope="module")
def changed_app(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The demo after edits and withdrawals, one commit each: an index of several segments with deletions."""
    workdir = tmp_path_factory.mktemp("view")
    clone(demo_template, workdir)
    app = create_app({"TESTING": True, "SECRET_KEY": "test", "SQLALCHEMY_DATABASE_URI": database_url(workdir),
                      "INDEX_DIR": str(workdir / "index"), "SERVER_NAME": "wellaware.test"})
    with app.app_context():
        search_index().searcher()  # open before the changes, as a running worker has
        services = db.session.scalars(select(Service).order_by(Service.id)).all()
        for service in services[:EDITED]:
            service.summary += " Now with a quiet room for anyone feeling anxious."
            mark_for_reindex(db.session, service.id)
            db.session.commit()
        for service in services[EDITED:EDITED + ARCHIVED]:
            archive(service)
            db.session.commit()
        assert check_index().ok
    yield app
    with app.app_context():
        db.engine.dispose()
    search_index(app).close()
    drop(workdir)


def whoosh_docs(searcher, query: q.Query) -> set[int]:
    """The reference answer: Whoosh's own matching for terms and phrases, set operations for And and Or, and
    the numbers the index stores (it stores rather than indexes them) for ranges."""
    if isinstance(query, q.And):
        return set.intersection(*(whoosh_docs(searcher, part) for part in query.subqueries))
    if isinstance(query, q.Or):
        return set().union(*(whoosh_docs(searcher, part) for part in query.subqueries))
    if isinstance(query, q.NumericRange):
        reader = searcher.reader()
        return {docnum for docnum in reader.all_doc_ids()
                if in_range(searcher.stored_fields(docnum).get(query.fieldname), query)}
    return set(searcher.docs_for_query(query))


def in_range(value: int | None, query: q.NumericRange) -> bool:
    return value is not None and (query.start is None or value >= query.start) and (
        query.end is None or value <= query.end)


def test_the_index_has_several_segments_and_deletions(changed_app: Flask) -> None:
    with changed_app.app_context():
        view = search_index().searcher_cache().view
        assert len(view.leaves) > 1
        assert bitsets.count(view.live) < view.size


slugs = {name: taxonomy(name).slugs for name in ("categories", "audiences", "cost", "referral", "access",
                                                  "accessibility", "areas")}
filters = st.builds(
    SearchFilters,
    age=st.none() | st.integers(0, 100),
    cost=st.lists(st.sampled_from(slugs["cost"]), max_size=2, unique=True).map(tuple),
    categories=st.lists(st.sampled_from(slugs["categories"]), max_size=2, unique=True).map(tuple),
    audiences=st.lists(st.sampled_from(slugs["audiences"]), max_size=2, unique=True).map(tuple),
    areas=st.lists(st.sampled_from(slugs["areas"]), max_size=2, unique=True).map(tuple),
    referral=st.lists(st.sampled_from(slugs["referral"]), max_size=1).map(tuple),
    access=st.lists(st.sampled_from(slugs["access"]), max_size=1).map(tuple),
    accessibility=st.lists(st.sampled_from(slugs["accessibility"]), max_size=2, unique=True).map(tuple),
    when=st.lists(st.sampled_from(["evening", "weekend"]), max_size=2, unique=True).map(tuple),
)
WORDS = ["counselling", "anxious", "quiet room", "low mood", "carers", "drink", "housing", "walking group",
         "pregnant", "dementia", "debt", "young people", "bath", "support", "art"]


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(chosen=filters, words=st.lists(st.sampled_from(WORDS), max_size=3), days_back=st.integers(0, 400))
def test_matching_agrees_with_whoosh(changed_app: Flask, chosen: SearchFilters, words: list[str],
                                     days_back: int) -> None:
    with changed_app.app_context():
        cache = search_index().searcher_cache()
        filter_ = filter_query(chosen, today(), today() - timedelta(days=days_back))
        assert set(bitsets.members(cache.view.docs(filter_), cache.view.size)) == whoosh_docs(cache.searcher,
                                                                                               filter_)
        queries = word_queries(cache, " ".join(words))
        for text in [*queries, *([q.Or(queries)] if queries else [])]:
            assert set(bitsets.members(cache.view.docs(text), cache.view.size)) == whoosh_docs(cache.searcher, text)


def test_ranking_puts_every_match_in_score_order(changed_app: Flask) -> None:
    with changed_app.app_context():
        cache = search_index().searcher_cache()
        view = cache.view
        text = q.Or(word_queries(cache, "anxious quiet room"))
        matched = view.docs(text)
        scores = view.scores(text)
        ranked = view.best(matched, scores, 1000)
        assert sorted(ranked) == sorted(bitsets.members(matched, view.size).tolist())
        assert [scores[d] for d in ranked] == sorted((scores[d] for d in ranked), reverse=True)
        assert view.best(matched, scores, 3) == ranked[:3]


def test_facts_about_old_segments_outlive_a_change(changed_app: Flask) -> None:
    """A change adds a small segment; what was worked out for the others is used again, not read again."""
    with changed_app.app_context():
        index = search_index()
        assert search(index, "counselling", SearchFilters(age=30), today=today(),
                      freshness_cutoff=today() - timedelta(days=180), vocabulary=VOCABULARY).total
        before = {leaf.reader().segment().segid for leaf, _ in index.searcher_cache().view.leaves}
        service = db.session.scalars(select(Service).order_by(Service.id.desc())).first()
        service.summary += " Zyzzogeton counselling."
        mark_for_reindex(db.session, service.id)
        db.session.commit()
        remembered = index.segment_memo.bytes
        results = search(index, "counselling", SearchFilters(age=30), today=today(),
                         freshness_cutoff=today() - timedelta(days=180), vocabulary=VOCABULARY)
        after = {leaf.reader().segment().segid for leaf, _ in index.searcher_cache().view.leaves}
        assert before & after, "the change rewrote every segment"
        assert service.id in search(index, "zyzzogeton", SearchFilters(), today=today(),
                                    freshness_cutoff=today() - timedelta(days=180), vocabulary=VOCABULARY).ids
        assert results.total
        # Only the new segment's facts were added: far less than the whole index's.
        added = index.segment_memo.bytes - remembered
        assert 0 < added < remembered / 2
