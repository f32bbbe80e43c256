"""A signed-in person in an area their account is not for (issue 16): a 403 page that says which kind of
account the area is for and how to get one, with links to what their own account can do; never a word of
what the area holds. Someone signed out is still sent to sign in, and another organisation's listing, in an
area the person can use, is still "not found"."""

import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from app.accounts.operations import confirm_email, create_user, find_user, register_referrer, set_password
from app.directory.models import Organisation, Revision
from app.extensions import db
from app.taxonomies import clusters
from tests.conftest import _app_from
from tests.web import new_client, sign_in

PASSWORD = "a long test password"
ADMIN = "admin@wellaware.example"
REFERRER = "referrer@nhs.example"
EDITOR = "editor1@wellaware.example"  # edits the first demo organisation by name
PENDING = "pat.pending@example.org"
OTHER_EDITOR = "someone@elsewhere.example"  # edits the last demo organisation
ADMIN_TITLE = "This page is for the directory’s administrators"
REFERRER_TITLE = "Referrer search is for approved referrers"
CSRF_INPUT = re.compile(r'<input[^>]*name="csrf_token"[^>]*>')
LINK = re.compile(r'<a [^>]*href="([^"]+)"')


@pytest.fixture(scope="module")
def demo(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """The demo with known passwords, a referrer waiting for approval, and an editor of another organisation."""
    made = _app_from(demo_template, tmp_path_factory.mktemp("wrong-account"))
    app = next(made)
    with app.app_context():
        for email in (ADMIN, REFERRER, EDITOR):
            set_password(find_user(email), PASSWORD)
        confirm_email(register_referrer(PENDING, PASSWORD, "Pat Pending"))
        last = db.session.scalars(select(Organisation).order_by(Organisation.name.desc())).first()
        create_user(OTHER_EDITOR, PASSWORD, role="editor", organisation=last)
        db.session.commit()
    yield app
    next(made, None)


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = new_client(app)
    sign_in(client, email, PASSWORD)
    return client


def refused(client: FlaskClient, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 403, (url, response.status_code)
    return response.get_data(as_text=True)


def main_links(page: str) -> set[str]:
    main = page.split('<main', 1)[1].split("</main>", 1)[0]
    return set(LINK.findall(main))


def cluster_names_in(page: str) -> list[str]:
    return [cluster.name for cluster in clusters() if cluster.name in page] + (["cluster"] if "cluster" in page else [])


def test_a_waiting_referrer_is_told_their_account_is_not_approved_yet(demo: Flask) -> None:
    pending = signed_in(demo, PENDING)
    for url in ("/referrer/search", "/referrer/search?cluster=14", "/referrer/services/1"):
        page = refused(pending, url)
        assert f"<title>{REFERRER_TITLE} – " in page and f"<h1>{REFERRER_TITLE}</h1>" in page
        assert f"You are signed in as {PENDING}." in page
        assert "Your referrer account is waiting for the directory team to approve it." in page
        assert main_links(page) == {"/search", "/account"}
        assert cluster_names_in(page) == [], url


def test_an_editor_is_told_who_referrer_search_is_for_and_how_to_register(demo: Flask) -> None:
    page = refused(signed_in(demo, EDITOR), "/referrer/search?q=support&cluster=1")
    assert f"<h1>{REFERRER_TITLE}</h1>" in page
    assert "That is not a referrer account." in page
    assert "for GPs, care co-ordinators, social prescribers and others who refer people" in page
    assert main_links(page) == {"/professionals/register", "/manage/", "/search", "/account"}
    assert cluster_names_in(page) == []


def test_the_administrators_area_says_who_it_is_for_whatever_the_address(demo: Flask) -> None:
    """The same answer for a page that exists, a revision that exists and one that does not: the 403 says
    nothing about what the area holds."""
    with demo.app_context():
        revision = db.session.scalars(select(Revision.id)).first()
    for email, own_links in ((EDITOR, {"/manage/"}), (REFERRER, {"/referrer/search"}), (PENDING, set())):
        client = signed_in(demo, email)
        pages = {url: CSRF_INPUT.sub("", refused(client, url))
                 for url in ("/admin/", "/admin/queue", f"/admin/revisions/{revision}", "/admin/revisions/999999")}
        assert len(set(pages.values())) == 1, f"{email}: the 403 differs by address"
        page = next(iter(pages.values()))
        assert f"<h1>{ADMIN_TITLE}</h1>" in page
        assert f"You are signed in as {email}. That is not an administrator’s account." in page
        assert "ask one of its administrators to make you one" in page
        assert main_links(page) == own_links | {"/search", "/account"}
        assert cluster_names_in(page) == []


def test_an_administrator_and_a_referrer_use_their_areas(demo: Flask) -> None:
    """The control: the areas open for the accounts they are for."""
    admin, referrer = signed_in(demo, ADMIN), signed_in(demo, REFERRER)
    for client, url in ((admin, "/admin/"), (admin, "/referrer/search"), (referrer, "/referrer/search")):
        assert client.get(url).status_code == 200, url


def test_someone_signed_out_is_still_sent_to_sign_in(demo: Flask) -> None:
    visitor = new_client(demo)
    for url in ("/admin/queue", "/referrer/search?cluster=3"):
        response = visitor.get(url)
        location = urlsplit(response.headers.get("Location", ""))
        assert response.status_code == 302 and location.path == "/sign-in", url
        assert parse_qs(location.query)["next"] == [url]


def test_another_organisations_listing_is_still_not_found(demo: Flask) -> None:
    with demo.app_context():
        theirs = find_user(OTHER_EDITOR).organisations[0].services[0].id
    editor = signed_in(demo, EDITOR)
    for url in (f"/manage/services/{theirs}", f"/manage/services/{theirs}/edit", f"/manage/services/{theirs}/history"):
        response = editor.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 404, url
        assert "Page not found" in page and "signed in as" not in page, url
    assert signed_in(demo, OTHER_EDITOR).get(f"/manage/services/{theirs}/edit").status_code == 200
