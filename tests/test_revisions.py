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
from sqlalchemy import func, select, text

from app.accounts.models import User
from app.accounts.operations import create_user
from app.directory.models import Organisation, OrganisationStatus, Revision, RevisionStatus, Service, ServiceStatus
from app.directory.revisions import AlreadyDecided, approve, live_data, pending_revision, propose
from app.extensions import db
from app.taxonomies import clusters
from tests import web
from tests.conftest import Mailbox, use_smtp
from tests.web import client_at, submit, table_rows

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
        "phone": "01225 400400",
    }
    fields.update(changes)
    return fields


NEW_TEXT = {"summary": NEW_SUMMARY, "description": NEW_DESCRIPTION, "phone": "01225 499499", "min_age": "16"}


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
        row = re.search(r'<tr class="nhsuk-table__row"[^>]*>\s*<td[^>]*>.*?href="/manage/services/' + str(service_id)
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


def diff_rows(review_page: str) -> dict[str, tuple[str, ...]]:
    """Each changed field's label → its cells as a screen reader hears them: the value now and the one
    proposed, or, for a long field, the proposed text with what it takes out and puts in said in words."""
    rows = table_rows(review_page)
    assert rows, "the review page has no table of changes"
    return {label: tuple(cells) for label, *cells in rows}


def marks(review_page: str, label: str) -> dict[str, list[str]]:
    """The words marked removed (``<del>``) and added (``<ins>``) in the row of ``label``, as HTML source
    without the words for screen readers."""
    row = re.search(r'<tr[^>]*>(?:(?!</tr>).)*?<div class="wa-table__value">' + re.escape(label)
                    + r"</div>(?:(?!</tr>).)*</tr>", review_page, re.S)
    assert row, f"no row for {label}"
    spoken = re.compile(r'<span class="nhsuk-u-visually-hidden">[^<]*</span>')
    return {tag: [spoken.sub("", inner) for inner in re.findall(rf"<{tag}>(.*?)</{tag}>", row.group(0), re.S)]
            for tag in ("del", "ins")}


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
        "Summary": ("Gentle walks around Widcombe with removed: quillfeather (end of removal) "
                    "added: zephyrine (end of addition) guides",),
        "Description": ("Meet at the removed: quillfeather bench (end of removal) added: zephyrine gate "
                        "(end of addition) by the canal added: lock (end of addition).",),
        "Youngest age": ("18", "16"),
        "Phone": ("01225 400400", "01225 499499"),
    }
    assert EDITOR in page


def test_a_long_field_marks_exactly_the_words_that_change(world: World) -> None:
    old = ("Friendly walks for older people along the canal towpath every Wednesday morning.\n\n"
           "We meet at the Widcombe lock gates at ten and walk for about an hour, at an easy pace, with a stop "
           "for tea at the Ring O' Bells. Wear sturdy shoes; the path can be muddy after rain.\n\n"
           "Carers and family members are welcome to come along too.")
    new = ("Friendly walks for older people along the canal towpath every Thursday morning.\n\n"
           "We meet at the Widcombe lock gates at ten and walk for about an hour, at a gentle pace, with a stop "
           "for tea at the Ring O' Bells. Wear sturdy shoes; the path can be muddy after rain.\n\n"
           "Carers and family members are welcome.")
    service_id = world.publish_new()
    world.edit(service_id, description=old)
    world.approve(world.waiting_revision())
    world.edit(service_id, description=new)

    page = world.review(world.waiting_revision())

    assert marks(page, "Description") == {"del": ["Wednesday", "an easy", "to come along too"],
                                          "ins": ["Thursday", "a gentle"]}
    # Read aloud, each mark says what it is; the words no edit touched are there once, unmarked.
    (description,) = diff_rows(page)["Description"]
    assert "removed: Wednesday (end of removal) added: Thursday (end of addition) morning." in description
    assert "are welcome removed: to come along too (end of removal)." in description
    assert page.count("Wear sturdy shoes; the path can be muddy after rain.") == 1  # once, not in two columns


def test_a_short_field_or_one_that_only_changes_its_spacing_shows_now_and_proposed(world: World) -> None:
    service_id = world.publish_new()
    world.edit(service_id, description="Meet at the quillfeather  bench\nby the canal.", phone="01225 499499")

    page = world.review(world.waiting_revision())

    assert diff_rows(page)["Phone"] == ("01225 400400", "01225 499499")
    assert diff_rows(page)["Description"] == (OLD_DESCRIPTION, "Meet at the quillfeather bench by the canal.")
    assert marks(page, "Description") == {"del": [], "ins": []}


def test_the_text_of_a_change_is_escaped_in_the_review(world: World) -> None:
    """An editor's text is shown as text, marked or not: never as markup the reviewer's browser runs."""
    service_id = world.publish_new()
    world.edit(service_id, summary='Walks <img src=x onerror="alert(1)"> by the canal',
               description="Meet at the bench. <b>Bring</b> water & a hat.")
    world.approve(world.waiting_revision())
    world.edit(service_id, summary='Walks <script>alert("summary")</script> by the canal',
               description="Meet at the bench. <i>Bring</i> water & a <script>alert(2)</script> hat.")

    page = world.review(world.waiting_revision())

    main = page.split("<main", 1)[1]
    for raw in ("<script", "<img", "<b>", "<i>"):
        assert raw not in main, raw
    summary = marks(page, "Summary")
    assert summary["del"] and summary["ins"]
    assert all("<" not in fragment and ">" not in fragment for fragment in summary["del"] + summary["ins"])
    assert "&lt;/script&gt;" in "".join(summary["ins"]) and "onerror=&#34;" in "".join(summary["del"])
    assert marks(page, "Description") == {"del": ["b", "b"],
                                          "ins": ["i", "i", "&lt;script&gt;alert(2)&lt;/script&gt;"]}
    assert "water &amp; a" in main


def test_the_review_names_taxonomy_terms_and_care_clusters(world: World) -> None:
    service_id = world.publish_new()
    world.edit(service_id, kind="service", categories=["wellbeing", "mental-health"], cost="donation",
               clusters_main=["4"])

    rows = diff_rows(world.review(world.waiting_revision()))

    assert rows["Kind"] == ("Group", "Service")
    assert rows["Kind of help"] == ("Wellbeing; Physical health", "Wellbeing; Mental health")
    assert rows["Cost"] == ("Free", "Pay what you can")
    cluster = next(c for c in clusters() if c.code == 4)
    assert rows["Clusters (main focus)"] == ("(none)", f"4: {cluster.name}")


def test_approval_makes_the_new_text_live_at_once(world: World) -> None:
    service_id = world.publish_new()
    world.edit(service_id, **NEW_TEXT)
    revision_id = world.waiting_revision()

    world.approve(revision_id)

    world.assert_live(service_id, NEW_SUMMARY, NEW_DESCRIPTION, gone=("quillfeather",))
    stored = world.service(service_id)
    assert (stored["summary"], stored["phone"], stored["min_age"]) == (NEW_SUMMARY, "01225 499499", 16)
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
    rows = table_rows(page)
    assert rows, "the history page has no table"
    return rows


def test_history_shows_every_revision(world: World) -> None:
    service_id = world.publish_new()  # 1: approved
    world.edit(service_id, **NEW_TEXT)  # 2: rejected
    world.reject(world.waiting_revision(), "Please use the office number.")
    world.edit(service_id, summary=NEW_SUMMARY)  # 3: superseded by 4 before anyone decided
    world.edit(service_id, summary=NEW_SUMMARY, phone="01225 411411")  # 4: approved
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
    assert (stored["phone"], stored["min_age"]) == ("01225 400400", 18)
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

    assert response.status_code == 403  # the administrators' area
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


# --- two administrators at once (issue 18: approvals under load) -------------------------------------------


def counts(app: Flask, revision_id: int, service_id: int) -> dict[str, object]:
    """What the database holds for one decision, read with plain SQL."""
    with app.app_context(), db.engine.connect() as connection:
        def one(sql: str) -> object:
            return connection.execute(text(sql), {"revision": revision_id, "service": service_id}).scalar_one()

        return {
            "status": one("SELECT status FROM revision WHERE id = :revision"),
            "approvals": one("SELECT count(*) FROM audit_event WHERE action = 'change approved' "
                             "AND detail = 'revision ' || :revision"),
            "rejections": one("SELECT count(*) FROM audit_event WHERE action = 'change rejected' "
                              "AND detail LIKE 'revision ' || :revision || ':%'"),
            "locations": one("SELECT count(*) FROM location WHERE service_id = :service"),
            "opening_times": one("SELECT count(*) FROM opening_time WHERE service_id = :service"),
        }


def test_a_second_administrator_pressing_approve_is_told_and_changes_nothing(world: World) -> None:
    service_id = world.publish_new()
    world.edit(service_id, **NEW_TEXT)
    revision_id = world.waiting_revision()
    second_admin = client_at(world.app, "10.2.0.4")
    sign_in(second_admin, ADMIN)
    review_page = second_admin.get(f"/admin/revisions/{revision_id}").get_data(as_text=True)  # both see it waiting

    world.approve(revision_id)
    before = counts(world.app, revision_id, service_id)
    late = second_admin.post(f"/admin/revisions/{revision_id}/approve",
                             data={"csrf_token": web.csrf_token(review_page)})
    assert late.status_code == 302 and urlsplit(late.headers["Location"]).path == f"/admin/revisions/{revision_id}"
    told = second_admin.get(late.headers["Location"]).get_data(as_text=True)
    assert "Nothing done: this change to ‘Widcombe Canal Walks’ was approved by Directory Team a moment ago." \
        in html.unescape(told)
    rejected_late = second_admin.post(f"/admin/revisions/{revision_id}/reject",
                                      data={"csrf_token": web.csrf_token(review_page), "reason": "Too late"})
    assert rejected_late.status_code == 302
    assert counts(world.app, revision_id, service_id) == before
    assert before["status"] == "approved" and before["approvals"] == 1 and before["rejections"] == 0
    assert [m["Subject"] for m in world.mailbox.to(EDITOR)].count("Your change to ‘Widcombe Canal Walks’ is live") == 2


def test_an_approval_that_lost_the_race_writes_nothing(world: World) -> None:
    """Both administrators read "pending" before either wrote: the second approval must not apply the
    listing again (it doubled locations and opening times) nor overwrite who decided."""
    service_id = world.publish_new()
    world.edit(service_id, **NEW_TEXT)
    revision_id = world.waiting_revision()
    with world.app.app_context():
        admin = db.session.scalar(select(User).where(User.email == ADMIN))
        stale = db.session.get(Revision, revision_id)
        assert stale.status == RevisionStatus.PENDING  # read before the other administrator's approval
        world.approve(revision_id)  # the other administrator, in another request, commits first
        before = counts(world.app, revision_id, service_id)
        with pytest.raises(AlreadyDecided):
            approve(stale, admin)
        db.session.rollback()
    assert counts(world.app, revision_id, service_id) == before
    assert before["locations"] == 1 and before["approvals"] == 1


def test_an_edit_sent_as_an_administrator_approves_does_not_undo_the_approval(world: World) -> None:
    """The editor's new proposal supersedes the waiting one only while it is still waiting."""
    service_id = world.publish_new()
    world.edit(service_id, **NEW_TEXT)
    revision_id = world.waiting_revision()
    with world.app.app_context():
        editor = db.session.scalar(select(User).where(User.email == EDITOR))
        service = db.session.get(Service, service_id)
        assert pending_revision(service).id == revision_id  # the editor's form was read while it waited
        world.approve(revision_id)
        propose(service.organisation, live_data(service), editor, service)
        db.session.commit()
    assert counts(world.app, revision_id, service_id)["status"] == "approved"
