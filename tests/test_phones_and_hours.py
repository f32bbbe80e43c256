"""Issue 19: phone numbers checked and written the UK way, and opening times that cross midnight and carry a
note, through every way in and out (the listing form, the CSV and ORUK imports and exports, the listing page,
the evening and weekend filters and the API's hours).

What is stored is read back with plain SQL; what is expected is judged by hand.
"""

import csv
import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import text

from app.directory.phones import PhoneError, formatted_phone
from app.directory.schedule import ScheduleError, parse_opening_hours
from app.extensions import db
from tests import test_listing_form
from tests.conftest import _app_from
from tests.search_helpers import all_ids
from tests.test_import import GOOD_ROW, csv_text
from tests.test_listing_form import error_beside, listing_fields, trust, when_on_public_page
from tests.test_oruk_import import example, service_validator
from tests.web import submit

OVERNIGHT = "Fri 22:00-02:00 (term time only)"
OVERNIGHT_SPOKEN = "Friday, 10pm to 2am the next morning (term time only)"


def sql(app: Flask, query: str, **params: object) -> list[tuple[Any, ...]]:
    with app.app_context():
        rows = [tuple(row) for row in db.session.execute(text(query), params)]
        db.session.remove()
        return rows


def service_count(app: Flask) -> int:
    return sql(app, "SELECT count(*) FROM service")[0][0]


def clock(value: object) -> str:
    """A time column as HH:MM, whichever type the database returns it as."""
    return str(value)[:5]


def stored_hours(app: Flask, name: str) -> list[tuple[str, str, str, str, str]]:
    rows = sql(app, "SELECT o.frequency, CAST(o.days AS TEXT), o.opens_at, o.closes_at, o.note FROM opening_time o "
                    "JOIN service s ON s.id = o.service_id WHERE s.name = :name ORDER BY o.position", name=name)
    return [(frequency, "".join(json.loads(days)), clock(opens), clock(closes), note)
            for frequency, days, opens, closes, note in rows]


def run(app: Flask, *args: str) -> tuple[int, str]:
    result = app.test_cli_runner().invoke(args=list(args))
    return result.exit_code, result.output


def import_rows(app: Flask, tmp_path: Path, rows: list[dict[str, str]]) -> tuple[int, str]:
    path = tmp_path / "listings.csv"
    path.write_text(csv_text(rows), encoding="utf-8")
    return run(app, "import", "services", str(path))


editor = test_listing_form.editor  # an approved organisation's signed-in editor, as there


@pytest.fixture
def other_app(empty_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """A second empty directory, to import into what the first exported."""
    yield from _app_from(empty_template, tmp_path_factory.mktemp("other"))


# --- phone numbers, one by one ---------------------------------------------------------------------------

WRITTEN_AS = {
    "01225123456": "01225 123456",
    "(01225) 477 000": "01225 477000",
    "+44 1225 123456": "01225 123456",
    "+44 (0)808 800 5000": "0808 800 5000",
    "0300 123 3393": "0300 123 3393",
    "116123": "116 123",
    "116 111": "116 111",
    "111": "111",
    "999": "999",
    "112": "112",
    "+33 1 42 68 53 00": "+33 1 42 68 53 00",
    "01225 477000 ext 12": "01225 477000 x12",
}


@pytest.mark.parametrize("written", WRITTEN_AS)
def test_a_number_is_written_the_uk_way(written: str) -> None:
    assert formatted_phone(written, fictional=False) == WRITTEN_AS[written]


@pytest.mark.parametrize("written", ["abc", "0800 CALLNOW", "01225 12345", "12", "Tel: 01225 123456",
                                     "01225 123456 or 01225 654321"])
def test_what_is_not_a_number_in_use_is_refused_in_plain_words(written: str) -> None:
    refusal = f"^{re.escape(repr(written))} is not a phone number.*write it like 0117 496 0123$"
    with pytest.raises(PhoneError, match=refusal):
        formatted_phone(written, fictional=True)


@pytest.mark.parametrize("drama", ["01632 960440", "07700 900872", "0117 496 0100", "0808 157 0460",
                                   "020 7946 0123"])
def test_a_drama_number_is_refused_unless_fictional_numbers_are_allowed(drama: str) -> None:
    with pytest.raises(PhoneError, match="Ofcom keeps for TV and radio drama"):
        formatted_phone(drama, fictional=False)
    assert formatted_phone(drama.replace(" ", ""), fictional=True) == drama


# --- phone numbers through the imports and the form --------------------------------------------------------


def test_a_csv_row_with_a_bad_phone_is_refused_with_its_line_and_nothing_is_stored(app: Flask,
                                                                                   tmp_path: Path) -> None:
    rows = [GOOD_ROW, {**GOOD_ROW, "external_id": "agency-2", "name": "Bad phone", "phone": "abc"}]

    status, output = import_rows(app, tmp_path, rows)

    assert status == 1
    assert "line 3: phone: 'abc' is not a phone number: write it like 0117 496 0123" in output, output
    assert not any(line.startswith("line 2") or ": line 2:" in line for line in output.splitlines())
    assert service_count(app) == 0


def test_csv_numbers_are_stored_written_the_uk_way(app: Flask, tmp_path: Path) -> None:
    rows = [{**GOOD_ROW, "external_id": "a", "name": "Landline", "phone": "01225123456"},
            {**GOOD_ROW, "external_id": "b", "name": "Short number", "phone": "116 123"},
            {**GOOD_ROW, "external_id": "c", "name": "Drama", "phone": "07700900123"}]

    status, output = import_rows(app, tmp_path, rows)

    assert status == 0, output
    assert dict(sql(app, "SELECT name, phone FROM service")) == {
        "Landline": "01225 123456", "Short number": "116 123", "Drama": "07700 900123"}


def test_a_drama_number_is_refused_where_fictional_numbers_are_not_allowed(app: Flask, tmp_path: Path) -> None:
    app.config["FICTIONAL_PHONE_NUMBERS"] = False  # as in production
    status, output = import_rows(app, tmp_path, [GOOD_ROW])  # its number is 01632 960101

    assert status == 1
    assert "line 2: phone: '01632 960101' is one of the numbers Ofcom keeps for TV and radio drama" in output, output
    assert service_count(app) == 0

    app.config["FICTIONAL_PHONE_NUMBERS"] = True
    status, output = import_rows(app, tmp_path, [GOOD_ROW])
    assert status == 0, output
    assert sql(app, "SELECT phone FROM service") == [("01632 960101",)]


def test_an_oruk_service_with_a_bad_phone_is_refused_by_its_number_and_nothing_is_stored(app: Flask,
                                                                                        tmp_path: Path) -> None:
    good, bad = example(), example()
    bad["id"] = "0d6e5f5c-6c3a-4c55-9a54-2f1f6c1c7a19"
    bad["name"] = "Bad phone"
    bad["contacts"] = [{"id": "5c5e2bba-7f0f-4d4c-a7b8-3a3b3a3b3a3b", "phones": [
        {"id": "6c5e2bba-7f0f-4d4c-a7b8-3a3b3a3b3a3b", "number": "abc"}]}]
    path = tmp_path / "services.json"
    path.write_text(json.dumps([good, bad]), encoding="utf-8")

    status, output = run(app, "import", "oruk", "--confirmed-today", str(path))

    assert status == 1
    assert "service 2 (Bad phone): phone: 'abc' is not a phone number: write it like 0117 496 0123" in output, output
    assert "service 1 (" in output and "service 1 (" + good["name"] + "): phone" not in output
    assert service_count(app) == 0


def test_the_listing_form_shows_a_bad_phone_beside_the_field_and_stores_nothing(app: Flask,
                                                                                editor: dict[str, object]) -> None:
    response = submit(editor["client"], editor["new"], listing_fields("Phone Test", phone="abc"))  # type: ignore[arg-type]

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert error_beside(page, "phone") == "'abc' is not a phone number: write it like 0117 496 0123"
    assert 'value="abc"' in page  # what was typed, to put right
    assert service_count(app) == 0


# --- opening times that cross midnight, with a note ------------------------------------------------------

def overnight_form(name: str) -> dict[str, object]:
    return listing_fields(name, **{"opening_rows-0-pattern": "weekly", "opening_rows-0-days": ["Fri"],
                                   "opening_rows-0-opens": "22:00", "opening_rows-0-closes": "02:00",
                                   "opening_rows-0-note": "term time only"})


def test_an_overnight_time_with_a_note_goes_through_the_form_to_the_page(app: Flask,
                                                                        editor: dict[str, object]) -> None:
    trust(app, editor["organisation_id"])  # type: ignore[arg-type]
    response = submit(editor["client"], editor["new"], overnight_form("Night Café"))  # type: ignore[arg-type]
    assert response.status_code == 302

    assert stored_hours(app, "Night Café") == [("weekly", "Fri", "22:00", "02:00", "term time only")]
    (service_id,) = sql(app, "SELECT id FROM service WHERE name = 'Night Café'")[0]
    _, items = when_on_public_page(app.test_client(), service_id)
    assert items == [OVERNIGHT_SPOKEN]

    # And the form shows it again as it was typed, to edit.
    page = editor["client"].get(f"/manage/services/{service_id}/edit").get_data(as_text=True)  # type: ignore[union-attr]
    assert 'value="term time only"' in page and 'value="02:00"' in page


def test_opening_and_closing_at_the_same_time_is_still_refused() -> None:
    with pytest.raises(ScheduleError, match="closes when it opens"):
        parse_opening_hours("Fri 22:00-22:00")


def export(app: Flask, format_name: str, path: Path) -> str:
    status, output = run(app, "export", "services", "--format", format_name, "--out", str(path))
    assert status == 0, output
    return path.read_text(encoding="utf-8")


def test_an_overnight_time_with_a_note_survives_the_csv_export_and_import(app: Flask, other_app: Flask,
                                                                        editor: dict[str, object],
                                                                        tmp_path: Path) -> None:
    trust(app, editor["organisation_id"])  # type: ignore[arg-type]
    submit(editor["client"], editor["new"], overnight_form("Night Café"))  # type: ignore[arg-type]

    exported = export(app, "csv", tmp_path / "out.csv")
    (row,) = list(csv.DictReader(io.StringIO(exported, newline="")))
    assert row["opening_hours"] == OVERNIGHT
    assert row["phone"] == "01225 555123"

    status, output = run(other_app, "import", "services", str(tmp_path / "out.csv"))
    assert status == 0, output
    assert stored_hours(other_app, "Night Café") == [("weekly", "Fri", "22:00", "02:00", "term time only")]
    assert export(other_app, "csv", tmp_path / "again.csv") == exported


def test_an_overnight_time_with_a_note_survives_the_oruk_export_and_import(app: Flask, other_app: Flask,
                                                                         editor: dict[str, object],
                                                                         tmp_path: Path) -> None:
    trust(app, editor["organisation_id"])  # type: ignore[arg-type]
    submit(editor["client"], editor["new"], overnight_form("Night Café"))  # type: ignore[arg-type]

    exported = export(app, "oruk", tmp_path / "out.json")
    (document,) = json.loads(exported)
    assert [f"{e.json_path}: {e.message}" for e in service_validator().iter_errors(document)] == []
    (schedule,) = document["schedules"]
    assert {key: schedule[key] for key in ("freq", "byday", "opens_at", "closes_at", "notes", "description")} == {
        "freq": "WEEKLY", "byday": "FR", "opens_at": "22:00:00", "closes_at": "02:00:00", "notes": "term time only",
        "description": OVERNIGHT_SPOKEN}

    status, output = run(other_app, "import", "oruk", str(tmp_path / "out.json"))
    assert status == 0, output
    assert stored_hours(other_app, "Night Café") == [("weekly", "Fri", "22:00", "02:00", "term time only")]
    assert export(other_app, "oruk", tmp_path / "again.json") == exported


# --- what the evening and weekend filters and the API's hours make of an overnight time ----------------------

NIGHTS = {
    # name: opening hours; the evening and weekend filters' answers, judged by hand (schedule.py's docstring)
    "Friday Night Shelter": ("Fri 22:00-02:00", True, False),  # Saturday's small hours are Friday night's
    "Sunday Night Line": ("Sun 22:00-02:00", True, True),
    "Saturday Morning Club": ("Sat 10:00-12:00", False, True),
    "Weekday Lunch": ("Mon-Fri 12:00-14:00", False, False),
}


@pytest.fixture
def nights(app: Flask, tmp_path: Path) -> dict[str, int]:
    rows = [{**GOOD_ROW, "external_id": f"night-{number}", "name": name, "opening_hours": hours}
            for number, (name, (hours, _, _)) in enumerate(NIGHTS.items())]
    status, output = import_rows(app, tmp_path, rows)
    assert status == 0, output
    return dict(sql(app, "SELECT name, id FROM service"))


def test_an_overnight_time_is_an_evening_and_a_weekend_only_when_it_opens_then(app: Flask,
                                                                              nights: dict[str, int]) -> None:
    evening = {nights[name] for name, (_, is_evening, _) in NIGHTS.items() if is_evening}
    weekend = {nights[name] for name, (_, _, is_weekend) in NIGHTS.items() if is_weekend}
    assert set(all_ids(app, when="evening")) == evening
    assert set(all_ids(app, when="weekend")) == weekend


API_WINDOWS = [
    # day, start, end, the listings open then (by hand)
    ("SA", "00:00", "03:00", {"Friday Night Shelter"}),
    ("SA", "03:00", "09:00", set()),
    ("FR", "23:00", None, {"Friday Night Shelter"}),
    ("FR", None, "22:00", {"Weekday Lunch"}),  # closing at the window's end is not open in it
    ("MO", "01:00", "01:30", {"Sunday Night Line"}),
    ("SU", "23:30", None, {"Sunday Night Line"}),
    (None, "01:00", "02:00", {"Friday Night Shelter", "Sunday Night Line"}),
    (None, "02:00", "09:00", set()),
]


@pytest.mark.parametrize(("day", "start", "end", "open_then"), API_WINDOWS)
def test_the_api_finds_an_overnight_time_in_the_small_hours_of_the_next_day(
        app: Flask, nights: dict[str, int], day: str | None, start: str | None, end: str | None,
        open_then: set[str]) -> None:
    query = {name: value for name, value in (("day", day), ("start_time", start), ("end_time", end)) if value}
    response = app.test_client().get("/api/services", query_string={**query, "per_page": 50})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert {service["name"] for service in response.get_json()["contents"]} == open_then
