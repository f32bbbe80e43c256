"""Every address with a number in it (issue 18), found by walking the URL map, so a new route is covered
without anyone listing it: whatever stands where the number goes - 0, -1, ids just past a 32-bit or 64-bit
integer, thirty digits, ``1e3``, ``0x10``, digits of other scripts - the answer is never a server error.

Each address is asked for with GET, and with POST where its rule allows it (with a valid CSRF token, so the
request reaches the view), by an administrator and by someone signed out.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import example, given
from hypothesis import strategies as st
from sqlalchemy import select
from werkzeug.routing import IntegerConverter, Rule

from app import create_app
from app.accounts.operations import create_user
from app.extensions import db
from app.hubs.models import Hub
from search.sync import search_index
from tests.databases import clone, database_url, drop
from tests.test_fuzz_inputs import fuzz, unshared_randomness
from tests.web import csrf_token, new_client, sign_in

SERVER = "wellaware.test"
ADMIN = "admin@numbers.example"
PASSWORD = "numeric routes password 12345"
FINE = {200, 302, 400, 403, 404, 405}
PLACEHOLDER = re.compile(r"<(?:[^:<>]+:)?(\w+)>")

# Numbers that have broken servers: the edges of 32- and 64-bit integers, and far past them.
EDGES = (0, -1, 1, 2**31 - 1, 2**31, 2**32, 2**63 - 1, 2**63, 2**64, 10**30, -(2**63) - 1)
# Strings some parser reads as a number: exponents, hexadecimal, other scripts' digits, past int()'s limit.
LOOKALIKES = ("1e3", "0x10", "١٢", "１２", "𝟗", "²", "1_000", "+1", "01", "1.0", "-0", " 1", "1 ", "9" * 5000)
numbers = st.one_of(
    st.integers().map(str),
    st.integers(min_value=2**31 - 3, max_value=2**31 + 3).map(str),
    st.sampled_from(EDGES).map(str),
    st.sampled_from(LOOKALIKES),
    st.text(st.sampled_from("0123456789-+.eExX_ ٠١٢٣٤٥٦٧٨٩０１２"), min_size=1, max_size=25),
)


@dataclass
class Visitor:
    name: str
    client: FlaskClient
    token: str  # a CSRF token for this visitor's session


@dataclass
class Numbers:
    app: Flask
    rules: list[Rule]
    others: dict[str, str]  # a real value for each part of an address that is not a number
    visitors: list[Visitor]


def numeric_rules(app: Flask) -> list[Rule]:
    """Every rule with a part an integer converter reads (``int``, or any converter built on it)."""
    # Werkzeug keeps a rule's converters only in this private mapping; the rule's text names them but not
    # what they are.
    return [rule for rule in app.url_map.iter_rules()
            if any(isinstance(converter, IntegerConverter) for converter in rule._converters.values())]


def address(rule: Rule, number: str, others: dict[str, str]) -> str:
    """The rule's address with ``number`` in every integer part and a real value in every other part."""
    def fill(part: re.Match[str]) -> str:
        name = part.group(1)
        value = number if isinstance(rule._converters[name], IntegerConverter) else others.get(name, "x")
        return quote(value, safe="")

    return PLACEHOLDER.sub(fill, rule.rule)


@pytest.fixture(scope="module")
def numbers_world(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Numbers]:
    workdir = tmp_path_factory.mktemp("numbers")
    clone(demo_template, workdir)
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_url(workdir),
        "INDEX_DIR": str(workdir / "index"), "MAIL_FOLDER": str(workdir / "mail"),
        "LEAFLET_DIR": str(workdir / "leaflets"), "INSTANCE_PATH": str(workdir / "instance"),
        "SERVER_NAME": SERVER,
        # Hundreds of posts from one address: rate limits, tested elsewhere, would answer 429 instead.
        "RATELIMIT_ENABLED": False,
    })
    with app.app_context():
        create_user(ADMIN, PASSWORD, role="admin")
        db.session.commit()
        others = {"slug": db.session.scalars(select(Hub.slug).order_by(Hub.id)).first() or "no-hub"}
        db.session.remove()
    admin = new_client(app)
    sign_in(admin, ADMIN, PASSWORD)
    anonymous = new_client(app)
    visitors = [Visitor(name, client, csrf_token(client.get("/password/forgot").get_data(as_text=True)))
                for name, client in (("an administrator", admin), ("someone signed out", anonymous))]
    yield Numbers(app, numeric_rules(app), others, visitors)
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    search_index(app).close()
    drop(workdir)


def test_the_walk_finds_the_numeric_routes(numbers_world: Numbers) -> None:
    """A check on the walk itself: it finds the listing page and routes of every area with numbered pages."""
    found = {rule.rule for rule in numbers_world.rules}
    assert {"/services/<int:service_id>", "/referrer/services/<int:service_id>",
            "/manage/services/<int:service_id>/edit", "/admin/revisions/<int:revision_id>/approve",
            "/admin/hubs/<slug>/sections/<int:section_id>"} <= found, found


@fuzz(20)
@example("0")
@example("-1")
@example(str(2**31))
@example(str(2**63))
@example(str(10**30))
@example("1e3")
@example("0x10")
@example("١٢")
@example("1")  # a real listing, revision and account: the requests reach the views
@given(number=numbers)
def test_no_number_in_an_address_is_a_server_error(numbers_world: Numbers, number: str) -> None:
    unshared_randomness()  # a post that changes a listing writes to the search index
    for rule in numbers_world.rules:
        url = address(rule, number, numbers_world.others)
        for visitor in numbers_world.visitors:
            for method in ("GET", "POST") if "POST" in (rule.methods or ()) else ("GET",):
                where = f"{method} {url} by {visitor.name}"
                try:
                    data = {"csrf_token": visitor.token} if method == "POST" else None
                    response = visitor.client.open(url, method=method, data=data)
                except Exception as error:  # the test app re-raises what would be a 500
                    raise AssertionError(f"{where} raised {error!r}") from error
                assert response.status_code in FINE, f"{where} answered {response.status_code}"
