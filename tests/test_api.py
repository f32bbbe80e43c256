"""The Open Referral UK 3.0 API (design §7, issue 7): every answer checked against the ORUK UK-profile JSON
Schemas in ``data/oruk/schema``, paging, filters, search order, openness, visibility and clusters.

Every request goes through ``fetch``, which also checks what must hold for every /api answer: the CORS
header, a JSON body, and - for successful answers - no empty field anywhere (ORUK asks for empty fields to
be left out, not sent as null, "" or []).
"""

import csv
import json
import math
import re
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from functools import cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft4Validator, Draft202012Validator, FormatChecker
from schemathesis.specs.openapi.definitions import OPENAPI_30
from sqlalchemy import select

from app.directory.models import OrganisationStatus, Service, ServiceStatus
from app.directory.operations import archive, mark_for_reindex
from app.directory.visibility import freshness_cutoff, is_public
from app.extensions import db
from app.taxonomies import clusters
from app.timeutil import today

PROJECT = Path(__file__).resolve().parents[1]
ORUK = PROJECT / "data" / "oruk"  # vendored: see its README.md
SCHEMAS = ORUK / "schema"
RESULT_LINK = re.compile(r'<li class="wa-result">\s*<h2[^>]*><a href="/services/(\d+)"')
STATUS_COUNT = re.compile(r'role="status"[^>]*>\s*<strong>(\d+) results?</strong>')
LIST_ENDPOINTS = ("/api/services", "/api/service_at_locations", "/api/taxonomies", "/api/taxonomy_terms")
ENVELOPE_KEYS = {"total_items", "total_pages", "page_number", "size", "first_page", "last_page", "empty", "contents"}


# --- checking documents -----------------------------------------------------------------------------------


def _format_checker() -> FormatChecker:
    """jsonschema's format checker, plus the two formats the ORUK schemas use that it only checks when
    optional packages (rfc3987, rfc3339-validator) are installed: without these, any string would pass."""
    checker = FormatChecker()

    @checker.checks("uri")
    def is_uri(value: object) -> bool:
        if not isinstance(value, str):
            return True
        return re.fullmatch(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+", value) is not None

    @checker.checks("date-time", raises=ValueError)
    def is_date_time(value: object) -> bool:
        if not isinstance(value, str):
            return True
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", value):
            return False
        datetime.fromisoformat(value.replace("z", "Z"))
        return True

    return checker


@cache
def oruk_schema(name: str) -> dict[str, Any]:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


@cache
def validator(name: str) -> Draft202012Validator:
    return Draft202012Validator(oruk_schema(name), format_checker=_format_checker())


@cache
def term_validator() -> Draft202012Validator:
    """ORUK has no taxonomy-term schema file; the term embedded in a service's attributes is the one."""
    term = oruk_schema("service.json")["properties"]["attributes"]["items"]["properties"]["taxonomy_term"]
    return Draft202012Validator(term, format_checker=_format_checker())


@cache
def oruk_openapi() -> dict[str, Any]:
    return json.loads((ORUK / "openapi.json").read_text(encoding="utf-8"))


@cache
def meta_validator() -> Draft202012Validator:
    """The answer of ``GET /`` as ORUK's own API description gives it, with the version required."""
    schema = oruk_openapi()["paths"]["/"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    return Draft202012Validator({**schema, "required": ["version"]}, format_checker=_format_checker())


@cache
def envelope_validator() -> Draft202012Validator:
    """ORUK's ``Page`` (components.schemas.Page of its openapi.json), every field required, plus contents."""
    page = oruk_openapi()["components"]["schemas"]["Page"]
    schema = {"type": "object", "required": sorted(ENVELOPE_KEYS), "additionalProperties": False,
              "properties": {**page["properties"], "contents": {"type": "array"}}}
    return Draft202012Validator(schema)


# HSDS 3.0 taxonomy (ORUK's /taxonomies points at the remote taxonomy.json, which is not in data/oruk):
# id (uuid), name and description required; uri and version optional.
TAXONOMY_SCHEMA = {
    "type": "object", "required": ["id", "name", "description"],
    "properties": {"id": {"type": "string", "format": "uuid"}, "name": {"type": "string"},
                   "description": {"type": "string"}, "uri": {"type": "string", "format": "uri"},
                   "version": {"type": "string"}},
}


def assert_valid(checker: Draft202012Validator, document: object, what: str) -> None:
    errors = sorted(checker.iter_errors(document), key=lambda e: list(e.absolute_path))
    assert not errors, f"{what} does not match the ORUK schema:\n" + "\n".join(
        f"  at {'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message[:200]}" for e in errors)


def empty_values(value: object, path: str = "") -> Iterator[str]:
    """The path of every null, "", [] or {} inside ``value``."""
    if value is None or value == "" or value == [] or value == {}:
        yield path or "(root)"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from empty_values(item, f"{path}/{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from empty_values(item, f"{path}/{index}")


def keys_of(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from keys_of(item)
    elif isinstance(value, list):
        for item in value:
            yield from keys_of(item)


def fetch(client: FlaskClient, url: str, status: int = 200) -> Any:
    """GET an /api URL; check the status, the CORS header, that the body is JSON and, for a 200, that no
    field is empty (an empty page's own ``contents`` list is the one empty value allowed)."""
    response = client.get(url)
    assert response.status_code == status, f"{url}: {response.status_code} {response.get_data(as_text=True)[:300]}"
    assert response.headers.get("Access-Control-Allow-Origin") == "*", f"{url}: no CORS header"
    assert response.mimetype == "application/json", f"{url}: {response.mimetype}"
    document = response.get_json()
    if status == 200:
        inside = dict(document)
        if isinstance(inside.get("contents"), list) and not inside["contents"]:
            inside.pop("contents")
        assert not list(empty_values(inside)), f"{url}: empty fields at {list(empty_values(inside))}"
    return document


def assert_error(client: FlaskClient, url: str, status: int = 400) -> str:
    document = fetch(client, url, status)
    assert set(document) == {"error"}, document
    assert isinstance(document["error"], str) and document["error"].strip(), document
    return document["error"]


def all_pages(client: FlaskClient, url: str, per_page: int = 100) -> list[dict[str, Any]]:
    """Every item of a paged list, checking each envelope on the way."""
    separator = "&" if "?" in url else "?"
    items: list[dict[str, Any]] = []
    page = 1
    while True:
        document = fetch(client, f"{url}{separator}page={page}&per_page={per_page}")
        check_envelope(document, page, per_page)
        items.extend(document["contents"])
        if document["last_page"]:
            assert len(items) == document["total_items"], url
            return items
        page += 1


def check_envelope(document: dict[str, Any], page: int, per_page: int) -> None:
    assert_valid(envelope_validator(), document, "the page envelope")
    total = document["total_items"]
    pages = max(1, math.ceil(total / per_page))
    expected_size = max(0, min(per_page, total - (page - 1) * per_page))
    assert document["page_number"] == page
    assert document["size"] == per_page
    assert document["total_pages"] == pages
    assert document["first_page"] is (page == 1)
    assert document["last_page"] is (page >= pages)
    assert len(document["contents"]) == expected_size
    assert document["empty"] is (expected_size == 0)


# --- what the database says -------------------------------------------------------------------------------


def public_services(app: Flask) -> dict[str, Service]:
    """Every listing the public may see, by uid (call inside an app context)."""
    return {s.uid: s for s in db.session.scalars(select(Service)) if is_public(s)}


def outward_centres() -> dict[str, tuple[float, float]]:
    with (PROJECT / "data" / "outward-codes.csv").open(encoding="utf-8", newline="") as handle:
        return {row["district"]: (float(row["latitude"]), float(row["longitude"])) for row in csv.DictReader(handle)
                if row["latitude"]}  # a border district known only by its area has no centre


def metres_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    """Great-circle distance (haversine, mean Earth radius 6371 km)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6_371_000 * math.asin(math.sqrt(h))


# --- the crawl of the shared demo, done once --------------------------------------------------------------


class Crawl:
    """Every answer of the API over the shared demo: every page of every list and every detail."""

    def __init__(self, client: FlaskClient) -> None:
        self.documents: dict[str, Any] = {}
        self.meta = self.get(client, "/api/")
        self.openapi = self.get(client, "/api/openapi.json")
        self.services = self.pages(client, "/api/services", 20)
        self.details = {item["id"]: self.get(client, f"/api/services/{item['id']}") for item in self.services}
        self.places = self.pages(client, "/api/service_at_locations", 20)
        self.taxonomies = self.pages(client, "/api/taxonomies", 3)
        self.taxonomy_details = {t["id"]: self.get(client, f"/api/taxonomies/{t['id']}") for t in self.taxonomies}
        self.terms = self.pages(client, "/api/taxonomy_terms", 20)
        self.term_details = {t["id"]: self.get(client, f"/api/taxonomy_terms/{t['id']}") for t in self.terms}
        self.place_details = {p["id"]: self.get(client, f"/api/service_at_locations/{p['id']}")
                              for p in self.places}

    def get(self, client: FlaskClient, url: str) -> Any:
        document = fetch(client, url)
        self.documents[url] = document
        return document

    def pages(self, client: FlaskClient, url: str, per_page: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            document = self.get(client, f"{url}?page={page}&per_page={per_page}")
            check_envelope(document, page, per_page)
            items.extend(document["contents"])
            if document["last_page"]:
                assert document["total_items"] == len(items)
                return items
            page += 1


@pytest.fixture(scope="module")
def crawl(shared_demo_app: Flask) -> Crawl:
    return Crawl(shared_demo_app.test_client())


# --- 1. shapes --------------------------------------------------------------------------------------------


def test_meta_says_oruk_3(crawl: Crawl) -> None:
    assert crawl.meta["version"] == "3.0"
    assert_valid(meta_validator(), crawl.meta, "GET /api/")
    assert crawl.meta["openapi_url"].endswith("/api/openapi.json")


def test_every_page_of_services_has_the_envelope_and_every_item_the_list_shape(
        crawl: Crawl, shared_demo_app: Flask) -> None:
    assert len(crawl.services) > 20, "the demo should fill several pages"
    for item in crawl.services:
        assert_valid(validator("service_list.json"), item, f"service {item.get('name')!r} in /api/services")
    uids = [item["id"] for item in crawl.services]
    assert len(uids) == len(set(uids)), "a service appears on two pages"
    with shared_demo_app.app_context():
        assert set(uids) == set(public_services(shared_demo_app)), "the list is not exactly the public listings"


def test_every_service_detail_is_a_valid_oruk_service(crawl: Crawl) -> None:
    problems = []
    for item in crawl.services:
        detail = crawl.details[item["id"]]
        errors = list(validator("service.json").iter_errors(detail))
        problems += [f"{detail.get('name')!r} at {'/'.join(map(str, e.absolute_path))}: {e.message[:120]}"
                     for e in errors]
        assert detail["id"] == item["id"]
        # The list item is the detail's one-to-one part.
        assert {key: detail[key] for key in item} == item
    assert not problems, f"{len(problems)} problem(s) in /api/services/<id>:\n" + "\n".join(problems)


def test_service_details_hold_what_the_database_holds(crawl: Crawl, shared_demo_app: Flask) -> None:
    with shared_demo_app.app_context():
        services = public_services(shared_demo_app)
        for uid, detail in crawl.details.items():
            service = services[uid]
            assert detail["name"] == service.name
            assert detail["status"] == "active"
            assert detail["organization"]["name"] == service.organisation.name
            assert detail["organization_id"] == detail["organization"]["id"] == service.organisation.uid
            assert detail.get("minimum_age") == service.min_age
            assert detail.get("maximum_age") == service.max_age
            assert date.fromisoformat(detail["assured_date"]) == service.assured_at
            addresses = [a for place in detail.get("service_at_locations", [])
                         for a in place["location"]["addresses"]]
            assert [a["postal_code"] for a in addresses] == [loc.postcode for loc in service.locations]
            assert {place["service_id"] for place in detail.get("service_at_locations", [])} <= {uid}


def test_service_at_locations_are_valid_and_are_every_public_place(crawl: Crawl, shared_demo_app: Flask) -> None:
    for item in crawl.places:
        assert_valid(validator("service_at_location_list.json"), item, f"service_at_location {item['id']}")
        assert item["service"]["id"] == item["service_id"]
    for uid, detail in crawl.place_details.items():
        assert_valid(validator("service_at_location.json"), detail, f"/api/service_at_locations/{uid}")
        assert detail["id"] == uid
    with shared_demo_app.app_context():
        services = public_services(shared_demo_app)
        expected = sorted((uid, loc.postcode) for uid, s in services.items() for loc in s.locations)
    assert expected, "the demo should have places"
    got = sorted((item["service_id"], item["location"]["addresses"][0]["postal_code"]) for item in crawl.places)
    assert got == expected


def test_taxonomies_and_terms(crawl: Crawl) -> None:
    taxonomy_ids = {t["id"] for t in crawl.taxonomies}
    assert len(taxonomy_ids) == len(crawl.taxonomies) > 1
    for item in crawl.taxonomies:
        assert_valid(Draft202012Validator(TAXONOMY_SCHEMA, format_checker=_format_checker()), item, "a taxonomy")
        assert crawl.taxonomy_details[item["id"]] == item
    assert len({t["id"] for t in crawl.terms}) == len(crawl.terms) > len(crawl.taxonomies)
    for term in crawl.terms:
        assert_valid(term_validator(), term, f"taxonomy term {term.get('name')!r}")
        assert term["taxonomy_id"] in taxonomy_ids
        assert crawl.term_details[term["id"]] == term
    # Every term a service carries is one of the published terms, the same document.
    published = {t["id"]: t for t in crawl.terms}
    for detail in crawl.details.values():
        for attribute in detail.get("attributes", []):
            assert published[attribute["taxonomy_term_id"]] == attribute["taxonomy_term"]


def test_taxonomy_terms_filter_by_taxonomy(demo_client: FlaskClient, crawl: Crawl) -> None:
    for taxonomy in crawl.taxonomies:
        terms = all_pages(demo_client, f"/api/taxonomy_terms?taxonomy_id={taxonomy['id']}")
        assert terms == [t for t in crawl.terms if t["taxonomy_id"] == taxonomy["id"]]
        assert terms


# --- 1. paging edges --------------------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
@pytest.mark.parametrize("query", ["page=0", "page=-1", "page=abc", "page=1.5", "page=%C2%B2", "per_page=0",
                                   "per_page=1000", "per_page=abc", "per_page=-5", "per_page=%C2%B2"])
def test_bad_paging_is_a_clear_400(endpoint: str, query: str, demo_client: FlaskClient) -> None:
    """``%C2%B2`` is '²', which Python's str.isdigit() calls a digit but int() cannot read."""
    message = assert_error(demo_client, f"{endpoint}?{query}")
    assert query.split("=")[0] in message, f"the message should name the parameter: {message!r}"


@pytest.mark.parametrize("endpoint", LIST_ENDPOINTS)
def test_a_page_past_the_end_is_a_valid_empty_page(endpoint: str, demo_client: FlaskClient) -> None:
    first = fetch(demo_client, f"{endpoint}?per_page=5")
    past = first["total_pages"] + 1
    for page in (past, 1_000):
        document = fetch(demo_client, f"{endpoint}?page={page}&per_page=5")
        assert_valid(envelope_validator(), document, "a page past the end")
        assert document["contents"] == [] and document["empty"] is True
        assert document["last_page"] is True and document["first_page"] is False
        assert document["total_items"] == first["total_items"] and document["total_pages"] == first["total_pages"]
        assert document["page_number"] == page


def test_per_page_limits_and_pages_do_not_overlap(demo_client: FlaskClient, crawl: Crawl) -> None:
    one = [fetch(demo_client, f"/api/services?page={n}&per_page=1")["contents"][0]["id"] for n in (1, 2, 3)]
    assert one == [item["id"] for item in crawl.services[:3]]
    biggest = fetch(demo_client, "/api/services?per_page=100")
    assert [item["id"] for item in biggest["contents"]] == [item["id"] for item in crawl.services[:100]]


# --- 1. filters -------------------------------------------------------------------------------------------


def public_search_uids(client: FlaskClient, app: Flask, words: str, **filters: str) -> tuple[list[str], int]:
    """Every listing the public search page shows for ``words`` (and ``filters``), in order, as uids; and its
    stated count. A page past the end shows the last page again, so the count says when to stop."""
    ids: list[int] = []
    count = None
    for page in range(1, 1000):
        html = client.get("/search", query_string={"q": words, **filters, "page": page}).get_data(as_text=True)
        if count is None:
            match = STATUS_COUNT.search(html)
            assert match, "no result count on the search page"
            count = int(match.group(1))
        found = [int(i) for i in RESULT_LINK.findall(html)]
        if not found:
            break
        ids.extend(found)
        if len(ids) >= count:
            break
    with app.app_context():
        uids = {s.id: s.uid for s in db.session.scalars(select(Service).where(Service.id.in_(ids)))}
    return [uids[i] for i in ids], count or 0


@pytest.mark.parametrize("words", ["counselling", "drink problem", "carers support", "low mood", "housing advice",
                                   "dementia", "young people anxiety", "i want to kill myself",
                                   "counselling in radstock", "alchol", "my husband has dementia i cant cope"])
def test_search_gives_the_public_search_page_order(words: str, demo_client: FlaskClient,
                                                   shared_demo_app: Flask) -> None:
    expected, count = public_search_uids(demo_client, shared_demo_app, words)
    assert expected, f"{words!r} should find something in the demo"
    got = [item["id"] for item in all_pages(demo_client, f"/api/services?search={words.replace(' ', '+')}", 20)]
    assert got == expected
    assert len(got) == count


AGE_CASES = [(None, 10), (18, None), (16, 25), (0, 0), (65, 70), (150, None), (None, 0), (30, 30), (0, 150)]


@pytest.mark.parametrize(("minimum", "maximum"), AGE_CASES)
def test_age_filters_keep_listings_whose_range_overlaps(minimum: int | None, maximum: int | None,
                                                        demo_client: FlaskClient, shared_demo_app: Flask) -> None:
    """As documented in /api/openapi.json: ``minimum_age`` keeps services whose range reaches that age (no
    upper limit, or an upper limit at or above it), ``maximum_age`` those whose range starts at or below it."""
    query = "&".join(f"{name}={value}" for name, value in (("minimum_age", minimum), ("maximum_age", maximum))
                     if value is not None)
    got = [item["id"] for item in all_pages(demo_client, f"/api/services?{query}")]
    with shared_demo_app.app_context():
        expected = {uid for uid, s in public_services(shared_demo_app).items()
                    if (minimum is None or s.max_age is None or s.max_age >= minimum)
                    and (maximum is None or s.min_age is None or s.min_age <= maximum)}
        everyone = len(public_services(shared_demo_app))
    assert len(got) == len(set(got))
    assert set(got) == expected
    if (minimum, maximum) in {(None, 10), (18, None), (65, 70)}:
        assert 0 < len(expected) < everyone, "a case that should filter something and keep something"


@pytest.mark.parametrize("query", ["minimum_age=30&maximum_age=20", "minimum_age=-1", "minimum_age=abc",
                                   "maximum_age=151", "maximum_age=1.5", "minimum_age=%C2%B2"])
def test_bad_ages_are_a_clear_400(query: str, demo_client: FlaskClient) -> None:
    assert_error(demo_client, f"/api/services?{query}")
    assert_error(demo_client, f"/api/service_at_locations?{query}")


# The database field each published taxonomy describes.
TERM_FIELD = {"categories": lambda s: s.categories, "audiences": lambda s: s.audiences, "cost": lambda s: [s.cost],
              "referral": lambda s: s.referral, "access": lambda s: s.access,
              "accessibility": lambda s: s.accessibility, "kinds": lambda s: [s.kind]}


def test_taxonomy_term_id_keeps_only_services_with_that_term(crawl: Crawl, demo_client: FlaskClient,
                                                             shared_demo_app: Flask) -> None:
    assert {t["taxonomy"] for t in crawl.terms} <= set(TERM_FIELD), "a published taxonomy this test does not know"
    wrong = []
    with shared_demo_app.app_context():
        services = public_services(shared_demo_app)
        for term in crawl.terms:
            field = TERM_FIELD[term["taxonomy"]]
            expected = {uid for uid, s in services.items() if term["code"] in field(s)}
            got = [item["id"] for item in all_pages(demo_client, f"/api/services?taxonomy_term_id={term['id']}")]
            if set(got) != expected or len(got) != len(set(got)):
                wrong.append(f"{term['taxonomy']}/{term['code']}: {len(got)} returned, {len(expected)} have it, "
                             f"{len(set(got) - expected)} returned without it")
    assert not wrong, "taxonomy_term_id does not keep exactly the services with the term:\n" + "\n".join(wrong)


def test_taxonomy_term_id_also_filters_places_and_combines_with_search(
        crawl: Crawl, demo_client: FlaskClient, shared_demo_app: Flask) -> None:
    free = next(t for t in crawl.terms if t["taxonomy"] == "cost" and t["code"] == "free")
    places = all_pages(demo_client, f"/api/service_at_locations?taxonomy_term_id={free['id']}")
    with shared_demo_app.app_context():
        services = public_services(shared_demo_app)
        assert places
        assert all(services[p["service_id"]].cost == "free" for p in places)
        searched = all_pages(demo_client, f"/api/services?search=counselling&taxonomy_term_id={free['id']}")
        everything = [i["id"] for i in all_pages(demo_client, "/api/services?search=counselling")]
        assert [i["id"] for i in searched] == [uid for uid in everything if services[uid].cost == "free"]


@pytest.mark.parametrize("value", ["nope", "00000000-0000-0000-0000-000000000000", "urgent-help"])
def test_an_unknown_taxonomy_term_id_is_a_400(value: str, demo_client: FlaskClient) -> None:
    assert "taxonomy_term_id" in assert_error(demo_client, f"/api/services?taxonomy_term_id={value}")


@pytest.mark.parametrize("postcode", ["BA3 4AA", "BA1 1AA", "BS31 1AA", "BA2"])
def test_places_near_a_postcode_come_in_order_of_distance(postcode: str, demo_client: FlaskClient) -> None:
    centre = outward_centres()[postcode.split()[0]]
    places = all_pages(demo_client, f"/api/service_at_locations?postcode={postcode.replace(' ', '+')}")
    everything = all_pages(demo_client, "/api/service_at_locations")
    assert sorted(p["id"] for p in places) == sorted(p["id"] for p in everything)

    def distance(place: dict[str, Any]) -> float:
        location = place["location"]
        if "latitude" not in location:
            return math.inf
        return metres_between(centre, (location["latitude"], location["longitude"]))

    distances = [distance(p) for p in places]
    assert all(a <= b + 1 for a, b in pairwise(distances)), "not in order of distance"
    assert distances[0] < distances[-1]


@pytest.mark.parametrize("metres", [1_500, 5_000, 20_000])
def test_proximity_keeps_only_places_within_that_distance(metres: int, demo_client: FlaskClient) -> None:
    centre = outward_centres()["BA3"]
    near = all_pages(demo_client, f"/api/service_at_locations?postcode=BA3+4AA&proximity={metres}")
    everything = all_pages(demo_client, "/api/service_at_locations")
    within = {p["id"] for p in everything if "latitude" in p["location"]
              and metres_between(centre, (p["location"]["latitude"], p["location"]["longitude"])) <= metres - 1}
    outside = {p["id"] for p in everything if "latitude" not in p["location"]
               or metres_between(centre, (p["location"]["latitude"], p["location"]["longitude"])) > metres + 1}
    got = {p["id"] for p in near}
    assert within <= got and not got & outside
    assert got and len(got) < len(everything)


@pytest.mark.parametrize("query", ["postcode=ZZ9+9ZZ", "postcode=SW1A+1AA", "postcode=nowhere",
                                   "proximity=1000", "postcode=BA1&proximity=abc", "postcode=BA1&proximity=0",
                                   "postcode=BA1&proximity=-5", "postcode=BA1&proximity=nan"])
def test_bad_places_are_a_clear_400(query: str, demo_client: FlaskClient) -> None:
    assert_error(demo_client, f"/api/service_at_locations?{query}")


# --- 1. open to all, errors included ----------------------------------------------------------------------


@pytest.mark.parametrize(("url", "status"), [
    ("/api/services/not-a-listing", 404), ("/api/services/00000000-0000-0000-0000-000000000000", 404),
    ("/api/taxonomies/nope", 404), ("/api/taxonomy_terms/nope", 404), ("/api/service_at_locations/nope", 404),
    ("/api/no-such-endpoint", 404), ("/api/services?page=0", 400),
])
def test_errors_are_json_and_open_to_all(url: str, status: int, demo_client: FlaskClient) -> None:
    assert_error(demo_client, url, status)


def test_other_methods_are_refused_in_json_and_open_to_all(demo_client: FlaskClient) -> None:
    for method in ("POST", "DELETE", "TRACE"):
        response = demo_client.open("/api/services", method=method)
        assert response.status_code == 405
        assert response.headers.get("Access-Control-Allow-Origin") == "*"
        assert set(response.get_json()) == {"error"}
        # RFC 9110 §15.5.6: a 405 must say which methods the resource does allow.
        assert "GET" in response.headers.get("Allow", ""), f"{method}: a 405 without an Allow header"


def test_every_answer_of_the_crawl_is_open_and_json(crawl: Crawl) -> None:
    # ``fetch`` checked the CORS header and emptiness of each; this makes sure the crawl covered every kind.
    kinds = {re.sub(r"/[0-9a-f-]{36}$", "/<id>", url.split("?")[0]) for url in crawl.documents}
    assert kinds == {"/api/", "/api/openapi.json", "/api/services", "/api/services/<id>", "/api/taxonomies",
                     "/api/taxonomies/<id>", "/api/taxonomy_terms", "/api/taxonomy_terms/<id>",
                     "/api/service_at_locations", "/api/service_at_locations/<id>"}


# --- 1. only public listings ------------------------------------------------------------------------------


def _hide(service: Service, state: str) -> set[str]:
    """Make ``service`` one the public must not see; returns the uids that should be hidden by it."""
    if state == "archived":
        archive(service)
    elif state == "draft":
        service.status = ServiceStatus.DRAFT
    elif state == "not confirmed within the freshness limit":
        service.assured_at = freshness_cutoff() - timedelta(days=1)
    elif state == "never confirmed":
        service.assured_at = None
    elif state == "past event":
        service.kind, service.event_date = "event", today() - timedelta(days=1)
    elif state == "organisation archived":
        service.organisation.status = OrganisationStatus.ARCHIVED
        for sibling in service.organisation.services:
            mark_for_reindex(db.session, sibling.id)
        return {s.uid for s in service.organisation.services}
    mark_for_reindex(db.session, service.id)
    return {service.uid}


@pytest.mark.parametrize("state", ["archived", "draft", "not confirmed within the freshness limit",
                                   "never confirmed", "past event", "organisation archived"])
def test_listings_the_public_must_not_see_leave_the_api(state: str, demo_app: Flask) -> None:
    client = demo_app.test_client()
    before = {item["id"] for item in all_pages(client, "/api/services")}
    with demo_app.app_context():
        target = min((s for s in public_services(demo_app).values() if s.locations and s.kind != "event"),
                     key=lambda s: s.id)
        hidden = _hide(target, state) & before
        db.session.commit()
        remaining = set(public_services(demo_app))
    assert hidden and not hidden & remaining
    listed = {item["id"] for item in all_pages(client, "/api/services")}
    assert not listed & hidden, "hidden listings are still in /api/services"
    assert listed == before - hidden == remaining
    for uid in hidden:
        assert_error(client, f"/api/services/{uid}", 404)
    places = all_pages(client, "/api/service_at_locations")
    assert {p["service_id"] for p in places} == {uid for uid in remaining
                                                 if fetch(client, f"/api/services/{uid}").get("service_at_locations")}


def test_a_hidden_listings_place_is_a_404(demo_app: Flask) -> None:
    client = demo_app.test_client()
    with demo_app.app_context():
        target = min((s for s in public_services(demo_app).values() if s.locations), key=lambda s: s.id)
        uid = target.uid
    place_ids = [p["id"] for p in all_pages(client, "/api/service_at_locations") if p["service_id"] == uid]
    assert place_ids
    with demo_app.app_context():
        archive(db.session.get(Service, target.id))
        db.session.commit()
    for place_id in place_ids:
        assert_error(client, f"/api/service_at_locations/{place_id}", 404)


def test_the_demo_holds_listings_the_public_must_not_see(shared_demo_app: Flask, crawl: Crawl) -> None:
    with shared_demo_app.app_context():
        hidden = {s.uid for s in db.session.scalars(select(Service)) if not is_public(s)}
        statuses = {s.status for s in db.session.scalars(select(Service)) if not is_public(s)}
    assert hidden, "the demo should have listings out of date or unpublished"
    assert ServiceStatus.PUBLISHED in statuses, "the demo should have published listings that are out of date"
    assert not hidden & {item["id"] for item in crawl.services}
    assert not hidden & set(crawl.details)


# --- 1. no cluster data -----------------------------------------------------------------------------------


def test_no_cluster_data_in_any_answer(crawl: Crawl, shared_demo_app: Flask) -> None:
    with shared_demo_app.app_context():
        clustered = [s for s in db.session.scalars(select(Service)) if s.clusters or s.all_clusters]
        assert any(is_public(s) for s in clustered), "the demo should have public listings with clusters"
    names = [cluster.name.lower() for cluster in clusters()]
    for url, document in crawl.documents.items():
        assert not [key for key in keys_of(document) if "cluster" in key.lower()], url
        text = json.dumps(document, ensure_ascii=False).lower()
        assert not [name for name in names if name in text], f"{url} names a care cluster"
        if url.startswith("/api/services/"):
            assert "cluster" not in text, f"{url} mentions clusters"
    for taxonomy in (*crawl.taxonomies, *crawl.terms):
        assert "cluster" not in json.dumps(taxonomy).lower()


def test_cluster_names_do_not_find_anything_special(demo_client: FlaskClient, shared_demo_app: Flask) -> None:
    """Searching the API for a cluster's name or number is plain words, as on the public page."""
    for words in ("clusters:14", "Psychotic Crisis"):
        expected, _ = public_search_uids(demo_client, shared_demo_app, words)
        got = [item["id"] for item in all_pages(demo_client, f"/api/services?search={words.replace(' ', '+')}")]
        assert got == expected


# --- 1. the OpenAPI description ---------------------------------------------------------------------------


def test_openapi_is_valid_openapi_3_and_describes_every_api_route(crawl: Crawl, shared_demo_app: Flask) -> None:
    document = crawl.openapi
    assert re.fullmatch(r"3\.\d+\.\d+", document["openapi"])
    errors = list(Draft4Validator(OPENAPI_30).iter_errors(document))  # the official OpenAPI 3.0 schema
    assert not errors, [e.message for e in errors]
    server = document["servers"][0]["url"]
    assert server.endswith("/api")
    described = {re.sub(r"\{[^}]+\}", "{}", path) for path in document["paths"]}
    routes = {re.sub(r"<[^>]+>", "{}", rule.rule.removeprefix("/api")) or "/"
              for rule in shared_demo_app.url_map.iter_rules() if rule.rule.startswith("/api/")}
    # The description does not describe itself.
    routes.discard("/openapi.json")
    assert routes == described, (f"routes not described: {sorted(routes - described)}; "
                                 f"described but not routes: {sorted(described - routes)}")
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert method == "get" and "200" in operation["responses"], path
            declared = {p["name"] for p in operation.get("parameters", [])}
            assert set(re.findall(r"\{([^}]+)\}", path)) <= declared, path


def test_openapi_documents_the_parameters_the_api_reads(crawl: Crawl) -> None:
    paths = crawl.openapi["paths"]

    def names(path: str) -> set[str]:
        return {p["name"] for p in paths[path]["get"].get("parameters", [])}

    assert {"search", "page", "per_page", "minimum_age", "maximum_age", "taxonomy_term_id"} <= names("/services")
    assert {"postcode", "proximity", "page", "per_page"} <= names("/service_at_locations")
    assert {"page", "per_page"} <= names("/taxonomies")
    assert {"page", "per_page", "taxonomy_id"} <= names("/taxonomy_terms")
