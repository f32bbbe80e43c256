"""``export services --format csv|oruk|backup-csv`` (design §7, issue 7): exports round-trip through the
imports into an empty directory byte for byte; the public formats hold only public listings and never a
care cluster; the administrators' backup is the one export with clusters.

The demo is exported from the shared demo app (exporting only reads it) and imported into the ``app``
fixture's own empty database.
"""

import csv
import io
import json
import re
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import func, select

from app.directory.models import ClusterFocus, Organisation, Service, ServiceStatus
from app.directory.visibility import is_public
from app.extensions import db
from app.taxonomies import clusters

ORUK = Path(__file__).resolve().parents[1] / "data" / "oruk"  # vendored: see its README.md
# Design §7, in its order: the contract other tools depend on.
DESIGN_COLUMNS = [
    "external_id", "organisation", "kind", "name", "summary", "description", "categories", "audiences",
    "clusters_main", "clusters_also", "all_clusters", "min_age", "max_age", "cost", "cost_detail", "referral",
    "access", "accessibility", "areas", "address", "postcode", "phone", "email", "website", "opening_hours",
    "event_date", "assured_at",
]
CLUSTER_COLUMNS = ["clusters_main", "clusters_also", "all_clusters"]
PUBLIC_COLUMNS = [column for column in DESIGN_COLUMNS if column not in CLUSTER_COLUMNS]


def export(app: Flask, format_name: str, out: Path) -> str:
    result = app.test_cli_runner().invoke(args=["export", "services", "--format", format_name, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.exists(), result.output
    return out.read_text(encoding="utf-8")


def run(app: Flask, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Service, Organisation)}


def csv_rows(text: str) -> tuple[list[str], list[dict[str, str]]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


def public_keys(app: Flask) -> set[str]:
    """The export key (external id, else uid) of every listing the public may see."""
    with app.app_context():
        return {s.external_id or s.uid for s in db.session.scalars(select(Service)) if is_public(s)}


def cluster_names() -> list[str]:
    return [cluster.name.lower() for cluster in clusters()]


def format_checker() -> FormatChecker:
    """jsonschema's checker plus "uri" and "date-time", which it checks only with optional packages."""
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
def service_validator() -> Draft202012Validator:
    schema = json.loads((ORUK / "schema" / "service.json").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=format_checker())


@pytest.fixture(scope="module")
def demo_exports(shared_demo_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("demo-exports")
    files = {"csv": folder / "services.csv", "oruk": folder / "services.json", "backup-csv": folder / "backup.csv"}
    for format_name, path in files.items():
        export(shared_demo_app, format_name, path)
    return files


# --- round trips ------------------------------------------------------------------------------------------


def test_csv_round_trip_into_an_empty_directory_is_identical(demo_exports: dict[str, Path], app: Flask,
                                                            tmp_path: Path) -> None:
    first = demo_exports["csv"].read_text(encoding="utf-8")
    assert counts(app)["Service"] == 0
    output = run(app, "import", "services", str(demo_exports["csv"]))
    _, rows = csv_rows(first)
    assert f"{len(rows)} were created" in output
    assert counts(app)["Service"] == len(rows) > 0
    second = export(app, "csv", tmp_path / "again.csv")
    assert second == first


def test_oruk_round_trip_into_an_empty_directory_is_identical(demo_exports: dict[str, Path], app: Flask,
                                                             tmp_path: Path) -> None:
    first = demo_exports["oruk"].read_text(encoding="utf-8")
    assert counts(app)["Service"] == 0
    output = run(app, "import", "oruk", str(demo_exports["oruk"]))
    assert f"{len(json.loads(first))} were created" in output
    second = export(app, "oruk", tmp_path / "again.json")
    assert second == first


def test_backup_round_trip_keeps_the_clusters(demo_exports: dict[str, Path], app: Flask, tmp_path: Path) -> None:
    first = demo_exports["backup-csv"].read_text(encoding="utf-8")
    run(app, "import", "services", str(demo_exports["backup-csv"]))
    second = export(app, "backup-csv", tmp_path / "again.csv")
    assert second == first


def test_re_importing_an_export_changes_nothing(demo_exports: dict[str, Path], app: Flask) -> None:
    run(app, "import", "services", str(demo_exports["csv"]))
    before = counts(app)
    _, rows = csv_rows(demo_exports["csv"].read_text(encoding="utf-8"))
    output = run(app, "import", "services", str(demo_exports["csv"]))
    assert f"0 were created, 0 were updated, {len(rows)} unchanged" in output
    assert counts(app) == before


# --- columns and content ----------------------------------------------------------------------------------


def test_public_csv_has_the_design_columns_without_clusters(demo_exports: dict[str, Path],
                                                            shared_demo_app: Flask) -> None:
    text = demo_exports["csv"].read_text(encoding="utf-8")
    header, rows = csv_rows(text)
    assert header == PUBLIC_COLUMNS
    assert text.splitlines()[0] == ",".join(PUBLIC_COLUMNS)
    keys = [row["external_id"] for row in rows]
    assert len(keys) == len(set(keys))
    assert set(keys) == public_keys(shared_demo_app)


def test_public_csv_rows_say_what_the_database_says(demo_exports: dict[str, Path], shared_demo_app: Flask) -> None:
    _, rows = csv_rows(demo_exports["csv"].read_text(encoding="utf-8"))
    with shared_demo_app.app_context():
        services = {s.external_id or s.uid: s for s in db.session.scalars(select(Service))}
        for row in rows:
            service = services[row["external_id"]]
            assert row["name"] == service.name
            assert row["organisation"] == service.organisation.name
            assert row["categories"].split(";") == service.categories
            assert row["min_age"] == ("" if service.min_age is None else str(service.min_age))
            assert row["assured_at"] == service.assured_at.isoformat()
            assert row["postcode"] == ";".join(location.postcode for location in service.locations)


def test_backup_csv_is_the_only_export_with_clusters(demo_exports: dict[str, Path], shared_demo_app: Flask) -> None:
    header, rows = csv_rows(demo_exports["backup-csv"].read_text(encoding="utf-8"))
    assert header == DESIGN_COLUMNS
    with shared_demo_app.app_context():
        published = {s.external_id or s.uid: s for s in db.session.scalars(select(Service))
                     if s.status == ServiceStatus.PUBLISHED}
        # Every published listing, the out-of-date ones too: it is a backup.
        assert {row["external_id"] for row in rows} == set(published)
        assert set(published) > public_keys(shared_demo_app)
        with_clusters = 0
        for row in rows:
            service = published[row["external_id"]]
            main = [str(c) for c in service.clusters_with(ClusterFocus.MAIN)]
            also = [str(c) for c in service.clusters_with(ClusterFocus.ALSO)]
            assert row["clusters_main"] == ";".join(main)
            assert row["clusters_also"] == ";".join(also)
            assert row["all_clusters"] == ("yes" if service.all_clusters else "no")
            with_clusters += bool(main or also or service.all_clusters)
    assert with_clusters > 0, "the demo should have listings with clusters"


def test_backup_csv_lists_listings_of_every_status_that_is_published_only(
        demo_exports: dict[str, Path], shared_demo_app: Flask) -> None:
    _, rows = csv_rows(demo_exports["backup-csv"].read_text(encoding="utf-8"))
    with shared_demo_app.app_context():
        unpublished = {s.external_id or s.uid for s in db.session.scalars(select(Service))
                       if s.status != ServiceStatus.PUBLISHED}
    assert not unpublished & {row["external_id"] for row in rows}


@pytest.mark.parametrize("format_name", ["csv", "oruk"])
def test_public_exports_name_no_cluster(format_name: str, demo_exports: dict[str, Path]) -> None:
    text = demo_exports[format_name].read_text(encoding="utf-8").lower()
    assert "cluster" not in text
    assert not [name for name in cluster_names() if name in text]


def test_the_backup_does_name_clusters_so_the_check_above_can_fail(demo_exports: dict[str, Path]) -> None:
    assert "clusters_main" in demo_exports["backup-csv"].read_text(encoding="utf-8")


def test_oruk_export_is_the_public_listings_as_valid_oruk_services(demo_exports: dict[str, Path],
                                                                    shared_demo_app: Flask) -> None:
    documents: list[dict[str, Any]] = json.loads(demo_exports["oruk"].read_text(encoding="utf-8"))
    with shared_demo_app.app_context():
        public = {s.uid for s in db.session.scalars(select(Service)) if is_public(s)}
    assert [d["id"] for d in documents] == sorted(public)
    problems = [f"{d['name']!r} at {'/'.join(map(str, e.absolute_path))}: {e.message[:120]}"
                for d in documents for e in service_validator().iter_errors(d)]
    assert not problems, f"{len(problems)} problem(s):\n" + "\n".join(problems)


def test_oruk_export_matches_the_api(demo_exports: dict[str, Path], demo_client: FlaskClient) -> None:
    """The export and /api/services/<id> are the same documents."""
    documents = json.loads(demo_exports["oruk"].read_text(encoding="utf-8"))
    for document in documents[:: max(1, len(documents) // 25)]:
        assert demo_client.get(f"/api/services/{document['id']}").get_json() == document


def test_an_empty_directory_exports_just_the_header_and_an_empty_list(app: Flask, tmp_path: Path) -> None:
    assert export(app, "csv", tmp_path / "empty.csv") == ",".join(PUBLIC_COLUMNS) + "\n"
    assert json.loads(export(app, "oruk", tmp_path / "empty.json")) == []


def test_an_unknown_format_is_refused(shared_demo_app: Flask, tmp_path: Path) -> None:
    result = shared_demo_app.test_cli_runner().invoke(
        args=["export", "services", "--format", "xml", "--out", str(tmp_path / "x.xml")])
    assert result.exit_code != 0
    assert not (tmp_path / "x.xml").exists()
