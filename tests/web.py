"""Driving the site through its forms as a browser would: CSRF tokens, submitting, signing in."""

import html
import re
from html.parser import HTMLParser
from itertools import count

from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

CSRF = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]+)"')
_addresses = count(1)


def client_at(app: Flask, address: str) -> FlaskClient:
    """A test client whose requests come from ``address`` (rate limits count per address)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def new_client(app: Flask) -> FlaskClient:
    """A browser of its own, from an address no other test uses, so rate limits count it alone."""
    number = next(_addresses)
    return client_at(app, f"10.{200 + number // 62500 % 50}.{number // 250 % 250}.{number % 250 + 1}")


def csrf_token(page: str) -> str:
    match = CSRF.search(page)
    assert match, "the page has no form with a CSRF token"
    return html.unescape(match.group(1))


def submit(client: FlaskClient, page_url: str, data: dict[str, object], action: str | None = None) -> TestResponse:
    """Open the page with the form, then post ``data`` with the form's CSRF token."""
    page = client.get(page_url)
    assert page.status_code == 200, page_url
    return client.post(action or page_url, data={**data, "csrf_token": csrf_token(page.get_data(as_text=True))})


def form_post(client: FlaskClient, url: str, data: dict[str, object], page: str | None = None) -> TestResponse:
    """Post ``data`` to ``url`` as the form on ``page`` (default ``url``) would, with its CSRF token."""
    return submit(client, page or url, data, action=url)


def sign_in(client: FlaskClient, email: str, password: str) -> None:
    response = submit(client, "/sign-in", {"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)

VOID_ELEMENTS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
                           "track", "wbr"})


class _TableRows(HTMLParser):
    """Each table body row's cells as text, as a screen reader hears them: without what is aria-hidden (the
    headings a stacked table repeats in each cell for phones)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.rows: list[list[str]] = []
        self._in_body = False
        self._cell: list[str] | None = None
        self._hidden: list[str] = []  # the open elements, from the outermost aria-hidden one in

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID_ELEMENTS:  # no end tag, nothing inside
            if self._cell is not None:
                self._cell.append(" ")
        elif self._hidden or ("aria-hidden", "true") in attrs:
            self._hidden.append(tag)
        elif tag == "tbody":
            self._in_body = True
        elif tag == "tr" and self._in_body:
            self.rows.append([])
        elif tag in ("td", "th") and self._in_body:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if self._hidden:
            if tag == self._hidden[-1]:
                self._hidden.pop()
        elif tag == "tbody":
            self._in_body = False
        elif tag in ("td", "th") and self._cell is not None:
            self.rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None and not self._hidden:
            self._cell.append(data)


def table_rows(page: str) -> list[list[str]]:
    """The text of the cells of every row in the bodies of the page's tables."""
    reader = _TableRows()
    reader.feed(page)
    return reader.rows
