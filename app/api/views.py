"""ORUK 3.0 endpoints. Results come from the same search as the public page, in the same order."""

import math

from flask import abort, jsonify, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from app.api import api
from app.api.openapi import openapi_document
from app.api.params import BadParameter, Paging, near, paging, service_filters
from app.directory.models import Service
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
from search.filters import SearchFilters
from search.service import SearchResults, distance_km
from search.sync import LOAD_OPTIONS

ORUK_VERSION = "3.0"
ORUK_PROFILE = "https://openreferraluk.org/"
EVERYTHING = 1_000_000


@api.errorhandler(BadParameter)
def bad_parameter(error: BadParameter) -> tuple[Response, int]:
    return jsonify({"error": str(error)}), 400


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


def _search(text: str, filters: SearchFilters, page: int, per_page: int) -> SearchResults:
    count_usage(Metric.API_SEARCH)
    return run_search(text, filters, page=page, per_page=per_page, with_facets=False)


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
    text, filters = service_filters(request.args)
    results = _search(text, filters, paged.page, paged.per_page)
    return page_document([service_summary(s) for s in _load(results.ids)], results.total, paged)


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
    start = (paged.page - 1) * paged.per_page
    return page_document(items[start:start + paged.per_page], len(items), paged)


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
    wanted = request.args.get("taxonomy_id")
    if wanted:
        items = [item for item in items if item["taxonomy_id"] == wanted]
    start = (paged.page - 1) * paged.per_page
    return page_document(items[start:start + paged.per_page], len(items), paged)


@api.get("/taxonomy_terms/<term_id>")
def taxonomy_term(term_id: str) -> Response:
    for item in _all_terms():
        if item["id"] == term_id:
            return jsonify(item)
    abort(404)


@api.get("/service_at_locations")
@limiter.limit(search_rate_limit)
def service_at_locations() -> Response:
    paged = paging(request.args)
    text, filters = service_filters(request.args)
    centre, metres = near(request.args)
    results = _search(text, filters, 1, EVERYTHING)
    rows: list[tuple[float, dict[str, object]]] = []
    for listing in _load(results.ids):
        for position, document in enumerate(service_at_location_documents(listing)):
            location = listing.locations[position]
            distance = math.inf
            if centre is not None and location.latitude is not None:
                distance = distance_km(centre.latitude, centre.longitude, location.latitude, location.longitude)
            if metres is not None and distance * 1000 > metres:
                continue
            rows.append((distance, document))
    if centre is not None:
        rows.sort(key=lambda row: row[0])
    start = (paged.page - 1) * paged.per_page
    return page_document([doc for _, doc in rows[start:start + paged.per_page]], len(rows), paged)


@api.get("/service_at_locations/<uid>")
def service_at_location(uid: str) -> Response:
    for listing in _load([s.id for s in db.session.scalars(select(Service))]):
        for document in service_at_location_documents(listing):
            if document["id"] == uid:
                return jsonify(document)
    abort(404)


