"""Changes to listings wait for approval and every one is kept (issue 5, item 2; design §2 principle 4).

Everything goes through the real web forms of the editor's and the administrator's pages, over a real SQLite
database, a real Whoosh index and a real SMTP server: the public page and the public search are read after
each step, from the same running app, so "live" means what a visitor would see without a restart.
"""

import html
import re
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app.accounts.operations import create_user
from app.directory.models import Organisation, OrganisationStatus, Revision, RevisionStatus, Service, ServiceStatus
from app.extensions import db
from tests import web
from tests.conftest import Mailbox, use_smtp
from tests.web import client_at, submit

PASSWORD = "correct horse battery"
EDITOR = "walks@widcombe.example"
ADMIN = "team@wellaware.example"
RESULT_LINK = re.compile(r'<li class="wa-result">\s*<h2[^>]*><a href="/services/(\d+)"')

OLD_SUMMARY = "Gentle walks around Widcombe with quillfeather guides"
NEW_SUMMARY = "Gentle walks around Widcombe with zephyrine guides"
OLD_DESCRIPTION = "Meet at the quillfeather bench by the canal."
NEW_DESCRIPTION = "Meet at the zephyrine gate by the canal lock."


# --- a small browser ---------------------------------------------------------------------------------


def sign_in(client: FlaskClient, email: str) -> None:
    web.sign_in(client, email, PASSWORD)


def text_of(fragment: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())


def listing_fields(**changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "kind": "group",
        "name": "Widcombe Canal Walks",
        "summary": OLD_SUMMARY,
        "description": OLD_DESCRIPTION,
        "categories": ["wellbeing", "physical-health"],
        "audiences": ["older-people"],
        "min_age": "18",
        "max_age": "",
        "cost": "free",
        "referral": ["self"],
        "access": ["in-person"],
        "areas": ["bath"],
        "locations-0-address": "Widcombe Parade, Bath",
        "locations-0-postcode": "BA2 4JT",
        "opening_rows-0-pattern": "weekly",
        "opening_rows-0-days": ["Wed"],
        "opening_rows-0-opens": "10:00",
        "opening_rows-0-closes": "11:30",
        "phone": "01225 400 400",
    }
    fields.update(changes)
    return fields


NEW_TEXT = {"summary": NEW_SUMMARY, "description": NEW_DESCRIPTION, "phone": "01225 499 499", "min_age": "16"}


# --- the world ---------------------------------------------------------------------------------------------


@dataclass
class World:
    app: Flask
    mailbox: Mailbox
    editor: FlaskClient
    admin: FlaskClient
    visitor: FlaskClient
    organisation_id: int

    # the editor's side

    def propose_new(self, **changes: object) -> int:
        fields = listing_fields(**changes)
        response = submit(self.editor, f"/manage/organisations/{self.organisation_id}/services/new", fields)
        assert response.status_code == 302, response.get_data(as_text=True)
        dashboard = self.editor.get("/manage/").get_data(as_text=True)
        match = re.search(r'<a id="listing-\d+" href="/manage/services/(\d+)">' + re.escape(str(fields["name"]))
                          + "</a>", dashboard)
        assert match, "the new listing is not on the dashboard"
        return int(match.group(1))

    def edit(self, service_id: int, **changes: object) -> None:
        response = submit(self.editor, f"/manage/services/{service_id}/edit", listing_fields(**changes))
        assert response.status_code == 302, response.get_data(as_text=True)

    def dashboard_row(self, service_id: int) -> str:
        page = self.editor.get("/manage/").get_data(as_text=True)
        row = re.search(r'<tr class="nhsuk-table__row">\s*<td[^>]*>.*?href="/manage/services/' + str(service_id)
                        + r'".*?</tr>', page, re.S)
        assert row, f"listing {service_id} is not on the dashboard"
        return row.group(0)

    def press_on_dashboard(self, service_id: int, action: str) -> None:
        response = submit(self.editor, "/manage/", {}, action=f"/manage/services/{service_id}/{action}")
        assert response.status_code == 302

    # the administrator's side

    def waiting(self) -> dict[str, int]:
        """The queue's listing changes: name as shown → revision id."""
        page = self.admin.get("/admin/queue")
        assert page.status_code == 200
        return {html.unescape(name): int(rid) for rid, name in
                re.findall(r'<a href="/admin/revisions/(\d+)">(.*?)</a>', page.get_data(as_text=True))}

    def waiting_revision(self, name: str = "Widcombe Canal Walks") -> int:
        waiting = self.waiting()
        assert name in waiting, f"{name} is not in the queue: {waiting}"
        return waiting[name]

    def review(self, revision_id: int) -> str:
        page = self.admin.get(f"/admin/revisions/{revision_id}")
        assert page.status_code == 200
        return page.get_data(as_text=True)

    def approve(self, revision_id: int) -> None:
        response = submit(self.admin, f"/admin/revisions/{revision_id}", {},
                          action=f"/admin/revisions/{revision_id}/approve")
        assert response.status_code == 302
        assert urlsplit(response.headers["Location"]).path == "/admin/queue"

    def reject(self, revision_id: int, reason: str):
        return submit(self.admin, f"/admin/revisions/{revision_id}", {"reason": reason},
                      action=f"/admin/revisions/{revision_id}/reject")

    def publish_new(self) -> int:
        service_id = self.propose_new()
        self.approve(self.waiting_revision())
        return service_id

    # what the public sees

    def found(self, word: str) -> list[int]:
        page = self.visitor.get("/search", query_string={"q": word})
        assert page.status_code == 200
        return [int(i) for i in RESULT_LINK.findall(page.get_data(as_text=True))]

    def public_page(self, service_id: int) -> tuple[int, str]:
        page = self.visitor.get(f"/services/{service_id}")
        return page.status_code, page.get_data(as_text=True)

    def assert_live(self, service_id: int, summary: str, description: str, *, gone: tuple[str, ...]) -> None:
        """The public page and search show ``summary``/``description`` and none of the words in ``gone``."""
        status, page = self.public_page(service_id)
        assert status == 200
        assert summary in page and description in page
        for word in gone:
            assert word not in page
            assert service_id not in self.found(word), f"search still finds {word!r}"
        for word in set(summary.split()) & {"quillfeather", "zephyrine"}:
            assert self.found(word) == [service_id], f"search does not find {word!r}"

    # the database

    def service(self, service_id: int) -> dict[str, object]:
        with self.app.app_context():
            service = db.session.get(Service, service_id)
            return {"status": service.status, "summary": service.summary, "description": service.description,
                    "phone": service.phone, "min_age": service.min_age, "assured_at": service.assured_at,
                    "revisions": [(r.status.value, r.source, r.reason) for r in service.revisions]}


@pytest.fixture
def world(app: Flask, smtp) -> Iterator[World]:
    mailbox = use_smtp(app, smtp)
    with app.app_context():
        organisation = Organisation(name="Widcombe Wellbeing Trust", status=OrganisationStatus.APPROVED)
        db.session.add(organisation)
        create_user(EDITOR, PASSWORD, role="editor", organisation=organisation, name="Wren Walker")
        create_user(ADMIN, PASSWORD, role="admin", name="Directory Team")
        db.session.commit()
        organisation_id = organisation.id
    editor, admin = client_at(app, "10.2.0.1"), client_at(app, "10.2.0.2")
    sign_in(editor, EDITOR)
    sign_in(admin, ADMIN)
    yield World(app, mailbox, editor, admin, client_at(app, "10.2.0.3"), organisation_id)


def diff_rows(review_page: str) -> dict[str, tuple[str, str]]:
    table = re.search(r"<table class=\"nhsuk-table\">.*?</table>", review_page, re.S)
    assert table, "the review page has no table of changes"
    return {text_of(label): (text_of(before), text_of(after)) for label, before, after in re.findall(
        r'<tr class="nhsuk-table__row"><th scope="row"[^>]*>(.*?)</th><td[^>]*>(.*?)</td><td[^>]*>(.*?)</td></tr>',
        table.group(0), re.S)}


# --- the tests ---------------------------------------------------------------------------------------------


def test_a_new_listing_is_not_public_until_approved(world: World) -> None:
    service_id = world.propose_new()
    assert world.service(service_id)["status"] == ServiceStatus.PENDING
    assert world.public_page(service_id)[0] == 404
    assert world.found("quillfeather") == []

    world.approve(world.waiting_revision())

    assert world.service(service_id)["status"] == ServiceStatus.PUBLISHED
    world.assert_live(service_id, OLD_SUMMARY, OLD_DESCRIPTION, gone=("zephyrine",))


def test_an_edit_leaves_the_old_text_live_until_it_is_approved(world: World) -> None:
    service_id = world.publish_new()
    before = world.service(service_id)

    world.edit(service_id, **NEW_TEXT)

    after = world.service(service_id)
    assert {k: after[k] for k in ("status", "summary", "description", "phone", "min_age")} == {
        k: before[k] for k in ("status", "summary", "description", "phone", "min_age")}
    assert after["revisions"][-1][0] == "pending"
    world.assert_live(service_id, OLD_SUMMARY, OLD_DESCRIPTION, gone=("zephyrine",))
    row = world.dashboard_row(service_id)
    assert "In the directory" in row and "Changes waiting for approval" in row
    preview = world.editor.get(f"/manage/services/{service_id}").get_data(as_text=True)
    assert "Waiting for approval" in preview and NEW_SUMMARY in preview
    # The edit form shows the editor the version they sent, not the live one.
    edit_page = world.editor.get(f"/manage/services/{service_id}/edit").get_data(as_text=True)
    assert f'value="{NEW_SUMMARY}"' in edit_page


def test_the_review_page_shows_each_changed_field_with_its_old_and_new_value(world: World) -> None:
    service_id = world.publish_new()
    world.edit(service_id, **NEW_TEXT)

    page = world.review(world.waiting_revision())

    assert diff_rows(page) == {
        "Summary": (OLD_SUMMARY, NEW_SUMMARY),
        "Description": (OLD_DESCRIPTION, NEW_DESCRIPTION),
        "Youngest age": ("18", "16"),
        "Phone": ("01225 400 400", "01225 499 499"),
    }
    assert EDITOR in page


def test_approval_makes_the_new_text_live_at_once(world: World) -> None:
    service_id = world.publish_new()
    world.edit(service_id, **NEW_TEXT)
    revision_id = world.waiting_revision()

    world.approve(revision_id)

    world.assert_live(service_id, NEW_SUMMARY, NEW_DESCRIPTION, gone=("quillfeather",))
    stored = world.service(service_id)
    assert (stored["summary"], stored["phone"], stored["min_age"]) == (NEW_SUMMARY, "01225 499 499", 16)
    assert "Changes waiting for approval" not in world.dashboard_row(service_id)
    assert world.waiting() == {}
    subjects = [m["Subject"] for m in world.mailbox.to(EDITOR)]
    assert subjects == ["Your change to ‘Widcombe Canal Walks’ is live"] * 2  # the new listing, then the edit
    assert f"http://wellaware.test/services/{service_id}" in world.mailbox.links(EDITOR)


def test_a_rejected_change_leaves_the_old_text_live_and_emails_the_reason(world: World) -> None:
    service_id = world.publish_new()
    world.edit(service_id, **NEW_TEXT)
    revision_id = world.waiting_revision()
    reason = "The phone number rings a fax machine; please check it with your office."

    response = world.reject(revision_id, reason)

    assert response.status_code == 302
    world.assert_live(service_id, OLD_SUMMARY, OLD_DESCRIPTION, gone=("zephyrine",))
    assert world.service(service_id)["revisions"][-1] == ("rejected", "web", reason)
    assert world.waiting() == {}
    rejection = [m for m in world.mailbox.to(EDITOR) if "not approved" in m["Subject"]]
    assert len(rejection) == 1
    assert reason in rejection[0].get_content()
    assert f"http://wellaware.test/manage/services/{service_id}/edit" in rejection[0].get_content()
    assert "Changes waiting for approval" not in world.dashboard_row(service_id)


def test_rejecting_without_a_reason_shows_the_form_again_and_changes_nothing(world: World) -> None:
    service_id = world.publish_new()
    world.edit(service_id, **NEW_TEXT)
    revision_id = world.waiting_revision()
    before, mail_before = world.service(service_id), len(world.mailbox.messages)

    response = world.reject(revision_id, "   ")

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'class="nhsuk-error-summary"' in page
    assert "Tell the editor why" in text_of(re.search(r'id="reason-error">(.*?)</p>', page, re.S).group(1))
    assert world.service(service_id) == before
    assert len(world.mailbox.messages) == mail_before
    assert world.waiting() == {"Widcombe Canal Walks": revision_id}
    world.assert_live(service_id, OLD_SUMMARY, OLD_DESCRIPTION, gone=("zephyrine",))


def test_a_trusted_organisations_change_publishes_at_once(world: World) -> None:
    service_id = world.publish_new()
    assert "Send for approval" in world.editor.get(f"/manage/services/{service_id}/edit").get_data(as_text=True)

    response = submit(world.admin, "/admin/organisations", {},
                      action=f"/admin/organisations/{world.organisation_id}/trust")
    assert response.status_code == 302
    with world.app.app_context():
        assert db.session.get(Organisation, world.organisation_id).trusted is True
    assert "Stop trusting" in world.admin.get("/admin/organisations").get_data(as_text=True)
    assert "Save and publish" in world.editor.get(f"/manage/services/{service_id}/edit").get_data(as_text=True)

    world.edit(service_id, **NEW_TEXT)

    world.assert_live(service_id, NEW_SUMMARY, NEW_DESCRIPTION, gone=("quillfeather",))
    assert world.service(service_id)["revisions"][-1][0] == "approved"
    assert world.waiting() == {}

    # Trust taken away: the next change waits again.
    submit(world.admin, "/admin/organisations", {}, action=f"/admin/organisations/{world.organisation_id}/trust")
    world.edit(service_id, summary=OLD_SUMMARY, description=OLD_DESCRIPTION)
    world.assert_live(service_id, NEW_SUMMARY, NEW_DESCRIPTION, gone=("quillfeather",))
    assert "Widcombe Canal Walks" in world.waiting()


def history_rows(page: str) -> list[list[str]]:
    body = re.search(r'<tbody class="nhsuk-table__body">(.*?)</tbody>', page, re.S)
    assert body, "the history page has no table"
    return [[text_of(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
            for row in re.findall(r'<tr class="nhsuk-table__row">(.*?)</tr>', body.group(1), re.S)]


def test_history_shows_every_revision(world: World) -> None:
    service_id = world.publish_new()  # 1: approved
    world.edit(service_id, **NEW_TEXT)  # 2: rejected
    world.reject(world.waiting_revision(), "Please use the office number.")
    world.edit(service_id, summary=NEW_SUMMARY)  # 3: superseded by 4 before anyone decided
    world.edit(service_id, summary=NEW_SUMMARY, phone="01225 411 411")  # 4: approved
    world.approve(world.waiting_revision())
    world.edit(service_id, description=NEW_DESCRIPTION)  # 5: waiting

    page = world.editor.get(f"/manage/services/{service_id}/history")
    assert page.status_code == 200
    rows = history_rows(page.get_data(as_text=True))

    decisions = [row[3] for row in rows]  # newest first
    assert [d.split(":")[0].split(" by ")[0] for d in decisions] == [
        "Pending", "Approved", "Superseded", "Rejected", "Approved"]
    assert decisions[3].startswith("Rejected: Please use the office number.") and ADMIN in decisions[3]
    assert ADMIN in decisions[1] and ADMIN in decisions[4]
    assert [row[1] for row in rows] == [EDITOR] * 5
    assert [row[2] for row in rows] == ["web"] * 5
    with world.app.app_context():
        assert db.session.scalar(select(func.count(Revision.id)).where(Revision.service_id == service_id)) == 5


def test_an_administrator_can_restore_an_earlier_revision(world: World) -> None:
    service_id = world.publish_new()
    world.edit(service_id, **NEW_TEXT)
    world.approve(world.waiting_revision())
    world.assert_live(service_id, NEW_SUMMARY, NEW_DESCRIPTION, gone=("quillfeather",))
    with world.app.app_context():
        first = db.session.scalars(select(Revision).where(Revision.service_id == service_id)
                                   .order_by(Revision.id)).first().id

    history = world.admin.get(f"/admin/services/{service_id}/history").get_data(as_text=True)
    assert f'action="/admin/revisions/{first}/restore"' in history
    response = submit(world.admin, f"/admin/services/{service_id}/history", {},
                      action=f"/admin/revisions/{first}/restore")

    assert response.status_code == 302
    world.assert_live(service_id, OLD_SUMMARY, OLD_DESCRIPTION, gone=("zephyrine",))
    stored = world.service(service_id)
    assert (stored["phone"], stored["min_age"]) == ("01225 400 400", 18)
    assert stored["revisions"][-1] == ("approved", "restore", f"Restored from revision {first}")
    assert len(stored["revisions"]) == 3  # nothing lost: the restore is a new revision
    rows = history_rows(world.editor.get(f"/manage/services/{service_id}/history").get_data(as_text=True))
    assert rows[0][2] == "restore"


def test_editors_cannot_restore_revisions(world: World) -> None:
    service_id = world.publish_new()
    world.edit(service_id, **NEW_TEXT)
    world.approve(world.waiting_revision())
    with world.app.app_context():
        first = db.session.scalars(select(Revision).where(Revision.service_id == service_id)
                                   .order_by(Revision.id)).first().id
    before = world.service(service_id)

    response = submit(world.editor, f"/manage/services/{service_id}/history", {},
                      action=f"/admin/revisions/{first}/restore")

    assert response.status_code == 404
    assert world.service(service_id) == before
    assert 'action="/admin/revisions/' not in world.editor.get(
        f"/manage/services/{service_id}/history").get_data(as_text=True)


def test_archiving_removes_a_listing_and_restoring_brings_it_back(world: World) -> None:
    service_id = world.publish_new()
    world.assert_live(service_id, OLD_SUMMARY, OLD_DESCRIPTION, gone=())
    revisions_before = world.service(service_id)["revisions"]

    world.press_on_dashboard(service_id, "archive")

    assert world.service(service_id)["status"] == ServiceStatus.ARCHIVED
    assert world.found("quillfeather") == []
    assert world.public_page(service_id)[0] == 404
    row = world.dashboard_row(service_id)
    assert "Archived" in row and f'action="/manage/services/{service_id}/restore"' in row
    assert world.service(service_id)["revisions"] == revisions_before  # archiving deletes nothing

    world.press_on_dashboard(service_id, "restore")

    assert world.service(service_id)["status"] == ServiceStatus.PUBLISHED
    world.assert_live(service_id, OLD_SUMMARY, OLD_DESCRIPTION, gone=())
    assert "In the directory" in world.dashboard_row(service_id)


def test_a_pending_edit_survives_archiving_and_approval_still_works(world: World) -> None:
    """Archiving withdraws the listing; a change sent before stays in the queue and is kept."""
    service_id = world.publish_new()
    world.edit(service_id, **NEW_TEXT)
    world.press_on_dashboard(service_id, "archive")
    assert world.found("quillfeather") == [] and world.found("zephyrine") == []
    with world.app.app_context():
        statuses = [r.status for r in db.session.get(Service, service_id).revisions]
    assert statuses == [RevisionStatus.APPROVED, RevisionStatus.PENDING]
