"""The approval review names every coded value as people know it, and a rejection email names the listing as
it is live and says which change was not accepted (issue 24, item 2)."""

import re
from collections.abc import Iterator

import pytest
from flask import Flask

from app.accounts.operations import create_user
from app.directory.models import Organisation, OrganisationStatus
from app.extensions import db
from app.taxonomies import LIST_TAXONOMIES, taxonomy
from tests.conftest import use_smtp
from tests.test_revisions import ADMIN, EDITOR, PASSWORD, World, diff_rows, sign_in
from tests.web import client_at, confirmation_of, title_of

LIVE_NAME = "Widcombe Canal Walks"
PROPOSED_NAME = "Widcombe Towpath Rambles"


@pytest.fixture
def scene(app: Flask, smtp) -> Iterator[World]:
    """An editor of an approved organisation and an administrator, signed in, with a real SMTP server."""
    mailbox = use_smtp(app, smtp)
    with app.app_context():
        organisation = Organisation(name="Widcombe Wellbeing Trust", status=OrganisationStatus.APPROVED)
        db.session.add(organisation)
        create_user(EDITOR, PASSWORD, role="editor", organisation=organisation, name="Wren Walker")
        create_user(ADMIN, PASSWORD, role="admin", name="Directory Team")
        db.session.commit()
        organisation_id = organisation.id
    editor, admin = client_at(app, "10.2.1.1"), client_at(app, "10.2.1.2")
    sign_in(editor, EDITOR)
    sign_in(admin, ADMIN)
    yield World(app, mailbox, editor, admin, client_at(app, "10.2.1.3"), organisation_id)


def main_text(page: str) -> str:
    match = re.search(r"<main\b.*?</main>", page, re.S)
    assert match, "the page has no main content"
    return match.group(0)


def test_the_review_of_a_change_to_delivery_and_areas_shows_labels_not_codes(scene: World) -> None:
    service_id = scene.publish_new()
    proposed = {"access": ["in-person", "home-visit", "text"], "areas": ["bath", "bnes-wide", "somerset"],
                "referral": ["self", "urgent"], "audiences": ["older-people", "learning-disability"],
                "accessibility": ["hearing-loop", "easy-read"], "categories": ["wellbeing", "drugs-alcohol"]}
    scene.edit(service_id, **proposed)

    page = scene.review(scene.waiting_revision())

    rows = diff_rows(page)
    assert rows["How it is delivered"] == ("In person", "In person; Home visits; By text message")
    assert rows["Areas"] == ("Bath", "Bath; All of Bath and North East Somerset; Somerset (including Frome)")
    proposed_cells = {after for _before, after in rows.values()}
    for name, slugs in proposed.items():
        named = "; ".join(taxonomy(name).label(slug) for slug in slugs)
        assert named in proposed_cells, f"no row shows the {name} proposed by name: {named}"
    codes = {slug for name in LIST_TAXONOMIES for slug in taxonomy(name).slugs if "-" in slug}
    shown = main_text(page)
    assert sorted(code for code in codes if re.search(rf"(?<![\w/-]){code}(?![\w-])", shown)) == []


def test_the_rejection_email_names_the_listing_as_it_is_live_and_the_change_not_accepted(scene: World) -> None:
    service_id = scene.publish_new()
    scene.edit(service_id, name=PROPOSED_NAME, summary="Towpath rambles for everyone", phone="01225 499 499")
    revision_id = scene.waiting_revision(PROPOSED_NAME)
    reason = "Please keep the name people know the walks by."

    response = scene.reject(revision_id, reason)

    assert response.status_code == 302
    [email] = [m for m in scene.mailbox.to(EDITOR) if "not approved" in m["Subject"]]
    assert email["Subject"] == f"Your change to ‘{LIVE_NAME}’ was not approved"
    body = " ".join(email.get_content().split())
    assert f"Your change to ‘{LIVE_NAME}’, sent on " in body
    assert reason in body
    assert f"The change was to: Name (to ‘{PROPOSED_NAME}’), Summary, Phone." in body
    assert f"The directory still shows ‘{LIVE_NAME}’ as it was." in body
    assert f"http://wellaware.test/manage/services/{service_id}/edit" in body
    queue = scene.admin.get("/admin/queue").get_data(as_text=True)
    assert title_of(queue).startswith(f"Not approved: {LIVE_NAME}")
    assert PROPOSED_NAME not in confirmation_of(queue)


def test_the_rejection_of_a_new_listing_says_it_is_not_in_the_directory(scene: World) -> None:
    scene.propose_new(name=PROPOSED_NAME)

    scene.reject(scene.waiting_revision(PROPOSED_NAME), "We could not reach you on the phone number given.")

    [email] = [m for m in scene.mailbox.to(EDITOR) if "not approved" in m["Subject"]]
    assert email["Subject"] == f"Your new listing ‘{PROPOSED_NAME}’ was not approved"
    body = " ".join(email.get_content().split())
    assert "It is not in the directory." in body and "still shows" not in body
