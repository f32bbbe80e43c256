"""Referrers' notes on shortlisted listings stay on the server (issue 18).

The session cookie is signed, not encrypted: anyone at the computer can read it. So it carries only a random
key naming the session's notes; the notes themselves are rows of ``shortlist_note``, readable only by the
same signed-in user with the same key, and gone at sign-out or after twelve hours.
"""

import base64
import html
import json
import zlib
from datetime import timedelta

import pytest
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from flask.testing import FlaskClient
from sqlalchemy import text

from app.accounts.operations import create_user, find_user, set_password
from app.extensions import db
from app.shortlist.store import delete_notes_for
from app.timeutil import utcnow
from tests.test_shortlist import (
    PASSWORD,
    REFERRER,
    add_from_listing,
    clustered_with_contacts,
    page_of,
    shortlist_action,
)
from tests.web import form_post, new_client, sign_in

SERVER = "wellaware.test"
OTHER_REFERRER = "second.referrer@nhs.example"
NOTE = "for J. Smith, DOB 1980-04-01: ask for Priya"


def session_cookie(client: FlaskClient) -> str:
    cookie = client.get_cookie("session", domain=SERVER)
    assert cookie is not None, "no session cookie"
    return cookie.value


def cookie_payload(value: str) -> str:
    """What anyone can read from the cookie without the secret key: its payload, decoded (and inflated)."""
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".", 1)[0]
    raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    return (zlib.decompress(raw) if compressed else raw).decode("utf-8")


def session_of(app: Flask, client: FlaskClient) -> dict[str, object]:
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    assert serializer is not None
    return serializer.loads(session_cookie(client))


def note_rows(app: Flask, user_email: str) -> int:
    with app.app_context():
        user_id = find_user(user_email).id
        count = db.session.execute(text("SELECT count(*) FROM shortlist_note WHERE user_id = :user"),
                                   {"user": user_id}).scalar_one()
        db.session.remove()
        return count


def all_note_rows(app: Flask) -> int:
    with app.app_context():
        count = db.session.execute(text("SELECT count(*) FROM shortlist_note")).scalar_one()
        db.session.remove()
        return count


@pytest.fixture
def notes_app(demo_app: Flask) -> Flask:
    """The demo, with the demo referrer's password known and a second referrer. (Setting a password ends the
    account's sessions, so it is done once, before anyone signs in.)"""
    with demo_app.app_context():
        set_password(find_user(REFERRER), PASSWORD)
        create_user(OTHER_REFERRER, PASSWORD, role="referrer", name="Second Referrer")
        db.session.commit()
    return demo_app


def signed_in(app: Flask, email: str = REFERRER) -> FlaskClient:
    client = new_client(app)
    sign_in(client, email, PASSWORD)
    return client


def referrer_with_a_note(app: Flask, email: str = REFERRER) -> tuple[FlaskClient, int, str]:
    """A signed-in referrer with one listing shortlisted and NOTE written on it: (browser, listing id, name)."""
    (service_id, name, _, _), = clustered_with_contacts(app, 1)
    client = signed_in(app, email)
    add_from_listing(client, service_id)
    assert shortlist_action(client, "note", service_id, note=NOTE).status_code == 302
    return client, service_id, name


def test_the_cookie_carries_a_random_key_and_never_the_note(notes_app: Flask) -> None:
    client, service_id, _ = referrer_with_a_note(notes_app)
    value = session_cookie(client)
    readable = cookie_payload(value)
    for part in ("J. Smith", "1980", "Priya"):
        assert part not in readable and part not in value, part
    held = session_of(notes_app, client)
    assert NOTE not in json.dumps(held, default=str)
    assert "shortlist_notes" not in held
    holder = held["shortlist_note_holder"]
    assert isinstance(holder, str) and len(holder) >= 32
    # The note is on the server, under that key, for this user.
    with notes_app.app_context():
        row = db.session.execute(text("SELECT holder, user_id, service_id, text FROM shortlist_note")).one()
        assert tuple(row) == (holder, find_user(REFERRER).id, service_id, NOTE)
        db.session.remove()


def test_the_referrer_sees_the_note_on_the_shortlist_and_the_print_page(notes_app: Flask) -> None:
    client, _, name = referrer_with_a_note(notes_app)
    assert html.escape(NOTE) in page_of(client.get("/shortlist/"))
    printed = page_of(client.get("/shortlist/print?notes=yes"))
    assert printed.index(html.escape(name)) < printed.index(f"<strong>Note:</strong> {html.escape(NOTE)}")
    assert html.escape(NOTE) not in page_of(client.get("/shortlist/print"))


def test_signing_out_deletes_the_notes_from_the_database(notes_app: Flask) -> None:
    client, _, _ = referrer_with_a_note(notes_app)
    assert note_rows(notes_app, REFERRER) == 1
    assert form_post(client, "/sign-out", {}, page="/shortlist/").status_code == 302
    assert note_rows(notes_app, REFERRER) == 0
    assert "shortlist_note_holder" not in session_of(notes_app, client)


def test_signing_out_deletes_the_users_notes_from_every_session(notes_app: Flask) -> None:
    """A referrer with notes on two computers signs out on one: the notes on the other go too, since signing
    out ends every session of the account."""
    first, _, _ = referrer_with_a_note(notes_app)
    second, _, _ = referrer_with_a_note(notes_app)
    assert note_rows(notes_app, REFERRER) == 2
    form_post(first, "/sign-out", {}, page="/shortlist/")
    assert note_rows(notes_app, REFERRER) == 0
    assert NOTE not in page_of(second.get("/shortlist/"))


def test_another_referrers_session_cannot_see_the_note(notes_app: Flask) -> None:
    owner, service_id, _ = referrer_with_a_note(notes_app)
    holder = session_of(notes_app, owner)["shortlist_note_holder"]
    other = signed_in(notes_app, OTHER_REFERRER)
    add_from_listing(other, service_id)
    for url in ("/shortlist/", "/shortlist/print?notes=yes"):
        assert NOTE not in page_of(other.get(url)), url
    # Not even with the owner's key in its session (copied from the owner's cookie, say).
    with other.session_transaction() as held:
        held["shortlist_note_holder"] = holder
    for url in ("/shortlist/", "/shortlist/print?notes=yes"):
        assert NOTE not in page_of(other.get(url)), url
    # Its own note on the same listing goes under a key of its own, and leaves the owner's alone.
    shortlist_action(other, "note", service_id, note="Second referrer's own note")
    assert session_of(notes_app, other)["shortlist_note_holder"] != holder
    assert "Second referrer&#39;s own note" in page_of(other.get("/shortlist/"))
    assert NOTE in page_of(owner.get("/shortlist/"))
    assert "own note" not in page_of(owner.get("/shortlist/"))


def test_the_same_referrer_in_another_browser_does_not_see_the_note(notes_app: Flask) -> None:
    first, service_id, _ = referrer_with_a_note(notes_app)
    elsewhere = signed_in(notes_app)
    add_from_listing(elsewhere, service_id)
    assert NOTE not in page_of(elsewhere.get("/shortlist/"))
    assert NOTE in page_of(first.get("/shortlist/"))


def test_notes_older_than_twelve_hours_are_deleted_when_notes_are_next_read(notes_app: Flask) -> None:
    client, _, _ = referrer_with_a_note(notes_app)
    stale, _, _ = referrer_with_a_note(notes_app, OTHER_REFERRER)  # left open on a shared computer
    with notes_app.app_context():
        holder = session_of(notes_app, stale)["shortlist_note_holder"]
        db.session.execute(text("UPDATE shortlist_note SET updated_at = :when WHERE holder = :holder"),
                           {"when": utcnow() - timedelta(hours=12, minutes=1), "holder": holder})
        db.session.commit()
        db.session.remove()
    assert all_note_rows(notes_app) == 2
    assert NOTE in page_of(client.get("/shortlist/"))  # anyone's reading notes clears out everyone's stale ones
    assert all_note_rows(notes_app) == 1
    assert NOTE not in page_of(stale.get("/shortlist/"))


def test_removing_or_emptying_deletes_the_notes(notes_app: Flask) -> None:
    client, service_id, _ = referrer_with_a_note(notes_app)
    shortlist_action(client, "remove", service_id)
    assert note_rows(notes_app, REFERRER) == 0
    add_from_listing(client, service_id)
    assert NOTE not in page_of(client.get("/shortlist/"))
    shortlist_action(client, "note", service_id, note=NOTE)
    assert note_rows(notes_app, REFERRER) == 1
    form_post(client, "/shortlist/clear", {}, page="/shortlist/")
    assert note_rows(notes_app, REFERRER) == 0


def test_delete_notes_for_a_user_when_all_their_sessions_end(notes_app: Flask) -> None:
    """For sign-out everywhere and password resets, which end sessions without this browser's cookie."""
    client, _, _ = referrer_with_a_note(notes_app)
    other = signed_in(notes_app, OTHER_REFERRER)
    (service_id, _, _, _), = clustered_with_contacts(notes_app, 1)
    add_from_listing(other, service_id)
    shortlist_action(other, "note", service_id, note="kept")
    with notes_app.app_context():
        delete_notes_for(find_user(REFERRER).id)
        db.session.commit()
    assert note_rows(notes_app, REFERRER) == 0
    assert note_rows(notes_app, OTHER_REFERRER) == 1
    assert NOTE not in page_of(client.get("/shortlist/"))
