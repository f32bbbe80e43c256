"""The ORUK 3.0 filters of /api/services and /api/service_at_locations (issue 24): ``taxonomy_id``,
``postcode`` with ``proximity``, and ``day``, ``start_time``, ``end_time``; parameters the API does not
read, or cannot read, are refused with a 400 that names them; and one place is answered by loading one
listing.

Each filter is checked against an oracle of its own: plain SQL over the database for what the listings
hold, the bundled ``data/outward-codes.csv`` for where a postcode is, and the distance worked out here.
Which listings the public may see at all comes from the unfiltered API list, which ``test_api.py`` checks
against the visibility rules; the oracles only decide what a filter keeps of it.
"""

import csv
import json
import math
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Row, event, text

from app.extensions import db
from tests.test_api import all_pages, assert_error, fetch, public_search_uids

PROJECT = Path(__file__).resolve().parents[1]
ORUK_OPENAPI = PROJECT / "data" / "oruk" / "openapi.json"
LISTS = ("/api/services", "/api/service_at_locations")
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
EARTH_RADIUS_M = 6_371_000  # the mean radius, as the API documents


# --- oracles ----------------------------------------------------------------------------------------------


def sql(app: Flask, statement: str, **parameters: object) -> list[Row[Any]]:
    with app.app_context():
        return list(db.session.execute(text(statement), parameters))


def postcode_centres() -> dict[str, tuple[float, float]]:
    """The bundled table of postcode districts, read as a file: district → (latitude, longitude)."""
    with (PROJECT / "data" / "outward-codes.csv").open(encoding="utf-8", newline="") as handle:
        return {row["district"]: (float(row["latitude"]), float(row["longitude"])) for row in csv.DictReader(handle)
                if row["latitude"]}  # a border district known only by its area has no centre


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = (math.radians(v) for v in (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def ids(items: list[dict[str, Any]]) -> list[str]:
    return [item["id"] for item in items]


@pytest.fixture(scope="module")
def public(shared_demo_app: Flask) -> frozenset[str]:
    """The uid of every listing the public may see, as the unfiltered API lists them."""
    return frozenset(ids(all_pages(shared_demo_app.test_client(), "/api/services")))


@pytest.fixture(scope="module")
def places(shared_demo_app: Flask) -> list[dict[str, Any]]:
    """Every place of the unfiltered list."""
    return all_pages(shared_demo_app.test_client(), "/api/service_at_locations")


def place_key(place: dict[str, Any]) -> tuple[str, float | None, float | None]:
    location = place["location"]
    return place["service_id"], location.get("latitude"), location.get("longitude")


# --- unsupported and malformed parameters -----------------------------------------------------------------


@pytest.mark.parametrize("endpoint", [*LISTS, "/api/taxonomies", "/api/taxonomy_terms", "/api/"])
@pytest.mark.parametrize("name", ["modified_after", "organization_id", "minimal", "full", "format", "q",
                                  "postal_code", "radius", "<script>"])
def test_a_parameter_the_api_does_not_read_is_refused_by_name(endpoint: str, name: str,
                                                              demo_client: FlaskClient) -> None:
    """An ignored filter would hand back an unfiltered answer as if it were filtered."""
    message = assert_error(demo_client, f"{endpoint}?{name}=2024-01-01")
    assert repr(name) in message, message
    assert "openapi.json" in message, message


def test_detail_endpoints_refuse_parameters_too(demo_client: FlaskClient) -> None:
    service = ids(fetch(demo_client, "/api/services?per_page=1")["contents"])[0]
    place = ids(fetch(demo_client, "/api/service_at_locations?per_page=1")["contents"])[0]
    for url in (f"/api/services/{service}?full=true", f"/api/service_at_locations/{place}?full=true"):
        assert "'full'" in assert_error(demo_client, url)


@pytest.mark.parametrize("endpoint", LISTS)
@pytest.mark.parametrize("query", ["page=1&page=2", "day=MO&day=TU", "postcode=BA1&postcode=BA2",
                                   "taxonomy_id=a&taxonomy_id=b", "search=a&search=b"])
def test_a_single_valued_parameter_given_twice_is_refused(endpoint: str, query: str,
                                                          demo_client: FlaskClient) -> None:
    name = query.split("=")[0]
    message = assert_error(demo_client, f"{endpoint}?{query}")
    assert f"'{name}'" in message and "once" in message, message


@pytest.mark.parametrize("endpoint", LISTS)
@pytest.mark.parametrize(("query", "name"), [
    ("day=Funday", "day"), ("day=M", "day"), ("day=1", "day"), ("day=MONDAYS", "day"),
    ("start_time=25:00", "start_time"), ("start_time=9am", "start_time"), ("start_time=9:30", "start_time"),
    ("end_time=12:60", "end_time"), ("end_time=12:00:60", "end_time"), ("end_time=%EF%BC%91%EF%BC%92:00", "end_time"),
    ("start_time=14:00&end_time=13:00", "start_time"), ("start_time=14:00&end_time=14:00", "start_time"),
    ("taxonomy_id=nope", "taxonomy_id"), ("taxonomy_id=00000000-0000-0000-0000-000000000000", "taxonomy_id"),
    ("postcode=nowhere", "postcode"), ("postcode=SW1A+1AA", "postcode"), ("postcode=BA1AAA", "postcode"),
    ("proximity=1000", "proximity"), ("postcode=BA1&proximity=abc", "proximity"),
    ("postcode=BA1&proximity=0", "proximity"), ("postcode=BA1&proximity=inf", "proximity"),
])
def test_a_malformed_filter_is_a_400_naming_it(endpoint: str, query: str, name: str,
                                                demo_client: FlaskClient) -> None:
    message = assert_error(demo_client, f"{endpoint}?{query}")
    assert f"'{name}'" in message, message


def test_a_term_id_given_as_taxonomy_id_says_which_parameter_to_use(demo_client: FlaskClient) -> None:
    term = fetch(demo_client, "/api/taxonomy_terms?per_page=1")["contents"][0]
    for endpoint in (*LISTS, "/api/taxonomy_terms"):
        assert "taxonomy_term_id" in assert_error(demo_client, f"{endpoint}?taxonomy_id={term['id']}")


def test_the_description_declares_every_oruk_filter_of_the_lists(demo_client: FlaskClient) -> None:
    """We read every parameter ORUK 3.0 names for the two lists, say so, and take ``postcode`` and
    ``proximity`` for services too."""
    oruk = json.loads(ORUK_OPENAPI.read_text(encoding="utf-8"))
    ours = fetch(demo_client, "/api/openapi.json")["paths"]
    for path in ("/services", "/service_at_locations"):
        wanted = {reference["$ref"].rsplit("/", 1)[1] for reference in oruk["paths"][path]["get"]["parameters"]}
        declared = {parameter["name"] for parameter in ours[path]["get"]["parameters"]}
        assert wanted <= declared, f"{path} does not declare {sorted(wanted - declared)}"
        assert {"taxonomy_id", "postcode", "proximity", "day", "start_time", "end_time"} <= declared
        for parameter in ours[path]["get"]["parameters"]:
            assert parameter["description"].strip(), f"{path} {parameter['name']} has no description"


# --- taxonomy_id ------------------------------------------------------------------------------------------

# Where each published taxonomy's terms are in the service table; the list columns hold JSON arrays.
TAXONOMY_COLUMNS = {"categories": "categories", "audiences": "audiences", "referral": "referral",
                    "access": "access", "accessibility": "accessibility", "cost": "cost", "kinds": "kind"}
LIST_COLUMNS = {"categories", "audiences", "referral", "access", "accessibility"}


def carrying(app: Flask, taxonomy: str, codes: set[str]) -> set[str]:
    """Listings with at least one of ``codes`` in the taxonomy's column, by plain SQL."""
    column = TAXONOMY_COLUMNS[taxonomy]
    rows = sql(app, f"SELECT uid, CAST({column} AS TEXT) FROM service")  # a column name of ours
    return {uid for uid, value in rows
            if codes & set(json.loads(value) if taxonomy in LIST_COLUMNS else [value])}


def test_taxonomy_id_keeps_listings_carrying_a_term_of_that_taxonomy(
        demo_client: FlaskClient, shared_demo_app: Flask, public: frozenset[str], places: list[dict[str, Any]]) -> None:
    terms = all_pages(demo_client, "/api/taxonomy_terms")
    taxonomies = {t["taxonomy_id"]: t["taxonomy"] for t in terms}
    assert set(taxonomies.values()) == set(TAXONOMY_COLUMNS), "a published taxonomy this test does not know"
    narrowed = []
    for taxonomy_id, name in taxonomies.items():
        codes = {t["code"] for t in terms if t["taxonomy_id"] == taxonomy_id}
        expected = carrying(shared_demo_app, name, codes) & public
        got = ids(all_pages(demo_client, f"/api/services?taxonomy_id={taxonomy_id}"))
        assert len(got) == len(set(got)), name
        assert set(got) == expected, f"{name}: {len(got)} returned, {len(expected)} carry one of its terms"
        got_places = all_pages(demo_client, f"/api/service_at_locations?taxonomy_id={taxonomy_id}")
        assert Counter(map(place_key, got_places)) == Counter(place_key(p) for p in places
                                                              if p["service_id"] in expected), name
        if 0 < len(expected) < len(public):
            narrowed.append(name)
    assert {"accessibility", "audiences"} <= set(narrowed), "the demo should have listings without these"


def test_taxonomy_id_still_filters_terms(demo_client: FlaskClient) -> None:
    terms = all_pages(demo_client, "/api/taxonomy_terms")
    taxonomy_id = terms[-1]["taxonomy_id"]
    assert all_pages(demo_client, f"/api/taxonomy_terms?taxonomy_id={taxonomy_id}") == [
        t for t in terms if t["taxonomy_id"] == taxonomy_id]
    assert_error(demo_client, "/api/taxonomy_terms?taxonomy_id=nope")


# --- postcode and proximity -------------------------------------------------------------------------------


def located(app: Flask) -> list[tuple[str, float | None, float | None]]:
    """Every place of every listing: its listing's uid and its coordinates, by plain SQL."""
    return [(uid, lat, lon) for uid, lat, lon in
            sql(app, "SELECT s.uid, l.latitude, l.longitude FROM location l JOIN service s ON s.id = l.service_id")]


DISTANCES = [("BA3 4AA", 1), ("BA3 4AA", 5_000), ("BA3", 15_000), ("BA1 1AA", 3_000), ("ba11aa", 20_000),
             ("BS31 1AA", 8_000), ("BA2", 40_000)]


@pytest.mark.parametrize(("postcode", "metres"), DISTANCES)
def test_postcode_and_proximity_keep_only_what_is_within_that_distance(
        postcode: str, metres: int, demo_client: FlaskClient, shared_demo_app: Flask, public: frozenset[str]) -> None:
    """A place is within when the great-circle distance from its coordinates to the centre of the
    postcode's district is at most ``proximity`` metres; a listing is within when one of its places is.
    Places without coordinates are never within."""
    district = postcode.upper().replace(" ", "")
    district = district if district in postcode_centres() else district[:-3]
    centre = postcode_centres()[district]
    located_public = [(uid, lat, lon) for uid, lat, lon in located(shared_demo_app) if uid in public]
    near = [(uid, lat, lon) for uid, lat, lon in located_public
            if lat is not None and lon is not None and haversine_m(centre, (lat, lon)) <= metres]
    # No place sits so close to the limit that rounding could decide it.
    assert all(abs(haversine_m(centre, (lat, lon)) - metres) > 0.5
               for _, lat, lon in located_public if lat is not None and lon is not None)
    query = f"postcode={postcode.replace(' ', '+')}&proximity={metres}"

    services = ids(all_pages(demo_client, f"/api/services?{query}"))
    assert len(services) == len(set(services))
    assert set(services) == {uid for uid, _, _ in near}
    got_places = all_pages(demo_client, f"/api/service_at_locations?{query}")
    assert Counter(map(place_key, got_places)) == Counter(near)
    if metres >= 5_000:
        assert 0 < len(set(services)) < len(public), "a case that should keep some and leave some"


@pytest.mark.parametrize("postcode", ["BA3 4AA", "BS31"])
def test_postcode_alone_orders_services_as_the_public_search_does(postcode: str, demo_client: FlaskClient,
                                                                   shared_demo_app: Flask) -> None:
    expected, count = public_search_uids(demo_client, shared_demo_app, "", postcode=postcode)
    got = ids(all_pages(demo_client, f"/api/services?postcode={postcode.replace(' ', '+')}"))
    assert got == expected and len(got) == count
    assert got != ids(all_pages(demo_client, "/api/services")), "near a postcode the order should change"


# --- day, start_time, end_time ----------------------------------------------------------------------------


def _clock(value: object) -> str:
    """A stored time as HH:MM:SS (SQLite gives '09:00:00.000000', PostgreSQL a time)."""
    return str(value)[:8]


def open_then(app: Flask, day: str | None, start: str, end: str) -> set[str]:
    """Listings with an opening rule on ``day`` (any day when None) whose hours overlap [start, end), by
    plain SQL over opening_time: a weekly, fortnightly or monthly rule is on its days, a one-off event's
    times on the weekday of its date, and 24/7 on every day at every time. Hours that only touch the window
    (closing at ``start``, opening at ``end``) do not overlap it."""
    rows = sql(app, "SELECT s.uid, s.event_date, o.frequency, CAST(o.days AS TEXT), o.opens_at, o.closes_at "
                    "FROM opening_time o JOIN service s ON s.id = o.service_id")
    found = set()
    for uid, event_date, frequency, days, opens, closes in rows:
        if frequency == "always":
            found.add(uid)
            continue
        on = [WEEKDAYS[date.fromisoformat(str(event_date)).weekday()]] if frequency == "event" else json.loads(days)
        # Hours past midnight (closing before opening) are two spans: to midnight on the rule's days, and
        # from midnight on the days after.
        spans = [(on, _clock(opens), _clock(closes))]
        if _clock(closes) < _clock(opens):
            after = [WEEKDAYS[(WEEKDAYS.index(d) + 1) % 7] for d in on]
            spans = [(on, _clock(opens), "24:00:00"), (after, "00:00:00", _clock(closes))]
        if any((day is None or day in days_on) and begin < end and finish > start for days_on, begin, finish in spans):
            found.add(uid)
    return found


WINDOWS = [
    ("MO", None, None, "Mon"), ("saturday", None, None, "Sat"), ("Sun", None, None, "Sun"),
    (None, "18:00", None, None), (None, None, "09:00", None), ("WE", "12:00", "14:00", "Wed"),
    ("TH", "17:00", "19:30", "Thu"), ("Friday", "09:00:00", "09:30:00", "Fri"), (None, "17:00", "17:01", None),
    ("TU", "20:00", None, "Tue"), ("SA", None, "10:00", "Sat"),
    ("TU", "02:00", "03:00", "Tue"),  # the small hours: 24/7 listings, and those open overnight from Monday
]


@pytest.mark.parametrize(("day", "start", "end", "weekday"), WINDOWS)
def test_day_and_times_keep_listings_open_in_that_window(day: str | None, start: str | None, end: str | None,
                                                         weekday: str | None, demo_client: FlaskClient,
                                                         shared_demo_app: Flask, public: frozenset[str],
                                                         places: list[dict[str, Any]]) -> None:
    expected = open_then(shared_demo_app, weekday, f"{start}:00"[:8] if start else "00:00:00",
                         f"{end}:00"[:8] if end else "24:00:00") & public
    query = "&".join(f"{name}={value}" for name, value in (("day", day), ("start_time", start), ("end_time", end))
                     if value is not None)
    got = ids(all_pages(demo_client, f"/api/services?{query}"))
    assert len(got) == len(set(got))
    assert set(got) == expected
    got_places = all_pages(demo_client, f"/api/service_at_locations?{query}")
    assert Counter(map(place_key, got_places)) == Counter(place_key(p) for p in places
                                                          if p["service_id"] in expected)
    assert 0 < len(expected) < len(public), "a case that should keep some and leave some"


# --- together ---------------------------------------------------------------------------------------------


def test_filters_combine_and_keep_the_search_order(demo_client: FlaskClient) -> None:
    accessibility = next(t["taxonomy_id"] for t in all_pages(demo_client, "/api/taxonomy_terms")
                         if t["taxonomy"] == "accessibility")
    parts = {"taxonomy": f"taxonomy_id={accessibility}", "open": "day=MO&start_time=10:00&end_time=12:00",
             "near": "postcode=BA1+1AA&proximity=20000"}
    kept = [set(ids(all_pages(demo_client, f"/api/services?search=support&{part}"))) for part in parts.values()]
    # The order is the search's near the postcode; proximity only takes listings out of it.
    everything = ids(all_pages(demo_client, "/api/services?search=support&postcode=BA1+1AA"))
    together = ids(all_pages(demo_client, "/api/services?search=support&" + "&".join(parts.values())))
    expected = [uid for uid in everything if all(uid in k for k in kept)]
    assert together == expected
    assert 0 < len(together) < min(map(len, kept))


# --- one place, one listing -------------------------------------------------------------------------------


@contextmanager
def watching(app: Flask) -> Iterator[tuple[list[str], Counter[str]]]:
    """The SQL statements sent, and the rows loaded as ORM objects (by class), while inside."""
    statements: list[str] = []
    loaded: Counter[str] = Counter()

    def sent(_connection: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    def load(target: object, _context: object) -> None:
        loaded[type(target).__name__] += 1

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", sent)
    event.listen(db.Model, "load", load, propagate=True)
    try:
        yield statements, loaded
    finally:
        event.remove(engine, "before_cursor_execute", sent)
        event.remove(db.Model, "load", load)


def test_one_place_is_answered_by_loading_one_listing(demo_client: FlaskClient, shared_demo_app: Flask,
                                                      places: list[dict[str, Any]]) -> None:
    place = places[len(places) // 2]
    [(locations,)] = sql(shared_demo_app, "SELECT COUNT(*) FROM location l JOIN service s ON s.id = l.service_id "
                                          "WHERE s.uid = :uid", uid=place["service_id"])
    with watching(shared_demo_app) as (statements, loaded):
        document = fetch(demo_client, f"/api/service_at_locations/{place['id']}")
    assert document == place
    assert loaded["Service"] == 1, f"{loaded['Service']} listings loaded to answer for one place"
    assert loaded["Location"] == locations, loaded
    # Finding the listing (one statement), then it and its parts (one each).
    assert len(statements) <= 7, "\n".join(statements)
