"""Driving the site through its forms as a browser would: CSRF tokens, submitting, signing in."""

import re

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

CSRF = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]+)"')


def client_at(app: Flask, address: str) -> FlaskClient:
    """A test client whose requests come from ``address`` (rate limits count per address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def csrf_token(page: str) -> str:
    match = CSRF.search(page)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def submit(client: FlaskClient, page_url: str, data: dict[str, object], action: str | None = None) -> TestResponse:
    """Open the page with the form, then post ``data`` with the form's CSRF token."""
    page = client.get(page_url)
    assert page.status_code == 200, page_url
    return client.post(action or page_url, data={**data, "csrf_token": csrf_token(page.get_data(as_text=True))})


def sign_in(client: FlaskClient, email: str, password: str) -> None:
    response = submit(client, "/sign-in", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)
