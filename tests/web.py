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

# --- where a form leaves you -------------------------------------------------------------------------------

FOCUSABLE_TAGS = {"button", "input", "select", "textarea", "summary"}


class _Ids(HTMLParser):
    """The tag and attributes of every element with an id."""

    def __init__(self, page: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: dict[str, list[tuple[str, dict[str, str | None]]]] = {}
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.elements.setdefault(str(attributes["id"]), []).append((tag, attributes))


def focusable_element(page: str, element_id: str) -> str:
    """The tag of the one element with ``element_id``, which must be able to take focus (a link, a control, or
    tabindex) so that a link to ``#element_id`` moves focus to it."""
    found = _Ids(page).elements.get(element_id, [])
    assert len(found) == 1, f"{len(found)} elements have the id {element_id!r}"
    tag, attributes = found[0]
    assert ("tabindex" in attributes or tag in FOCUSABLE_TAGS or (tag == "a" and "href" in attributes)), \
        f"<{tag} id={element_id!r}> cannot take focus"
    return tag


def landing(client: FlaskClient, response: TestResponse) -> tuple[str, str]:
    """Follow a form's redirect: the page it comes back to and its fragment, which names an element there that
    takes focus (so focus does not fall to the top of the page)."""
    assert response.status_code == 302, response.status_code
    path, _, fragment = response.headers["Location"].partition("#")
    assert fragment, f"{response.headers['Location']} has no fragment: focus would land on the top of the page"
    page = client.get(path)
    assert page.status_code == 200, path
    text = page.get_data(as_text=True)
    focusable_element(text, fragment)
    return text, fragment


def title_of(page: str) -> str:
    match = re.search(r"<title>(.*?)</title>", page, re.S)
    assert match, "the page has no title"
    return html.unescape(match.group(1)).strip()


def confirmation_of(page: str) -> str:
    """The confirmation's text, which must open the main content (where the skip link leads)."""
    match = re.search(r'<main\b[^>]*>\s*<div class="nhsuk-inset-text wa-flash" role="status">(.*?)</div>', page, re.S)
    assert match, "no confirmation at the top of the main content"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", match.group(1))).split())


def error_summary_links(page: str) -> list[tuple[str, str]]:
    """The error summary's links, (target id, text): the summary must open the main content."""
    summary = re.search(r'<main\b[^>]*>\s*(?:<div[^>]*>\s*)*<div\s+class="nhsuk-error-summary".*?</ul>', page, re.S)
    assert summary, "the main content does not open with an error summary"
    return [(target, " ".join(html.unescape(text).split()))
            for target, text in re.findall(r'<a href="#([^"]+)"\s*>(.*?)</a>', summary.group(0), re.S)]
