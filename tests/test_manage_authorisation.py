"""Nobody reaches another organisation's listings (issue 5, item 4).

The routes are read from the app's own URL map. A new manage route without an entry in ``MANAGE_CALLS``
fails ``test_every_manage_route_is_in_the_table``; an admin route without an entry in ``ADMIN_CALLS`` is
still checked, at an address built from the URL map. Each attempt is made with a valid CSRF token and a
valid payload, so the only thing that can stop it is the authorisation check; afterwards every table of the
database must be exactly as it was and no email may have been sent. A control test makes the same calls as
the rightful users and sees them succeed, so a 404 below cannot come from a mistyped address."""

import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import inspect, select, text

from app.accounts.models import ReferrerStatus, TrustedDomain, User
from app.accounts.operations import create_user
from app.accounts.passwords import hash_password
from app.directory.listing_data import ListingData, LocationData
from app.directory.models import Organisation, OrganisationStatus, Revision, RevisionStatus, Service
from app.directory.operations import archive, publish_directly
from app.extensions import db
from app.problems.models import ProblemKind
from app.problems.operations import file_report
from app.timeutil import today, utcnow
from tests.conftest import Mailbox, use_smtp
from tests.databases import THROTTLE_TABLES

PASSWORD = "correct horse battery"
EDITOR_A = "ann@alpha.example"
EDITOR_B = "bea@beta.example"
REFERRER = "rory@nhs.example"
ADMIN = "team@wellaware.example"
CSRF = re.compile(r'<input[^>]*\bname="csrf_token"[^>]*\bvalue="([^"]+)"')
IGNORED_METHODS = {"HEAD", "OPTIONS"}


# --- a small browser ---------------------------------------------------------------------------------


def browser(app: Flask, address: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def csrf_token(client: FlaskClient, page_url: str) -> str:
    page = client.get(page_url)
    assert page.status_code == 200, page_url
    match = CSRF.search(page.get_data(as_text=True))
    assert match, f"{page_url} has no form with a CSRF token"
    return match.group(1)


def sign_in(client: FlaskClient, email: str) -> None:
    response = client.post("/sign-in", data={"email": email, "password": PASSWORD,
                                             "csrf_token": csrf_token(client, "/sign-in")})
    assert response.status_code == 302, response.get_data(as_text=True)


def listing(organisation: str, name: str) -> ListingData:
    return ListingData(organisation=organisation, name=name, summary="Support and a chat over tea",
                       description="Come along.", categories=["wellbeing"], areas=["bath"], referral=["self"],
                       access=["in-person"], opening_hours="Mon 10:00-12:00",
                       locations=[LocationData("Guildhall, High Street, Bath", "BA1 5AW")], assured_at=today())


def listing_fields(name: str) -> dict[str, object]:
    """A valid listing form, so a refused post is refused for who sent it, not for what it says."""
    return {"kind": "service", "name": name, "summary": "Taken over by another organisation",
            "description": "Replaced.", "categories": ["wellbeing"], "cost": "free", "referral": ["self"],
            "access": ["phone"], "areas": ["bath"], "phone": "0800 000 000"}


# --- the world: two organisations, and everything an admin route can act on -----------------------------------


@dataclass
class Ids:
    org_a: int
    org_b: int
    service_a: int
    service_b: int  # published, with a change waiting
    new_service_b: int  # never published, its first version waiting
    archived_b: int
    revision_b: int  # the change waiting on service_b
    new_revision_b: int  # the first version of new_service_b
    approved_revision_b: int
    referrer_to_approve: int
    referrer_to_decline: int
    domain: int
    problem_b: int  # an open problem report about service_b


@pytest.fixture
def ids(app: Flask) -> Ids:
    with app.app_context():
        alpha = Organisation(name="Alpha Advocacy", status=OrganisationStatus.APPROVED)
        beta = Organisation(name="Beta Befriending", status=OrganisationStatus.APPROVED)
        db.session.add_all([alpha, beta, TrustedDomain(domain="nhs.example")])
        create_user(EDITOR_A, PASSWORD, role="editor", organisation=alpha)
        editor_b = create_user(EDITOR_B, PASSWORD, role="editor", organisation=beta)
        create_user(REFERRER, PASSWORD, role="referrer")
        create_user(ADMIN, PASSWORD, role="admin")
        for email in ("pat@gp.example", "pip@gp.example"):
            db.session.add(User(email=email, name="Pending Referrer", password_hash=hash_password(PASSWORD),
                                referrer_status=ReferrerStatus.PENDING, email_verified_at=utcnow()))
        service_a, _ = publish_directly(listing("Alpha Advocacy", "Alpha Advocacy Drop-in"), source="test")
        service_b, _ = publish_directly(listing("Beta Befriending", "Beta Befriending Calls"), source="test")
        archived_b, _ = publish_directly(listing("Beta Befriending", "Beta Befriending Old Group"), source="test")
        archive(archived_b)
        new_service_b = Service(organisation=beta, name="Beta Befriending Walks", status="pending")
        db.session.add(new_service_b)
        db.session.flush()
        for service, name in ((service_b, "Beta Befriending Calls"), (new_service_b, "Beta Befriending Walks")):
            service.revisions.append(Revision(author_id=editor_b.id, source="web", status=RevisionStatus.PENDING,
                                              data=listing("Beta Befriending", name).to_json()))
        problem_b = file_report(service_b, ProblemKind.CONTACT, "Beta Befriending's number is wrong", "")
        db.session.commit()
        users = {u.email: u.id for u in db.session.scalars(select(User))}
        return Ids(
            org_a=alpha.id, org_b=beta.id, service_a=service_a.id, service_b=service_b.id,
            new_service_b=new_service_b.id, archived_b=archived_b.id,
            revision_b=service_b.revisions[-1].id, new_revision_b=new_service_b.revisions[-1].id,
            approved_revision_b=service_b.revisions[0].id,
            referrer_to_approve=users["pat@gp.example"], referrer_to_decline=users["pip@gp.example"],
            domain=db.session.scalars(select(TrustedDomain)).one().id,
            problem_b=problem_b.id,
        )


def snapshot(app: Flask) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table in the database, but the counts kept to slow down floods and guessing."""
    with app.app_context():
        return {name: [tuple(row) for row in db.session.execute(text(f'SELECT * FROM "{name}"')).all()]
                for name in sorted(set(inspect(db.engine).get_table_names()) - THROTTLE_TABLES)}


# --- how to call each route against organisation B -----------------------------------------------------------


@dataclass(frozen=True)
class Call:
    url: Callable[[Ids], str]
    payload: Callable[[Ids], dict[str, object]] = lambda ids: {}
    # "owned": acts on organisation B's things, so an outsider must get 403/404.
    # "own-area": the signed-in person's own page (dashboard) or an open one (register); checked separately.
    kind: str = "owned"
    # What the rightful user gets for each method (the control test).
    ok: tuple[tuple[str, int], ...] = (("GET", 200), ("POST", 302))


MANAGE_CALLS: dict[str, Call] = {
    "manage.register": Call(lambda i: "/manage/register", lambda i: {
        "name": "Beta Befriending", "editor_name": "Ann", "editor_email": "new-person@alpha.example",
        "password": PASSWORD, "confirm": PASSWORD}, kind="own-area"),
    "manage.dashboard": Call(lambda i: "/manage/", kind="own-area"),
    "manage.new_service": Call(lambda i: f"/manage/organisations/{i.org_b}/services/new",
                               lambda i: listing_fields("Beta Befriending Impostor")),
    "manage.edit_service": Call(lambda i: f"/manage/services/{i.service_b}/edit",
                                lambda i: listing_fields("Beta Befriending Calls")),
    "manage.preview": Call(lambda i: f"/manage/services/{i.service_b}"),
    "manage.history": Call(lambda i: f"/manage/services/{i.service_b}/history"),
    "manage.confirm": Call(lambda i: f"/manage/services/{i.service_b}/confirm"),
    "manage.archive_service": Call(lambda i: f"/manage/services/{i.service_b}/archive"),
    "manage.restore_service": Call(lambda i: f"/manage/services/{i.archived_b}/restore"),
    # The sharpest attempt: an outsider adding themselves as an editor of organisation B.
    "manage.invite": Call(lambda i: f"/manage/organisations/{i.org_b}/invite", lambda i: {"email": EDITOR_A}),
    # The queue lists the signed-in person's own organisations' reports: checked like the dashboard.
    "manage.problems": Call(lambda i: "/manage/problems", kind="own-area"),
    "manage.problem": Call(lambda i: f"/manage/problems/{i.problem_b}", lambda i: {"outcome": "Closed by an outsider"}),
}

ADMIN_CALLS: dict[str, Call] = {
    "admin.dashboard": Call(lambda i: "/admin/"),
    "admin.audit_log": Call(lambda i: "/admin/audit"),
    "admin.queue": Call(lambda i: "/admin/queue"),
    "admin.organisations": Call(lambda i: "/admin/organisations"),
    "admin.review": Call(lambda i: f"/admin/revisions/{i.revision_b}"),
    "admin.history": Call(lambda i: f"/admin/services/{i.service_b}/history"),
    "admin.approve_revision": Call(lambda i: f"/admin/revisions/{i.revision_b}/approve"),
    "admin.reject_revision": Call(lambda i: f"/admin/revisions/{i.new_revision_b}/reject",
                                  lambda i: {"reason": "Not from your organisation"}),
    "admin.restore_revision": Call(lambda i: f"/admin/revisions/{i.approved_revision_b}/restore"),
    "admin.approve_org": Call(lambda i: f"/admin/organisations/{i.org_b}/approve"),
    "admin.toggle_trust": Call(lambda i: f"/admin/organisations/{i.org_a}/trust"),
    "admin.approve_referrer": Call(lambda i: f"/admin/referrers/{i.referrer_to_approve}/approve"),
    "admin.decline_referrer": Call(lambda i: f"/admin/referrers/{i.referrer_to_decline}/decline"),
    "admin.add_trusted_domain": Call(lambda i: "/admin/trusted-domains", lambda i: {"domain": "alpha.example"}),
    "admin.remove_trusted_domain": Call(lambda i: f"/admin/trusted-domains/{i.domain}/remove"),
    # An upload is only a dry run: the administrator sees the report (200) and nothing is written yet.
    "admin.import_upload": Call(lambda i: "/admin/import", lambda i: {"csv_file": csv_upload()},
                                ok=(("GET", 200), ("POST", 200))),
    "admin.import_confirm": Call(lambda i: "/admin/import/confirm", lambda i: {"token": "0" * 32}),
}

CSV_COLUMNS = ("external_id,organisation,kind,name,summary,description,categories,audiences,clusters_main,"
               "clusters_also,all_clusters,min_age,max_age,cost,cost_detail,referral,access,accessibility,areas,"
               "address,postcode,phone,email,website,opening_hours,event_date,assured_at")


def csv_upload() -> tuple[io.BytesIO, str]:
    row = (f"beta-impostor,Beta Befriending,service,Beta Befriending Impostor,Imported by someone else,Replaced.,"
           f"wellbeing,,,,no,,,free,,self,phone,,bath,,,0800 000 000,,,Mon 10:00-12:00,,{today().isoformat()}")
    return io.BytesIO(f"{CSV_COLUMNS}\n{row}\n".encode()), "services.csv"


def rules(app: Flask, prefix: str) -> list[tuple[str, set[str]]]:
    return sorted((rule.endpoint, set(rule.methods or ()) - IGNORED_METHODS)
                  for rule in app.url_map.iter_rules() if rule.endpoint.startswith(prefix))


# An admin route without an entry above is still checked: its address is built from the URL map with the ids
# of organisation B's things (or 1), and an outsider must get a 404 whatever it is.
ARGUMENT_IDS = {"organisation_id": "org_b", "service_id": "service_b", "revision_id": "revision_b",
                "user_id": "referrer_to_approve", "domain_id": "domain"}


def admin_call(app: Flask, endpoint: str) -> Call:
    if endpoint in ADMIN_CALLS:
        return ADMIN_CALLS[endpoint]
    [rule] = app.url_map.iter_rules(endpoint)

    def url(ids: Ids) -> str:
        values = {arg: getattr(ids, ARGUMENT_IDS[arg]) if arg in ARGUMENT_IDS else 1 for arg in rule.arguments}
        return app.url_map.bind("wellaware.test").build(endpoint, values)

    return Call(url, kind="generic")


def call_for(app: Flask, endpoint: str) -> Call:
    if endpoint.startswith("admin."):
        return admin_call(app, endpoint)
    assert endpoint in MANAGE_CALLS, f"{endpoint} is not in MANAGE_CALLS"
    return MANAGE_CALLS[endpoint]


def test_every_manage_route_is_in_the_table(app: Flask) -> None:
    manage = {endpoint for endpoint, _ in rules(app, "manage.")}
    assert manage, "no manage routes found"
    assert manage - set(MANAGE_CALLS) == set(), "manage routes with no cross-organisation check here"
    assert set(MANAGE_CALLS) - manage == set(), "the table lists manage routes that are gone"
    assert {endpoint for endpoint, _ in rules(app, "admin.")} >= {
        "admin.review", "admin.approve_revision", "admin.reject_revision", "admin.restore_revision",
        "admin.approve_org", "admin.toggle_trust"}


# --- the outsiders -------------------------------------------------------------------------------------------


@pytest.fixture
def mailbox(app: Flask, smtp) -> Mailbox:
    return use_smtp(app, smtp)


@pytest.fixture(params=[EDITOR_A, REFERRER], ids=["editor of another organisation", "referrer"])
def outsider(request: pytest.FixtureRequest, app: Flask, ids: Ids) -> Iterator[FlaskClient]:
    client = browser(app, "10.3.0.1")
    sign_in(client, request.param)
    yield client


def attempt(client: FlaskClient, method: str, url: str, payload: dict[str, object], token: str):
    if method == "GET":
        return client.get(url)
    return client.post(url, data={**payload, "csrf_token": token})


def test_nobody_reaches_another_organisations_listings(app: Flask, ids: Ids, outsider: FlaskClient,
                                                       mailbox: Mailbox) -> None:
    token = csrf_token(outsider, "/manage/")
    before = snapshot(app)
    checked = []
    for endpoint, methods in rules(app, "manage."):
        call = call_for(app, endpoint)
        url = call.url(ids)
        for method in ("GET", "POST"):
            response = attempt(outsider, method, url, call.payload(ids), token)
            where = f"{method} {url} ({endpoint})"
            page = response.get_data(as_text=True)
            if method not in methods:
                assert response.status_code == 405, where
            elif call.kind == "owned":
                assert response.status_code in (403, 404), f"{where} gave {response.status_code}"
                assert "Beta Befriending" not in page, where
            elif endpoint in ("manage.dashboard", "manage.problems"):
                assert response.status_code == 200, where
                assert "Beta Befriending" not in page, f"{where} shows organisation B"
            elif method == "GET":  # the open registration page
                assert response.status_code == 200, where
            else:  # registering again under organisation B's name is refused
                assert response.status_code == 400, where
                assert "is already listed" in page, where
            assert snapshot(app) == before, f"{where} changed the database"
            checked.append(where)
    assert len(checked) == 2 * len(MANAGE_CALLS)
    assert mailbox.messages == [], "an attempt sent an email"
    # Organisation B's listing is still in the directory for everyone.
    assert app.test_client().get(f"/services/{ids.service_b}").status_code == 200


def test_ids_that_do_not_exist_are_not_found(app: Flask, ids: Ids) -> None:
    client = browser(app, "10.3.0.2")
    sign_in(client, EDITOR_A)
    token = csrf_token(client, "/manage/")
    missing = Ids(**{name: 987654 for name in vars(ids)})
    before = snapshot(app)
    for endpoint, methods in rules(app, "manage."):
        call = call_for(app, endpoint)
        if call.kind != "owned":
            continue
        for method in methods:
            response = attempt(client, method, call.url(missing), call.payload(missing), token)
            assert response.status_code == 404, f"{method} {call.url(missing)}"
    assert snapshot(app) == before


def test_admin_routes_are_refused_to_editors_and_referrers(app: Flask, ids: Ids, outsider: FlaskClient,
                                                           mailbox: Mailbox) -> None:
    """The administrators' area as a whole: a 403 saying who it is for, whatever the address names."""
    token = csrf_token(outsider, "/manage/")
    before = snapshot(app)
    for endpoint, methods in rules(app, "admin."):
        call = call_for(app, endpoint)
        for method in methods:
            response = attempt(outsider, method, call.url(ids), call.payload(ids), token)
            assert response.status_code == 403, f"{method} {call.url(ids)} ({endpoint}) gave {response.status_code}"
            assert "This page is for the directory’s administrators" in response.get_data(as_text=True)
            assert snapshot(app) == before, f"{method} {call.url(ids)} changed the database"
    assert mailbox.messages == []


# --- signed-out visitors ---------------------------------------------------------------------------------------


def test_signed_out_visitors_are_sent_to_sign_in(app: Flask, ids: Ids) -> None:
    visitor = browser(app, "10.3.0.3")
    token = csrf_token(visitor, "/manage/register")
    before = snapshot(app)
    for prefix in ("manage.", "admin."):
        for endpoint, methods in rules(app, prefix):
            call = call_for(app, endpoint)
            url = call.url(ids)
            for method in methods:
                response = attempt(visitor, method, url, call.payload(ids), token)
                where = f"{method} {url} ({endpoint})"
                if endpoint == "manage.register":  # open to all; the name given is already listed
                    assert response.status_code == (200 if method == "GET" else 400), where
                    continue
                assert response.status_code == 302, f"{where} gave {response.status_code}"
                location = urlsplit(response.headers["Location"])
                assert location.path == "/sign-in", where
                assert parse_qs(location.query).get("next") == [url], where
                assert snapshot(app) == before, f"{where} changed the database"


# --- the control: the rightful users get through with the very same calls ---------------------------------------


def test_the_same_calls_work_for_the_organisations_own_editor_and_for_administrators(
        app: Flask, ids: Ids, mailbox: Mailbox) -> None:
    owner, admin = browser(app, "10.3.0.4"), browser(app, "10.3.0.5")
    sign_in(owner, EDITOR_B)
    sign_in(admin, ADMIN)
    # The administrator first: the owner's edit would supersede the change the administrator approves.
    for client, prefix, calls in ((admin, "admin.", ADMIN_CALLS), (owner, "manage.", MANAGE_CALLS)):
        token = csrf_token(client, "/manage/" if client is owner else "/admin/")
        for endpoint, methods in rules(app, prefix):
            if endpoint not in calls:
                continue  # an admin route with no entry: its outsider check above uses a generic address
            call = calls[endpoint]
            if call.kind != "owned":
                continue
            for method in sorted(methods):
                response = attempt(client, method, call.url(ids), call.payload(ids), token)
                assert response.status_code == dict(call.ok)[method], \
                    f"{method} {call.url(ids)} ({endpoint}) gave {response.status_code} to its rightful user"
    with app.app_context():
        editor_a = db.session.scalars(select(User).where(User.email == EDITOR_A)).one()
        # Organisation B's editor really can invite (here, the other organisation's editor).
        assert sorted(o.name for o in editor_a.organisations) == ["Alpha Advocacy", "Beta Befriending"]
        assert db.session.get(Organisation, ids.org_a).trusted is True
