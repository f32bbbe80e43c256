"""Every route for every role: who may reach what, and what each of them is told.

The routes come from the application's own URL map. ``RULES`` holds, for each endpoint, the address to call
(filled from the demo: organisation A's listing and organisation for the editor-of-A checks, which are at
the same time the cross-organisation checks for the editor of organisation B), the outcome each role must
get for GET and — for routes that take POST — for a POST with a valid CSRF token and a valid minimal form.
A route in the URL map without a rule here fails ``test_every_route_has_a_rule``.

Outcomes: ``ok`` a 2xx, or a redirect that stays in the area asked for; ``signin`` a redirect to /sign-in
that comes back to the address; ``403`` the page saying which kind of account an area is for (a signed-in
role that cannot use the area at all); ``404`` that status (an object that is not theirs, or that does not
exist), ``405`` likewise. A refused POST must leave every table of the database exactly as it was; an
allowed POST marked ``changes`` must change it (so the payload is real and a refusal cannot come from a bad
form). No body, whatever its status, for a role other than referrer or administrator may carry the name of a
care cluster (the only exception: the listing form, where an editor tags their own listing).
"""

import html
import io
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text
from werkzeug.test import TestResponse

from app import create_app
from app.accounts.models import ReferrerStatus, TrustedDomain, User
from app.accounts.operations import create_user
from app.accounts.passwords import hash_password
from app.accounts.tokens import confirm_token, reset_token
from app.directory.models import Organisation, OrganisationStatus, Revision, RevisionStatus
from app.directory.operations import archive
from app.directory.visibility import is_public
from app.extensions import db
from app.freshness.links import confirmation_token
from app.hubs.models import Hub
from app.problems.models import ProblemKind
from app.problems.operations import file_report
from app.taxonomies import clusters, taxonomy
from app.timeutil import today, utcnow
from exports.leaflets.manifest import MANIFEST_NAME, MANIFEST_VERSION
from exports.oruk import service_at_location_documents, taxonomy_document, term_document
from tests.databases import THROTTLE_TABLES, clone, database_url, drop

PASSWORD = "matrix password 12345"
SERVER = "wellaware.test"
CSRF = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]+)"')

ANONYMOUS, PUBLIC, PENDING, REFERRER, EDITOR_A, EDITOR_B, ADMIN = ROLES = (
    "anonymous", "public session", "pending referrer", "referrer", "editor of A", "editor of B", "admin")
SEES_CLUSTERS = {REFERRER, ADMIN}
# Each role browses from its own address, so no rate limit counts one role's requests against another's.
ADDRESS = {role: f"10.71.0.{number}" for number, role in enumerate(ROLES, 1)}
EMAIL = {PENDING: "pending@gp.matrix.example", REFERRER: "referrer@gp.matrix.example",
         EDITOR_A: "editor-a@matrix.example", EDITOR_B: "editor-b@matrix.example", ADMIN: "admin@matrix.example"}

OK, SIGNIN, REFUSED_AS_TYPED, FORBIDDEN, NOT_FOUND, NOT_ALLOWED = "ok", "signin", "400", "403", "404", "405"


def expect(**by_role: str) -> dict[str, str]:
    keys = {"anonymous": ANONYMOUS, "public": PUBLIC, "pending": PENDING, "referrer": REFERRER,
            "editor_a": EDITOR_A, "editor_b": EDITOR_B, "admin": ADMIN}
    table = {keys[name]: outcome for name, outcome in by_role.items()}
    assert set(table) == set(ROLES), f"an outcome for every role: {sorted(set(ROLES) - set(table))} missing"
    return table


EVERYONE = expect(anonymous=OK, public=OK, pending=OK, referrer=OK, editor_a=OK, editor_b=OK, admin=OK)
SIGNED_IN = expect(anonymous=SIGNIN, public=SIGNIN, pending=OK, referrer=OK, editor_a=OK, editor_b=OK, admin=OK)
# Whole areas: a signed-in role that cannot use one is told which account can (403).
REFERRERS = expect(anonymous=SIGNIN, public=SIGNIN, pending=FORBIDDEN, referrer=OK, editor_a=FORBIDDEN,
                   editor_b=FORBIDDEN, admin=OK)
# Organisation A's things: to anyone else they do not exist (404).
EDITORS_OF_A = expect(anonymous=SIGNIN, public=SIGNIN, pending=NOT_FOUND, referrer=NOT_FOUND, editor_a=OK,
                      editor_b=NOT_FOUND, admin=OK)
ADMINS = expect(anonymous=SIGNIN, public=SIGNIN, pending=FORBIDDEN, referrer=FORBIDDEN, editor_a=FORBIDDEN,
                editor_b=FORBIDDEN, admin=OK)
# A referrer's notes on the shortlist: anyone else is told the page does not exist, signed in or not.
REFERRER_NOTES = expect(anonymous=NOT_FOUND, public=NOT_FOUND, pending=NOT_FOUND, referrer=OK, editor_a=NOT_FOUND,
                        editor_b=NOT_FOUND, admin=OK)


def refused_as_typed(table: dict[str, str]) -> dict[str, str]:
    """A form posted with a problem in what was typed: those who may use it get it back with the problem (400)."""
    return {role: REFUSED_AS_TYPED if outcome == OK else outcome for role, outcome in table.items()}


EVERYONE_REFUSED_AS_TYPED = refused_as_typed(EVERYONE)


# --- the world: the demo, plus the people and things the routes act on -------------------------------------------


@dataclass
class World:
    workdir: Path
    org_a: int
    org_b: int
    org_a_name: str
    service_a: int  # published, public, with care clusters and a location; a change of it is waiting
    service_b: int
    service_a_uid: str
    location_uid: str
    archived_a: dict[str, int]  # role → an archived listing of organisation A for that role to restore
    pending_revision: int  # the change waiting on service_a
    approved_revision: int  # service_a's first, approved version
    pending_org: int
    archived_org: int  # an archived organisation, for the administrator to restore
    waiting_referrer: int  # registered, confirmed, waiting for approval (not the pending-referrer role)
    trusted_domain: int
    hub: str
    section: int  # a section that is not the hub's last
    taxonomy_id: str
    term_id: str
    leaflet: str
    confirm_token: str
    reset_tokens: dict[str, str]
    problem_reports: dict[str, int]  # role → an open problem report about service_a for that role to close
    problem_report_b: int  # one about service_b
    listing_links: dict[str, str]  # role → a "Still correct" link of editor A's, each for its own listing
    sessions: dict[str, tuple[str | None, str]] = field(default_factory=dict)  # role → (session cookie, CSRF)


def config(workdir: Path) -> dict[str, object]:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "SQLALCHEMY_DATABASE_URI": database_url(workdir),
        "SEARCH_RATE_LIMIT": "100000 per minute",
        "INDEX_DIR": str(workdir / "index"),
        "MAIL_FOLDER": str(workdir / "mail"),
        "LEAFLET_DIR": str(workdir / "leaflets"),
        "INSTANCE_PATH": str(workdir / "instance"),
        "SERVER_NAME": SERVER,
    }


def make_app(workdir: Path) -> Flask:
    return create_app(config(workdir))


def dispose(app: Flask) -> None:
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _pick_organisations() -> tuple[Organisation, Organisation]:
    """The two demo organisations with the most public listings that carry clusters and a location."""
    ranked = []
    for organisation in db.session.scalars(select(Organisation).order_by(Organisation.name)):
        usable = [s for s in organisation.services if is_public(s) and s.clusters and s.locations]
        ranked.append((len(usable), organisation.name, organisation))
    ranked.sort(key=lambda row: (-row[0], row[1]))
    assert ranked[1][0] >= 1, "the demo needs two organisations with public listings that carry clusters"
    return ranked[0][2], ranked[1][2]


def _build_world(workdir: Path) -> World:
    with make_app(workdir).app_context():
        org_a, org_b = _pick_organisations()
        usable_a = sorted((s for s in org_a.services if is_public(s) and s.clusters and s.locations),
                          key=lambda s: s.id)
        others_a = sorted((s for s in org_a.services if is_public(s) and s not in usable_a[:1]), key=lambda s: s.id)
        assert len(others_a) >= 3, "organisation A needs listings to archive"
        service_a = usable_a[0]
        service_b = next(s for s in sorted(org_b.services, key=lambda s: s.id) if is_public(s))
        editor_a = create_user(EMAIL[EDITOR_A], PASSWORD, role="editor", organisation=org_a, name="Editor A")
        create_user(EMAIL[EDITOR_B], PASSWORD, role="editor", organisation=org_b, name="Editor B")
        create_user(EMAIL[REFERRER], PASSWORD, role="referrer", name="Referrer")
        create_user(EMAIL[ADMIN], PASSWORD, role="admin", name="Administrator")
        shared_hash = hash_password(PASSWORD)
        pending = User(email=EMAIL[PENDING], name="Pending Referrer", password_hash=shared_hash,
                       referrer_status=ReferrerStatus.PENDING, email_verified_at=utcnow())
        waiting = User(email="waiting@gp.matrix.example", name="Waiting Referrer", password_hash=shared_hash,
                       referrer_status=ReferrerStatus.PENDING, email_verified_at=utcnow())
        unconfirmed = User(email="unconfirmed@gp.matrix.example", name="Unconfirmed", password_hash=shared_hash,
                           referrer_status=ReferrerStatus.PENDING)
        forgetful = {role: User(email=f"forgetful-{number}@matrix.example", password_hash=shared_hash,
                                email_verified_at=utcnow()) for number, role in enumerate(ROLES)}
        pending_org = Organisation(name="Matrix Pending Organisation", status=OrganisationStatus.PENDING)
        archived_org = Organisation(name="Matrix Archived Organisation", status=OrganisationStatus.ARCHIVED)
        db.session.add_all([pending, waiting, unconfirmed, pending_org, archived_org, *forgetful.values()])
        archived = {EDITOR_A: others_a[0], ADMIN: others_a[1]}
        for service in archived.values():
            archive(service)
        approved_revision = next(r for r in service_a.revisions if r.status == RevisionStatus.APPROVED)
        waiting_change = Revision(author_id=editor_a.id, source="web", status=RevisionStatus.PENDING,
                                  data={**approved_revision.data, "summary": "A change waiting for approval"})
        service_a.revisions.append(waiting_change)
        hub = db.session.scalars(select(Hub).order_by(Hub.slug)).first()
        assert hub is not None and len(hub.sections) >= 2, "the demo needs a hub with sections"
        reports = {role: file_report(service_a, ProblemKind.CONTACT, f"Reported for {role}", "")
                   for role in (EDITOR_A, ADMIN)}
        report_b = file_report(service_b, ProblemKind.CLOSED, "Reported about B", "")
        to_confirm = others_a[2:2 + len(ROLES)]
        assert len(to_confirm) == len(ROLES), "organisation A needs a listing to confirm for each role"
        db.session.commit()
        listing_links = {role: confirmation_token(service, editor_a) for role, service in zip(ROLES, to_confirm,
                                                                                               strict=True)}
        leaflets = workdir / "leaflets"
        leaflets.mkdir(exist_ok=True)
        pdf = b"%PDF-1.4\n% matrix test leaflet\n%%EOF\n"
        (leaflets / "matrix-leaflet.pdf").write_bytes(pdf)
        (leaflets / MANIFEST_NAME).write_text(json.dumps({"version": MANIFEST_VERSION, "leaflets": [
            {"file": "matrix-leaflet.pdf", "title": "Matrix leaflet", "format": "a4", "kind": "topic",
             "built_on": today().isoformat(), "size": len(pdf), "pages": 1}]}), encoding="utf-8")
        categories = taxonomy("categories")
        world = World(
            workdir=workdir, org_a=org_a.id, org_b=org_b.id, org_a_name=org_a.name, service_a=service_a.id,
            service_b=service_b.id, service_a_uid=service_a.uid,
            location_uid=str(service_at_location_documents(service_a)[0]["id"]),
            archived_a={role: service.id for role, service in archived.items()},
            pending_revision=waiting_change.id, approved_revision=approved_revision.id, pending_org=pending_org.id,
            archived_org=archived_org.id,
            waiting_referrer=waiting.id,
            trusted_domain=db.session.scalars(select(TrustedDomain.id).order_by(TrustedDomain.id)).first(),
            hub=hub.slug, section=hub.sections[0].id,
            taxonomy_id=str(taxonomy_document(categories)["id"]),
            term_id=str(term_document(categories, categories.terms[0])["id"]),
            leaflet="matrix-leaflet.pdf",
            confirm_token=confirm_token(unconfirmed),
            reset_tokens={role: reset_token(user) for role, user in forgetful.items()},
            problem_reports={role: report.id for role, report in reports.items()},
            problem_report_b=report_b.id,
            listing_links=listing_links,
        )
        db.session.remove()
        db.engine.dispose()
    return world


def _page_token(client: FlaskClient, url: str) -> str:
    page = client.get(url)
    assert page.status_code == 200, url
    match = CSRF.search(page.get_data(as_text=True))
    assert match, f"{url} has no CSRF token"
    return match.group(1)


def _sign_in_everyone(world: World) -> None:
    """Sign each role in once; its session cookie and CSRF token then work in every copy of the world."""
    app = make_app(world.workdir)
    for role in ROLES:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = ADDRESS[role]
        token = _page_token(client, "/sign-in")
        if role in EMAIL:
            response = client.post("/sign-in", data={"email": EMAIL[role], "password": PASSWORD, "csrf_token": token})
            assert response.status_code == 302, f"{role} could not sign in"
        if role == PUBLIC:
            response = client.post("/shortlist/add", data={"service_id": world.service_a, "csrf_token": token})
            assert response.status_code == 302
        token = _page_token(client, "/password/forgot")
        cookie = client.get_cookie("session", domain=SERVER)
        world.sessions[role] = (cookie.value if cookie else None, token)
    dispose(app)


@pytest.fixture(scope="module")
def world(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    workdir = tmp_path_factory.mktemp("matrix-world")
    clone(demo_template, workdir)
    built = _build_world(workdir)
    _sign_in_everyone(built)
    yield built
    drop(workdir)


def copy_of(world: World, target: Path) -> Iterator[Flask]:
    target.mkdir()
    clone(world.workdir, target)
    app = make_app(target)
    yield app
    dispose(app)
    drop(target)


@pytest.fixture(scope="module")
def reading_app(world: World, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    """One copy of the world for the GET checks (a GET changes nothing that matters to another)."""
    yield from copy_of(world, tmp_path_factory.mktemp("matrix-get") / "app")


@pytest.fixture
def fresh_app(world: World, tmp_path: Path) -> Iterator[Flask]:
    """A copy of the world of its own, for a test that posts."""
    yield from copy_of(world, tmp_path / "app")


def browser(app: Flask, world: World, role: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = ADDRESS[role]
    cookie, _ = world.sessions[role]
    if cookie:
        client.set_cookie("session", cookie, domain=SERVER)
    return client


# --- the table -------------------------------------------------------------------------------------------------


Url = Callable[[World, str], str]
Payload = Callable[[World, str], dict[str, object]]


@dataclass(frozen=True)
class Rule:
    url: Url
    get: dict[str, str] | None  # None: the route takes no GET (405 for everyone)
    post: dict[str, str] | None = None  # None: the route takes no POST
    data: Payload = lambda w, role: {}
    changes: bool = False  # an allowed POST changes the database
    redirect: str | None = None  # where an ok redirect may go; by default the area of the address


def at(address: str) -> Url:
    return lambda w, role: address


def listing_form(name: str) -> dict[str, object]:
    return {"kind": "service", "name": name, "summary": "A listing made by the authorisation matrix",
            "description": "Written by a test.", "categories": ["wellbeing"], "cost": "free", "referral": ["self"],
            "access": ["phone"], "areas": ["bath"], "phone": "0800 000 000"}


def header_only_csv(w: World, role: str) -> dict[str, object]:
    # A file with no rows: the dry run reports it and keeps nothing (not even an upload file).
    return {"csv_file": (io.BytesIO(b"organisation,name\n"), "services.csv")}


NOT_TWICE = "a different confirmation"  # registration forms posted with a mismatched confirmation: no account made


RULES: dict[str, Rule] = {
    # public pages
    "public.home": Rule(at("/"), EVERYONE),
    "public.search_page": Rule(at("/search?q=support"), EVERYONE),
    "public.listing": Rule(lambda w, r: f"/services/{w.service_a}", EVERYONE),
    "public.robots": Rule(at("/robots.txt"), EVERYONE),
    "problems.report": Rule(lambda w, r: f"/services/{w.service_a}/report-a-problem", EVERYONE, EVERYONE,
                            lambda w, r: {"kind": "contact", "details": f"Reported by {r}"}, changes=True),
    # The link itself is the permission: anyone holding it may confirm, once (it comes by email to an editor).
    "freshness.confirm_link": Rule(lambda w, r: f"/listings/confirm/{w.listing_links[r]}", EVERYONE, EVERYONE,
                                   changes=True),
    "public.sitemap": Rule(at("/sitemap.xml"), EVERYONE),
    "assets.frontend": Rule(at("/assets/nhsuk-frontend.min.css"), EVERYONE),
    # the hubs online; "Find your hub" leads on to the hub (BA1 is Bath); every demo hub has an "Urgent help" part
    "hubs.index": Rule(at("/hubs/?place=BA1"), EVERYONE),
    "hubs.hub": Rule(lambda w, r: f"/hubs/{w.hub}", EVERYONE),
    "hubs.section": Rule(lambda w, r: f"/hubs/{w.hub}/urgent-help", EVERYONE),
    "leaflets.bank": Rule(at("/leaflets"), EVERYONE),
    "leaflets.download": Rule(lambda w, r: f"/leaflets/{w.leaflet}", EVERYONE),
    # the public API
    "api.meta": Rule(at("/api/"), EVERYONE),
    "api.openapi": Rule(at("/api/openapi.json"), EVERYONE),
    "api.services": Rule(at("/api/services?search=support"), EVERYONE),
    "api.service": Rule(lambda w, r: f"/api/services/{w.service_a_uid}", EVERYONE),
    "api.service_at_locations": Rule(at("/api/service_at_locations?per_page=5"), EVERYONE),
    "api.service_at_location": Rule(lambda w, r: f"/api/service_at_locations/{w.location_uid}", EVERYONE),
    "api.taxonomies": Rule(at("/api/taxonomies"), EVERYONE),
    "api.taxonomy_detail": Rule(lambda w, r: f"/api/taxonomies/{w.taxonomy_id}", EVERYONE),
    "api.taxonomy_terms": Rule(at("/api/taxonomy_terms"), EVERYONE),
    "api.taxonomy_term": Rule(lambda w, r: f"/api/taxonomy_terms/{w.term_id}", EVERYONE),
    # the shortlist, kept in the visitor's session
    "shortlist.show": Rule(at("/shortlist/"), EVERYONE),
    "shortlist.print_view": Rule(at("/shortlist/print"), EVERYONE),
    "shortlist.pdf": Rule(at("/shortlist/pdf"), EVERYONE),  # a PDF, or back to the (empty) shortlist
    "shortlist.add": Rule(at("/shortlist/add"), None, EVERYONE, lambda w, r: {"service_id": w.service_a}),
    "shortlist.remove": Rule(at("/shortlist/remove"), None, EVERYONE, lambda w, r: {"service_id": w.service_a}),
    "shortlist.move": Rule(at("/shortlist/move"), None, EVERYONE,
                           lambda w, r: {"service_id": w.service_a, "direction": "up"}),
    "shortlist.clear": Rule(at("/shortlist/clear"), None, EVERYONE),
    "shortlist.note": Rule(at("/shortlist/note"), None, REFERRER_NOTES,
                           lambda w, r: {"service_id": w.service_a, "note": "Call first"}),
    # accounts
    "auth.sign_in": Rule(at("/sign-in"), EVERYONE, EVERYONE_REFUSED_AS_TYPED,
                         lambda w, r: {"email": "nobody@matrix.example", "password": "not the password"}),
    "auth.sign_out": Rule(at("/sign-out"), None, EVERYONE, redirect="/"),
    "auth.register": Rule(at("/professionals/register"), EVERYONE, EVERYONE_REFUSED_AS_TYPED, lambda w, r: {
        "name": "Someone", "email": "someone@gp.matrix.example", "password": PASSWORD, "confirm": NOT_TWICE}),
    "auth.confirm": Rule(lambda w, r: f"/professionals/confirm/{w.confirm_token}", EVERYONE),
    "auth.forgot_password": Rule(at("/password/forgot"), EVERYONE, EVERYONE,
                                 lambda w, r: {"email": "nobody@matrix.example"}),
    "auth.reset_password": Rule(lambda w, r: f"/password/reset/{w.reset_tokens[r]}", EVERYONE,
                                EVERYONE_REFUSED_AS_TYPED,
                                lambda w, r: {"password": PASSWORD, "confirm": NOT_TWICE}),
    "auth.account": Rule(at("/account"), SIGNED_IN),
    # the referrers' area
    "referrer.search": Rule(at("/referrer/search?q=support&cluster=1"), REFERRERS),
    "referrer.listing": Rule(lambda w, r: f"/referrer/services/{w.service_a}", REFERRERS),
    # the editors' area, on organisation A's listings
    "manage.register": Rule(at("/manage/register"), EVERYONE, EVERYONE_REFUSED_AS_TYPED, lambda w, r: {
        "name": w.org_a_name, "editor_name": "Someone", "editor_email": "someone@matrix.example",
        "password": PASSWORD, "confirm": NOT_TWICE}),
    "manage.dashboard": Rule(at("/manage/"), SIGNED_IN),
    "manage.problems": Rule(at("/manage/problems"), SIGNED_IN),
    "manage.problem": Rule(lambda w, r: f"/manage/problems/{w.problem_reports.get(r, w.problem_reports[EDITOR_A])}",
                           EDITORS_OF_A, EDITORS_OF_A, lambda w, r: {"outcome": f"Put right by {r}"}, changes=True),
    "manage.new_service": Rule(lambda w, r: f"/manage/organisations/{w.org_a}/services/new", EDITORS_OF_A,
                               EDITORS_OF_A, lambda w, r: listing_form(f"Matrix listing by {r}"), changes=True),
    "manage.edit_service": Rule(lambda w, r: f"/manage/services/{w.service_a}/edit", EDITORS_OF_A, EDITORS_OF_A,
                                lambda w, r: listing_form(f"Matrix edit by {r}"), changes=True),
    "manage.preview": Rule(lambda w, r: f"/manage/services/{w.service_a}", EDITORS_OF_A),
    "manage.history": Rule(lambda w, r: f"/manage/services/{w.service_a}/history", EDITORS_OF_A),
    "manage.confirm": Rule(lambda w, r: f"/manage/services/{w.service_a}/confirm", None, EDITORS_OF_A,
                           changes=True),
    "manage.archive_service": Rule(lambda w, r: f"/manage/services/{w.service_a}/archive", None, EDITORS_OF_A,
                                   changes=True),
    "manage.restore_service": Rule(
        lambda w, r: f"/manage/services/{w.archived_a.get(r, w.archived_a[EDITOR_A])}/restore", None, EDITORS_OF_A,
        changes=True),
    "manage.invite": Rule(lambda w, r: f"/manage/organisations/{w.org_a}/invite", EDITORS_OF_A, EDITORS_OF_A,
                          lambda w, r: {"email": f"invited-{ROLES.index(r)}@matrix.example"}, changes=True),
    # the administrators' area
    "admin.dashboard": Rule(at("/admin/"), ADMINS),
    "admin.audit_log": Rule(at("/admin/audit"), ADMINS),
    "admin.problems": Rule(at("/admin/problems"), ADMINS),
    "admin.freshness": Rule(at("/admin/freshness?area=bath"), ADMINS),
    "admin.freshness_csv": Rule(at("/admin/freshness.csv"), ADMINS),
    "admin.usage": Rule(at("/admin/usage"), ADMINS),
    "admin.queue": Rule(at("/admin/queue"), ADMINS),
    "admin.organisations": Rule(at("/admin/organisations"), ADMINS),
    "admin.review": Rule(lambda w, r: f"/admin/revisions/{w.pending_revision}", ADMINS),
    "admin.history": Rule(lambda w, r: f"/admin/services/{w.service_a}/history", ADMINS),
    "admin.search_words": Rule(at("/admin/search-words?q=my+mum+has+dementia"), ADMINS),
    "admin.edit_search_words": Rule(at("/admin/search-words/places"), ADMINS, ADMINS,
                                    lambda w, r: {"text": "bath: ~bath, larkhall\n"}, changes=True),
    "admin.restore_search_words": Rule(at("/admin/search-words/fillers/restore"), None, ADMINS, changes=True),
    "admin.hubs": Rule(at("/admin/hubs"), ADMINS),
    "admin.edit_hub": Rule(lambda w, r: f"/admin/hubs/{w.hub}", ADMINS),
    "admin.import_upload": Rule(at("/admin/import"), ADMINS, refused_as_typed(ADMINS), header_only_csv),
    "admin.import_confirm": Rule(at("/admin/import/confirm"), None, ADMINS, lambda w, r: {"token": "0" * 32}),
    "admin.approve_revision": Rule(lambda w, r: f"/admin/revisions/{w.pending_revision}/approve", None, ADMINS,
                                   changes=True),
    "admin.reject_revision": Rule(lambda w, r: f"/admin/revisions/{w.pending_revision}/reject", None, ADMINS,
                                  lambda w, r: {"reason": "Please check the opening times"}, changes=True),
    "admin.restore_revision": Rule(lambda w, r: f"/admin/revisions/{w.approved_revision}/restore", None, ADMINS,
                                   changes=True),
    "admin.approve_org": Rule(lambda w, r: f"/admin/organisations/{w.pending_org}/approve", None, ADMINS,
                              changes=True),
    "admin.toggle_trust": Rule(lambda w, r: f"/admin/organisations/{w.org_a}/trust", None, ADMINS, changes=True),
    "admin.archive_org": Rule(lambda w, r: f"/admin/organisations/{w.org_a}/archive", ADMINS, ADMINS, changes=True),
    "admin.restore_org": Rule(lambda w, r: f"/admin/organisations/{w.archived_org}/restore", ADMINS, ADMINS,
                              changes=True),
    "admin.approve_referrer": Rule(lambda w, r: f"/admin/referrers/{w.waiting_referrer}/approve", None, ADMINS,
                                   changes=True),
    "admin.decline_referrer": Rule(lambda w, r: f"/admin/referrers/{w.waiting_referrer}/decline", None, ADMINS,
                                   changes=True),
    "admin.add_trusted_domain": Rule(at("/admin/trusted-domains"), None, ADMINS,
                                     lambda w, r: {"domain": "matrix-trusted.example"}, changes=True),
    "admin.remove_trusted_domain": Rule(lambda w, r: f"/admin/trusted-domains/{w.trusted_domain}/remove", None,
                                        ADMINS, changes=True),
    "admin.add_hub": Rule(at("/admin/hubs"), None, ADMINS, lambda w, r: {
        "hub-slug": "matrix-hub", "hub-name": "Matrix Hub", "hub-areas": ["bath"]}, changes=True),
    "admin.save_hub": Rule(lambda w, r: f"/admin/hubs/{w.hub}", None, ADMINS, lambda w, r: {
        "hub-name": "Matrix Renamed Hub", "hub-description": "", "hub-areas": ["bath"]}, changes=True),
    "admin.add_section": Rule(lambda w, r: f"/admin/hubs/{w.hub}/sections", None, ADMINS, lambda w, r: {
        "new-title": "Matrix section", "new-categories": ["wellbeing"]}, changes=True),
    "admin.save_section": Rule(lambda w, r: f"/admin/hubs/{w.hub}/sections/{w.section}", None, ADMINS,
                               lambda w, r: {f"section-{w.section}-title": "Matrix renamed section",
                                             f"section-{w.section}-categories": ["wellbeing"]}, changes=True),
    "admin.move_section": Rule(lambda w, r: f"/admin/hubs/{w.hub}/sections/{w.section}/move", None, ADMINS,
                               lambda w, r: {"direction": "down"}, changes=True),
    "admin.remove_section": Rule(lambda w, r: f"/admin/hubs/{w.hub}/sections/{w.section}/remove", None, ADMINS,
                                 changes=True),
}
# admin.hubs (GET) and admin.add_hub (POST) share /admin/hubs; admin.edit_hub and admin.save_hub share
# /admin/hubs/<slug>: each endpoint's rule speaks for its own method, the other method belongs to its twin.
TWINS = {"admin.hubs": "admin.add_hub", "admin.add_hub": "admin.hubs",
         "admin.edit_hub": "admin.save_hub", "admin.save_hub": "admin.edit_hub"}


def methods_in_map(app: Flask) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint != "static":
            found.setdefault(rule.endpoint, set()).update(set(rule.methods or ()) - {"HEAD", "OPTIONS"})
    return found


# --- judging a response ----------------------------------------------------------------------------------------


def area(url: str) -> str:
    path = urlsplit(url).path
    return "/" + path.strip("/").split("/")[0] + "/" if path.strip("/") else "/"


def verdict(response: TestResponse, url: str, expected: str, rule: Rule) -> str | None:
    """None when ``response`` is the ``expected`` outcome, otherwise what was wrong."""
    status = response.status_code
    location = urlsplit(response.headers.get("Location", ""))
    to_sign_in = 300 <= status < 400 and location.path == "/sign-in"
    if expected == OK:
        if 200 <= status < 300:
            return None
        if 300 <= status < 400:
            allowed = rule.redirect or area(url)
            if to_sign_in and rule.redirect != "/sign-in":
                return f"sent to sign in ({status})"
            if location.path.startswith(allowed.rstrip("/")) or allowed == "/":
                return None
            return f"redirected out of its area to {location.path}"
        return f"status {status}"
    if expected == REFUSED_AS_TYPED:  # the form again with its problems, not (say) a refused CSRF token
        if status != 400 or "<title>Error: " not in response.get_data(as_text=True):
            return f"status {status}, not the form with its problems"
        return None
    if expected == SIGNIN:
        if not to_sign_in:
            return f"status {status} {location.path}, not sent to sign in"
        if parse_qs(location.query).get("next") != [url]:
            return f"sent to sign in without coming back to {url}: {location.query}"
        return None
    if str(status) != expected:
        return f"status {status}"
    return None


CLUSTER_NAMES = tuple(cluster.name for cluster in clusters())


def cluster_names_in(response: TestResponse) -> list[str]:
    if not response.mimetype.startswith(("text/", "application/json", "application/xml")):
        return []
    body = response.get_data(as_text=True)
    unescaped = html.unescape(body)
    return [name for name in CLUSTER_NAMES if name in body or name in unescaped]


# Editors choose the clusters of their own listings on the listing form; nowhere else may they meet them.
CLUSTER_FORMS = {"manage.new_service", "manage.edit_service"}


def cluster_leak(endpoint: str, role: str, response: TestResponse) -> list[str]:
    if role in SEES_CLUSTERS:
        return []
    if role == EDITOR_A and endpoint in CLUSTER_FORMS:
        return []
    return cluster_names_in(response)


# --- the tests -------------------------------------------------------------------------------------------------


def test_every_route_has_a_rule(reading_app: Flask) -> None:
    in_map = methods_in_map(reading_app)
    assert in_map, "no routes in the URL map"
    assert sorted(set(in_map) - set(RULES)) == [], "routes without a rule in RULES: add one for each role"
    assert sorted(set(RULES) - set(in_map)) == [], "RULES names routes that no longer exist"
    for endpoint, rule in RULES.items():
        declared = {"GET"} if rule.get is not None else set()
        declared |= {"POST"} if rule.post is not None else set()
        assert in_map[endpoint] == declared, f"{endpoint} takes {sorted(in_map[endpoint])}, RULES says {declared}"


def test_each_address_reaches_its_own_route(reading_app: Flask, world: World) -> None:
    """A mistyped address in the table would turn every expected 404 into a pass."""
    adapter = reading_app.url_map.bind(SERVER)
    for endpoint, rule in RULES.items():
        method = "GET" if rule.get is not None else "POST"
        for role in ROLES:
            url = rule.url(world, role)
            matched, _ = adapter.match(urlsplit(url).path, method=method)
            assert matched == endpoint, f"{url} reaches {matched}, not {endpoint}"


@pytest.mark.parametrize("endpoint", sorted(RULES))
def test_get(endpoint: str, reading_app: Flask, world: World, clients: dict[str, FlaskClient]) -> None:
    rule = RULES[endpoint]
    problems = []
    for role in ROLES:
        url = rule.url(world, role)
        response = clients[role].get(url)
        if rule.get is None:
            expected = RULES[TWINS[endpoint]].get if endpoint in TWINS else None
            expected_outcome = expected[role] if expected else NOT_ALLOWED
        else:
            expected_outcome = rule.get[role]
        wrong = verdict(response, url, expected_outcome, rule)
        if wrong:
            problems.append(f"{role}: GET {url} should be {expected_outcome}: {wrong}")
        if leaked := cluster_leak(endpoint, role, response):
            problems.append(f"{role}: GET {url} shows care clusters {leaked}")
        response.close()  # a file response holds its file open until closed
    assert problems == [], "\n".join(problems)


@pytest.fixture(scope="module")
def clients(reading_app: Flask, world: World) -> dict[str, FlaskClient]:
    return {role: browser(reading_app, world, role) for role in ROLES}


def snapshot(app: Flask) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table, but the counts kept to slow down floods and guessing."""
    with app.app_context():
        tables = sorted(set(inspect(db.engine).get_table_names()) - THROTTLE_TABLES)
        state = {name: sorted((tuple(row) for row in db.session.execute(text(f'SELECT * FROM "{name}"')).all()),
                              key=repr) for name in tables}
        db.session.remove()
        return state


POST_ENDPOINTS = sorted(endpoint for endpoint, rule in RULES.items() if rule.post is not None)


@pytest.mark.parametrize("endpoint", POST_ENDPOINTS)
def test_post(endpoint: str, fresh_app: Flask, world: World) -> None:
    rule = RULES[endpoint]
    assert rule.post is not None
    # Refused roles first, on the untouched world; then the roles allowed, each in turn.
    order = sorted(ROLES, key=lambda role: (rule.post[role] == OK, ROLES.index(role)))
    problems = []
    for role in order:
        expected = rule.post[role]
        client = browser(fresh_app, world, role)
        url = rule.url(world, role)
        must_refuse = expected != OK
        check_effect = must_refuse or rule.changes
        before = snapshot(fresh_app) if check_effect else None
        response = client.post(url, data={**rule.data(world, role), "csrf_token": world.sessions[role][1]})
        wrong = verdict(response, url, expected, rule)
        if wrong:
            problems.append(f"{role}: POST {url} should be {expected}: {wrong}")
        if leaked := cluster_leak(endpoint, role, response):
            problems.append(f"{role}: POST {url} shows care clusters {leaked}")
        response.close()
        if check_effect:
            after = snapshot(fresh_app)
            if must_refuse and after != before:
                changed = sorted(name for name in after if after[name] != before.get(name))
                problems.append(f"{role}: refused POST {url} changed the database: {changed}")
            if not must_refuse and after == before:
                problems.append(f"{role}: allowed POST {url} changed nothing (is the payload right?)")
    assert problems == [], "\n".join(problems)


MANAGE_ON_B: dict[str, Callable[[World], str]] = {
    "manage.new_service": lambda w: f"/manage/organisations/{w.org_b}/services/new",
    "manage.invite": lambda w: f"/manage/organisations/{w.org_b}/invite",
    "manage.edit_service": lambda w: f"/manage/services/{w.service_b}/edit",
    "manage.preview": lambda w: f"/manage/services/{w.service_b}",
    "manage.history": lambda w: f"/manage/services/{w.service_b}/history",
    "manage.confirm": lambda w: f"/manage/services/{w.service_b}/confirm",
    "manage.archive_service": lambda w: f"/manage/services/{w.service_b}/archive",
    "manage.restore_service": lambda w: f"/manage/services/{w.service_b}/restore",
    "manage.problem": lambda w: f"/manage/problems/{w.problem_report_b}",
}


def test_editor_of_a_cannot_touch_organisation_b(fresh_app: Flask, world: World) -> None:
    """The other direction of the cross-organisation check, on every manage route that names an id."""
    in_map = methods_in_map(fresh_app)
    with_ids = {e for e in in_map if e.startswith("manage.") and "<" in next(
        r.rule for r in fresh_app.url_map.iter_rules() if r.endpoint == e)}
    assert with_ids == set(MANAGE_ON_B), "a manage route with an id has no organisation-B address here"
    client = browser(fresh_app, world, EDITOR_A)
    before = snapshot(fresh_app)
    problems = []
    for endpoint, url in sorted(MANAGE_ON_B.items()):
        for method in sorted(in_map[endpoint]):
            data = {**(RULES[endpoint].data(world, EDITOR_A)), "csrf_token": world.sessions[EDITOR_A][1]}
            response = client.get(url(world)) if method == "GET" else client.post(url(world), data=data)
            if response.status_code != 404:
                problems.append(f"{method} {url(world)} gave {response.status_code} to the editor of A")
    assert problems == []
    assert snapshot(fresh_app) == before


def test_the_cluster_scan_sees_clusters_where_they_belong(clients: dict[str, FlaskClient], world: World) -> None:
    """The control for the scan: the same listing shows its clusters to a referrer and an administrator."""
    for role in (REFERRER, ADMIN):
        response = clients[role].get(f"/referrer/services/{world.service_a}")
        assert response.status_code == 200
        assert cluster_names_in(response), f"{role} sees no cluster names on a listing tagged with clusters"
    response = clients[PUBLIC].get(f"/services/{world.service_a}")
    assert response.status_code == 200 and cluster_names_in(response) == []
