"""`flask --app wsgi import services`: all rows checked first, every bad row reported, all or nothing."""

import csv
import io
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from app.directory.csv_format import COLUMNS
from app.directory.models import Organisation, Revision, Service
from app.extensions import db

GOOD_ROW = {
    "external_id": "agency-1",
    "organisation": "Widcombe Wellbeing Trust",
    "kind": "service",
    "name": "Widcombe Talking Space",
    "summary": "Free counselling for adults in Bath",
    "description": "Free **counselling** with a trained volunteer, in person or by phone.",
    "categories": "mental-health;wellbeing",
    "audiences": "",
    "clusters_main": "1;2",
    "clusters_also": "3",
    "all_clusters": "no",
    "min_age": "18",
    "max_age": "",
    "cost": "free",
    "cost_detail": "",
    "referral": "self;gp",
    "access": "in-person;phone",
    "accessibility": "wheelchair;hearing-loop",
    "areas": "bath",
    "address": "2 Widcombe Parade, Bath",
    "postcode": "ba2 4jt",
    "phone": "01632 960101",
    "email": "hello@widcombewellbeing.org.uk",
    "website": "https://www.widcombewellbeing.org.uk",
    "opening_hours": "Mon-Fri 09:00-17:00; Wed 18:00-20:00",
    "event_date": "",
    "assured_at": "2026-10-01",
}


def csv_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def rows_with_three_bad() -> list[dict[str, str]]:
    return [
        GOOD_ROW,
        {**GOOD_ROW, "external_id": "agency-2", "name": "Bad category", "categories": "mental-health;gardening"},
        {**GOOD_ROW, "external_id": "agency-3", "name": "Bad ages", "min_age": "30", "max_age": "20"},
        {**GOOD_ROW, "external_id": "agency-4", "name": "Bad date", "kind": "event", "event_date": "2026-02-30",
         "opening_hours": "10:00-12:00"},
    ]


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Service, Organisation, Revision)}


def test_three_bad_rows_are_all_reported_and_nothing_changes(app: Flask, runner, tmp_path: Path) -> None:
    before = counts(app)
    path = tmp_path / "bad.csv"
    path.write_text(csv_text(rows_with_three_bad()), encoding="utf-8")

    result = runner.invoke(args=["import", "services", str(path)])

    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert any("line 3:" in line and "'gardening' is not a known category" in line for line in lines)
    assert any("line 4:" in line and "minimum age (30) is greater than the maximum age (20)" in line for line in lines)
    assert any("line 5:" in line and "'2026-02-30' is not a date" in line for line in lines)
    assert not any("line 2:" in line for line in lines)
    assert "nothing was imported" in result.output
    assert counts(app) == before


def test_the_summary_counts_the_bad_rows_not_all_rows(runner, tmp_path: Path) -> None:
    """Seven of eleven rows are bad, one of them twice over: the summary said "in 11 row(s)" before."""
    good = [{**GOOD_ROW, "external_id": f"good-{number}", "name": f"Good row {number}"} for number in range(4)]
    bad = [{**GOOD_ROW, "external_id": f"bad-{number}", "name": f"Bad row {number}", "categories": "gardening"}
           for number in range(6)]
    twice_bad = {**GOOD_ROW, "external_id": "bad-twice", "name": "Twice bad", "categories": "gardening",
                 "min_age": "30", "max_age": "20"}
    path = tmp_path / "seven-bad.csv"
    path.write_text(csv_text([*good, *bad, twice_bad]), encoding="utf-8")

    result = runner.invoke(args=["import", "services", str(path)])

    assert result.exit_code == 1
    assert "8 problems in 7 of 11 rows; nothing was imported." in result.output


def test_line_numbers_count_multi_line_descriptions(app: Flask, runner, tmp_path: Path) -> None:
    multi_line = {**GOOD_ROW, "description": "Free counselling.\n\n- six sessions\n- in person or by phone"}
    rows = [multi_line, {**GOOD_ROW, "external_id": "agency-2", "name": "Second", "cost": "expensive"}]
    path = tmp_path / "multi.csv"
    path.write_text(csv_text(rows), encoding="utf-8")

    result = runner.invoke(args=["import", "services", str(path)])

    # The first record's description spans four lines (2-5), so the second record starts on line 6.
    assert "line 6: cost: 'expensive'" in result.output


def test_corrected_file_imports_and_reimport_updates(app: Flask, runner, tmp_path: Path) -> None:
    fixed = [
        GOOD_ROW,
        {**GOOD_ROW, "external_id": "agency-2", "name": "Fixed category", "categories": "mental-health"},
        {**GOOD_ROW, "external_id": "agency-3", "name": "Fixed ages", "min_age": "20", "max_age": "30"},
        {**GOOD_ROW, "external_id": "agency-4", "name": "Fixed date", "kind": "event", "event_date": "2027-02-27",
         "opening_hours": "10:00-12:00"},
    ]
    path = tmp_path / "fixed.csv"
    path.write_text(csv_text(fixed), encoding="utf-8")

    first = runner.invoke(args=["import", "services", str(path)])
    assert first.exit_code == 0, first.output
    assert "4 were created" in first.output
    assert counts(app)["Service"] == 4

    fixed[0] = {**GOOD_ROW, "summary": "Free counselling for adults in Bath and Keynsham", "areas": "bath;keynsham"}
    path.write_text(csv_text(fixed), encoding="utf-8")
    second = runner.invoke(args=["import", "services", str(path)])

    assert second.exit_code == 0, second.output
    assert "0 were created, 1 were updated, 3 unchanged" in second.output
    assert counts(app)["Service"] == 4
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.external_id == "agency-1"))
        assert service.summary == "Free counselling for adults in Bath and Keynsham"
        assert service.areas == ["bath", "keynsham"]
        assert len(service.revisions) == 2  # one per applied change, none for an unchanged row


def test_imported_fields_are_stored_in_full(app: Flask, runner, tmp_path: Path) -> None:
    row = {**GOOD_ROW, "cost": "low-cost", "cost_detail": "Full price £12.50 per session; Concessions £5 per session"}
    path = tmp_path / "one.csv"
    path.write_text(csv_text([row]), encoding="utf-8")
    assert runner.invoke(args=["import", "services", str(path)]).exit_code == 0

    with app.app_context():
        service = db.session.scalar(select(Service))
        assert service.organisation.name == "Widcombe Wellbeing Trust"
        assert service.clusters_with("main") == [1, 2] and service.clusters_with("also") == [3]
        assert [(o.option, str(o.amount), o.per) for o in service.cost_options] == [
            ("Full price", "12.50", "session"), ("Concessions", "5.00", "session")]
        location = service.locations[0]
        assert (location.postcode, round(location.latitude, 3)) == ("BA2 4JT", 51.36)  # BA2 centroid
        assert [(t.frequency, t.days, f"{t.opens_at:%H:%M}") for t in service.opening_times] == [
            ("weekly", ["Mon", "Tue", "Wed", "Thu", "Fri"], "09:00"), ("weekly", ["Wed"], "18:00")]
        assert service.min_age == 18 and service.max_age is None
        assert service.status == "published"


def test_dry_run_writes_nothing(app: Flask, runner, tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text(csv_text([GOOD_ROW]), encoding="utf-8")

    result = runner.invoke(args=["import", "services", str(path), "--dry-run"])

    assert result.exit_code == 0, result.output
    assert "1 would be created" in result.output and "Dry run" in result.output
    assert counts(app) == {"Service": 0, "Organisation": 0, "Revision": 0}


def test_file_level_problems(app: Flask, runner, tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("organisation,name,colour\nA,B,blue\n", encoding="utf-8")
    result = runner.invoke(args=["import", "services", str(path)])
    assert result.exit_code == 1
    assert "unknown column(s) colour" in result.output

    path.write_bytes("organisation,name\nCafé,Caf\xe9\n".encode("latin-1"))
    result = runner.invoke(args=["import", "services", str(path)])
    assert result.exit_code == 1
    assert "not UTF-8" in result.output


def test_duplicate_external_ids_in_one_file(app: Flask, runner, tmp_path: Path) -> None:
    path = tmp_path / "dupe.csv"
    path.write_text(csv_text([GOOD_ROW, {**GOOD_ROW, "name": "Another"}]), encoding="utf-8")
    result = runner.invoke(args=["import", "services", str(path)])
    assert result.exit_code == 1
    assert "line 3: external_id: 'agency-1' is also on line 2" in result.output
