"""An agency's whole journey through the web forms (issue 5, item 1).

Registering, confirming the email address from the message a real SMTP server received, approval by an
administrator, adding a listing, its approval, and finding it in public search and on its page; inviting a
colleague who sets a password from the emailed link and edits; one person editing for two organisations.
"""

import html
import re
from urllib.parse import urlsplit

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.accounts.models import User
from app.accounts.operations import create_user, find_user
from app.directory.listing_data import ListingData, LocationData
from app.directory.models import Organisation, OrganisationStatus, Revision, RevisionStatus, Service, ServiceStatus
from app.directory.operations import publish_directly
from app.extensions import db
from app.timeutil import today
from tests.conftest import Mailbox, use_smtp
from tests.web import client_at, submit

PASSWORD = "correct horse battery"
ADMIN = "team@wellaware.example"
RESULT_LINK = re.compile(r'<li class="wa-result">\s*<h2[^>]*><a href="/services/(\d+)"')


# --- a small browser ---------------------------------------------------------------------------------


def sign_in(client: FlaskClient, email: str, password: str = PASSWORD):
    return submit(client, "/sign-in", {"email": email, "password": password})


def signed_in(client: FlaskClient, email: str, password: str = PASSWORD) -> str:
    response = sign_in(client, email, password)
    assert response.status_code == 302, response.get_data(as_text=True)
    return urlsplit(response.headers["Location"]).path


def only_link(mailbox: Mailbox, address: str, path_start: str) -> str:
    """The one link to ``path_start`` in the mail to ``address``, as a path for the test client."""
    links = [urlsplit(link) for link in mailbox.links(address)]
    paths = [link.path for link in links if link.path.startswith(path_start)]
    assert len(paths) == 1, f"expected one {path_start} link to {address}, got {mailbox.links(address)}"
    assert all(link.netloc == "wellaware.test" for link in links)
    return paths[0]


def listing_fields(name: str, summary: str) -> dict[str, object]:
    return {
        "kind": "group",
        "name": name,
        "summary": summary,
        "description": "A lantern-lit walk and a hot drink, every week. Just turn up.",
        "categories": ["wellbeing", "community-groups"],
        "audiences": [],
        "cost": "free",
        "referral": ["self"],
        "access": ["in-person"],
        "areas": ["bath"],
        "locations-0-address": "St Saviour's Church Hall, Larkhall, Bath",
        "locations-0-postcode": "BA1 6RW",
        "opening_rows-0-pattern": "weekly",
        "opening_rows-0-days": ["Thu"],
        "opening_rows-0-opens": "18:30",
        "opening_rows-0-closes": "20:00",
        "phone": "01225 312 312",
    }


def found(client: FlaskClient, word: str) -> list[int]:
    page = client.get("/search", query_string={"q": word})
    assert page.status_code == 200
    return [int(i) for i in RESULT_LINK.findall(page.get_data(as_text=True))]


def make_admin(app: Flask) -> None:
    with app.app_context():
        create_user(ADMIN, PASSWORD, role="admin", name="Directory Team")
        db.session.commit()


def organisation_with_editor(app: Flask, name: str, editor: str, *, listing: str | None = None) -> int:
    with app.app_context():
        organisation = Organisation(name=name, status=OrganisationStatus.APPROVED)
        db.session.add(organisation)
        create_user(editor, PASSWORD, role="editor", organisation=organisation)
        if listing:
            publish_directly(ListingData(organisation=name, name=listing, summary="Drop-in support and a chat",
                                         description="Come along.", categories=["wellbeing"], areas=["bath"],
                                         referral=["self"], access=["in-person"], opening_hours="Mon 10:00-12:00",
                                         locations=[LocationData("Guildhall, High Street, Bath", "BA1 5AW")],
                                         assured_at=today()), source="test")
        db.session.commit()
        return organisation.id


# --- registering to a public listing ------------------------------------------------------------------

REGISTRATION = {
    "name": "Larkhall Lantern Club",
    "description": "Neighbours who walk together on winter evenings.",
    "website": "https://lanterns.example.org",
    "phone": "01225 312 312",
    "email": "hello@lanterns.example.org",
    "charity_number": "1234567",
    "editor_name": "Lena Lamplighter",
    "editor_email": "lena@lanterns.example.org",
    "password": PASSWORD,
    "confirm": PASSWORD,
}


def test_a_new_agency_registers_and_its_listing_reaches_public_search(app: Flask, smtp) -> None:
    mailbox = use_smtp(app, smtp)
    make_admin(app)
    agency, admin, visitor = client_at(app, "10.1.0.1"), client_at(app, "10.1.0.2"), client_at(app, "10.1.0.3")
    email = REGISTRATION["editor_email"]

    # 1. Register.
    response = submit(agency, "/manage/register", REGISTRATION)
    assert response.status_code == 200
    assert "Check your email" in response.get_data(as_text=True)
    with app.app_context():
        organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Larkhall Lantern Club"))
        assert organisation.status == OrganisationStatus.PENDING
        assert (organisation.website, organisation.charity_number) == ("https://lanterns.example.org", "1234567")
        user = find_user(email)
        assert user.email_verified_at is None and [o.name for o in user.organisations] == ["Larkhall Lantern Club"]
        organisation_id = organisation.id
    assert "Confirm your email address first" in sign_in(agency, email).get_data(as_text=True)

    # 2. Confirm the email address with the link that arrived.
    assert [m["Subject"] for m in mailbox.to(email)] == ["Confirm your email address for Well Aware"]
    confirmed = agency.get(only_link(mailbox, email, "/professionals/confirm/"))
    assert confirmed.status_code == 200 and "Email address confirmed" in confirmed.get_data(as_text=True)
    with app.app_context():
        assert find_user(email).email_verified_at is not None

    # 3. An administrator approves the organisation from the queue.
    assert signed_in(admin, ADMIN) == "/admin/"
    queue = admin.get("/admin/queue").get_data(as_text=True)
    assert "Larkhall Lantern Club" in queue
    approve_action = f"/admin/organisations/{organisation_id}/approve"
    assert f'action="{approve_action}"' in queue
    assert submit(admin, "/admin/queue", {}, action=approve_action).status_code == 302
    with app.app_context():
        assert db.session.get(Organisation, organisation_id).status == OrganisationStatus.APPROVED
    assert "Larkhall Lantern Club is approved on Well Aware" in [m["Subject"] for m in mailbox.to(email)]
    assert f'action="{approve_action}"' not in admin.get("/admin/queue").get_data(as_text=True)

    # 4. The editor signs in and adds a listing through the form linked from the dashboard.
    assert signed_in(agency, email) == "/manage/"
    dashboard = agency.get("/manage/").get_data(as_text=True)
    new_url = f"/manage/organisations/{organisation_id}/services/new"
    assert f'href="{new_url}"' in dashboard
    response = submit(agency, new_url, listing_fields("Larkhall Lanternwick Walk",
                                                      "Evening walks by lanternlight for anyone feeling low"))
    assert response.status_code == 302
    with app.app_context():
        service = db.session.scalar(select(Service).where(Service.name == "Larkhall Lanternwick Walk"))
        assert service.organisation_id == organisation_id and service.status == ServiceStatus.PENDING
        service_id = service.id
    assert "New, waiting for approval" in agency.get("/manage/").get_data(as_text=True)
    assert visitor.get(f"/services/{service_id}").status_code == 404
    assert found(visitor, "lanternwick") == []

    # 5. The administrator approves the listing in the queue.
    queue = admin.get("/admin/queue").get_data(as_text=True)
    match = re.search(r'<a href="/admin/revisions/(\d+)">Larkhall Lanternwick Walk</a>', queue)
    assert match, "the new listing is not in the queue"
    review_url = f"/admin/revisions/{match.group(1)}"
    review = admin.get(review_url).get_data(as_text=True)
    assert "A new listing" in review and "Evening walks by lanternlight" in review
    assert submit(admin, review_url, {}, action=f"{review_url}/approve").status_code == 302

    # 6. Anyone finds it in search and on its page.
    assert found(visitor, "lanternwick") == [service_id]
    assert found(visitor, "Lanternwick walk") == [service_id]
    page = visitor.get(f"/services/{service_id}")
    assert page.status_code == 200
    text = html.unescape(page.get_data(as_text=True))
    for shown in ("Larkhall Lanternwick Walk", "Evening walks by lanternlight for anyone feeling low",
                  "Larkhall Lantern Club", "St Saviour's Church Hall, Larkhall, Bath", "Thursday, 6:30pm to 8pm"):
        assert shown in text
    assert "In the directory" in agency.get("/manage/").get_data(as_text=True)
    assert f"http://wellaware.test/services/{service_id}" in mailbox.links(email)


def test_listings_of_an_organisation_wait_until_the_organisation_is_approved(app: Flask, smtp) -> None:
    use_smtp(app, smtp)
    make_admin(app)
    agency, admin = client_at(app, "10.1.1.1"), client_at(app, "10.1.1.2")
    submit(agency, "/manage/register", REGISTRATION)
    with app.app_context():
        user = find_user(REGISTRATION["editor_email"])
        user.email_verified_at = user.created_at  # confirmation itself is covered above
        organisation_id = user.organisations[0].id
        db.session.commit()
    signed_in(agency, REGISTRATION["editor_email"])
    assert "The directory team is checking your organisation" in agency.get("/manage/").get_data(as_text=True)
    response = submit(agency, f"/manage/organisations/{organisation_id}/services/new",
                      listing_fields("Larkhall Lanternwick Walk", "Evening walks by lanternlight"))
    assert response.status_code == 302
    with app.app_context():
        revision_id = db.session.scalar(select(Revision.id))
    signed_in(admin, ADMIN)

    response = submit(admin, f"/admin/revisions/{revision_id}", {}, action=f"/admin/revisions/{revision_id}/approve")

    assert response.status_code == 302
    assert "Approve Larkhall Lantern Club first" in admin.get(response.headers["Location"]).get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Revision, revision_id).status == RevisionStatus.PENDING
        assert db.session.scalar(select(Service.status)) == ServiceStatus.PENDING


def account_counts(app: Flask) -> tuple[int, int]:
    with app.app_context():
        return (db.session.scalar(select(func.count(Organisation.id))), db.session.scalar(select(func.count(User.id))))


def test_registering_an_organisation_that_is_already_listed_changes_nothing(app: Flask, smtp) -> None:
    mailbox = use_smtp(app, smtp)
    organisation_with_editor(app, "Larkhall Lantern Club", "first@lanterns.example.org")
    before = account_counts(app)

    response = submit(client_at(app, "10.1.2.1"), "/manage/register", REGISTRATION)

    assert response.status_code == 400
    assert "is already listed" in html.unescape(response.get_data(as_text=True))
    assert account_counts(app) == before
    assert mailbox.messages == []


# --- colleagues ---------------------------------------------------------------------------------------------


def test_an_editor_invites_a_colleague_who_sets_a_password_and_edits(app: Flask, smtp) -> None:
    mailbox = use_smtp(app, smtp)
    organisation_id = organisation_with_editor(app, "Combe Down Carers", "cora@combe.example",
                                               listing="Combe Down Carers Cafe")
    colleague_email = "colin@combe.example"
    editor, colleague = client_at(app, "10.1.3.1"), client_at(app, "10.1.3.2")
    signed_in(editor, "cora@combe.example")
    invite_url = f"/manage/organisations/{organisation_id}/invite"
    assert f'href="{invite_url}"' in editor.get("/manage/").get_data(as_text=True)

    response = submit(editor, invite_url, {"email": colleague_email})

    assert response.status_code == 302
    assert [m["Subject"] for m in mailbox.to(colleague_email)] == ["You can now edit Combe Down Carers on Well Aware"]
    set_password_path = only_link(mailbox, colleague_email, "/password/reset/")
    assert sign_in(colleague, colleague_email, "anything at all 123").status_code == 400  # no password yet

    new_password = "lantern moth teapot"
    response = submit(colleague, set_password_path, {"password": new_password, "confirm": new_password})
    assert response.status_code == 302 and urlsplit(response.headers["Location"]).path == "/sign-in"
    assert colleague.get(set_password_path).status_code == 404  # the link works once

    assert signed_in(colleague, colleague_email, new_password) == "/manage/"
    dashboard = colleague.get("/manage/").get_data(as_text=True)
    assert "Combe Down Carers" in dashboard and "Combe Down Carers Cafe" in dashboard
    with app.app_context():
        service_id = db.session.scalar(select(Service.id).where(Service.name == "Combe Down Carers Cafe"))
        colleague_id = find_user(colleague_email).id
    edit_url = f"/manage/services/{service_id}/edit"
    edit_page = colleague.get(edit_url)
    assert edit_page.status_code == 200
    fields = listing_fields("Combe Down Carers Cafe", "A cafe for carers, with a quiet room upstairs")
    assert submit(colleague, edit_url, fields).status_code == 302
    with app.app_context():
        revision = db.session.scalars(select(Revision).where(Revision.service_id == service_id)
                                      .order_by(Revision.id.desc())).first()
        assert (revision.author_id, revision.status) == (colleague_id, RevisionStatus.PENDING)
        assert revision.data["summary"] == "A cafe for carers, with a quiet room upstairs"


def test_one_person_edits_for_two_organisations(app: Flask, smtp) -> None:
    mailbox = use_smtp(app, smtp)
    first = organisation_with_editor(app, "Combe Down Carers", "cora@combe.example", listing="Combe Down Carers Cafe")
    second = organisation_with_editor(app, "Odd Down Allotment Society", "otto@odddown.example",
                                      listing="Odd Down Growing Together")
    editor, shared = client_at(app, "10.1.4.1"), client_at(app, "10.1.4.2")
    signed_in(editor, "cora@combe.example")

    response = submit(editor, f"/manage/organisations/{first}/invite", {"email": "Otto@OddDown.example"})

    assert response.status_code == 302
    messages = mailbox.to("otto@odddown.example")
    assert [m["Subject"] for m in messages] == ["You can now edit Combe Down Carers on Well Aware"]
    assert "/password/reset/" not in messages[0].get_content()  # they already have a password
    with app.app_context():
        assert db.session.scalar(select(func.count(User.id)).where(
            func.lower(User.email) == "otto@odddown.example")) == 1
        assert sorted(o.id for o in find_user("otto@odddown.example").organisations) == sorted([first, second])

    assert signed_in(shared, "otto@odddown.example") == "/manage/"
    dashboard = shared.get("/manage/").get_data(as_text=True)
    headings = re.findall(r'<h2 [^>]*id="org-(\d+)"[^>]*>(.*?)</h2>', dashboard)
    assert headings == [(str(first), "Combe Down Carers"), (str(second), "Odd Down Allotment Society")]
    assert "Combe Down Carers Cafe" in dashboard and "Odd Down Growing Together" in dashboard
    for organisation_id, name in ((first, "Combe Down Carers Harvest Lunch"), (second, "Odd Down Seed Swap")):
        response = submit(shared, f"/manage/organisations/{organisation_id}/services/new",
                          listing_fields(name, "Bring a dish or a packet of seeds to share"))
        assert response.status_code == 302
    with app.app_context():
        placed = dict(db.session.execute(select(Service.name, Service.organisation_id).where(
            Service.name.in_(["Combe Down Carers Harvest Lunch", "Odd Down Seed Swap"]))).all())
    assert placed == {"Combe Down Carers Harvest Lunch": first, "Odd Down Seed Swap": second}
    # The first editor, who edits only for the first organisation, still cannot reach the second.
    assert editor.get(f"/manage/organisations/{second}/services/new").status_code == 404
