"""What an import does with the columns a file leaves out and the cells it leaves empty (issue 18).

The public CSV has no care-cluster columns (clusters are for referrers only), so re-importing it must keep
each listing's clusters, and the dry run must say so. A column left out of the header leaves that field as
it is on existing listings; an empty cell in a column that is there clears the field, and the dry run
counts the listings that would lose a value. Every check of the database is plain SQL.
"""

import csv
import html
import io
import re
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from app.extensions import db
from app.timeutil import today
from tests.web import csrf_token, new_client, sign_in

PASSWORD = "a long admin test password"
ALL_COLUMNS = [
    "external_id", "organisation", "kind", "name", "summary", "description", "categories", "audiences",
    "clusters_main", "clusters_also", "all_clusters", "min_age", "max_age", "cost", "cost_detail", "referral",
    "access", "accessibility", "areas", "address", "postcode", "phone", "email", "website", "opening_hours",
    "event_date", "assured_at",
]


def row(external_id: str, name: str, **changes: str) -> dict[str, str]:
    base = {column: "" for column in ALL_COLUMNS} | {
        "external_id": external_id, "organisation": "Larkhall Neighbours", "kind": "service", "name": name,
        "summary": f"{name} in Larkhall", "description": "Drop in for a cup of tea and a chat.",
        "categories": "wellbeing", "clusters_main": "1;2", "clusters_also": "3", "all_clusters": "no",
        "min_age": "18", "cost": "free", "referral": "self", "access": "in-person", "areas": "bath",
        "address": "St Saviours Road, Larkhall, Bath", "postcode": "BA1 6RT", "phone": "01225 000111",
        "email": "hello@larkhall.example", "opening_hours": "Tue 10:00-12:00", "assured_at": today().isoformat(),
    }
    return base | changes


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] = ALL_COLUMNS) -> Path:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n", extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def run(app: Flask, *args: str, status: int = 0) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == status, result.output
    return result.output


def sql(app: Flask, query: str, **params: object) -> list[tuple]:
    with app.app_context():
        return [tuple(found) for found in db.session.execute(text(query), params)]


def clusters(app: Flask) -> list[tuple]:
    return sql(app, "SELECT service_id, cluster, focus FROM service_cluster ORDER BY service_id, cluster")


def listing(app: Flask, external_id: str, *columns: str) -> tuple:
    found = sql(app, f"SELECT {', '.join(columns)} FROM service WHERE external_id = :id", id=external_id)
    assert len(found) == 1, external_id
    return found[0]


def admin_browser(app: Flask) -> FlaskClient:
    run(app, "users", "create", "--email", "importer@wellaware.example", "--role", "admin", "--password", PASSWORD)
    client = new_client(app)
    sign_in(client, "importer@wellaware.example", PASSWORD)
    return client


def page_text(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


# --- the public CSV keeps the clusters ---------------------------------------------------------------------


def test_re_importing_the_public_csv_keeps_the_care_clusters(demo_app: Flask, tmp_path: Path) -> None:
    before = clusters(demo_app)
    assert len(before) > 100, "the demo should have many listings with clusters"
    path = tmp_path / "public.csv"
    run(demo_app, "export", "services", "--format", "csv", "--out", str(path))
    assert "cluster" not in path.read_text(encoding="utf-8").splitlines()[0]

    dry = run(demo_app, "import", "services", str(path), "--dry-run")
    for column in ("clusters_main", "clusters_also", "all_clusters"):
        assert f"{path}: {column}: not in this file, kept" in dry.splitlines()
    assert "would lose" not in dry
    assert clusters(demo_app) == before

    # The administrators' page says the same before anything is imported.
    client = admin_browser(demo_app)
    form = client.get("/admin/import").get_data(as_text=True)
    response = client.post("/admin/import", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(form), "csv_file": (io.BytesIO(path.read_bytes()), "public.csv")})
    assert response.status_code == 200
    report = page_text(response.get_data(as_text=True))
    assert "clusters_main: not in this file, kept" in report
    assert "all_clusters: not in this file, kept" in report

    done = run(demo_app, "import", "services", str(path))
    assert "0 were created, 0 were updated" in done
    assert clusters(demo_app) == before
    assert sql(demo_app, "SELECT COUNT(*) FROM service WHERE all_clusters = :yes", yes=True) != [(0,)]


def test_a_missing_column_keeps_existing_values_and_new_listings_get_the_default(app: Flask,
                                                                                 tmp_path: Path) -> None:
    run(app, "import", "services", str(write_csv(tmp_path / "first.csv", [row("lark-1", "Tea and Chat")])))
    left_out = ("kind", "clusters_main", "clusters_also", "address", "postcode", "phone", "opening_hours")
    columns = [c for c in ALL_COLUMNS if c not in left_out]
    path = write_csv(tmp_path / "second.csv", [row("lark-1", "Tea and Chat", summary="New summary"),
                                               row("lark-2", "Walking Group")], columns)

    dry = run(app, "import", "services", str(path), "--dry-run")
    assert [line for line in dry.splitlines() if "not in this file" in line] == [
        f"{path}: {column}: not in this file, kept" for column in left_out]
    assert "1 would be created, 1 would be updated" in dry
    run(app, "import", "services", str(path))

    assert listing(app, "lark-1", "summary", "phone", "kind") == ("New summary", "01225 000111", "service")
    assert listing(app, "lark-2", "phone", "kind") == ("", "service")
    assert sql(app, "SELECT s.external_id, COUNT(*) FROM opening_time t JOIN service s ON s.id = t.service_id "
                    "GROUP BY s.external_id") == [("lark-1", 1)]
    assert sql(app, "SELECT s.external_id, c.cluster, c.focus FROM service_cluster c JOIN service s "
                    "ON s.id = c.service_id ORDER BY s.external_id, c.cluster") == [
        ("lark-1", 1, "main"), ("lark-1", 2, "main"), ("lark-1", 3, "also")]
    assert sql(app, "SELECT s.external_id, l.address, l.postcode FROM location l JOIN service s "
                    "ON s.id = l.service_id ORDER BY s.external_id") == [
        ("lark-1", "St Saviours Road, Larkhall, Bath", "BA1 6RT")]


def test_address_and_postcode_come_together(app: Flask, tmp_path: Path) -> None:
    """Each postcode belongs to the address beside it, so a file cannot keep one and replace the other."""
    columns = [c for c in ALL_COLUMNS if c != "postcode"]
    output = run(app, "import", "services", str(write_csv(tmp_path / "a.csv", [row("a-1", "Tea")], columns)),
                 status=1)
    assert "line 1: the header has address but no postcode column; give both or neither" in output
    assert sql(app, "SELECT COUNT(*) FROM service") == [(0,)]


# --- an empty cell clears --------------------------------------------------------------------------------


def test_an_empty_cell_clears_the_field_and_the_dry_run_counts_the_listings_losing_it(app: Flask,
                                                                                      tmp_path: Path) -> None:
    names = {f"lark-{n}": f"Listing {n}" for n in range(1, 6)}
    run(app, "import", "services", str(write_csv(tmp_path / "first.csv", [row(k, v) for k, v in names.items()])))
    emptied = [
        row("lark-1", names["lark-1"], phone=""),
        row("lark-2", names["lark-2"], phone="", email=""),
        row("lark-3", names["lark-3"], phone="", clusters_main=""),
        row("lark-4", names["lark-4"]),
        row("lark-5", names["lark-5"], email="hello@larkhall.example"),
        row("lark-6", "A new listing", phone="", email=""),  # nothing to lose
    ]
    path = write_csv(tmp_path / "second.csv", emptied)

    dry = run(app, "import", "services", str(path), "--dry-run").splitlines()
    assert f"{path}: phone: 3 listings would lose their value" in dry
    assert f"{path}: email: 1 listing would lose its value" in dry
    assert f"{path}: clusters_main: 1 listing would lose its value" in dry
    assert not [line for line in dry if "would lose" in line and ("audiences" in line or "not in this" in line)]
    assert sql(app, "SELECT COUNT(*) FROM service WHERE phone = ''") == [(0,)]

    done = run(app, "import", "services", str(path)).splitlines()
    assert f"{path}: phone: 3 listings lost their value" in done
    assert sql(app, "SELECT external_id FROM service WHERE phone = '' ORDER BY external_id") == [
        ("lark-1",), ("lark-2",), ("lark-3",), ("lark-6",)]
    assert sql(app, "SELECT external_id FROM service WHERE email = '' ORDER BY external_id") == [
        ("lark-2",), ("lark-6",)]
    assert sql(app, "SELECT c.cluster FROM service_cluster c JOIN service s ON s.id = c.service_id "
                    "WHERE s.external_id = 'lark-3'") == [(3,)]


def test_the_upload_page_shows_the_values_that_would_be_lost(app: Flask, tmp_path: Path) -> None:
    run(app, "import", "services", str(write_csv(tmp_path / "first.csv", [row("lark-1", "Tea and Chat")])))
    path = write_csv(tmp_path / "second.csv", [row("lark-1", "Tea and Chat", phone="")])
    client = admin_browser(app)
    form = client.get("/admin/import").get_data(as_text=True)
    response = client.post("/admin/import", content_type="multipart/form-data", data={
        "csrf_token": csrf_token(form), "csv_file": (io.BytesIO(path.read_bytes()), "second.csv")})
    assert response.status_code == 200
    assert "phone: 1 listing would lose its value" in page_text(response.get_data(as_text=True))
    assert listing(app, "lark-1", "phone") == ("01225 000111",)
