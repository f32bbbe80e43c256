"""Hostile input everywhere a visitor, an editor, an administrator or an import file can type (property-based).

Random Unicode (control characters, NUL, right-to-left marks, emoji), 100 KB strings, HTML and script
payloads and SQL fragments go through every query parameter of the searches and the search API, every field
of the sign-in, registration, organisation registration, listing and reject-reason forms, and every column
and field of the CSV and ORUK imports. Whatever comes in:

- nothing breaks: no status of 500 or more, no unhandled exception (the test app re-raises them);
- nothing is echoed raw: no page carries a script payload as markup, no tag gets an ``on…=`` attribute, no
  link a ``javascript:`` address (checked by parsing every HTML page), and JSON is served as JSON;
- what is accepted is kept exactly as typed (trimmed of surrounding spaces where the form says so, and
  without NUL characters, which no form or import stores) and shown escaped; a listing's Markdown
  description is rendered sanitised;
- SQL fragments are only text: the service table is still there, with every listing.
"""

import csv
import json
import random
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from html.parser import HTMLParser
from itertools import count
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st
from markupsafe import escape
from sqlalchemy import func, inspect, select
from werkzeug.test import TestResponse

from app import create_app
from app.accounts.models import User
from app.accounts.operations import create_user
from app.directory.csv_format import COLUMNS
from app.directory.models import Organisation, Revision, RevisionStatus, Service
from app.directory.phones import tidy_phone
from app.directory.visibility import is_public
from app.extensions import db
from app.timeutil import today
from search.sync import check_index
from tests.databases import clone, database_url, drop

SERVER = "wellaware.test"
PASSWORD = "fuzzing password 12345"
CSRF = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]+)"')

# --- what we throw --------------------------------------------------------------------------------------------

SCRIPT = "<script>alert(1)</script>"
IMG = '"><img src=x onerror=alert(1)>'
# Payloads that are markup: seen raw in a page, they would run.
MARKUP = (SCRIPT, IMG, "<svg onload=alert(1)>", "<a href=javascript:alert(1)>x</a>", "'><body onload=alert(1)>")
OTHER = ("javascript:alert(1)", " JaVaScRiPt:alert(document.cookie)", "' OR 1=1 --", '"; DROP TABLE service; --',
         "1; DROP TABLE service", "%' UNION SELECT name FROM sqlite_master --", "\x00", "a\x00b",
         "\u202e\u0644\u0627 evil \u202c", "💥🧠👩‍👩‍👧", "\r\n\t\x0b\x0c\x1b\x7f", "²", "٣", "𝟗", "Ⅻ", "\ufeff",
         "\u200b", "-1", "0", "1e400", "NaN", "9" * 30, " ", "", "%00", "../../etc/passwd", "{{7*7}}", "${7*7}")
KB100 = 100_000
HUGE = ("A" * KB100, "9" * KB100, (SCRIPT * (KB100 // len(SCRIPT) + 1))[:KB100], ("💥" * KB100)[: KB100 // 2])

unicode_text = st.text(st.characters(codec="utf-8"), max_size=40)
tiny_text = st.text(st.characters(codec="utf-8"), max_size=10)
wrapped = st.builds(lambda before, payload, after: before + payload + after, tiny_text,
                    st.sampled_from(MARKUP + OTHER[:6]), tiny_text)
# Short enough for any form field, still hostile.
short_nasty = st.one_of(st.sampled_from(MARKUP + OTHER), st.text(st.characters(codec="utf-8"), max_size=30), wrapped)
# Now and then (one value in ten) a 100 KB string.
nasty = st.integers(0, 9).flatmap(lambda n: st.sampled_from(HUGE) if n == 0 else st.one_of(short_nasty, unicode_text))

SLOW = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large,
        HealthCheck.filter_too_much]


def unshared_randomness() -> None:
    """Whoosh names each new index segment with the global ``random`` generator, which Hypothesis resets to the
    same seed for every example: without a fresh seed, the second example's segment would reuse the first's
    name and the index write would fail. (Each gunicorn worker is reseeded when it forks, so the site is not
    affected.)"""
    random.seed()


def fuzz(examples: int) -> settings:
    """``examples`` under the default, derandomized profile ("ci", see conftest), and as many times more as the
    profile asks for beyond its 100 (the "fuzz" profile: ten times). The derandomized run does not shrink a
    failure: every example is a real request or import, and shrinking could take Hypothesis's full five
    minutes; the fuzz run has the time, and a smaller example helps most with a bug nobody has seen."""
    profile = settings()
    phases = [phase for phase in profile.phases if phase is not Phase.shrink or not profile.derandomize]
    return settings(max_examples=examples * max(1, profile.max_examples // 100), suppress_health_check=SLOW,
                    phases=phases)


# --- judging what comes back --------------------------------------------------------------------------------------

URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data", "background"}
FOREIGN_TAGS = {"iframe", "object", "embed", "base", "frame", "frameset", "applet"}


def _scheme(url: str) -> str:
    """The scheme a browser reads in ``url`` (WHATWG URL parsing: surrounding C0 controls and spaces are
    dropped, tabs and newlines are dropped anywhere; the parser has already decoded character references)."""
    squeezed = re.sub(r"[\t\n\r]", "", url.strip("".join(map(chr, range(0x21)))))
    match = re.match(r"([A-Za-z][A-Za-z0-9+.-]*):", squeezed)
    return match.group(1).lower() if match else ""


class TagAudit(HTMLParser):
    """Markup that could run: event-handler attributes, script addresses, inline scripts, foreign frames."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._check(tag, attrs)

    def _check(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            scheme = _scheme(value) if name in URL_ATTRIBUTES and value else ""
            if scheme in {"javascript", "vbscript"} or (scheme == "data" and tag != "img"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and not values.get("src"):
            self.problems.append("an inline <script>")
        if tag in FOREIGN_TAGS:
            self.problems.append(f"a <{tag}> tag")
        if tag == "img" and values.get("src") == "x":
            self.problems.append("the injected <img src=x>")


def markup_problems(page: str) -> list[str]:
    audit = TagAudit()
    audit.feed(page)
    audit.close()
    return audit.problems


def check_response(response: TestResponse, *typed: object) -> str:
    """The response's text, once sure it is no server error and carries none of ``typed`` as live markup."""
    where = f"{response.request.method} {response.request.path}"
    assert response.status_code < 500, f"{where} gave {response.status_code}"
    body = response.get_data(as_text=True)
    response.close()
    if response.mimetype == "application/json":
        json.loads(body)  # well formed, whatever it echoes
        assert response.headers.get("X-Content-Type-Options") == "nosniff", where
        return body
    if response.mimetype != "text/html":
        return body
    lowered = body.lower()
    values = [v for value in typed for v in (value if isinstance(value, list | tuple) else [value])]
    for payload in MARKUP:
        if any(payload.lower() in str(value).lower() for value in values):
            assert payload.lower() not in lowered, f"{where} shows {payload!r} unescaped"
    problems = markup_problems(body)
    assert problems == [], f"{where}: {problems}"
    return body


def shown_escaped(text: str, page: str) -> bool:
    return str(escape(text)) in page


def kept(text: str) -> str:
    """``text`` as every form and import stores it: without NUL characters (PostgreSQL cannot store one; the
    strategies here never make the other unstorable characters, surrogates), then trimmed."""
    return text.replace("\x00", "").strip()


# --- the world ---------------------------------------------------------------------------------------------------


@dataclass
class Fuzz:
    app: Flask
    workdir: Path
    organisation: int  # the editor's organisation (trusted: their listings publish at once)
    services: int  # listings in the demo
    sessions: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # role → (address, cookie, token)


ROLE_EMAIL = {"referrer": "referrer@fuzz.example", "editor": "editor@fuzz.example", "admin": "admin@fuzz.example"}
_addresses = count(1)


def fresh_address() -> str:
    number = next(_addresses)
    return f"10.{90 + number // 65536 % 100}.{number // 256 % 256}.{number % 256}"


def page_token(client: FlaskClient, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, url
    match = CSRF.search(page.get_data(as_text=True))
    assert match, f"{url} has no CSRF token"
    return match.group(1)


@pytest.fixture(scope="module")
def world(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Fuzz]:
    workdir = tmp_path_factory.mktemp("fuzz")
    clone(demo_template, workdir)
    app = create_app({
        "TESTING": True, "SECRET_KEY": "test-secret", "SQLALCHEMY_DATABASE_URI": database_url(workdir),
        "SEARCH_RATE_LIMIT": "100000 per minute", "INDEX_DIR": str(workdir / "index"),
        "MAIL_FOLDER": str(workdir / "mail"), "LEAFLET_DIR": str(workdir / "leaflets"), "SERVER_NAME": SERVER,
        "INSTANCE_PATH": str(workdir / "instance"),
    })
    with app.app_context():
        organisation = db.session.scalars(select(Organisation).order_by(Organisation.name)).first()
        organisation.trusted = True
        create_user(ROLE_EMAIL["referrer"], PASSWORD, role="referrer")
        create_user(ROLE_EMAIL["editor"], PASSWORD, role="editor", organisation=organisation)
        create_user(ROLE_EMAIL["admin"], PASSWORD, role="admin")
        db.session.commit()
        fuzz_world = Fuzz(app, workdir, organisation.id, db.session.scalar(select(func.count(Service.id))))
        db.session.remove()
    for role, email in ROLE_EMAIL.items():
        address = fresh_address()
        client = signed_out(app, address)
        response = client.post("/sign-in", data={"email": email, "password": PASSWORD,
                                                 "csrf_token": page_token(client, "/sign-in")})
        assert response.status_code == 302, role
        token = page_token(client, "/password/forgot")
        fuzz_world.sessions[role] = (address, client.get_cookie("session", domain=SERVER).value, token)
    yield fuzz_world
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    drop(workdir)


def signed_out(app: Flask, address: str | None = None) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address or fresh_address()
    return client


def signed_in(world: Fuzz, role: str) -> tuple[FlaskClient, str]:
    address, cookie, token = world.sessions[role]
    client = signed_out(world.app, address)
    client.set_cookie("session", cookie, domain=SERVER)
    return client, token


def assert_directory_intact(world: Fuzz) -> None:
    """SQL fragments stayed text: the service table is there with at least every demo listing."""
    with world.app.app_context():
        assert inspect(db.engine).has_table("service")
        assert db.session.scalar(select(func.count(Service.id))) >= world.services
        db.session.remove()


# --- searches and the search API ------------------------------------------------------------------------------------

SEARCH_PARAMETERS = ("q", "age", "cost", "category", "audience", "area", "referral", "access", "accessibility",
                     "when", "postcode", "page")
REFERRER_PARAMETERS = (*SEARCH_PARAMETERS, "cluster", "superclass")
API_PARAMETERS = ("search", "page", "per_page", "minimum_age", "maximum_age", "taxonomy_term_id", "taxonomy_id",
                  "postcode", "proximity", "day", "start_time", "end_time")
LOCATION_PARAMETERS = API_PARAMETERS
ENDPOINTS = {"/search": SEARCH_PARAMETERS, "/referrer/search": REFERRER_PARAMETERS,
             "/api/services": API_PARAMETERS, "/api/service_at_locations": LOCATION_PARAMETERS}
ALL_PARAMETERS = tuple(sorted({name for names in ENDPOINTS.values() for name in names}))
value_or_values = st.one_of(nasty, st.lists(nasty, min_size=2, max_size=3))
NUMBERS = ("age", "page", "cluster", "per_page", "minimum_age", "maximum_age", "proximity")


def query_pairs(params: dict[str, object]) -> list[tuple[str, str]]:
    return [(name, str(v)) for name, value in params.items() for v in (value if isinstance(value, list) else [value])]


# One set of parameters is drawn for all four addresses, and each is sent only those it reads: the API
# refuses a parameter it does not read (tests/test_api_filters.py), so the others' would stop every request
# before it reached a filter.
@pytest.mark.parametrize("path", sorted(ENDPOINTS))
@fuzz(12)
@example({name: "²" for name in NUMBERS})  # a digit to str.isdigit(), not to int()
@example({name: "𝟗" for name in NUMBERS})
@example({name: "9" * KB100 for name in NUMBERS})  # past int()'s 4300-digit limit
@example({name: SCRIPT for name in ALL_PARAMETERS})
@example({name: [IMG, "<svg onload=alert(1)>"] for name in ALL_PARAMETERS})
@example({"q": "' OR 1=1 --", "search": '"; DROP TABLE service; --', "cluster": "1; DROP TABLE service",
          "postcode": "%' UNION SELECT name FROM sqlite_master --", "taxonomy_term_id": "' OR 1=1 --"})
@example({"q": "A" * KB100, "search": "\x00\u202e💥", "postcode": "BA1 1AA", "proximity": "1e400"})
@example({"postcode": "BA1 1AA", "proximity": "NaN", "minimum_age": "20", "maximum_age": "10"})
@example({"day": "XX", "start_time": "25:99", "end_time": "00:00", "taxonomy_id": "' OR 1=1 --"})
@given(params=st.fixed_dictionaries({}, optional={name: value_or_values for name in ALL_PARAMETERS}))
def test_search_parameters(world: Fuzz, path: str, params: dict[str, object]) -> None:
    client = signed_in(world, "referrer")[0] if path.startswith("/referrer/") else signed_out(world.app)
    params = {name: value for name, value in params.items() if name in ENDPOINTS[path]}
    response = client.get(path, query_string=query_pairs(params))
    check_response(response, *params.values())
    assert response.status_code in (200, 400), f"{path} {response.status_code}"
    assert_directory_intact(world)


# --- forms ---------------------------------------------------------------------------------------------------------


def post_form(client: FlaskClient, url: str, token: str, fields: dict[str, object]) -> TestResponse:
    return client.post(url, data={**fields, "csrf_token": token})


@fuzz(15)
@example({"email": SCRIPT, "password": IMG})
@example({"email": "a\x00@example.org", "password": "\x00"})
@example({"email": "' OR 1=1 --", "password": '"; DROP TABLE service; --'})
@example({"email": "A" * KB100, "password": "9" * KB100})
@given(fields=st.fixed_dictionaries({"email": nasty, "password": nasty}))
def test_sign_in_form(world: Fuzz, fields: dict[str, str]) -> None:
    client = signed_out(world.app)
    response = post_form(client, "/sign-in", page_token(client, "/sign-in"), fields)
    check_response(response, *fields.values())
    assert response.status_code in (400, 429), "a made-up account signed in"
    assert_directory_intact(world)


def valid_email(number: int) -> str:
    return f"fuzz-{number}@gp.fuzz.example"


_emails = count(1)


@st.composite
def registrations(draw: st.DrawFn) -> dict[str, str]:
    password = draw(st.one_of(short_nasty, st.just(PASSWORD)))
    return {
        "name": draw(st.one_of(short_nasty, nasty)),
        "email": draw(st.one_of(st.builds(lambda: valid_email(next(_emails))), nasty)),
        "password": password,
        "confirm": draw(st.one_of(st.just(password), short_nasty)),
    }


def stored_user(world: Fuzz, email: str) -> User | None:
    with world.app.app_context():
        user = db.session.scalar(select(User).where(func.lower(User.email) == kept(email).lower()))
        if user is not None:
            db.session.expunge(user)
        db.session.remove()
        return user


CHECK_EMAIL = "<h1>Check your email</h1>"


@fuzz(12)
@example({"name": SCRIPT + IMG, "email": "fuzz-explicit-1@gp.fuzz.example", "password": PASSWORD,
          "confirm": PASSWORD})
@example({"name": "\u202eRTL \x00 nul 💥", "email": "fuzz-explicit-2@gp.fuzz.example", "password": PASSWORD,
          "confirm": PASSWORD})
@example({"name": "A" * KB100, "email": SCRIPT, "password": IMG, "confirm": IMG})
@given(fields=registrations())
def test_registration_form(world: Fuzz, fields: dict[str, str]) -> None:
    client = signed_out(world.app)
    fresh = stored_user(world, fields["email"]) is None
    response = post_form(client, "/professionals/register", page_token(client, "/professionals/register"), fields)
    page = check_response(response, *fields.values())
    user = stored_user(world, fields["email"])
    if CHECK_EMAIL in page:
        assert user is not None, "registered, but there is no account"
        assert user.name == kept(fields["name"]), "the name was not kept as typed"
        assert shown_escaped(user.email, page)
    else:
        assert response.status_code in (400, 429)
        assert not fresh or user is None, "a refused registration made an account"
    assert_directory_intact(world)


@st.composite
def organisation_registrations(draw: st.DrawFn) -> dict[str, str]:
    password = draw(st.one_of(short_nasty, st.just(PASSWORD)))
    number = next(_emails)
    plain = {"name": f"Fuzz Organisation {number}", "description": "", "website": "", "phone": "", "email": "",
             "charity_number": "", "editor_name": "Fuzz Editor", "editor_email": valid_email(number),
             "password": password, "confirm": password}
    hostile = draw(st.fixed_dictionaries({}, optional={name: st.one_of(short_nasty, nasty) for name in plain}))
    return {**plain, **hostile}


def stored_organisation(world: Fuzz, name: str) -> Organisation | None:
    with world.app.app_context():
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == kept(name)))
        if organisation is not None:
            db.session.expunge(organisation)
        db.session.remove()
        return organisation


@fuzz(12)
@example({"name": SCRIPT, "description": IMG, "website": "javascript:alert(1)", "phone": "' OR 1=1 --",
          "email": '"; DROP TABLE service; --', "charity_number": "<b>1</b>", "editor_name": IMG,
          "editor_email": "fuzz-org-explicit@gp.fuzz.example", "password": PASSWORD, "confirm": PASSWORD})
@example({"name": "Fuzz \x00 \u202eOrg💥 " + IMG, "description": SCRIPT * 10, "website": "", "phone": "\x00",
          "email": "", "charity_number": "", "editor_name": "\u202e\x00", "editor_email":
          "fuzz-org-explicit-2@gp.fuzz.example", "password": PASSWORD, "confirm": PASSWORD})
@given(fields=organisation_registrations())
def test_organisation_registration_form(world: Fuzz, fields: dict[str, str]) -> None:
    client = signed_out(world.app)
    existed = stored_organisation(world, fields["name"]) is not None
    response = post_form(client, "/manage/register", page_token(client, "/manage/register"), fields)
    page = check_response(response, *fields.values())
    organisation = stored_organisation(world, fields["name"])
    if CHECK_EMAIL in page:
        assert organisation is not None and not existed, "registered, but the organisation is not there"
        assert organisation.status == "pending"
        for name in ("name", "description", "website", "phone", "email", "charity_number"):
            assert getattr(organisation, name) == kept(fields[name]), f"{name} was not kept as typed"
        editor = stored_user(world, fields["editor_email"])
        assert editor is not None and editor.name == kept(fields["editor_name"])
        admin, _ = signed_in(world, "admin")
        queue = check_response(admin.get("/admin/queue"), *fields.values())
        assert shown_escaped(organisation.name, queue), "the queue does not show the organisation's name escaped"
    else:
        assert response.status_code in (400, 429)
        assert existed or organisation is None, "a refused registration made an organisation"
    assert_directory_intact(world)


LISTING = {"kind": "service", "name": "Fuzz listing", "summary": "A listing written by a fuzzer",
           "description": "Plain words.", "categories": ["wellbeing"], "cost": "free", "referral": ["self"],
           "access": ["phone"], "areas": ["bath"], "phone": "0800 000 000"}
LISTING_FIELDS = ("kind", "name", "summary", "description", "categories", "audiences", "all_clusters",
                  "clusters_main", "clusters_also", "min_age", "max_age", "cost", "cost_options", "referral",
                  "access", "accessibility", "areas", "locations-0-address", "locations-0-postcode", "always_open",
                  "opening_rows-0-pattern", "opening_rows-0-days", "opening_rows-0-opens", "opening_rows-0-closes",
                  "event_date", "event_times", "phone", "email", "website")


def newest_service(world: Fuzz) -> Service | None:
    with world.app.app_context():
        service = db.session.scalars(select(Service).order_by(Service.id.desc())).first()
        if service is not None:
            db.session.expunge(service)
        db.session.remove()
        return service


def post_listing(world: Fuzz, fields: dict[str, object]) -> tuple[TestResponse, Service | None]:
    unshared_randomness()
    client, token = signed_in(world, "editor")
    before = newest_service(world)
    response = post_form(client, f"/manage/organisations/{world.organisation}/services/new", token, fields)
    after = newest_service(world)
    created = after if after is not None and (before is None or after.id != before.id) else None
    return response, created


@fuzz(15)
@example({"name": SCRIPT, "summary": IMG, "description": "[x](javascript:alert(1))", "min_age": "²",
          "max_age": "9" * KB100, "locations-0-address": SCRIPT, "locations-0-postcode": IMG})
@example({"cost_options": "Session £1e400 per " + SCRIPT, "event_times": SCRIPT, "event_date": "2024-02-30",
          "opening_rows-0-pattern": "weekly", "opening_rows-0-days": "Mon", "opening_rows-0-opens": "²",
          "opening_rows-0-closes": "\x00"})
@example({"kind": SCRIPT, "categories": ["' OR 1=1 --"], "clusters_main": ["²"], "clusters_also": ["9" * KB100],
          "areas": ['"; DROP TABLE service; --'], "website": "javascript:alert(1)", "email": IMG})
@given(hostile=st.fixed_dictionaries({}, optional={name: value_or_values for name in LISTING_FIELDS}))
def test_listing_form_any_field(world: Fuzz, hostile: dict[str, object]) -> None:
    fields = {**LISTING, **hostile}
    response, created = post_listing(world, fields)
    check_response(response, *fields.values())
    if response.status_code == 302:
        assert created is not None, "the form was accepted but no listing was made"
    else:
        assert created is None, f"a listing was made although the form answered {response.status_code}"
    assert_directory_intact(world)


def has_words(text: str) -> bool:
    return bool(kept(text))


MARKDOWN_ATTACKS = (
    SCRIPT, IMG, "<svg onload=alert(1)>", "[click](javascript:alert(1))", "[click](JaVaScRiPt:alert(1))",
    "[click]( javascript:alert(1) )", "[click](java\tscript:alert(1))", "[click](jav&#x61;script:alert(1))",
    "<javascript:alert(1)>", "[r][1]\n\n[1]: javascript:alert(1)", '<a href="javascript:alert(1)">x</a>',
    '<a href="#" onclick="alert(1)">x</a>', "![img](x \"title\" onerror=alert(1))", '<img src="x" onerror="alert(1)">',
    "<iframe src=javascript:alert(1)></iframe>", "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<details open ontoggle=alert(1)>", "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)", "<<script>script>alert(1)<</script>/script>",
    "<scr<script>ipt>alert(1)</script>", "```\n<script>alert(1)</script>\n```", "`<img src=x onerror=alert(1)>`",
    "> <script>alert(1)</script>", "* <a href=javascript:alert(1)>x</a>", "<object data=javascript:alert(1)>",
)
markdown = st.lists(st.one_of(st.sampled_from(MARKDOWN_ATTACKS), st.text(st.characters(codec="utf-8"),
                                                                           max_size=20)),
                    min_size=1, max_size=6).map("\n\n".join).filter(has_words)
listing_text = short_nasty.filter(has_words)


def run_stored_listing_checks(world: Fuzz, name: str, summary: str, description: str, address: str) -> None:
    fields = {**LISTING, "name": name, "summary": summary, "description": description,
              "locations-0-address": address}
    response, created = post_listing(world, fields)
    check_response(response, *fields.values())
    assert response.status_code == 302, f"a valid listing was refused ({response.status_code})"
    assert created is not None
    assert created.name == kept(name) and created.summary == kept(summary), "not kept as typed"
    assert created.description == kept(description), "the description was not kept as typed"
    with world.app.app_context():
        service = db.session.get(Service, created.id)
        assert [location.address for location in service.locations] == [kept(address)]
        public = is_public(service)
        db.session.remove()
    assert public, "a trusted organisation's listing is not published"
    page = check_response(signed_out(world.app).get(f"/services/{created.id}"), *fields.values())
    assert shown_escaped(created.name, page), "the listing page does not show the name escaped"
    assert shown_escaped(created.summary, page), "the listing page does not show the summary escaped"
    assert "<script" not in page.lower().replace('<script type="module" src=', ""), "a script in the listing"


@fuzz(12)
@example(SCRIPT, IMG, "<script>alert(1)</script>\n\n[x](javascript:alert(1))", "\x00 " + SCRIPT)
@example("\u202eRTL name \x00 💥", "' OR 1=1 --", '<a href="#" onclick="alert(1)">x</a>', '"; DROP TABLE service; --')
@given(name=listing_text, summary=listing_text, description=markdown, address=listing_text)
def test_listing_text_is_kept_and_shown_escaped(world: Fuzz, name: str, summary: str, description: str,
                                                address: str) -> None:
    run_stored_listing_checks(world, name, summary, description, address)
    assert_directory_intact(world)


def test_the_index_still_matches_the_database_after_the_fuzzed_listings(world: Fuzz) -> None:
    """Every listing the fuzzers published is in the index as the database holds it (`search check`)."""
    with world.app.app_context():
        result = check_index()
        db.session.remove()
    assert result.ok, f"missing {result.missing}, stale {result.stale}, extra {result.extra}"


def pending_revision(world: Fuzz) -> tuple[int, int]:
    """A change waiting for approval on one of the demo's listings; returns (revision id, service id)."""
    with world.app.app_context():
        service = db.session.scalars(select(Service).where(Service.status == "published").order_by(Service.id)).first()
        approved = next(r for r in service.revisions if r.status == RevisionStatus.APPROVED)
        revision = Revision(source="web", status=RevisionStatus.PENDING,
                            data={**approved.data, "summary": "A change to reject"})
        service.revisions.append(revision)
        db.session.commit()
        ids = revision.id, service.id
        db.session.remove()
        return ids


@fuzz(12)
@example(SCRIPT)
@example(IMG + "\x00\u202e💥")
@example('"; DROP TABLE service; --')
@example("A" * KB100)
@example("  spaces around  \r\n")
@given(reason=nasty)
def test_reject_reason(world: Fuzz, reason: str) -> None:
    revision_id, service_id = pending_revision(world)
    admin, token = signed_in(world, "admin")
    response = post_form(admin, f"/admin/revisions/{revision_id}/reject", token, {"reason": reason})
    check_response(response, reason)
    with world.app.app_context():
        revision = db.session.get(Revision, revision_id)
        status, stored = revision.status, revision.reason
        db.session.remove()
    if response.status_code == 302:
        assert status == RevisionStatus.REJECTED
        assert stored == reason.replace("\x00", ""), "the reason was not kept as typed"
        history = check_response(admin.get(f"/admin/services/{service_id}/history"), reason)
        assert shown_escaped(stored, history), "the history does not show the reason escaped"
    else:
        assert response.status_code == 400 and status == RevisionStatus.PENDING
        assert not kept(reason) or len(reason.replace("\x00", "")) > 2000, "a usable reason was refused"
    assert_directory_intact(world)


# --- the CSV import --------------------------------------------------------------------------------------------

_rows = count(1)
TEXT_COLUMNS = ("organisation", "name", "summary", "description", "phone", "address")


def base_row(number: int) -> dict[str, str]:
    return {"external_id": f"fuzz-{number}", "organisation": "Fuzz Imports", "kind": "service",
            "name": f"Fuzz import {number}", "summary": "Imported by a fuzzer", "description": "Plain words.",
            "categories": "wellbeing", "audiences": "", "clusters_main": "", "clusters_also": "",
            "all_clusters": "no", "min_age": "", "max_age": "", "cost": "free", "cost_detail": "",
            "referral": "self", "access": "phone", "accessibility": "", "areas": "bath", "address": "",
            "postcode": "", "phone": "0800 000 000", "email": "", "website": "", "opening_hours": "Mon 10:00-12:00",
            "event_date": "", "assured_at": today().isoformat()}


def write_csv(world: Fuzz, row: dict[str, str]) -> Path:
    folder = world.workdir / "imports"
    folder.mkdir(exist_ok=True)
    path = folder / f"{row['external_id'][:20].encode().hex() or 'blank'}-{next(_rows)}.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        # As a spreadsheet writes it: CRLF between records, so any field with CR or LF in it is quoted.
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerow(row)
    return path


def as_read(value: str) -> str:
    """``value`` as the CLI reads it: `import services` opens the file with universal newlines, so a CR or CRLF
    inside a quoted field arrives as LF (the web upload keeps them)."""
    return value.replace("\r\n", "\n").replace("\r", "\n")


def listing_counts(world: Fuzz) -> tuple[int, int]:
    with world.app.app_context():
        counts = (db.session.scalar(select(func.count(Service.id))), db.session.scalar(select(func.count(Revision.id))))
        db.session.remove()
        return counts


def run_import(world: Fuzz, *args: str):
    unshared_randomness()
    result = world.app.test_cli_runner().invoke(args=list(args))
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"`{' '.join(args[:2])}` failed with an unhandled exception") from result.exception
    assert result.exit_code in (0, 1), result.output
    return result


def imported(world: Fuzz, external_id: str) -> Service | None:
    with world.app.app_context():
        service = db.session.scalar(select(Service).where(Service.external_id == external_id))
        if service is not None:
            service.locations  # noqa: B018  (loaded before leaving the session)
            db.session.expunge(service)
        db.session.remove()
        return service


@fuzz(15)
@example({"name": SCRIPT, "description": IMG + "\n\n[x](javascript:alert(1))", "phone": "' OR 1=1 --"})
@example({"organisation": '"; DROP TABLE service; --', "summary": "\x00\u202e💥", "address": SCRIPT})
@example({"min_age": "²", "max_age": "9" * KB100, "clusters_main": "𝟗", "event_date": "2024-02-30",
          "assured_at": "9999-99-99", "cost_detail": "Session £1e400"})
@example({"external_id": "A" * KB100, "phone": "9" * KB100, "opening_hours": SCRIPT, "all_clusters": "\x00"})
@example({"description": "A" * KB100, "address": "\x00", "postcode": IMG})
@given(hostile=st.fixed_dictionaries({}, optional={column: nasty for column in COLUMNS}))
def test_csv_import_any_column(world: Fuzz, hostile: dict[str, str]) -> None:
    row = {**base_row(next(_rows)), **hostile}
    before = listing_counts(world)
    result = run_import(world, "import", "services", str(write_csv(world, row)))
    external_id = kept(row["external_id"])
    if result.exit_code == 1:
        assert listing_counts(world) == before, "a refused import wrote something"
        assert "nothing was imported" in result.output
    else:
        service = imported(world, external_id) if external_id else newest_service(world)
        assert service is not None, "the import said it worked but the listing is not there"
        for column in ("name", "summary", "description"):
            assert getattr(service, column) == kept(as_read(row[column])), f"{column} was not kept as written"
        # A phone number is checked and written the UK way (app.directory.phones), not kept as any text.
        assert service.phone == tidy_phone(kept(as_read(row["phone"]))), "the phone number was not kept"
        addresses = [kept(part) for part in as_read(row["address"]).split(";") if kept(part)]
        assert [location.address for location in service.locations] == addresses, "the address was not kept"
        response = signed_out(world.app).get(f"/services/{service.id}")
        page = check_response(response, *row.values())
        if response.status_code == 200:
            assert shown_escaped(service.name, page)
    assert_directory_intact(world)


csv_text = short_nasty.filter(has_words)
# The phone number is not text to keep as written: it is checked as a number (tests/test_phones_and_hours.py).
@fuzz(12)
@example(SCRIPT, IMG, "<script>alert(1)</script>\n\n[x](javascript:alert(1))", "\x00 " + SCRIPT)
@example('"; DROP TABLE service; --', "\u202eRTL \x00 💥", '<a href="#" onclick="alert(1)">x</a>', "a;b")
@given(name=csv_text, organisation=csv_text, description=markdown, address=short_nasty)
def test_csv_import_text_is_kept_and_shown_escaped(world: Fuzz, name: str, organisation: str, description: str,
                                                   address: str) -> None:
    row = {**base_row(next(_rows)), "name": name, "organisation": organisation, "summary": name,
           "description": description, "address": address}
    result = run_import(world, "import", "services", str(write_csv(world, row)))
    assert result.exit_code == 0, f"a row with only unusual text was refused: {result.output}"
    for column in ("name", "organisation", "summary", "description", "address"):
        if "\x00" in row[column]:  # removed, and said so
            assert f"{column}: removed {row[column].count(chr(0))} invisible character" in result.output
    service = imported(world, row["external_id"])
    assert service is not None
    for column in ("name", "summary", "description"):
        assert getattr(service, column) == kept(as_read(row[column])), f"{column} was not kept as written"
    assert [location.address for location in service.locations] == [
        kept(part) for part in as_read(address).split(";") if kept(part)], "the address was not kept as written"
    page = check_response(signed_out(world.app).get(f"/services/{service.id}"), *row.values())
    assert shown_escaped(service.name, page) and shown_escaped(kept(as_read(organisation)), page)
    assert_directory_intact(world)


# --- the ORUK import -------------------------------------------------------------------------------------------


def oruk_service(number: int) -> dict[str, object]:
    return {
        "id": f"00000000-0000-4000-8000-{number:012d}",
        "name": f"Fuzz ORUK service {number}",
        "description": "A one-line summary\n\nAnd the rest of the description.",
        "email": "hello@fuzz.example",
        "url": "https://fuzz.example/service",
        "minimum_age": 18,
        "maximum_age": 65,
        "assured_date": today().isoformat(),
        "organization": {"id": f"00000000-0000-4000-9000-{number:012d}", "name": "Fuzz ORUK Organisation",
                         "description": "An organisation", "email": "org@fuzz.example",
                         "website": "https://fuzz.example", "organization_identifiers": [
                             {"identifier_scheme": "GB-CHC", "identifier": "1234567"}]},
        "attributes": [{"taxonomy_term": {"taxonomy": "categories", "code": "wellbeing", "name": "Wellbeing"}}],
        "service_areas": [{"name": "Bath", "uri": "urn:wellaware:area:bath"}],
        "service_at_locations": [{"location": {"addresses": [
            {"address_1": "1 High Street", "city": "Bath", "postal_code": "BA1 5AW"}]}}],
        "contacts": [{"phones": [{"number": "01225 000000"}]}],
        "schedules": [{"freq": "WEEKLY", "byday": "MO", "opens_at": "10:00", "closes_at": "12:00",
                       "description": "Mondays"}],
        "cost_options": [],
    }


def write_json(world: Fuzz, document: object, text: str | None = None) -> Path:
    folder = world.workdir / "imports"
    folder.mkdir(exist_ok=True)
    path = folder / f"oruk-{next(_rows)}.json"
    path.write_text(text if text is not None else json.dumps(document), encoding="utf-8")
    return path


def oruk_fields(document: dict[str, object], values: dict[str, object]) -> dict[str, object]:
    """``document`` with each ``values`` key (a path like ``organization.name``) set to its value. Deeper
    paths go first, while the parts above them still have their usual shape; a shallower value replaces them."""
    for dotted, value in sorted(values.items(), key=lambda item: -item[0].count(".")):
        target: object = document
        *parents, last = dotted.split(".")
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]  # type: ignore[index]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value  # type: ignore[index]
    return document


ORUK_TEXT_FIELDS = ("id", "name", "description", "email", "url", "assured_date", "organization.name",
                    "organization.description", "organization.email", "organization.website",
                    "organization.organization_identifiers.0.identifier", "attributes.0.taxonomy_term.code",
                    "attributes.0.taxonomy_term.name", "attributes.0.taxonomy_term.taxonomy", "service_areas.0.name",
                    "service_at_locations.0.location.addresses.0.address_1",
                    "service_at_locations.0.location.addresses.0.city",
                    "service_at_locations.0.location.addresses.0.postal_code", "contacts.0.phones.0.number",
                    "schedules.0.byday", "schedules.0.opens_at", "schedules.0.closes_at", "schedules.0.description")


@fuzz(15)
@example({"name": SCRIPT, "description": IMG + "\n\n[x](javascript:alert(1))", "contacts.0.phones.0.number": IMG})
@example({"organization.name": '"; DROP TABLE service; --', "id": "' OR 1=1 --", "email": "\x00"})
@example({"name": "A" * KB100, "service_at_locations.0.location.addresses.0.address_1": "9" * KB100})
@example({"contacts.0.phones.0.number": "9" * KB100})
@example({"schedules.0.opens_at": "²", "schedules.0.byday": SCRIPT, "assured_date": "9999-99-99"})
@given(hostile=st.fixed_dictionaries({}, optional={name: nasty for name in ORUK_TEXT_FIELDS}))
def test_oruk_import_text_fields(world: Fuzz, hostile: dict[str, str]) -> None:
    document = oruk_fields(oruk_service(next(_rows)), hostile)
    before = listing_counts(world)
    result = run_import(world, "import", "oruk", str(write_json(world, document)))
    if result.exit_code == 1:
        assert listing_counts(world) == before, "a refused import wrote something"
        return
    with world.app.app_context():
        service = db.session.scalar(select(Service).where(Service.uid == kept(str(document["id"]))))
        assert service is not None, "the import said it worked but the service is not there"
        assert service.name == kept(str(document["name"])), "the name was not kept as written"
        assert service.organisation.name == kept(str(document["organization"]["name"]))  # type: ignore[index]
        service_id = service.id
        db.session.remove()
    page = check_response(signed_out(world.app).get(f"/services/{service_id}"), *hostile.values())
    assert "<script" not in page.lower().replace('<script type="module" src=', "")
    assert_directory_intact(world)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), unicode_text, st.sampled_from(MARKUP + OTHER)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(unicode_text, inner, max_size=3)),
    max_leaves=6,
)
ORUK_ANY_FIELDS = ("name", "description", "minimum_age", "maximum_age", "organization", "attributes",
                   "service_areas", "service_at_locations", "contacts", "schedules", "cost_options", "assured_date",
                   "last_modified", "email", "url", "organization.organization_identifiers",
                   "service_at_locations.0.location", "service_at_locations.0.location.addresses",
                   "contacts.0.phones", "schedules.0", "schedules.0.interval", "attributes.0.taxonomy_term")


@fuzz(25)
@example({"minimum_age": float("inf")})
@example({"maximum_age": float("nan")})
@example({"minimum_age": 1.5, "maximum_age": 10**40})
@example({"schedules": 5})
@example({"attributes": 1, "service_areas": True})
@example({"service_at_locations.0.location": "a place"})
@example({"service_at_locations.0.location.addresses": [5]})
@example({"contacts": 7})
@example({"organization.organization_identifiers": 3})
@example({"cost_options": [{"option": "Session", "amount": "NaN"}]})
@example({"cost_options": [{"option": "Session", "amount": "1e30"}]})
@example({"cost_options": [{"option": "Session", "amount": "Infinity"}]})
@given(hostile=st.fixed_dictionaries({}, optional={name: json_values for name in ORUK_ANY_FIELDS}))
def test_oruk_import_any_value(world: Fuzz, hostile: dict[str, object]) -> None:
    """Any JSON value in any field: the import reports or imports, never fails with a traceback."""
    document = oruk_fields(oruk_service(next(_rows)), hostile)
    before = listing_counts(world)
    text = json.dumps(document, allow_nan=True)
    result = run_import(world, "import", "oruk", str(write_json(world, document, text)))
    if result.exit_code == 1:
        assert listing_counts(world) == before, "a refused import wrote something"
    else:
        with world.app.app_context():
            service = db.session.scalar(select(Service).where(Service.uid == str(document["id"])))
            assert service is not None
            service_id = service.id
            db.session.remove()
        check_response(signed_out(world.app).get(f"/services/{service_id}"), *map(str, hostile.values()))
    assert_directory_intact(world)


def test_an_old_oruk_assured_date_stays_out_of_public_search(world: Fuzz) -> None:
    """A control for the ORUK checks above: an accepted service with an old assured date is imported but
    not public, so the listing-page checks above really look at public pages."""
    document = oruk_service(next(_rows))
    document["assured_date"] = (today() - timedelta(days=3 * 365)).isoformat()
    result = run_import(world, "import", "oruk", str(write_json(world, document)))
    assert result.exit_code == 0, result.output
    with world.app.app_context():
        service = db.session.scalar(select(Service).where(Service.uid == document["id"]))
        assert service is not None and not is_public(service)
        db.session.remove()
