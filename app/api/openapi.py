"""The OpenAPI 3 description of our API, served at /api/openapi.json."""

from app.api.params import MAX_PER_PAGE

_ERROR = {"description": "A parameter or identifier this API cannot use", "content": {"application/json": {
    "schema": {"type": "object", "required": ["error"], "properties": {"error": {"type": "string"}}}}}}
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


def _query(name: str, schema: dict[str, object], description: str) -> dict[str, object]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _path_id(description: str) -> dict[str, object]:
    return {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}, "description": description}


PAGING = [
    _query("page", {"type": "integer", "minimum": 1}, "Page number, from 1. A page past the end is empty."),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE}, "Items per page (default 20)."),
]
SERVICE_FILTERS = [
    _query("search", {"type": "string"}, "Words to search for, in plain language, as on the public search page."),
    _query("minimum_age", {"type": "integer", "minimum": 0, "maximum": 150},
           "Services open to people of at least this age (their age range reaches it)."),
    _query("maximum_age", {"type": "integer", "minimum": 0, "maximum": 150},
           "Services open to people of at most this age (their age range starts at or below it)."),
    _query("taxonomy_term_id", {"type": "string"}, "Only services with this term (see /taxonomy_terms)."),
]
SERVICE = {"type": "object", "required": ["id", "name", "status"],
           "properties": {"id": {"type": "string"}, "name": {"type": "string"}, "status": {"type": "string"}}}
SERVICE_AT_LOCATION = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}
TAXONOMY = {"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "string"}}}
TERM = {"type": "object", "required": ["id", "name"], "properties": {"id": {"type": "string"}}}
META = {"type": "object", "required": ["version"], "properties": {
    "version": {"type": "string"}, "profile": {"type": "string"}, "openapi_url": {"type": "string"}}}


def openapi_document(base_url: str) -> dict[str, object]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "Well Aware – Open Referral UK API", "version": "3.0",
                 "description": "Published, recently confirmed listings of the Well Aware directory in the Open "
                                "Referral UK 3.0 profile. Empty fields are left out."},
        "servers": [{"url": base_url}],
        "paths": {
            "/": {"get": {"operationId": "meta", "summary": "About this API",
                          "responses": {"200": _ok(META, "The ORUK version this API speaks")}}},
            "/services": {"get": {"operationId": "listServices", "summary": "Services, in search order",
                                  "parameters": SERVICE_FILTERS + PAGING,
                                  "responses": {"200": _ok(_page_of(SERVICE), "A page of services"),
                                                "400": _ERROR}}},
            "/services/{id}": {"get": {"operationId": "getService", "summary": "A fully nested service",
                                       "parameters": [_path_id("The service's id")],
                                       "responses": {"200": _ok(SERVICE, "The service"), "404": _NOT_FOUND}}},
            "/taxonomies": {"get": {"operationId": "listTaxonomies", "summary": "The taxonomies used",
                                    "parameters": PAGING,
                                    "responses": {"200": _ok(_page_of(TAXONOMY), "A page of taxonomies"),
                                                  "400": _ERROR}}},
            "/taxonomies/{id}": {"get": {"operationId": "getTaxonomy", "parameters": [_path_id("A taxonomy id")],
                                         "responses": {"200": _ok(TAXONOMY, "The taxonomy"), "404": _NOT_FOUND}}},
            "/taxonomy_terms": {"get": {"operationId": "listTaxonomyTerms", "summary": "Every term",
                                        "parameters": [*PAGING, _query("taxonomy_id", {"type": "string"},
                                                                       "Only terms of this taxonomy")],
                                        "responses": {"200": _ok(_page_of(TERM), "A page of terms"),
                                                      "400": _ERROR}}},
            "/taxonomy_terms/{id}": {"get": {"operationId": "getTaxonomyTerm", "parameters": [_path_id("A term id")],
                                             "responses": {"200": _ok(TERM, "The term"), "404": _NOT_FOUND}}},
            "/service_at_locations": {"get": {
                "operationId": "listServiceAtLocations", "summary": "Where services are delivered",
                "parameters": [*SERVICE_FILTERS, *PAGING,
                               _query("postcode", {"type": "string"},
                                      "Order by distance from this postcode's district centre"),
                               _query("proximity", {"type": "number", "exclusiveMinimum": True, "minimum": 0,
                                                    "maximum": 1_000_000},
                                      "Only places within this many metres of the postcode")],
                "responses": {"200": _ok(_page_of(SERVICE_AT_LOCATION), "A page of services at locations"),
                              "400": _ERROR}}},
            "/service_at_locations/{id}": {"get": {
                "operationId": "getServiceAtLocation", "parameters": [_path_id("A service-at-location id")],
                "responses": {"200": _ok(SERVICE_AT_LOCATION, "The service at its location"), "404": _NOT_FOUND}}},
        },
    }
