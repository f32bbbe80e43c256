"""Every form shown again with problems says so alike (issue 16): its title starts "Error: ", the first thing a
screen reader says; it answers 400, since what was sent was refused; and its main content opens with the error
summary, each of whose links leads to a control that takes focus. The same page unposted is none of these.

Each form goes through the real app with its CSRF token, as a browser would post it.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from app.accounts.operations import find_user
from app.accounts.tokens import reset_token
from tests.test_leaflets import ADMIN, EDITOR, demo_copy, known_passwords, sign_in
from tests.web import csrf_token, error_summary_links, focusable_element, new_client, title_of


@dataclass(frozen=True)
class FormPage:
    who: str | None  # signed in as, or nobody
    page: Callable[[Flask], str]  # the page with the form
    data: dict[str, object]  # what is posted: each with a problem
    action: str | None = None  # where the form posts, when not to its own page


def _at(url: str) -> Callable[[Flask], str]:
    return lambda app: url


def _reset_link(app: Flask) -> str:
    with app.app_context():
        return f"/password/reset/{reset_token(find_user(EDITOR))}"


def _editors_organisation(app: Flask) -> int:
    with app.app_context():
        return find_user(EDITOR).organisations[0].id


def _new_listing(app: Flask) -> str:
    return f"/manage/organisations/{_editors_organisation(app)}/services/new"


def _invite(app: Flask) -> str:
    return f"/manage/organisations/{_editors_organisation(app)}/invite"


FORMS: dict[str, FormPage] = {
    "sign in": FormPage(None, _at("/sign-in"), {"email": "", "password": ""}),
    "register as a professional": FormPage(None, _at("/professionals/register"),
                                           {"name": "", "email": "not an address", "password": "short"}),
    "forgotten password": FormPage(None, _at("/password/forgot"), {"email": ""}),
    "choose a new password": FormPage(None, _reset_link, {"password": "short", "confirm": "other"}),
    "list your organisation": FormPage(None, _at("/manage/register"), {"name": ""}),
    "add a listing": FormPage(EDITOR, _new_listing, {"kind": "service", "opening_rows-0-pattern": "weekly"}),
    "invite a colleague": FormPage(EDITOR, _invite, {"email": "not an address"}),
    "trust a domain": FormPage(ADMIN, _at("/admin/"), {"domain": "not a domain"}, action="/admin/trusted-domains"),
    "add a hub": FormPage(ADMIN, _at("/admin/hubs"), {"hub-name": "", "hub-slug": "Bad Slug!"}),
    "save a hub": FormPage(ADMIN, _at("/admin/hubs/bath"), {"hub-name": "Bath", "hub-areas": []}),
    "add a hub section": FormPage(ADMIN, _at("/admin/hubs/bath"), {"new-title": ""},
                                  action="/admin/hubs/bath/sections"),
    "edit search words": FormPage(ADMIN, _at("/admin/search-words/places"), {"text": "narnia: wardrobe"}),
    "import listings": FormPage(ADMIN, _at("/admin/import"), {}),
}


@pytest.fixture(scope="module")
def forms_app(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with demo_copy(demo_template, tmp_path_factory.mktemp("forms") / "app") as app:
        known_passwords(app, ADMIN, EDITOR)
        yield app


@pytest.fixture(scope="module")
def clients(forms_app: Flask) -> dict[str | None, FlaskClient]:
    signed_in = {None: new_client(forms_app)}
    for email in (EDITOR, ADMIN):
        signed_in[email] = new_client(forms_app)
        sign_in(signed_in[email], email)
    return signed_in


@pytest.mark.parametrize("name", FORMS)
def test_a_form_with_problems_says_error_first_and_answers_400(name: str, forms_app: Flask,
                                                               clients: dict[str | None, FlaskClient]) -> None:
    form = FORMS[name]
    client = clients[form.who]
    url = form.page(forms_app)
    shown = client.get(url)
    assert shown.status_code == 200
    blank = shown.get_data(as_text=True)
    assert not title_of(blank).startswith("Error:")

    response = client.post(form.action or url, data={**form.data, "csrf_token": csrf_token(blank)})

    page = response.get_data(as_text=True)
    assert response.status_code == 400, name
    assert title_of(page).startswith("Error: "), title_of(page)
    links = error_summary_links(page)
    assert links, f"{name}: the error summary links to nothing"
    for target, text in links:
        assert focusable_element(page, target) in {"input", "select", "textarea"}, (name, target, text)
