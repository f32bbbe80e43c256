"""Characters no database can store (NUL, which PostgreSQL refuses; half a surrogate pair, which JSON can carry)
are removed from every text field of every import and form, imports say so, and nothing else is lost.

Each import test imports a clean file, then the same file with a NUL in one text field: the second import must
succeed, name the field, and leave every table exactly as the clean import did (so the field holds its value
without the NUL, and no other field changed). Run on SQLite and PostgreSQL.
"""

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from wtforms import Form

import app.admin.hubs
import app.admin.imports
import app.auth.forms
import app.manage.forms
import app.manage.listing_form  # noqa: F401  (every form class of the site, for the check below)
from app.accounts.models import User
from app.directory.csv_format import COLUMNS
from app.directory.models import Organisation
from app.extensions import db
from app.forms import SubForm, WebForm
from tests.web import new_client, submit

EXAMPLE = Path(__file__).resolve().parents[1] / "data" / "oruk" / "examples" / "service_full.json"
NUL = "\x00"


def every_row(app: Flask) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table but the audit log (which gains a line for each import run), in primary-key
    order."""
    with app.app_context():
        dump = {table.name: [tuple(row) for row in db.session.execute(
            select(table).order_by(*table.primary_key.columns)).all()]
            for table in db.metadata.sorted_tables if table.name != "audit_event"}
        db.session.remove()
        return dump


def with_nul(value: str) -> str:
    middle = len(value) // 2
    return value[:middle] + NUL + value[middle:]


# --- ORUK ------------------------------------------------------------------------------------------------------


def text_fields(value: object, path: str = "") -> Iterator[str]:
    """The path (``organization.description``) of every string in a JSON document."""
    if isinstance(value, str):
        yield path
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from text_fields(item, f"{path}.{key}" if path else key)
    elif isinstance(value, list):
        for number, item in enumerate(value):
            yield from text_fields(item, f"{path}.{number}" if path else str(number))


def changed_at(document: object, path: str, change) -> object:
    """A copy of ``document`` with ``change`` applied to the string at ``path``."""
    copy = json.loads(json.dumps(document))
    *parents, last = path.split(".")
    target = copy
    for part in parents:
        target = target[int(part)] if isinstance(target, list) else target[part]
    key = int(last) if isinstance(target, list) else last
    target[key] = change(target[key])
    return copy


def import_json(app: Flask, folder: Path, document: object) -> tuple[int, str]:
    path = folder / "services.json"
    path.write_text(json.dumps(document), encoding="utf-8")  # ASCII: a surrogate is written "\ud800"
    result = app.test_cli_runner().invoke(args=["import", "oruk", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_a_nul_in_any_text_field_of_an_oruk_service_is_removed_and_nothing_else_changes(
        app: Flask, tmp_path: Path) -> None:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    code, output = import_json(app, tmp_path, document)
    assert code == 0, output
    clean = every_row(app)
    paths = list(text_fields(document))
    assert "organization.description" in paths and len(paths) > 50  # every part of the profile's example
    for path in paths:
        code, output = import_json(app, tmp_path, changed_at(document, path, with_nul))
        assert code == 0, f"{path}: {output}"
        assert f"note: {path}: removed 1 invisible character that cannot be stored (NUL)" in output, path
        assert "0 were created, 0 were updated, 1 unchanged" in output, f"{path}: {output}"
        assert every_row(app) == clean, f"a NUL in {path} changed what was stored"


def test_half_a_surrogate_pair_in_an_oruk_service_is_removed(app: Flask, tmp_path: Path) -> None:
    document = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert import_json(app, tmp_path, document)[0] == 0
    clean = every_row(app)
    code, output = import_json(app, tmp_path, changed_at(document, "organization.name", lambda v: v + "\udc80"))
    assert code == 0, output
    assert "organization.name: removed 1 invisible character that cannot be stored (U+DC80)" in output
    assert every_row(app) == clean


# --- CSV -------------------------------------------------------------------------------------------------------

ROW = {
    "external_id": "nul-1", "organisation": "Widcombe Wellbeing Trust", "kind": "service",
    "name": "Widcombe Talking Space", "summary": "Free counselling for adults in Bath",
    "description": "Free **counselling** with a trained volunteer.", "categories": "mental-health;wellbeing",
    "audiences": "carers", "clusters_main": "11;12", "clusters_also": "13", "all_clusters": "no",
    "min_age": "18", "max_age": "65", "cost": "low-cost", "cost_detail": "Session £2.50 per hour",
    "referral": "self;gp", "access": "in-person;phone", "accessibility": "wheelchair;hearing-loop",
    "areas": "bath", "address": "2 Widcombe Parade, Bath", "postcode": "BA2 4JT", "phone": "01632 960101",
    "email": "hello@widcombewellbeing.org.uk", "website": "https://www.widcombewellbeing.org.uk",
    "opening_hours": "Mon-Fri 09:00-17:00", "event_date": "", "assured_at": "2026-10-01",
}


def import_csv_row(app: Flask, folder: Path, row: dict[str, str]) -> tuple[int, str]:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerow(row)
    path = folder / "services.csv"
    path.write_text(out.getvalue(), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["import", "services", str(path)])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_a_nul_in_any_column_of_a_csv_row_is_removed_and_nothing_else_changes(app: Flask, tmp_path: Path) -> None:
    assert set(ROW) == set(COLUMNS)
    code, output = import_csv_row(app, tmp_path, ROW)
    assert code == 0, output
    clean = every_row(app)
    for column in COLUMNS:
        row = {**ROW, column: with_nul(ROW[column])}
        code, output = import_csv_row(app, tmp_path, row)
        assert code == 0, f"{column}: {output}"
        assert f"note: line 2: {column}: removed 1 invisible character that cannot be stored (NUL)" in output
        assert "0 were created, 0 were updated, 1 unchanged" in output, f"{column}: {output}"
        assert every_row(app) == clean, f"a NUL in {column} changed what was stored"


# --- forms -----------------------------------------------------------------------------------------------------


def form_classes(base: type = Form) -> Iterator[type]:
    for subclass in base.__subclasses__():
        yield subclass
        yield from form_classes(subclass)


def test_every_form_of_the_site_removes_unstorable_characters() -> None:
    ours = [cls for cls in form_classes() if cls.__module__.startswith("app.") and cls.__module__ != "app.forms"]
    assert len(ours) >= 10, ours  # the site's forms were found
    assert [cls for cls in ours if not issubclass(cls, WebForm | SubForm)] == []


REGISTRATION = {"name": "Nul Trust", "description": "We help.", "website": "https://nul.example.org",
                "phone": "01632 960000", "email": "office@nul.example.org", "charity_number": "1234567",
                "editor_name": "Nia Editor", "editor_email": "nia@nul.example.org"}


@pytest.mark.parametrize("field", sorted(REGISTRATION))
def test_a_nul_typed_into_a_form_is_not_stored(app: Flask, field: str) -> None:
    password = "a long enough password"
    fields = {**REGISTRATION, field: with_nul(REGISTRATION[field]), "password": password, "confirm": password}
    response = submit(new_client(app), "/manage/register", fields)
    assert response.status_code == 200 and "Check your email" in response.get_data(as_text=True)
    with app.app_context():
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == REGISTRATION["name"]))
        editor = db.session.scalar(select(User).where(User.email == REGISTRATION["editor_email"]))
        assert organisation is not None and editor is not None, "the registration was not stored as typed"
        stored = {name: getattr(organisation, name) for name in
                  ("name", "description", "website", "phone", "email", "charity_number")}
        stored |= {"editor_name": editor.name, "editor_email": editor.email}
        assert organisation in editor.organisations
        db.session.remove()
    assert stored == REGISTRATION
