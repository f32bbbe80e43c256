"""Running a search for any page or the API: today's visibility rules, an index caught up with the
change log, and a clear "being rebuilt" answer instead of an error when the index is damaged."""

from flask import Flask, jsonify, render_template, request
from werkzeug.wrappers import Response

from app.directory.visibility import freshness_cutoff
from app.timeutil import today
from app.vocabulary.store import current_vocabulary
from search.filters import SearchFilters
from search.health import SearchUnavailable, index_failed, ready_index
from search.service import SearchResults, search

RETRY_AFTER_SECONDS = 30


def run_search(text: str, filters: SearchFilters, *, page: int, per_page: int, clusters: tuple[int, ...] = (),
               with_facets: bool = True, exact: bool = False, nearest: bool = False) -> SearchResults:
    day = today()
    vocabulary = current_vocabulary()
    try:
        index = ready_index()  # catching up can meet a damaged file too
        return search(index, text, filters, today=day, freshness_cutoff=freshness_cutoff(day),
                      vocabulary=vocabulary, page=page, per_page=per_page, clusters=clusters,
                      with_facets=with_facets, exact=exact, nearest=nearest)
    except SearchUnavailable:
        raise
    except Exception as error:  # a damaged index file: rebuild it, and never show an error page for it
        raise index_failed(error) from error


def register_search_unavailable(app: Flask) -> None:
    @app.errorhandler(SearchUnavailable)
    def being_rebuilt(_error: SearchUnavailable) -> tuple[Response | str, int, dict[str, str]]:
        headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
        if request.path.startswith("/api/"):
            return jsonify({"error": "Search is being rebuilt; try again in a minute"}), 503, headers
        return render_template("search_rebuilding.html"), 503, headers
