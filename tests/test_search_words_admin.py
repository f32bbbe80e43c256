"""Administrators edit the search words (issue 14): a change reaches a search on another worker within
seconds with no reindex, bad lines are refused with their line numbers and lose nothing, and the audit log
keeps who changed what."""

import html
import time
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.accounts.models import AuditEvent, User
from app.accounts.operations import create_user
from app.extensions import db
from app.vocabulary.models import SearchVocabulary
from search.index import BUILD_FILE
from search.sync import search_index
from search.vocabulary import VocabularyKind, default_text
from tests.search_helpers import another_process, page_results
from tests.web import error_summary_links, new_client, sign_in, submit

ADMIN, PASSWORD = "words-admin@example.org", "search words password 123"
NEW_GROUP = "woolly jumper, yarn bombing => knitting, knit and natter"
WAIT_SECONDS = 10


@pytest.fixture
def admin(demo_app: Flask) -> FlaskClient:
    with demo_app.app_context():
        create_user(ADMIN, PASSWORD, role="admin")
        db.session.commit()
    client = new_client(demo_app)
    sign_in(client, ADMIN, PASSWORD)
    return client


@pytest.fixture
def second_worker(demo_app: Flask) -> Iterator[Flask]:
    with another_process(demo_app) as other:
        yield other


def save(client: FlaskClient, kind: str, text: str):
    return submit(client, f"/admin/search-words/{kind}", {"text": text})


def knitting_ids(app: Flask) -> set[int]:
    return set(page_results(app, q="knitting").ids)


def files_of(app: Flask) -> dict[str, float]:
    directory = search_index(app).directory
    return {path.name: path.stat().st_mtime for path in directory.iterdir()}


def test_a_new_synonym_group_reaches_another_worker_without_a_reindex(
    demo_app: Flask, admin: FlaskClient, second_worker: Flask
) -> None:
    assert not page_results(second_worker, q="woolly jumper").total  # nobody's words, yet
    build_before = (search_index(demo_app).directory / BUILD_FILE).read_text()
    files_before = files_of(demo_app)
    with demo_app.app_context():
        text = default_text(VocabularyKind.SYNONYMS) + NEW_GROUP + "\n"
    response = save(admin, "synonyms", text)
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/search-words")

    deadline = time.monotonic() + WAIT_SECONDS
    while not page_results(second_worker, q="woolly jumper").total and time.monotonic() < deadline:
        time.sleep(0.2)
    found = set(page_results(second_worker, q="woolly jumper").ids)
    assert found and found <= knitting_ids(second_worker) | set(page_results(second_worker, q="natter").ids)
    assert knitting_ids(second_worker) & found
    # No reindex: the index is the same build, its files untouched.
    assert (search_index(demo_app).directory / BUILD_FILE).read_text() == build_before
    assert files_of(demo_app) == files_before

    with demo_app.app_context():
        admin_id = db.session.scalar(select(User.id).where(User.email == ADMIN))
        event = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "search-words.edit")).one()
        assert event.actor_id == admin_id and event.subject == "synonyms"
        assert f"+{NEW_GROUP}" in event.detail.splitlines()
    log = admin.get("/admin/audit").get_data(as_text=True)
    assert "search-words.edit" in log and html.escape(NEW_GROUP) in log


def test_a_wrong_line_is_refused_with_its_number_and_nothing_is_lost(demo_app: Flask, admin: FlaskClient) -> None:
    text = "sundowning, agitation => dementia\nrespite => breaks | category:nonsense\n: no phrase\n"
    response = save(admin, "synonyms", text)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "<title>Error: " in page
    assert "Line 2: ‘category:nonsense’ is not a tag" in page
    assert any(target == "text" and message.startswith("Line 2: ‘category:nonsense’ is not a tag")
               for target, message in error_summary_links(page)), "the error summary links to the list"
    assert html.escape("sundowning, agitation => dementia", quote=False) in page  # the text comes back
    with demo_app.app_context():
        assert db.session.get(SearchVocabulary, "synonyms") is None
        assert not db.session.scalars(select(AuditEvent).where(AuditEvent.action.like("search-words%"))).all()
    response = save(admin, "places", "narnia: wardrobe\nbath ~bath\n")
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Line 1: ‘narnia’ is not an area slug" in page and "Line 2: start the line with an area slug" in page


def test_a_crisis_phrase_and_a_place_added_by_an_administrator_work_at_once(
    demo_app: Flask, admin: FlaskClient
) -> None:
    assert page_results(demo_app, q="i feel like a ghost").crisis is None
    with demo_app.app_context():
        crisis = default_text(VocabularyKind.CRISIS) + "urgent: feel like a ghost\n"
        places = default_text(VocabularyKind.PLACES) + "bath: sulis town\n"
    assert save(admin, "crisis", crisis).status_code == 302
    assert save(admin, "places", places).status_code == 302
    assert page_results(demo_app, q="i feel like a ghost").crisis == "urgent"
    assert page_results(demo_app, q="counselling in sulis town").places == ("bath",)


def test_the_shipped_list_can_come_back(demo_app: Flask, admin: FlaskClient) -> None:
    with demo_app.app_context():
        text = default_text(VocabularyKind.SYNONYMS) + NEW_GROUP + "\n"
    assert save(admin, "synonyms", text).status_code == 302
    assert page_results(demo_app, q="woolly jumper").total
    page = admin.get("/admin/search-words/synonyms").get_data(as_text=True)
    assert "Use the shipped list" in page and html.escape(NEW_GROUP, quote=False) in page
    response = submit(admin, "/admin/search-words/synonyms", {}, action="/admin/search-words/synonyms/restore")
    assert response.status_code == 302
    assert not page_results(demo_app, q="woolly jumper").total
    with demo_app.app_context():
        row = db.session.get(SearchVocabulary, "synonyms")
        assert row is not None and row.text is None and row.version == 2
        actions = db.session.scalars(select(AuditEvent.action).where(AuditEvent.subject == "synonyms")).all()
        assert actions == ["search-words.edit", "search-words.restore"]


def test_try_a_search_shows_what_is_understood(admin: FlaskClient) -> None:
    page = admin.get("/admin/search-words", query_string={"q": "councelling in radstock tonight"})
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Searched as ‘counselling in radstock tonight’" in text
    assert "radstock" in text and "raises listings tagged urgent-help" in text
