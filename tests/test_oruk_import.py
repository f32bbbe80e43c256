"""``import oruk [--confirmed-today] FILE.json`` (design §7, issue 7): ORUK 3.0 services - the profile's
own worked example, a list of services, a page of them - into an empty directory, with the terms it cannot
map reported; bad files change nothing; re-importing updates rather than duplicates.
"""

import copy
import json
import re
import uuid
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator, FormatChecker
from sqlalchemy import func, select

from app.directory.models import Organisation, Revision, Service, ServiceStatus
from app.directory.visibility import freshness_cutoff, is_public
from app.extensions import db
from app.timeutil import today

ORUK = Path(__file__).resolve().parents[1] / "data" / "oruk"  # vendored: see its README.md
EXAMPLE = ORUK / "examples" / "service_full.json"
EXAMPLE_LIST = ORUK / "examples" / "service_list.json"
RESULT_LINK = re.compile(r'<li class="wa-result">\s*<h2[^>]*><a href="/services/(\d+)"')


def example() -> dict[str, Any]:
    return json.loads(EXAMPLE.read_text(encoding="utf-8"))


def write(path: Path, document: object) -> Path:
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def import_oruk(app: Flask, path: Path, *options: str):
    return app.test_cli_runner().invoke(args=["import", "oruk", *options, str(path)])


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Service, Organisation, Revision)}


def service_by_uid(app: Flask, uid: str) -> Service | None:
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.uid == uid))
        if service is not None:
            db.session.expunge(service)
        return service


def searched_ids(client: FlaskClient, words: str) -> list[int]:
    html = client.get("/search", query_string={"q": words}).get_data(as_text=True)
    return [int(i) for i in RESULT_LINK.findall(html)]


def api_ids(client: FlaskClient, query: str = "") -> list[str]:
    response = client.get(f"/api/services?per_page=100{query}")
    assert response.status_code == 200
    return [item["id"] for item in response.get_json()["contents"]]


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


def another_service(number: int) -> dict[str, Any]:
    """The example under a new id and name, as a second record of the same organisation."""
    record = example()
    record["id"] = str(uuid.uuid5(uuid.NAMESPACE_URL, f"wellaware-test-{number}"))
    record["name"] = f"Community Counselling {number}"
    return record


# --- the profile's worked example -------------------------------------------------------------------------


def test_the_example_imports_reports_unknown_terms_and_is_found(app: Flask, tmp_path: Path) -> None:
    record = example()
    result = import_oruk(app, EXAMPLE, "--confirmed-today")
    assert result.exit_code == 0, result.output
    assert "1 were created" in result.output
    # The example's one attribute is a term of a taxonomy we do not have: it is reported, by name.
    unknown = record["attributes"][0]["taxonomy_term"]
    notes = [line for line in result.output.splitlines() if "unknown taxonomy term" in line]
    assert notes, result.output
    assert f"'{unknown['name']}'" in notes[0] and f"'{unknown['taxonomy']}'" in notes[0]

    service = service_by_uid(app, record["id"])
    assert service is not None
    assert service.name == record["name"]
    assert service.status == ServiceStatus.PUBLISHED
    assert service.assured_at == today()
    assert (service.min_age, service.max_age) == (record["minimum_age"], record["maximum_age"])
    assert service.website == record["url"] and service.email == record["email"]
    with app.app_context():
        stored = db.session.get(Service, service.id)
        assert stored.organisation.uid == record["organization"]["id"]
        assert stored.organisation.name == record["organization"]["name"]
        assert [o.option for o in stored.cost_options] == [record["cost_options"][0]["option"]]
        assert [(t.frequency, list(t.days)) for t in stored.opening_times] == [("weekly", ["Thu", "Fri"])]
        assert is_public(stored)

    client = app.test_client()
    assert service.id in searched_ids(client, "community counselling")
    assert record["id"] in api_ids(client)
    assert record["id"] in api_ids(client, "&search=community+counselling")
    assert client.get(f"/api/services/{record['id']}").get_json()["name"] == record["name"]
    assert client.get(f"/services/{service.id}").status_code == 200


def test_the_imported_example_is_valid_oruk_in_the_api(app: Flask) -> None:
    record = example()
    result = import_oruk(app, EXAMPLE, "--confirmed-today")
    assert result.exit_code == 0, result.output
    detail = app.test_client().get(f"/api/services/{record['id']}")
    assert detail.status_code == 200
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in service_validator().iter_errors(detail.get_json())]
    assert not errors, f"the imported example is not valid ORUK in /api/services/<id>: {errors}"


def test_without_confirmed_today_the_example_is_imported_but_not_public(app: Flask) -> None:
    """The example's assured_date is 2005-01-01. Design §2 principle 5: a listing not confirmed within the
    freshness limit (FRESHNESS_MONTHS) drops out of public search until someone confirms it. Without
    --confirmed-today the import keeps the record's own assured_date, so the listing is stored and
    published but hidden; --confirmed-today is the administrator saying they have checked it."""
    record = example()
    result = import_oruk(app, EXAMPLE)
    assert result.exit_code == 0, result.output
    assert "1 were created" in result.output
    service = service_by_uid(app, record["id"])
    assert service is not None and service.status == ServiceStatus.PUBLISHED
    assert service.assured_at.isoformat() == record["assured_date"]
    with app.test_request_context():
        assert service.assured_at < freshness_cutoff()
    client = app.test_client()
    assert service.id not in searched_ids(client, "community counselling")
    assert record["id"] not in api_ids(client)
    assert client.get(f"/api/services/{record['id']}").status_code == 404
    assert client.get(f"/services/{service.id}").status_code == 404

    # Confirming it (re-importing with the flag) brings it into search.
    confirmed = import_oruk(app, EXAMPLE, "--confirmed-today")
    assert confirmed.exit_code == 0, confirmed.output
    assert "1 were updated" in confirmed.output
    assert service.id in searched_ids(client, "community counselling")
    assert record["id"] in api_ids(client)


def test_dry_run_writes_nothing(app: Flask) -> None:
    before = counts(app)
    result = import_oruk(app, EXAMPLE, "--dry-run", "--confirmed-today")
    assert result.exit_code == 0, result.output
    assert "1 would be created" in result.output
    assert counts(app) == before
    assert service_by_uid(app, example()["id"]) is None


def test_ids_longer_than_the_database_holds_are_reported(app: Flask, tmp_path: Path) -> None:
    """PostgreSQL refuses a 37-character id where SQLite would keep it: the import reports it instead."""
    document = example()
    document["id"] = "x" * 37
    document["organization"]["id"] = "y" * 40
    before = counts(app)
    result = import_oruk(app, write(tmp_path / "long-ids.json", document), "--confirmed-today")
    assert result.exit_code == 1, result.output
    assert "id: keep it under 37 characters" in result.output
    assert "organization.id: keep it under 37 characters" in result.output
    assert counts(app) == before


# --- lists and pages --------------------------------------------------------------------------------------


def test_a_list_of_services_imports(app: Flask, tmp_path: Path) -> None:
    records = [another_service(1), another_service(2), another_service(3)]
    result = import_oruk(app, write(tmp_path / "list.json", records), "--confirmed-today")
    assert result.exit_code == 0, result.output
    assert "3 service(s): 3 were created" in result.output
    for record in records:
        service = service_by_uid(app, record["id"])
        assert service is not None and service.name == record["name"]
    # One organisation, found by its id, for all three.
    assert counts(app)["Organisation"] == 1
    assert set(api_ids(app.test_client())) == {r["id"] for r in records}


def test_a_page_of_services_imports(app: Flask, tmp_path: Path) -> None:
    page = json.loads(EXAMPLE_LIST.read_text(encoding="utf-8"))
    extra = copy.deepcopy(page["contents"][0])
    extra["id"], extra["name"] = str(uuid.uuid5(uuid.NAMESPACE_URL, "wellaware-test-page")), "Counselling Drop-in"
    page["contents"].append(extra)
    result = import_oruk(app, write(tmp_path / "page.json", page), "--confirmed-today")
    assert result.exit_code == 0, result.output
    assert "2 service(s): 2 were created" in result.output
    for record in page["contents"]:
        service = service_by_uid(app, record["id"])
        assert service is not None and service.name == record["name"]
    assert set(api_ids(app.test_client())) == {r["id"] for r in page["contents"]}


def test_the_profiles_own_page_example_imports(app: Flask) -> None:
    result = import_oruk(app, EXAMPLE_LIST, "--confirmed-today")
    assert result.exit_code == 0, result.output
    assert "1 were created" in result.output
    assert service_by_uid(app, example()["id"]) is not None


# --- bad files --------------------------------------------------------------------------------------------


def _without_name() -> dict[str, Any]:
    record = example()
    del record["name"]
    return record


def _blank_name() -> dict[str, Any]:
    record = example()
    record["name"] = "   "
    return record


BAD_FILES = {
    "not JSON": "this is not JSON {",
    "an empty list": [],
    "an empty page": {"contents": []},
    "a service without a name": _without_name(),
    "a service with a blank name": _blank_name(),
    "a list with one good and one nameless service": [example(), {**_without_name(), "id": str(uuid.uuid4())}],
    "a number": 42,
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_a_bad_file_exits_1_and_changes_nothing(case: str, demo_app: Flask, tmp_path: Path) -> None:
    content = BAD_FILES[case]
    path = tmp_path / "bad.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    before = counts(demo_app)
    searched_before = searched_ids(demo_app.test_client(), "counselling")
    result = import_oruk(demo_app, path, "--confirmed-today")
    assert result.exit_code == 1, result.output
    assert "Nothing was imported" in result.output or "not a JSON file" in result.output, result.output
    assert counts(demo_app) == before
    assert service_by_uid(demo_app, example()["id"]) is None
    assert searched_ids(demo_app.test_client(), "counselling") == searched_before


def test_a_nameless_service_is_named_as_the_problem(app: Flask, tmp_path: Path) -> None:
    result = import_oruk(app, write(tmp_path / "nameless.json", _without_name()))
    assert result.exit_code == 1
    assert re.search(r"service 1 .*name", result.output, re.IGNORECASE), result.output


def test_a_file_that_is_not_utf8_exits_1(app: Flask, tmp_path: Path) -> None:
    path = tmp_path / "latin1.json"
    path.write_bytes(json.dumps(example(), ensure_ascii=False).replace("Community", "Communitè").encode("latin-1"))
    before = counts(app)
    result = import_oruk(app, path)
    assert result.exit_code == 1
    assert counts(app) == before


# --- re-importing -----------------------------------------------------------------------------------------


def test_re_importing_the_same_file_updates_rather_than_duplicates(app: Flask, tmp_path: Path) -> None:
    first = import_oruk(app, EXAMPLE, "--confirmed-today")
    assert first.exit_code == 0, first.output
    after_first = counts(app)

    again = import_oruk(app, EXAMPLE, "--confirmed-today")
    assert again.exit_code == 0, again.output
    assert "0 were created, 0 were updated, 1 unchanged" in again.output
    assert counts(app) == after_first

    changed = example()
    changed["name"] = "Community Counselling and Support"
    changed["minimum_age"] = 16
    result = import_oruk(app, write(tmp_path / "changed.json", changed), "--confirmed-today")
    assert result.exit_code == 0, result.output
    assert "0 were created, 1 were updated" in result.output
    now = counts(app)
    assert now["Service"] == after_first["Service"] and now["Organisation"] == after_first["Organisation"]
    assert now["Revision"] == after_first["Revision"] + 1  # the change is kept as a revision
    service = service_by_uid(app, changed["id"])
    assert service.name == changed["name"] and service.min_age == 16
    client = app.test_client()
    assert api_ids(client) == [changed["id"]]
    assert client.get(f"/api/services/{changed['id']}").get_json()["name"] == changed["name"]
    assert service.id in searched_ids(client, "counselling support")
