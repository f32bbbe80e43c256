"""Postcode geography: ``postcodes load`` (the ONS Postcode Directory), the bundled districts with the border
districts known only by their area, placing a postcode in the search, the API and saved listings, and
refusing a listing's postcode in a district the site does not know.

``tests/data/onspd-sample.csv`` is a hand-made file in the ONSPD's own format (its real header, lower-case as
recent releases write it): real-looking postcodes whose coordinates are invented near their districts'
centres, with one terminated postcode in BA2 and one in BS39 (``doterm`` set) and one live postcode with no
grid reference (BA1 0AQ: ``lat`` 99.999999, ``long`` 0.000000, ``osgrdind`` 9). The oracles are that file
read here with ``csv``, plain SQL on the tables, and distances worked out here by hand (haversine).
"""

import csv
import html
import io
import json
import math
import re
from pathlib import Path

from flask import Flask
from sqlalchemy import text

from app.extensions import db
from app.geography.placing import Precision, place_postcode
from tests.perf.onspd import write_onspd
from tests.test_import import GOOD_ROW, csv_text
from tests.test_oruk_import import example, import_oruk, write

SAMPLE = Path(__file__).parent / "data" / "onspd-sample.csv"
# By hand from the sample: the live postcodes with a grid reference.
KEPT = {"BA1 1SU", "BA1 2QH", "BA2 0PX", "BA2 4JT", "BA3 2HQ", "BS31 1FS", "BS31 3BY", "BA11 1AA", "BS1 4DJ",
        "SN14 8JA"}
BA2_CENTRE = (51.36006, -2.37768)  # docs/local-facts.md
EARTH_RADIUS_KM = 6371.0


def sample_rows() -> list[dict[str, str]]:
    with SAMPLE.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def sample_point(postcode: str) -> tuple[float, float]:
    row = next(row for row in sample_rows() if row["pcds"] == postcode)
    return float(row["lat"]), float(row["long"])


def load(app: Flask, path: Path):
    return app.test_cli_runner().invoke(args=["postcodes", "load", str(path)])


def table(app: Flask) -> dict[str, tuple[str, float, float, str]]:
    with app.app_context():
        found = db.session.execute(text(
            "SELECT postcode, district, latitude, longitude, local_authority FROM postcode")).all()
    return {postcode: (district, latitude, longitude, authority)
            for postcode, district, latitude, longitude, authority in found}


def km_between(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(h))


def with_header(rows: list[dict[str, str]], header: list[str] | None = None) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header or list(rows[0]), lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


# --- loading the directory ---------------------------------------------------------------------------------


def test_only_live_postcodes_with_a_grid_reference_are_kept_with_their_coordinates(app: Flask) -> None:
    result = load(app, SAMPLE)

    assert result.exit_code == 0, result.output
    assert "10 live postcodes kept; left out 2 terminated, 1 without a grid reference and 0 unreadable" in \
        result.output
    expected = {row["pcds"]: (row["pcds"].split()[0], float(row["lat"]), float(row["long"]), row["oslaua"])
                for row in sample_rows() if not row["doterm"] and row["lat"] != "99.999999"}
    assert set(expected) == KEPT
    assert table(app) == expected
    with app.app_context():
        audit = db.session.execute(text(
            "SELECT subject, detail FROM audit_event WHERE action = 'postcode directory loaded'")).all()
    assert len(audit) == 1 and audit[0][0] == "onspd-sample.csv" and "10 live postcodes kept" in audit[0][1]


def test_a_second_load_replaces_the_first(app: Flask, tmp_path: Path) -> None:
    assert load(app, SAMPLE).exit_code == 0
    rows = sample_rows()
    moved = {**rows[0], "lat": "51.382000", "long": "-2.360000"}  # BA1 1SU somewhere else
    newer = {**rows[1], "pcd": "BA1 3AA", "pcd2": "BA1  3AA", "pcds": "BA1 3AA"}
    path = tmp_path / "ONSPD_NEWER_UK.csv"
    path.write_text(with_header([moved, newer]), encoding="utf-8")

    result = load(app, path)

    assert result.exit_code == 0, result.output
    assert table(app) == {"BA1 1SU": ("BA1", 51.382, -2.36, "E06000022"),
                          "BA1 3AA": ("BA1", float(rows[1]["lat"]), float(rows[1]["long"]), "E06000022")}


def test_upper_case_headers_are_read_too(app: Flask, tmp_path: Path) -> None:
    rows = sample_rows()
    path = tmp_path / "upper.csv"
    path.write_text(with_header(rows).replace(",".join(rows[0]), ",".join(rows[0]).upper(), 1), encoding="utf-8")
    assert load(app, path).exit_code == 0
    assert set(table(app)) == KEPT


def test_a_file_without_the_columns_is_refused_and_the_directory_stays(app: Flask, tmp_path: Path) -> None:
    assert load(app, SAMPLE).exit_code == 0
    before = table(app)
    rows = sample_rows()
    header = [name for name in rows[0] if name not in {"lat", "long"}]
    path = tmp_path / "no-coordinates.csv"
    path.write_text(with_header(rows, header), encoding="utf-8")

    result = load(app, path)

    assert result.exit_code == 1
    assert "the file has no lat, long columns" in result.output
    assert "the postcode directory is unchanged" in result.output
    assert table(app) == before


def test_a_load_that_fails_part_way_leaves_the_directory_as_it_was(app: Flask, tmp_path: Path) -> None:
    """A postcode twice fails only when it is inserted, after the old rows were deleted: one transaction."""
    assert load(app, SAMPLE).exit_code == 0
    before = table(app)
    rows = sample_rows()
    path = tmp_path / "twice.csv"
    path.write_text(with_header([rows[0], rows[1], rows[0]]), encoding="utf-8")

    result = load(app, path)

    assert result.exit_code == 1
    assert "a postcode is in the file twice; the postcode directory is unchanged" in result.output
    assert table(app) == before
    with app.app_context():
        assert db.session.scalar(text(
            "SELECT count(*) FROM audit_event WHERE action = 'postcode directory loaded'")) == 1


# --- placing in the search and the API ---------------------------------------------------------------------


def food_bank(app: Flask) -> tuple[int, tuple[float, float]]:
    """Radstock Food Bank (BA3 3AA, not in the sample): its id and its place, as stored."""
    with app.app_context():
        service_id, latitude, longitude = db.session.execute(text(
            "SELECT s.id, l.latitude, l.longitude FROM service s JOIN location l ON l.service_id = s.id "
            "WHERE s.external_id = 'demo-167'")).one()
    return service_id, (latitude, longitude)


def distance_shown(app: Flask, service_id: int, postcode: str) -> str:
    page = app.test_client().get("/search", query_string={"q": "Radstock Food Bank", "postcode": postcode})
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    result = re.search(rf'<a href="/services/{service_id}">.*?(?=<li class="wa-result">|</ol>)', shown, re.S)
    assert result, "the food bank is not among the results"
    distance = re.search(r"<strong>Distance:</strong> ([^<]*)</li>", result.group(0))
    assert distance, "no distance shown for the food bank"
    return distance.group(1).strip()


def band(km: float) -> int:
    """The search's distance bands (design §6): within 5 km, within 15 km, further."""
    return 0 if km <= 5 else 1 if km <= 15 else 2


def test_a_full_postcode_is_placed_exactly_once_the_directory_is_loaded(demo_app: Flask) -> None:
    """BA2 0PX (Camerton, in the sample) is far from the centre of BA2: measured from the district's centre the
    food bank is in the 15 km band; from the postcode's own point, in the 5 km band."""
    service_id, place = food_bank(demo_app)
    before_km = km_between(BA2_CENTRE, place)
    assert band(before_km) == 1
    assert distance_shown(demo_app, service_id, "BA2 0PX") == f"about {before_km * 0.621371:.0f} miles"

    assert load(demo_app, SAMPLE).exit_code == 0

    assert food_bank(demo_app)[1] == place, "a listing whose postcode is not in the directory keeps its place"
    after_km = km_between(sample_point("BA2 0PX"), place)
    assert band(after_km) == 0
    assert distance_shown(demo_app, service_id, "BA2 0PX") == f"about {after_km * 0.621371:.0f} miles"
    # The district alone is still its centre.
    assert distance_shown(demo_app, service_id, "BA2") == f"about {before_km * 0.621371:.0f} miles"


def test_loading_places_listings_again_at_their_postcodes_points(demo_app: Flask) -> None:
    with demo_app.app_context():
        in_sample = db.session.execute(text(
            "SELECT id, postcode FROM location WHERE postcode IN ('BA3 2HQ', 'BS31 1FS', 'BA2 4JT')")).all()
    assert in_sample, "the demo has listings at postcodes of the sample"

    result = load(demo_app, SAMPLE)

    assert result.exit_code == 0, result.output
    with demo_app.app_context():
        for location_id, postcode in in_sample:
            point = db.session.execute(text("SELECT latitude, longitude FROM location WHERE id = :id"),
                                       {"id": location_id}).one()
            assert tuple(point) == sample_point(postcode)


def test_a_border_postcode_without_a_directory_is_its_area_never_a_distance(demo_app: Flask) -> None:
    client = demo_app.test_client()
    near = client.get("/search", query_string={"postcode": "BA11 4AB"})
    by_area = client.get("/search", query_string={"area": "somerset"})

    assert near.status_code == 200
    page = near.get_data(as_text=True)
    note = re.search(r'<span class="wa-page-note" id="postcode-note">(.*?)</span>', page)
    assert note and html.unescape(note.group(1)) == \
        "We can't measure distances from BA11 yet, so these are services for Somerset (including Frome)"
    assert "Distance:" not in page and "nhsuk-error-summary" not in page
    listed = re.findall(r'<li class="wa-result">\s*<h2[^>]*><a href="/services/(\d+)"', page)
    assert listed and listed == re.findall(r'<li class="wa-result">\s*<h2[^>]*><a href="/services/(\d+)"',
                                           by_area.get_data(as_text=True))
    # Every listing found serves Somerset (or anywhere in the UK), by plain SQL.
    with demo_app.app_context():
        for service_id in listed:
            areas = db.session.scalar(text("SELECT areas FROM service WHERE id = :id"), {"id": int(service_id)})
            areas = json.loads(areas) if isinstance(areas, str) else areas
            assert {"somerset", "national"} & set(areas)

    api = client.get("/api/services", query_string={"postcode": "BA11 4AB"})
    assert api.status_code == 400
    assert "BA11 is in Somerset (including Frome)" in api.get_json()["error"]


def test_a_postcode_only_the_directory_knows_is_placed_after_the_load(demo_app: Flask) -> None:
    client = demo_app.test_client()
    assert client.get("/api/services", query_string={"postcode": "SN14 8JA"}).status_code == 400
    assert load(demo_app, SAMPLE).exit_code == 0
    assert client.get("/api/services", query_string={"postcode": "SN14 8JA"}).status_code == 200
    assert client.get("/api/services", query_string={"postcode": "BA11 1AA"}).status_code == 200  # now exact


# --- listings' postcodes -----------------------------------------------------------------------------------


def import_rows(app: Flask, tmp_path: Path, rows: list[dict[str, str]]):
    path = tmp_path / "listings.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    return app.test_cli_runner().invoke(args=["import", "services", str(path)])


def stored_points(app: Flask) -> dict[str, tuple[float | None, float | None]]:
    with app.app_context():
        found = db.session.execute(text("SELECT postcode, latitude, longitude FROM location")).all()
    return {postcode: (latitude, longitude) for postcode, latitude, longitude in found}


def listing_at(number: int, postcode: str, area: str = "bath") -> dict[str, str]:
    return {**GOOD_ROW, "external_id": f"agency-{number}", "name": f"Listing {number}", "postcode": postcode,
            "areas": area}


def test_a_postcode_in_an_unknown_district_is_refused_with_its_line(app: Flask, tmp_path: Path) -> None:
    result = import_rows(app, tmp_path, [listing_at(1, "BA2 4JT"), listing_at(2, "ZZ99 9ZZ")])

    assert result.exit_code == 1
    assert "line 3: postcode: 'ZZ99 9ZZ' is not in a postcode district we know (ZZ99)" in result.output
    assert not any("line 2:" in line for line in result.output.splitlines())
    assert stored_points(app) == {}


def test_an_oruk_service_in_an_unknown_district_is_refused(app: Flask, tmp_path: Path) -> None:
    record = example()
    record["service_at_locations"][0]["location"]["addresses"][0]["postal_code"] = "ZZ99 9ZZ"

    result = import_oruk(app, write(tmp_path / "zz99.json", record), "--confirmed-today")

    assert result.exit_code == 1
    assert re.search(r"service 1 .*'ZZ99 9ZZ' is not in a postcode district we know \(ZZ99\)", result.output), \
        result.output
    assert stored_points(app) == {}


def test_saved_listings_are_placed_by_their_district_without_a_directory(app: Flask, tmp_path: Path) -> None:
    result = import_rows(app, tmp_path, [listing_at(1, "BA2 4JT"), listing_at(2, "BA11 4AB", "somerset")])

    assert result.exit_code == 0, result.output
    assert stored_points(app) == {"BA2 4JT": BA2_CENTRE, "BA11 4AB": (None, None)}  # BA11: an area, no centre


def test_saved_listings_get_their_postcodes_own_point_with_a_directory(app: Flask, tmp_path: Path) -> None:
    assert import_rows(app, tmp_path, [listing_at(1, "SN14 8JA", "south-gloucestershire")]).exit_code == 1
    assert load(app, SAMPLE).exit_code == 0

    result = import_rows(app, tmp_path, [
        listing_at(1, "BA2 4JT"),  # in the directory
        listing_at(2, "BA2 7AA"),  # not in it: the centre of its district
        listing_at(3, "SN14 8JA", "south-gloucestershire"),  # a district only the directory knows
    ])

    assert result.exit_code == 0, result.output
    assert stored_points(app) == {"BA2 4JT": sample_point("BA2 4JT"), "BA2 7AA": BA2_CENTRE,
                                  "SN14 8JA": sample_point("SN14 8JA")}


def test_a_thousand_row_directory_places_each_of_its_postcodes_exactly(app: Flask, tmp_path: Path) -> None:
    """A made-up ONSPD file of 1,000 rows (seeded): the kept postcodes are exactly the file's live ones with
    a grid reference, read here with ``csv``, and each is placed at its own point."""
    path = tmp_path / "ONSPD_TEST_UK.csv"
    write_onspd(path, 1000, seed=19)
    with path.open(encoding="utf-8", newline="") as handle:
        expected = {row["pcds"]: (float(row["lat"]), float(row["long"])) for row in csv.DictReader(handle)
                    if not row["doterm"] and row["osgrdind"] != "9"}
    assert 800 < len(expected) < 1000  # some terminated and some unplaced rows were left out

    result = load(app, path)

    assert result.exit_code == 0, result.output
    assert {postcode: (lat, lon) for postcode, (_, lat, lon, _) in table(app).items()} == expected
    with app.app_context():
        for postcode, point in expected.items():
            placing = place_postcode(postcode)
            assert placing.precision is Precision.EXACT, postcode
            assert (placing.centre.latitude, placing.centre.longitude) == point, postcode
