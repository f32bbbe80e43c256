"""Every response is locked down: a strict CSP with no inline script, no framing, no sniffing, and no
search terms leaking to other sites through the Referer header or the request log."""

import logging
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.directory.models import Service
from app.directory.visibility import is_public
from app.extensions import db
from app.logging_privacy import StripQueryStrings

PAGES = ["/", "/search?q=housing&cost=free", "/services/{listing}", "/sign-in", "/shortlist/", "/api/services",
         "/no-such-page", "/robots.txt"]


def public_listing(app: Flask) -> int:
    """The id of the first public demo listing (ids are the database's to choose)."""
    with app.app_context():
        return next(s.id for s in db.session.scalars(select(Service).order_by(Service.name)) if is_public(s))


@pytest.mark.parametrize("url", PAGES)
def test_headers_on_every_kind_of_response(demo_client: FlaskClient, shared_demo_app: Flask, url: str) -> None:
    response = demo_client.get(url.format(listing=public_listing(shared_demo_app)))
    assert response.status_code == (404 if url == "/no-such-page" else 200), url
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "'unsafe-inline'" not in csp
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP here


def test_hsts_behind_https(demo_client: FlaskClient) -> None:
    response = demo_client.get("/", base_url="https://wellaware.test")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize("url", ["/", "/search?q=counselling", "/sign-in", "/shortlist/"])
def test_pages_have_no_inline_script_or_style_and_load_nothing_from_other_sites(demo_client: FlaskClient,
                                                                                 url: str) -> None:
    page = demo_client.get(url).get_data(as_text=True)
    for tag in re.findall(r"<script\b[^>]*>", page):
        assert 'src="/' in tag, f"inline script: {tag}"
    assert " style=" not in page and "<style" not in page
    for address in re.findall(r'(?:src|href)="(https?:)?//([^/"]+)', page):
        pytest.fail(f"{url} loads from another site: {address}")


def test_session_cookie_is_httponly_and_samesite(demo_app: Flask) -> None:
    client = demo_app.test_client()
    listing = public_listing(demo_app)
    page = client.get(f"/services/{listing}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/shortlist/add", data={"csrf_token": token, "service_id": str(listing)})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookies_when_configured(demo_app: Flask) -> None:
    demo_app.config["SESSION_COOKIE_SECURE"] = True
    client = demo_app.test_client()
    listing = public_listing(demo_app)
    page = client.get(f"/services/{listing}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = client.post("/shortlist/add", data={"csrf_token": token, "service_id": str(listing)})
    assert "Secure" in response.headers["Set-Cookie"]


def test_request_logs_drop_query_strings() -> None:
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1,
                               '%s - - [23/Nov/2026 10:00:00] "%s" %s -',
                               ("127.0.0.1", "GET /search?q=suicidal+thoughts&age=17 HTTP/1.1", "200"), None)
    StripQueryStrings().filter(record)
    line = record.getMessage()
    assert "suicidal" not in line and "age=17" not in line
    assert '"GET /search HTTP/1.1" 200' in line and "127.0.0.1" in line


def test_gunicorn_access_log_format_has_no_query_string() -> None:
    from app.serving import gunicorn

    assert "%(U)s" in gunicorn.access_log_format  # the path only
    assert "%(q)s" not in gunicorn.access_log_format and "%(r)s" not in gunicorn.access_log_format


def test_search_is_rate_limited(demo_app: Flask) -> None:
    demo_app.config["SEARCH_RATE_LIMIT"] = "5 per minute"
    client = demo_app.test_client()
    statuses = [client.get("/search?q=housing").status_code for _ in range(7)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429, 429]
