"""Administrators import a listings CSV in the browser (issue 7): upload, read the dry-run report row by
row, confirm; a bad file shows every problem with its line and cannot be confirmed; nobody else gets in.

A real app over its own database and index; the browser is Flask's test client, posting the forms as the
pages give them (CSRF token included).
"""

import csv
import html
import io
import re
from itertools import count
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.directory.models import Organisation, Revision, Service
from app.extensions import db
from app.timeutil import today
from tests.web import table_rows

PASSWORD = "a long admin test password"
CSRF = re.compile(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"')
CONFIRM_FORM = re.compile(r'<form[^>]*action="/admin/import/confirm"[^>]*>(.*?)</form>', re.S)
HIDDEN_TOKEN = re.compile(r'<input[^>]*name="token"[^>]*value="([^"]+)"')
RESULT_LINK = re.compile(r'<li class="wa-result">\s*<h2[^>]*><a href="/services/(\d+)"')
COLUMNS = [
    "external_id", "organisation", "kind", "name", "summary", "description", "categories", "audiences",
    "clusters_main", "clusters_also", "all_clusters", "min_age", "max_age", "cost", "cost_detail", "referral",
    "access", "accessibility", "areas", "address", "postcode", "phone", "email", "website", "opening_hours",
    "event_date", "assured_at",
]
_addresses = count(1)


def row(external_id: str, name: str, **changes: str) -> dict[str, str]:
    base = {column: "" for column in COLUMNS} | {
        "external_id": external_id, "organisation": "Larkhall Neighbours", "kind": "service", "name": name,
        "summary": f"{name}: friendly support in Larkhall", "description": "Drop in for a cup of tea and a chat.",
        "categories": "wellbeing;community-groups", "all_clusters": "no", "min_age": "18", "cost": "free",
        "referral": "self", "access": "in-person", "areas": "bath", "address": "St Saviours Road, Larkhall, Bath",
        "postcode": "BA1 6RT", "phone": "01225 000111", "opening_hours": "Tue 10:00-12:00",
        "assured_at": today().isoformat(),
    }
    return base | changes


def csv_bytes(rows: list[dict[str, str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


# --- browsers and accounts --------------------------------------------------------------------------------


def browser(app: Flask) -> FlaskClient:
    """A browser from an address of its own, so sign-in rate limits count for it alone."""
    client = app.test_client()
    number = next(_addresses)
    client.environ_base["REMOTE_ADDR"] = f"10.77.{number // 250}.{number % 250 + 1}"
    return client


def csrf_token(page: str) -> str:
    match = CSRF.search(page)
    assert match, "no csrf_token on the page"
    return html.unescape(match.group(1))


def create_account(app: Flask, email: str, role: str, *extra: str) -> None:
    result = app.test_cli_runner().invoke(
        args=["users", "create", "--email", email, "--role", role, "--password", PASSWORD, *extra])
    assert result.exit_code == 0, result.output


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = browser(app)
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    create_account(app, "admin@wellaware.example", "admin")
    return signed_in(app, "admin@wellaware.example")


def upload(client: FlaskClient, content: bytes, filename: str = "listings.csv", token: str | None = None):
    page = client.get("/admin/import")
    assert page.status_code == 200
    form = page.get_data(as_text=True)
    assert 'enctype="multipart/form-data"' in form and 'name="csv_file"' in form
    data = {"csrf_token": csrf_token(form) if token is None else token,
            "csv_file": (io.BytesIO(content), filename)}
    return client.post("/admin/import", data=data, content_type="multipart/form-data")


def report_rows(page: str) -> list[tuple[int, str, str]]:
    return [(int(line), name, outcome) for line, name, outcome in table_rows(page)]


def confirm_fields(page: str) -> dict[str, str]:
    match = CONFIRM_FORM.search(page)
    assert match, "the report has no confirm form"
    token = HIDDEN_TOKEN.search(match.group(1))
    assert token
    return {"csrf_token": csrf_token(match.group(1)), "token": html.unescape(token.group(1))}


def counts(app: Flask) -> dict[str, int]:
    with app.app_context():
        return {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                for model in (Service, Organisation, Revision)}


def listing(app: Flask, external_id: str) -> Service | None:
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.external_id == external_id))
        if service is not None:
            db.session.expunge(service)
        return service


def searched_ids(client: FlaskClient, words: str) -> list[int]:
    page = client.get("/search", query_string={"q": words}).get_data(as_text=True)
    return [int(i) for i in RESULT_LINK.findall(page)]


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))


# --- the happy path ---------------------------------------------------------------------------------------


def test_upload_report_then_confirm(app: Flask, admin: FlaskClient, tmp_path: Path) -> None:
    # Two listings already in the directory, imported on the command line.
    existing = [row("lark-1", "Larkhall Tea and Chat"), row("lark-2", "Larkhall Walking Group")]
    path = tmp_path / "existing.csv"
    path.write_bytes(csv_bytes(existing))
    result = app.test_cli_runner().invoke(args=["import", "services", str(path)])
    assert result.exit_code == 0, result.output
    before = counts(app)

    # The upload: one unchanged, one changed (its description runs over three physical lines), one new.
    upload_rows = [
        existing[0],
        row("lark-2", "Larkhall Walking Group", description="Gentle walks.\nAll welcome.\nMeet at the shop."),
        row("lark-3", "Larkhall Knit and Natter", categories="arts-leisure;community-groups"),
    ]
    response = upload(admin, csv_bytes(upload_rows))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert report_rows(page) == [
        (2, "Larkhall Tea and Chat", "unchanged"),
        (3, "Larkhall Walking Group", "updated"),
        (6, "Larkhall Knit and Natter", "created"),
    ]
    assert "Nothing has been imported yet" in text_of(page)

    # Nothing is written by the dry run.
    assert counts(app) == before
    assert listing(app, "lark-3") is None
    assert listing(app, "lark-2").description == "Drop in for a cup of tea and a chat."
    client = browser(app)
    assert not searched_ids(client, "knit natter")

    confirmed = admin.post("/admin/import/confirm", data=confirm_fields(page))
    assert confirmed.status_code == 302
    assert urlsplit(confirmed.headers["Location"]).path == "/admin/import"
    after = admin.get("/admin/import").get_data(as_text=True)
    assert "Imported: 1 created, 1 updated, 1 unchanged" in text_of(after)

    new = listing(app, "lark-3")
    assert new is not None and new.name == "Larkhall Knit and Natter"
    assert listing(app, "lark-2").description == "Gentle walks.\nAll welcome.\nMeet at the shop."
    assert counts(app)["Service"] == before["Service"] + 1
    assert searched_ids(client, "knit natter")[:1] == [new.id]
    assert client.get(f"/services/{new.id}").status_code == 200
    api = client.get("/api/services?search=knit+natter").get_json()
    assert [item["id"] for item in api["contents"]][:1] == [new.uid]


def test_characters_that_cannot_be_stored_are_removed_and_shown(app: Flask, admin: FlaskClient) -> None:
    page = upload(admin, csv_bytes([row("nul-1", "Larkhall\x00 Choir")])).get_data(as_text=True)
    assert "line 2: name: removed 1 invisible character that cannot be stored (NUL)" in text_of(page)
    assert report_rows(page) == [(2, "Larkhall Choir", "created")]
    assert admin.post("/admin/import/confirm", data=confirm_fields(page)).status_code == 302
    assert listing(app, "nul-1").name == "Larkhall Choir"


def test_an_upload_waits_in_the_apps_own_instance_folder(app: Flask, admin: FlaskClient, tmp_path: Path) -> None:
    """Each test app has its own instance folder, so no upload is ever left in the checkout's."""
    page = upload(admin, csv_bytes([row("wait-1", "Larkhall Allotments")])).get_data(as_text=True)
    token = confirm_fields(page)["token"]
    waiting = Path(app.instance_path) / "uploads" / f"{token}.csv"
    assert waiting.is_file() and waiting.resolve().is_relative_to(tmp_path.resolve())
    assert admin.post("/admin/import/confirm", data=confirm_fields(page)).status_code == 302
    assert not waiting.exists(), "the confirmed upload was left behind"


def test_a_confirmation_works_once(app: Flask, admin: FlaskClient) -> None:
    page = upload(admin, csv_bytes([row("once-1", "Larkhall Book Club")])).get_data(as_text=True)
    fields = confirm_fields(page)
    assert admin.post("/admin/import/confirm", data=fields).status_code == 302
    after_first = counts(app)
    again = admin.post("/admin/import/confirm", data=fields, follow_redirects=True)
    assert again.status_code == 200
    assert "expired" in text_of(again.get_data(as_text=True))
    assert counts(app) == after_first


def test_the_report_shows_names_as_text_not_markup(app: Flask, admin: FlaskClient) -> None:
    name = "Larkhall <b>Bold</b> & Co"
    page = upload(admin, csv_bytes([row("markup-1", name)])).get_data(as_text=True)
    assert "<b>Bold</b>" not in page
    assert report_rows(page) == [(2, name, "created")]


# --- bad files --------------------------------------------------------------------------------------------


def test_a_bad_file_shows_every_problem_with_its_line_and_cannot_be_confirmed(app: Flask, admin: FlaskClient) -> None:
    before = counts(app)
    rows = [
        row("bad-1", "Larkhall Good Row"),
        row("bad-2", "Larkhall Gardening", categories="wellbeing;gardening"),
        row("bad-3", "Larkhall Ages", min_age="30", max_age="20"),
        row("bad-4", "Larkhall Event", kind="event", event_date="2026-02-30", opening_hours="10:00-12:00"),
    ]
    response = upload(admin, csv_bytes(rows))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "<title>Error: Import check for " in page
    text = text_of(page)
    problems = [html.unescape(p) for p in re.findall(r"<li>\s*(line \d+:[^<]*?)\s*</li>", page)]
    assert any(p.startswith("line 3:") and "gardening" in p for p in problems), problems
    assert any(p.startswith("line 4:") and "30" in p and "20" in p for p in problems), problems
    assert any(p.startswith("line 5:") and "2026-02-30" in p for p in problems), problems
    assert not any(p.startswith("line 2:") for p in problems)
    assert f"{len(problems)} problems in 3 of 4 rows: nothing can be imported yet" in text
    assert "/admin/import/confirm" not in page, "a bad file must not offer a confirm button"
    assert not report_rows(page)
    assert counts(app) == before
    assert listing(app, "bad-1") is None


def test_a_forged_confirmation_imports_nothing(app: Flask, admin: FlaskClient) -> None:
    page = upload(admin, csv_bytes([row("x-1", "Larkhall Gardening", categories="gardening")])).get_data(as_text=True)
    before = counts(app)
    token = csrf_token(page)
    for forged in ("0" * 32, "../../wellaware", ""):
        response = admin.post("/admin/import/confirm", data={"csrf_token": token, "token": forged})
        assert response.status_code in (302, 400)
    assert counts(app) == before


@pytest.mark.parametrize(("content", "filename", "message"), [
    (b"name,organisation\nA,B\n", "listings.txt", "Choose a file ending .csv"),
    ("organisation,name\nCaf\u00e9 Larkhall,Caf\u00e9\n".encode("latin-1"), "listings.csv", "not UTF-8"),
    (b"", "listings.csv", "line 1: the header has no organisation, name column"),
    (b"colour,size\nred,big\n", "listings.csv", "line 1"),
])
def test_files_that_cannot_be_read_are_explained(content: bytes, filename: str, message: str, app: Flask,
                                                 admin: FlaskClient) -> None:
    before = counts(app)
    response = upload(admin, content, filename)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "/admin/import/confirm" not in page
    assert message in text_of(page)
    assert counts(app) == before


def test_an_upload_without_the_csrf_token_is_refused(app: Flask, admin: FlaskClient) -> None:
    before = counts(app)
    response = upload(admin, csv_bytes([row("csrf-1", "Larkhall Choir")]), token="")
    assert response.status_code in (200, 400)
    assert "/admin/import/confirm" not in response.get_data(as_text=True)
    assert counts(app) == before


# --- nobody else ------------------------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(app: Flask) -> None:
    client = browser(app)
    token = csrf_token(client.get("/sign-in").get_data(as_text=True))  # a valid token, to reach the guard
    before = counts(app)
    upload_data = {"csrf_token": token, "csv_file": (io.BytesIO(csv_bytes([row("out-1", "Larkhall Out")])), "a.csv")}
    for response in (client.get("/admin/import"),
                     client.post("/admin/import", data=upload_data, content_type="multipart/form-data"),
                     client.post("/admin/import/confirm", data={"csrf_token": token, "token": "0" * 32})):
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/sign-in"
    assert counts(app) == before


@pytest.mark.parametrize("role", ["referrer", "editor"])
def test_other_roles_are_refused(role: str, app: Flask, tmp_path: Path) -> None:
    if role == "editor":
        path = tmp_path / "organisation.csv"
        path.write_bytes(csv_bytes([row("org-1", "Larkhall Lunch Club")]))
        result = app.test_cli_runner().invoke(args=["import", "services", str(path)])
        assert result.exit_code == 0, result.output
        create_account(app, "editor@larkhall.example", "editor", "--org", "Larkhall Neighbours")
        client = signed_in(app, "editor@larkhall.example")
    else:
        create_account(app, "referrer@nhs.example", "referrer")
        client = signed_in(app, "referrer@nhs.example")
    before = counts(app)
    page = client.get("/account").get_data(as_text=True)
    token = csrf_token(page)
    assert client.get("/admin/import").status_code == 403
    posted = client.post("/admin/import", data={"csrf_token": token, "csv_file": (
        io.BytesIO(csv_bytes([row("sneak-1", "Larkhall Sneaky")])), "a.csv")}, content_type="multipart/form-data")
    assert posted.status_code == 403
    assert client.post("/admin/import/confirm", data={"csrf_token": token, "token": "0" * 32}).status_code == 403
    assert counts(app) == before
