"""Archiving an organisation takes its listings out of every public surface, and restoring it brings back
exactly what was there (issue 24, item 1).

Everything runs through the administrators' own pages and forms, over a copy of the demo with a real search
index. What the database holds is read with plain SQL, the index through its stored documents and through the
public search page, and leaflets through the content they are built from.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text

from app.accounts.operations import find_user, set_password
from app.directory.models import Organisation, OrganisationStatus, Revision, RevisionStatus, Service
from app.directory.operations import archive
from app.directory.visibility import is_public
from app.extensions import db
from app.hubs.models import Hub
from exports.leaflets import content
from search.sync import check_index, search_index
from tests.web import confirmation_of, csrf_token, focusable_element, form_post, landing, new_client, sign_in, title_of

PASSWORD = "a long test password"
ADMIN = "admin@wellaware.example"
RESULT_LINK = re.compile(r'<li class="wa-result">\s*<h2[^>]*><a href="/services/(\d+)"')


def listings(count: int) -> str:
    return f"{count} listing" + ("" if count == 1 else "s")


@dataclass
class Scene:
    app: Flask
    admin: FlaskClient
    visitor: FlaskClient
    organisation_id: int
    name: str
    archived_before: int  # a listing of the organisation archived on its own before the organisation was

    def statuses(self) -> dict[int, str]:
        """Each of the organisation's listings and its status, straight from the database."""
        with self.app.app_context():
            rows = db.session.execute(text("SELECT id, status FROM service WHERE organisation_id = :id"),
                                      {"id": self.organisation_id}).all()
            db.session.remove()
        return {service_id: status for service_id, status in rows}

    def organisation_status(self) -> str:
        with self.app.app_context():
            status = db.session.execute(text("SELECT status FROM organisation WHERE id = :id"),
                                        {"id": self.organisation_id}).scalar_one()
            db.session.remove()
        return status

    def audit_rows(self) -> list[tuple[str, str, str, int]]:
        with self.app.app_context():
            rows = db.session.execute(text(
                "SELECT e.action, e.subject, e.detail, u.email FROM audit_event e JOIN \"user\" u ON u.id = e.actor_id"
                " WHERE e.action LIKE 'organisation %' ORDER BY e.id")).all()
            db.session.remove()
        return [tuple(row) for row in rows]

    def changes_logged(self) -> list[int]:
        """The listings in the change log every web node's index catches up from."""
        with self.app.app_context():
            rows = db.session.execute(text("SELECT service_id FROM listing_change ORDER BY id")).scalars().all()
            db.session.remove()
        return list(rows)

    def names(self, service_ids: set[int]) -> list[str]:
        """The listings' names, in the order the administrator reads them."""
        with self.app.app_context():
            rows = db.session.execute(text("SELECT id, name FROM service WHERE organisation_id = :id"),
                                      {"id": self.organisation_id}).all()
            db.session.remove()
        return sorted((name for service_id, name in rows if service_id in service_ids),
                      key=lambda name: name.casefold())

    def indexed(self) -> set[int]:
        return {int(doc_id) for doc_id in search_index(self.app).stored_fingerprints()}

    def found_by_name(self, service_id: int) -> bool:
        with self.app.app_context():
            name = db.session.execute(text("SELECT name FROM service WHERE id = :id"), {"id": service_id}).scalar_one()
            db.session.remove()
        page = self.visitor.get("/search", query_string={"q": name})
        assert page.status_code == 200
        return service_id in {int(i) for i in RESULT_LINK.findall(page.get_data(as_text=True))}

    def on_public_pages(self) -> set[int]:
        return {service_id for service_id in self.statuses()
                if self.visitor.get(f"/services/{service_id}").status_code == 200}

    def in_leaflets(self) -> set[int]:
        """The listings the hub and topic leaflets would print."""
        with self.app.app_context():
            directory = content.Directory.load(self.app.config["SITE_URL"])
            leaflets = [content.hub_leaflet(hub, directory) for hub in db.session.query(Hub).all()]
            leaflets += [content.category_leaflet(category, directory)
                         for category in content.categories_with_listings(directory)]
            db.session.remove()
        return {entry.id for leaflet in leaflets for section in leaflet.sections for entry in section.entries}


def _busiest_organisation() -> Organisation:
    """The approved demo organisation with the most public listings."""
    organisations = db.session.query(Organisation).filter_by(status=OrganisationStatus.APPROVED).all()
    return max(organisations, key=lambda o: (sum(is_public(s) for s in o.services), -o.id))


@pytest.fixture
def scene(demo_app: Flask) -> Iterator[Scene]:
    with demo_app.app_context():
        set_password(find_user(ADMIN), PASSWORD)
        organisation = _busiest_organisation()
        public = sorted((s for s in organisation.services if is_public(s)), key=lambda s: s.id)
        assert len(public) >= 3, "the demo needs an organisation with several public listings"
        archive(db.session.get(Service, public[-1].id))
        db.session.commit()
        organisation_id, name, archived_before = organisation.id, organisation.name, public[-1].id
        db.session.remove()
    admin = new_client(demo_app)
    sign_in(admin, ADMIN, PASSWORD)
    yield Scene(demo_app, admin, new_client(demo_app), organisation_id, name, archived_before)


def test_archiving_takes_the_listings_out_of_search_and_leaflets_and_restoring_brings_back_what_was_there(
        scene: Scene) -> None:
    statuses = scene.statuses()
    shown = scene.on_public_pages()
    assert scene.archived_before in statuses and scene.archived_before not in shown
    assert len(shown) >= 2 and shown <= scene.indexed() and shown <= scene.in_leaflets()
    found = {service_id for service_id in shown if scene.found_by_name(service_id)}
    assert found, "searching for a listing's name should find it"
    logged = len(scene.changes_logged())

    # From the list of organisations, the administrator asks to archive; the next page says what will happen.
    listing = scene.admin.get("/admin/organisations").get_data(as_text=True)
    ask = f"/admin/organisations/{scene.organisation_id}/archive"
    assert f'href="{ask}"' in listing
    confirm = scene.admin.get(ask)
    assert confirm.status_code == 200
    page = confirm.get_data(as_text=True)
    assert f"{len(shown)} listings will leave search and leaflets" in " ".join(page.split())
    assert scene.organisation_status() == "approved", "asking changes nothing"
    # Without the form's token, nothing happens.
    assert scene.admin.post(ask).status_code == 400
    assert scene.organisation_status() == "approved"

    page, fragment = landing(scene.admin, form_post(scene.admin, ask, {}))
    assert fragment == f"organisation-{scene.organisation_id}" and focusable_element(page, fragment) == "span"
    assert title_of(page) == f"Archived: {scene.name} – Organisations – Well Aware"
    assert f"{len(shown)} listings left search and leaflets" in confirmation_of(page)

    assert scene.organisation_status() == "archived"
    assert scene.statuses() == statuses, "the listings themselves are untouched"
    assert scene.on_public_pages() == set()
    assert scene.indexed().isdisjoint(statuses)
    assert not any(scene.found_by_name(service_id) for service_id in found)
    assert scene.in_leaflets().isdisjoint(statuses)
    with scene.app.app_context():
        assert check_index().ok
    assert set(scene.changes_logged()[logged:]) == set(statuses), "other nodes hear of every listing"
    # Archiving twice is not possible: the organisation is no longer listed.
    assert form_post(scene.admin, ask, {}, page="/admin/organisations").status_code == 404

    restore = f"/admin/organisations/{scene.organisation_id}/restore"
    listing = scene.admin.get("/admin/organisations").get_data(as_text=True)
    assert f'href="{restore}"' in listing and f'href="{ask}"' not in listing
    page = scene.admin.get(restore).get_data(as_text=True)
    assert f"{len(shown)} listings will return to search and leaflets" in " ".join(page.split())

    page, fragment = landing(scene.admin, form_post(scene.admin, restore, {}))
    assert fragment == f"organisation-{scene.organisation_id}" and focusable_element(page, fragment) == "span"
    assert title_of(page) == f"Restored: {scene.name} – Organisations – Well Aware"
    assert f"{len(shown)} listings came back to search and leaflets" in confirmation_of(page)

    assert scene.organisation_status() == "approved"
    assert scene.statuses() == statuses, "the listing archived on its own stays archived"
    assert scene.on_public_pages() == shown
    assert shown <= scene.indexed() and scene.archived_before not in scene.indexed()
    assert all(scene.found_by_name(service_id) for service_id in found)
    leaflets = scene.in_leaflets()
    assert shown <= leaflets and scene.archived_before not in leaflets
    with scene.app.app_context():
        assert check_index().ok
    assert form_post(scene.admin, restore, {}, page="/admin/organisations").status_code == 404

    names = "; ".join(scene.names(shown))
    assert scene.audit_rows() == [
        ("organisation archived", scene.name, f"{len(shown)} listings left search and leaflets: {names}", ADMIN),
        ("organisation restored", scene.name, f"{len(shown)} listings came back to search and leaflets: {names}",
         ADMIN),
    ]


def test_a_listing_changed_while_its_organisation_is_archived_comes_back_as_it_now_is(scene: Scene) -> None:
    """Restoring does not replay the past: a listing the editors archived meanwhile stays archived, and one they
    restored comes back."""
    shown = sorted(scene.on_public_pages())
    form_post(scene.admin, f"/admin/organisations/{scene.organisation_id}/archive", {})
    with scene.app.app_context():
        archive(db.session.get(Service, shown[0]))
        db.session.commit()
        db.session.remove()

    page = scene.admin.get(f"/admin/organisations/{scene.organisation_id}/restore").get_data(as_text=True)
    assert f"{listings(len(shown) - 1)} will return to search and leaflets" in " ".join(page.split())
    form_post(scene.admin, f"/admin/organisations/{scene.organisation_id}/restore", {})

    assert scene.on_public_pages() == set(shown[1:])
    assert scene.statuses()[shown[0]] == "archived"


def test_a_change_to_a_listing_of_an_archived_organisation_waits_for_it_to_be_restored(scene: Scene) -> None:
    """The review page says why the change cannot be approved yet, in words that fit an archived organisation."""
    service_id = min(scene.on_public_pages())
    with scene.app.app_context():
        service = db.session.get(Service, service_id)
        waiting = Revision(source="web", status=RevisionStatus.PENDING,
                           data={**service.revisions[-1].data, "summary": "A change sent before the archiving"})
        service.revisions.append(waiting)
        db.session.commit()
        revision_id = waiting.id
        db.session.remove()
    form_post(scene.admin, f"/admin/organisations/{scene.organisation_id}/archive", {})

    review = f"/admin/revisions/{revision_id}"
    response = scene.admin.post(f"{review}/approve", data={"csrf_token": csrf_token(
        scene.admin.get(review).get_data(as_text=True))}, follow_redirects=True)

    assert title_of(response.get_data(as_text=True)).startswith(f"{scene.name} is archived: restore it first")
    with scene.app.app_context():
        status = db.session.execute(text("SELECT status FROM revision WHERE id = :id"), {"id": revision_id})
        assert status.scalar_one() == "pending"
        db.session.remove()


def test_only_listed_organisations_can_be_archived(scene: Scene) -> None:
    with scene.app.app_context():
        pending = Organisation(name="Waiting To Be Approved", status=OrganisationStatus.PENDING)
        db.session.add(pending)
        db.session.commit()
        pending_id = pending.id
        db.session.remove()
    assert scene.admin.get(f"/admin/organisations/{scene.organisation_id}/archive").status_code == 200
    assert scene.admin.get(f"/admin/organisations/{pending_id}/archive").status_code == 404
    assert scene.admin.get(f"/admin/organisations/{pending_id}/restore").status_code == 404
    assert scene.admin.get(f"/admin/organisations/{scene.organisation_id}/restore").status_code == 404
    assert scene.admin.get("/admin/organisations/987654/archive").status_code == 404


def test_trusting_an_organisation_comes_back_to_it_in_the_list(scene: Scene) -> None:
    """The list's other form lands where archiving and restoring do: on the organisation acted on."""
    trust = f"/admin/organisations/{scene.organisation_id}/trust"
    page, fragment = landing(scene.admin, form_post(scene.admin, trust, {}, page="/admin/organisations"))
    assert fragment == f"organisation-{scene.organisation_id}" and focusable_element(page, fragment) == "span"
    assert title_of(page) == f"Trusted: {scene.name} – Organisations – Well Aware"
    assert "Its changes now publish at once." in confirmation_of(page)
