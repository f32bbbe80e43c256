"""Reporting a problem with a listing (issue 19): from the public page to the editors' and the
administrators' queues and inboxes (a real SMTP server), and closed with what was done.

Oracles: plain SQL over the ``problem_report`` and ``audit_event`` tables, the messages the SMTP server
received, and the pages' own tables as a person reads them.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from flask import Flask
from sqlalchemy import text

from app.accounts.operations import create_user
from app.directory.listing_data import ListingData, LocationData
from app.directory.models import Organisation, OrganisationStatus, Service
from app.directory.operations import publish_directly
from app.extensions import db
from app.timeutil import today
from tests import web
from tests.conftest import Mailbox, use_smtp
from tests.web import client_at, confirmation_of, csrf_token, new_client, table_rows

PASSWORD = "correct horse battery"
EDITOR, RETIRED_EDITOR, OTHER_EDITOR = "abby@abbey.example", "alf@abbey.example", "bert@bathwick.example"
ADMIN = "team@wellaware.example"
PHONE = "01225 477000"


@dataclass
class Directory:
    app: Flask
    mailbox: Mailbox
    listing: int
    other_listing: int

    def rows(self, sql: str, **params: object) -> list[tuple]:
        with self.app.app_context():
            return [tuple(row) for row in db.session.execute(text(sql), params)]


def listing(organisation: str, name: str) -> ListingData:
    return ListingData(organisation=organisation, name=name, summary=f"{name}: company and a warm drink",
                       description="Everyone welcome.", categories=["wellbeing"], areas=["bath"], referral=["self"],
                       access=["in-person"], opening_hours="Tue 10:00-12:00", phone=PHONE,
                       locations=[LocationData("Guildhall, High Street, Bath", "BA1 5AW")],
                       assured_at=today() - timedelta(days=10))


@pytest.fixture
def directory(app: Flask, smtp) -> Iterator[Directory]:
    mailbox = use_smtp(app, smtp)
    with app.app_context():
        abbey = Organisation(name="Abbey Befrienders", status=OrganisationStatus.APPROVED)
        bathwick = Organisation(name="Bathwick Bakers", status=OrganisationStatus.APPROVED)
        db.session.add_all([abbey, bathwick])
        create_user(EDITOR, PASSWORD, role="editor", organisation=abbey)
        create_user(RETIRED_EDITOR, PASSWORD, role="editor", organisation=abbey).active = False
        create_user(OTHER_EDITOR, PASSWORD, role="editor", organisation=bathwick)
        create_user(ADMIN, PASSWORD, role="admin")
        teapot, _ = publish_directly(listing("Abbey Befrienders", "Abbey Teapot Mornings"), source="test")
        crumpet, _ = publish_directly(listing("Bathwick Bakers", "Bathwick Crumpet Club"), source="test")
        db.session.commit()
        ids = teapot.id, crumpet.id
    yield Directory(app, mailbox, *ids)


def report_form(client, listing_id: int) -> str:
    page = client.get(f"/services/{listing_id}/report-a-problem")
    assert page.status_code == 200
    return page.get_data(as_text=True)


def send_report(client, listing_id: int, **fields: str):
    token = csrf_token(report_form(client, listing_id))
    return client.post(f"/services/{listing_id}/report-a-problem", data={**fields, "csrf_token": token})


def signed_in(app: Flask, email: str, address: str):
    client = client_at(app, address)
    web.sign_in(client, email, PASSWORD)
    return client


def test_every_listing_page_offers_a_report(directory: Directory) -> None:
    page = new_client(directory.app).get(f"/services/{directory.listing}").get_data(as_text=True)
    assert f'<a href="/services/{directory.listing}/report-a-problem">Report a problem with this listing</a>' in page


def test_an_anonymous_report_reaches_the_editors_and_the_administrators(directory: Directory) -> None:
    visitor = new_client(directory.app)
    response = send_report(visitor, directory.listing, kind="contact",
                           details="The number rings a fax machine & nobody answers")
    assert response.status_code == 302
    assert urlsplit(response.headers["Location"]).path == f"/services/{directory.listing}"
    landed = visitor.get(response.headers["Location"]).get_data(as_text=True)
    assert "Thank you: your report has been sent" in confirmation_of(landed)

    [(report_id, service_id, kind, details, reply, status, snapshot)] = directory.rows(
        "SELECT id, service_id, kind, details, reply_email, status, listing FROM problem_report")
    assert (service_id, kind, details, reply, status) == (
        directory.listing, "contact", "The number rings a fax machine & nobody answers", None, "open")
    assert f'"phone": "{PHONE}"' in (snapshot if isinstance(snapshot, str) else __import__("json").dumps(snapshot))

    # The editor who can sign in and the administrator are told; the retired editor and another
    # organisation's editor are not.
    assert sorted(m["To"] for m in directory.mailbox.messages) == [EDITOR, ADMIN]
    for message in directory.mailbox.messages:
        assert message["Subject"] == "A problem has been reported with Abbey Teapot Mornings"
        body = message.get_content()
        assert "The number rings a fax machine & nobody answers" in body
        assert "They did not ask for a reply." in body
        assert re.search(rf"https?://\S+/manage/problems/{report_id}\b", body)

    editor = signed_in(directory.app, EDITOR, "10.9.0.1")
    rows = table_rows(editor.get("/manage/problems").get_data(as_text=True))
    assert [" ".join(rows[0][0].split()), rows[0][1]] == [
        "Abbey Teapot Mornings Abbey Befrienders", "The phone number or email address is wrong"]
    admin = signed_in(directory.app, ADMIN, "10.9.0.2")
    assert "Abbey Teapot Mornings" in admin.get("/admin/problems").get_data(as_text=True)
    outsider = signed_in(directory.app, OTHER_EDITOR, "10.9.0.3")
    assert "Abbey Teapot Mornings" not in outsider.get("/manage/problems").get_data(as_text=True)
    assert outsider.get(f"/manage/problems/{report_id}").status_code == 404


def test_a_reply_address_is_kept_only_when_given(directory: Directory) -> None:
    visitor = new_client(directory.app)
    assert send_report(visitor, directory.listing, kind="closed", reply_email="sam@example.org").status_code == 302
    assert directory.rows("SELECT reply_email FROM problem_report") == [("sam@example.org",)]
    for message in directory.mailbox.messages:  # the address stays on the report's page, not in inboxes
        assert "sam@example.org" not in message.get_content()
    editor = signed_in(directory.app, EDITOR, "10.9.0.4")
    page = editor.get("/manage/problems/1").get_data(as_text=True)
    assert '<a href="mailto:sam@example.org">sam@example.org</a>' in page


def test_a_closed_report_keeps_its_history(directory: Directory) -> None:
    send_report(new_client(directory.app), directory.listing, kind="contact", details="Wrong number")
    [(report_id,)] = directory.rows("SELECT id FROM problem_report")
    with directory.app.app_context():  # the editor puts the number right
        service = db.session.get(Service, directory.listing)
        corrected = ListingData.from_service(service)
        corrected.phone = "01225 477001"
        publish_directly(corrected, service=service, source="test")
        db.session.commit()

    editor = signed_in(directory.app, EDITOR, "10.9.0.5")
    url = f"/manage/problems/{report_id}"
    page = editor.get(url).get_data(as_text=True)
    assert PHONE in page  # the listing as it was reported
    assert f"Phone: was “{PHONE}”, now “01225 477001”" in page

    refused = editor.post(url, data={"outcome": "", "csrf_token": csrf_token(page)})
    assert refused.status_code == 400
    assert "Say what was done" in refused.get_data(as_text=True)
    assert directory.rows("SELECT status FROM problem_report") == [("open",)]

    closed = editor.post(url, data={"outcome": "Phone number corrected", "csrf_token": csrf_token(page)})
    assert closed.status_code == 302
    [(status, outcome, closed_by, closed_at)] = directory.rows(
        'SELECT r.status, r.outcome, u.email, r.closed_at FROM problem_report r JOIN "user" u '
        "ON u.id = r.closed_by_id")
    assert (status, outcome, closed_by) == ("closed", "Phone number corrected", EDITOR) and closed_at is not None
    assert directory.rows("SELECT action, subject, detail FROM audit_event WHERE action = 'problem report closed'") == [
        ("problem report closed", "Abbey Teapot Mornings", f"report {report_id}: Phone number corrected")]

    # Still there afterwards, with what was done, for the editor and the administrators.
    queue = editor.get("/manage/problems").get_data(as_text=True)
    assert "No open reports." in queue and "Phone number corrected" in queue
    admin = signed_in(directory.app, ADMIN, "10.9.0.6")
    detail = admin.get(url).get_data(as_text=True)
    assert "Closed" in detail and "Phone number corrected" in detail and "Wrong number" in detail
    # Closing twice changes nothing.
    assert editor.post(url, data={"outcome": "Again", "csrf_token": csrf_token(page)}).status_code == 409
    assert directory.rows("SELECT outcome FROM problem_report") == [("Phone number corrected",)]


def test_the_form_refuses_a_missing_csrf_token(directory: Directory) -> None:
    visitor = new_client(directory.app)
    report_form(visitor, directory.listing)  # a session exists, but the post carries no token
    response = visitor.post(f"/services/{directory.listing}/report-a-problem", data={"kind": "contact"})
    assert response.status_code == 400
    assert directory.rows("SELECT count(*) FROM problem_report") == [(0,)]
    assert directory.mailbox.messages == []


@pytest.mark.parametrize(("details", "message"), [
    ("<script>alert(1)</script>", "without HTML tags"),
    ("call <a href='http://evil.example'>here</a>", "without HTML tags"),
    ("wrong number\x1b[31m", "hidden control characters"),
    ("right‮txt.exe", "hidden control characters"),
    ("see http://a.example http://b.example www.c.example", "at most 2 web addresses"),
    ("x" * 1001, "at most 1,000 characters"),
])
def test_the_form_refuses_hostile_text(directory: Directory, details: str, message: str) -> None:
    response = send_report(new_client(directory.app), directory.listing, kind="other", details=details)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert "<script>alert(1)</script>" not in page  # re-displayed escaped, never as markup
    assert directory.rows("SELECT count(*) FROM problem_report") == [(0,)]
    assert directory.mailbox.messages == []


def test_the_reporters_words_are_shown_as_text(directory: Directory) -> None:
    words = 'Ring 01225 477000 & ask for "Jo" <3 — it\'s been closed since May'
    assert send_report(new_client(directory.app), directory.listing, kind="other", details=words).status_code == 302
    admin = signed_in(directory.app, ADMIN, "10.9.0.7")
    page = admin.get("/manage/problems/1").get_data(as_text=True)
    assert "Ring 01225 477000 &amp; ask for &#34;Jo&#34; &lt;3" in page


def test_a_choice_is_needed_and_other_needs_words(directory: Directory) -> None:
    visitor = new_client(directory.app)
    assert "Choose what is wrong" in send_report(visitor, directory.listing).get_data(as_text=True)
    assert "Tell us what is wrong" in send_report(visitor, directory.listing, kind="other").get_data(as_text=True)
    assert directory.rows("SELECT count(*) FROM problem_report") == [(0,)]


def test_reports_are_rate_limited(directory: Directory) -> None:
    visitor = client_at(directory.app, "10.9.1.1")
    statuses = [send_report(visitor, directory.listing, kind="contact").status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]
    assert directory.rows("SELECT count(*) FROM problem_report") == [(5,)]


def test_a_listing_the_public_cannot_see_cannot_be_reported(directory: Directory) -> None:
    with directory.app.app_context():
        db.session.get(Service, directory.other_listing).assured_at = today() - timedelta(days=400)
        db.session.commit()
    assert new_client(directory.app).get(f"/services/{directory.other_listing}/report-a-problem").status_code == 404
