"""The OpenAPI 3 description of our API, served at /api/openapi.json."""

from functools import cache
from typing import Any

from app.api.params import DAY_CHOICES, MAX_PER_PAGE, MAX_PROXIMITY_M, taxonomies_by_id, terms_by_id
from app.taxonomies import outward_codes

# Every operation refuses a parameter it does not declare, or one it cannot read, with this.
_ERROR = {"description": "A parameter this API does not read, or cannot read: the error says which and why",
          "content": {"application/json": {"schema": {
              "type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}}}}
_NOT_FOUND = {"description": "No public record with this identifier"}


def _page_of(item: dict[str, object]) -> dict[str, object]:
    return {"type": "object",
            "required": ["total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty",
                         "contents"],
            "properties": {
                "total_items": {"type": "integer", "minimum": 0},
                "total_pages": {"type": "integer", "minimum": 1},
                "page_number": {"type": "integer", "minimum": 1},
                "size": {"type": "integer", "minimum": 1},
                "first_page": {"type": "boolean"},
                "last_page": {"type": "boolean"},
                "empty": {"type": "boolean"},
                "contents": {"type": "array", "items": item},
            }}


def _ok(schema: dict[str, object], description: str) -> dict[str, object]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _one(schema: dict[str, object], description: str) -> dict[str, object]:
    return {"200": _ok(schema, description), "400": _ERROR, "404": _NOT_FOUND}


def _many(item: dict[str, object], description: str) -> dict[str, object]:
    return {"200": _ok(_page_of(item), description), "400": _ERROR}


def _query(name: str, schema: dict[str, object], description: str) -> dict[str, object]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path_id(description: str, example: str | None = None) -> dict[str, object]:
    schema: dict[str, object] = {"type": "string"} if example is None else {"type": "string", "example": example}
    return {"name": "id", "in": "path", "required": True, "schema": schema, "description": description}


PAGING = [
    _query("page", {"type": "integer", "minimum": 1}, "Page number, from 1. A page past the end is empty."),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}, "Items per page (default 20)."),
]
_TIME = {"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?$"}
_WINDOW = ("Open then: a listing is kept when one of its opening times falls on `day` (any day without it) with "
           "hours that overlap the window from `start_time` (midnight without it) to `end_time` (the end of the day "
           "without it); hours that only touch the window, closing at `start_time` or opening at `end_time`, do "
           "not. Weekly, fortnightly and monthly times count on their weekday, a one-off event on the weekday of "
           "its date, 24/7 on every day at every time; a listing without opening times is never kept. ")


def _taxonomy_id(description: str) -> dict[str, object]:
    return _query("taxonomy_id", {"type": "string", "enum": sorted(taxonomies_by_id())}, description)


def _postcode_pattern() -> str:
    """A postcode in one of the districts whose centre the bundled table knows, or the district alone (a
    border district known only by its area is refused, so it is not in the pattern)."""
    districts = "|".join(sorted(outward_codes(), key=len, reverse=True))
    return f"^ *({districts}) *([0-9][A-Z]{{2}})? *$"


def service_filters() -> list[dict[str, object]]:
    """The filters of both lists. Identifiers and postcodes are listed or patterned exactly, so that what
    the description calls valid is what the API can use."""
    return [
        _query("search", {"type": "string"}, "Words to search for, in plain language, as on the public search page."),
        _query("minimum_age", {"type": "integer", "minimum": 0, "maximum": 150},
               "Services open to people of at least this age (their age range reaches it)."),
        _query("maximum_age", {"type": "integer", "minimum": 0, "maximum": 150},
               "Services open to people of at most this age (their age range starts at or below it)."),
        _query("taxonomy_term_id", {"type": "string", "enum": sorted(terms_by_id())},
               "Only services with this term (see /taxonomy_terms); may be given more than once."),
        _taxonomy_id("Only services with at least one term of this taxonomy (see /taxonomies) among their "
                     "attributes."),
        _query("postcode", {"type": "string", "pattern": _postcode_pattern(), "example": "BA1 1AA"},
               "A Bath and North East Somerset postcode, or its first part (BA1). Where the site has loaded the ONS "
               "Postcode Directory, a full postcode in it stands for its own point, and any live UK postcode in it "
               "is taken (the pattern lists only the districts of the bundled table); otherwise a postcode stands "
               "for the centre of its district. Services come in the order of the public search near it, places "
               "nearest first. It does not filter by the areas services cover: a postcode in a border district "
               "whose centre the directory does not know (BA11, Frome; BS1, Bristol) is a 400 saying which area it "
               "is in, never a distance measured from somewhere else."),
        _query("proximity", {"type": "number", "exclusiveMinimum": True, "minimum": 0, "maximum": MAX_PROXIMITY_M},
               "With `postcode`: only places within this many metres of its point (great-circle "
               "distance, mean Earth radius 6371 km), and only services with such a place. Places without "
               "coordinates are never within."),
        _query("day", {"type": "string", "enum": list(DAY_CHOICES)},
               _WINDOW + "A day as ORUK schedules write it (MO…SU), its English name or its first three letters; any "
               "case."),
        _query("start_time", _TIME | {"example": "09:00"},
               "Where the opening-time window starts (see `day`): a 24-hour time, HH:MM or HH:MM:SS, before "
               "`end_time`."),
        _query("end_time", _TIME | {"example": "17:00"},
               "Where the opening-time window ends (see `day`): a 24-hour time, HH:MM or HH:MM:SS, after "
               "`start_time`."),
    ]


SERVICE = {"type": "object", "required": ["id", "name", "status"],
           "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "status": {"type": "string"}}}
SERVICE_AT_LOCATION = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
TAXONOMY = {"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "string"}}}
TERM = {"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "string"}}}
META = {"type": "object", "required": ["version"], "properties": {
    "version": {"type": "string"}, "profile": {"type": "string"}, "openapi_url": {"type": "string"}}}


def openapi_document(base_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Well Aware – Open Referral UK API", "version": "3.0",
                 "description": "Published, recently confirmed listings of the Well Aware directory in the Open "
                                "Referral UK 3.0 profile. Empty fields are left out."},
        "servers": [{"url": base_url}],
        "paths": {
            "/": {"get": {"operationId": "meta", "summary": "About this API",
                          "responses": {"200": _ok(META, "The ORUK version this API speaks"), "400": _ERROR}}},
            "/services": {"get": {"operationId": "listServices", "summary": "Services, in search order",
                                  "parameters": service_filters() + PAGING,
                                  "responses": _many(SERVICE, "A page of services")}},
            "/services/{id}": {"get": {"operationId": "getService", "summary": "A fully nested service",
                                       "parameters": [_path_id("The service's id")],
                                       "responses": _one(SERVICE, "The service")}},
            "/taxonomies": {"get": {"operationId": "listTaxonomies", "summary": "The taxonomies used",
                                    "parameters": PAGING, "responses": _many(TAXONOMY, "A page of taxonomies")}},
            "/taxonomies/{id}": {"get": {"operationId": "getTaxonomy",
                                         "parameters": [_path_id("A taxonomy id", min(taxonomies_by_id()))],
                                         "responses": _one(TAXONOMY, "The taxonomy")}},
            "/taxonomy_terms": {"get": {"operationId": "listTaxonomyTerms", "summary": "Every term",
                                        "parameters": [*PAGING, _taxonomy_id("Only terms of this taxonomy (see "
                                                                             "/taxonomies).")],
                                        "responses": _many(TERM, "A page of terms")}},
            "/taxonomy_terms/{id}": {"get": {"operationId": "getTaxonomyTerm",
                                             "parameters": [_path_id("A term id", min(terms_by_id()))],
                                             "responses": _one(TERM, "The term")}},
            "/service_at_locations": {"get": {
                "operationId": "listServiceAtLocations", "summary": "Where services are delivered",
                "parameters": service_filters() + PAGING,
                "responses": _many(SERVICE_AT_LOCATION, "A page of services at locations")}},
            "/service_at_locations/{id}": {"get": {
                "operationId": "getServiceAtLocation", "parameters": [_path_id("A service-at-location id")],
                "responses": _one(SERVICE_AT_LOCATION, "The service at its location")}},
        },
    }


@cache
def query_parameters() -> dict[str, frozenset[str]]:
    """The query parameters of each path, as described: the API refuses any other (``check_names``)."""
    return {path: frozenset(p["name"] for p in operations["get"].get("parameters", []) if p["in"] == "query")
            for path, operations in openapi_document("")["paths"].items()}
