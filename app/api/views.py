"""ORUK 3.0 endpoints. Results come from the same search as the public page, in the same order; the
filters the search index does not hold (``app.api.filters``) only take listings out of that order."""

import math
import re
from typing import TypeVar

from flask import abort, jsonify, request, url_for
from sqlalchemy import func, select
from werkzeug.wrappers import Response

from app.api import api
from app.api.filters import PUBLISHED, carrying_taxonomy, metres_from, open_during, place_id, places_of_listings
from app.api.openapi import openapi_document, query_parameters
from app.api.params import BadParameter, Paging, ServiceQuery, check_names, paging, service_query, taxonomy_choice
from app.directory.models import Location, Service
from app.directory.visibility import is_public
from app.extensions import db, limiter, search_rate_limit
from app.search_runner import run_search
from app.taxonomies import taxonomy
from app.usage.tally import Metric, count_usage
from exports.oruk import (
    PUBLISHED_TAXONOMIES,
    service_at_location_documents,
    service_document,
    service_summary,
    taxonomy_document,
    term_document,
)
from search.service import SearchResults
from search.sync import LOAD_OPTIONS

ORUK_VERSION = "3.0"
ORUK_PROFILE = "https://openreferraluk.org/"
EVERYTHING = 1_000_000
# A place: its distance from the postcode asked about in metres (infinite when there is none, or the place has
# no coordinates), its listing's id, and its number among the listing's places.
PlaceRow = tuple[float, int, int]
T = TypeVar("T")


@api.errorhandler(BadParameter)
def bad_parameter(error: BadParameter) -> tuple[Response, int]:
    return jsonify({"error": str(error)}), 400


@api.before_request
def only_parameters_it_reads() -> None:
    """Every endpoint the description covers reads exactly the parameters it declares there."""
    if request.url_rule is None:
        return
    path = re.sub(r"<[^>]+>", "{id}", request.url_rule.rule.removeprefix("/api")) or "/"
    if path in query_parameters():
        check_names(request.args, query_parameters()[path], f"/api{path}")


def page_document(items: list[dict[str, object]], total: int, paged: Paging) -> Response:
    pages = max(1, math.ceil(total / paged.per_page))
    return jsonify({
        "total_items": total,
        "total_pages": pages,
        "page_number": paged.page,
        "size": paged.per_page,
        "first_page": paged.page == 1,
        "last_page": paged.page >= pages,
        "empty": not items,
        "contents": items,
    })


def _load(ids: list[int]) -> list[Service]:
    services = {s.id: s for s in db.session.scalars(select(Service).where(Service.id.in_(ids)).options(*LOAD_OPTIONS))}
    return [services[i] for i in ids if i in services and is_public(services[i])]


def _search(query: ServiceQuery, page: int, per_page: int) -> SearchResults:
    count_usage(Metric.API_SEARCH)
    return run_search(query.text, query.filters, page=page, per_page=per_page, with_facets=False)


def _listings(query: ServiceQuery) -> list[int]:
    """Every listing the search finds, in its order, that the taxonomy and opening-time filters keep."""
    found = _search(query, 1, EVERYTHING).ids
    if query.taxonomy is not None:
        kept = carrying_taxonomy(query.taxonomy)
        found = [i for i in found if i in kept]
    if query.window is not None:
        kept = open_during(query.window)
        found = [i for i in found if i in kept]
    return found


def _places(query: ServiceQuery, listings: list[int]) -> list[PlaceRow]:
    """The places of these listings in their order, those within ``proximity`` only when it is asked."""
    places = places_of_listings()
    centre = query.filters.near
    rows: list[PlaceRow] = []
    for service_id in listings:
        for number, place in enumerate(places.get(service_id, [])):
            metres = metres_from(centre, place) if centre is not None else None
            if query.proximity_m is not None and (metres is None or metres > query.proximity_m):
                continue
            rows.append((math.inf if metres is None else metres, service_id, number))
    return rows


def _page(items: list[T], paged: Paging) -> list[T]:
    start = (paged.page - 1) * paged.per_page
    return items[start:start + paged.per_page]


@api.get("/")
def meta() -> Response:
    return jsonify({"version": ORUK_VERSION, "profile": ORUK_PROFILE,
                    "openapi_url": url_for("api.openapi", _external=True)})


@api.get("/openapi.json")
def openapi() -> Response:
    return jsonify(openapi_document(url_for("api.meta", _external=True).rstrip("/")))


@api.get("/services")
@limiter.limit(search_rate_limit)
def services() -> Response:
    paged = paging(request.args)
    query = service_query(request.args)
    if not query.narrowed:
        results = _search(query, paged.page, paged.per_page)
        return page_document([service_summary(s) for s in _load(results.ids)], results.total, paged)
    listings = _listings(query)
    if query.proximity_m is not None:  # a listing is near when one of its places is
        listings = list(dict.fromkeys(service_id for _, service_id, _ in _places(query, listings)))
    return page_document([service_summary(s) for s in _load(_page(listings, paged))], len(listings), paged)


def _public_service(uid: str) -> Service:
    service = db.session.scalar(select(Service).where(Service.uid == uid).options(*LOAD_OPTIONS))
    if service is None or not is_public(service):
        abort(404)
    return service


@api.get("/services/<uid>")
def service(uid: str) -> Response:
    return jsonify(service_document(_public_service(uid)))


@api.get("/taxonomies")
def taxonomies() -> Response:
    paged = paging(request.args)
    items = [taxonomy_document(taxonomy(name)) for name in PUBLISHED_TAXONOMIES]
    return page_document(_page(items, paged), len(items), paged)


@api.get("/taxonomies/<taxonomy_id>")
def taxonomy_detail(taxonomy_id: str) -> Response:
    for name in PUBLISHED_TAXONOMIES:
        document = taxonomy_document(taxonomy(name))
        if document["id"] == taxonomy_id:
            return jsonify(document)
    abort(404)


def _all_terms() -> list[dict[str, object]]:
    return [term_document(taxonomy(name), term) for name in PUBLISHED_TAXONOMIES for term in taxonomy(name).terms]


@api.get("/taxonomy_terms")
def taxonomy_terms() -> Response:
    paged = paging(request.args)
    items = _all_terms()
    wanted = taxonomy_choice(request.args)
    if wanted is not None:
        items = [item for item in items if item["taxonomy"] == wanted]
    return page_document(_page(items, paged), len(items), paged)


@api.get("/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str) -> Response:
    for item in _all_terms():
        if item["id"] == term_id:
            return jsonify(item)
    abort(404)


@api.get("/service_at_locations")
@limiter.limit(search_rate_limit)
def service_at_locations() -> Response:
    """Places in the order of their listings, or nearest first near a postcode; only the listings with a
    place on the page are loaded."""
    paged = paging(request.args)
    query = service_query(request.args)
    rows = _places(query, _listings(query))
    if query.filters.near is not None:
        rows.sort(key=lambda row: row[0])
    shown = _page(rows, paged)
    documents = {(listing.id, number): document
                 for listing in _load(list(dict.fromkeys(service_id for _, service_id, _ in shown)))
                 for number, document in enumerate(service_at_location_documents(listing))}
    # A listing changed or hidden since its places were read is left out rather than half shown.
    return page_document([documents[service_id, number] for _, service_id, number in shown
                          if (service_id, number) in documents], len(rows), paged)


@api.get("/service_at_locations/<uid>")
def service_at_location(uid: str) -> Response:
    """A place's id is derived from its listing's id and its number among the listing's places, not stored;
    so its listing is found from one narrow row per published listing with places, and only it is loaded."""
    counts = db.session.execute(select(Service.id, Service.uid, func.count(Location.id)).join(Location)
                                .where(PUBLISHED).group_by(Service.id, Service.uid))
    owner = [service_id for service_id, service_uid, count in counts
             if any(place_id(service_uid, number) == uid for number in range(count))]
    for listing in _load(owner[:1]):
        for document in service_at_location_documents(listing):
            if document["id"] == uid:
                return jsonify(document)
    abort(404)
