"""The import page takes files larger than the site-wide request limit, up to ``IMPORT_MAX_BYTES`` (issue 18).

The site-wide limit (``MAX_CONTENT_LENGTH``) is set small here so a file of a few hundred kilobytes is over
it; the checks of the CSRF token read the body too, so they must not refuse the file first.
"""

import csv
import io
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from app.config import settings_from_environment
from app.extensions import db
from app.timeutil import today
from tests.web import csrf_token, new_client, sign_in

PASSWORD = "a long admin test password"
SITE_LIMIT = 100_000


def big_csv(size: int) -> bytes:
    """Good listings whose descriptions make the file ``size`` bytes or a little more."""
    description = "word " * 10_000  # well under the csv module's longest field
    rows = [{"external_id": f"big-{number}", "organisation": "Larkhall Neighbours", "name": "Larkhall Long Read",
             "categories": "wellbeing", "areas": "bath", "assured_at": today().isoformat(),
             "description": description} for number in range(size // len(description) + 1)]
    out = io.StringIO(newline="")
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def admin(app: Flask) -> FlaskClient:
    app.config["MAX_CONTENT_LENGTH"] = SITE_LIMIT
    result = app.test_cli_runner().invoke(args=["users", "create", "--email", "big@wellaware.example", "--role",
                                                "admin", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    client = new_client(app)
    sign_in(client, "big@wellaware.example", PASSWORD)
    return client


def post_file(client: FlaskClient, content: bytes) -> tuple[int, str]:
    form = client.get("/admin/import").get_data(as_text=True)
    # Encoded here, in memory: the test client puts a large body in a temporary file it leaves open.
    upload = FileStorage(io.BytesIO(content), filename="big.csv")
    boundary, body = encode_multipart({"csrf_token": csrf_token(form), "csv_file": upload})
    response = client.post("/admin/import", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    return response.status_code, response.get_data(as_text=True)


def test_an_import_may_be_larger_than_the_site_wide_limit(app: Flask, admin: FlaskClient) -> None:
    content = big_csv(3 * SITE_LIMIT)
    status, page = post_file(admin, content)
    assert status == 200, page[:2000]
    assert f"Every one of the {content.count(b'big-')} rows can be imported" in page
    # Elsewhere the site-wide limit holds.
    form = admin.get("/account").get_data(as_text=True)
    refused = admin.post("/shortlist/add", data={"csrf_token": csrf_token(form), "service_id": "1",
                                                 "padding": "x" * 2 * SITE_LIMIT})
    assert refused.status_code == 413


def test_a_file_over_the_import_limit_is_refused_on_the_import_page(app: Flask, admin: FlaskClient) -> None:
    app.config["IMPORT_MAX_BYTES"] = 1024 * 1024
    status, page = post_file(admin, big_csv(1536 * 1024))
    assert status == 413
    assert "The file is larger than 1 MB; split it into smaller files" in page
    assert 'name="csv_file"' in page
    with app.app_context():
        assert db.session.execute(text("SELECT COUNT(*) FROM service")).scalar_one() == 0


def test_the_import_page_states_the_limit(app: Flask, admin: FlaskClient) -> None:
    assert "Files up to 20 MB" in admin.get("/admin/import").get_data(as_text=True)


def test_the_import_limit_is_20_mb_unless_set(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("WELLAWARE_IMPORT_MAX_BYTES", raising=False)
    assert settings_from_environment(tmp_path)["IMPORT_MAX_BYTES"] == 20 * 1024 * 1024
    monkeypatch.setenv("WELLAWARE_IMPORT_MAX_BYTES", "1048576")
    assert settings_from_environment(tmp_path)["IMPORT_MAX_BYTES"] == 1_048_576
