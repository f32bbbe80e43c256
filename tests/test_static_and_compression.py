"""Static files are fingerprinted and kept for a year; responses are compressed, except signed-in pages."""

import gzip
import re

from flask import Flask, url_for

from app.accounts.operations import create_user
from app.extensions import db
from tests.web import client_at, sign_in

STATIC = re.compile(r'(?:href|src)="(/(?:static|assets)/[^"?]+)\?v=([0-9a-f]{12})"')


def test_every_static_address_carries_its_content_hash(client) -> None:
    page = client.get("/").get_data(as_text=True)
    files = STATIC.findall(page)
    assert {path for path, _ in files} >= {"/static/css/site.css", "/static/js/init.js",
                                           "/assets/nhsuk-frontend.min.css"}
    for path, version in files:
        response = client.get(f"{path}?v={version}")
        assert response.status_code == 200, path
        assert response.cache_control.max_age == 365 * 24 * 3600, path
        kept = response.cache_control
        assert kept.immutable and kept.public and not kept.no_cache, path
        response.close()


def test_an_old_or_missing_fingerprint_is_not_kept_for_long(client) -> None:
    for address in ("/static/css/site.css", "/static/css/site.css?v=000000000000"):
        response = client.get(address)
        assert response.status_code == 200
        assert response.cache_control.max_age is None and response.cache_control.no_cache
        response.close()


def test_a_changed_file_gets_a_new_address_in_development(app: Flask, tmp_path) -> None:
    """In production a file is hashed once per process (files change only with a deployment, which restarts
    the workers); the development server looks again each time."""
    app.debug = True
    app.static_folder = str(tmp_path)
    (tmp_path / "css").mkdir()
    (tmp_path / "css" / "site.css").write_text("body { color: black }")
    with app.test_request_context():
        before = url_for("static", filename="css/site.css")
        (tmp_path / "css" / "site.css").write_text("body { color: navy }")
        after = url_for("static", filename="css/site.css")
    assert before != after and before.split("?")[0] == after.split("?")[0]


def test_pages_and_files_are_compressed_for_browsers_that_accept_it(demo_client) -> None:
    for address in ("/search?q=counselling", "/api/services?search=counselling"):
        response = demo_client.get(address, headers={"Accept-Encoding": "gzip"})
        assert response.headers["Content-Encoding"] == "gzip", address
        assert "Accept-Encoding" in response.headers["Vary"]
        body = gzip.decompress(response.get_data())
        assert len(response.get_data()) < len(body) / 3
        assert b"counselling" in body.lower()
    plain = demo_client.get("/search?q=counselling")
    assert "Content-Encoding" not in plain.headers
    style = demo_client.get("/assets/nhsuk-frontend.min.css", headers={"Accept-Encoding": "gzip"})
    assert style.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(style.get_data()).startswith(b"@charset") or b"nhsuk" in gzip.decompress(style.get_data())
    style.close()


def test_a_signed_in_persons_pages_are_not_compressed(app: Flask) -> None:
    """Their pages carry a CSRF token that guards an account (BREACH)."""
    with app.app_context():
        create_user("compress-admin@example.org", "compress password 123", role="admin")
        db.session.commit()
    client = client_at(app, "10.2.0.1")
    sign_in(client, "compress-admin@example.org", "compress password 123")
    response = client.get("/admin/", headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200 and "Content-Encoding" not in response.headers
    assert 'name="csrf_token"' in response.get_data(as_text=True)
