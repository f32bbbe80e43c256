"""Helpers shared by the search tests: running a search the way the public page does, and reading what a
results page says. Not a test module (pytest collects only ``test_*.py``)."""

import html
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from urllib.parse import quote, quote_plus

from flask import Flask
from sqlalchemy import select
from werkzeug.datastructures import MultiDict

from app.directory.models import Service
from app.directory.visibility import freshness_cutoff, is_public
from app.extensions import db
from app.public.search_form import SearchRequest, parse_search_args
from app.public.views import run_search
from app.timeutil import today
from app.vocabulary.store import current_vocabulary
from search.service import SearchResults, search
from search.sync import search_index

RESULT_LINK = re.compile(r'<li class="wa-result">\s*<h2[^>]*><a href="/services/(\d+)"')
STATUS = re.compile(r'<p[^>]*role="status"[^>]*>\s*<strong>(\d+) results?</strong>')
TITLE = re.compile(r"<title>(.*?)</title>", re.S)
EVERYTHING = 100_000


def multidict(params: Mapping[str, object]) -> MultiDict:
    pairs: list[tuple[str, str]] = []
    for key, value in params.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            pairs.append((key, str(item)))
    return MultiDict(pairs)


def parsed(app: Flask, **params: object) -> SearchRequest:
    with app.test_request_context():
        return parse_search_args(multidict(params))


def page_results(app: Flask, **params: object) -> SearchResults:
    """One page of results, exactly as the public page asks for them (``run_search``)."""
    with app.test_request_context():
        return run_search(parse_search_args(multidict(params)))


def all_results(app: Flask, **params: object) -> SearchResults:
    """Every result, in order, on one page: the public page's search without the page limit."""
    with app.test_request_context():
        request = parse_search_args(multidict(params))
        day = today()
        return search(search_index(), request.text, request.filters, today=day,
                      freshness_cutoff=freshness_cutoff(day), vocabulary=current_vocabulary(), page=1,
                      per_page=EVERYTHING, exact=request.exact, nearest=request.nearest)


def all_ids(app: Flask, **params: object) -> list[int]:
    return all_results(app, **params).ids


def rows(ids: list[int] | set[int]) -> dict[int, Service]:
    """The service rows for ``ids`` (call inside an app context)."""
    return {s.id: s for s in db.session.scalars(select(Service).where(Service.id.in_(list(ids))))}


def public_ids(app: Flask) -> set[int]:
    """Every listing the public may see, by the application's own rule for listing pages."""
    with app.app_context():
        return {s.id for s in db.session.scalars(select(Service)) if is_public(s)}


def listed_ids(page: str) -> list[int]:
    """The listing ids on a results page, in order."""
    return [int(i) for i in RESULT_LINK.findall(page)]


def status_count(page: str) -> int:
    match = STATUS.search(page)
    assert match, "no role=status result count on the page"
    return int(match.group(1))


def title(page: str) -> str:
    match = TITLE.search(page)
    assert match, "the page has no title"
    return match.group(1)


def without_echoes(page: str, *texts: str) -> str:
    """The page with every echo of ``texts`` (as HTML text, attribute or URL) cut out."""
    for text in texts:
        forms = {text, html.escape(text), html.escape(text, quote=False), quote_plus(text),
                 quote_plus(text, safe="!$'()*,/:;?@"), quote(text), quote(text, safe="!$'()*,/:;?@")}
        for form in sorted(forms, key=len, reverse=True):
            if form:
                page = page.replace(form, "")
    return page


@contextmanager
def another_process(app: Flask) -> Iterator[Flask]:
    """A second app object with the same configuration, over the same database and index files, as a newly
    started worker (or a `flask` command) sees them."""
    from app import create_app

    other = create_app(dict(app.config))
    try:
        yield other
    finally:
        with other.app_context():
            db.engine.dispose()
        search_index(other).close()
